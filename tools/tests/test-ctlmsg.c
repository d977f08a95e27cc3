// SPDX-License-Identifier: MIT
/*
 * quorumd's replies: decoding of sound, short, foreign, wrong-version and
 * otherwise malformed messages; refusals as sentences and exit codes; the
 * pure argument helpers of the cluster commands.
 */
#include <stdint.h>

#include "cluster.h"
#include "ctlmsg.h"
#include "canned.h"
#include "tap.h"

static union {
	struct qc_reply r;
	char b[QFCTL_MAX_MSG + 64];
} msg;

static struct qc_reply out;
static struct qc_err err;

static int decode(size_t len, uint32_t seq, uint16_t req)
{
	memset(&err, 0, sizeof(err));
	return qc_ctl_decode(&msg, len, seq, req, &out, "status", &err);
}

static struct qfctl_hdr *hdr(void)
{
	return &msg.r.hdr;
}

static void test_build(void)
{
	struct qfctl_req_fence f = { .node = 3, .flags = QFCTL_FENCE_WAIT };
	char small[30];
	size_t n;

	n = qc_ctl_build(&msg, sizeof(msg), QFCTL_REQ_FENCE, 9, &f, sizeof(f));
	CHECK("build: header then body", n == 40 && hdr()->magic == QFCTL_MAGIC &&
	      hdr()->version == QFCTL_VERSION && hdr()->code == QFCTL_REQ_FENCE &&
	      hdr()->len == 40 && hdr()->seq == 9 && hdr()->status == 0 &&
	      hdr()->reserved == 0 && !memcmp(msg.b + 24, &f, sizeof(f)),
	      "n %zu len %u", n, hdr()->len);
	CHECK("build: refuses a small buffer",
	      qc_ctl_build(small, sizeof(small), QFCTL_REQ_FENCE, 9, &f, sizeof(f)) == 0,
	      "built");
}

static void test_sound(void)
{
	struct qfctl_status st;
	struct qfctl_result res = { .leader = 1, .node = 3, .gen = 2, .index = 41 };
	size_t n;

	canned_status(&st);
	n = canned_msg(&msg, sizeof(msg), QFCTL_RPY_STATUS, 5, QFCTL_ST_OK, &st, sizeof(st));
	CHECK("decode: a sound status", decode(n, 5, QFCTL_REQ_STATUS) == 0 &&
	      out.u.st.n_members == 4 && out.u.st.members[1].addrs[1].port == 7001 &&
	      !strcmp(out.u.st.cluster, "prod-a"), "%s", err.msg);
	snprintf(res.message, sizeof(res.message), "appended");
	n = canned_msg(&msg, sizeof(msg), QFCTL_RPY_RESULT, 6, QFCTL_ST_OK, &res, sizeof(res));
	CHECK("decode: a sound result", decode(n, 6, QFCTL_REQ_FENCE) == 0 &&
	      out.u.res.node == 3 && out.u.res.index == 41 &&
	      !strcmp(out.u.res.message, "appended"), "%s", err.msg);
	n = canned_msg(&msg, sizeof(msg), QFCTL_RPY_RESULT, 7, QFCTL_ST_BAD_VERSION,
		       &res, sizeof(res));
	CHECK("decode: a refusal of STATUS may be a RESULT",
	      decode(n, 7, QFCTL_REQ_STATUS) == 0 && out.hdr.status == QFCTL_ST_BAD_VERSION,
	      "%s", err.msg);
	n = canned_msg(&msg, sizeof(msg), QFCTL_RPY_STATUS, 8, QFCTL_ST_SHUTTING_DOWN,
		       &st, sizeof(st));
	CHECK("decode: a refused STATUS with its own body",
	      decode(n, 8, QFCTL_REQ_STATUS) == 0, "%s", err.msg);
}

/* Each case starts from a sound status reply and breaks one thing. */
static void bad_status(const char *name, void (*breakit)(struct qfctl_status *),
		       void (*breakhdr)(size_t *n), const char *needle)
{
	struct qfctl_status st;
	size_t n;
	int r;

	canned_status(&st);
	if (breakit)
		breakit(&st);
	n = canned_msg(&msg, sizeof(msg), QFCTL_RPY_STATUS, 5, QFCTL_ST_OK, &st, sizeof(st));
	if (breakhdr)
		breakhdr(&n);
	memset(&out, 0x77, sizeof(out));
	r = decode(n, 5, QFCTL_REQ_STATUS);
	CHECK(name, r == QC_EXIT_OTHER && strstr(err.msg, needle),
	      "ret %d msg \"%s\", want exit 4 with \"%s\"", r, err.msg, needle);
}

