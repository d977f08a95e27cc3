// SPDX-License-Identifier: MIT
/*
 * lease renew, renew-loop and bench-renew. A relative deadline is anchored
 * on a CLOCK_BOOTTIME reading taken just before the request is sent (the
 * spirit of design.md rule 1: time spent in transit shortens the lease, never
 * lengthens it).
 */
#include <errno.h>
#include <stdlib.h>
#include <time.h>

#include <netlink/attr.h>
#include <netlink/msg.h>

#include "qfence.h"
#include "args.h"
#include "format.h"
#include "lease.h"

#define U32MAX 0xffffffffULL

static uint64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

struct renew {
	const char *name;
	uint64_t generation;
	int relative;		/* value is ms from now, else absolute ns */
	uint64_t value;
	char what[QC_WHAT_LEN];
};

/* One renew; *rtt_ns (if given) is the send-to-ack time on CLOCK_MONOTONIC. */
static int renew_once(struct qc_ctx *ctx, struct qc_nl *nl,
		      const struct renew *rn, uint64_t *rtt_ns)
{
	struct nl_msg *msg = lease_req(nl, QFENCE_CMD_LEASE_RENEW, rn->name, 0);
	uint64_t deadline = rn->value, t0;
	int r;

	if (msg && nla_put_u64(msg, QFENCE_A_GENERATION, rn->generation) < 0)
		goto nomem;
	if (msg && rn->relative &&
	    qc_deadline_after(clock_ns(CLOCK_BOOTTIME), rn->value, &deadline)) {
		nlmsg_free(msg);
		return qc_fail(&ctx->err, QC_EXIT_OTHER, "%s: deadline overflows", rn->what);
	}
	if (msg && nla_put_u64(msg, QFENCE_A_DEADLINE_NS, deadline) < 0)
		goto nomem;
	t0 = clock_ns(CLOCK_MONOTONIC);
	r = lease_send(ctx, nl, msg, rn->what, NULL, NULL);
	if (rtt_ns)
		*rtt_ns = clock_ns(CLOCK_MONOTONIC) - t0;
	return r;
nomem:
	nlmsg_free(msg);
	return qc_fail(&ctx->err, QC_EXIT_OTHER, "%s: out of memory", rn->what);
}

static int renew_setup(struct qc_ctx *ctx, char *name, uint64_t gen,
		       struct renew *rn, struct qc_nl *nl)
{
	int r = lease_name_arg(ctx, name);

	if (r)
		return r;
	rn->name = name;
	rn->generation = gen;
	lease_what(rn->what, sizeof(rn->what), "renew", name);
	return qc_nl_open(nl, &ctx->err);
}

enum { R_GEN, R_ABS, R_IN, R_N };

int lease_renew_main(int argc, char **argv, struct qc_ctx *ctx)
{
	struct qc_opt o[R_N] = {
		[R_GEN] = { "generation", QC_OPT_NUM, 0, UINT64_MAX, 1, 0, 0, NULL },
		[R_ABS] = { "deadline-ns", QC_OPT_NUM, 0, UINT64_MAX, 0, 0, 0, NULL },
		[R_IN] = { "in-ms", QC_OPT_NUM, 0, U32MAX, 0, 0, 0, NULL },
	};
	struct renew rn = { 0 };
	struct qc_nl nl = { 0 };
	char *name;
	int r;

	r = qc_parse_args(ctx, argc, argv, o, R_N, &name, 1);
	if (r)
		return r;
	if (o[R_ABS].seen == o[R_IN].seen)
		return qc_usage(ctx, "give exactly one of --deadline-ns and --in-ms");
	rn.relative = o[R_IN].seen;
	rn.value = o[R_IN].seen ? o[R_IN].val : o[R_ABS].val;
	r = renew_setup(ctx, name, o[R_GEN].val, &rn, &nl);
	if (!r)
		r = renew_once(ctx, &nl, &rn, NULL);
	qc_nl_close(&nl);
	return r;
}

