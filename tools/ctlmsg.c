// SPDX-License-Identifier: MIT
/*
 * quorumd's control protocol, client side: build a request, check and
 * decode a reply, and turn a refusal into an operator's sentence and an
 * exit code. Version, sizes and meanings are ctl_proto.h's.
 */
#include <string.h>
#include <unistd.h>

#include "ctlmsg.h"
#include "format.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

size_t qc_ctl_build(void *buf, size_t cap, uint16_t code, uint32_t seq,
		    const void *body, size_t len)
{
	struct qfctl_hdr h = {
		.magic = QFCTL_MAGIC,
		.version = QFCTL_VERSION,
		.code = code,
		.len = (uint32_t)(sizeof(h) + len),
		.seq = seq,
	};

	if (cap < sizeof(h) + len)
		return 0;
	memcpy(buf, &h, sizeof(h));
	if (len)
		memcpy((char *)buf + sizeof(h), body, len);
	return sizeof(h) + len;
}

static int malformed(struct qc_err *err, const char *what, const char *why)
{
	return qc_fail(err, QC_EXIT_OTHER, "%s: malformed reply from quorumd: %s",
		       what, why);
}

/* What can be judged from the header alone, before the body is read. */
int qc_ctl_hdr_check(const struct qfctl_hdr *h, const char *what,
		     struct qc_err *err)
{
	if (h->magic != QFCTL_MAGIC)
		return qc_fail(err, QC_EXIT_OTHER,
			       "%s: the socket's peer is not quorumd's control protocol (magic %#x)",
			       what, h->magic);
	if (h->version != QFCTL_VERSION)
		return qc_fail(err, QC_EXIT_OTHER,
			       "%s: quorumd speaks control protocol version %u, this quorumctl version %u: install matching versions",
			       what, h->version, QFCTL_VERSION);
	if (h->len < sizeof(*h) || h->len > QFCTL_MAX_MSG)
		return malformed(err, what, "length out of range");
	return 0;
}

static size_t body_len(uint16_t code)
{
	if (code == QFCTL_RPY_RESULT)
		return sizeof(struct qfctl_result);
	if (code == QFCTL_RPY_STATUS)
		return sizeof(struct qfctl_status);
	if (code == QFCTL_RPY_PR_STATUS)
		return sizeof(struct qfctl_pr_status);
	if (code == QFCTL_RPY_FENCE_COUNTS)
		return sizeof(struct qfctl_fence_counts);
	if (code == QFCTL_RPY_TIMING)
		return sizeof(struct qfctl_timing);
	return 0;
}

static int terminated(const char *s, size_t len)
{
	return memchr(s, '\0', len) != NULL;
}

/* Counts, address families and strings of a status; 0 when all sound. */
int qc_ctl_status_valid(const struct qfctl_status *st, char *why, size_t len)
{
	const struct qfctl_member *m;
	size_t i, a;

	if (st->n_members > QFCTL_MAX_MEMBERS || st->n_fences > QFCTL_MAX_FENCES) {
		snprintf(why, len, "%u members, %u fence records (at most %d each)",
			 st->n_members, st->n_fences, QFCTL_MAX_MEMBERS);
		return -1;
	}
	if (!terminated(st->cluster, sizeof(st->cluster)) ||
	    !terminated(st->lease_name, sizeof(st->lease_name))) {
		snprintf(why, len, "unterminated cluster or lease name");
		return -1;
	}
	for (i = 0; i < st->n_members; i++) {
		m = &st->members[i];
		if (m->n_addrs > QFCTL_MAX_ADDRS) {
			snprintf(why, len, "member %u has %u addresses", m->id, m->n_addrs);
			return -1;
		}
		for (a = 0; a < m->n_addrs; a++)
			if (m->addrs[a].family != 4 && m->addrs[a].family != 6) {
				snprintf(why, len, "member %u: address family %u",
					 m->id, m->addrs[a].family);
				return -1;
			}
	}
	return 0;
}

/* Counts within their arrays, every string terminated. */
static int qc_ctl_pr_valid(const struct qfctl_pr_status *pr)
{
	if (pr->n > QFCTL_MAX_PR_DEVS)
		return 0;
	for (unsigned int i = 0; i < QFCTL_MAX_PR_DEVS; i++)
		if (!terminated(pr->dev[i].path, sizeof(pr->dev[i].path)) ||
		    !terminated(pr->dev[i].why, sizeof(pr->dev[i].why)))
			return 0;
	return 1;
}