static void too_many_members(struct qfctl_status *st) { st->n_members = QFCTL_MAX_MEMBERS + 1; }
static void too_many_fences(struct qfctl_status *st) { st->n_fences = 200; }
static void too_many_addrs(struct qfctl_status *st) { st->members[2].n_addrs = 3; }
static void bad_family(struct qfctl_status *st) { st->members[1].addrs[1].family = 5; }
static void open_cluster(struct qfctl_status *st) { memset(st->cluster, 'x', sizeof(st->cluster)); }
static void open_lease(struct qfctl_status *st) { memset(st->lease_name, 'x', sizeof(st->lease_name)); }
static void h_short(size_t *n) { *n = 20; }
static void h_body_short(size_t *n) { *n -= 1; hdr()->len -= 1; }
static void h_len_lies(size_t *n) { (void)n; hdr()->len -= 8; }
static void h_len_huge(size_t *n) { (void)n; hdr()->len = 0xffffffff; }
static void h_magic(size_t *n) { (void)n; hdr()->magic = 0x50545448; }
static void h_version(size_t *n) { (void)n; hdr()->version = 2; }
static void h_seq(size_t *n) { (void)n; hdr()->seq = 6; }
static void h_code(size_t *n) { (void)n; hdr()->code = QFCTL_RPY_RESULT; }
static void h_code_unknown(size_t *n) { (void)n; hdr()->code = 9; }

static void test_malformed(void)
{
	bad_status("decode: shorter than a header", NULL, h_short, "shorter than its header");
	bad_status("decode: body one byte short", NULL, h_body_short, "body size");
	bad_status("decode: length field lies", NULL, h_len_lies, "length field disagrees");
	bad_status("decode: length beyond any message", NULL, h_len_huge, "length out of range");
	bad_status("decode: foreign magic", NULL, h_magic, "not quorumd's control protocol");
	bad_status("decode: wrong version", NULL, h_version,
		   "speaks control protocol version 2, this quorumctl version 1");
	bad_status("decode: sequence not echoed", NULL, h_seq, "sequence number");
	bad_status("decode: OK with another request's code", NULL, h_code, "unexpected reply code");
	bad_status("decode: unknown code", NULL, h_code_unknown, "unexpected reply code");
	bad_status("decode: 17 members", too_many_members, NULL, "17 members");
	bad_status("decode: 200 fence records", too_many_fences, NULL, "200 fence records");
	bad_status("decode: 3 addresses", too_many_addrs, NULL, "member 3 has 3 addresses");
	bad_status("decode: address family 5", bad_family, NULL, "address family 5");
	bad_status("decode: unterminated cluster name", open_cluster, NULL, "unterminated");
	bad_status("decode: unterminated lease name", open_lease, NULL, "unterminated");
}

/* LEAVE: no body; answered by a RESULT, also when not disarmed. */
static void test_leave(void)
{
	struct qfctl_result res = { .leader = 1, .node = 2, .gen = 3,
				    .flags = QFCTL_RES_DISARMED | QFCTL_RES_RECORDED };
	size_t n;

	n = qc_ctl_build(&msg, sizeof(msg), QFCTL_REQ_LEAVE, 4, NULL, 0);
	CHECK("build: LEAVE is a header alone", n == 24 && hdr()->code == 7 &&
	      hdr()->len == 24, "n %zu", n);
	n = canned_msg(&msg, sizeof(msg), QFCTL_RPY_RESULT, 4, QFCTL_ST_OK, &res, sizeof(res));
	CHECK("decode: a leave's result", decode(n, 4, QFCTL_REQ_LEAVE) == 0 &&
	      out.u.res.node == 2 && out.u.res.gen == 3 &&
	      out.u.res.flags == (QFCTL_RES_DISARMED | QFCTL_RES_RECORDED), "%s", err.msg);
	n = canned_msg(&msg, sizeof(msg), QFCTL_RPY_RESULT, 4, QFCTL_ST_NOT_DISARMED, &res,
		       sizeof(res));
	CHECK("decode: a leave left armed", decode(n, 4, QFCTL_REQ_LEAVE) == 0 &&
	      out.hdr.status == QFCTL_ST_NOT_DISARMED, "%s", err.msg);
	n = canned_msg(&msg, sizeof(msg), QFCTL_RPY_STATUS, 4, QFCTL_ST_OK, NULL, 0);
	CHECK("decode: STATUS answering a LEAVE refused",
	      decode(n, 4, QFCTL_REQ_LEAVE) == QC_EXIT_OTHER, "accepted");
}

