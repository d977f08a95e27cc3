/* SPDX-License-Identifier: MIT */
/*
 * qfence Raft core: the pure state machine of quorumd (design.md §2, §4).
 *
 * API changes (additions are listed here too; nothing removed so far):
 *   v1  initial interface.
 *   v2  struct qf_ready gains lease_fenced: deadline 0 alone now means "no
 *       new deadline", lease_fenced means "fence now" (NODE_FENCED(self)).
 *   v3  struct qf_state gains max_gen; qf_bootstrap's snapshot now has
 *       index 1, term 1 (so a new node, empty at index 0, gets the
 *       bootstrap configuration by snapshot; a caller that mirrors the
 *       log must start its mirror at snap.index, not 0); qf_raft_init
 *       accepts hs.term < snap.term (the term then starts at snap.term).
 *   v4  qf_raft_next_tick is always later than the last now (never 0 or
 *       UINT64_MAX once started); struct qf_raft's progress array doubled
 *       (struct qf_status.progress too); codec.h (wire encoding) added.
 *   v5  qf_raft_clock_guard / qf_raft_clock_bad (rule 10); struct
 *       qf_status gains clock_bad.
 *   v6  rule 9: struct qf_msg's pad is now timing (the sender's
 *       qf_timing_digest), struct qf_state gains timing (the cluster's,
 *       set by qf_bootstrap_timing); qf_raft_step returns -QF_ETIMING for
 *       a message of another timing (not acted upon); a node whose
 *       committed state records another timing serves nothing; struct
 *       qf_status gains the timing fields.
 *
 * What the leader does on its own (QF_CFG_* flags, all on by default):
 *   - AUTO_FENCE: proposes NODE_FENCED(X, g) for a member silent for
 *     timing.fence_after (reason silent), one whose acks report its own
 *     lease lapsed (lapsed), and one removed from the configuration
 *     (removed). Rule 5's waits then hold the commit.
 *   - AUTO_REJOIN: proposes NODE_JOIN(X, g') with a never used g' once
 *     NODE_FENCED(X, g) is committed and X talks to it again.
 *   - CHECK_QUORUM: steps down without a majority of acks within an
 *     election timeout; followers ignore vote requests while they hear
 *     from a leader (thesis §6.2, §9.6).
 *
 * The core does no I/O, reads no clock, draws no randomness of its own and
 * allocates nothing: the caller owns a struct qf_raft (fixed capacity) and
 * feeds it
 *
 *   qf_raft_tick(r, now)        time passed (call at least by
 *                               qf_raft_next_tick(r), earlier is harmless)
 *   qf_raft_step(r, now, msg)   a message arrived
 *   qf_raft_propose_*(...)      admin inputs
 *
 * where now is this node's local monotonic clock in ns (CLOCK_BOOTTIME for
 * the daemon; virtual for the simulator). It must never go backwards within
 * one qf_raft_init (a reboot is a new init with a new boot_id).
 *
 * Then, while qf_raft_has_ready(r), the caller takes a batch with
 * qf_raft_ready(r, &rd), handles it IN THIS ORDER and acknowledges it with
 * qf_raft_advance(r):
 *
 *   1. persist, durably (fsync): rd.hs if rd.hs_changed; rd.snap if
 *      rd.snap_changed (drop persisted entries <= rd.snap->index); then
 *      rd.entries, which replace any persisted entries with index >=
 *      rd.entries[0].index.  Term and vote must be durable before any of
 *      the batch's messages leave (design.md rule 4: no vote or ack of an old
 *      term after a restart).
 *   2. send rd.msgs (best effort: loss, delay, duplication are fine).
 *   3. apply rd.committed (the core has already applied them to its own
 *      replicated state; this is for the caller's actions and logs);
 *      rd.fences lists the NODE_FENCED records among them: only now may
 *      the fenced node's resources be recovered.
 *   4. first the timing (design.md §2.10): if rd.timing_kernel, set the
 *      kernel lease's settle time and the clock guard's ρ; if
 *      rd.timing_apply, apply rd.timing_next (the kernel's max lease must
 *      admit its L) and call qf_raft_timing_applied. Then the lease:
 *      if rd.lease_changed: if rd.lease_fenced, fence the kernel lease
 *      now (NODE_FENCED of this node committed). Otherwise a larger
 *      rd.lease_gen than the kernel's follows a committed rejoin: unfence
 *      with it first (rule 7); then, if rd.lease_deadline != 0, renew the
 *      kernel lease to that absolute local deadline (ns) for lease_gen.
 *      The core never extends a deadline past what rules 1-3 allow, and
 *      never shortens one: a lapse is the kernel's own doing.
 *
 * Pointers in rd stay valid until qf_raft_advance(). Not thread-safe.
 */
