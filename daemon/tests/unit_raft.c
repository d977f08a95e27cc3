// SPDX-License-Identifier: MIT
/*
 * Unit tests of the core against hand-made messages: each targets one
 * clause of design.md §2 rules 1-5 and fails when that clause is broken.
 */
#include <string.h>

#include "internal.h"
#include "test.h"

#define L (1500 * QF_MS)
#define T0 (10000 * QF_MS)

static struct qf_raft R;
static struct qf_msg out[QF_MAX_MSGS * 4];
static size_t nout, nfences;
static struct qf_ready last_rd;
static struct qf_fence_decision fence_seen[32];	/* since nfences = 0 */

static uint64_t rnd(void *arg)
{
	(void)arg;
	return 0;
}

/* Node id of an n-member cluster (ids 1..n), fresh boot 100 + id. */
static void mk(uint32_t id, size_t n, uint64_t term)
{
	uint32_t ids[QF_MAX_VOTERS];
	uint8_t roles[QF_MAX_VOTERS];
	struct qf_persist ps = { .hs = { .term = term } };
	struct qf_config c;

	for (size_t i = 0; i < n; i++) {
		ids[i] = (uint32_t)i + 1;
		roles[i] = QF_ROLE_VOTER;
	}
	qf_bootstrap(&ps.snap, ids, roles, n);
	qf_config_default(&c, id);
	qf_raft_init(&R, &c, &ps, 100 + id, rnd, NULL);
	nout = 0;
}

/* Take all ready batches; remember messages and the last batch. */
static void drain(void)
{
	nout = 0;
	while (qf_raft_has_ready(&R)) {
		qf_raft_ready(&R, &last_rd);
		for (size_t i = 0; i < last_rd.n_msgs; i++)
			out[nout++] = last_rd.msgs[i];
		for (size_t i = 0; i < last_rd.n_fences && nfences < 16; i++)
			fence_seen[nfences + i] = last_rd.fences[i];
		nfences += last_rd.n_fences;
		qf_raft_advance(&R);
	}
}

static const struct qf_msg *find(int type, uint32_t to)
{
	for (size_t i = 0; i < nout; i++)
		if (out[i].type == type && (!to || out[i].to == to))
			return &out[i];
	return NULL;
}

static void step(qf_ns now, struct qf_msg m)
{
	if (!m.timing)		/* peers run this node's timing (rule 9) */
		m.timing = R.timing;
	m.to = R.id;
	qf_raft_step(&R, now, &m);
	drain();
}

/* Make node 1 leader of term+1 at now, votes from 2 (and 3 for n=5). */
static void elect(qf_ns now, size_t n)
{
	qf_raft_campaign(&R, now);
	drain();
	for (uint32_t v = 2; v <= n / 2 + 1; v++)
		step(now, (struct qf_msg){ .type = QF_MSG_PREVOTE_RESP,
					   .from = v, .term = R.term + 1 });
	for (uint32_t v = 2; v <= n / 2 + 1; v++)
		step(now, (struct qf_msg){ .type = QF_MSG_VOTE_RESP,
					   .from = v, .term = R.term });
}

static struct qf_msg ack(uint32_t from, uint64_t round, qf_ns a)
{
	return (struct qf_msg){
		.type = QF_MSG_APPEND_RESP, .from = from, .term = R.term,
		.round = round, .boot_id = 100 + from, .a = a, .gen = 1,
		.index = R.log.last,
	};
}

/* Rule 1: the leader's deadline is s_k + L, not the ack's arrival + L. */
static void rule1_leader_anchor(void)
{
	mk(1, 3, 0);
	elect(T0, 3);
	CHECK_EQ(R.state, QF_LEADER);
	CHECK_EQ(R.round, 1);
	step(T0 + 300 * QF_MS, ack(2, 1, 5));
	CHECK_EQ(R.q, T0);
	CHECK_EQ(R.deadline, T0 + L);
	CHECK(last_rd.lease_changed || R.deadline == T0 + L);
}