/* The reply's code must be the request's answer; a refusal may be a RESULT. */
static int code_ok(const struct qfctl_hdr *h, uint16_t req)
{
	uint16_t want = req == QFCTL_REQ_STATUS ? QFCTL_RPY_STATUS :
			req == QFCTL_REQ_PR_STATUS ? QFCTL_RPY_PR_STATUS :
			req == QFCTL_REQ_FENCE_COUNTS ? QFCTL_RPY_FENCE_COUNTS :
			req == QFCTL_REQ_TIMING_STATUS ? QFCTL_RPY_TIMING :
			QFCTL_RPY_RESULT;

	if (h->code == want)
		return 1;
	return h->status != QFCTL_ST_OK && h->code == QFCTL_RPY_RESULT;
}

/*
 * A whole reply of @len bytes to request @req sent with @seq. On success
 * @out holds it, every string NUL-terminated within its array.
 */
int qc_ctl_decode(const void *msg, size_t len, uint32_t seq, uint16_t req,
		  struct qc_reply *out, const char *what, struct qc_err *err)
{
	struct qfctl_hdr h;
	char why[96];
	int r;

	if (len < sizeof(h))
		return malformed(err, what, "shorter than its header");
	memcpy(&h, msg, sizeof(h));
	r = qc_ctl_hdr_check(&h, what, err);
	if (r)
		return r;
	if (h.len != len)
		return malformed(err, what, "length field disagrees with the message");
	if (h.seq != seq)
		return malformed(err, what, "sequence number not echoed");
	if (!code_ok(&h, req))
		return malformed(err, what, "unexpected reply code");
	if (len - sizeof(h) != body_len(h.code))
		return malformed(err, what, "body size is not the code's");
	memset(out, 0, sizeof(*out));
	memcpy(out, msg, len);
	if (h.code == QFCTL_RPY_RESULT &&
	    !terminated(out->u.res.message, sizeof(out->u.res.message)))
		return malformed(err, what, "unterminated message");
	if (h.code == QFCTL_RPY_STATUS && h.status == QFCTL_ST_OK &&
	    qc_ctl_status_valid(&out->u.st, why, sizeof(why)))
		return malformed(err, what, why);
	if (h.code == QFCTL_RPY_PR_STATUS && !qc_ctl_pr_valid(&out->u.pr))
		return malformed(err, what, "storage fence status out of range");
	if (h.code == QFCTL_RPY_TIMING && out->u.tm.n_members > QFCTL_MAX_MEMBERS)
		return malformed(err, what, "timing status member count out of range");
	return 0;
}

static const char *const status_names[] = {
	[QFCTL_ST_OK] = "ok",
	[QFCTL_ST_BAD_VERSION] = "bad-version",
	[QFCTL_ST_BAD_REQUEST] = "bad-request",
	[QFCTL_ST_NOT_LEADER] = "not-leader",
	[QFCTL_ST_BUSY] = "busy",
	[QFCTL_ST_AGAIN] = "again",
	[QFCTL_ST_FULL] = "full",
	[QFCTL_ST_EXISTS] = "exists",
	[QFCTL_ST_NO_SUCH_NODE] = "no-such-node",
	[QFCTL_ST_NOT_FENCED] = "not-fenced",
	[QFCTL_ST_TIMEOUT] = "timeout",
	[QFCTL_ST_INTERNAL] = "internal",
	[QFCTL_ST_SHUTTING_DOWN] = "shutting-down",
	[QFCTL_ST_DENIED] = "denied",
	[QFCTL_ST_NOT_DISARMED] = "not-disarmed",
};

const char *qc_ctl_status_name(int32_t status)
{
	if (status < 0 || (size_t)status >= ARRAY_SIZE(status_names))
		return NULL;
	return status_names[status];
}

struct refusal {
	int code;		/* exit code */
	const char *text;
};

