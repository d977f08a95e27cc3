// SPDX-License-Identifier: GPL-2.0
/*
 * nlfuzz: random qfence netlink requests against the live module.
 *
 *   nlfuzz --setup            create and arm the lease "fz0" (60 s, io)
 *   nlfuzz SEED COUNT         COUNT random requests (as root)
 *   nlfuzz -u SEED COUNT      the same without CAP_NET_ADMIN (run it under
 *                             dropuid): every command but GET is refused
 *
 * A request is a random command number (the family's and a few beyond),
 * random flags (ACK always, so that every request gets an answer; DUMP at
 * times), and up to six random attributes: known and unknown types, the
 * nested flag, integers of every width with edge values, lease names,
 * strings without their NUL, random bytes of random length, and nests of
 * random attributes. The table of leases is dumped before and after each
 * request; a refused request must leave it as it was (design.md §3: bad
 * input changes nothing), except for a lease whose own deadline passed in
 * between (the kernel's expiry, not the request). The guest script races
 * IO through a fence device on fz0 and dmsetup suspend/resume/reload with
 * this (tests/vm/guest/nlfuzz.sh); the console check judges splats.
 *
 * Safety of the VM itself: every LEASE_NEW gets ACTIONS=io appended (the
 * last attribute of a type wins), so that no fuzzed lease can reboot or
 * panic the guest; nlbad covers invalid action masks.
 *
 * Prints `ok nlfuzz-MODE` or `FAIL nlfuzz-MODE: why`, the answers seen per
 * errno, and exits 1 on a failure.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include "qnl.h"

#define MAXL 64
#define KEEP "fz0"

struct table {
	int n;
	struct qlease l[MAXL];
};

static uint64_t rng;

static uint32_t rnd(uint32_t n)
{
	/* xorshift64*: reproducible from the seed printed on failure */
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return n ? (uint32_t)((rng * 2685821657736338717ULL) >> 32) % n : 0;
}

static int table_cb(const struct nlmsghdr *m, void *data)
{
	struct table *t = data;

	/* mnl_attr_parse's verdict: MNL_CB_ERROR (-1) or OK/STOP */
	if (t->n < MAXL && qnl_parse_lease(m, &t->l[t->n]) >= MNL_CB_STOP)
		t->n++;
	return MNL_CB_OK;
}

/* The table; -ENODATA if it lacks fz0, which no request may delete
 * while its fence device holds it: the dump itself would be broken. */
static int dump(struct qnl *q, struct table *t)
{
	int i, ret;

	t->n = 0;
	ret = qnl_talk(q, qnl_req(q, QFENCE_CMD_LEASE_GET, NLM_F_DUMP),
		       table_cb, t);
	if (ret < 0)
		return ret;
	for (i = 0; i < t->n; i++)
		if (!strcmp(t->l[i].name, KEEP))
			return 0;
	return -ENODATA;
}

/* What a refused request must leave alone (nlbad's list). */
static int same(const struct qlease *a, const struct qlease *b)
{
	return !strcmp(a->name, b->name) && a->state == b->state &&
	       a->generation == b->generation &&
	       a->deadline_ns == b->deadline_ns &&
	       a->renewals == b->renewals &&
	       a->max_lease_ms == b->max_lease_ms &&
	       a->actions == b->actions && a->flags == b->flags &&
	       a->settle_ms == b->settle_ms &&
	       a->reboot_delay_ms == b->reboot_delay_ms;
}

/* The kernel's own expiry: armed before, fenced after, deadline passed. */
static int expired(const struct qlease *a, const struct qlease *b)
{
	return !strcmp(a->name, b->name) && a->state == QFENCE_STATE_ARMED &&
	       b->state == QFENCE_STATE_FENCED && a->deadline_ns <= b->now_ns &&
	       a->generation == b->generation;
}

