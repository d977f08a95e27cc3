// SPDX-License-Identifier: GPL-2.0
/*
 * nlbad: send malformed qfence netlink requests and check that each is
 * refused with the documented errno and changes nothing.
 *
 *   nlbad
 *
 * Creates the lease "nlbad" (generation 5, max 60 s) and arms it; then, for
 * every row of the table below, snapshots that lease and the number of
 * leases, sends the request, and prints `ok nlbad-ROW` only if the kernel
 * answered with the expected errno and the snapshot is unchanged (deadline,
 * generation, renewals, state, ...). Disarms and deletes the lease at the end.
 * The last line is "nlbad: N passed, N failed"; exit 1 if anything failed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "qnl.h"

#define LEASE "nlbad"
#define GEN 5
#define MAX_MS 60000

enum kind { END, U32, U64, STR, NOSTR, BYTES, NOW_MS, NAMETAIL };

struct attr {
	enum kind kind;
	uint16_t type;
	int64_t v;		/* value; NOW_MS: u64 now + v ms; BYTES, NAMETAIL: length */
	const char *s;
};

struct row {
	const char *name;
	uint8_t cmd;
	int err;		/* expected, positive */
	struct attr a[8];
};

#define A_NAME(s) { STR, QFENCE_A_NAME, 0, s }
#define A_GEN(v) { U64, QFENCE_A_GENERATION, v, NULL }
#define A_MAX(v) { U32, QFENCE_A_MAX_LEASE_MS, v, NULL }
#define A_DL(ms) { NOW_MS, QFENCE_A_DEADLINE_NS, ms, NULL }
#define LONGNAME "this-name-is-far-longer-than-32-bytes"

