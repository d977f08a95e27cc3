#include "unit.h"
const struct ut_case wire_cases[] = { { NULL, NULL } };