/* unchanged: 0, or the name of the first lease that changed. */
static const char *changed(const struct table *a, const struct table *b)
{
	int i;

	if (a->n != b->n)
		return "(the number of leases)";
	for (i = 0; i < a->n; i++)
		if (!same(&a->l[i], &b->l[i]) && !expired(&a->l[i], &b->l[i]))
			return a->l[i].name;
	return NULL;
}

static uint64_t edge64(void)
{
	static const uint64_t v[] = { 0, 1, 2, 1000, 60000, UINT32_MAX,
				      (uint64_t)UINT32_MAX + 1, INT64_MAX,
				      UINT64_MAX, UINT64_MAX - 1 };

	switch (rnd(4)) {
	case 0:
		return qnl_now() + (uint64_t)rnd(120000) * 1000000ULL;
	case 1:
		return ((uint64_t)rnd(UINT32_MAX) << 32) | rnd(UINT32_MAX);
	default:
		return v[rnd(sizeof(v) / sizeof(v[0]))];
	}
}

static void put_name(struct nlmsghdr *nlh, uint16_t type)
{
	static const char *const names[] = { KEEP, "fz1", "fz2", "fz3", "" };
	char s[80];
	unsigned int i, len;

	if (rnd(3)) {
		mnl_attr_put_strz(nlh, type, names[rnd(5)]);
		return;
	}
	len = rnd(sizeof(s));
	for (i = 0; i < len; i++)
		s[i] = (char)rnd(256);
	mnl_attr_put(nlh, type, len, s);	/* maybe no NUL, maybe inner ones */
}

static void put_attr(struct nlmsghdr *nlh, int depth);

static void put_nest(struct nlmsghdr *nlh, uint16_t type, int depth)
{
	struct nlattr *n = mnl_attr_nest_start(nlh, type);
	uint32_t i, k = rnd(4);

	for (i = 0; i < k; i++)
		put_attr(nlh, depth + 1);
	mnl_attr_nest_end(nlh, n);
}

static void put_attr(struct nlmsghdr *nlh, int depth)
{
	uint16_t type = (uint16_t)(1 + rnd(QFENCE_A_MAX));
	char junk[200];
	uint32_t i, len;

	if (!rnd(6))
		type = (uint16_t)(rnd(2) ? 0 : QFENCE_A_MAX + 1 + rnd(5));
	if (!rnd(10))
		type |= NLA_F_NESTED;
	switch (rnd(depth < 2 ? 8 : 7)) {
	case 0: mnl_attr_put_u8(nlh, type, (uint8_t)rnd(256)); break;
	case 1: mnl_attr_put_u16(nlh, type, (uint16_t)rnd(65536)); break;
	case 2: mnl_attr_put_u32(nlh, type, (uint32_t)edge64()); break;
	case 3: mnl_attr_put_u64(nlh, type, edge64()); break;
	case 4: put_name(nlh, type); break;
	case 5:
		len = rnd(sizeof(junk));
		for (i = 0; i < len; i++)
			junk[i] = (char)rnd(256);
		mnl_attr_put(nlh, type, len, junk);
		break;
	case 6: mnl_attr_put(nlh, type, 0, NULL); break;
	default: put_nest(nlh, type, depth); break;
	}
}

/*
 * Half of the requests start from a well-formed one (a known lease, the
 * attributes its command takes, a generation near the lease's, a deadline
 * within a few seconds), so that
 * accepted requests drive the leases through every state while the IO
 * races; random attributes follow (the last of a type wins).
 */
