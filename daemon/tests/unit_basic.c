// SPDX-License-Identifier: MIT
/* Unit tests: quorum math, timing validation, log, state machine. */
#include <string.h>

#include "config.h"
#include "internal.h"
#include "test.h"

/* ---- quorum ---- */

static void quorum_size(void)
{
	CHECK_EQ(qf_quorum_size(1), 1);
	CHECK_EQ(qf_quorum_size(2), 2);
	CHECK_EQ(qf_quorum_size(3), 2);
	CHECK_EQ(qf_quorum_size(4), 3);
	CHECK_EQ(qf_quorum_size(5), 3);
	CHECK(!qf_quorum_has(0, 0));
	CHECK(qf_quorum_has(2, 3) && !qf_quorum_has(1, 3));
	CHECK(!qf_quorum_has(2, 4) && qf_quorum_has(3, 4));
}

static void quorum_index(void)
{
	uint64_t a[] = { 5, 3, 1 }, b[] = { 5, 3, 1, 1 };
	uint64_t c[] = { 7, 7, 2, 2, 9 }, one[] = { 4 };

	CHECK_EQ(qf_quorum_index(a, 3), 3);
	CHECK_EQ(qf_quorum_index(b, 4), 1);
	CHECK_EQ(qf_quorum_index(c, 5), 7);
	CHECK_EQ(qf_quorum_index(one, 1), 4);
	CHECK_EQ(qf_quorum_index(a, 0), 0);
	CHECK(a[0] == 5 && a[1] == 3 && a[2] == 1);	/* input untouched */
}

static void quorum_vote(void)
{
	CHECK_EQ(qf_quorum_vote(2, 0, 3), QF_VOTE_WON);
	CHECK_EQ(qf_quorum_vote(1, 1, 3), QF_VOTE_PENDING);
	CHECK_EQ(qf_quorum_vote(1, 2, 3), QF_VOTE_LOST);
	CHECK_EQ(qf_quorum_vote(2, 2, 4), QF_VOTE_LOST);
	CHECK_EQ(qf_quorum_vote(2, 1, 4), QF_VOTE_PENDING);
	CHECK_EQ(qf_quorum_vote(1, 0, 1), QF_VOTE_WON);
}

const struct test_case quorum_tests[] = {
	{ "size", quorum_size },
	{ "index", quorum_index },
	{ "vote", quorum_vote },
	{ 0 },
};

/* ---- config ---- */

static void config_defaults(void)
{
	struct qf_timing t;
	char why[256];

	qf_timing_default(&t);
	CHECK(qf_timing_validate(&t, why, sizeof(why)) == 0);
	CHECK_EQ(t.heartbeat, 100 * QF_MS);
	CHECK_EQ(t.lease, 1500 * QF_MS);
	/* W = 2500 ms * 1.001 / 0.999 = 2505.005 ms, rounded up. */
	CHECK_EQ(qf_timing_wait(&t), 2505005006ULL);
	CHECK(strstr(why, "W = 2506 ms"));
}

static void config_fast(void)
{
	struct qf_timing t;

	qf_timing_fast(&t);
	CHECK(qf_timing_validate(&t, NULL, 0) == 0);
	CHECK_EQ(t.election_max, 300 * QF_MS);
	CHECK_EQ(qf_timing_wait(&t), 801601602ULL);	/* 800 * 1.001 / 0.999 */
}

/* Rule 5: W must exceed L + F by the drift factor. */
static void config_w_includes_drift(void)
{
	struct qf_timing t;

	qf_timing_default(&t);
	CHECK(qf_timing_wait(&t) > t.lease + t.settle);
	t.rho_ppm = 100000;	/* 10 %: W = 2500 * 1.1 / 0.9 */
	CHECK_EQ(qf_timing_wait(&t), 3055555556ULL);
}

static bool refused(const struct qf_timing *t, const char *needle)
{
	char why[512];

	return qf_timing_validate(t, why, sizeof(why)) == -1 &&
	       strstr(why, needle) != NULL;
}

