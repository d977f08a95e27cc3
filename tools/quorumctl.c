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

#include "quorumctl.h"

static int help_main(int argc, char **argv, struct qc_ctx *ctx);

static const struct qc_cmd commands[] = {
	{ "lease", lease_main, "<subcommand> ...", "kernel leases (generic netlink family \"qfence\")" },
	/* "cluster" (quorumd's control socket) will take its place here. */
	{ "help", help_main, "", "this help, with the exit codes" },
};

#define NCMDS (sizeof(commands) / sizeof(commands[0]))

const struct qc_cmd *qc_find_cmd(const struct qc_cmd *cmds, size_t n,
				 const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(cmds[i].name, name))
			return &cmds[i];
	return NULL;
}

static void print_usage(FILE *f)
{
	size_t i;

	fputs("usage: quorumctl [--json] <command> [<args>]\n\ncommands:\n", f);
	for (i = 0; i < NCMDS; i++)
		fprintf(f, "  %-8s %s\n", commands[i].name, commands[i].help);
	fputc('\n', f);
	lease_print_usage(f);
	fputs("\n--json: every read (lease list, show, events, bench-renew) prints JSON.\n"
	      "\nexit codes:\n"
	      "  0  success\n"
	      "  1  the kernel refused the request (errno and kernel message shown)\n"
	      "  2  usage error (unknown command or option, bad or missing value)\n"
	      "  3  the qfence kernel module is not loaded (no \"qfence\" generic netlink family)\n"
	      "  4  any other failure (netlink socket, malformed reply, events lost,\n"
	      "     fewer events than --count before --timeout-ms)\n", f);
}

static int help_main(int argc, char **argv, struct qc_ctx *ctx)
{
	(void)argv;
	if (argc > 1)
		return qc_usage(ctx, "help takes no arguments");
	print_usage(ctx->out);
	return QC_EXIT_OK;
}

int main(int argc, char **argv)
{
	struct qc_ctx ctx = { .out = stdout, .usage = "quorumctl [--json] <command> [<args>]" };
	const struct qc_cmd *cmd;
	int i = 1, code;

	for (; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "--json")) {
			ctx.json = true;
		} else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			print_usage(stdout);
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
	code = cmd->fn(argc - i, argv + i, &ctx);
out:
	if (fflush(stdout) && code == QC_EXIT_OK)
		code = qc_fail(&ctx.err, QC_EXIT_OTHER, "cannot write the output");
	if (code != QC_EXIT_OK)
		qc_print_err(stderr, &ctx.err);
	return code;
}
