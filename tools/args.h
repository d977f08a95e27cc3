/* SPDX-License-Identifier: MIT */
/*
 * Strict command-line parsing: decimal numbers with full-string and range
 * checks, the actions list, lease names, and a small option table.
 */
#ifndef QC_ARGS_H
#define QC_ARGS_H

#include <stddef.h>
#include <stdint.h>

#include "quorumctl.h"

int qc_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out);
int qc_parse_actions(const char *s, uint32_t *out, char *bad, size_t badlen);
int qc_check_name(const char *s);
int qc_deadline_after(uint64_t now_ns, uint64_t ms, uint64_t *out);

enum qc_opt_kind {
	QC_OPT_FLAG,		/* no value; val = 1 when given */
	QC_OPT_NUM,		/* decimal in [min, max] */
	QC_OPT_ACTIONS,		/* io,reboot,panic,log-only -> mask */
	QC_OPT_STR,		/* any non-empty string; str points into argv */
};

struct qc_opt {
	const char *name;	/* without the leading "--" */
	enum qc_opt_kind kind;
	uint64_t min, max;
	int required;
	int seen;		/* out */
	uint64_t val;		/* out */
	const char *str;	/* out, QC_OPT_STR */
};

int qc_parse_args(struct qc_ctx *ctx, int argc, char **argv,
		  struct qc_opt *opts, size_t nopts, char **pos, size_t npos);
int qc_parse_argsv(struct qc_ctx *ctx, int argc, char **argv,
		   struct qc_opt *opts, size_t nopts, char **pos,
		   size_t minpos, size_t maxpos, const char *posnames,
		   size_t *npos);
struct qc_opt *qc_opt_find(struct qc_opt *opts, size_t nopts, const char *name);

#endif /* QC_ARGS_H */
