/* SPDX-License-Identifier: MIT */
/*
 * qfence Raft core: the plain data the core exchanges with its caller.
 *
 * Log entries, the tiny replicated state and the messages between nodes are
 * fixed-size structs without pointers, so a caller can copy, queue, drop,
 * duplicate or serialize them freely (the simulator does all of these).
 * Integers are host order; a transport serializes them itself.
 *
 * Time is always a node's own local monotonic clock (CLOCK_BOOTTIME in the
 * daemon), in nanoseconds. Times of different nodes are never compared; the
 * only times that cross the wire are echoes of the receiver's own clock
 * (design.md §2 rule 3: the `a` of an ack comes back in the grant).
 */
#ifndef QF_CORE_MSG_H
#define QF_CORE_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef uint64_t qf_ns;		/* local monotonic clock, nanoseconds */

#define QF_MAX_VOTERS	9	/* members of the configuration */
#define QF_MAX_MEMBERS	16	/* slots: members + removed, not yet fenced */
#define QF_MAX_ADDRS	2	/* redundant links per node */
#define QF_MSG_ENTRIES	4	/* entries carried by one append */

/* Member roles. A witness votes and acks but holds no lease (design.md §4). */
enum qf_role {
	QF_ROLE_VOTER = 1,
	QF_ROLE_WITNESS = 2,
};

/* Reasons carried by NODE_FENCED. */
enum qf_fence_reason {
	QF_FENCE_SILENT = 1,	/* no ack for fence_after: lost to the majority */
	QF_FENCE_ADMIN = 2,	/* operator: "fence X now" */
	QF_FENCE_REMOVED = 3,	/* removed from the configuration */
	QF_FENCE_LAPSED = 4,	/* the node reported its own lease lapsed */
};
#define QF_FENCE_REASONS 5	/* reasons are 1 .. QF_FENCE_REASONS - 1 */

/*
 * Why a NODE_JOIN was committed (its reason byte; design.md §2.11). Rule 7
 * holds for each: a new generation committed by the majority. The automatic
 * ones are asked for by the fenced node itself with its evidence and
 * decided by the leader (daemon/core/rejoin.c).
 */
enum qf_join_reason {
	QF_JOIN_ADMIN = 0,		/* `quorumctl rejoin` (or the legacy
					 * AUTO_REJOIN flag of tests) */
	QF_JOIN_AFTER_REBOOT = 1,	/* a new kernel boot, a fresh lease */
	QF_JOIN_WHEN_IDLE = 2,		/* no opener, no mount, cache dropped */
	__QF_JOIN_LAST,
};

/* A binary address: family 0 (unused), 4 or 6; ip in network order. */
struct qf_addr {
	uint8_t family;
	uint8_t pad;
	uint16_t port;
	uint8_t ip[16];
};

/*
 * Replicated state, one slot per node. A node is "fenced" when
 * fenced_gen >= gen: a NODE_FENCED(id, gen) has been applied and no
 * NODE_JOIN has issued a larger generation since.
 */
#define QF_MF_IN_CONFIG	0x01	/* votes / acks (and, if a voter, leases) */
#define QF_MF_TIMING_APPLIED 0x02	/* TIMING_APPLIED(id) of the timing
					 * change in progress was applied
					 * (design.md §2.10) */

struct qf_member {
	uint32_t id;		/* 0 = free slot */
	uint8_t role;		/* enum qf_role */
	uint8_t flags;		/* QF_MF_* */
	uint8_t fence_reason;	/* of the last NODE_FENCED applied */
	uint8_t n_addrs;
	uint64_t gen;		/* current generation, >= 1 */
	uint64_t fenced_gen;	/* last generation fenced, 0 = never */
	struct qf_addr addrs[QF_MAX_ADDRS];
	/* Of the last NODE_JOIN applied (design.md §2.11): */
	uint8_t join_reason;	/* enum qf_join_reason */
	uint8_t auto_joins;	/* automatic rejoins in the flapping window */
	uint8_t pad2[2];
	uint32_t join_boot;	/* kernel boot (qf_boot32) the generation was
				 * granted to (after-reboot), 0 = not known */
	uint32_t window_s;	/* proposer's wall clock (s) when the
				 * flapping window of auto_joins opened */
};

