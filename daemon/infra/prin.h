/* SPDX-License-Identifier: MIT */
/*
 * PERSISTENT RESERVE IN replies (SPC-3 6.11), decoded and checked before
 * anything in them is believed (design.md rule 13, §2.9). Pure: the bytes
 * come from SG_IO through libsgutils2 (daemon/quorumd/pr.c) or from a
 * test. A reply that is short, longer than its buffer, whose additional
 * length lies or is not a multiple of 8, or that names an unknown
 * reservation type or scope, is an error with a sentence in why, and the
 * output is left untouched.
 */
#ifndef QF_INFRA_PRIN_H
#define QF_INFRA_PRIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define QF_PR_MAX_KEYS	64	/* registrations read per LUN */
#define QF_PRIN_KEYS_LEN (8 + 8 * QF_PR_MAX_KEYS)	/* allocation length */

/* SCSI reservation types (SPC-3 table 174; not the kernel's enum pr_type). */
enum {
	QF_PR_TYPE_WR_EX = 1, QF_PR_TYPE_EX_AC = 3, QF_PR_TYPE_WR_EX_RO = 5,
	QF_PR_TYPE_EX_AC_RO = 6, QF_PR_TYPE_WR_EX_AR = 7,
	QF_PR_TYPE_EX_AC_AR = 8,
};

struct qf_pr_keys {
	uint32_t generation;	/* the target's PRgeneration */
	unsigned int n;
	uint64_t key[QF_PR_MAX_KEYS];
};

struct qf_pr_resv {
	uint32_t generation;
	bool held;
	uint64_t key;		/* holder's key (0 for all-registrants types) */
	uint8_t type;		/* QF_PR_TYPE_*, 0 if none */
};

struct qf_pr_caps {
	bool tmv;		/* type mask valid */
	bool wr_ex_ar;		/* Write Exclusive - All Registrants offered */
	bool ptpl_a;		/* persist through power loss active */
};

/* len: bytes the target returned (<= the allocation length asked for). */
int qf_prin_keys(const uint8_t *buf, size_t len, struct qf_pr_keys *out,
		 char *why, size_t whylen);
int qf_prin_resv(const uint8_t *buf, size_t len, struct qf_pr_resv *out,
		 char *why, size_t whylen);
int qf_prin_caps(const uint8_t *buf, size_t len, struct qf_pr_caps *out,
		 char *why, size_t whylen);
bool qf_pr_keys_has(const struct qf_pr_keys *k, uint64_t key);
const char *qf_pr_type_name(uint8_t type);

#endif /* QF_INFRA_PRIN_H */
