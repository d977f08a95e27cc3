// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: quorumctl's decoding of the daemon's control replies
 * (tools/ctlmsg.c) and the formatters that print what it accepted
 * (tools/clfmt.c). The socket is root-only, but a reply is still bytes from
 * another process: a daemon of another version, or a bug, must never make
 * quorumctl read out of bounds or print something a terminal or a JSON
 * reader takes for structure.
 *
 * Input: byte 0 picks the request the reply answers and whether the
 * sequence number matches; the rest is the reply, in a heap block of
 * exactly its length (ASan sees any over-read).
 *
 * Invariants: an accepted reply has every count within its array and every
 * string terminated within it; text and JSON output carry no control
 * bytes (outcheck.h); a refusal has a message and an exit code.
 */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "clfmt.h"
#include "ctlmsg.h"
#include "outcheck.h"

static const uint16_t reqs[] = {
	QFCTL_REQ_STATUS, QFCTL_REQ_PR_STATUS, QFCTL_REQ_FENCE,
	QFCTL_REQ_REJOIN, QFCTL_REQ_LEAVE, QFCTL_REQ_MEMBER_ADD,
	QFCTL_REQ_MEMBER_REMOVE, QFCTL_REQ_TRANSFER_LEADER,
};

static int terminated(const char *s, size_t n)
{
	return memchr(s, '\0', n) != NULL;
}

static void check_status(const struct qfctl_status *st)
{
	assert(st->n_members <= QFCTL_MAX_MEMBERS);
	assert(st->n_fences <= QFCTL_MAX_FENCES);
	assert(terminated(st->cluster, sizeof(st->cluster)));
	assert(terminated(st->lease_name, sizeof(st->lease_name)));
	for (unsigned int i = 0; i < st->n_members; i++)
		assert(st->members[i].n_addrs <= QFCTL_MAX_ADDRS);
	OUTCHECK(0, qc_print_status(f, st));
	OUTCHECK(1, qc_print_status_json(f, st));
}

static void check_pr(const struct qfctl_pr_status *pr)
{
	assert(pr->n <= QFCTL_MAX_PR_DEVS);
	for (unsigned int i = 0; i < QFCTL_MAX_PR_DEVS; i++) {
		assert(terminated(pr->dev[i].path, sizeof(pr->dev[i].path)));
		assert(terminated(pr->dev[i].why, sizeof(pr->dev[i].why)));
	}
	OUTCHECK(0, qc_print_pr_status(f, pr));
}

static void check_accepted(const struct qc_reply *r, uint16_t req)
{
	if (r->hdr.code == QFCTL_RPY_RESULT) {
		assert(terminated(r->u.res.message, sizeof(r->u.res.message)));
		OUTCHECK(0, qc_print_result(f, req, &r->u.res, 0));
		OUTCHECK(1, qc_print_result(f, req, &r->u.res, 1));
	} else if (r->hdr.code == QFCTL_RPY_STATUS) {
		assert(req == QFCTL_REQ_STATUS);
		if (r->hdr.status == QFCTL_ST_OK)
			check_status(&r->u.st);
	} else {
		assert(r->hdr.code == QFCTL_RPY_PR_STATUS &&
		       req == QFCTL_REQ_PR_STATUS);
		check_pr(&r->u.pr);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct qc_reply out;
	struct qfctl_hdr h;
	struct qc_err err;
	uint32_t seq = 1;
	uint16_t req;
	uint8_t *msg;

	if (size < 1 || size - 1 > QFCTL_MAX_MSG)
		return 0;
	req = reqs[(data[0] & 0x7f) % (sizeof(reqs) / sizeof(reqs[0]))];
	data++, size--;
	if (size >= sizeof(h) && !(data[-1] & 0x80)) {
		memcpy(&h, data, sizeof(h));
		seq = h.seq;	/* most inputs answer the right request */
	}
	msg = malloc(size ? size : 1);
	assert(msg);
	memcpy(msg, data, size);
	memset(&err, 0, sizeof(err));
	if (qc_ctl_decode(msg, size, seq, req, &out, "fuzz", &err) == 0) {
		check_accepted(&out, req);
	} else {
		assert(err.code != 0);
		assert(terminated(err.msg, sizeof(err.msg)) && err.msg[0]);
	}
	free(msg);
	return 0;
}