static void sleep_until(uint64_t t_ns)
{
	struct timespec ts = { .tv_sec = (time_t)(t_ns / 1000000000u),
			       .tv_nsec = (long)(t_ns % 1000000000u) };

	while (!lease_quit &&
	       clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

enum { L_GEN, L_EVERY, L_LEASE, L_COUNT, L_N };

/* A pet loop: renew every P ms with deadline now + L ms; stop on error. */
int lease_renew_loop_main(int argc, char **argv, struct qc_ctx *ctx)
{
	struct qc_opt o[L_N] = {
		[L_GEN] = { "generation", QC_OPT_NUM, 0, UINT64_MAX, 1, 0, 0, NULL },
		[L_EVERY] = { "every-ms", QC_OPT_NUM, 1, U32MAX, 1, 0, 0, NULL },
		[L_LEASE] = { "lease-ms", QC_OPT_NUM, 1, U32MAX, 1, 0, 0, NULL },
		[L_COUNT] = { "count", QC_OPT_NUM, 1, UINT64_MAX, 0, 0, 0, NULL },
	};
	struct renew rn = { .relative = 1 };
	struct qc_nl nl = { 0 };
	uint64_t i, next, now;
	char *name;
	int r;

	r = qc_parse_args(ctx, argc, argv, o, L_N, &name, 1);
	if (r)
		return r;
	if (o[L_EVERY].val >= o[L_LEASE].val)
		return qc_usage(ctx, "--every-ms must be smaller than --lease-ms, or the lease lapses between renewals");
	rn.value = o[L_LEASE].val;
	r = renew_setup(ctx, name, o[L_GEN].val, &rn, &nl);
	lease_catch_signals();
	next = clock_ns(CLOCK_MONOTONIC);
	for (i = 0; !r && !lease_quit; i++) {
		r = renew_once(ctx, &nl, &rn, NULL);
		if (r || (o[L_COUNT].seen && i + 1 >= o[L_COUNT].val))
			break;
		next += o[L_EVERY].val * 1000000u;
		now = clock_ns(CLOCK_MONOTONIC);
		if (next < now)		/* overran: do not burst to catch up */
			next = now;
		sleep_until(next);
	}
	qc_nl_close(&nl);
	return r;
}

enum { B_GEN, B_COUNT, B_LEASE, B_JSON, B_N };

/* Times N renew round trips (send to ack) on CLOCK_MONOTONIC. */
int lease_bench_renew_main(int argc, char **argv, struct qc_ctx *ctx)
{
	struct qc_opt o[B_N] = {
		[B_GEN] = { "generation", QC_OPT_NUM, 0, UINT64_MAX, 1, 0, 0, NULL },
		[B_COUNT] = { "count", QC_OPT_NUM, 1, 10000000, 1, 0, 0, NULL },
		[B_LEASE] = { "lease-ms", QC_OPT_NUM, 1, U32MAX, 1, 0, 0, NULL },
		[B_JSON] = { "json", QC_OPT_FLAG, 0, 0, 0, 0, 0, NULL },
	};
	struct renew rn = { .relative = 1 };
	struct qc_nl nl = { 0 };
	uint64_t *rtt = NULL, i;
	char *name;
	int r;

	r = qc_parse_args(ctx, argc, argv, o, B_N, &name, 1);
	if (r)
		return r;
	ctx->json |= o[B_JSON].seen;
	rn.value = o[B_LEASE].val;
	rtt = calloc(o[B_COUNT].val, sizeof(*rtt));
	if (!rtt)
		return qc_fail(&ctx->err, QC_EXIT_OTHER, "out of memory");
	r = renew_setup(ctx, name, o[B_GEN].val, &rn, &nl);
	for (i = 0; !r && i < o[B_COUNT].val; i++)
		r = renew_once(ctx, &nl, &rn, &rtt[i]);
	qc_nl_close(&nl);
	if (!r)
		qc_print_bench(ctx->out, name, rtt, o[B_COUNT].val, ctx->json);
	free(rtt);
	return r;
}