static void put_plausible(struct nlmsghdr *nlh, uint8_t cmd,
			  const struct table *t)
{
	const struct qlease *l = t->n ? &t->l[rnd(t->n)] : NULL;
	uint64_t base = l ? l->generation : 1;

	if (l && rnd(4))
		mnl_attr_put_strz(nlh, QFENCE_A_NAME, l->name);
	else
		put_name(nlh, QFENCE_A_NAME);
	switch (cmd) {
	case QFENCE_CMD_LEASE_NEW:
		mnl_attr_put_u64(nlh, QFENCE_A_GENERATION, base + rnd(3));
		mnl_attr_put_u32(nlh, QFENCE_A_MAX_LEASE_MS, 1000 + rnd(59000));
		break;
	case QFENCE_CMD_LEASE_RENEW:	/* mostly the lease's generation */
		/* a few seconds ahead, or anything (past, beyond the lease) */
		mnl_attr_put_u64(nlh, QFENCE_A_DEADLINE_NS, rnd(2) ? edge64() :
				 qnl_now() + (uint64_t)rnd(3000) * 1000000ULL);
		mnl_attr_put_u64(nlh, QFENCE_A_GENERATION,
				 rnd(4) ? base : base + rnd(3) - 1);
		break;
	case QFENCE_CMD_LEASE_UNFENCE:	/* needs a larger one */
		mnl_attr_put_u64(nlh, QFENCE_A_GENERATION, base + rnd(3));
		break;
	default:
		break;
	}
}

static struct nlmsghdr *random_req(struct qnl *q, const struct table *t,
				   uint8_t *cmd)
{
	uint16_t flags = NLM_F_ACK | (rnd(8) ? 0 : NLM_F_DUMP);
	struct nlmsghdr *nlh;
	uint32_t i, k = rnd(7);

	/* mostly the family's commands, at times one beyond or none */
	*cmd = (uint8_t)(rnd(8) ? 1 + rnd(QFENCE_CMD_MAX) : rnd(QFENCE_CMD_MAX + 3));
	/* A fence latches until an unfence: rarer, so that the other commands
	 * meet armed and disarmed leases too. */
	if (*cmd == QFENCE_CMD_LEASE_FENCE && rnd(4))
		*cmd = QFENCE_CMD_LEASE_RENEW;
	nlh = qnl_req(q, *cmd, flags);
	if (rnd(2)) {
		put_plausible(nlh, *cmd, t);
		k = rnd(3) ? 0 : 1;	/* one stray attribute at times */
	}
	for (i = 0; i < k; i++)
		put_attr(nlh, 0);
	if (*cmd == QFENCE_CMD_LEASE_NEW)
		mnl_attr_put_u32(nlh, QFENCE_A_ACTIONS, QFENCE_ACTION_IO);
	return nlh;
}

/* Keep fz0 armed well ahead of its deadline (root only). */
static void keep_armed(struct qnl *q, const struct table *t)
{
	int i;

	for (i = 0; i < t->n; i++)
		if (!strcmp(t->l[i].name, KEEP) &&
		    t->l[i].state == QFENCE_STATE_ARMED)
			qnl_renew(q, KEEP, qnl_now() + 50000000000ULL,
				  t->l[i].generation);
}

struct stats {
	unsigned long ok, refused, by_errno[140], ok_cmd[QFENCE_CMD_MAX + 3];
	char first[140][256];	/* the kernel's first message per errno */
};

/* One request; 0, or 1 with the reason printed. */
static int one(struct qnl *q, int unpriv, unsigned long n, struct stats *st)
{
	static struct table before, after;
	char msg[sizeof(q->extack)];
	struct nlmsghdr *nlh;
	const char *what;
	uint8_t cmd;
	int ret, e;

	if (!unpriv && n % 100 == 0 && dump(q, &before) == 0)
		keep_armed(q, &before);
	if ((ret = dump(q, &before)) < 0) {
		printf("FAIL request %lu: dump before: %s\n", n, strerrorname_np(-ret));
		return 1;
	}
	nlh = random_req(q, &before, &cmd);
	ret = qnl_talk(q, nlh, NULL, NULL);
	snprintf(msg, sizeof(msg), "%s", q->extack);
	if (ret == -EAGAIN) {
		printf("    | request %lu (cmd %u): no answer within 5 s\n", n, cmd);
		return 1;
	}
	if (ret < 0) {
		e = -ret < 140 ? -ret : 0;
		st->refused++;
		if (!st->by_errno[e]++)
			snprintf(st->first[e], sizeof(st->first[e]), "%s", msg);
	} else {
		st->ok++;
		st->ok_cmd[cmd]++;
	}
	if (unpriv && ret == 0 && cmd != QFENCE_CMD_LEASE_GET) {
		printf("    | request %lu: cmd %u accepted without CAP_NET_ADMIN\n", n, cmd);
		return 1;
	}
	if (ret == 0)
		return 0;
	if ((e = dump(q, &after)) < 0) {
		printf("    | request %lu: dump after: %s\n", n, strerrorname_np(-e));
		return 1;
	}
	what = changed(&before, &after);
	if (what) {
		printf("    | request %lu (cmd %u) refused (%s: %s) but %s changed\n",
		       n, cmd, strerrorname_np(-ret), msg, what);
		return 1;
	}
	return 0;
}

