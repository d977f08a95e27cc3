/* SPDX-License-Identifier: MIT */
/*
 * Private interface between the files of the Raft core. One file per
 * concern (canonical/raft style):
 *   raft.c        init, tick, step dispatch, ready/advance, status
 *   election.c    PreVote, votes, role changes, CheckQuorum (thesis §3.4,
 *                 §9.6, §6.2)
 *   replication.c append, acks, commit rule, snapshots (thesis §3.5, §3.6,
 *                 §5)
 *   log.c         the bounded in-memory log
 *   state.c       the replicated state machine
 *   membership.c  single-server changes, transfer (thesis §4, §3.10)
 *   lease.c       rounds, acks, grants, deadlines (design.md rules 1-3)
 *   fence.c       NODE_FENCED and its W waits, rejoin (rules 3, 5, 7)
 *   rejoin.c      automatic rejoin by policy, the flapping guard
 *                 (design.md §2.11)
 *   pr.c          the storage fence: preempt permission, PREEMPTED, keys,
 *                 registration (rule 13)
 *   quorum.c      majority arithmetic alone
 *   guard.c       the clock guard's verdict (rule 10)
 *   timing.c      one cluster timing and its committed change (rule 9,
 *                 §2.10)
 *   config.c      timing validation
 */
#ifndef QF_CORE_INTERNAL_H
#define QF_CORE_INTERNAL_H

#include "mutation.h"
#include "quorum.h"
#include "raft.h"

/* log.c */
void log_reset(struct qf_log *l, const struct qf_snapshot *snap);
struct qf_entry *log_at(struct qf_log *l, uint64_t index);
const struct qf_entry *log_get(const struct qf_log *l, uint64_t index);
bool log_term(const struct qf_log *l, uint64_t index, uint64_t *term);
uint64_t log_last_term(const struct qf_log *l);
bool log_full(const struct qf_log *l);
int log_append(struct qf_log *l, const struct qf_entry *e);
void log_truncate(struct qf_log *l, uint64_t from);
bool log_up_to_date(const struct qf_log *l, uint64_t index, uint64_t term);
void log_compact(struct qf_log *l, uint64_t upto);

/* state.c */
void state_apply(struct qf_state *s, const struct qf_entry *e);
struct qf_member *state_find_mut(struct qf_state *s, uint32_t id);
bool member_in_config(const struct qf_member *m);
bool member_fenced(const struct qf_member *m);
size_t state_config(const struct qf_state *s, uint32_t *ids);
size_t state_free_slots(const struct qf_state *s);

/* raft.c */
void raft_send(struct qf_raft *r, const struct qf_msg *m);
void raft_msg_init(struct qf_raft *r, struct qf_msg *m, int type,
		   uint32_t to);
qf_ns raft_rand_election(struct qf_raft *r);
const struct qf_member *raft_self(const struct qf_raft *r);
bool raft_is_voter_here(const struct qf_raft *r);

/* election.c */
void election_tick(struct qf_raft *r, qf_ns now);
void election_campaign(struct qf_raft *r, qf_ns now, bool pre, bool force);
void election_become_follower(struct qf_raft *r, qf_ns now, uint64_t term,
			      uint32_t leader);
void election_on_vote(struct qf_raft *r, qf_ns now, const struct qf_msg *m);
void election_on_vote_resp(struct qf_raft *r, qf_ns now,
			   const struct qf_msg *m);
void election_check_quorum(struct qf_raft *r, qf_ns now);
bool election_sticky(const struct qf_raft *r, qf_ns now);

/* replication.c */
void repl_on_append(struct qf_raft *r, qf_ns now, const struct qf_msg *m);
void repl_on_snapshot(struct qf_raft *r, qf_ns now, const struct qf_msg *m);
void repl_on_append_resp(struct qf_raft *r, qf_ns now,
			 const struct qf_msg *m);
void repl_send_append(struct qf_raft *r, qf_ns now, struct qf_progress *p);
void repl_maybe_commit(struct qf_raft *r, qf_ns now);
void repl_commit_to(struct qf_raft *r, uint64_t index);
int repl_propose(struct qf_raft *r, qf_ns now, struct qf_entry *e);
void repl_ack(struct qf_raft *r, qf_ns now, const struct qf_msg *m,
	      uint64_t term, uint64_t index, bool reject);

/* membership.c */
void member_refresh(struct qf_raft *r, qf_ns now);
struct qf_progress *member_progress(struct qf_raft *r, uint32_t id);
size_t member_config(const struct qf_raft *r, uint32_t *ids);
void member_transfer_tick(struct qf_raft *r, qf_ns now);
void member_transfer_check(struct qf_raft *r, struct qf_progress *p);
bool member_change_pending(const struct qf_raft *r);

/* lease.c */
void lease_new_round(struct qf_raft *r, qf_ns now);
void lease_on_ack(struct qf_raft *r, qf_ns now, struct qf_progress *p,
		  const struct qf_msg *m);
void lease_on_grant(struct qf_raft *r, qf_ns now, const struct qf_msg *m);
void lease_tick(struct qf_raft *r, qf_ns now);
void lease_reset_leader(struct qf_raft *r);
bool lease_grantable(const struct qf_raft *r, uint32_t id, uint64_t gen);
void lease_self_changed(struct qf_raft *r);

/* guard.c */
bool guard_binds_leader(const struct qf_raft *r);

/* timing.c */
void timing_refresh(struct qf_raft *r);
bool timing_serves_nothing(const struct qf_raft *r);
bool timing_accept(struct qf_raft *r, const struct qf_msg *m);
void timing_leader_tick(struct qf_raft *r, qf_ns now);
bool timing_grant_ok(const struct qf_raft *r, uint32_t id, uint32_t digest);
void timing_ready(const struct qf_raft *r, struct qf_ready *rd);
void timing_stamp(const struct qf_raft *r, struct qf_msg *m);
bool timing_change_pending(const struct qf_raft *r);

/* fence.c */
bool fence_in_log(const struct qf_raft *r, uint32_t id, uint64_t gen);
bool fence_wait_over(const struct qf_raft *r, qf_ns now, uint32_t id);
int fence_join_allowed(const struct qf_raft *r, uint32_t id,
		       uint64_t fenced_gen);
int fence_append_join(struct qf_raft *r, qf_ns now, struct qf_entry *e);
bool fence_talking(const struct qf_raft *r, qf_ns now, uint32_t id);
/* pr.c */
bool pr_follows(const struct qf_raft *r, const struct qf_entry *f,
		uint64_t to);
uint64_t fence_commit_limit(const struct qf_raft *r, qf_ns now,
			    uint64_t from, uint64_t to);
void fence_tick(struct qf_raft *r, qf_ns now);
qf_ns fence_next_tick(const struct qf_raft *r);
void fence_on_commit(struct qf_raft *r, const struct qf_entry *e,
		     uint64_t upto);

#endif /* QF_CORE_INTERNAL_H */
