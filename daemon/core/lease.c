// SPDX-License-Identifier: MIT
/*
 * The lease protocol, design.md §2 rules 1-3.
 *
 * Leader of term T: every heartbeat it opens round k at its time s_k and
 * sends it to all members. An ack counts for round k only if it echoes k
 * and carries term T (rule 2); when a majority - the leader itself counted
 * while it still leads T - has acked round k or a newer one, q = s_k and
 * the leader's own deadline is q + L (rule 1: anchored before the
 * proving messages were sent, never on receipt).
 *
 * Grants (rule 3): each ack carries the follower's (boot_id, a); the
 * leader echoes the newest one with generation g and R = q + L - g_t,
 * g_t = its time at sending; the follower's deadline is a + R.
 */
#include "internal.h"

void lease_reset_leader(struct qf_raft *r)
{
	r->round = 0;
	r->q = 0;
	r->q_round = 0;
}

/*
 * May (id, gen) hold a lease? Never while NODE_FENCED(id, gen) is in the
 * log, committed or not (rule 3); witnesses hold none (design.md §4); and not
 * while the latest configuration shows another generation for id (a
 * pending NODE_JOIN, or a slot freed and re-added).
 */
bool lease_grantable(const struct qf_raft *r, uint32_t id, uint64_t gen)
{
	const struct qf_member *c = qf_state_find(&r->cfg, id);
	const struct qf_member *s = qf_state_find(&r->st, id);

	if (!member_in_config(c) || c->role != QF_ROLE_VOTER || !s ||
	    s->gen != gen || c->gen != gen)
		return false;
	if (QF_MUTATED(QF_MUT_GRANT_TO_FENCED))
		return true;
	return !fence_in_log(r, id, gen);
}

static void renew_self(struct qf_raft *r, qf_ns now)
{
	const struct qf_member *me = raft_self(r);
	struct qf_progress *p = member_progress(r, r->id);
	qf_ns d = r->q + r->t.lease;

	if (!me || !lease_grantable(r, r->id, me->gen) ||
	    r->lapsed_gen == me->gen || d <= now || r->clock_bad ||
	    !timing_grant_ok(r, r->id, r->timing))
		return;
	if (d > r->deadline || r->lease_gen != me->gen) {
		r->deadline = d;
		r->lease_gen = me->gen;
		r->lease_dirty = true;
	}
	if (p) {	/* rule 5 counts the leader's own lease as a grant */
		p->last_grant = now;
		p->grant_gen = me->gen;
	}
}

static void grant(struct qf_raft *r, qf_ns now, struct qf_progress *p)
{
	const struct qf_member *s = qf_state_find(&r->st, p->id);
	struct qf_msg m;

	if (p->id == r->id || !p->has_echo || !r->q || !s)
		return;
	/* Rule 10: R = q + L - g_t would be measured on a bad clock. */
	if (guard_binds_leader(r))
		return;
	/* Only to a member that answered the quorum round or the one before:
	 * a silent member gets no more grants, so rule 5's wait for it
	 * starts at once (its old echo would not extend its lease anyway). */
	if (p->acked_round + 1 < r->q_round)
		return;
	if (!lease_grantable(r, p->id, s->gen) ||
	    (p->lapsed && p->lapsed_gen == s->gen))
		return;
	/* §2.10: only to a member running what the log says it runs. */
	if (!timing_grant_ok(r, p->id, p->timing))
		return;
	/* Rule 2: only while the majority of round q_round is current. */
	if (r->q + r->t.lease <= now)
		return;
	raft_msg_init(r, &m, QF_MSG_GRANT, p->id);
	m.boot_id = p->echo_boot;
	m.a = p->echo_a;
	m.gen = s->gen;
	m.r = r->q + r->t.lease - now;	/* g_t = now */
	raft_send(r, &m);
	p->last_grant = now;
	p->grant_gen = s->gen;
}

/* The newest round acked by a majority; q moves to its send time. */
static bool update_q(struct qf_raft *r, qf_ns now)
{
	uint32_t ids[QF_MAX_MEMBERS];
	uint64_t acked[QF_MAX_MEMBERS], k;
	size_t n = member_config(r, ids);

	for (size_t i = 0; i < n; i++) {
		struct qf_progress *p = member_progress(r, ids[i]);

		acked[i] = p ? p->acked_round : 0;
	}
	k = qf_quorum_index(acked, n);
	if (k == 0 || k <= r->q_round || k + QF_ROUNDS <= r->round)
		return false;
	r->q_round = k;
	r->q = r->round_sent[k % QF_ROUNDS];
	if (QF_MUTATED(QF_MUT_ANCHOR_ON_RECEIPT))
		r->q = now;
	renew_self(r, now);
	for (size_t i = 0; i < r->n_pr; i++)
		grant(r, now, &r->pr[i]);
	return true;
}

