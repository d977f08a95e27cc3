#include "unit.h"
const struct ut_case store_cases[] = { { NULL, NULL } };
