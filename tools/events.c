// SPDX-License-Identifier: MIT
/*
 * lease events: join the "events" multicast group and print each
 * QFENCE_CMD_EVENT as one line (or one JSON object per line), flushed at
 * once so that a script reading the pipe sees it immediately. Once
 * subscribed, "quorumctl: listening for events" goes to stderr, so a test
 * can wait for it before it provokes an event.
 */
#include <errno.h>
#include <poll.h>
#include <time.h>

#include "qfence.h"
#include "args.h"
#include "attrs.h"
#include "format.h"
#include "lease.h"

#define U32MAX 0xffffffffULL

struct watch {
	struct qc_ctx *ctx;
	uint64_t got, want;	/* want 0: no limit */
};

static int print_event(const struct nlmsghdr *nlh, void *arg)
{
	struct watch *w = arg;
	struct qc_info in;

	if (w->want && w->got >= w->want)
		return 0;
	if (qc_info_parse(nlh, &in))
		return -EINVAL;
	if (in.cmd != QFENCE_CMD_EVENT)
		return 0;
	qc_print_event(w->ctx->out, &in, w->ctx->json);
	fflush(w->ctx->out);
	w->got++;
	return 0;
}

static int64_t ms_left(const struct timespec *end)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (int64_t)(end->tv_sec - now.tv_sec) * 1000 +
	       (end->tv_nsec - now.tv_nsec) / 1000000;
}

static int wait_events(struct qc_nl *nl, struct watch *w, const struct qc_opt *tmo)
{
	struct pollfd pfd = { .fd = qc_nl_fd(nl), .events = POLLIN };
	struct timespec end;
	int64_t left = -1;
	int r;

	clock_gettime(CLOCK_MONOTONIC, &end);
	end.tv_sec += (time_t)(tmo->val / 1000);
	end.tv_nsec += (long)(tmo->val % 1000) * 1000000;
	if (end.tv_nsec >= 1000000000) {
		end.tv_sec++;
		end.tv_nsec -= 1000000000;
	}
	while (!lease_quit && (!w->want || w->got < w->want)) {
		if (tmo->seen) {
			left = ms_left(&end);
			if (left <= 0)
				break;
		}
		r = poll(&pfd, 1, left > 0x7fffffff ? 0x7fffffff : (int)left);
		if (r < 0 && errno != EINTR)
			return qc_fail(&w->ctx->err, QC_EXIT_OTHER, "events: poll failed");
		if (r > 0) {
			r = qc_nl_recv_events(nl, print_event, w, &w->ctx->err);
			if (r)
				return r;
		}
	}
	return 0;
}

enum { E_COUNT, E_TMO, E_JSON, E_N };

int lease_events_main(int argc, char **argv, struct qc_ctx *ctx)
{
	struct qc_opt o[E_N] = {
		[E_COUNT] = { "count", QC_OPT_NUM, 1, UINT64_MAX, 0, 0, 0, NULL },
		[E_TMO] = { "timeout-ms", QC_OPT_NUM, 0, U32MAX, 0, 0, 0, NULL },
		[E_JSON] = { "json", QC_OPT_FLAG, 0, 0, 0, 0, 0, NULL },
	};
	struct watch w = { .ctx = ctx };
	struct qc_nl nl = { 0 };
	int r;

	r = qc_parse_args(ctx, argc, argv, o, E_N, NULL, 0);
	if (r)
		return r;
	ctx->json |= o[E_JSON].seen;
	w.want = o[E_COUNT].seen ? o[E_COUNT].val : 0;
	r = qc_nl_open(&nl, &ctx->err);
	if (!r)
		r = qc_nl_subscribe(&nl, QFENCE_MCGRP_EVENTS, &ctx->err);
	if (!r) {
		fputs("quorumctl: listening for events\n", stderr);
		lease_catch_signals();
		r = wait_events(&nl, &w, &o[E_TMO]);
	}
	qc_nl_close(&nl);
	if (!r && w.want && w.got < w.want && !lease_quit)
		r = qc_fail(&ctx->err, QC_EXIT_OTHER,
			    "events: timed out after %llu of %llu events",
			    (unsigned long long)w.got, (unsigned long long)w.want);
	return r;
}