/* Rule 1/3: the follower's deadline is a + R, not its receive time + R. */
static void rule1_follower_anchor(void)
{
	mk(2, 3, 1);
	step(T0, (struct qf_msg){ .type = QF_MSG_APPEND, .from = 1,
				  .term = 1, .round = 1 });
	CHECK(find(QF_MSG_APPEND_RESP, 1));
	CHECK_EQ(find(QF_MSG_APPEND_RESP, 1)->a, T0);
	step(T0 + 600 * QF_MS, (struct qf_msg){
		.type = QF_MSG_GRANT, .from = 1, .term = 1, .boot_id = 102,
		.a = T0, .gen = 1, .r = 1400 * QF_MS });
	CHECK_EQ(R.deadline, T0 + 1400 * QF_MS);
	CHECK(last_rd.lease_changed && last_rd.lease_deadline == T0 + 1400 * QF_MS);
}

/* Rule 2: an ack counts for the round it echoes, never a newer one. */
static void rule2_echo_round(void)
{
	mk(1, 5, 0);
	elect(T0, 5);
	qf_raft_tick(&R, T0 + 100 * QF_MS);	/* round 2 at s_2 */
	drain();
	CHECK_EQ(R.round, 2);
	step(T0 + 150 * QF_MS, ack(2, 1, 5));	/* both answer round 1 */
	step(T0 + 151 * QF_MS, ack(3, 1, 5));
	CHECK_EQ(R.q, T0);
	CHECK_EQ(R.deadline, T0 + L);
	step(T0 + 160 * QF_MS, ack(4, 2, 5));
	CHECK_EQ(R.q, T0);	/* round 2: only 1 and 4 */
	step(T0 + 170 * QF_MS, ack(2, 2, 6));
	CHECK_EQ(R.q, T0 + 100 * QF_MS);
}

/* Rule 2: an ack of another term is not credited. */
static void rule2_term_only(void)
{
	struct qf_msg a;

	mk(1, 3, 4);
	elect(T0, 3);
	CHECK_EQ(R.term, 5);
	a = ack(2, 1, 5);
	a.term = 4;		/* an older term's ack (e.g. delayed) */
	step(T0 + 10 * QF_MS, a);
	CHECK_EQ(R.q, 0);
	CHECK_EQ(R.deadline, 0);
}

/* Rule 2: without a majority, no lease and no grants. */
static void rule2_no_majority(void)
{
	mk(1, 5, 0);
	elect(T0, 5);
	step(T0 + 10 * QF_MS, ack(4, 1, 5));	/* 1 + 4: not 3 of 5 */
	CHECK_EQ(R.q, 0);
	CHECK_EQ(R.deadline, 0);
	CHECK(!find(QF_MSG_GRANT, 0));
	qf_raft_tick(&R, T0 + 100 * QF_MS);	/* a new round: still none */
	drain();
	CHECK_EQ(R.deadline, 0);
	step(T0 + 110 * QF_MS, ack(5, 1, 5));	/* 1, 4, 5 acked round 1 */
	CHECK_EQ(R.q, T0);
}

/* Rule 2: the leader counts itself only while it leads: after stepping
 * down it renews nothing on late acks. */
static void rule2_self_only_while_leader(void)
{
	qf_ns d;

	mk(1, 3, 0);
	elect(T0, 3);
	step(T0 + 10 * QF_MS, ack(2, 1, 5));
	d = R.deadline;
	step(T0 + 20 * QF_MS, (struct qf_msg){ .type = QF_MSG_APPEND, .from = 3,
					       .term = R.term + 1, .round = 1 });
	CHECK_EQ(R.state, QF_FOLLOWER);
	qf_raft_tick(&R, T0 + 200 * QF_MS);
	step(T0 + 210 * QF_MS, ack(2, 2, 6));
	CHECK_EQ(R.deadline, d);
}