static void test_bad_result(void)
{
	struct qfctl_result res = { 0 };
	size_t n;

	memset(res.message, 'm', sizeof(res.message));
	n = canned_msg(&msg, sizeof(msg), QFCTL_RPY_RESULT, 3, QFCTL_ST_OK, &res, sizeof(res));
	CHECK("decode: unterminated result message refused",
	      decode(n, 3, QFCTL_REQ_FENCE) == QC_EXIT_OTHER &&
	      strstr(err.msg, "unterminated message"), "%s", err.msg);
	n = canned_msg(&msg, sizeof(msg), QFCTL_RPY_STATUS, 3, QFCTL_ST_OK, NULL, 0);
	CHECK("decode: STATUS answering a FENCE refused",
	      decode(n, 3, QFCTL_REQ_FENCE) == QC_EXIT_OTHER, "accepted");
	/* A header alone, claiming a RESULT: no body to read. */
	n = canned_msg(&msg, sizeof(msg), QFCTL_RPY_RESULT, 3, QFCTL_ST_OK, NULL, 0);
	CHECK("decode: RESULT without a body refused",
	      decode(n, 3, QFCTL_REQ_FENCE) == QC_EXIT_OTHER && strstr(err.msg, "body size"),
	      "%s", err.msg);
}

/* Refusals: what quorumd's status means, and which exit code it gets. */
static void refusal(const char *name, int32_t status, uint32_t leader,
		    const char *message, int code, const char *needle)
{
	struct qc_reply r = { .hdr = { .code = QFCTL_RPY_RESULT, .status = status } };
	int got;

	r.u.res.leader = leader;
	snprintf(r.u.res.message, sizeof(r.u.res.message), "%s", message);
	memset(&err, 0, sizeof(err));
	got = qc_ctl_refusal(&r, "fence 3", &err);
	CHECK(name, got == code && err.code == code && strstr(err.msg, needle) &&
	      !strncmp(err.msg, "fence 3: ", 9),
	      "exit %d msg \"%s\", want exit %d with \"%s\"", got, err.msg, code, needle);
}

static void test_refusals(void)
{
	refusal("refusal: not leader names the leader", QFCTL_ST_NOT_LEADER, 3, "",
		1, "node 3 is: run the command there");
	refusal("refusal: not leader, none known", QFCTL_ST_NOT_LEADER, 0, "",
		1, "no leader is known");
	refusal("refusal: busy", QFCTL_ST_BUSY, 0, "", 1, "pending");
	refusal("refusal: again", QFCTL_ST_AGAIN, 0, "", 1, "retry shortly");
	refusal("refusal: full", QFCTL_ST_FULL, 0, "", 1, "no majority");
	refusal("refusal: exists", QFCTL_ST_EXISTS, 0, "", 1, "already");
	refusal("refusal: no such node", QFCTL_ST_NO_SUCH_NODE, 0, "", 1, "no such node");
	refusal("refusal: not fenced", QFCTL_ST_NOT_FENCED, 0, "", 1, "committed NODE_FENCED");
	refusal("refusal: timeout is exit 6", QFCTL_ST_TIMEOUT, 0, "", 6, "commits once");
	refusal("refusal: denied", QFCTL_ST_DENIED, 0, "", 1, "only root");
	refusal("refusal: shutting down", QFCTL_ST_SHUTTING_DOWN, 0, "", 1, "shutting down");
	refusal("refusal: leave not disarmed", QFCTL_ST_NOT_DISARMED, 0, "NOWAYOUT", 1,
		"without disarming the kernel lease");
	refusal("refusal: bad version is exit 4", QFCTL_ST_BAD_VERSION, 0, "", 4, "matching versions");
	refusal("refusal: bad request is exit 4", QFCTL_ST_BAD_REQUEST, 0, "", 4, "malformed");
	refusal("refusal: internal is exit 4", QFCTL_ST_INTERNAL, 0, "", 4, "its log");
	refusal("refusal: unknown status", 99, 0, "", 4, "unknown status 99");
	refusal("refusal: negative status", -1, 0, "", 4, "unknown status -1");
	refusal("refusal: status name shown", QFCTL_ST_BUSY, 0, "", 1, "(busy)");
	refusal("refusal: OK is no refusal", QFCTL_ST_OK, 0, "", 4, "unknown status 0");

	refusal("refusal: quorumd's detail kept", QFCTL_ST_EXISTS, 0, "node 3 gen 2\x1b[2J", 1, "already");
	CHECK_STR("refusal: detail escaped for the terminal", err.extack, "node 3 gen 2\\x1b[2J");
	CHECK("refusal: detail is quorumd's", err.extack_from && !strcmp(err.extack_from, "quorumd"),
	      "from %s", err.extack_from ? err.extack_from : "(kernel)");
	CHECK_STR("status name table", qc_ctl_status_name(QFCTL_ST_NO_SUCH_NODE), "no-such-node");
	CHECK_STR("status name of a leave left armed", qc_ctl_status_name(QFCTL_ST_NOT_DISARMED),
		  "not-disarmed");
	CHECK("status name out of range", !qc_ctl_status_name(__QFCTL_ST_MAX) &&
	      !qc_ctl_status_name(-3), "named");
}

