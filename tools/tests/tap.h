/* SPDX-License-Identifier: MIT */
/*
 * Minimal test reporting: every check prints "ok NAME" or
 * "FAIL NAME: why"; the program exits non-zero if any check failed.
 */
#ifndef QC_TAP_H
#define QC_TAP_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int tap_failed;

#define CHECK(name, cond, ...)						\
	do {								\
		if (cond) {						\
			printf("ok %s\n", name);			\
		} else {						\
			printf("FAIL %s: ", name);			\
			printf(__VA_ARGS__);				\
			printf("\n");					\
			tap_failed++;					\
		}							\
	} while (0)

#define CHECK_STR(name, got, want)					\
	CHECK(name, !strcmp((got), (want)),				\
	      "got \"%s\", want \"%s\"", (got), (want))

#define TAP_DONE() (fflush(stdout), tap_failed ? 1 : 0)

/* Capture what a formatting function writes. Free the result. */
#define CAPTURE(buf, stmt)						\
	do {								\
		size_t cap_len_;					\
		FILE *f = open_memstream(&(buf), &cap_len_);		\
		stmt;							\
		fclose(f);						\
	} while (0)

#endif /* QC_TAP_H */