static int setup(struct qnl *q)
{
	struct nlmsghdr *nlh = qnl_req(q, QFENCE_CMD_LEASE_NEW, NLM_F_ACK);
	int ret;

	mnl_attr_put_strz(nlh, QFENCE_A_NAME, KEEP);
	mnl_attr_put_u64(nlh, QFENCE_A_GENERATION, 1);
	mnl_attr_put_u32(nlh, QFENCE_A_MAX_LEASE_MS, 60000);
	mnl_attr_put_u32(nlh, QFENCE_A_ACTIONS, QFENCE_ACTION_IO);
	ret = qnl_talk(q, nlh, NULL, NULL);
	if (ret == 0)
		ret = qnl_renew(q, KEEP, qnl_now() + 50000000000ULL, 1);
	if (ret)
		printf("nlfuzz: setup: %s %s\n", strerrorname_np(-ret), q->extack);
	return ret ? 1 : 0;
}

int main(int argc, char **argv)
{
	struct timeval tv = { .tv_sec = 5 };
	unsigned long n, count, bad = 0;
	static struct stats st;
	int unpriv = 0, e;
	const char *mode;
	struct qnl q;

	if (qnl_open(&q)) {
		printf("FAIL nlfuzz: cannot open the qfence family\n");
		return 1;
	}
	setsockopt(mnl_socket_get_fd(q.sk), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (argc == 2 && !strcmp(argv[1], "--setup"))
		return setup(&q);
	if (argc == 4 && !strcmp(argv[1], "-u")) {
		unpriv = 1;
		argv++;
		argc--;
	}
	if (argc != 3) {
		fprintf(stderr, "usage: nlfuzz --setup | nlfuzz [-u] SEED COUNT\n");
		return 2;
	}
	rng = strtoull(argv[1], NULL, 0) * 0x9e3779b97f4a7c15ULL + 1;
	count = strtoul(argv[2], NULL, 0);
	mode = unpriv ? "unpriv" : "root";
	for (n = 0; n < count && bad < 5; n++)
		bad += one(&q, unpriv, n, &st);
	if (bad)
		printf("FAIL nlfuzz-%s: %lu bad answers (seed %s)\n", mode, bad, argv[1]);
	else
		printf("ok nlfuzz-%s\n", mode);
	printf("    | seed %s: %lu requests, %lu accepted, %lu refused:", argv[1],
	       n, st.ok, st.refused);
	for (e = 0; e < 140; e++)
		if (st.by_errno[e])
			printf(" %s %lu", e ? strerrorname_np(e) : "other", st.by_errno[e]);
	printf("\n");
	for (e = 0; e < 140; e++)
		if (st.first[e][0])
			printf("    | first %s: %s\n", strerrorname_np(e), st.first[e]);
	printf("    | accepted per command:");
	for (e = 0; e < QFENCE_CMD_MAX + 3; e++)
		if (st.ok_cmd[e])
			printf(" %d:%lu", e, st.ok_cmd[e]);
	printf("\n");
	qnl_close(&q);
	return bad ? 1 : 0;
}