/*
 * Kernel boots are named by a 32-bit digest of the boot id (the daemon
 * hashes /proc/sys/kernel/random/boot_id; never 0). Only equality is ever
 * tested, and an equal digest refuses an after-reboot rejoin: a collision
 * costs one automatic rejoin, never safety (design.md §2.11).
 */

/* The cluster's timing as recorded (rule 9), in ms (rho in ppm), so that
 * a node with other values can say which ones the cluster runs. */
struct qf_timing_rec {
	uint32_t heartbeat_ms, election_min_ms, election_max_ms, margin_ms;
	uint32_t lease_ms, settle_ms, rho_ppm, wait_ms;
};

struct qf_state {
	struct qf_member m[QF_MAX_MEMBERS];
	uint64_t max_gen;	/* largest generation ever issued: NODE_ADD
				 * and NODE_JOIN take max_gen + 1, so an id
				 * that returns never reuses a fenced one */
	uint32_t timing;	/* the cluster's qf_timing_digest, recorded
				 * at bootstrap (rule 9); 0 = not recorded
				 * (a state from before it was) */
	uint32_t timing_next;	/* a committed timing change in progress
				 * (TIMING_BEGIN applied, TIMING_DONE not
				 * yet): its digest; 0 = none (§2.10) */
	struct qf_timing_rec timing_rec;	/* its values (0 with it) */
	struct qf_timing_rec timing_next_rec;	/* timing_next's values */
	/* Committed records, counted as they are applied: every node that
	 * applied the same log reports the same numbers, and a restart that
	 * replays the log after its snapshot counts each record once. */
	uint32_t fenced[QF_FENCE_REASONS];	/* NODE_FENCED by reason
						 * ([0]: unused) */
	uint32_t preempted;			/* PREEMPTED (rule 13) */
};

/* Log entries. */
enum qf_entry_type {
	QF_ENT_NOOP = 1,	/* a new leader's entry of its own term */
	QF_ENT_NODE_ADD,	/* node, role, addrs: joins the configuration */
	QF_ENT_NODE_REMOVE,	/* node: leaves the configuration */
	QF_ENT_NODE_JOIN,	/* node, gen: a rejoin issuing a larger generation */
	QF_ENT_NODE_FENCED,	/* node, gen, reason */
	QF_ENT_PREEMPTED,	/* node, gen, reason = paths preempted: the
				 * leader's PREEMPT AND ABORT of (node, gen)'s
				 * key succeeded and was read back on every
				 * pr_device (design.md rule 13) */
	QF_ENT_TIMING_BEGIN,	/* gen = the new timing's digest, timing = its
				 * values: the change starts (design.md §2.10) */
	QF_ENT_TIMING_APPLIED,	/* node, gen = digest: node runs the new
				 * timing (kernel lease and clock guard too) */
	QF_ENT_TIMING_DONE,	/* gen = digest: the new timing alone from here */
	__QF_ENT_LAST,
};

struct qf_entry {
	uint64_t term;
	uint64_t index;
	uint8_t type;		/* enum qf_entry_type */
	uint8_t role;		/* NODE_ADD */
	uint8_t reason;		/* NODE_FENCED; PREEMPTED: paths */
	uint8_t n_addrs;	/* NODE_ADD */
	uint32_t node;
	uint64_t gen;		/* NODE_JOIN, NODE_FENCED, PREEMPTED
				 * (NODE_ADD: initial); TIMING_*: digest */
	union {
		struct qf_addr addrs[QF_MAX_ADDRS];	/* NODE_ADD */
		struct qf_timing_rec timing;	/* TIMING_BEGIN */
	};
	/* NODE_JOIN only (reason = enum qf_join_reason), the member's new
	 * join_boot, auto_joins and window_s, decided by the leader so that
	 * applying the entry is the same on every node (design.md §2.11). */
	uint8_t auto_joins;
	uint8_t pad2[3];
	uint32_t boot;
	uint32_t window_s;
};

