// SPDX-License-Identifier: MIT
/*
 * Fence decisions: NODE_FENCED and its waits (design.md §2 rule 5), the
 * automatic fencing of lost members and their rejoin (rules 3, 7).
 *
 * Rule 5: with W = (L + F)(1+ρ)/(1−ρ) on this leader's clock, the commit
 * index may pass a NODE_FENCED(X, g) - proposed by this leader or inherited
 * from an earlier term - only when W has passed since this leader's E_el
 * (every lease of an older term has then ended and settled, rule 4) and
 * since its last grant to X (its own grants have ended and settled). The
 * entry itself stops further grants as soon as it is in the log (rule 3),
 * so "fence X now" = append (stop grants), wait, commit. Rule 13 (pr.c):
 * with a PREEMPTED(X, g) after it, committed together, no wait.
 */
#include "internal.h"

/* Is a NODE_FENCED(id, g >= gen) in the log, committed or not (rule 3)?
 * Scans the uncommitted tail: the member slots alone can lose a record
 * when a removed member's slot is freed and the id added again. */
bool fence_in_log(const struct qf_raft *r, uint32_t id, uint64_t gen)
{
	const struct qf_member *s = qf_state_find(&r->st, id);
	const struct qf_member *c = qf_state_find(&r->cfg, id);

	if ((s && s->fenced_gen >= gen) || (c && c->fenced_gen >= gen))
		return true;
	for (uint64_t i = r->log.commit + 1; i <= r->log.last; i++) {
		const struct qf_entry *e = log_get(&r->log, i);

		if (e->type == QF_ENT_NODE_FENCED && e->node == id &&
		    e->gen >= gen)
			return true;
	}
	return false;
}

/*
 * Since when member p has been silent. A new generation's silence counts
 * from the rejoin, not from an ack of an older generation: a node asked to
 * rejoin while it is not talking yet (restarting, a link just back) would
 * otherwise be fenced as silent again at once, with nothing to gain -- no
 * grant to the new generation exists yet.
 */
static qf_ns silent_since(const struct qf_progress *p)
{
	return p->joined > p->last_ack ? p->joined : p->last_ack;
}

/*
 * The silence after which a member is lost (0: never automatically).
 * fence_after is at least L: without a storage fence nothing is gained by
 * an earlier record, its commit waits W after the last grant anyway.
 * Where this leader fences by reservation (rule 13) the preempt is what
 * the commit waits for, so the detection is the takeover: pr_fence_after,
 * shorter, never below election_min (a member is not lost sooner than a
 * follower gives up on its leader).
 */
static qf_ns lost_after(const struct qf_raft *r)
{
	qf_ns pr = r->pr_fence_after;

	if (!r->t.fence_after || !pr || pr >= r->t.fence_after)
		return r->t.fence_after;
	return pr > r->t.election_min ? pr : r->t.election_min;
}

bool qf_raft_fence_in_log(const struct qf_raft *r, uint32_t id, uint64_t gen)
{
	return fence_in_log(r, id, gen);
}

bool fence_wait_over(const struct qf_raft *r, qf_ns now, uint32_t id)
{
	const struct qf_progress *p = member_progress((struct qf_raft *)r, id);

	if (QF_MUTATED(QF_MUT_SKIP_WAIT))
		return true;
	if (now < r->e_el + r->wait)
		return false;
	/* Any generation of X: conservative, and grants stop at the entry. */
	return !p || !p->last_grant || now >= p->last_grant + r->wait;
}

uint64_t fence_commit_limit(const struct qf_raft *r, qf_ns now,
			    uint64_t from, uint64_t to)
{
	if (QF_MUTATED(QF_MUT_SKIP_WAIT) ||
	    QF_MUTATED(QF_MUT_FENCE_CHECK_ON_PROPOSE_ONLY))
		return to;
	for (uint64_t i = from + 1; i <= to; i++) {
		const struct qf_entry *e = log_get(&r->log, i);

		if (e->type != QF_ENT_NODE_FENCED)
			continue;
		/* Rule 10: W measured on a bad clock proves nothing. */
		if (guard_binds_leader(r))
			return i - 1;
		/* Rule 13: or the storage refuses (X, g) already - its
		 * PREEMPTED commits in the same range, with it. */
		if (!fence_wait_over(r, now, e->node) && !pr_follows(r, e, to))
			return i - 1;
	}
	return to;
}

