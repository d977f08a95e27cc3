/* SPDX-License-Identifier: MIT */
/*
 * quorumctl: shared definitions of the command table, the exit codes and the
 * error report that every subcommand fills and only main() prints.
 */
#ifndef QUORUMCTL_H
#define QUORUMCTL_H

#include <stdbool.h>
#include <stdio.h>

/* Exit codes, documented in `quorumctl help` and tools/README.md. */
enum qc_exit {
	QC_EXIT_OK = 0,
	QC_EXIT_KERNEL = 1,	/* the kernel refused the request (errno shown) */
	QC_EXIT_REFUSED = 1,	/* quorumd refused it (status shown), or the
				 * control socket's permissions did */
	QC_EXIT_USAGE = 2,	/* bad command line */
	QC_EXIT_NOMOD = 3,	/* generic netlink family "qfence" absent */
	QC_EXIT_OTHER = 4,	/* anything else (socket, memory, malformed reply) */
	QC_EXIT_NODAEMON = 5,	/* quorumd absent or not answering */
	QC_EXIT_TIMEOUT = 6,	/* fence --wait: not committed in time */
};

#define QC_MSG_LEN 256

struct qc_err {
	int code;			/* enum qc_exit */
	char msg[QC_MSG_LEN];		/* what failed, without "quorumctl: " */
	int kerrno;			/* errno the kernel answered, 0 if none */
	char extack[QC_MSG_LEN];	/* the kernel's extended ack message, or
					 * quorumd's detail message */
	const char *extack_from;	/* "quorumd", or NULL for the kernel */
	const char *hint;		/* what the errno means for this command */
	const char *usage;		/* usage to print with QC_EXIT_USAGE */
};

struct qc_ctx {
	bool json;
	FILE *out;
	const char *socket;		/* quorumd's control socket */
	int ctl_timeout_ms;		/* per request; 0 = QC_CTL_TIMEOUT_MS */
	struct qc_err err;
	const char *usage;		/* usage of the command being run */
};

struct qc_cmd {
	const char *name;
	int (*fn)(int argc, char **argv, struct qc_ctx *ctx);
	const char *usage;		/* arguments after the command's name */
	const char *help;		/* one line */
};

int qc_fail(struct qc_err *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int qc_usage(struct qc_ctx *ctx, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int qc_kernel_fail(struct qc_err *err, int cmd, int kerrno, const char *what);
const char *qc_errno_name(int e);
const char *qc_kernel_hint(int cmd, int kerrno);
void qc_print_err(FILE *f, const struct qc_err *err);

const struct qc_cmd *qc_find_cmd(const struct qc_cmd *cmds, size_t n,
				 const char *name);

int lease_main(int argc, char **argv, struct qc_ctx *ctx);
void lease_print_usage(FILE *f);

/* Cluster commands over quorumd's control socket (cluster.c). */
int cluster_status_main(int argc, char **argv, struct qc_ctx *ctx);
int cluster_metrics_main(int argc, char **argv, struct qc_ctx *ctx);
int cluster_member_main(int argc, char **argv, struct qc_ctx *ctx);
int cluster_fence_main(int argc, char **argv, struct qc_ctx *ctx);
int cluster_rejoin_main(int argc, char **argv, struct qc_ctx *ctx);
int cluster_leave_main(int argc, char **argv, struct qc_ctx *ctx);
int cluster_timing_main(int argc, char **argv, struct qc_ctx *ctx);
int cluster_transfer_main(int argc, char **argv, struct qc_ctx *ctx);
void cluster_print_usage(FILE *f);

/* quorumctl keygen (keygen.c). */
int keygen_main(int argc, char **argv, struct qc_ctx *ctx);

#endif /* QUORUMCTL_H */
