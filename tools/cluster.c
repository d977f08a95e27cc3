// SPDX-License-Identifier: MIT
/*
 * The cluster commands: quorumd's control socket (ctl_proto.h). Each
 * command parses and checks all of its arguments first, so a usage error
 * never reaches the daemon; then it runs one or two exchanges on one
 * connection and prints the reply. Proposals go to the leader: quorumd on
 * another node says who the leader is, and the error repeats it.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "addr.h"
#include "args.h"
#include "clfmt.h"
#include "cluster.h"
#include "ctlmsg.h"
#include "metrics.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define U32MAX 0xffffffffULL
/* --timeout-ms of fence --wait: a day at most keeps every sum in an int. */
#define WAIT_MAX_MS 86400000ULL

int qc_node_arg(struct qc_ctx *ctx, const char *s, uint32_t *id)
{
	uint64_t v;

	if (qc_parse_u64(s, 1, U32MAX, &v))
		return qc_usage(ctx, "bad node id \"%.64s\" (a decimal number 1..4294967295)", s);
	*id = (uint32_t)v;
	return 0;
}

/* member add ID ADDR:PORT[,ADDR:PORT] [--witness] -> the request body. */
int qc_member_add_req(struct qc_ctx *ctx, const char *id, const char *addrs,
		      bool witness, struct qfctl_req_member *req)
{
	struct qc_addr a[QFCTL_MAX_ADDRS];
	char why[128];
	size_t n, i;
	int r;

	memset(req, 0, sizeof(*req));
	r = qc_node_arg(ctx, id, &req->node);
	if (r)
		return r;
	if (qc_parse_addr_list(addrs, a, QFCTL_MAX_ADDRS, &n, why, sizeof(why)))
		return qc_usage(ctx, "bad address list: %s", why);
	req->role = witness ? QFCTL_ROLE_WITNESS : QFCTL_ROLE_VOTER;
	req->n_addrs = (uint8_t)n;
	for (i = 0; i < n; i++) {
		req->addrs[i].family = a[i].family;
		req->addrs[i].port = a[i].port;
		memcpy(req->addrs[i].ip, a[i].ip, sizeof(a[i].ip));
	}
	return 0;
}

static int eligible(const struct qfctl_member *m)
{
	return (m->flags & QFCTL_MF_IN_CONFIG) && m->role == QFCTL_ROLE_VOTER &&
	       !(m->flags & (QFCTL_MF_SELF | QFCTL_MF_FENCED | QFCTL_MF_LAPSED));
}

/* Is @a a better transfer target than @b: active, most log, lowest id. */
static int better(const struct qfctl_member *a, const struct qfctl_member *b)
{
	int aa = !!(a->flags & QFCTL_MF_ACTIVE), ba = !!(b->flags & QFCTL_MF_ACTIVE);

	if (aa != ba)
		return aa > ba;
	if (a->match != b->match)
		return a->match > b->match;
	return a->id < b->id;
}

/*
 * transfer-leader without ID, on the leader: the voter that can take over
 * soonest. 0 with *to set, or -1 when no member qualifies.
 */
int qc_pick_transfer(const struct qfctl_status *st, uint32_t *to)
{
	const struct qfctl_member *best = NULL;
	size_t i;

	for (i = 0; i < st->n_members && i < QFCTL_MAX_MEMBERS; i++)
		if (eligible(&st->members[i]) &&
		    (!best || better(&st->members[i], best)))
			best = &st->members[i];
	if (!best)
		return -1;
	*to = best->id;
	return 0;
}

/* ---- connection ---- */

static int ctl_open(struct qc_ctx *ctx, struct qc_ctl *c, int extra_ms)
{
	int base = ctx->ctl_timeout_ms ? ctx->ctl_timeout_ms : QC_CTL_TIMEOUT_MS;

	return qc_ctl_open(c, ctx->socket ? ctx->socket : QFCTL_SOCKET_DEFAULT,
			   base + extra_ms, &ctx->err);
}

