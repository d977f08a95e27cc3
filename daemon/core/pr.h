/* SPDX-License-Identifier: MIT */
/*
 * The storage fence's pure parts (design.md rule 13, §2.9): the key scheme
 * and the registration lifecycle of one node. No I/O: the daemon's PR
 * worker and the simulator's storage model drive them.
 */
#ifndef QF_CORE_PR_H
#define QF_CORE_PR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* 16 bits of the cluster name: FNV-1a 32, folded, never 0. */
uint16_t qf_pr_cluster_hash(const char *name);
/*
 * Key of (cluster, node, generation): cluster 16 | node 16 | gen 32, never
 * 0. Returns 0 and sets *key, or -QF_EINVAL when id is 0 or above 16 bits,
 * or gen is 0 or above 32 bits (no key: the node stays on the lease fence).
 */
int qf_pr_key(uint16_t cluster, uint32_t id, uint64_t gen, uint64_t *key);
/* The generation a key carries (its low 32 bits). */
static inline uint32_t qf_pr_key_gen(uint64_t key)
{
	return (uint32_t)key;
}

/*
 * One node's registration, as the storage should see it. key: the key this
 * node registered (0: none); lost_gen: the newest generation whose key the
 * storage removed - no key of that generation or an older one is ever
 * registered again (rule 13: only a new committed generation gives a new
 * key).
 */
struct qf_pr_reg {
	uint64_t key;
	uint64_t lost_gen;
};

enum qf_pr_action {
	QF_PR_NOTHING = 0,
	QF_PR_REGISTER,		/* register want (replacing key, if any) */
	QF_PR_LOST,		/* our key is gone: we were preempted */
};

/*
 * The next step for this node. gen: qf_raft_pr_gen (0 = may hold no key);
 * present: whether the storage shows our registered key on every path (read
 * back by the caller; ignored while key is 0). On QF_PR_REGISTER *want is
 * the key to register; the caller sets reg->key = *want once every path
 * accepted it. QF_PR_LOST updates reg itself.
 */
enum qf_pr_action qf_pr_reg_step(struct qf_pr_reg *reg, uint16_t cluster,
				 uint32_t id, uint64_t gen, bool present,
				 uint64_t *want);

#endif /* QF_CORE_PR_H */