#ifndef QF_CORE_RAFT_H
#define QF_CORE_RAFT_H

#include "config.h"
#include "msg.h"

#define QF_LOG_CAP	128	/* entries kept after the snapshot */
#define QF_MAX_MSGS	(4 * QF_MAX_MEMBERS)	/* per ready batch */
#define QF_ROUNDS	32	/* heartbeat rounds whose s_k is remembered */
#define QF_MAX_FENCES	QF_MAX_MEMBERS

/* Errors returned (negated) by proposals and qf_raft_init. */
enum qf_err {
	QF_OK = 0,
	QF_EINVAL = 1,		/* bad argument */
	QF_ENOTLEADER,		/* proposals go to the leader */
	QF_EBUSY,		/* a membership or timing change is pending,
				 * or a transfer */
	QF_EAGAIN,		/* leader has not committed an entry of its term */
	QF_EFULL,		/* log full (followers lagging, no majority) */
	QF_EEXIST,		/* already a member / already fenced / pending */
	QF_ENOENT,		/* no such member */
	QF_ENOTFENCED,		/* rejoin needs NODE_FENCED(X, g) committed */
	QF_ECORRUPT,		/* persisted state inconsistent */
	QF_ETIMING,		/* another timing than this node's (rule 9) */
	QF_EWRONGGEN,		/* rejoin names another generation than the
				 * committed fenced one (rule 11) */
	QF_ENOPREEMPT,		/* not a leader that may preempt now, or no
				 * NODE_FENCED(X, g) waiting (rule 13) */
	QF_ESAMEBOOT,		/* after-reboot: no new kernel boot since the
				 * fenced generation, or the lease is not
				 * fresh (design.md §2.11) */
	QF_EFLAPPING,		/* the flapping guard: left fenced, manual
				 * rejoin only (design.md §2.11) */
	QF_ESILENT,		/* the node does not talk to this leader */
	QF_EFENCEGEN,		/* a fence names another generation than
				 * the committed one (rule 11) */
	QF_EOPFENCED,		/* fenced by an operator: only an
				 * operator's rejoin ends it (§2.11) */
	__QF_ERR_LAST
};
const char *qf_strerror(int err);	/* accepts err or -err */

/* Node states. */
enum qf_state_kind {
	QF_FOLLOWER = 0,
	QF_PRECANDIDATE,
	QF_CANDIDATE,
	QF_LEADER,
};
const char *qf_state_name(int s);

struct qf_hard_state {
	uint64_t term;
	uint32_t vote;
	uint32_t pad;
	uint64_t commit;
};

struct qf_snapshot {
	uint64_t index;		/* last entry folded into state */
	uint64_t term;
	struct qf_state state;
};

/* What a node read back from its disk at start (all zero: a new node). */
struct qf_persist {
	struct qf_hard_state hs;
	struct qf_snapshot snap;	/* index 0: bootstrap configuration */
	const struct qf_entry *entries;	/* snap.index + 1, contiguous */
	size_t n_entries;
};

/* Build the bootstrap snapshot (index 1, term 1): ids[i] with roles[i],
 * generation 1. Every initial member must be given the same list; a node
 * added later starts empty and receives it by snapshot. */