/* One exchange; a refusal becomes the error. */
static int call(struct qc_ctx *ctx, struct qc_ctl *c, uint16_t code,
		const void *body, size_t len, struct qc_reply *rp, const char *what)
{
	int r = qc_ctl_call(c, code, body, len, rp, what, &ctx->err);

	if (!r && rp->hdr.status != QFCTL_ST_OK)
		r = qc_ctl_refusal(rp, what, &ctx->err);
	return r;
}

static int exchange(struct qc_ctx *ctx, uint16_t code, const void *body,
		    size_t len, struct qc_reply *rp, const char *what)
{
	struct qc_ctl c;
	int r = ctl_open(ctx, &c, 0);

	if (!r)
		r = call(ctx, &c, code, body, len, rp, what);
	qc_ctl_close(&c);
	return r;
}

/* Options every cluster command takes; reads add --json. */
enum { O_SOCKET, O_JSON, O_COMMON };

#define COMMON_OPTS \
	[O_SOCKET] = { "socket", QC_OPT_STR, 0, 0, 0, 0, 0, NULL }, \
	[O_JSON] = { "json", QC_OPT_FLAG, 0, 0, 0, 0, 0, NULL }

static int take_common(struct qc_ctx *ctx, const struct qc_opt *o)
{
	if (o[O_JSON].seen)
		ctx->json = true;
	if (o[O_SOCKET].seen)
		ctx->socket = o[O_SOCKET].str;
	if (ctx->socket && qc_ctl_check_path(ctx->socket))
		return qc_usage(ctx, "--socket: \"%.64s\" is not a usable socket path (1..107 bytes)",
				ctx->socket);
	return 0;
}

static int parse(struct qc_ctx *ctx, int argc, char **argv, struct qc_opt *o,
		 size_t no, char **pos, size_t minp, size_t maxp,
		 const char *names, size_t *np)
{
	int r = qc_parse_argsv(ctx, argc, argv, o, no, pos, minp, maxp, names, np);

	return r ? r : take_common(ctx, o);
}

/* The committed fence counts too, when the daemon has them (FENCE_COUNTS;
 * an older one answers bad-request and "fences_total" is left out). */
static void status_json(struct qc_ctx *ctx, const struct qc_reply *rp,
			const struct qfctl_pr_status *pr)
{
	struct qc_reply *fc = malloc(sizeof(*fc));
	struct qc_err ignored = { 0 };
	struct qc_ctl c;
	int have = 0;

	if (fc && !qc_ctl_open(&c, ctx->socket ? ctx->socket : QFCTL_SOCKET_DEFAULT,
			       ctx->ctl_timeout_ms ? ctx->ctl_timeout_ms : QC_CTL_TIMEOUT_MS,
			       &ignored)) {
		have = !qc_ctl_call(&c, QFCTL_REQ_FENCE_COUNTS, NULL, 0, fc,
				    "status (fence counts)", &ignored) &&
		       fc->hdr.status == QFCTL_ST_OK;
		qc_ctl_close(&c);
	}
	qc_print_status_json_all(ctx->out, &rp->u.st, pr, have ? &fc->u.fc : NULL);
	free(fc);
}

/*
 * The page, then the storage fence's devices (design.md rule 13). A daemon
 * from before PR_STATUS answers it with bad-request: the page alone.
 */
static int status_pr(struct qc_ctx *ctx, struct qc_reply *rp)
{
	struct qc_reply *pr = malloc(sizeof(*pr));
	struct qc_ctl c;
	int r, have;

	if (!pr)
		return qc_fail(&ctx->err, QC_EXIT_OTHER, "out of memory");
	r = ctl_open(ctx, &c, 0);
	if (!r)
		r = qc_ctl_call(&c, QFCTL_REQ_PR_STATUS, NULL, 0, pr,
				"status (storage fence)", &ctx->err);
	qc_ctl_close(&c);
	have = !r && pr->hdr.status == QFCTL_ST_OK;
	if (ctx->json)
		status_json(ctx, rp, have ? &pr->u.pr : NULL);
	else {
		qc_print_status(ctx->out, &rp->u.st);
		if (have)
			qc_print_pr_status(ctx->out, &pr->u.pr);
	}
	free(pr);
	return 0;
}

