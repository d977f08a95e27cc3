// SPDX-License-Identifier: MIT
/* Error reports: exit codes, errno names, per-command hints, the printout. */
#include <errno.h>

#include "qfence.h"
#include "quorumctl.h"
#include "tap.h"

static void test_hints(void)
{
	static const struct {
		int cmd, kerrno;
		const char *needle;	/* NULL: no hint */
	} c[] = {
		{ QFENCE_CMD_LEASE_RENEW, ESTALE, "generation is not the lease's" },
		{ QFENCE_CMD_LEASE_RENEW, ECANCELED, "never lifts the latch" },
		{ QFENCE_CMD_LEASE_RENEW, ERANGE, "max_lease_ms" },
		{ QFENCE_CMD_LEASE_UNFENCE, ESTALE, "must be larger" },
		{ QFENCE_CMD_LEASE_UNFENCE, EINVAL, "not fenced" },
		{ QFENCE_CMD_LEASE_NEW, EINVAL, "refused an attribute" },
		{ QFENCE_CMD_LEASE_NEW, EEXIST, "exists" },
		{ QFENCE_CMD_LEASE_DISARM, EBUSY, "nowayout" },
		{ QFENCE_CMD_LEASE_DEL, EBUSY, "device-mapper" },
		{ QFENCE_CMD_LEASE_DISARM, ECANCELED, "use unfence" },
		{ QFENCE_CMD_LEASE_GET, ENOENT, "no such lease" },
		{ QFENCE_CMD_LEASE_FENCE, EPERM, "CAP_NET_ADMIN" },
		{ QFENCE_CMD_LEASE_RENEW, EIO, NULL },
		{ QFENCE_CMD_LEASE_GET, EBUSY, NULL },
	};
	const char *h;
	char name[64];
	size_t i;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		h = qc_kernel_hint(c[i].cmd, c[i].kerrno);
		snprintf(name, sizeof(name), "hint cmd %d %s", c[i].cmd,
			 qc_errno_name(c[i].kerrno));
		if (c[i].needle)
			CHECK(name, h && strstr(h, c[i].needle), "got \"%s\"",
			      h ? h : "(none)");
		else
			CHECK(name, h == NULL, "got \"%s\"", h);
	}
}

static void test_codes(void)
{
	struct qc_ctx ctx = { .usage = "quorumctl lease del NAME" };
	struct qc_err err = { 0 };
	char *out = NULL, longs[600];
	int r;

	CHECK_STR("errno name", qc_errno_name(ERANGE), "ERANGE");
	CHECK_STR("errno name of 0", qc_errno_name(0), "E?");
	r = qc_kernel_fail(&err, QFENCE_CMD_LEASE_RENEW, ESTALE, "lease renew db0");
	CHECK("kernel refusal is exit 1", r == QC_EXIT_KERNEL && err.code == 1 &&
	      err.kerrno == ESTALE && err.hint, "ret %d", r);
	snprintf(err.extack, sizeof(err.extack), "generation mismatch");
	CAPTURE(out, qc_print_err(f, &err));
	CHECK_STR("kernel refusal printout", out,
		  "quorumctl: lease renew db0: Stale file handle (ESTALE)\n"
		  "quorumctl: kernel: generation mismatch\n");
	free(out);
	err.extack[0] = '\0';
	CAPTURE(out, qc_print_err(f, &err));
	CHECK_STR("kernel refusal without a kernel message shows the hint", out,
		  "quorumctl: lease renew db0: Stale file handle (ESTALE)\n"
		  "quorumctl: hint: the generation is not the lease's\n");
	free(out);
	r = qc_usage(&ctx, "missing argument (%s)", "NAME");
	CHECK("usage error is exit 2", r == QC_EXIT_USAGE && ctx.err.code == 2, "ret %d", r);
	CAPTURE(out, qc_print_err(f, &ctx.err));
	CHECK_STR("usage printout", out,
		  "quorumctl: missing argument (NAME)\nusage: quorumctl lease del NAME\n");
	free(out);
	memset(&err, 0, sizeof(err));
	memset(longs, 'x', sizeof(longs) - 1);
	longs[sizeof(longs) - 1] = '\0';
	r = qc_fail(&err, QC_EXIT_OTHER, "%s", longs);
	CHECK("long message is truncated, exit 4", r == QC_EXIT_OTHER &&
	      strlen(err.msg) == sizeof(err.msg) - 1, "len %zu", strlen(err.msg));
}

int main(void)
{
	test_hints();
	test_codes();
	return TAP_DONE();
}
