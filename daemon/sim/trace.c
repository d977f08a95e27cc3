// SPDX-License-Identifier: MIT
/*
 * Trace: a ring of the most recent events of the current seed, kept as
 * small binary records and formatted only when printed (on a violation, or
 * live with --trace), so tracing costs a few stores per event.
 */
#include <inttypes.h>
#include <stdio.h>

#include "sim.h"

#define TRACE_RING 1024 /* power of two */

static struct trace_rec ring[TRACE_RING];
static uint64_t ring_n;
static int live;

static const char *const kind_name[] = {
	[TR_SEND] = "send",	[TR_DROP] = "drop",
	[TR_DUP] = "dup",	[TR_RECV] = "recv",
	[TR_PERSIST] = "persist", [TR_FSYNC] = "fsync",
	[TR_CRASH] = "crash",	[TR_RESTART] = "restart",
	[TR_FREEZE] = "freeze",	[TR_THAW] = "thaw",
	[TR_CUT] = "cut",	[TR_HEAL] = "heal",
	[TR_ROLE] = "role",	[TR_COMMIT] = "commit",
	[TR_RENEW] = "renew",	[TR_EXPIRE] = "expire",
	[TR_KFENCE] = "kfence", [TR_UNFENCE] = "unfence",
	[TR_DRIFT] = "drift",	[TR_ADMIN] = "admin",
	[TR_MEMBER] = "member",	[TR_NOTE] = "note",
	[TR_VIOLATION] = "VIOLATION",
};

void trace_reset(int live_print)
{
	ring_n = 0;
	live = live_print;
}

static void trace_print(FILE *f, const struct trace_rec *r)
{
	const char *k = r->kind < TR__MAX && kind_name[r->kind] ?
		kind_name[r->kind] : "?";

	fprintf(f, "  %10.3f ms n%u %-8s", r->t / 1e6, r->node, k);
	switch (r->kind) {
	case TR_SEND:
	case TR_DROP:
	case TR_DUP:
	case TR_RECV:
		if (r->code == QF_MSG_GRANT)
			fprintf(f, " %s %u->%u gen=%" PRIu64 " R=%.3fms",
				node_msg_name(r->code), r->node, r->peer, r->a,
				r->b / 1e6);
		else
			fprintf(f, " %s %u->%u term=%" PRIu64 " round=%" PRIu64,
				node_msg_name(r->code), r->node, r->peer, r->a,
				r->b);
		if (r->text)
			fprintf(f, " (%s)", r->text);
		break;
	case TR_RENEW:
		fprintf(f, " gen=%" PRIu64 " lease=%.3fms%s%s", r->a, r->b / 1e6,
			r->text ? " " : "", r->text ? r->text : "");
		break;
	case TR_COMMIT:
		fprintf(f, " index=%" PRIu64 " %s node=%d gen=%" PRIu64, r->a,
			qf_entry_type_name((int)r->code), r->peer + 1, r->b);
		break;
	case TR_ADMIN: {
		static const char *const what[] = {
			"?", "fence-now", "remove", "add", "join", "transfer" };

		fprintf(f, " %s node=%d -> %s", what[r->code < 6 ? r->code : 0],
			r->peer + 1, r->a ? qf_strerror((int)r->a) : "ok");
		break;
	}
	case TR_ROLE:
		fprintf(f, " %s term=%" PRIu64 " leader=%d", r->text, r->a,
			r->peer + 1);
		break;
	case TR_NOTE:
	case TR_VIOLATION:
		fprintf(f, " %s", r->text ? r->text : "");
		if (r->a || r->b)
			fprintf(f, " (%" PRIu64 ", %" PRIu64 ")", r->a, r->b);
		break;
	default:
		fprintf(f, " peer=%u code=%u a=%" PRIu64 " b=%" PRIu64,
			r->peer, r->code, r->a, r->b);
		if (r->text)
			fprintf(f, " %s", r->text);
	}
	fputc('\n', f);
}

void trace_add(int64_t t, int kind, int node, int peer, uint32_t code,
	       uint64_t a, uint64_t b, const char *text)
{
	struct trace_rec *r = &ring[ring_n++ & (TRACE_RING - 1)];

	r->t = t;
	r->kind = (uint8_t)kind;
	r->node = (uint8_t)node;
	r->peer = (uint8_t)peer;
	r->code = code;
	r->a = a;
	r->b = b;
	r->text = text;
	if (live)
		trace_print(stdout, r);
}

/* The last n records of the current seed, oldest first. */
void trace_dump(FILE *f, unsigned int n)
{
	uint64_t first = ring_n > n ? ring_n - n : 0;

	if (n > TRACE_RING)
		first = ring_n > TRACE_RING ? ring_n - TRACE_RING : 0;
	fprintf(f, "trace (last %" PRIu64 " events):\n", ring_n - first);
	for (uint64_t i = first; i < ring_n; i++)
		trace_print(f, &ring[i & (TRACE_RING - 1)]);
}
