// SPDX-License-Identifier: MIT
/*
 * The storage fence, design.md rule 13 and §2.9.
 *
 * A NODE_FENCED(X, g) may commit before rule 5's W only when a
 * PREEMPTED(X, g) follows it in the leader's log and both commit together:
 * the record says the leader's PREEMPT AND ABORT of X's key of generation g
 * succeeded and was read back on every pr_device, so the target refuses
 * every write of (X, g) whatever X's clock says. Only a leader that may
 * grant now preempts or writes the record; keys are per generation; a
 * node never registers again a key the storage removed.
 */
#include "internal.h"
#include "pr.h"

bool qf_raft_may_preempt(const struct qf_raft *r, qf_ns now)
{
	if (r->state != QF_LEADER)
		return false;
	if (QF_MUTATED(QF_MUT_PR_MINORITY_PREEMPT))
		return true;
	/*
	 * Rule 2: the majority of round q_round is current; rules 9, 10.
	 * Current means within election_min, the shortest silence after
	 * which a member can be declared lost (fence.c, lost_after): a
	 * leader cut off from everyone sees them all silent only once its
	 * last majority round is that old, and then no longer preempts.
	 * Within L was not enough once pr_fence_after < L: a cut-off leader
	 * took the others' silence for theirs and preempted them.
	 */
	return r->q && now < r->q + r->t.election_min &&
	       !guard_binds_leader(r) && !timing_serves_nothing(r);
}

/* Is a PREEMPTED for the NODE_FENCED f, at index i, in (i, to]? */
bool pr_follows(const struct qf_raft *r, const struct qf_entry *f,
		uint64_t to)
{
	uint64_t i = f->index;

	if (f->type != QF_ENT_NODE_FENCED)
		return false;
	if (QF_MUTATED(QF_MUT_PR_NO_RECORD))
		return true;
	for (uint64_t j = i + 1; j <= to && j <= r->log.last; j++) {
		const struct qf_entry *e = log_get(&r->log, j);

		if (e->type == QF_ENT_PREEMPTED && e->node == f->node &&
		    e->gen == f->gen)
			return true;
	}
	return false;
}

/* The uncommitted NODE_FENCED(id, gen) without a PREEMPTED after it. */
static uint64_t pending_index(const struct qf_raft *r, uint32_t id,
			      uint64_t gen)
{
	for (uint64_t i = r->log.commit + 1; i <= r->log.last; i++) {
		const struct qf_entry *e = log_get(&r->log, i);

		if (e->type == QF_ENT_NODE_FENCED && e->node == id &&
		    e->gen == gen)
			return pr_follows(r, e, r->log.last) ? UINT64_MAX : i;
	}
	return 0;
}

int qf_raft_propose_preempted(struct qf_raft *r, qf_ns now, uint32_t id,
			      uint64_t gen, unsigned int n_paths)
{
	struct qf_entry e = { .type = QF_ENT_PREEMPTED, .node = id,
			      .gen = gen };
	uint64_t i;

	if (n_paths == 0 || n_paths > UINT8_MAX)
		return -QF_EINVAL;
	if (!qf_raft_may_preempt(r, now))
		return r->state == QF_LEADER ? -QF_ENOPREEMPT : -QF_ENOTLEADER;
	i = pending_index(r, id, gen);
	if (i == UINT64_MAX)
		return -QF_EEXIST;
	if (i == 0)
		return -QF_ENOPREEMPT;
	e.reason = (uint8_t)n_paths;
	r->now = now;
	return repl_propose(r, now, &e);
}

size_t qf_raft_pr_pending(const struct qf_raft *r, uint32_t *ids,
			  uint64_t *gens, size_t max)
{
	size_t n = 0;

	for (uint64_t i = r->log.commit + 1; i <= r->log.last && n < max; i++) {
		const struct qf_entry *e = log_get(&r->log, i);

		if (e->type != QF_ENT_NODE_FENCED || pr_follows(r, e, r->log.last))
			continue;
		ids[n] = e->node;
		gens[n++] = e->gen;
	}
	return n;
}

/* Rule 13: a key only for the committed, unfenced generation of a member
 * in the configuration - after its JOIN/REJOIN (or bootstrap) committed. */
uint64_t qf_raft_pr_gen(const struct qf_raft *r)
{
	const struct qf_member *s = qf_state_find(&r->st, r->id);

	if (!s || !member_in_config(s) || member_fenced(s) ||
	    r->self_fenced || fence_in_log(r, r->id, s->gen))
		return 0;
	return s->gen;
}

uint16_t qf_pr_cluster_hash(const char *name)
{
	uint32_t h = 2166136261u;

	for (const char *p = name; p && *p; p++) {
		h ^= (uint8_t)*p;
		h *= 16777619u;
	}
	h = (h >> 16) ^ (h & 0xffff);
	return h ? (uint16_t)h : 1;
}

int qf_pr_key(uint16_t cluster, uint32_t id, uint64_t gen, uint64_t *key)
{
	if (!cluster || !id || id > UINT16_MAX || !gen || gen > UINT32_MAX)
		return -QF_EINVAL;
	*key = (uint64_t)cluster << 48 | (uint64_t)id << 32 | gen;
	return 0;
}

enum qf_pr_action qf_pr_reg_step(struct qf_pr_reg *reg, uint16_t cluster,
				 uint32_t id, uint64_t gen, bool present,
				 uint64_t *want)
{
	*want = 0;
	if (reg->key && !present) {
		/* Preempted: the storage says we are fenced (rule 7). */
		if (!QF_MUTATED(QF_MUT_PR_REREGISTER) &&
		    qf_pr_key_gen(reg->key) > reg->lost_gen)
			reg->lost_gen = qf_pr_key_gen(reg->key);
		reg->key = 0;
		return QF_PR_LOST;
	}
	if (!gen || gen <= reg->lost_gen || qf_pr_key(cluster, id, gen, want)) {
		*want = 0;
		return QF_PR_NOTHING;
	}
	if (*want == reg->key)
		return QF_PR_NOTHING;
	return QF_PR_REGISTER;
}