/* When the first waiting NODE_FENCED may commit, or UINT64_MAX. */
static qf_ns gate_time(const struct qf_raft *r)
{
	for (uint64_t i = r->log.commit + 1; i <= r->log.last; i++) {
		const struct qf_entry *e = log_get(&r->log, i);
		const struct qf_progress *p;
		qf_ns t = r->e_el + r->wait;

		if (e->type != QF_ENT_NODE_FENCED)
			continue;
		p = member_progress((struct qf_raft *)r, e->node);
		if (p && p->last_grant && p->last_grant + r->wait > t)
			t = p->last_grant + r->wait;
		if (t > r->now)
			return t;
	}
	return UINT64_MAX;
}

qf_ns fence_next_tick(const struct qf_raft *r)
{
	qf_ns t = gate_time(r);

	if (!(r->flags & QF_CFG_AUTO_FENCE) || !lost_after(r))
		return t;
	for (size_t i = 0; i < r->n_pr; i++) {
		const struct qf_progress *p = &r->pr[i];
		const struct qf_member *c = qf_state_find(&r->cfg, p->id);

		qf_ns due = silent_since(p) + lost_after(r);

		if (p->id != r->id && c && c->fenced_gen < c->gen &&
		    member_in_config(c) && c->role == QF_ROLE_VOTER &&
		    due > r->now && due < t)
			t = due;
	}
	return t;
}

/* upto: the commit index being reached (a PREEMPTED committed with e lies
 * at or below it); 0 for a record learnt from a snapshot (method unknown). */
void fence_on_commit(struct qf_raft *r, const struct qf_entry *e,
		     uint64_t upto)
{
	if (e->type == QF_ENT_NODE_FENCED && r->n_fences < QF_MAX_FENCES)
		r->fences[r->n_fences++] = (struct qf_fence_decision){
			.node = e->node, .gen = e->gen, .reason = e->reason,
			.index = e->index,
			.method = !upto ? 0 : pr_follows(r, e, upto) ?
				  QF_FENCE_BY_PR : QF_FENCE_BY_WAIT,
		};
	if (e->node != r->id)
		return;
	/* Our own record: fence now, even if the slot is gone (removed). */
	if (e->type == QF_ENT_NODE_FENCED && e->gen >= r->lease_gen &&
	    !r->self_fenced) {
		r->self_fenced = true;
		r->deadline = 0;
		r->lease_dirty = true;
	}
	lease_self_changed(r);
}

static int append_fence(struct qf_raft *r, qf_ns now, uint32_t id,
			uint64_t gen, uint8_t reason)
{
	struct qf_entry e = { .type = QF_ENT_NODE_FENCED, .node = id,
			      .gen = gen, .reason = reason };

	/* The mutation moves rule 5's check here, off the commit index. */
	if (QF_MUTATED(QF_MUT_FENCE_CHECK_ON_PROPOSE_ONLY) &&
	    !fence_wait_over(r, now, id))
		return -QF_EAGAIN;
	return repl_propose(r, now, &e);
}

int qf_raft_propose_fence(struct qf_raft *r, qf_ns now, uint32_t id,
			  uint8_t reason)
{
	return qf_raft_propose_fence_gen(r, now, id, 0, reason);
}

/*
 * gen 0: the generation committed now. A forwarded fence names the one its
 * sender saw committed (design.md rule 11): a recorded request replayed
 * after X rejoined must not fence the new generation nobody asked to fence.
 */
int qf_raft_propose_fence_gen(struct qf_raft *r, qf_ns now, uint32_t id,
			      uint64_t gen, uint8_t reason)
{
	const struct qf_member *c = qf_state_find(&r->cfg, id);
	const struct qf_member *s = qf_state_find(&r->st, id);

	if (r->state != QF_LEADER)
		return -QF_ENOTLEADER;
	if (id == r->id || reason < QF_FENCE_SILENT || reason > QF_FENCE_LAPSED)
		return -QF_EINVAL;	/* a leader hands over before */
	if (!c || !s)
		return -QF_ENOENT;
	if (gen && gen != s->gen)
		return -QF_EFENCEGEN;
	if (fence_in_log(r, id, s->gen))
		return -QF_EEXIST;
	r->now = now;
	return append_fence(r, now, id, s->gen, reason);
}

/*
 * The checks every rejoin passes, by an operator or automatic (rule 7:
 * only a committed fence of the current generation can be ended; rule 11:
 * the one named).
 */
