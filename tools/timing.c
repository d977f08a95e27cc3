// SPDX-License-Identifier: MIT
/*
 * quorumctl timing: the committed timing change of design.md §2.10.
 *
 *   quorumctl timing set PROFILE|KEY=MS[,KEY=MS...]
 *   quorumctl timing status [--json]
 *
 * set asks quorumd (on the leader; a follower names it) to propose
 * TIMING_BEGIN: the core validates the new timing and the cover of the
 * current and the new one (rule 9) and every member applies it to its
 * kernel lease before the change is done. KEY=MS starts from the
 * cluster's current timing; PROFILE is one of design.md §5's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "ctl_proto.h"
#include "ctlmsg.h"
#include "quorumctl.h"

/* design.md §5 (the same values as the [cluster] profile setting). */
static const struct qfctl_timing_vals prof_default = {
	100, 400, 800, 100, 1500, 1000, 1000, 0 };
static const struct qfctl_timing_vals prof_fast = {
	50, 150, 300, 50, 500, 300, 1000, 0 };

static uint32_t *field(struct qfctl_timing_vals *v, const char *k, size_t n)
{
	static const char *const names[] = { "heartbeat", "election_min",
		"election_max", "margin", "L", "F", "rho", "W" };
	uint32_t *f[] = { &v->heartbeat_ms, &v->election_min_ms,
		&v->election_max_ms, &v->margin_ms, &v->lease_ms,
		&v->settle_ms, &v->rho_ppm, &v->wait_ms };

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strlen(names[i]) == n && !strncmp(names[i], k, n))
			return f[i];
	return NULL;
}

static int ctl_call(struct qc_ctx *ctx, uint16_t code, const void *body,
		    size_t len, struct qc_reply *rp, const char *what)
{
	struct qc_ctl c;
	int r = qc_ctl_open(&c, ctx->socket ? ctx->socket : QFCTL_SOCKET_DEFAULT,
			    ctx->ctl_timeout_ms ? ctx->ctl_timeout_ms :
			    QC_CTL_TIMEOUT_MS, &ctx->err);

	if (!r)
		r = qc_ctl_call(&c, code, body, len, rp, what, &ctx->err);
	if (!r && rp->hdr.status != QFCTL_ST_OK)
		r = qc_ctl_refusal(rp, what, &ctx->err);
	qc_ctl_close(&c);
	return r;
}

/* KEY=MS[,KEY=MS...] over v; a usage error names the bad item. */
static int parse_vals(struct qc_ctx *ctx, const char *s,
		      struct qfctl_timing_vals *v)
{
	while (*s) {
		const char *eq = strchr(s, '='), *end = strchrnul(s, ',');
		char *stop;
		uint32_t *f = eq && eq < end ? field(v, s, (size_t)(eq - s)) : NULL;
		unsigned long x;

		if (!f)
			return qc_usage(ctx, "timing: \"%.*s\" is not KEY=VALUE with KEY one of heartbeat, election_min, election_max, margin, L, F, rho, W",
					(int)(end - s), s);
		x = strtoul(eq + 1, &stop, 10);
		if (stop != end || stop == eq + 1 || x > UINT32_MAX)
			return qc_usage(ctx, "timing: bad value in \"%.*s\"",
					(int)(end - s), s);
		*f = (uint32_t)x;
		s = *end ? end + 1 : end;
	}
	return 0;
}