void lease_new_round(struct qf_raft *r, qf_ns now)
{
	struct qf_progress *self = member_progress(r, r->id);

	r->round++;
	r->round_sent[r->round % QF_ROUNDS] = now;	/* s_k */
	r->heartbeat_due = now + r->t.heartbeat;
	if (self && member_in_config(qf_state_find(&r->cfg, r->id)))
		self->acked_round = r->round;	/* counted while leader */
	if (QF_MUTATED(QF_MUT_GRANT_WITHOUT_QUORUM)) {
		r->q = now;
		r->q_round = r->round;
		renew_self(r, now);
	}
	for (size_t i = 0; i < r->n_pr; i++) {
		struct qf_progress *p = &r->pr[i];

		if (p->id == r->id ||
		    !member_in_config(qf_state_find(&r->cfg, p->id)))
			continue;
		/* Resend what is unacked; a member not heard from in this
		 * term is probed from this leader's first entry. */
		if (p->match == 0)
			p->next = r->term_start;
		else if (p->next > p->match + 1)
			p->next = p->match + 1;
		repl_send_append(r, now, p);
	}
	update_q(r, now);
}

static void note_echo(struct qf_progress *p, const struct qf_msg *m)
{
	bool newer;

	if (QF_MUTATED(QF_MUT_NO_BOOT_NONCE))
		newer = !p->has_echo || m->a > p->echo_a;
	else	/* a new boot replaces the echo; within one boot, newest a */
		newer = !p->has_echo || m->boot_id != p->echo_boot ||
			m->a > p->echo_a;
	if (!newer)
		return;
	p->has_echo = true;
	p->echo_boot = m->boot_id;
	p->echo_a = m->a;
}

void lease_on_ack(struct qf_raft *r, qf_ns now, struct qf_progress *p,
		  const struct qf_msg *m)
{
	uint64_t k = m->round;

	if (QF_MUTATED(QF_MUT_ACK_BY_ARRIVAL))
		k = r->round;
	/* Rule 2: credit exactly the echoed round (never a newer one). */
	if (k && k <= r->round && k > p->acked_round)
		p->acked_round = k;
	note_echo(p, m);
	p->lapsed = m->flags & QF_MF_LAPSED;
	p->lapsed_gen = m->gen;
	if (!update_q(r, now))
		grant(r, now, p);
}

/* Follower side of rule 3: which grants to ignore. */
static bool grant_acceptable(const struct qf_raft *r, qf_ns now,
			     const struct qf_msg *m)
{
	const struct qf_member *me = raft_self(r);

	if (!member_in_config(me) || me->role != QF_ROLE_VOTER ||
	    member_fenced(me) || m->gen != me->gen || r->lapsed_gen == me->gen)
		return false;
	/* rule 10: a + R would run on a clock beyond ρ */
	if (r->clock_bad && !QF_MUTATED(QF_MUT_GUARD_SPARES_FOLLOWER))
		return false;
	if (m->boot_id != r->boot_id && !QF_MUTATED(QF_MUT_NO_BOOT_NONCE))
		return false;
	return m->a <= now && m->a >= r->newest_a;
}

void lease_on_grant(struct qf_raft *r, qf_ns now, const struct qf_msg *m)
{
	qf_ns d;

	if (!grant_acceptable(r, now, m))
		return;
	r->newest_a = m->a;
	d = m->a + m->r;	/* rule 1: anchored at a, before the ack left */
	if (QF_MUTATED(QF_MUT_ANCHOR_ON_RECEIPT))
		d = now + m->r;
	if (d <= now)
		return;
	if (d > r->deadline || r->lease_gen != m->gen) {
		r->deadline = d;
		r->lease_gen = m->gen;
		r->lease_dirty = true;
	}
}

/* The own lease ran out: the kernel has latched the fence (rule 7). */
void lease_tick(struct qf_raft *r, qf_ns now)
{
	if (r->deadline && now >= r->deadline && r->lease_gen &&
	    r->lease_gen > r->lapsed_gen)	/* never below a newer report */
		r->lapsed_gen = r->lease_gen;
}

/*
 * Kept even when the committed state does not know generation gen yet: a
 * daemon restarts from its snapshot and re-learns the commit index from
 * the leader, so a lease found fenced at start is usually reported ahead
 * of the state. Dropping the report then left the generation neither
 * renewed nor ever fenced in the log (its resources unrecoverable). Every
 * use compares lapsed_gen with one exact generation, so a report ahead of
 * the state acts once the state reaches it; an older report never
 * replaces a newer one.
 */
void qf_raft_lapsed(struct qf_raft *r, qf_ns now, uint64_t gen)
{
	if (now > r->now)
		r->now = now;
	if (gen > r->lapsed_gen)
		r->lapsed_gen = gen;
}

/* Committed changes to this node's own record: fenced, or a new
 * generation from a rejoin (rule 7). */
void lease_self_changed(struct qf_raft *r)
{
	const struct qf_member *me = raft_self(r);

	if (!me)
		return;
	if (member_fenced(me)) {
		if (!r->self_fenced || r->lease_gen != me->gen) {
			r->self_fenced = true;
			r->deadline = 0;
			r->lease_gen = me->gen;
			r->lease_dirty = true;
		}
		return;
	}
	if (me->gen != r->lease_gen) {
		r->lease_dirty = r->lease_gen != 0 || r->self_fenced;
		r->self_fenced = false;
		r->lease_gen = me->gen;
		r->deadline = 0;
	}
}