int qf_bootstrap(struct qf_snapshot *snap, const uint32_t *ids,
		 const uint8_t *roles, size_t n);
/* Record the cluster's timing in a bootstrap snapshot (design.md rule 9):
 * every initial member must be given the same timing. */
void qf_bootstrap_timing(struct qf_snapshot *snap, const struct qf_timing *t);

#define QF_CFG_AUTO_FENCE	0x01	/* leader fences silent/lapsed members */
#define QF_CFG_AUTO_REJOIN	0x02	/* leader rejoins fenced members that
					 * talk to it again (new generation) */
#define QF_CFG_CHECK_QUORUM	0x04	/* always on unless cleared in tests */

struct qf_config {
	uint32_t id;		/* this node, nonzero */
	uint32_t flags;		/* QF_CFG_*; qf_config_default sets all */
	struct qf_timing timing;
	/* The flapping guard (design.md §2.11), a leader's policy like
	 * fence_after: at most flap_max automatic rejoins of one node within
	 * flap_window_s of its proposer's wall clock; 0 = the defaults. */
	uint32_t flap_max;
	uint32_t flap_window_s;
	/* Design.md rule 13, a leader's policy like fence_after: the silence
	 * after which a member is declared lost where this node fences by
	 * reservation (the daemon sets it only with a pr_device); 0 =
	 * fence_after. Only ever shortens fence_after, never below
	 * election_min. Without a preempt the record still waits W. */
	qf_ns pr_fence_after;
};
void qf_config_default(struct qf_config *c, uint32_t id);

typedef uint64_t (*qf_rand_fn)(void *arg);

/* How a committed NODE_FENCED was made safe (design.md rules 5, 13). */
enum qf_fence_method {
	QF_FENCE_BY_WAIT = 1,	/* rule 5: W waited out */
	QF_FENCE_BY_PR,		/* rule 13: PREEMPTED(X, g) committed with it */
};

struct qf_fence_decision {
	uint32_t node;
	uint8_t reason;		/* enum qf_fence_reason */
	uint64_t gen;
	uint64_t index;		/* log index of the committed record */
	uint8_t method;		/* enum qf_fence_method; 0 = learnt from a
				 * snapshot, not known */
};

struct qf_ready {
	bool hs_changed;
	bool snap_changed;
	bool lease_changed;
	struct qf_hard_state hs;
	const struct qf_snapshot *snap;
	const struct qf_entry *entries;
	size_t n_entries;
	const struct qf_msg *msgs;
	size_t n_msgs;
	const struct qf_entry *committed;
	size_t n_committed;
	const struct qf_fence_decision *fences;
	size_t n_fences;
	qf_ns lease_deadline;	/* 0 = no lease yet for lease_gen */
	uint64_t lease_gen;
	bool lease_fenced;	/* NODE_FENCED(self, lease_gen) committed:
				 * fence now, renew nothing until a rejoin */
	/* design.md §2.10: a timing change is committed and this node does
	 * not run it yet. Apply timing_next locally (the kernel lease's
	 * settle_ms and max_lease_ms, the clock guard's ρ), then call
	 * qf_raft_timing_applied(r, now, timing_apply). Handled before the
	 * lease (step 4), with timing_kernel below. 0 = nothing to apply. */
	uint32_t timing_apply;
	struct qf_timing timing_next;
	/* design.md §2.10: if timing_kernel, set the kernel lease's settle
	 * time (SETTLE_MS) and the clock guard's ρ to these: while a change
	 * is in progress an applied node enforces the stricter of the old
	 * and the new values, the new ones alone once it is done. */
	bool timing_kernel;
	qf_ns timing_settle;
	uint32_t timing_rho_ppm;
	/* soft state, for logs */
	uint32_t leader;
	uint8_t state;		/* enum qf_state_kind */
};