/* Rule 3: R = q + L - g_t, echoing the newest (boot_id, a) and g. */
static void rule3_grant_fields(void)
{
	const struct qf_msg *g;

	mk(1, 3, 0);
	elect(T0, 3);
	step(T0 + 40 * QF_MS, ack(2, 1, 777));
	g = find(QF_MSG_GRANT, 2);
	CHECK(g);
	CHECK_EQ(g->boot_id, 102);
	CHECK_EQ(g->a, 777);
	CHECK_EQ(g->gen, 1);
	CHECK_EQ(g->r, T0 + L - (T0 + 40 * QF_MS));
	CHECK_EQ(g->term, R.term);
}

/* Rule 3: the newest echo within a boot; a new boot replaces it. */
static void rule3_newest_echo(void)
{
	const struct qf_msg *g;
	struct qf_msg a;

	mk(1, 3, 0);
	elect(T0, 3);
	step(T0 + 10 * QF_MS, ack(2, 1, 900));
	step(T0 + 20 * QF_MS, ack(2, 1, 500));	/* reordered, older */
	g = find(QF_MSG_GRANT, 2);
	CHECK(g && g->a == 900);
	a = ack(2, 1, 30);
	a.boot_id = 555;			/* node 2 restarted */
	step(T0 + 30 * QF_MS, a);
	g = find(QF_MSG_GRANT, 2);
	CHECK(g && g->boot_id == 555 && g->a == 30);
}

static struct qf_msg grant_msg(uint64_t boot, qf_ns a, uint64_t gen,
			       uint64_t term)
{
	return (struct qf_msg){ .type = QF_MSG_GRANT, .from = 1, .term = term,
				.boot_id = boot, .a = a, .gen = gen,
				.r = 1000 * QF_MS };
}

/* Rule 3: a follower ignores foreign boots, a > now, older a, older
 * terms and other generations. */
static void rule3_follower_ignores(void)
{
	mk(2, 3, 2);
	step(T0, (struct qf_msg){ .type = QF_MSG_APPEND, .from = 1, .term = 2,
				  .round = 1 });
	step(T0 + 5, grant_msg(999, T0, 1, 2));		/* foreign boot */
	CHECK_EQ(R.deadline, 0);
	step(T0 + 5, grant_msg(102, T0 + 6, 1, 2));	/* a > now */
	CHECK_EQ(R.deadline, 0);
	step(T0 + 5, grant_msg(102, T0, 2, 2));		/* other gen */
	CHECK_EQ(R.deadline, 0);
	step(T0 + 5, grant_msg(102, T0, 1, 1));		/* older term */
	CHECK_EQ(R.deadline, 0);
	step(T0 + 5, grant_msg(102, T0, 1, 2));		/* valid */
	CHECK_EQ(R.deadline, T0 + 1000 * QF_MS);
	step(T0 + 9, grant_msg(102, T0 - 1, 1, 2));	/* older a */
	CHECK_EQ(R.newest_a, T0);
	CHECK_EQ(R.deadline, T0 + 1000 * QF_MS);
}

/* Rule 3: no grant to (X, g) while NODE_FENCED(X, g) is in the log, even
 * uncommitted; "fence X now" stops grants at once. */
static void rule3_no_grant_fenced(void)
{
	mk(1, 3, 0);
	elect(T0, 3);
	step(T0 + 10 * QF_MS, ack(2, 1, 5));
	step(T0 + 10 * QF_MS, ack(3, 1, 5));
	CHECK(find(QF_MSG_GRANT, 3));
	CHECK_EQ(qf_raft_propose_fence(&R, T0 + 20 * QF_MS, 3, QF_FENCE_ADMIN), 0);
	drain();
	qf_raft_tick(&R, T0 + 100 * QF_MS);
	drain();
	step(T0 + 110 * QF_MS, ack(2, 2, 6));
	step(T0 + 111 * QF_MS, ack(3, 2, 6));
	CHECK(!find(QF_MSG_GRANT, 3));
	CHECK(R.log.commit < R.log.last);	/* waiting out W */
}