static const struct row rows[] = {
	{ "new-no-name", QFENCE_CMD_LEASE_NEW, EINVAL, { A_GEN(1), A_MAX(1000) } },
	{ "new-no-generation", QFENCE_CMD_LEASE_NEW, EINVAL, { A_NAME("x1"), A_MAX(1000) } },
	{ "new-no-max-lease", QFENCE_CMD_LEASE_NEW, EINVAL, { A_NAME("x1"), A_GEN(1) } },
	{ "new-generation-zero", QFENCE_CMD_LEASE_NEW, EINVAL, { A_NAME("x1"), A_GEN(0), A_MAX(1000) } },
	{ "new-generation-u32", QFENCE_CMD_LEASE_NEW, EINVAL,
	  { A_NAME("x1"), { U32, QFENCE_A_GENERATION, 1, NULL }, A_MAX(1000) } },
	{ "new-max-lease-zero", QFENCE_CMD_LEASE_NEW, EINVAL, { A_NAME("x1"), A_GEN(1), A_MAX(0) } },
	{ "new-max-lease-over-limit", QFENCE_CMD_LEASE_NEW, EINVAL,
	  { A_NAME("x1"), A_GEN(1), A_MAX(QFENCE_MAX_LEASE_MS_LIMIT + 1) } },
	{ "new-max-lease-u64", QFENCE_CMD_LEASE_NEW, EINVAL,
	  { A_NAME("x1"), A_GEN(1), { U64, QFENCE_A_MAX_LEASE_MS, 1000, NULL } } },
	{ "new-name-oversize", QFENCE_CMD_LEASE_NEW, EINVAL, { A_NAME(LONGNAME), A_GEN(1), A_MAX(1000) } },
	{ "new-name-32-bytes", QFENCE_CMD_LEASE_NEW, EINVAL,
	  { A_NAME("abcdefghijklmnopqrstuvwxyz012345"), A_GEN(1), A_MAX(1000) } },
	{ "new-name-not-terminated", QFENCE_CMD_LEASE_NEW, EINVAL,
	  { { NOSTR, QFENCE_A_NAME, 0, "x1" }, A_GEN(1), A_MAX(1000) } },
	/* "x1", its NUL, then junk: refused by qfence up to 32 bytes ... */
	{ "new-name-trailing-bytes", QFENCE_CMD_LEASE_NEW, EINVAL,
	  { { NAMETAIL, QFENCE_A_NAME, 8, "x1" }, A_GEN(1), A_MAX(1000) } },
	/* ... and by the netlink core's NLA_NUL_STRING check beyond. */
	{ "new-name-trailing-bytes-long", QFENCE_CMD_LEASE_NEW, ERANGE,
	  { { NAMETAIL, QFENCE_A_NAME, 40, "x1" }, A_GEN(1), A_MAX(1000) } },
	{ "new-generation-max", QFENCE_CMD_LEASE_NEW, EINVAL,
	  { A_NAME("x1"), { U64, QFENCE_A_GENERATION, -1, NULL }, A_MAX(1000) } },
	{ "new-actions-unknown-bit", QFENCE_CMD_LEASE_NEW, EINVAL,
	  { A_NAME("x1"), A_GEN(1), A_MAX(1000), { U32, QFENCE_A_ACTIONS, QFENCE_ACTION_IO | (1 << 4), NULL } } },
	{ "new-actions-without-io", QFENCE_CMD_LEASE_NEW, EINVAL,
	  { A_NAME("x1"), A_GEN(1), A_MAX(1000), { U32, QFENCE_A_ACTIONS, QFENCE_ACTION_REBOOT, NULL } } },
	{ "new-actions-reboot-and-panic", QFENCE_CMD_LEASE_NEW, EINVAL,
	  { A_NAME("x1"), A_GEN(1), A_MAX(1000),
	    { U32, QFENCE_A_ACTIONS, QFENCE_ACTION_IO | QFENCE_ACTION_REBOOT | QFENCE_ACTION_PANIC, NULL } } },
	{ "new-flags-unknown-bit", QFENCE_CMD_LEASE_NEW, EINVAL,
	  { A_NAME("x1"), A_GEN(1), A_MAX(1000), { U32, QFENCE_A_FLAGS, 1 << 2, NULL } } },
	{ "new-settle-zero", QFENCE_CMD_LEASE_NEW, EINVAL,
	  { A_NAME("x1"), A_GEN(1), A_MAX(1000), { U32, QFENCE_A_SETTLE_MS, 0, NULL } } },
	{ "new-settle-over-limit", QFENCE_CMD_LEASE_NEW, EINVAL,
	  { A_NAME("x1"), A_GEN(1), A_MAX(1000), { U32, QFENCE_A_SETTLE_MS, QFENCE_DELAY_MS_LIMIT + 1, NULL } } },
	{ "new-reboot-delay-over-limit", QFENCE_CMD_LEASE_NEW, EINVAL,
	  { A_NAME("x1"), A_GEN(1), A_MAX(1000), { U32, QFENCE_A_REBOOT_DELAY_MS, QFENCE_DELAY_MS_LIMIT + 1, NULL } } },
	{ "new-unknown-attribute", QFENCE_CMD_LEASE_NEW, EINVAL,
	  { A_NAME("x1"), A_GEN(1), A_MAX(1000), { U32, QFENCE_A_MAX + 20, 1, NULL } } },
	{ "new-name-taken", QFENCE_CMD_LEASE_NEW, EEXIST, { A_NAME(LEASE), A_GEN(1), A_MAX(1000) } },
	{ "renew-no-name", QFENCE_CMD_LEASE_RENEW, EINVAL, { A_GEN(GEN), A_DL(1000) } },
	{ "renew-no-deadline", QFENCE_CMD_LEASE_RENEW, EINVAL, { A_NAME(LEASE), A_GEN(GEN) } },
	{ "renew-no-generation", QFENCE_CMD_LEASE_RENEW, EINVAL, { A_NAME(LEASE), A_DL(1000) } },
	{ "renew-deadline-u32", QFENCE_CMD_LEASE_RENEW, EINVAL,
	  { A_NAME(LEASE), A_GEN(GEN), { U32, QFENCE_A_DEADLINE_NS, 1, NULL } } },
	{ "renew-deadline-truncated", QFENCE_CMD_LEASE_RENEW, EINVAL,
	  { A_NAME(LEASE), A_GEN(GEN), { BYTES, QFENCE_A_DEADLINE_NS, 6, NULL } } },
	{ "renew-deadline-past", QFENCE_CMD_LEASE_RENEW, ERANGE, { A_NAME(LEASE), A_GEN(GEN), A_DL(-1) } },
	{ "renew-deadline-zero", QFENCE_CMD_LEASE_RENEW, ERANGE,
	  { A_NAME(LEASE), A_GEN(GEN), { U64, QFENCE_A_DEADLINE_NS, 0, NULL } } },
	{ "renew-beyond-max-lease", QFENCE_CMD_LEASE_RENEW, ERANGE,
	  { A_NAME(LEASE), A_GEN(GEN), A_DL(MAX_MS + 2000) } },
	{ "renew-older-generation", QFENCE_CMD_LEASE_RENEW, ESTALE, { A_NAME(LEASE), A_GEN(GEN - 1), A_DL(1000) } },
	{ "renew-newer-generation", QFENCE_CMD_LEASE_RENEW, ESTALE, { A_NAME(LEASE), A_GEN(GEN + 1), A_DL(1000) } },
	{ "renew-unknown-lease", QFENCE_CMD_LEASE_RENEW, ENOENT, { A_NAME("nosuch"), A_GEN(1), A_DL(1000) } },
	{ "get-no-name", QFENCE_CMD_LEASE_GET, EINVAL, { { END } } },
	{ "get-unknown-lease", QFENCE_CMD_LEASE_GET, ENOENT, { A_NAME("nosuch") } },
	{ "fence-no-name", QFENCE_CMD_LEASE_FENCE, EINVAL, { { END } } },
	{ "fence-unknown-lease", QFENCE_CMD_LEASE_FENCE, ENOENT, { A_NAME("nosuch") } },
	{ "unfence-not-fenced", QFENCE_CMD_LEASE_UNFENCE, EINVAL, { A_NAME(LEASE), A_GEN(GEN + 1) } },
	{ "unfence-no-generation", QFENCE_CMD_LEASE_UNFENCE, EINVAL, { A_NAME(LEASE) } },
	{ "disarm-no-name", QFENCE_CMD_LEASE_DISARM, EINVAL, { { END } } },
	{ "del-armed", QFENCE_CMD_LEASE_DEL, EBUSY, { A_NAME(LEASE) } },
	{ "del-unknown-lease", QFENCE_CMD_LEASE_DEL, ENOENT, { A_NAME("nosuch") } },
	{ "event-command-from-user", QFENCE_CMD_EVENT, EOPNOTSUPP, { A_NAME(LEASE) } },
	{ "unknown-command", 99, EOPNOTSUPP, { A_NAME(LEASE) } },
};

