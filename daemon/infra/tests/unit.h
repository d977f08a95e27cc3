/* SPDX-License-Identifier: MIT */
/*
 * Minimal unit-test harness for daemon/infra.
 *
 * A test is a void function; UT_ASSERT() records the first failure (with
 * file:line and the failed expression) and returns from the test. Each test
 * runs with a fresh temporary directory (ut_dir) and with the ILOG sink
 * captured into ut_log (so a test can check that something was logged).
 */
#ifndef QF_INFRA_UNIT_H
#define QF_INFRA_UNIT_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

struct ut_case {
	const char *name;
	void (*fn)(void);
};

extern char ut_dir[];		/* fresh per test, removed after it */
extern char ut_log[8192];	/* everything ILOG'd during the test */

void ut_fail(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
bool ut_failed(void);
/* ut_path("x") = ut_dir + "/x" in a static rotating buffer. */
const char *ut_path(const char *name);
/* Write a whole file (mode 0600). Returns 0 or -1. */
int ut_write_file(const char *path, const void *buf, size_t len);
/* Read up to cap bytes; returns length or -1. */
long ut_read_file(const char *path, void *buf, size_t cap);

#define UT_ASSERT(cond) do { \
	if (!(cond)) { \
		ut_fail(__FILE__, __LINE__, "%s", #cond); \
		return; \
	} \
} while (0)

#define UT_ASSERTF(cond, ...) do { \
	if (!(cond)) { \
		ut_fail(__FILE__, __LINE__, __VA_ARGS__); \
		return; \
	} \
} while (0)

#define UT_EQ(a, b) do { \
	long long _a = (long long)(a), _b = (long long)(b); \
	if (_a != _b) { \
		ut_fail(__FILE__, __LINE__, "%s == %lld, expected %s == %lld", \
			#a, _a, #b, _b); \
		return; \
	} \
} while (0)

#define UT_CONTAINS(hay, needle) do { \
	if (!strstr((hay), (needle))) { \
		ut_fail(__FILE__, __LINE__, "'%s' does not contain '%s'", \
			(hay), (needle)); \
		return; \
	} \
} while (0)

extern const struct ut_case conf_cases[];
extern const struct ut_case prin_cases[];
extern const struct ut_case store_cases[];
extern const struct ut_case wire_cases[];
extern const struct ut_case bootid_cases[];
extern const struct ut_case udp_cases[];
extern const struct ut_case clock_cases[];
extern const struct ut_case rejoinprobe_cases[];

#endif /* QF_INFRA_UNIT_H */