/* Leader's view of one member (also the status of a peer). */
struct qf_progress {
	uint32_t id;
	bool active;		/* acked since the last CheckQuorum */
	bool has_echo;		/* echo_boot/echo_a valid */
	bool lapsed;		/* reported QF_MF_LAPSED for gen lapsed_gen */
	uint64_t match;
	uint64_t next;
	uint64_t acked_round;	/* newest round k acked in this term */
	qf_ns last_ack;		/* local time of the last ack (E_el at start) */
	qf_ns joined;		/* a rejoin proposed: silence counts from here */
	uint64_t echo_boot;	/* newest (boot_id, a) from this member */
	qf_ns echo_a;
	qf_ns last_grant;	/* rule 5: time of last grant to (id, grant_gen) */
	uint64_t grant_gen;	/* 0 = none this term */
	uint64_t lapsed_gen;
	qf_ns snap_sent;	/* throttle snapshots */
	uint32_t timing;	/* the digest of its last ack (§2.10) */
};

struct qf_status {
	uint32_t id;
	uint32_t leader;
	uint8_t state;
	uint64_t term;
	uint32_t vote;
	uint64_t first_index;	/* snapshot index + 1 */
	uint64_t last_index;
	uint64_t commit;
	uint64_t round;		/* leader: current round k */
	qf_ns q;		/* leader: quorum time (0 = none yet) */
	qf_ns e_el;		/* leader: when it won its election */
	qf_ns lease_deadline;	/* this node's own deadline, 0 = none */
	uint64_t gen;		/* this node's generation (0 = not a member) */
	bool fenced;		/* NODE_FENCED(self, gen) applied */
	bool lapsed;		/* own lease ran out (kernel latched) */
	bool clock_bad;		/* the clock guard's verdict: beyond ρ */
	uint32_t timing;	/* this node's timing digest (rule 9) */
	uint32_t timing_cluster;	/* the committed state's, 0 = none */
	bool timing_bad;	/* they differ: this node serves nothing */
	uint64_t timing_refused;	/* messages of another timing */
	uint32_t timing_peer;	/* the last sender of one, and its digest */
	uint32_t timing_peer_digest;
	uint32_t timing_next;	/* a committed change in progress, 0 = none */
	qf_ns timing_wait;	/* the W this node decides with now */
	struct qf_timing timing_run;	/* the timing it runs (the cover
					 * during a change, §2.10) */
	size_t n_progress;	/* leader: peers */
	struct qf_progress progress[2 * QF_MAX_MEMBERS];
	const struct qf_state *state_machine;
};

/* ---- everything below is private to the core; use the functions ---- */

struct qf_log {
	struct qf_entry ring[QF_LOG_CAP];	/* index % QF_LOG_CAP */
	struct qf_snapshot snap;	/* state at snap.index */
	uint64_t last;		/* last index (snap.index if empty) */
	uint64_t stable;	/* persisted through */
	uint64_t commit;
	uint64_t reported;	/* committed entries handed out through */
};

struct qf_vote {
	uint32_t id;
	int8_t granted;		/* 1 yes, 0 no */
};

struct qf_raft {
	/* configuration */
	uint32_t id;
	uint32_t flap_max;	/* design.md §2.11, resolved defaults */
	uint32_t flap_window_s;
	uint32_t flags;
	struct qf_timing t;
	qf_ns wait;		/* W, rule 5 */
	uint64_t boot_id;
	qf_rand_fn rand;
	void *rand_arg;

	/* Raft state (thesis §3) */
	uint64_t term;
	uint32_t vote;
	uint32_t leader;
	uint8_t state;
	bool started;		/* timers armed by the first tick/step */
	qf_ns now;		/* last time seen */
	qf_ns election_due;
	qf_ns heartbeat_due;
	qf_ns check_quorum_due;
	qf_ns leader_contact;	/* last message from the current leader */
	uint32_t prev_leader;	/* the leader before, and our last message */
	qf_ns prev_contact;	/* from it: its silence as a new leader sees it */
	qf_ns pr_fence_after;	/* resolved (qf_config), 0 = fence_after */
	size_t n_votes;
	struct qf_vote votes[QF_MAX_VOTERS];