/* Rule 4: a node above term T never acks term T. */
static void rule4_no_old_acks(void)
{
	const struct qf_msg *resp;

	mk(2, 3, 3);
	step(T0, (struct qf_msg){ .type = QF_MSG_APPEND, .from = 1, .term = 2,
				  .round = 7 });
	resp = find(QF_MSG_APPEND_RESP, 1);
	CHECK(resp);
	CHECK_EQ(resp->term, 3);
	CHECK(resp->flags & QF_MF_REJECT);
}

/* Rule 4: term and vote are in the same batch as the vote they precede. */
static void rule4_vote_durable(void)
{
	const struct qf_msg *v;

	mk(2, 3, 1);
	step(T0, (struct qf_msg){ .type = QF_MSG_VOTE, .from = 3, .term = 2,
				  .index = 1, .log_term = 1 });
	v = find(QF_MSG_VOTE_RESP, 3);
	CHECK(v && !(v->flags & QF_MF_REJECT));
	CHECK(last_rd.hs_changed);
	CHECK_EQ(last_rd.hs.term, 2);
	CHECK_EQ(last_rd.hs.vote, 3);
	/* The same term, another candidate: refused. */
	step(T0 + 1, (struct qf_msg){ .type = QF_MSG_VOTE, .from = 1, .term = 2 });
	v = find(QF_MSG_VOTE_RESP, 1);
	CHECK(v && (v->flags & QF_MF_REJECT));
}

/* Rule 4: one membership change at a time, only after the leader
 * committed an entry of its term. */
static void rule4_membership_order(void)
{
	mk(1, 3, 0);
	elect(T0, 3);
	CHECK_EQ(qf_raft_propose_add(&R, T0, 4, QF_ROLE_VOTER, NULL, 0),
		 -QF_EAGAIN);
	step(T0 + 10 * QF_MS, ack(2, 1, 5));	/* noop committed */
	CHECK_EQ(R.log.commit, 2);
	CHECK_EQ(qf_raft_propose_add(&R, T0, 4, QF_ROLE_VOTER, NULL, 0), 0);
	CHECK_EQ(qf_raft_propose_remove(&R, T0, 3), -QF_EBUSY);
	CHECK_EQ(qf_raft_propose_add(&R, T0, 5, QF_ROLE_VOTER, NULL, 0),
		 -QF_EBUSY);
	step(T0 + 20 * QF_MS, ack(2, 1, 6));	/* 1, 2 of 4: not yet */
	CHECK_EQ(R.log.commit, 2);
	step(T0 + 20 * QF_MS, ack(3, 1, 6));	/* 1, 2, 3 of 4 */
	CHECK_EQ(R.log.commit, 3);
	CHECK_EQ(qf_raft_propose_remove(&R, T0, 3), 0);
}

/* Rule 5: NODE_FENCED commits only W after E_el and after the last
 * grant to the node. */
static void rule5_wait(void)
{
	qf_ns w, t;

	mk(1, 3, 0);
	elect(T0, 3);
	nfences = 0;
	w = R.wait;
	step(T0 + 10 * QF_MS, ack(2, 1, 5));
	step(T0 + 20 * QF_MS, ack(3, 1, 5));	/* grant to 3 at T0+20 */
	CHECK(find(QF_MSG_GRANT, 3));
	CHECK_EQ(qf_raft_propose_fence(&R, T0 + 30 * QF_MS, 3, QF_FENCE_ADMIN), 0);
	drain();
	step(T0 + 40 * QF_MS, ack(2, 1, 6));
	CHECK_EQ(R.log.commit, 2);		/* replicated, held */
	for (t = T0 + 100 * QF_MS; t < T0 + 20 * QF_MS + w; t += 50 * QF_MS) {
		qf_raft_tick(&R, t);
		drain();
		step(t, ack(2, R.round, t));
		CHECK_EQ(R.log.commit, 2);
		CHECK_EQ(nfences, 0);	/* no decision before the commit */
	}
	qf_raft_tick(&R, T0 + 20 * QF_MS + w);
	drain();
	CHECK_EQ(R.log.commit, 3);
	CHECK_EQ(nfences, 1);
	CHECK_EQ(last_rd.fences[0].node, 3);
	CHECK_EQ(last_rd.fences[0].gen, 1);
}