static void test_args(void)
{
	struct qfctl_req_member req;
	struct qc_ctx ctx = { .usage = "u" };
	uint32_t id = 0;
	int r;

	CHECK("node id 1", qc_node_arg(&ctx, "1", &id) == 0 && id == 1, "id %u", id);
	CHECK("node id u32 max", qc_node_arg(&ctx, "4294967295", &id) == 0 &&
	      id == 4294967295u, "id %u", id);
	id = 5;
	r = qc_node_arg(&ctx, "0", &id);
	CHECK("node id 0 refused", r == 2 && id == 5 && strstr(ctx.err.msg, "bad node id \"0\""),
	      "ret %d msg %s", r, ctx.err.msg);
	CHECK("node id 2^32 refused", qc_node_arg(&ctx, "4294967296", &id) == 2, "accepted");
	CHECK("node id -1 refused", qc_node_arg(&ctx, "-1", &id) == 2, "accepted");
	CHECK("node id with junk refused", qc_node_arg(&ctx, "3a", &id) == 2, "accepted");

	r = qc_member_add_req(&ctx, "4", "10.0.0.4:7000,[fd00::4]:7001", true, &req);
	CHECK("member add: request body", r == 0 && req.node == 4 &&
	      req.role == QFCTL_ROLE_WITNESS && req.n_addrs == 2 &&
	      req.addrs[0].family == 4 && req.addrs[0].port == 7000 &&
	      req.addrs[0].ip[3] == 4 && req.addrs[1].family == 6 &&
	      req.addrs[1].port == 7001 && req.addrs[1].ip[0] == 0xfd &&
	      req.reserved == 0, "ret %d %s", r, ctx.err.msg);
	r = qc_member_add_req(&ctx, "4", "10.0.0.4:7000", false, &req);
	CHECK("member add: voter by default", r == 0 && req.role == QFCTL_ROLE_VOTER &&
	      req.n_addrs == 1 && req.addrs[1].family == 0, "ret %d", r);
	r = qc_member_add_req(&ctx, "4", "10.0.0.4", false, &req);
	CHECK("member add: bad address is a usage error", r == 2 &&
	      strstr(ctx.err.msg, "bad address list: \"10.0.0.4\""), "ret %d %s", r, ctx.err.msg);
	r = qc_member_add_req(&ctx, "x", "10.0.0.4:1", false, &req);
	CHECK("member add: bad id is a usage error", r == 2, "ret %d", r);
}

static void test_pick(void)
{
	struct qfctl_status st;
	uint32_t to = 0;

	canned_status(&st);
	CHECK("transfer: picks the active voter", qc_pick_transfer(&st, &to) == 0 && to == 2,
	      "to %u", to);
	st.members[1].flags &= (uint8_t)~QFCTL_MF_ACTIVE;
	st.members[1].match = 40;
	st.members[3].flags |= QFCTL_MF_IN_CONFIG;
	st.members[3].flags &= (uint8_t)~(QFCTL_MF_FENCED | QFCTL_MF_LAPSED);
	st.members[3].flags |= QFCTL_MF_ACTIVE;
	CHECK("transfer: active beats more log", qc_pick_transfer(&st, &to) == 0 && to == 4,
	      "to %u", to);
	st.members[3].flags &= (uint8_t)~QFCTL_MF_ACTIVE;
	CHECK("transfer: then most log", qc_pick_transfer(&st, &to) == 0 && to == 2,
	      "to %u", to);
	st.members[3].match = 40;
	CHECK("transfer: then lowest id", qc_pick_transfer(&st, &to) == 0 && to == 2,
	      "to %u", to);
	canned_status(&st);
	st.members[1].flags |= QFCTL_MF_FENCED;
	to = 0;
	CHECK("transfer: never to self, a witness, a fenced or removed node",
	      qc_pick_transfer(&st, &to) == -1 && to == 0, "to %u", to);
}

int main(void)
{
	test_build();
	test_sound();
	test_malformed();
	test_bad_result();
	test_leave();
	test_refusals();
	test_args();
	test_pick();
	return TAP_DONE();
}