/* ---- status ---- */

int cluster_status_main(int argc, char **argv, struct qc_ctx *ctx)
{
	struct qc_opt o[] = { COMMON_OPTS };
	struct qc_reply *rp;
	int r;

	r = parse(ctx, argc, argv, o, ARRAY_SIZE(o), NULL, 0, 0, "", NULL);
	if (r)
		return r;
	rp = malloc(sizeof(*rp));
	if (!rp)
		return qc_fail(&ctx->err, QC_EXIT_OTHER, "out of memory");
	r = exchange(ctx, QFCTL_REQ_STATUS, NULL, 0, rp, "status");
	if (!r)
		r = status_pr(ctx, rp);
	free(rp);
	return r;
}

/* ---- metrics: the same status reply, as Prometheus text ---- */

/* The committed fence counts too; a daemon from before them answers
 * bad-request, and the families are then left out, not printed as 0. */
static int metrics_print(struct qc_ctx *ctx, const struct qc_reply *st)
{
	struct qc_reply *fc = malloc(sizeof(*fc));
	struct qc_ctl c;
	int r, have = 0;

	if (!fc)
		return qc_fail(&ctx->err, QC_EXIT_OTHER, "out of memory");
	r = ctl_open(ctx, &c, 0);
	if (!r)
		r = qc_ctl_call(&c, QFCTL_REQ_FENCE_COUNTS, NULL, 0, fc,
				"metrics: fence counts", &ctx->err);
	qc_ctl_close(&c);
	if (!r && fc->hdr.status == QFCTL_ST_OK)
		have = 1;
	else if (!r && fc->hdr.status != QFCTL_ST_BAD_REQUEST)
		r = qc_ctl_refusal(fc, "metrics: fence counts", &ctx->err);
	if (!r)
		qc_print_metrics(ctx->out, &st->u.st, have ? &fc->u.fc : NULL);
	free(fc);
	return r;
}

int cluster_metrics_main(int argc, char **argv, struct qc_ctx *ctx)
{
	struct qc_opt o[] = { COMMON_OPTS };
	struct qc_reply *rp;
	int r;

	r = parse(ctx, argc, argv, o, ARRAY_SIZE(o), NULL, 0, 0, "", NULL);
	if (r)
		return r;
	if (ctx->json)
		return qc_usage(ctx, "metrics has no --json (it prints Prometheus text)");
	rp = malloc(sizeof(*rp));
	if (!rp)
		return qc_fail(&ctx->err, QC_EXIT_OTHER, "out of memory");
	r = exchange(ctx, QFCTL_REQ_STATUS, NULL, 0, rp, "metrics");
	if (!r)
		r = metrics_print(ctx, rp);
	free(rp);
	return r;
}

/* ---- member add / remove ---- */

static int member_add(int argc, char **argv, struct qc_ctx *ctx)
{
	struct qc_opt o[] = { COMMON_OPTS, { "witness", QC_OPT_FLAG, 0, 0, 0, 0, 0, NULL } };
	struct qfctl_req_member req;
	struct qc_reply rp;
	char *pos[2], what[64];
	int r;

	r = parse(ctx, argc, argv, o, ARRAY_SIZE(o), pos, 2, 2, "ID ADDR:PORT", NULL);
	if (!r)
		r = qc_member_add_req(ctx, pos[0], pos[1], o[O_COMMON].seen, &req);
	if (r)
		return r;
	snprintf(what, sizeof(what), "member add %u", req.node);
	r = exchange(ctx, QFCTL_REQ_MEMBER_ADD, &req, sizeof(req), &rp, what);
	if (!r && ctx->json)
		qc_print_result(ctx->out, QFCTL_REQ_MEMBER_ADD, &rp.u.res, true);
	return r;
}

