/* SPDX-License-Identifier: MIT */
/* A tiny test harness: each case prints "ok NAME" or "FAIL NAME: why". */
#ifndef QF_TEST_H
#define QF_TEST_H

#include <stdbool.h>
#include <stdio.h>

struct test_case {
	const char *name;
	void (*fn)(void);
};

extern bool test_failed;
void test_fail(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#define CHECK(cond) do { \
	if (!(cond)) { test_fail(__FILE__, __LINE__, "%s", #cond); return; } \
} while (0)
#define CHECK_EQ(a, b) do { \
	unsigned long long _a = (unsigned long long)(a), _b = (unsigned long long)(b); \
	if (_a != _b) { test_fail(__FILE__, __LINE__, "%s == %llu, expected %s == %llu", \
				  #a, _a, #b, _b); return; } \
} while (0)

extern const struct test_case quorum_tests[], config_tests[], log_tests[],
	state_tests[], lease_tests[], raft_tests[], cluster_tests[],
	codec_tests[], pr_tests[];

int datadriven_run_all(const char *dir, int *passed, int *failed);

#endif