/* Rule 5: an inherited NODE_FENCED (uncommitted, earlier term) commits
 * only W after this leader's E_el, whoever granted the node. */
static void rule5_inherited(void)
{
	struct qf_persist ps = { .hs = { .term = 1, .commit = 2 } };
	struct qf_entry ents[2] = {
		{ .term = 1, .index = 2, .type = QF_ENT_NOOP },
		{ .term = 1, .index = 3, .type = QF_ENT_NODE_FENCED, .node = 3,
		  .gen = 1, .reason = QF_FENCE_ADMIN },
	};
	uint32_t ids[] = { 1, 2, 3 };
	uint8_t roles[] = { 1, 1, 1 };
	struct qf_config c;

	qf_bootstrap(&ps.snap, ids, roles, 3);
	ps.entries = ents;
	ps.n_entries = 2;
	qf_config_default(&c, 1);
	CHECK_EQ(qf_raft_init(&R, &c, &ps, 101, rnd, NULL), 0);
	elect(T0, 3);
	CHECK_EQ(R.state, QF_LEADER);
	CHECK_EQ(R.e_el, T0);
	step(T0 + 10 * QF_MS, ack(2, 1, 5));
	CHECK_EQ(R.log.commit, 2);	/* noop of term 2 replicated, held */
	qf_raft_tick(&R, T0 + R.wait - 1);
	drain();
	CHECK_EQ(R.log.commit, 2);
	qf_raft_tick(&R, T0 + R.wait);
	drain();
	CHECK_EQ(R.log.commit, 4);
	CHECK_EQ(last_rd.n_fences, 1);
	CHECK_EQ(last_rd.fences[0].node, 3);
}

/*
 * Rule 13: a PREEMPTED(X, g) after NODE_FENCED(X, g) lets both commit
 * together before W, and the decision says method PR; a record for a
 * fence that is not in the log, or twice, is refused.
 */
static void rule13_preempted_commits_early(void)
{
	mk(1, 3, 0);
	elect(T0, 3);
	nfences = 0;
	step(T0 + 10 * QF_MS, ack(2, 1, 5));
	step(T0 + 20 * QF_MS, ack(3, 1, 5));
	CHECK_EQ(qf_raft_propose_preempted(&R, T0 + 25 * QF_MS, 3, 1, 1),
		 -QF_ENOPREEMPT);	/* no NODE_FENCED(3, 1) yet */
	CHECK_EQ(qf_raft_propose_fence(&R, T0 + 30 * QF_MS, 3, QF_FENCE_ADMIN), 0);
	drain();
	CHECK_EQ(qf_raft_propose_preempted(&R, T0 + 35 * QF_MS, 3, 2, 1),
		 -QF_ENOPREEMPT);	/* another generation */
	CHECK_EQ(qf_raft_propose_preempted(&R, T0 + 35 * QF_MS, 3, 1, 0),
		 -QF_EINVAL);
	CHECK_EQ(qf_raft_propose_preempted(&R, T0 + 40 * QF_MS, 3, 1, 2), 0);
	drain();
	CHECK_EQ(qf_raft_propose_preempted(&R, T0 + 41 * QF_MS, 3, 1, 2),
		 -QF_EEXIST);
	step(T0 + 50 * QF_MS, ack(2, 1, 6));
	CHECK(T0 + 50 * QF_MS < T0 + R.wait);
	CHECK_EQ(R.log.commit, 4);	/* noop, fenced, preempted */
	CHECK_EQ(nfences, 1);
	CHECK_EQ(last_rd.fences[0].node, 3);
	CHECK_EQ(last_rd.fences[0].method, QF_FENCE_BY_PR);
}

