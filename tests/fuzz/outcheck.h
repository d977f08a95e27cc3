/* SPDX-License-Identifier: MIT */
/*
 * What every formatter of quorumctl must keep, whatever a peer put in the
 * strings it decoded: JSON output carries no raw control byte (a string is
 * escaped, a newline only ends a line), text output none but the newline
 * and the tab (a name cannot move the operator's cursor or forge a line).
 */
#ifndef QF_FUZZ_OUTCHECK_H
#define QF_FUZZ_OUTCHECK_H

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>

/* Run @print into memory and check its bytes; @json selects the rule. */
#define OUTCHECK(json, print_call)                                           \
	do {                                                                 \
		char *buf_ = NULL;                                           \
		size_t len_ = 0;                                             \
		FILE *f = open_memstream(&buf_, &len_);                      \
		assert(f);                                                   \
		print_call;                                                  \
		fclose(f);                                                   \
		for (size_t i_ = 0; i_ < len_; i_++) {                       \
			unsigned char c_ = (unsigned char)buf_[i_];          \
			assert(c_ >= 0x20 || c_ == '\n' ||                   \
			       (!(json) && c_ == '\t'));                     \
			assert(c_ != 0x7f);                                  \
		}                                                            \
		free(buf_);                                                  \
	} while (0)

#endif /* QF_FUZZ_OUTCHECK_H */