	struct qf_log log;
	struct qf_state st;	/* replicated state at log.commit */
	struct qf_state cfg;	/* membership as of the last log entry */

	/* leader (thesis §3.5, §4) */
	struct qf_progress pr[2 * QF_MAX_MEMBERS];
	size_t n_pr;
	uint64_t term_start;	/* index of this leader's first entry */
	uint32_t transferee;
	qf_ns transfer_due;

	/* lease, leader side (rules 1, 2, 5) */
	uint64_t round;		/* k of the newest round sent */
	qf_ns round_sent[QF_ROUNDS];	/* s_k by k % QF_ROUNDS */
	qf_ns q;		/* quorum time, 0 = none in this term */
	uint64_t q_round;
	qf_ns e_el;		/* E_el: majority of votes received */

	/* lease, own (rules 1, 3) */
	qf_ns deadline;		/* current own deadline, 0 = none */
	uint64_t lease_gen;	/* generation the deadline is for */
	qf_ns newest_a;		/* newest accepted echo a (this boot) */
	uint64_t lapsed_gen;	/* own lease of this gen ran out */
	bool lease_dirty;
	bool self_fenced;	/* NODE_FENCED(self, lease_gen) applied */

	/* rule 10: the caller's clock guard says this clock is beyond ρ */
	bool clock_bad;

	/* rule 9: one timing for the whole cluster; t above is what this
	 * node runs (the cover during a change, design.md §2.10), own is
	 * its own timing (the configured one, then the applied one) */
	struct qf_timing own;
	uint32_t timing;	/* qf_timing_digest of own */
	uint32_t timing_want;	/* committed change this node must apply */
	bool timing_want_dirty;	/* ... not yet in a ready batch */
	qf_ns timing_all_at;	/* leader: every member applied since */
	qf_ns kernel_settle;	/* F and ρ this node enforces (§2.10) */
	uint32_t kernel_rho_ppm;
	bool kernel_dirty;
	uint64_t timing_all_term;
	bool timing_bad;	/* the committed state records another one */
	uint64_t timing_refused;	/* messages not acted upon */
	uint32_t timing_peer;	/* last sender with another timing */
	uint32_t timing_peer_digest;

	/* ready batch under construction */
	struct qf_hard_state hs_reported;
	bool snap_dirty;
	size_t n_msgs;
	struct qf_msg msgs[QF_MAX_MSGS];
	size_t n_fences;
	struct qf_fence_decision fences[QF_MAX_FENCES];
	uint64_t dropped_msgs;	/* batch overflow (counted, like loss) */

	/* ready batch handed out (valid until advance) */
	bool rd_out;
	uint64_t rd_last;	/* entries handed out through */
	uint64_t rd_commit;	/* committed entries handed out through */
	size_t rd_msgs;
	size_t rd_fences;
	struct qf_entry rd_entries[QF_LOG_CAP];
	struct qf_entry rd_committed[QF_LOG_CAP];
	struct qf_msg rd_msgbuf[QF_MAX_MSGS];
	struct qf_fence_decision rd_fencebuf[QF_MAX_FENCES];
};

/*
 * Start from persisted state. cfg->timing must pass qf_timing_validate
 * (else -QF_EINVAL). boot_id: a fresh value per daemon start (rule 3),
 * nonzero; quorumd's only grows (rule 11), the core only compares it. rand: the only source of randomness (election timeouts).
 */
int qf_raft_init(struct qf_raft *r, const struct qf_config *cfg,
		 const struct qf_persist *ps, uint64_t boot_id,
		 qf_rand_fn rand, void *rand_arg);

void qf_raft_tick(struct qf_raft *r, qf_ns now);
/* Returns 0, -QF_EINVAL (malformed message: dropped, nothing changed) or
 * -QF_ETIMING (another timing than ours, or ours is not the cluster's:
 * not acted upon, counted in qf_status.timing_refused; rule 9). */