/* Rule 13: without the record the wait stands, and W gives method WAIT. */
static void rule13_no_record_waits(void)
{
	mk(1, 3, 0);
	elect(T0, 3);
	nfences = 0;
	step(T0 + 10 * QF_MS, ack(2, 1, 5));
	step(T0 + 20 * QF_MS, ack(3, 1, 5));
	CHECK_EQ(qf_raft_propose_fence(&R, T0 + 30 * QF_MS, 3, QF_FENCE_ADMIN), 0);
	drain();
	step(T0 + 50 * QF_MS, ack(2, 1, 6));
	CHECK_EQ(R.log.commit, 2);
	for (qf_ns t = T0 + 100 * QF_MS; t <= T0 + 20 * QF_MS + R.wait;
	     t += 50 * QF_MS) {
		qf_raft_tick(&R, t);
		drain();
		step(t, ack(2, R.round, t));
	}
	qf_raft_tick(&R, T0 + 20 * QF_MS + R.wait);
	drain();
	CHECK(R.log.commit >= 3);
	CHECK_EQ(nfences, 1);
	CHECK_EQ(fence_seen[0].node, 3);
	CHECK_EQ(fence_seen[0].method, QF_FENCE_BY_WAIT);
}

/* Rule 13: a leader whose majority round is older than election_min (the
 * shortest silence that declares a member lost), or whose clock fails
 * the guard, may not preempt nor write the record. */
static void rule13_minority_no_preempt(void)
{
	mk(1, 3, 0);
	elect(T0, 3);
	CHECK(!qf_raft_may_preempt(&R, T0));	/* no majority round yet */
	step(T0 + 10 * QF_MS, ack(2, 1, 5));
	CHECK(qf_raft_may_preempt(&R, T0 + 20 * QF_MS));
	CHECK_EQ(qf_raft_propose_fence(&R, T0 + 30 * QF_MS, 3, QF_FENCE_ADMIN), 0);
	drain();
	/* q + election_min passed: everyone may look silent by now */
	CHECK(qf_raft_may_preempt(&R, T0 + R.t.election_min - QF_MS));
	CHECK(!qf_raft_may_preempt(&R, T0 + R.t.election_min));
	CHECK_EQ(qf_raft_propose_preempted(&R, T0 + R.t.election_min, 3, 1, 1),
		 -QF_ENOPREEMPT);
	CHECK_EQ(R.log.last, 3);
	mk(1, 3, 0);
	elect(T0, 3);
	step(T0 + 10 * QF_MS, ack(2, 1, 5));
	R.clock_bad = true;	/* rule 10, without the step-down path */
	CHECK(!qf_raft_may_preempt(&R, T0 + 20 * QF_MS));
}

/* The ready rule: a message never comes before the entries it needs. */
static void ready_entries_with_messages(void)
{
	mk(1, 3, 0);
	elect(T0, 3);
	CHECK_EQ(R.hs_reported.term, R.term);	/* persisted with the batch */
	CHECK(find(QF_MSG_APPEND, 2));
	CHECK_EQ(R.log.stable, R.log.last);
}

/* Bad input changes nothing. */
static void step_rejects_malformed(void)
{
	struct qf_raft before;
	struct qf_msg m = { .type = QF_MSG_APPEND, .from = 1, .to = 2,
			    .term = 9, .n_entries = QF_MSG_ENTRIES + 1 };

	mk(2, 3, 1);
	before = R;
	CHECK_EQ(qf_raft_step(&R, T0, &m), -QF_EINVAL);
	m.n_entries = 0;
	m.type = 200;
	CHECK_EQ(qf_raft_step(&R, T0, &m), -QF_EINVAL);
	m.type = QF_MSG_APPEND;
	m.to = 3;
	CHECK_EQ(qf_raft_step(&R, T0, &m), -QF_EINVAL);
	CHECK(memcmp(&before, &R, sizeof(R)) == 0);
}