static int member_remove(int argc, char **argv, struct qc_ctx *ctx)
{
	struct qc_opt o[] = { COMMON_OPTS };
	struct qfctl_req_node req = { 0 };
	struct qc_reply rp;
	char *pos, what[64];
	int r;

	r = parse(ctx, argc, argv, o, ARRAY_SIZE(o), &pos, 1, 1, "ID", NULL);
	if (!r)
		r = qc_node_arg(ctx, pos, &req.node);
	if (r)
		return r;
	snprintf(what, sizeof(what), "member remove %u", req.node);
	r = exchange(ctx, QFCTL_REQ_MEMBER_REMOVE, &req, sizeof(req), &rp, what);
	if (!r && ctx->json)
		qc_print_result(ctx->out, QFCTL_REQ_MEMBER_REMOVE, &rp.u.res, true);
	return r;
}

static const struct qc_cmd member_cmds[] = {
	{ "add", member_add, "ID ADDR:PORT[,ADDR:PORT] [--witness] [--json]",
	  "propose adding node ID (a witness votes but holds no lease)" },
	{ "remove", member_remove, "ID [--json]",
	  "propose removing node ID (its resources still need NODE_FENCED)" },
};

/* ---- fence ---- */

enum { F_WAIT = O_COMMON, F_TIMEOUT, F_TIMEOUT_S, F_N };

/* --timeout S or --timeout-ms MS (at most one; both need --wait) -> ms. */
static int wait_timeout_arg(struct qc_ctx *ctx, const struct qc_opt *wait,
			    const struct qc_opt *ms, const struct qc_opt *sec,
			    uint32_t *out)
{
	if (ms && ms->seen && sec->seen)
		return qc_usage(ctx, "--timeout and --timeout-ms exclude each other");
	if (((ms && ms->seen) || sec->seen) && !wait->seen)
		return qc_usage(ctx, "%s needs --wait",
				sec->seen ? "--timeout" : "--timeout-ms");
	*out = (uint32_t)(sec->seen ? sec->val * 1000 : ms ? ms->val : 0);
	return 0;
}

/*
 * Without --timeout-ms the daemon waits its default, 4 W: ask it for W
 * first (same connection), so that the tool waits for the reply a little
 * longer than the daemon waits for the commit.
 */
static int fence_wait_ms(struct qc_ctx *ctx, struct qc_ctl *c, uint64_t *ms)
{
	struct qc_reply *rp = malloc(sizeof(*rp));
	int r;

	if (!rp)
		return qc_fail(&ctx->err, QC_EXIT_OTHER, "out of memory");
	r = call(ctx, c, QFCTL_REQ_STATUS, NULL, 0, rp, "fence: status");
	if (!r)
		*ms = rp->u.st.wait_ms > WAIT_MAX_MS / 4 ? WAIT_MAX_MS : 4 * rp->u.st.wait_ms;
	free(rp);
	return r;
}

static int fence_send(struct qc_ctx *ctx, struct qfctl_req_fence *req,
		      struct qc_reply *rp, const char *what)
{
	struct qc_ctl c;
	uint64_t wait = req->timeout_ms;
	int r;

	r = ctl_open(ctx, &c, 0);
	if (!r && (req->flags & QFCTL_FENCE_WAIT) && !wait)
		r = fence_wait_ms(ctx, &c, &wait);
	c.timeout_ms += (int)wait;
	if (!r)
		r = call(ctx, &c, QFCTL_REQ_FENCE, req, sizeof(*req), rp, what);
	qc_ctl_close(&c);
	return r;
}