static int timing_set(struct qc_ctx *ctx, const char *arg)
{
	struct qfctl_req_timing rq = { 0 };
	struct qc_reply rp;
	int r;

	if (!strcmp(arg, "default") || !strcmp(arg, "fast")) {
		rq.t = !strcmp(arg, "fast") ? prof_fast : prof_default;
	} else {
		r = ctl_call(ctx, QFCTL_REQ_TIMING_STATUS, NULL, 0, &rp,
			     "timing status");
		if (r)
			return r;
		rq.t = rp.u.tm.cur;
		rq.t.wait_ms = 0;	/* derived again from the new values */
		r = parse_vals(ctx, arg, &rq.t);
		if (r)
			return r;
	}
	r = ctl_call(ctx, QFCTL_REQ_TIMING_SET, &rq, sizeof(rq), &rp,
		     "timing set");
	if (r)
		return r;
	if (ctx->json)
		fprintf(ctx->out, "{\"proposed\":\"%08x\",\"index\":%llu,\"leader\":%u}\n",
			(unsigned int)rp.u.res.gen,
			(unsigned long long)rp.u.res.index, rp.u.res.leader);
	else
		fprintf(ctx->out, "timing %08x proposed at log index %llu; `quorumctl timing status` shows who applied it\n",
			(unsigned int)rp.u.res.gen,
			(unsigned long long)rp.u.res.index);
	return QC_EXIT_OK;
}

static void print_vals(FILE *f, const char *k, const struct qfctl_timing_vals *v,
		       bool json)
{
	if (json)
		fprintf(f, "\"%s\":{\"heartbeat_ms\":%u,\"election_min_ms\":%u,\"election_max_ms\":%u,\"margin_ms\":%u,\"lease_ms\":%u,\"settle_ms\":%u,\"rho_ppm\":%u,\"wait_ms\":%u}",
			k, v->heartbeat_ms, v->election_min_ms, v->election_max_ms,
			v->margin_ms, v->lease_ms, v->settle_ms, v->rho_ppm,
			v->wait_ms);
	else
		fprintf(f, "%-8s heartbeat %u ms, election %u..%u ms, margin %u ms, L %u ms, F %u ms, rho %u ppm, W %u ms\n",
			k, v->heartbeat_ms, v->election_min_ms, v->election_max_ms,
			v->margin_ms, v->lease_ms, v->settle_ms, v->rho_ppm,
			v->wait_ms);
}

static int timing_status(struct qc_ctx *ctx)
{
	struct qc_reply rp;
	const struct qfctl_timing *t = &rp.u.tm;
	FILE *f = ctx->out;
	int r = ctl_call(ctx, QFCTL_REQ_TIMING_STATUS, NULL, 0, &rp,
			 "timing status");

	if (r)
		return r;
	if (ctx->json) {
		fprintf(f, "{\"cluster\":\"%08x\",\"next\":\"%08x\",\"self\":\"%08x\",",
			t->cluster, t->next, t->self);
		print_vals(f, "current", &t->cur, true);
		fputc(',', f);
		print_vals(f, "new", &t->nxt, true);
		fputs(",\"applied\":[", f);
		for (uint32_t i = 0, n = 0; i < t->n_members; i++)
			if (t->m[i].flags & QFCTL_TF_APPLIED)
				fprintf(f, "%s%u", n++ ? "," : "", t->m[i].id);
		fputs("]}\n", f);
		return QC_EXIT_OK;
	}
	fprintf(f, "cluster timing %08x, this node runs %08x\n", t->cluster,
		t->self);
	print_vals(f, "current", &t->cur, false);
	if (!t->next) {
		fputs("no change in progress\n", f);
		return QC_EXIT_OK;
	}
	fprintf(f, "change to %08x in progress\n", t->next);
	print_vals(f, "new", &t->nxt, false);
	for (uint32_t i = 0; i < t->n_members; i++)
		fprintf(f, "  node %u: %s\n", t->m[i].id,
			t->m[i].flags & QFCTL_TF_APPLIED ? "applied" : "not yet");
	return QC_EXIT_OK;
}

int cluster_timing_main(int argc, char **argv, struct qc_ctx *ctx)
{
	int i;

	ctx->usage = "quorumctl timing set PROFILE|KEY=MS[,KEY=MS...] | timing status [--json]";
	for (i = 2; i < argc; i++)
		if (!strcmp(argv[i], "--json"))
			ctx->json = true;
		else
			break;
	if (argc >= 2 && !strcmp(argv[1], "status") && i == argc)
		return timing_status(ctx);
	if (argc == 3 && !strcmp(argv[1], "set"))
		return timing_set(ctx, argv[2]);
	return qc_usage(ctx, "timing: expected `set PROFILE|KEY=MS,...` or `status [--json]`");
}
