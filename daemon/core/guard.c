// SPDX-License-Identifier: MIT
/*
 * The clock guard's verdict inside the core (design.md rule 10); one
 * timing for the whole cluster (rule 9) is in timing.c.
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
