/* SPDX-License-Identifier: MIT */
/*
 * Majority arithmetic, alone (etcd raft's quorum/majority.go). Used for the
 * commit index (thesis §3.6), vote tallies (§3.4) and lease rounds (design.md
 * rule 2: the newest round acked by a majority).
 */
#ifndef QF_CORE_QUORUM_H
#define QF_CORE_QUORUM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum qf_vote_result {
	QF_VOTE_PENDING = 0,
	QF_VOTE_WON,
	QF_VOTE_LOST,
};

/* Size of a majority of n voters: n/2 + 1 (0 voters: 1, never reached). */
size_t qf_quorum_size(size_t n);

/* True if count of n voters is a majority. */
bool qf_quorum_has(size_t count, size_t n);

/*
 * The largest value v such that a majority of vals[0..n) are >= v, i.e.
 * the index committed by those match indexes, or the newest round acked by
 * a majority. 0 when n == 0. vals is not modified. n <= 32.
 */
uint64_t qf_quorum_index(const uint64_t *vals, size_t n);

/* Outcome of an election with yes/no votes among n voters. */
enum qf_vote_result qf_quorum_vote(size_t yes, size_t no, size_t n);

#endif /* QF_CORE_QUORUM_H */