/* Restart from what the ready batches persisted. */
static void restart_from_disk(void)
{
	struct qf_persist ps = { 0 };
	struct qf_entry ents[4];
	struct qf_config c;
	uint32_t ids[] = { 1, 2, 3 };
	uint8_t roles[] = { 1, 1, 1 };

	qf_bootstrap(&ps.snap, ids, roles, 3);
	for (int i = 0; i < 4; i++)	/* after the bootstrap at index 1 */
		ents[i] = (struct qf_entry){ .term = 2, .index = i + 2,
					     .type = QF_ENT_NOOP };
	ents[2].type = QF_ENT_NODE_FENCED;
	ents[2].node = 3;
	ents[2].gen = 1;
	ps.hs = (struct qf_hard_state){ .term = 2, .vote = 1, .commit = 4 };
	ps.entries = ents;
	ps.n_entries = 4;
	qf_config_default(&c, 3);
	CHECK_EQ(qf_raft_init(&R, &c, &ps, 5, rnd, NULL), 0);
	CHECK_EQ(R.log.last, 5);
	CHECK_EQ(R.log.commit, 4);
	CHECK(member_fenced(raft_self(&R)));
	ents[1].index = 7;	/* a gap: corrupt */
	CHECK_EQ(qf_raft_init(&R, &c, &ps, 5, rnd, NULL), -QF_ECORRUPT);
}

const struct test_case lease_tests[] = {
	{ "rule1-leader-anchor", rule1_leader_anchor },
	{ "rule1-follower-anchor", rule1_follower_anchor },
	{ "rule2-echo-round", rule2_echo_round },
	{ "rule2-term-only", rule2_term_only },
	{ "rule2-no-majority", rule2_no_majority },
	{ "rule2-self-only-while-leader", rule2_self_only_while_leader },
	{ "rule3-grant-fields", rule3_grant_fields },
	{ "rule3-newest-echo", rule3_newest_echo },
	{ "rule3-follower-ignores", rule3_follower_ignores },
	{ "rule3-no-grant-fenced", rule3_no_grant_fenced },
	{ "rule4-no-old-acks", rule4_no_old_acks },
	{ "rule4-vote-durable", rule4_vote_durable },
	{ "rule4-membership-order", rule4_membership_order },
	{ "rule5-wait", rule5_wait },
	{ "rule5-inherited", rule5_inherited },
	{ "rule13-preempted-commits-early", rule13_preempted_commits_early },
	{ "rule13-no-record-waits", rule13_no_record_waits },
	{ "rule13-minority-no-preempt", rule13_minority_no_preempt },
	{ 0 },
};

/*
 * design.md §2.10, the API's refusals change nothing: a follower is not
 * the leader, a leader that has not committed an entry of its term must
 * wait, a state without a recorded timing (before rule 9) has nothing to
 * change from, a NULL timing is invalid, and an "applied" report of a
 * change that is not in progress is refused.
 */
static void timing_api_refusals(void)
{
	struct qf_timing f;
	uint64_t last;
	char why[64];

	qf_timing_fast(&f);
	mk(1, 3, 1);
	CHECK_EQ(qf_raft_propose_timing(&R, 1000 * QF_MS, &f, why, sizeof(why)),
		 -QF_ENOTLEADER);
	elect(1000 * QF_MS, 3);
	CHECK_EQ(R.state, QF_LEADER);
	last = R.log.last;
	CHECK_EQ(qf_raft_propose_timing(&R, 1001 * QF_MS, &f, why, sizeof(why)),
		 -QF_EAGAIN);
	step(1002 * QF_MS, ack(2, R.round, 5));
	CHECK(R.log.commit >= R.term_start);
	CHECK_EQ(qf_raft_propose_timing(&R, 1003 * QF_MS, &f, why, sizeof(why)),
		 -QF_ENOENT);
	CHECK_EQ(qf_raft_propose_timing(&R, 1003 * QF_MS, NULL, NULL, 0),
		 -QF_EINVAL);
	CHECK_EQ(qf_raft_timing_applied(&R, 1004 * QF_MS, qf_timing_digest(&f)),
		 -QF_EINVAL);
	CHECK_EQ(qf_raft_timing_applied(&R, 1004 * QF_MS, 0), -QF_EINVAL);
	CHECK_EQ(R.log.last, last);
	CHECK_EQ(R.timing, qf_timing_digest(&R.own));
}