static const struct refusal refusals[] = {
	[QFCTL_ST_BAD_VERSION] = { QC_EXIT_OTHER,
		"quorumd does not understand this quorumctl's protocol version: install matching versions" },
	[QFCTL_ST_BAD_REQUEST] = { QC_EXIT_OTHER,
		"quorumd refused the request as malformed" },
	[QFCTL_ST_NOT_LEADER] = { QC_EXIT_REFUSED, NULL /* names the leader */ },
	[QFCTL_ST_BUSY] = { QC_EXIT_REFUSED,
		"a membership change or leadership transfer is pending: retry once it has committed" },
	[QFCTL_ST_AGAIN] = { QC_EXIT_REFUSED,
		"the new leader has not committed an entry of its term yet: retry shortly" },
	[QFCTL_ST_FULL] = { QC_EXIT_REFUSED,
		"the leader's log is full: no majority is reachable" },
	[QFCTL_ST_EXISTS] = { QC_EXIT_REFUSED,
		"already done (already a member, or a fence of that generation is already in the log)" },
	[QFCTL_ST_NO_SUCH_NODE] = { QC_EXIT_REFUSED, "no such node in the cluster" },
	[QFCTL_ST_NOT_FENCED] = { QC_EXIT_REFUSED,
		"the node is not fenced: a rejoin needs a committed NODE_FENCED of its generation" },
	[QFCTL_ST_TIMEOUT] = { QC_EXIT_TIMEOUT,
		"NODE_FENCED was not committed in time; the record stays in the log and commits once a majority is reachable and W has passed" },
	[QFCTL_ST_INTERNAL] = { QC_EXIT_OTHER, "quorumd failed internally (see its log)" },
	[QFCTL_ST_SHUTTING_DOWN] = { QC_EXIT_REFUSED, "quorumd is shutting down" },
	[QFCTL_ST_DENIED] = { QC_EXIT_REFUSED,
		"quorumd denied the request: only root may use the control socket" },
	[QFCTL_ST_NOT_DISARMED] = { QC_EXIT_REFUSED,
		"quorumd exited without disarming the kernel lease: it expires and fences, and the cluster records NODE_FENCED after W" },
};

/* hdr.status != OK: fill @err with the meaning, quorumd's own words apart. */
int qc_ctl_refusal(const struct qc_reply *r, const char *what,
		   struct qc_err *err)
{
	int32_t st = r->hdr.status;
	const char *name = qc_ctl_status_name(st);
	int code;

	if (!name || st == QFCTL_ST_OK)
		return qc_fail(err, QC_EXIT_OTHER, "%s: quorumd answered unknown status %d",
			       what, st);
	/* quorumd's detail, unless it merely repeats "not the leader". */
	if (r->hdr.code == QFCTL_RPY_RESULT && r->u.res.message[0] &&
	    st != QFCTL_ST_NOT_LEADER) {
		qc_safe_name(r->u.res.message, err->extack, sizeof(err->extack));
		err->extack_from = "quorumd";
	}
	code = refusals[st].code;
	if (st != QFCTL_ST_NOT_LEADER)
		return qc_fail(err, code, "%s: %s (%s)", what, refusals[st].text, name);
	if (r->hdr.code == QFCTL_RPY_RESULT && r->u.res.leader)
		return qc_fail(err, code,
			       "%s: this node is not the leader; node %u is: run the command there (%s)",
			       what, r->u.res.leader, name);
	return qc_fail(err, code,
		       "%s: no leader is known (an election is under way, or no majority is reachable) (%s)",
		       what, name);
}

/*
 * One exchange on an open connection. Returns 0 with @out filled and
 * out->hdr.status possibly not OK (the caller decides), or an exit code.
 */
int qc_ctl_call(struct qc_ctl *c, uint16_t code, const void *body,
		size_t len, struct qc_reply *out, const char *what,
		struct qc_err *err)
{
	static uint32_t seq;
	union {
		struct qc_reply r;
		char b[QFCTL_MAX_MSG];
	} buf;
	struct qfctl_hdr h;
	size_t n;
	int r;

	seq = seq ? seq + 1 : (uint32_t)getpid();
	n = qc_ctl_build(&buf, sizeof(buf), code, seq, body, len);
	if (!n)
		return qc_fail(err, QC_EXIT_OTHER, "%s: request too large", what);
	r = qc_ctl_send(c, &buf, n, err);
	if (!r)
		r = qc_ctl_recv(c, &h, sizeof(h), err);
	if (!r)
		r = qc_ctl_hdr_check(&h, what, err);
	if (r)
		return r;
	memcpy(&buf, &h, sizeof(h));
	r = qc_ctl_recv(c, buf.b + sizeof(h), h.len - sizeof(h), err);
	if (r)
		return r;
	return qc_ctl_decode(&buf, h.len, seq, code, out, what, err);
}