int cluster_fence_main(int argc, char **argv, struct qc_ctx *ctx)
{
	struct qc_opt o[F_N] = {
		COMMON_OPTS,
		[F_WAIT] = { "wait", QC_OPT_FLAG, 0, 0, 0, 0, 0, NULL },
		[F_TIMEOUT] = { "timeout-ms", QC_OPT_NUM, 1, WAIT_MAX_MS, 0, 0, 0, NULL },
		[F_TIMEOUT_S] = { "timeout", QC_OPT_NUM, 1, WAIT_MAX_MS / 1000, 0, 0, 0, NULL },
	};
	struct qfctl_req_fence req = { 0 };
	struct qc_reply rp;
	char *pos, what[64];
	int r;

	r = parse(ctx, argc, argv, o, F_N, &pos, 1, 1, "NODE", NULL);
	if (!r)
		r = qc_node_arg(ctx, pos, &req.node);
	if (!r)
		r = wait_timeout_arg(ctx, &o[F_WAIT], &o[F_TIMEOUT], &o[F_TIMEOUT_S],
				     &req.timeout_ms);
	if (r)
		return r;
	if (o[F_WAIT].seen)
		req.flags = QFCTL_FENCE_WAIT;
	snprintf(what, sizeof(what), "fence %u", req.node);
	r = fence_send(ctx, &req, &rp, what);
	if (!r && o[F_WAIT].seen && !(rp.u.res.flags & QFCTL_RES_COMMITTED))
		r = qc_fail(&ctx->err, QC_EXIT_OTHER,
			    "%s: quorumd answered the wait without a committed record", what);
	if (!r)
		qc_print_result(ctx->out, QFCTL_REQ_FENCE, &rp.u.res, ctx->json);
	return r;
}

/* ---- rejoin ---- */

enum { R_WAIT = O_COMMON, R_TIMEOUT_S, R_N };

