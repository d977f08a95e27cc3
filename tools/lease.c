// SPDX-License-Identifier: MIT
/*
 * `quorumctl lease`: the kernel's leases over generic netlink. This file
 * holds the subcommand table, the read commands (list, show) and the simple
 * mutations; renew and its loops live in renew.c, events in events.c.
 * Every argument is parsed before the socket opens, so a usage error never
 * reaches the kernel.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <netlink/attr.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>

#include "qfence.h"
#include "args.h"
#include "attrs.h"
#include "format.h"
#include "lease.h"

#define U32MAX 0xffffffffULL

volatile sig_atomic_t lease_quit;

static void on_signal(int sig)
{
	(void)sig;
	lease_quit = 1;
}

/* No SA_RESTART: a blocked poll() or sleep returns and sees lease_quit. */
void lease_catch_signals(void)
{
	struct sigaction sa = { .sa_handler = on_signal };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

int lease_name_arg(struct qc_ctx *ctx, const char *name)
{
	if (!qc_check_name(name))
		return 0;
	if (!name[0])
		return qc_usage(ctx, "empty lease name");
	return qc_usage(ctx, "lease name longer than %d bytes",
			QFENCE_NAME_LEN - 1);
}

void lease_what(char *buf, size_t len, const char *verb, const char *name)
{
	char safe[4 * QFENCE_NAME_LEN + 1];

	qc_safe_name(name, safe, sizeof(safe));
	snprintf(buf, len, "lease %s %s", verb, safe);
}

struct nl_msg *lease_req(struct qc_nl *nl, uint8_t cmd, const char *name,
			 int flags)
{
	struct nl_msg *msg = qc_nl_msg(nl, cmd, flags);

	if (msg && name && nla_put_string(msg, QFENCE_A_NAME, name) < 0) {
		nlmsg_free(msg);
		msg = NULL;
	}
	return msg;
}

int lease_send(struct qc_ctx *ctx, struct qc_nl *nl, struct nl_msg *msg,
	       const char *what, qc_reply_fn fn, void *arg)
{
	if (!msg)
		return qc_fail(&ctx->err, QC_EXIT_OTHER, "%s: out of memory", what);
	return qc_nl_send(nl, msg, what, fn, arg, &ctx->err);
}

/* list: dump every lease into a growing array, then print sorted. */
struct lease_set {
	struct qc_info *v;
	size_t n, cap;
};

static int collect(const struct nlmsghdr *nlh, void *arg)
{
	struct lease_set *s = arg;
	struct qc_info *v;

	if (s->n == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 16;
		v = realloc(s->v, s->cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		s->v = v;
	}
	if (qc_info_parse(nlh, &s->v[s->n]) || !QC_HAS(&s->v[s->n], QFENCE_A_NAME))
		return -EINVAL;
	s->n++;
	return 0;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct qc_info *)a)->name,
		      ((const struct qc_info *)b)->name);
}

static int list_main(int argc, char **argv, struct qc_ctx *ctx)
{
	struct qc_opt opts[] = { { .name = "json", .kind = QC_OPT_FLAG } };
	struct lease_set set = { 0 };
	struct qc_nl nl = { 0 };
	int r;

	r = qc_parse_args(ctx, argc, argv, opts, 1, NULL, 0);
	if (r)
		return r;
	ctx->json |= opts[0].seen;
	r = qc_nl_open(&nl, &ctx->err);
	if (!r)
		r = lease_send(ctx, &nl, lease_req(&nl, QFENCE_CMD_LEASE_GET, NULL, NLM_F_DUMP),
			       "lease list", collect, &set);
	qc_nl_close(&nl);
	if (!r) {
		if (set.n)
			qsort(set.v, set.n, sizeof(*set.v), by_name);
		if (ctx->json)
			qc_print_lease_list_json(ctx->out, set.v, set.n);
		else
			qc_print_lease_table(ctx->out, set.v, set.n);
	}
	free(set.v);
	return r;
}

/* show: exactly one reply is expected. */
struct one_lease {
	struct qc_info info;
	int n;
};

static int take_one(const struct nlmsghdr *nlh, void *arg)
{
	struct one_lease *one = arg;

	if (one->n++ || qc_info_parse(nlh, &one->info))
		return -EINVAL;
	return 0;
}