int qf_raft_step(struct qf_raft *r, qf_ns now, const struct qf_msg *m);
/* The earliest local time at which qf_raft_tick has something to do:
 * always after the last now seen (at most election_max later), or the
 * last now itself before the first tick. */
qf_ns qf_raft_next_tick(const struct qf_raft *r);

bool qf_raft_has_ready(const struct qf_raft *r);
void qf_raft_ready(struct qf_raft *r, struct qf_ready *rd);
void qf_raft_advance(struct qf_raft *r);

/* Admin inputs, on the leader (others get -QF_ENOTLEADER). Return 0 when
 * the entry was appended; completion = it shows up in rd.committed. */
int qf_raft_propose_add(struct qf_raft *r, qf_ns now, uint32_t id,
			uint8_t role, const struct qf_addr *addrs,
			size_t n_addrs);
int qf_raft_propose_remove(struct qf_raft *r, qf_ns now, uint32_t id);
/* "Fence X now": stops grants to X at once (the entry is in the log, rule
 * 3), then the commit waits out rule 5's W, then it commits. */
int qf_raft_propose_fence(struct qf_raft *r, qf_ns now, uint32_t id,
			  uint8_t reason);
/* The same for generation gen of X only (0: the committed one); any other
 * is -QF_EFENCEGEN: a forwarded fence names the generation it fences
 * (design.md rule 11), so a replayed one cannot fence a later one. */
int qf_raft_propose_fence_gen(struct qf_raft *r, qf_ns now, uint32_t id,
			      uint64_t gen, uint8_t reason);
/* Rejoin X with a new, larger generation; needs NODE_FENCED(X, g)
 * committed and fenced_gen == g: a REJOIN names the fenced generation it
 * ends (design.md rule 11), so a recorded one cannot end a later fence. */
int qf_raft_propose_join(struct qf_raft *r, qf_ns now, uint32_t id,
			 uint64_t fenced_gen);

/*
 * An automatic rejoin asked for by the fenced node itself (design.md
 * §2.11), with the evidence its policy needs. The node's request travels
 * authenticated (infra wire.h) and names the fenced generation (rule 11);
 * boot binds it to one kernel boot, so a recorded request cannot rejoin a
 * later fence or a node that did not boot again.
 */
struct qf_join_req {
	uint32_t node;
	uint8_t reason;		/* QF_JOIN_AFTER_REBOOT or QF_JOIN_WHEN_IDLE */
	bool lease_fresh;	/* after-reboot: the kernel lease was created
				 * in this boot and never armed with
				 * fenced_gen */
	uint64_t fenced_gen;	/* the committed fence it ends (rule 11) */
	uint32_t boot;		/* the node's kernel boot now, nonzero */
	uint32_t armed_boot;	/* the kernel boot in which the node last
				 * armed a lease (its own durable record),
				 * 0 = never */
};

/*
 * The leader decides: the member is fenced (committed) at fenced_gen,
 * talks to this leader now, the flapping guard has not tripped (wall_s:
 * this leader's wall clock, used for the guard's window only, never for
 * safety) and, for after-reboot, boot differs from armed_boot and from the
 * boot the fenced generation was granted to, and the lease is fresh.
 * Appends NODE_JOIN(X, max_gen + 1, reason) (rule 7). Refusals:
 * -QF_ENOTLEADER, -QF_ENOENT, -QF_ENOTFENCED, -QF_EEXIST (pending),
 * -QF_EWRONGGEN, -QF_EINVAL (reason), -QF_ESILENT, -QF_ESAMEBOOT,
 * -QF_EFLAPPING; the state is unchanged by each.
 */
int qf_raft_propose_auto_join(struct qf_raft *r, qf_ns now, uint64_t wall_s,
			      const struct qf_join_req *q);
/* Would the flapping guard refuse member id's next automatic rejoin at
 * wall_s (status, logs)? */