static void config_liveness_refused(void)
{
	struct qf_timing t;

	qf_timing_default(&t);
	t.election_max = 1400 * QF_MS;	/* 1400 + 100 + 100 >= 1500 */
	CHECK(refused(&t, "liveness rule"));
	qf_timing_fast(&t);
	t.lease = 400 * QF_MS;
	CHECK(refused(&t, "liveness rule"));
	/* The election timeout runs on one clock, the leases on others:
	 * 300 + 50 + 50 = 400 ms is 400.8 ms with rho, so 401 is too short
	 * (the loader's rule, now the only one). */
	t.lease = 401 * QF_MS;
	CHECK(refused(&t, "liveness rule"));
	t.lease = 402 * QF_MS;
	CHECK(qf_timing_validate(&t, NULL, 0) == 0);
}

/* Issue 9 hole 8: the kernel refuses max_lease_ms = L + 1 ms > 600000. */
static void config_kernel_limits(void)
{
	struct qf_timing t;

	qf_timing_default(&t);
	t.lease = 600000 * QF_MS;
	t.fence_after = t.lease;
	CHECK(refused(&t, "max_lease_ms"));
	t.lease = 599999 * QF_MS;
	CHECK(qf_timing_validate(&t, NULL, 0) == 0);
	qf_timing_default(&t);
	t.settle = 600001 * QF_MS;
	CHECK(refused(&t, "QFENCE_DELAY_MS_LIMIT"));
	qf_timing_default(&t);
	t.rho_ppm = 100000;	/* the loader's bound: below 10 % */
	CHECK(refused(&t, "rho"));
	t.rho_ppm = 99999;
	CHECK(qf_timing_validate(&t, NULL, 0) == 0);
}

static void config_safety_refused(void)
{
	struct qf_timing t;

	qf_timing_default(&t);
	t.wait = t.lease + t.settle;	/* ignores rho */
	CHECK(refused(&t, "safety inequality"));
	t.wait = 3000 * QF_MS;
	CHECK(qf_timing_validate(&t, NULL, 0) == 0);
	CHECK_EQ(qf_timing_wait(&t), 3000 * QF_MS);
}

static void config_bad_values(void)
{
	struct qf_timing t;

	qf_timing_default(&t);
	t.rho_ppm = 0;
	CHECK(refused(&t, "rho"));
	qf_timing_default(&t);
	t.settle = 0;
	CHECK(refused(&t, "settle"));
	qf_timing_default(&t);
	t.election_max = t.election_min;
	CHECK(refused(&t, "maximum"));
	qf_timing_default(&t);
	t.heartbeat = 0;
	CHECK(refused(&t, "heartbeat"));
	qf_timing_default(&t);
	t.fence_after = 500 * QF_MS;
	CHECK(refused(&t, "fence_after"));
	qf_timing_default(&t);
	t.lease = 0;
	CHECK(refused(&t, "lease"));
}

/* Bad input changes nothing: init refuses an unsafe config. */
static void config_init_refuses(void)
{
	static struct qf_raft r;
	struct qf_config c;

	qf_config_default(&c, 1);
	c.timing.election_max = 2000 * QF_MS;
	CHECK_EQ(qf_raft_init(&r, &c, NULL, 7, NULL, NULL), -QF_EINVAL);
	qf_config_default(&c, 1);
	CHECK_EQ(qf_raft_init(&r, &c, NULL, 0, NULL, NULL), -QF_EINVAL);
	CHECK_EQ(qf_raft_init(&r, &c, NULL, 7, NULL, NULL), 0);
}

/*
 * design.md §2.10: the cover of two timings. Default and fast: the fast
 * lease and elections, the default settle and margin, W at least the
 * larger W and (L_max + F_max) stretched by rho_max; itself valid. With a
 * larger rho on one side W exceeds both Ws. The record round trip keeps
 * the digest of whole-ms timings.
 */
static void config_cover(void)
{
	struct qf_timing d, f, c, r, back;
	struct qf_timing_rec rec;

	qf_timing_default(&d);
	qf_timing_fast(&f);
	qf_timing_cover(&d, &f, &c);
	CHECK_EQ(c.lease, 500 * QF_MS);
	CHECK_EQ(c.election_max, 300 * QF_MS);
	CHECK_EQ(c.heartbeat, 50 * QF_MS);
	CHECK_EQ(c.settle, 1000 * QF_MS);
	CHECK_EQ(c.margin, 100 * QF_MS);
	CHECK_EQ(qf_timing_wait(&c), qf_timing_wait(&d));
	CHECK(c.fence_after >= d.lease);
	CHECK(qf_timing_validate(&c, NULL, 0) == 0);
	r = f;
	r.rho_ppm = 5000;
	qf_timing_cover(&d, &r, &c);
	CHECK(qf_timing_wait(&c) > qf_timing_wait(&d) &&
	      qf_timing_wait(&c) > qf_timing_wait(&r));
	qf_timing_to_rec(&d, &rec);
	qf_timing_from_rec(&rec, &back);
	CHECK_EQ(qf_timing_digest(&back), qf_timing_digest(&d));
	CHECK_EQ(back.wait, 0);		/* derived again */
	d.wait = 3000 * QF_MS;		/* an explicit W survives too */
	qf_timing_to_rec(&d, &rec);
	qf_timing_from_rec(&rec, &back);
	CHECK_EQ(qf_timing_digest(&back), qf_timing_digest(&d));
}

