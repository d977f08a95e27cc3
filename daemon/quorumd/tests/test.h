/* SPDX-License-Identifier: MIT */
/*
 * Minimal unit-test harness for quorumd: each test is a void function;
 * CHECK() records the first failure (file:line and expression) and returns.
 * Every test prints `ok NAME` or `FAIL NAME: why`; the last line is
 * `N passed, N failed`.
 */
#ifndef QD_TEST_H
#define QD_TEST_H

#include <stdbool.h>
#include <stdio.h>

struct t_case {
	const char *name;
	void (*fn)(void);
};

extern char t_why[256];
#define CHECK(cond) do { \
	if (!(cond)) { \
		if (!t_why[0]) \
			snprintf(t_why, sizeof(t_why), "%s:%d: %s", \
				 __FILE__, __LINE__, #cond); \
		return; \
	} \
} while (0)

extern const struct t_case t_codec[], t_nlmsg[], t_ctl[], t_hooks[],
	t_cfgmap[], t_kernel[], t_persist[], t_binary[], t_runtime[], t_leaselock[],
	t_fencelog[], t_pr[], t_rejoin[];

#endif