bool qf_raft_flapping(const struct qf_raft *r, uint32_t id, uint64_t wall_s);
/* Leadership transfer (thesis §3.10). */
int qf_raft_transfer(struct qf_raft *r, qf_ns now, uint32_t to);
/* Start an election now (tests, operator "campaign"). */
int qf_raft_campaign(struct qf_raft *r, qf_ns now);
/* The kernel reports this node's lease of generation gen fenced (expired,
 * or a manual fence): never renew gen again; acks say so. */
void qf_raft_lapsed(struct qf_raft *r, qf_ns now, uint64_t gen);
/*
 * The clock guard's verdict (design.md rule 10; the daemon's adjtimex check):
 * ok = false while this node's clock rate is beyond ρ. Until it is ok
 * again the node grants nothing, commits no NODE_FENCED, leads not (a
 * leader steps down at once), campaigns not and accepts no grant; it
 * still votes and acks (see guard.c). Call it whenever the guard is
 * checked, before the tick or step it should govern. Starts ok.
 */
void qf_raft_clock_guard(struct qf_raft *r, qf_ns now, bool ok);
bool qf_raft_clock_bad(const struct qf_raft *r);
/*
 * The committed timing change (design.md §2.10, rule 9). On the leader:
 * validates t (qf_timing_validate, whole milliseconds, the cover of the
 * current and the new timing too) and appends TIMING_BEGIN(t). 0, or
 * -QF_ENOTLEADER, -QF_EAGAIN (no entry of this term committed yet),
 * -QF_EBUSY (a change of timing or membership in progress), -QF_EEXIST
 * (already the cluster's timing), -QF_ENOENT (no recorded timing: a state
 * from before rule 9), -QF_EINVAL with the reason in why[len]. Nothing
 * changes unless it returns 0.
 */
int qf_raft_propose_timing(struct qf_raft *r, qf_ns now,
			   const struct qf_timing *t, char *why, size_t len);
/* The caller applied rd.timing_apply (kernel lease and guard): this node
 * now runs the new timing; its acks say so. -QF_EINVAL if digest is not
 * the committed change in progress. */
int qf_raft_timing_applied(struct qf_raft *r, qf_ns now, uint32_t digest);
/* Is a NODE_FENCED(id, gen or newer) in the log, committed or not? */
bool qf_raft_fence_in_log(const struct qf_raft *r, uint32_t id, uint64_t gen);

/*
 * The storage fence (design.md rule 13, §2.9; pr.c).
 *
 * qf_raft_may_preempt: is this node a leader that may preempt now - the
 * checks that let it grant (a majority round within L, rule 2; rule 10's
 * guard; rule 9's timing)? The daemon asks before it starts a preempt
 * and again before it proposes the record.
 * qf_raft_propose_preempted: the preempt of (X, g)'s key succeeded and was
 * read back on all n_paths pr_devices; appends PREEMPTED(X, g), which lets
 * a NODE_FENCED(X, g) before it commit without W. -QF_ENOPREEMPT if this
 * leader may not preempt or no uncommitted NODE_FENCED(X, g) is in its
 * log, -QF_EEXIST if the record is already there, -QF_EINVAL for n_paths 0.
 * qf_raft_pr_gen: the generation whose key this node may hold on the
 * storage: its own, committed, in the configuration, not fenced; else 0.
 */
bool qf_raft_may_preempt(const struct qf_raft *r, qf_ns now);
int qf_raft_propose_preempted(struct qf_raft *r, qf_ns now, uint32_t id,
			      uint64_t gen, unsigned int n_paths);
uint64_t qf_raft_pr_gen(const struct qf_raft *r);
/* The NODE_FENCED(X, g) records in the log waiting for a preempt (not
 * committed, no PREEMPTED after them): up to max, returns the count. */
size_t qf_raft_pr_pending(const struct qf_raft *r, uint32_t *ids,
			  uint64_t *gens, size_t max);

void qf_raft_status(const struct qf_raft *r, struct qf_status *st);
/* Member record in the committed state, or NULL. */
const struct qf_member *qf_state_find(const struct qf_state *s, uint32_t id);

#endif /* QF_CORE_RAFT_H */
