/* SPDX-License-Identifier: MIT */
/*
 * Deliberate protocol breaks, for proving that the simulator catches them.
 *
 * Only a build with -DQF_MUTATIONS (build/lib/libqfcore-mut.a) has the
 * global qf_mutation; every other build compiles QF_MUTATED() to 0 and the
 * broken branches away. Each value breaks exactly the clause it names
 * (design.md §2; issue "Raft core with lease grants and fence decisions"):
 *
 *   anchor-on-receipt   rule 1: the leader's q is the receive time of the
 *                       majority-completing ack, and a follower's deadline
 *                       is its receive time + R, instead of s_k and a + R.
 *   skip-wait           rule 5: no W wait before NODE_FENCED commits.
 *   grant-without-quorum rule 2: the leader treats every round as acked by
 *                       a majority the moment it sends it (q = newest s_k).
 *   ack-after-vote      rule 4: a node acks a term-T append although its
 *                       own term is already above T.
 *   ack-by-arrival      rule 2: an ack is credited to the leader's newest
 *                       round rather than the round it echoes.
 *   no-boot-nonce       rule 3: the leader keeps the numerically newest a
 *                       whatever its boot, and the follower accepts a grant
 *                       with a foreign boot_id.
 *   grant-to-fenced     rule 3: the leader grants (X, g) while
 *                       NODE_FENCED(X, g) is in its log.
 *   fence-check-on-propose-only rule 5: the W waits delay the leader's
 *                       proposal of NODE_FENCED, and the commit index then
 *                       passes any NODE_FENCED (inherited ones too) freely.
 *   w-without-drift     rule 5: W = L + F, ignoring ρ.
 *   guard-spares-leader rule 10: a leader whose clock guard fails keeps
 *                       leading, granting and committing NODE_FENCED
 *                       (only its own renewal stops, as before rule 10).
 *   skip-timing-check   rule 9: messages of another timing are acted upon
 *                       and a node whose timing is not the cluster's
 *                       serves (each node judges with its own L, F, W).
 *   pr-no-record        rule 13: NODE_FENCED commits before W as if a
 *                       PREEMPTED(X, g) followed it, with none there.
 *   pr-minority-preempt rule 13: any leader may preempt and record
 *                       PREEMPTED, its majority lost or its clock bad.
 *   pr-reregister       rule 13: a node whose key the storage removed
 *                       registers the same generation's key again.
 *   timing-no-cover     §2.10: from TIMING_BEGIN on, a leader decides
 *                       fences with the new timing's W, not the cover's.
 *   timing-early-done   §2.10: the leader appends TIMING_DONE as soon as
 *                       TIMING_BEGIN is committed, before every member
 *                       applied the new timing and without the wait.
 *   rejoin-no-reboot-check design.md §2.11: the leader grants an
 *                       after-reboot rejoin without the new kernel boot
 *                       and the fresh lease (a daemon restart passes).
 *   rejoin-no-guard     design.md §2.11: the flapping guard never trips.
 *   rejoin-any-fence    rule 11: a rejoin ends the node's fence whatever
 *                       fence it names (a recorded REJOIN replayed later
 *                       ends a fence nobody asked to end).
 *   guard-spares-follower rule 10: a follower whose clock guard fails
 *                       accepts grants (its deadline a + R then runs on a
 *                       clock beyond ρ).
 */
#ifndef QF_CORE_MUTATION_H
#define QF_CORE_MUTATION_H

enum qf_mutation {
	QF_MUT_NONE = 0,
	QF_MUT_ANCHOR_ON_RECEIPT,
	QF_MUT_SKIP_WAIT,
	QF_MUT_GRANT_WITHOUT_QUORUM,
	QF_MUT_ACK_AFTER_VOTE,
	QF_MUT_ACK_BY_ARRIVAL,
	QF_MUT_NO_BOOT_NONCE,
	QF_MUT_GRANT_TO_FENCED,
	QF_MUT_FENCE_CHECK_ON_PROPOSE_ONLY,
	QF_MUT_W_WITHOUT_DRIFT,
	QF_MUT_GUARD_SPARES_LEADER,
	QF_MUT_SKIP_TIMING_CHECK,
	QF_MUT_PR_NO_RECORD,
	QF_MUT_PR_MINORITY_PREEMPT,
	QF_MUT_PR_REREGISTER,
	QF_MUT_TIMING_NO_COVER,
	QF_MUT_TIMING_EARLY_DONE,
	QF_MUT_REJOIN_NO_REBOOT_CHECK,
	QF_MUT_REJOIN_NO_GUARD,
	QF_MUT_REJOIN_ANY_FENCE,
	QF_MUT_GUARD_SPARES_FOLLOWER,
	__QF_MUT_LAST,
};

/* Name <-> value ("skip-wait" <-> QF_MUT_SKIP_WAIT); available in every
 * build so tools can print names. qf_mutation_parse returns -1 if unknown. */
const char *qf_mutation_name(enum qf_mutation m);
int qf_mutation_parse(const char *name);

#ifdef QF_MUTATIONS
extern enum qf_mutation qf_mutation;
#define QF_MUTATED(m)	(qf_mutation == (m))
#else
#define QF_MUTATED(m)	0
#endif

#endif /* QF_CORE_MUTATION_H */
