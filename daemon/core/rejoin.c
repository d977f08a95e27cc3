// SPDX-License-Identifier: MIT
/*
 * Automatic rejoin by the fenced node's policy, and the flapping guard
 * (design.md §2.11).
 *
 * Rule 7 is the same for every path back: the leader appends a NODE_JOIN
 * with a new, larger generation, the majority commits it, and only then
 * does the node's daemon pass that generation to its kernel. What a policy
 * adds is *who asks*: the node itself, with evidence that nothing stale of
 * the fenced generation can reach the disk - a new kernel boot and a lease
 * created in it (after-reboot), or no opener and no mount of its fence
 * devices, their cache dropped before the new generation admits IO
 * (when-idle, checked and done on the node). The leader judges what it
 * can: the request names the committed fence (rule 11), it comes from a
 * node talking to this leader now, the boot it names is not the boot the
 * fenced generation was granted to or last armed in, and the guard.
 */
#include "internal.h"

const char *qf_join_reason_name(int reason)
{
	static const char *const n[__QF_JOIN_LAST] = {
		[QF_JOIN_ADMIN] = "admin",
		[QF_JOIN_AFTER_REBOOT] = "after-reboot",
		[QF_JOIN_WHEN_IDLE] = "when-idle",
	};

	return reason >= 0 && reason < __QF_JOIN_LAST ? n[reason] : NULL;
}

/*
 * The guard's window is measured on the proposing leader's wall clock and
 * recorded in the entry: it decides only whether a node comes back by
 * itself, never whether IO is safe, so clock steps and offsets between
 * leaders cost availability at most (a window that looks open longer keeps
 * the node fenced; one that looks expired lets it try once more, and rule 7
 * still holds). A clock that went backwards counts as inside the window.
 */
static bool in_window(const struct qf_raft *r, const struct qf_member *s,
		      uint64_t wall_s)
{
	return s->auto_joins && (wall_s < s->window_s ||
				 wall_s - s->window_s < r->flap_window_s);
}

bool qf_raft_flapping(const struct qf_raft *r, uint32_t id, uint64_t wall_s)
{
	const struct qf_member *s = qf_state_find(&r->st, id);

	if (!s || QF_MUTATED(QF_MUT_REJOIN_NO_GUARD))
		return false;
	return in_window(r, s, wall_s) && s->auto_joins >= r->flap_max;
}

/*
 * After-reboot evidence. boot == armed_boot: the node armed a lease in
 * this very boot, so whatever it cached then is still in its memory.
 * boot == join_boot: the fenced generation was granted to this boot (the
 * node's own record could be lost with its data_dir; the committed one
 * cannot). Not fresh: the kernel still holds a lease of an earlier start,
 * i.e. only the daemon restarted.
 */
static int reboot_evidence(const struct qf_member *s,
			   const struct qf_join_req *q)
{
	if (QF_MUTATED(QF_MUT_REJOIN_NO_REBOOT_CHECK))
		return 0;
	if (!q->boot || q->boot == q->armed_boot || q->boot == s->join_boot ||
	    !q->lease_fresh)
		return -QF_ESAMEBOOT;
	return 0;
}

static int auto_join_allowed(const struct qf_raft *r, qf_ns now,
			     uint64_t wall_s, const struct qf_join_req *q)
{
	const struct qf_member *s;
	int rc;

	if (!q || (q->reason != QF_JOIN_AFTER_REBOOT &&
		   q->reason != QF_JOIN_WHEN_IDLE))
		return -QF_EINVAL;
	rc = fence_join_allowed(r, q->node, q->fenced_gen);
	if (rc)
		return rc;
	s = qf_state_find(&r->st, q->node);
	/* An operator's fence (quorumctl fence, a fence agent's off) keeps
	 * the node out on purpose: only an operator's rejoin (an agent's
	 * on) ends it. The policies end the fences the cluster decided. */
	if (s->fence_reason == QF_FENCE_ADMIN)
		return -QF_EOPFENCED;
	/* Asked by the node and heard now: it talks to the majority. */
	if (!fence_talking(r, now, q->node))
		return -QF_ESILENT;
	if (q->reason == QF_JOIN_AFTER_REBOOT) {
		rc = reboot_evidence(s, q);
		if (rc)
			return rc;
	}
	if (qf_raft_flapping(r, q->node, wall_s))
		return -QF_EFLAPPING;
	return 0;
}

int qf_raft_propose_auto_join(struct qf_raft *r, qf_ns now, uint64_t wall_s,
			      const struct qf_join_req *q)
{
	const struct qf_member *s;
	struct qf_entry e = { 0 };
	int rc = auto_join_allowed(r, now, wall_s, q);

	if (rc)
		return rc;
	s = qf_state_find(&r->st, q->node);
	e.node = q->node;
	e.reason = q->reason;
	e.boot = q->reason == QF_JOIN_AFTER_REBOOT ? q->boot : 0;
	/* The guard's count, decided here so that applying is the same on
	 * every node: a new window opens when the last one is over. */
	if (in_window(r, s, wall_s)) {
		e.auto_joins = s->auto_joins < UINT8_MAX ? s->auto_joins + 1 :
			       UINT8_MAX;
		e.window_s = s->window_s;
	} else {
		e.auto_joins = 1;
		e.window_s = (uint32_t)wall_s;
	}
	return fence_append_join(r, now, &e);
}