static void put(struct nlmsghdr *nlh, const struct attr *a)
{
	static const char junk[16] = "0123456789abcdef";

	switch (a->kind) {
	case U32: mnl_attr_put_u32(nlh, a->type, (uint32_t)a->v); break;
	case U64: mnl_attr_put_u64(nlh, a->type, (uint64_t)a->v); break;
	case STR: mnl_attr_put_strz(nlh, a->type, a->s); break;
	case NOSTR: mnl_attr_put(nlh, a->type, strlen(a->s), a->s); break;
	case BYTES: mnl_attr_put(nlh, a->type, (size_t)a->v, junk); break;
	case NOW_MS:
		mnl_attr_put_u64(nlh, a->type, qnl_now() + a->v * 1000000LL);
		break;
	case NAMETAIL: {
		char buf[64];

		memset(buf, 'z', sizeof(buf));
		memcpy(buf, a->s, strlen(a->s) + 1);
		mnl_attr_put(nlh, a->type, (size_t)a->v, buf);
		break;
	}
	case END: break;
	}
}

/* Everything that a refused request must leave alone (not now_ns). */
static int same(const struct qlease *a, const struct qlease *b)
{
	return !strcmp(a->name, b->name) && a->state == b->state &&
	       a->generation == b->generation &&
	       a->deadline_ns == b->deadline_ns &&
	       a->renewals == b->renewals && a->fences == b->fences &&
	       a->max_lease_ms == b->max_lease_ms &&
	       a->actions == b->actions && a->flags == b->flags &&
	       a->settle_ms == b->settle_ms &&
	       a->reboot_delay_ms == b->reboot_delay_ms;
}