/* Node id's generation in this node's committed state (0: not a member). */
static uint64_t member_gen(const struct qfctl_status *st, uint32_t id)
{
	for (unsigned int i = 0; i < st->n_members && i < QFCTL_MAX_MEMBERS; i++)
		if (st->members[i].id == id)
			return st->members[i].gen;
	return 0;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/*
 * rejoin --wait: success only once this node's own committed state shows
 * node with a generation above the one it had before the request (the
 * NODE_JOIN applied here, design.md rule 7); read by STATUS every 50 ms
 * until then, for timeout_ms (0: 4 W, as a forwarded rejoin is resent).
 */
static int rejoin_wait(struct qc_ctx *ctx, struct qfctl_req_node *req,
		       uint32_t timeout_ms, struct qc_reply *rp, const char *what)
{
	struct qc_ctl c;
	uint64_t before, start = now_ms(), limit = timeout_ms;
	int r = ctl_open(ctx, &c, 0);

	if (!r)
		r = call(ctx, &c, QFCTL_REQ_STATUS, NULL, 0, rp, what);
	if (r)
		goto out;
	if (!req->node)
		req->node = rp->u.st.self;
	before = member_gen(&rp->u.st, req->node);
	if (!limit)
		limit = rp->u.st.wait_ms > WAIT_MAX_MS / 4 ? WAIT_MAX_MS : 4 * rp->u.st.wait_ms;
	r = call(ctx, &c, QFCTL_REQ_REJOIN, req, sizeof(*req), rp, what);
	while (!r) {
		struct qc_reply *st = malloc(sizeof(*st));

		if (!st) {
			r = qc_fail(&ctx->err, QC_EXIT_OTHER, "out of memory");
			break;
		}
		r = call(ctx, &c, QFCTL_REQ_STATUS, NULL, 0, st, what);
		if (!r && member_gen(&st->u.st, req->node) > before) {
			rp->u.res.gen = member_gen(&st->u.st, req->node);
			rp->u.res.flags |= QFCTL_RES_COMMITTED;
			free(st);
			break;
		}
		free(st);
		if (!r && now_ms() - start >= limit)
			r = qc_fail(&ctx->err, QC_EXIT_TIMEOUT,
				    "%s: the new generation is not committed on this node after %llu ms (the rejoin may still commit)",
				    what, (unsigned long long)limit);
		if (!r)
			sleep_ms(50);
	}
out:
	qc_ctl_close(&c);
	return r;
}

int cluster_rejoin_main(int argc, char **argv, struct qc_ctx *ctx)
{
	struct qc_opt o[R_N] = {
		COMMON_OPTS,
		[R_WAIT] = { "wait", QC_OPT_FLAG, 0, 0, 0, 0, 0, NULL },
		[R_TIMEOUT_S] = { "timeout", QC_OPT_NUM, 1, WAIT_MAX_MS / 1000, 0, 0, 0, NULL },
	};
	struct qfctl_req_node req = { 0 };
	struct qc_reply rp;
	char *pos, what[64];
	uint32_t timeout_ms = 0;
	size_t n;
	int r;

	r = parse(ctx, argc, argv, o, R_N, &pos, 0, 1, "NODE", &n);
	if (!r && n)
		r = qc_node_arg(ctx, pos, &req.node);
	if (!r)
		r = wait_timeout_arg(ctx, &o[R_WAIT], NULL, &o[R_TIMEOUT_S], &timeout_ms);
	if (r)
		return r;
	if (req.node)
		snprintf(what, sizeof(what), "rejoin %u", req.node);
	else
		snprintf(what, sizeof(what), "rejoin");
	if (o[R_WAIT].seen)
		r = rejoin_wait(ctx, &req, timeout_ms, &rp, what);
	else
		r = exchange(ctx, QFCTL_REQ_REJOIN, &req, sizeof(req), &rp, what);
	if (!r)
		qc_print_result(ctx->out, QFCTL_REQ_REJOIN, &rp.u.res, ctx->json);
	return r;
}

/* ---- leave ---- */

/*
 * The daemon answers once the leave has run: a handover (under an election
 * timeout, which the liveness rule keeps below L), the disarm (at most the
 * settle time), telling the leader (under L again). Ask it for L first on
 * the same connection and wait 4 L and half a minute for the settle time.
 */
static int leave_wait_ms(struct qc_ctx *ctx, struct qc_ctl *c, int *ms)
{
	struct qc_reply *rp = malloc(sizeof(*rp));
	int r;

	if (!rp)
		return qc_fail(&ctx->err, QC_EXIT_OTHER, "out of memory");
	r = call(ctx, c, QFCTL_REQ_STATUS, NULL, 0, rp, "leave: status");
	if (!r)
		*ms = (rp->u.st.lease_ms > WAIT_MAX_MS / 4 ? (int)WAIT_MAX_MS :
		       4 * (int)rp->u.st.lease_ms) + 30000;
	free(rp);
	return r;
}

int cluster_leave_main(int argc, char **argv, struct qc_ctx *ctx)
{
	struct qc_opt o[] = { COMMON_OPTS };
	struct qc_reply rp;
	struct qc_ctl c;
	int r, wait = 0;

	r = parse(ctx, argc, argv, o, ARRAY_SIZE(o), NULL, 0, 0, "", NULL);
	if (r)
		return r;
	r = ctl_open(ctx, &c, 0);
	if (!r)
		r = leave_wait_ms(ctx, &c, &wait);
	c.timeout_ms += wait;
	if (!r)
		r = call(ctx, &c, QFCTL_REQ_LEAVE, NULL, 0, &rp, "leave");
	qc_ctl_close(&c);
	if (!r)
		qc_print_result(ctx->out, QFCTL_REQ_LEAVE, &rp.u.res, ctx->json);
	return r;
}

/* ---- transfer-leader ---- */

/* No ID given: this node must lead; pick the best voter from its status. */
static int transfer_target(struct qc_ctx *ctx, struct qc_ctl *c, uint32_t *to)
{
	struct qc_reply *rp = malloc(sizeof(*rp));
	int r;

	if (!rp)
		return qc_fail(&ctx->err, QC_EXIT_OTHER, "out of memory");
	r = call(ctx, c, QFCTL_REQ_STATUS, NULL, 0, rp, "transfer-leader: status");
	if (!r && rp->u.st.state != QFCTL_STATE_LEADER) {
		if (rp->u.st.leader)
			r = qc_fail(&ctx->err, QC_EXIT_REFUSED,
				    "transfer-leader: this node is not the leader; node %u is: run the command there",
				    rp->u.st.leader);
		else
			r = qc_fail(&ctx->err, QC_EXIT_REFUSED,
				    "transfer-leader: no leader is known (an election is under way, or no majority is reachable)");
	}
	if (!r && qc_pick_transfer(&rp->u.st, to))
		r = qc_fail(&ctx->err, QC_EXIT_REFUSED,
			    "transfer-leader: no other voter can lead (none in the configuration, unfenced and with a lease)");
	free(rp);
	return r;
}

int cluster_transfer_main(int argc, char **argv, struct qc_ctx *ctx)
{
	struct qc_opt o[] = { COMMON_OPTS };
	struct qfctl_req_node req = { 0 };
	struct qc_reply rp;
	struct qc_ctl c;
	char *pos, what[64];
	size_t n;
	int r;

	r = parse(ctx, argc, argv, o, ARRAY_SIZE(o), &pos, 0, 1, "ID", &n);
	if (!r && n)
		r = qc_node_arg(ctx, pos, &req.node);
	if (r)
		return r;
	r = ctl_open(ctx, &c, 0);
	if (!r && !req.node)
		r = transfer_target(ctx, &c, &req.node);
	snprintf(what, sizeof(what), "transfer-leader %u", req.node);
	if (!r)
		r = call(ctx, &c, QFCTL_REQ_TRANSFER_LEADER, &req, sizeof(req), &rp, what);
	qc_ctl_close(&c);
	if (!r)
		qc_print_result(ctx->out, QFCTL_REQ_TRANSFER_LEADER, &rp.u.res, ctx->json);
	return r;
}

/* ---- help and dispatch ---- */

static const struct qc_cmd top_usage[] = {
	{ "status", NULL, "[--json]",
	  "leader, term, members (role, generation, lease, last ack), fence records, drops" },
	{ "member", NULL, "add ID ADDR:PORT[,ADDR:PORT] [--witness] | remove ID", "membership change" },
	{ "fence", NULL, "NODE [--wait [--timeout S | --timeout-ms MS]] [--json]",
	  "fence NODE now (on any member); --wait returns once NODE_FENCED is committed here" },
	{ "rejoin", NULL, "[NODE] [--wait [--timeout S]] [--json]",
	  "rejoin a fenced node (default: this one); --wait returns once the new generation is committed here" },
	{ "transfer-leader", NULL, "[ID] [--json]",
	  "hand leadership to ID (default: the most up-to-date active voter)" },
	{ "leave", NULL, "[--json]",
	  "this node leaves cleanly (as SIGTERM): lease disarmed unless NOWAYOUT, leader told, quorumd exits" },
};

void cluster_print_usage(FILE *f)
{
	size_t i;

	fputs("cluster commands (quorumd's control socket; --socket PATH, default "
	      QFCTL_SOCKET_DEFAULT "):\n", f);
	for (i = 0; i < ARRAY_SIZE(top_usage); i++)
		fprintf(f, "  quorumctl %s %s\n      %s\n", top_usage[i].name,
			top_usage[i].usage, top_usage[i].help);
}

int cluster_member_main(int argc, char **argv, struct qc_ctx *ctx)
{
	static char usage[160];
	const struct qc_cmd *sub;
	int i;

	ctx->usage = "quorumctl member add ID ADDR:PORT[,ADDR:PORT] [--witness] | member remove ID";
	if (argc < 2)
		return qc_usage(ctx, "missing member subcommand (add or remove)");
	if (!strcmp(argv[1], "help") || !strcmp(argv[1], "--help") ||
	    !strcmp(argv[1], "-h")) {
		for (i = 0; i < (int)ARRAY_SIZE(member_cmds); i++)
			fprintf(ctx->out, "usage: quorumctl member %s %s\n  %s\n",
				member_cmds[i].name, member_cmds[i].usage,
				member_cmds[i].help);
		return QC_EXIT_OK;
	}
	sub = qc_find_cmd(member_cmds, ARRAY_SIZE(member_cmds), argv[1]);
	if (!sub)
		return qc_usage(ctx, "unknown member subcommand \"%.64s\"", argv[1]);
	snprintf(usage, sizeof(usage), "quorumctl member %s %s", sub->name, sub->usage);
	ctx->usage = usage;
	for (i = 2; i < argc && strcmp(argv[i], "--"); i++)
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			fprintf(ctx->out, "usage: %s\n  %s\n", usage, sub->help);
			return QC_EXIT_OK;
		}
	return sub->fn(argc - 1, argv + 1, ctx);
}
