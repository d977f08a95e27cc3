// SPDX-License-Identifier: MIT
/*
 * Error reports: subcommands fill a struct qc_err and return its exit code;
 * only main() prints it. The kernel's errno is explained per command from
 * the meanings the uapi header documents.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "qfence.h"
#include "quorumctl.h"

int qc_fail(struct qc_err *err, int code, const char *fmt, ...)
{
	va_list ap;

	err->code = code;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return code;
}

int qc_usage(struct qc_ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	ctx->err.code = QC_EXIT_USAGE;
	ctx->err.usage = ctx->usage;
	va_start(ap, fmt);
	vsnprintf(ctx->err.msg, sizeof(ctx->err.msg), fmt, ap);
	va_end(ap);
	return QC_EXIT_USAGE;
}

/* The kernel answered -kerrno to @cmd; @what names the request. */
int qc_kernel_fail(struct qc_err *err, int cmd, int kerrno, const char *what)
{
	err->kerrno = kerrno;
	err->hint = qc_kernel_hint(cmd, kerrno);
	return qc_fail(err, QC_EXIT_KERNEL, "%s", what);
}

const char *qc_errno_name(int e)
{
	const char *s = e > 0 ? strerrorname_np(e) : NULL;

	return s ? s : "E?";
}

struct hint {
	int cmd;	/* 0: any command */
	int kerrno;
	const char *text;
};

static const struct hint hints[] = {
	{ QFENCE_CMD_LEASE_NEW, EEXIST, "a lease with this name exists" },
	{ QFENCE_CMD_LEASE_NEW, ENOSPC, "the kernel holds the maximum number of leases" },
	{ QFENCE_CMD_LEASE_RENEW, ESTALE, "the generation is not the lease's" },
	{ QFENCE_CMD_LEASE_RENEW, ECANCELED,
	  "the lease is fenced; a renew never lifts the latch (unfence with a larger generation after a rejoin)" },
	{ QFENCE_CMD_LEASE_RENEW, ERANGE,
	  "the deadline is not in the future, or lies beyond now + max_lease_ms" },
	{ QFENCE_CMD_LEASE_UNFENCE, EINVAL, "the lease is not fenced" },
	{ QFENCE_CMD_LEASE_UNFENCE, ESTALE,
	  "the new generation must be larger than the lease's" },
	{ QFENCE_CMD_LEASE_DISARM, EBUSY, "the lease has nowayout and cannot be disarmed" },
	{ QFENCE_CMD_LEASE_DISARM, ECANCELED, "the lease is fenced (use unfence)" },
	{ QFENCE_CMD_LEASE_DEL, EBUSY,
	  "the lease is not disarmed, or a device-mapper target still uses it" },
	{ 0, ENOENT, "no such lease" },
	{ 0, EPERM, "this command needs CAP_NET_ADMIN" },
	{ 0, EINVAL, "the kernel refused an attribute" },
};

const char *qc_kernel_hint(int cmd, int kerrno)
{
	size_t i;

	for (i = 0; i < sizeof(hints) / sizeof(hints[0]); i++) {
		if (hints[i].kerrno != kerrno)
			continue;
		if (hints[i].cmd == cmd || hints[i].cmd == 0)
			return hints[i].text;
	}
	return NULL;
}

void qc_print_err(FILE *f, const struct qc_err *err)
{
	if (err->kerrno)
		fprintf(f, "quorumctl: %s: %s (%s)\n", err->msg,
			strerror(err->kerrno), qc_errno_name(err->kerrno));
	else
		fprintf(f, "quorumctl: %s\n", err->msg);
	if (err->extack[0])
		fprintf(f, "quorumctl: %s: %s\n",
			err->extack_from ? err->extack_from : "kernel", err->extack);
	/* The kernel's own words first; the uapi's meaning when it gave none. */
	if (err->hint && !err->extack[0])
		fprintf(f, "quorumctl: hint: %s\n", err->hint);
	if (err->usage)
		fprintf(f, "usage: %s\n", err->usage);
}