static int run_row(struct qnl *q, const struct row *r)
{
	struct qlease before, after;
	struct nlmsghdr *nlh;
	char msg[sizeof(q->extack)];
	int n0, n1, ret, i;

	if (qnl_get(q, LEASE, &before) || (n0 = qnl_count(q)) < 0) {
		printf("FAIL nlbad-%s: cannot read the lease before\n", r->name);
		return 1;
	}
	nlh = qnl_req(q, r->cmd, NLM_F_ACK);
	for (i = 0; i < 8 && r->a[i].kind != END; i++)
		put(nlh, &r->a[i]);
	ret = qnl_talk(q, nlh, NULL, NULL);
	snprintf(msg, sizeof(msg), "%s", q->extack[0] ? q->extack : "(no extack message)");
	if (qnl_get(q, LEASE, &after) || (n1 = qnl_count(q)) < 0) {
		printf("FAIL nlbad-%s: cannot read the lease after\n", r->name);
		return 1;
	}
	if (ret != -r->err) {
		printf("FAIL nlbad-%s: got %s, want %s (%s)\n", r->name,
		       ret ? strerrorname_np(-ret) : "success",
		       strerrorname_np(r->err), msg);
		return 1;
	}
	if (!same(&before, &after) || n0 != n1) {
		printf("FAIL nlbad-%s: refused but the lease table changed\n",
		       r->name);
		return 1;
	}
	printf("ok nlbad-%s\n", r->name);
	printf("    | %s: %s\n", strerrorname_np(r->err), msg);
	return 0;
}

static int setup(struct qnl *q)
{
	struct nlmsghdr *nlh = qnl_req(q, QFENCE_CMD_LEASE_NEW, NLM_F_ACK);
	int ret;

	mnl_attr_put_strz(nlh, QFENCE_A_NAME, LEASE);
	mnl_attr_put_u64(nlh, QFENCE_A_GENERATION, GEN);
	mnl_attr_put_u32(nlh, QFENCE_A_MAX_LEASE_MS, MAX_MS);
	ret = qnl_talk(q, nlh, NULL, NULL);
	if (ret == 0)
		ret = qnl_renew(q, LEASE, qnl_now() + (MAX_MS - 5000) * 1000000ULL, GEN);
	return ret;
}

int main(void)
{
	unsigned int i, passed, failed = 0, n = sizeof(rows) / sizeof(rows[0]);
	struct qnl q;
	int ret;

	ret = qnl_open(&q);
	if (ret == 0)
		ret = setup(&q);
	if (ret) {
		printf("FAIL nlbad-setup: %s %s\n", strerrorname_np(-ret), q.extack);
		printf("nlbad: 0 passed, 1 failed\n");
		return 1;
	}
	for (i = 0; i < n; i++)
		failed += run_row(&q, &rows[i]);
	passed = n - failed;
	if (qnl_simple(&q, QFENCE_CMD_LEASE_DISARM, LEASE) ||
	    qnl_simple(&q, QFENCE_CMD_LEASE_DEL, LEASE)) {
		printf("FAIL nlbad-cleanup: %s\n", q.extack);
		failed++;
	}
	printf("nlbad: %u passed, %u failed\n", passed, failed);
	qnl_close(&q);
	return failed ? 1 : 0;
}