const struct test_case raft_tests[] = {
	{ "timing-api-refusals", timing_api_refusals },
	{ "ready-entries-with-messages", ready_entries_with_messages },
	{ "step-rejects-malformed", step_rejects_malformed },
	{ "restart-from-disk", restart_from_disk },
	{ 0 },
};

/* ---- with the virtual cluster ---- */

#include "cluster.h"

static uint64_t gen_of(struct cluster *c, uint32_t at, uint32_t id)
{
	const struct qf_member *m = qf_state_find(&c->n[at].r->st, id);

	return m ? m->gen : 0;
}

/* Log compaction (thesis §5): a follower down while the log grew past the
 * in-memory window catches up from a snapshot of the replicated state. */
static void snapshot_catch_up(void)
{
	static struct cluster c;
	uint32_t ids[] = { 1, 2, 3 };
	struct qf_timing t;
	uint64_t g;

	qf_timing_fast(&t);
	cl_init(&c, &t, QF_CFG_AUTO_FENCE | QF_CFG_AUTO_REJOIN |
		QF_CFG_CHECK_QUORUM);
	c.quiet = true;
	CHECK_EQ(cl_bootstrap(&c, ids, NULL, 3), 0);
	qf_raft_campaign(c.n[1].r, cl_local(&c, 1));
	cl_process(&c, 1);
	cl_run(&c, 100 * QF_MS);
	CHECK_EQ(cl_leader(&c), 1);
	cl_crash(&c, 3);
	for (int i = 0; i < QF_LOG_CAP / 4 + 4; i++) {	/* fence + rejoin */
		g = gen_of(&c, 1, 2);
		CHECK_EQ(qf_raft_propose_fence(c.n[1].r, cl_local(&c, 1), 2,
					       QF_FENCE_ADMIN), 0);
		cl_process(&c, 1);
		for (int ms = 0; ms < 3000 && gen_of(&c, 1, 2) == g; ms++)
			cl_step_ms(&c);
		CHECK(gen_of(&c, 1, 2) > g);
	}
	CHECK(c.n[1].r->log.snap.index > 1);	/* compacted */
	CHECK_EQ(cl_restart(&c, 3), 0);
	cl_run(&c, 300 * QF_MS);
	CHECK_EQ(c.n[3].r->log.commit, c.n[1].r->log.commit);
	CHECK(c.n[3].r->log.snap.index > 1);	/* installed a snapshot */
	CHECK_EQ(gen_of(&c, 3, 2), gen_of(&c, 1, 2));
	CHECK(cl_kernel_valid(&c, 3));
	CHECK(!c.violation);
	cl_free(&c);
}

/* Rule 4 across a restart: a vote persisted before it left survives, so
 * the node does not vote twice in one term. */
static void vote_survives_restart(void)
{
	static struct cluster c;
	uint32_t ids[] = { 1, 2, 3 };
	struct qf_msg v = { .type = QF_MSG_VOTE, .from = 3, .to = 2,
			    .term = 5, .index = 1, .log_term = 1 };

	cl_init(&c, NULL, QF_CFG_CHECK_QUORUM);
	c.quiet = true;
	CHECK_EQ(cl_bootstrap(&c, ids, NULL, 3), 0);
	v.timing = c.n[2].r->timing;	/* node 3 runs the same timing */
	qf_raft_step(c.n[2].r, cl_local(&c, 2), &v);
	cl_process(&c, 2);
	CHECK_EQ(c.n[2].disk.hs.vote, 3);
	CHECK_EQ(c.n[2].disk.hs.term, 5);
	cl_crash(&c, 2);
	CHECK_EQ(cl_restart(&c, 2), 0);
	CHECK_EQ(c.n[2].r->vote, 3);
	v.from = 1;
	qf_raft_step(c.n[2].r, cl_local(&c, 2), &v);
	CHECK_EQ(c.n[2].r->vote, 3);
	cl_free(&c);
}

const struct test_case cluster_tests[] = {
	{ "snapshot-catch-up", snapshot_catch_up },
	{ "vote-survives-restart", vote_survives_restart },
	{ 0 },
};