/* Messages. */
enum qf_msg_type {
	QF_MSG_NONE = 0,
	QF_MSG_PREVOTE,		/* term = candidate's term + 1, index/log_term = last */
	QF_MSG_PREVOTE_RESP,	/* term echoes the request's term; REJECT flag */
	QF_MSG_VOTE,		/* term, index/log_term = last; FORCE on transfer */
	QF_MSG_VOTE_RESP,	/* REJECT flag */
	QF_MSG_APPEND,		/* append / heartbeat of round k */
	QF_MSG_APPEND_RESP,	/* the ack: echoes round k, term, (boot_id, a) */
	QF_MSG_SNAPSHOT,	/* like APPEND, carrying the state instead */
	QF_MSG_GRANT,		/* lease grant: (boot_id, a, gen, r) */
	QF_MSG_TIMEOUT_NOW,	/* leadership transfer: campaign now */
	__QF_MSG_LAST,
};

#define QF_MF_REJECT	0x01	/* responses: refused */
#define QF_MF_FORCE	0x02	/* VOTE: transfer, ignore leader stickiness */
#define QF_MF_LAPSED	0x04	/* APPEND_RESP: my lease of generation gen lapsed */

/*
 * Fields by type (unused fields are zero; every message carries timing,
 * the digest of the cluster's committed timing as the sender knows it,
 * and is not acted upon unless the receiver's state or log records that
 * timing too, design.md rule 9; during a timing change timing_own is the
 * timing the sender runs itself, which the leader reads from acks,
 * §2.10):
 *
 * PREVOTE, VOTE        index = last log index, log_term = its term.
 * APPEND               index = prev log index, log_term = its term,
 *                      commit, round = k (the leader's current heartbeat
 *                      round; its send time s_k stays on the leader, rule
 *                      2), n_entries, u.entries.
 * APPEND_RESP          index = last index matching (success) or a hint
 *                      for the next try (REJECT), round = echoed k,
 *                      boot_id + a = this node's boot and clock when it
 *                      made the ack (rule 3), gen = its generation.
 *                      A REJECT with a term above the leader's ends it.
 * SNAPSHOT             index/log_term = snapshot's last entry, commit,
 *                      round, u.snap.
 * GRANT                boot_id + a = the newest echo the leader holds from
 *                      `to`, gen, r = q + L - g_t (rule 3).
 * TIMEOUT_NOW          term.
 */
struct qf_msg {
	uint8_t type;		/* enum qf_msg_type */
	uint8_t flags;		/* QF_MF_* */
	uint16_t n_entries;
	uint32_t from;
	uint32_t to;
	uint32_t timing;	/* the cluster's timing as the sender's state
				 * records it (rule 9): the committed one;
				 * its own if it serves nothing */
	uint32_t timing_own;	/* the sender's own timing if it differs
				 * (during a change, design.md §2.10); 0 */
	uint64_t term;
	uint64_t index;
	uint64_t log_term;
	uint64_t commit;
	uint64_t round;
	uint64_t boot_id;
	qf_ns a;
	uint64_t gen;
	qf_ns r;
	union {
		struct qf_entry entries[QF_MSG_ENTRIES];
		struct qf_state snap;
	} u;
};

const char *qf_msg_type_name(int type);
const char *qf_entry_type_name(int type);
/* "admin", "after-reboot", "when-idle"; NULL if unknown. */
const char *qf_join_reason_name(int reason);

#endif /* QF_CORE_MSG_H */
