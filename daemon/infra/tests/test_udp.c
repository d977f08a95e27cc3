#include "unit.h"
const struct ut_case udp_cases[] = { { NULL, NULL } };
