/* SPDX-License-Identifier: MIT */
/*
 * Requests to and replies from quorumd, in the daemon's own protocol
 * header (daemon/quorumd/ctl_proto.h, included, never copied). Decoding is
 * pure: a reply is refused unless its magic, version, sequence number,
 * code, length and every count and string inside it are what the header
 * promises, so that nothing past a message is ever read or printed.
 */
#ifndef QC_CTLMSG_H
#define QC_CTLMSG_H

#include <stddef.h>
#include <stdint.h>

#include "ctl_proto.h"
#include "ctl.h"
#include "quorumctl.h"

struct qc_reply {
	struct qfctl_hdr hdr;
	union {
		struct qfctl_result res;
		struct qfctl_status st;
		struct qfctl_pr_status pr;
		struct qfctl_fence_counts fc;
		struct qfctl_timing tm;
	} u;
};

size_t qc_ctl_build(void *buf, size_t cap, uint16_t code, uint32_t seq,
		    const void *body, size_t len);
int qc_ctl_hdr_check(const struct qfctl_hdr *h, const char *what,
		     struct qc_err *err);
int qc_ctl_decode(const void *msg, size_t len, uint32_t seq, uint16_t req,
		  struct qc_reply *out, const char *what, struct qc_err *err);
int qc_ctl_status_valid(const struct qfctl_status *st, char *why, size_t len);
int qc_ctl_refusal(const struct qc_reply *r, const char *what,
		   struct qc_err *err);
const char *qc_ctl_status_name(int32_t status);

int qc_ctl_call(struct qc_ctl *c, uint16_t code, const void *body,
		size_t len, struct qc_reply *out, const char *what,
		struct qc_err *err);

#endif /* QC_CTLMSG_H */