static int show_main(int argc, char **argv, struct qc_ctx *ctx)
{
	struct qc_opt opts[] = { { .name = "json", .kind = QC_OPT_FLAG } };
	struct one_lease one = { .n = 0 };
	struct qc_nl nl = { 0 };
	char *name, what[QC_WHAT_LEN];
	int r;

	r = qc_parse_args(ctx, argc, argv, opts, 1, &name, 1);
	if (!r)
		r = lease_name_arg(ctx, name);
	if (r)
		return r;
	ctx->json |= opts[0].seen;
	lease_what(what, sizeof(what), "show", name);
	r = qc_nl_open(&nl, &ctx->err);
	if (!r)
		r = lease_send(ctx, &nl, lease_req(&nl, QFENCE_CMD_LEASE_GET, name, 0),
			       what, take_one, &one);
	qc_nl_close(&nl);
	if (!r && one.n != 1)
		r = qc_fail(&ctx->err, QC_EXIT_OTHER, "%s: no reply from the kernel", what);
	if (r)
		return r;
	if (ctx->json) {
		qc_print_lease_json(ctx->out, &one.info);
		fputc('\n', ctx->out);
	} else {
		qc_print_lease_show(ctx->out, &one.info);
	}
	return 0;
}

enum { O_GEN, O_MAX, O_ACT, O_DELAY, O_SETTLE, O_NOWAYOUT, O_SWAIT, O_NEW_N };

static int new_attrs(struct nl_msg *msg, const struct qc_opt *o)
{
	uint32_t flags = (o[O_NOWAYOUT].seen ? QFENCE_F_NOWAYOUT : 0) |
			 (o[O_SWAIT].seen ? QFENCE_F_SETTLE_WAIT : 0);
	int r = 0;

	r |= nla_put_u64(msg, QFENCE_A_GENERATION, o[O_GEN].val);
	r |= nla_put_u32(msg, QFENCE_A_MAX_LEASE_MS, (uint32_t)o[O_MAX].val);
	/* Optional attributes travel only when given: the kernel's defaults. */
	if (o[O_ACT].seen)
		r |= nla_put_u32(msg, QFENCE_A_ACTIONS, (uint32_t)o[O_ACT].val);
	if (o[O_DELAY].seen)
		r |= nla_put_u32(msg, QFENCE_A_REBOOT_DELAY_MS, (uint32_t)o[O_DELAY].val);
	if (o[O_SETTLE].seen)
		r |= nla_put_u32(msg, QFENCE_A_SETTLE_MS, (uint32_t)o[O_SETTLE].val);
	if (flags)
		r |= nla_put_u32(msg, QFENCE_A_FLAGS, flags);
	return r;
}

static int new_main(int argc, char **argv, struct qc_ctx *ctx)
{
	struct qc_opt o[O_NEW_N] = {
		[O_GEN] = { "generation", QC_OPT_NUM, 0, UINT64_MAX, 1, 0, 0, NULL },
		[O_MAX] = { "max-lease-ms", QC_OPT_NUM, 0, U32MAX, 1, 0, 0, NULL },
		[O_ACT] = { "actions", QC_OPT_ACTIONS, 0, 0, 0, 0, 0, NULL },
		[O_DELAY] = { "reboot-delay-ms", QC_OPT_NUM, 0, U32MAX, 0, 0, 0, NULL },
		[O_SETTLE] = { "settle-ms", QC_OPT_NUM, 0, U32MAX, 0, 0, 0, NULL },
		[O_NOWAYOUT] = { "nowayout", QC_OPT_FLAG, 0, 0, 0, 0, 0, NULL },
		[O_SWAIT] = { "settle-wait", QC_OPT_FLAG, 0, 0, 0, 0, 0, NULL },
	};
	struct qc_nl nl = { 0 };
	struct nl_msg *msg;
	char *name, what[QC_WHAT_LEN];
	int r;

	r = qc_parse_args(ctx, argc, argv, o, O_NEW_N, &name, 1);
	if (!r)
		r = lease_name_arg(ctx, name);
	if (r)
		return r;
	lease_what(what, sizeof(what), "new", name);
	r = qc_nl_open(&nl, &ctx->err);
	if (!r) {
		msg = lease_req(&nl, QFENCE_CMD_LEASE_NEW, name, 0);
		if (msg && new_attrs(msg, o)) {
			nlmsg_free(msg);
			msg = NULL;
		}
		r = lease_send(ctx, &nl, msg, what, NULL, NULL);
	}
	qc_nl_close(&nl);
	return r;
}