int fence_join_allowed(const struct qf_raft *r, uint32_t id,
		       uint64_t fenced_gen)
{
	const struct qf_member *c = qf_state_find(&r->cfg, id);
	const struct qf_member *s = qf_state_find(&r->st, id);

	if (r->state != QF_LEADER)
		return -QF_ENOTLEADER;
	if (!s || !member_in_config(c))
		return -QF_ENOENT;
	if (!member_fenced(s))
		return -QF_ENOTFENCED;
	if (c->gen != s->gen)
		return -QF_EEXIST;	/* a rejoin is pending */
	/*
	 * Rule 11: the rejoin ends one fence, the one it names. A recorded
	 * REJOIN of generation g replayed after the node was rejoined and
	 * fenced again at g' > g would otherwise end a fence nobody asked to
	 * end. Only the committed record counts (member_fenced(s) above).
	 */
	if (fenced_gen != s->fenced_gen &&
	    !QF_MUTATED(QF_MUT_REJOIN_ANY_FENCE))
		return -QF_EWRONGGEN;
	return 0;
}

/* Append e, a NODE_JOIN, with the generation rule 7 asks for. */
int fence_append_join(struct qf_raft *r, qf_ns now, struct qf_entry *e)
{
	struct qf_progress *p = member_progress(r, e->node);
	int rc;

	e->type = QF_ENT_NODE_JOIN;
	e->gen = r->cfg.max_gen + 1;	/* rule 7: strictly larger */
	r->now = now;
	rc = repl_propose(r, now, e);
	if (!rc && p)
		p->joined = now;
	return rc;
}

int qf_raft_propose_join(struct qf_raft *r, qf_ns now, uint32_t id,
			 uint64_t fenced_gen)
{
	struct qf_entry e = { .type = QF_ENT_NODE_JOIN, .node = id,
			      .reason = QF_JOIN_ADMIN };
	int rc = fence_join_allowed(r, id, fenced_gen);

	if (rc)
		return rc;
	return fence_append_join(r, now, &e);
}


/* Why the leader should fence member slot c now (0: it should not). */
static uint8_t fence_reason(const struct qf_raft *r, qf_ns now,
			    const struct qf_member *c, const struct qf_member *s)
{
	const struct qf_progress *p = member_progress((struct qf_raft *)r, c->id);

	if (!member_in_config(c))
		return QF_FENCE_REMOVED;	/* rule 4: removal frees nothing */
	if (c->role != QF_ROLE_VOTER || !p)
		return 0;
	if (c->id == r->id)
		return r->lapsed_gen == s->gen ? QF_FENCE_LAPSED : 0;
	if (p->lapsed && p->lapsed_gen == s->gen)
		return QF_FENCE_LAPSED;
	if (lost_after(r) && now >= silent_since(p) + lost_after(r))
		return QF_FENCE_SILENT;
	return 0;
}

bool fence_talking(const struct qf_raft *r, qf_ns now, uint32_t id)
{
	const struct qf_progress *p = member_progress((struct qf_raft *)r, id);

	return id == r->id ||
	       (p && p->last_ack && now < p->last_ack + r->t.election_min);
}

static void fence_member(struct qf_raft *r, qf_ns now, const struct qf_member *c)
{
	const struct qf_member *s = qf_state_find(&r->st, c->id);
	uint8_t reason;

	if (!s || c->gen != s->gen)
		return;		/* a new generation is pending */
	if (fence_in_log(r, c->id, s->gen)) {
		/* Fenced in the log: rejoin once committed and back. */
		if ((r->flags & QF_CFG_AUTO_REJOIN) && member_fenced(s) &&
		    c->gen == s->gen && member_in_config(c) &&
		    fence_talking(r, now, c->id))
			qf_raft_propose_join(r, now, c->id, s->fenced_gen);
		return;
	}
	if (!(r->flags & QF_CFG_AUTO_FENCE))
		return;
	reason = fence_reason(r, now, c, s);
	if (reason)
		append_fence(r, now, c->id, s->gen, reason);
}

void fence_tick(struct qf_raft *r, qf_ns now)
{
	for (int i = 0; i < QF_MAX_MEMBERS && r->state == QF_LEADER; i++) {
		struct qf_member c = r->cfg.m[i];	/* cfg changes below */

		if (c.id)
			fence_member(r, now, &c);
	}
}
