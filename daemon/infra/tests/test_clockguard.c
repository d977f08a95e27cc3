#include "unit.h"
const struct ut_case clock_cases[] = { { NULL, NULL } };
