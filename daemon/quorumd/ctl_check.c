// SPDX-License-Identifier: MIT
/*
 * The control socket's request framing (protocol: ctl_proto.h): which body
 * each request code has, and whether a buffered request is complete and
 * well-formed. Pure and separate from control.c so that the fuzz target
 * tests/fuzz/ctlreq.c runs exactly this code.
 */
#include <stdint.h>

#include "quorumd.h"

size_t qd_ctl_body_len(uint16_t code)
{
	switch (code) {
	case QFCTL_REQ_STATUS:
	case QFCTL_REQ_LEAVE:
	case QFCTL_REQ_PR_STATUS:
	case QFCTL_REQ_FENCE_COUNTS:
	case QFCTL_REQ_TIMING_STATUS:
		return 0;
	case QFCTL_REQ_TIMING_SET:
		return sizeof(struct qfctl_req_timing);
	case QFCTL_REQ_MEMBER_ADD:
		return sizeof(struct qfctl_req_member);
	case QFCTL_REQ_MEMBER_REMOVE:
	case QFCTL_REQ_REJOIN:
	case QFCTL_REQ_TRANSFER_LEADER:
		return sizeof(struct qfctl_req_node);
	case QFCTL_REQ_FENCE:
		return sizeof(struct qfctl_req_fence);
	}
	return SIZE_MAX;
}

/*
 * Is the buffered request complete and well-formed? 1: need more bytes,
 * 0: complete, -QFCTL_ST_*: refuse (answer, then close).
 */
int qd_ctl_check_request(const struct qfctl_hdr *h, size_t have)
{
	size_t body;

	if (have < sizeof(*h))
		return 1;
	if (h->magic != QFCTL_MAGIC || h->version != QFCTL_VERSION)
		return -QFCTL_ST_BAD_VERSION;
	body = qd_ctl_body_len(h->code);
	if (body == SIZE_MAX || h->len != sizeof(*h) + body || h->status ||
	    h->reserved)
		return -QFCTL_ST_BAD_REQUEST;
	return have < h->len ? 1 : 0;
}