const struct test_case config_tests[] = {
	{ "cover", config_cover },
	{ "defaults", config_defaults },
	{ "fast-profile", config_fast },
	{ "w-includes-drift", config_w_includes_drift },
	{ "liveness-refused", config_liveness_refused },
	{ "safety-refused", config_safety_refused },
	{ "bad-values", config_bad_values },
	{ "kernel-limits", config_kernel_limits },
	{ "init-refuses", config_init_refuses },
	{ 0 },
};

/* ---- log ---- */

static struct qf_log lg;

static void log_fill(uint64_t n, uint64_t term)
{
	struct qf_snapshot s = { 0 };

	log_reset(&lg, &s);
	for (uint64_t i = 0; i < n; i++) {
		struct qf_entry e = { .term = term, .type = QF_ENT_NOOP };

		log_append(&lg, &e);
	}
}

static void log_append_term(void)
{
	uint64_t t = 99;

	log_fill(3, 2);
	CHECK_EQ(lg.last, 3);
	CHECK(log_term(&lg, 3, &t) && t == 2);
	CHECK(log_term(&lg, 0, &t) && t == 0);
	CHECK(!log_term(&lg, 4, &t));
	CHECK_EQ(log_get(&lg, 2)->index, 2);
	CHECK(log_get(&lg, 4) == NULL);
}

static void log_truncate_test(void)
{
	log_fill(5, 1);
	lg.stable = 5;
	log_truncate(&lg, 3);
	CHECK_EQ(lg.last, 2);
	CHECK_EQ(lg.stable, 2);
	log_truncate(&lg, 0);	/* out of range: nothing */
	CHECK_EQ(lg.last, 2);
}

static void log_full_test(void)
{
	struct qf_entry e = { .term = 1, .type = QF_ENT_NOOP };

	log_fill(QF_LOG_CAP, 1);
	CHECK(log_full(&lg));
	CHECK_EQ(log_append(&lg, &e), -QF_EFULL);
	CHECK_EQ(lg.last, QF_LOG_CAP);
}

static void log_compact_test(void)
{
	struct qf_entry add = { .term = 1, .type = QF_ENT_NODE_ADD, .node = 9,
				.role = QF_ROLE_VOTER, .gen = 1 };
	uint64_t t;

	log_fill(4, 1);
	log_append(&lg, &add);
	lg.commit = 5;
	log_compact(&lg, 10);	/* clamped to commit */
	CHECK_EQ(lg.snap.index, 5);
	CHECK_EQ(lg.snap.term, 1);
	CHECK(qf_state_find(&lg.snap.state, 9) != NULL);
	CHECK(log_term(&lg, 5, &t) && t == 1);
	CHECK(log_get(&lg, 5) == NULL);
	CHECK(!log_full(&lg));
}

/* Thesis §3.6.1 */
static void log_up_to_date_test(void)
{
	log_fill(3, 2);
	CHECK(log_up_to_date(&lg, 3, 2));
	CHECK(log_up_to_date(&lg, 1, 3));
	CHECK(!log_up_to_date(&lg, 2, 2));
	CHECK(!log_up_to_date(&lg, 9, 1));
}

const struct test_case log_tests[] = {
	{ "append-term", log_append_term },
	{ "truncate", log_truncate_test },
	{ "full", log_full_test },
	{ "compact", log_compact_test },
	{ "up-to-date", log_up_to_date_test },
	{ 0 },
};

/* ---- state ---- */

static struct qf_state st;

static void apply(int type, uint32_t node, uint64_t gen, uint8_t role)
{
	struct qf_entry e = { .type = (uint8_t)type, .node = node, .gen = gen,
			      .role = role, .reason = QF_FENCE_ADMIN };

	state_apply(&st, &e);
}