/* fence, disarm, del (NAME only) and unfence (NAME and a generation). */
static int name_cmd(int argc, char **argv, struct qc_ctx *ctx, uint8_t cmd,
		    bool with_gen)
{
	struct qc_opt o[] = { { "generation", QC_OPT_NUM, 0, UINT64_MAX, 1, 0, 0, NULL } };
	struct qc_nl nl = { 0 };
	struct nl_msg *msg;
	char *name, what[QC_WHAT_LEN];
	int r;

	r = qc_parse_args(ctx, argc, argv, o, with_gen ? 1 : 0, &name, 1);
	if (!r)
		r = lease_name_arg(ctx, name);
	if (r)
		return r;
	lease_what(what, sizeof(what), argv[0], name);
	r = qc_nl_open(&nl, &ctx->err);
	if (!r) {
		msg = lease_req(&nl, cmd, name, 0);
		if (msg && with_gen &&
		    nla_put_u64(msg, QFENCE_A_GENERATION, o[0].val) < 0) {
			nlmsg_free(msg);
			msg = NULL;
		}
		r = lease_send(ctx, &nl, msg, what, NULL, NULL);
	}
	qc_nl_close(&nl);
	return r;
}

static int fence_main(int argc, char **argv, struct qc_ctx *ctx)
{
	return name_cmd(argc, argv, ctx, QFENCE_CMD_LEASE_FENCE, false);
}

static int unfence_main(int argc, char **argv, struct qc_ctx *ctx)
{
	return name_cmd(argc, argv, ctx, QFENCE_CMD_LEASE_UNFENCE, true);
}

static int disarm_main(int argc, char **argv, struct qc_ctx *ctx)
{
	return name_cmd(argc, argv, ctx, QFENCE_CMD_LEASE_DISARM, false);
}

static int del_main(int argc, char **argv, struct qc_ctx *ctx)
{
	return name_cmd(argc, argv, ctx, QFENCE_CMD_LEASE_DEL, false);
}

static const struct qc_cmd lease_cmds[] = {
	{ "list", list_main, "[--json]", "all leases as a table" },
	{ "show", show_main, "NAME [--json]", "one lease in detail" },
	{ "new", new_main,
	  "NAME --generation G --max-lease-ms MS [--actions io,reboot,panic,log-only] [--reboot-delay-ms MS] [--settle-ms MS] [--nowayout] [--settle-wait]",
	  "create a disarmed lease" },
	{ "renew", lease_renew_main, "NAME --generation G (--deadline-ns ABS | --in-ms MS)",
	  "arm or move the deadline (CLOCK_BOOTTIME ns, or now + MS)" },
	{ "fence", fence_main, "NAME", "fence now" },
	{ "unfence", unfence_main, "NAME --generation G",
	  "clear the fence latch with a larger generation" },
	{ "disarm", disarm_main, "NAME", "clean leave: disarm without action" },
	{ "del", del_main, "NAME", "delete a disarmed, unused lease" },
	{ "events", lease_events_main, "[--count N] [--timeout-ms MS] [--json]",
	  "print kernel events as they come (one line or JSON object each)" },
	{ "renew-loop", lease_renew_loop_main,
	  "NAME --generation G --every-ms P --lease-ms L [--count N]",
	  "renew every P ms with deadline now + L; stop on error" },
	{ "bench-renew", lease_bench_renew_main,
	  "NAME --generation G --count N --lease-ms L [--json]",
	  "time N renew round trips; print p50/p99 in microseconds" },
};

#define NLEASE (sizeof(lease_cmds) / sizeof(lease_cmds[0]))

void lease_print_usage(FILE *f)
{
	size_t i;

	fputs("lease subcommands:\n", f);
	for (i = 0; i < NLEASE; i++)
		fprintf(f, "  quorumctl lease %s %s\n      %s\n", lease_cmds[i].name,
			lease_cmds[i].usage, lease_cmds[i].help);
}

static bool wants_help(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc && strcmp(argv[i], "--"); i++)
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
			return true;
	return false;
}

int lease_main(int argc, char **argv, struct qc_ctx *ctx)
{
	static char usage[320];
	const struct qc_cmd *sub;

	ctx->usage = "quorumctl lease <subcommand> ... (see quorumctl lease help)";
	if (argc < 2)
		return qc_usage(ctx, "missing lease subcommand");
	if (!strcmp(argv[1], "help") || !strcmp(argv[1], "--help") ||
	    !strcmp(argv[1], "-h")) {
		lease_print_usage(ctx->out);
		return QC_EXIT_OK;
	}
	sub = qc_find_cmd(lease_cmds, NLEASE, argv[1]);
	if (!sub)
		return qc_usage(ctx, "unknown lease subcommand \"%.64s\"", argv[1]);
	snprintf(usage, sizeof(usage), "quorumctl lease %s %s", sub->name, sub->usage);
	ctx->usage = usage;
	if (wants_help(argc - 1, argv + 1)) {
		fprintf(ctx->out, "usage: %s\n  %s\n", usage, sub->help);
		return QC_EXIT_OK;
	}
	return sub->fn(argc - 1, argv + 1, ctx);
}
