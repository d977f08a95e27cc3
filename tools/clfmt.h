/* SPDX-License-Identifier: MIT */
/*
 * Output of the cluster commands: quorumd's status as a readable page of
 * tables or as one JSON object, and the result of a mutation. Every input
 * has passed qc_ctl_decode (counts bounded, strings terminated).
 */
#ifndef QC_CLFMT_H
#define QC_CLFMT_H

#include <stdbool.h>
#include <stdio.h>

#include "ctl_proto.h"

const char *qc_raft_state_name(uint8_t s);
const char *qc_kernel_state_name(uint8_t s);
const char *qc_role_name(uint8_t r);
const char *qc_fence_reason_name(uint8_t r);
const char *qc_drop_name(unsigned int verdict);

void qc_print_status(FILE *f, const struct qfctl_status *st);
void qc_print_status_json(FILE *f, const struct qfctl_status *st);
/* The storage fence's devices (design.md rule 13), after the page; the
 * JSON variant is the status object with a "pr" member. */
void qc_print_pr_status(FILE *f, const struct qfctl_pr_status *pr);
void qc_print_status_json_pr(FILE *f, const struct qfctl_status *st,
			     const struct qfctl_pr_status *pr);
/* pr, fc: NULL when the daemon has none to give ("pr" / "fences_total"
 * absent then, as from a daemon older than them) */
void qc_print_status_json_all(FILE *f, const struct qfctl_status *st,
			      const struct qfctl_pr_status *pr,
			      const struct qfctl_fence_counts *fc);
void qc_print_result(FILE *f, uint16_t req, const struct qfctl_result *r,
		     bool json);

#endif /* QC_CLFMT_H */