static void state_add_remove(void)
{
	const struct qf_member *m;

	memset(&st, 0, sizeof(st));
	apply(QF_ENT_NODE_ADD, 4, 1, QF_ROLE_WITNESS);
	m = qf_state_find(&st, 4);
	CHECK(m && member_in_config(m) && m->role == QF_ROLE_WITNESS);
	CHECK_EQ(m->gen, 1);
	apply(QF_ENT_NODE_REMOVE, 4, 0, 0);
	m = qf_state_find(&st, 4);
	/* Rule 4: removed but not fenced keeps its slot. */
	CHECK(m && !member_in_config(m));
	apply(QF_ENT_NODE_FENCED, 4, 1, 0);
	CHECK(qf_state_find(&st, 4) == NULL);
}

static void state_fence_join(void)
{
	const struct qf_member *m;

	memset(&st, 0, sizeof(st));
	apply(QF_ENT_NODE_ADD, 2, 1, QF_ROLE_VOTER);
	apply(QF_ENT_NODE_FENCED, 2, 1, 0);
	m = qf_state_find(&st, 2);
	CHECK(member_fenced(m) && member_in_config(m));
	CHECK_EQ(m->fence_reason, QF_FENCE_ADMIN);
	apply(QF_ENT_NODE_JOIN, 2, 2, 0);
	CHECK(!member_fenced(m));
	CHECK_EQ(m->gen, 2);
	apply(QF_ENT_NODE_JOIN, 2, 1, 0);	/* never backwards (rule 7) */
	CHECK_EQ(m->gen, 2);
	apply(QF_ENT_NODE_FENCED, 2, 1, 0);	/* a stale record: no effect */
	CHECK(!member_fenced(m));
	CHECK_EQ(m->fenced_gen, 1);
}

static void state_unknown_node(void)
{
	struct qf_state before;

	memset(&st, 0, sizeof(st));
	apply(QF_ENT_NODE_ADD, 1, 1, QF_ROLE_VOTER);
	before = st;
	apply(QF_ENT_NODE_FENCED, 9, 1, 0);
	apply(QF_ENT_NODE_JOIN, 9, 5, 0);
	apply(QF_ENT_NODE_REMOVE, 9, 0, 0);
	CHECK(memcmp(&before, &st, sizeof(st)) == 0);
}

static void state_full_table(void)
{
	struct qf_state before;

	memset(&st, 0, sizeof(st));
	for (uint32_t i = 1; i <= QF_MAX_MEMBERS; i++)
		apply(QF_ENT_NODE_ADD, i, 1, QF_ROLE_VOTER);
	CHECK_EQ(state_free_slots(&st), 0);
	before = st;
	apply(QF_ENT_NODE_ADD, 99, 1, QF_ROLE_VOTER);
	CHECK(memcmp(&before, &st, sizeof(st)) == 0);
}

static void state_bootstrap(void)
{
	struct qf_snapshot s, keep;
	uint32_t ids[] = { 1, 2, 3 }, dup[] = { 1, 1 }, zero[] = { 0 };
	uint8_t roles[] = { QF_ROLE_VOTER, QF_ROLE_VOTER, QF_ROLE_WITNESS };
	uint32_t cfg[QF_MAX_MEMBERS];

	CHECK_EQ(qf_bootstrap(&s, ids, roles, 3), 0);
	CHECK_EQ(state_config(&s.state, cfg), 3);
	CHECK_EQ(qf_state_find(&s.state, 3)->role, QF_ROLE_WITNESS);
	keep = s;
	CHECK_EQ(qf_bootstrap(&s, dup, roles, 2), -QF_EINVAL);
	CHECK_EQ(qf_bootstrap(&s, zero, roles, 1), -QF_EINVAL);
	CHECK_EQ(qf_bootstrap(&s, ids, roles, 0), -QF_EINVAL);
	CHECK(memcmp(&keep, &s, sizeof(s)) == 0);	/* unchanged */
}

const struct test_case state_tests[] = {
	{ "add-remove", state_add_remove },
	{ "fence-join", state_fence_join },
	{ "unknown-node", state_unknown_node },
	{ "full-table", state_full_table },
	{ "bootstrap", state_bootstrap },
	{ 0 },
};
