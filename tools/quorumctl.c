// SPDX-License-Identifier: MIT
/*
 * quorumctl: the qfence admin tool.
 *
 *   quorumctl [--json] <command> [<args>]
 *
 * A table of commands, one <command>_main each (the shape of WireGuard's
 * `wg`). Subcommands never print errors: they fill ctx->err and return an
 * exit code, and main() prints the report.
 */
#include <string.h>

#include "ctl.h"
#include "ctl_proto.h"
#include "quorumctl.h"

static int help_main(int argc, char **argv, struct qc_ctx *ctx);

static const struct qc_cmd commands[] = {
	{ "status", cluster_status_main, "[--json]", "the cluster as quorumd sees it" },
	{ "metrics", cluster_metrics_main, "",
	  "quorumd's status as Prometheus text (for node_exporter's textfile collector)" },
	{ "member", cluster_member_main, "add|remove ...", "membership changes" },
	{ "fence", cluster_fence_main, "NODE [--wait [--timeout-ms MS]] [--json]",
	  "fence a node; --wait returns once NODE_FENCED is committed" },
	{ "rejoin", cluster_rejoin_main, "[NODE] [--json]",
	  "bring a fenced node back with a new generation" },
	{ "transfer-leader", cluster_transfer_main, "[ID] [--json]",
	  "hand leadership over" },
	{ "timing", cluster_timing_main, "set PROFILE|KEY=MS,... | status [--json]",
	  "change the cluster's timing (committed, design.md §2.10) or show the change" },
	{ "leave", cluster_leave_main, "[--json]",
	  "leave the cluster cleanly; quorumd exits (restart it, then rejoin)" },
	{ "keygen", keygen_main, "[--force] [FILE]",
	  "a new cluster key, mode 0600 (default /etc/qfence/cluster.key)" },
	{ "lease", lease_main, "<subcommand> ...", "kernel leases (generic netlink family \"qfence\")" },
	{ "help", help_main, "", "this help, with the exit codes" },
};

#define NCMDS (sizeof(commands) / sizeof(commands[0]))

static void print_usage(FILE *f)
{
	size_t i;

	fputs("usage: quorumctl [--json] [--socket PATH] <command> [<args>]\n       quorumctl --version\n\ncommands:\n", f);
	for (i = 0; i < NCMDS; i++)
		fprintf(f, "  %-16s %s\n", commands[i].name, commands[i].help);
	fputc('\n', f);
	cluster_print_usage(f);
	fputc('\n', f);
	lease_print_usage(f);
	fputs("\n--json: every read (status, lease list, show, events, bench-renew) prints\n"
	      "JSON; the cluster mutations then print their result as a JSON object.\n"
	      "--socket PATH: quorumd's control socket (default " QFCTL_SOCKET_DEFAULT ").\n"
	      "\nexit codes:\n"
	      "  0  success\n"
	      "  1  refused: by the kernel (errno and kernel message shown), by quorumd\n"
	      "     (not the leader, busy, no such node, ...), or by the control socket's\n"
	      "     permissions (root only)\n"
	      "  2  usage error (unknown command or option, bad or missing value)\n"
	      "  3  the qfence kernel module is not loaded (no \"qfence\" generic netlink family)\n"
	      "  4  any other failure (netlink socket, malformed reply, events lost,\n"
	      "     fewer events than --count before --timeout-ms, quorumd internal error)\n"
	      "  5  quorumd is not running (no socket, nobody listening) or did not answer\n"
	      "  6  fence --wait: NODE_FENCED not committed within the timeout\n"
	      "     (the record stays in the log and commits later)\n", f);
}

static int help_main(int argc, char **argv, struct qc_ctx *ctx)
{
	(void)argv;
	if (argc > 1)
		return qc_usage(ctx, "help takes no arguments");
	print_usage(ctx->out);
	return QC_EXIT_OK;
}

/* --socket PATH or --socket=PATH before the command. */
static int socket_opt(struct qc_ctx *ctx, int argc, char **argv, int *i)
{
	const char *v = argv[*i][8] == '=' ? argv[*i] + 9 : NULL;

	if (ctx->socket)
		return qc_usage(ctx, "--socket given twice");
	if (!v) {
		if (*i + 1 >= argc)
			return qc_usage(ctx, "--socket needs a value");
		v = argv[++*i];
	}
	if (qc_ctl_check_path(v))
		return qc_usage(ctx, "--socket: \"%.64s\" is not a usable socket path (1..107 bytes)", v);
	ctx->socket = v;
	return 0;
}

/*
 * "lease", "member" and "help" dispatch further themselves; the other
 * commands get their usage line and "--help" here.
 */
static int run_cmd(const struct qc_cmd *cmd, int argc, char **argv,
		   struct qc_ctx *ctx)
{
	static char usage[192];
	int i;

	if (cmd->fn == lease_main || cmd->fn == cluster_member_main ||
	    cmd->fn == help_main)
		return cmd->fn(argc, argv, ctx);
	snprintf(usage, sizeof(usage), "quorumctl %s %s", cmd->name, cmd->usage);
	ctx->usage = usage;
	for (i = 1; i < argc && strcmp(argv[i], "--"); i++)
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			fprintf(ctx->out, "usage: %s\n  %s\n", usage, cmd->help);
			return QC_EXIT_OK;
		}
	return cmd->fn(argc, argv, ctx);
}

int main(int argc, char **argv)
{
	struct qc_ctx ctx = { .out = stdout, .usage = "quorumctl [--json] [--socket PATH] <command> [<args>]" };
	const struct qc_cmd *cmd;
	int i = 1, code;

	for (; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "--json")) {
			ctx.json = true;
		} else if (!strcmp(argv[i], "--socket") || !strncmp(argv[i], "--socket=", 9)) {
			code = socket_opt(&ctx, argc, argv, &i);
			if (code)
				goto out;
		} else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			print_usage(stdout);
			return QC_EXIT_OK;
		} else if (!strcmp(argv[i], "--version")) {
			printf("quorumctl %s\n", QFENCE_VERSION);
			return QC_EXIT_OK;
		} else {
			code = qc_usage(&ctx, "unknown option %.64s", argv[i]);
			goto out;
		}
	}
	if (i == argc) {
		print_usage(stderr);
		return QC_EXIT_USAGE;
	}
	cmd = qc_find_cmd(commands, NCMDS, argv[i]);
	if (!cmd) {
		code = qc_usage(&ctx, "unknown command \"%.64s\" (see quorumctl help)", argv[i]);
		goto out;
	}
	code = run_cmd(cmd, argc - i, argv + i, &ctx);
out:
	if (fflush(stdout) && code == QC_EXIT_OK)
		code = qc_fail(&ctx.err, QC_EXIT_OTHER, "cannot write the output");
	if (code != QC_EXIT_OK)
		qc_print_err(stderr, &ctx.err);
	return code;
}
