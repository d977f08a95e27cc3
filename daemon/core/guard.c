// SPDX-License-Identifier: MIT
/*
 * The clock guard's verdict inside the core (design.md rule 10), and one
 * timing for the whole cluster (design.md rule 9).
 *
 * Every bound of rules 1-5 assumes this node's clock runs within ρ. The
 * core reads no clock, so the caller (the daemon's adjtimex guard, the
 * simulator's model of it) reports the verdict with qf_raft_clock_guard.
 * While the clock is out of bounds:
 *   - as leader: no grant (its R = q + L − g_t is measured on that clock),
 *     no commit past a NODE_FENCED (its W would be too), and it steps
 *     down at once (rule 10);
 *   - in every role: no campaign (a leader on that clock would have to
 *     step down at once) and no grant accepted (the follower's deadline
 *     a + R runs on that clock; the daemon also refuses the kernel renew).
 * It still votes and acks. A vote carries no time; an ack carries the
 * (boot_id, a) that only this node's own grant check reads (and that is
 * refused), and the leader's quorum time q = s_k is on the leader's clock.
 * Refusing them would cost the cluster its majority (3 nodes: one bad
 * clock and one cut-off node leave the rest no leader) and gain nothing.
 */
#include "internal.h"

void qf_raft_clock_guard(struct qf_raft *r, qf_ns now, bool ok)
{
	if (now > r->now)
		r->now = now;
	r->clock_bad = !ok;
	if (ok || r->state != QF_LEADER || !guard_binds_leader(r))
		return;
	election_become_follower(r, r->now, r->term, 0);
}

bool qf_raft_clock_bad(const struct qf_raft *r)
{
	return r->clock_bad;
}

/* The leader side of rule 10 (the mutation leaves the leader unbound). */
bool guard_binds_leader(const struct qf_raft *r)
{
	return r->clock_bad && !QF_MUTATED(QF_MUT_GUARD_SPARES_LEADER);
}

/*
 * design.md rule 9: one timing for the whole cluster. W, R, the election
 * timeouts and the kernel's max lease are all computed from this node's
 * own L, F, ρ; they bound what other nodes do only if those run the same
 * values. Each message carries its sender's digest and is acted upon only
 * with ours; a node whose committed state records another timing than its
 * own (it was restarted with a changed configuration) serves nothing: no
 * vote, no ack, no campaign, no grant accepted, so no renewal.
 */
void timing_refresh(struct qf_raft *r)
{
	r->timing_bad = r->st.timing && r->st.timing != r->timing &&
			!QF_MUTATED(QF_MUT_SKIP_TIMING_CHECK);
}

bool timing_serves_nothing(const struct qf_raft *r)
{
	return r->timing_bad;
}

bool timing_accept(struct qf_raft *r, const struct qf_msg *m)
{
	if (QF_MUTATED(QF_MUT_SKIP_TIMING_CHECK))
		return true;
	if (m->timing == r->timing && !r->timing_bad)
		return true;
	/* A snapshot may carry the cluster's record to a node that lacks
	 * one; it is still of another timing, so it changes nothing. */
	r->timing_refused++;
	if (m->timing != r->timing) {
		r->timing_peer = m->from;
		r->timing_peer_digest = m->timing;
	}
	return false;
}
