// SPDX-License-Identifier: MIT
/*
 * The Raft core's entry points: init, tick, step dispatch, the ready batch
 * and its acknowledgement (etcd raft's node/rawnode split, without
 * goroutines: the caller drives everything).
 */
#include <string.h>

#include "internal.h"

void raft_msg_init(struct qf_raft *r, struct qf_msg *m, int type, uint32_t to)
{
	memset(m, 0, offsetof(struct qf_msg, u));
	m->type = (uint8_t)type;
	m->from = r->id;
	m->to = to;
	m->term = r->term;
	timing_stamp(r, m);
}

/* Queue for the next ready batch; an overflow is a loss, which Raft and
 * the lease protocol tolerate (counted in dropped_msgs). */
void raft_send(struct qf_raft *r, const struct qf_msg *m)
{
	size_t len = offsetof(struct qf_msg, u);

	if (r->n_msgs >= QF_MAX_MSGS) {
		r->dropped_msgs++;
		return;
	}
	if (m->type == QF_MSG_SNAPSHOT)
		len = sizeof(*m);
	else if (m->n_entries)
		len += m->n_entries * sizeof(struct qf_entry);
	memcpy(&r->msgs[r->n_msgs], m, len);
	if (len < sizeof(*m))
		memset((char *)&r->msgs[r->n_msgs] + len, 0, sizeof(*m) - len);
	r->n_msgs++;
}

/* Thesis §3.4: a timeout randomized in [election_min, election_max). */
qf_ns raft_rand_election(struct qf_raft *r)
{
	qf_ns span = r->t.election_max - r->t.election_min;
	uint64_t x = r->rand ? r->rand(r->rand_arg) : 0;

	return r->t.election_min + (span ? x % span : 0);
}

const struct qf_member *raft_self(const struct qf_raft *r)
{
	return qf_state_find(&r->st, r->id);
}

/*
 * May this node campaign: a voter (not a witness) of the latest
 * configuration, or of the committed one while its own removal is not yet
 * committed - thesis §4.2.2: it may still be needed to commit the removal
 * (its own vote then does not count: tallies use the latest config).
 */
bool raft_is_voter_here(const struct qf_raft *r)
{
	const struct qf_member *c = qf_state_find(&r->cfg, r->id);
	const struct qf_member *s = qf_state_find(&r->st, r->id);

	return (member_in_config(c) && c->role == QF_ROLE_VOTER) ||
	       (member_in_config(s) && s->role == QF_ROLE_VOTER);
}

static int load_entries(struct qf_raft *r, const struct qf_persist *ps)
{
	for (size_t i = 0; i < ps->n_entries; i++) {
		const struct qf_entry *e = &ps->entries[i];

		if (e->index <= r->log.snap.index)
			continue;	/* storage kept compacted entries */
		if (e->index != r->log.last + 1 ||
		    e->term < log_last_term(&r->log) ||
		    (e->term > ps->hs.term && e->term > ps->snap.term))
			return -QF_ECORRUPT;
		if (log_append(&r->log, e))
			return -QF_ECORRUPT;
	}
	r->log.stable = r->log.last;
	return 0;
}

static void load_commit(struct qf_raft *r, uint64_t commit)
{
	if (commit < r->log.snap.index)
		commit = r->log.snap.index;
	if (commit > r->log.last)
		commit = r->log.last;
	r->st = r->log.snap.state;
	for (uint64_t i = r->log.snap.index + 1; i <= commit; i++)
		state_apply(&r->st, log_get(&r->log, i));
	r->log.commit = commit;
	r->log.reported = commit;
}

int qf_raft_init(struct qf_raft *r, const struct qf_config *cfg,
		 const struct qf_persist *ps, uint64_t boot_id,
		 qf_rand_fn rand, void *rand_arg)
{
	static const struct qf_persist empty;
	int err;

	if (!r || !cfg || cfg->id == 0 || boot_id == 0 ||
	    qf_timing_validate(&cfg->timing, NULL, 0))
		return -QF_EINVAL;
	if (!ps)
		ps = &empty;
	memset(r, 0, sizeof(*r));
	r->id = cfg->id;
	r->flags = cfg->flags;
	r->t = cfg->timing;
	r->own = cfg->timing;
	r->kernel_settle = cfg->timing.settle;
	r->kernel_rho_ppm = cfg->timing.rho_ppm;
	r->flap_max = cfg->flap_max ? cfg->flap_max : QF_FLAP_MAX_DEFAULT;
	if (r->flap_max > QF_FLAP_MAX_LIMIT)
		r->flap_max = QF_FLAP_MAX_LIMIT;
	r->flap_window_s = cfg->flap_window_s ? cfg->flap_window_s :
			   QF_FLAP_WINDOW_DEFAULT;
	r->pr_fence_after = cfg->pr_fence_after;
	r->wait = qf_timing_wait(&r->t);
	r->timing = qf_timing_digest(&r->own);
	r->boot_id = boot_id;
	r->rand = rand;
	r->rand_arg = rand_arg;
	log_reset(&r->log, &ps->snap);
	err = load_entries(r, ps);
	if (err) {
		memset(r, 0, sizeof(*r));
		return err;
	}
	r->term = ps->hs.term > r->log.snap.term ? ps->hs.term : r->log.snap.term;
	r->vote = ps->hs.vote;
	load_commit(r, ps->hs.commit);
	r->hs_reported = (struct qf_hard_state){
		.term = r->term, .vote = r->vote, .commit = r->log.commit };
	member_refresh(r, 0);
	lease_self_changed(r);
	timing_refresh(r);
	return 0;
}

static void start(struct qf_raft *r, qf_ns now)
{
	if (r->started)
		return;
	r->started = true;
	r->election_due = now + raft_rand_election(r);
}

void qf_raft_tick(struct qf_raft *r, qf_ns now)
{
	start(r, now);
	r->now = now;
	lease_tick(r, now);
	if (timing_serves_nothing(r))	/* rule 9: no campaign, no round */
		return;
	if (r->state != QF_LEADER) {
		election_tick(r, now);
		return;
	}
	if (guard_binds_leader(r)) {	/* rule 10 */
		election_become_follower(r, now, r->term, 0);
		return;
	}
	if (now >= r->heartbeat_due)
		lease_new_round(r, now);
	election_check_quorum(r, now);
	if (r->state != QF_LEADER)
		return;
	member_transfer_tick(r, now);
	repl_maybe_commit(r, now);
	fence_tick(r, now);
	timing_leader_tick(r, now);
}

static bool msg_valid(const struct qf_raft *r, const struct qf_msg *m)
{
	if (!m || m->type == QF_MSG_NONE || m->type >= __QF_MSG_LAST)
		return false;
	if (m->from == 0 || m->from == r->id || m->to != r->id)
		return false;
	if (m->type == QF_MSG_APPEND && m->n_entries > QF_MSG_ENTRIES)
		return false;
	for (int i = 0; m->type == QF_MSG_APPEND && i < m->n_entries; i++)
		if (m->u.entries[i].index != m->index + 1 + i ||
		    m->u.entries[i].term > m->term)
			return false;
	return true;
}

/*
 * A message from a newer term (thesis §3.3), with the PreVote and
 * CheckQuorum exceptions of thesis §9.6 / etcd: a pre-vote never changes
 * terms, and while a leader is heard from, vote requests are ignored
 * (unless a leadership transfer forces them). Returns false to drop m.
 */
static bool step_newer_term(struct qf_raft *r, qf_ns now,
			    const struct qf_msg *m)
{
	bool force = m->flags & QF_MF_FORCE;

	switch (m->type) {
	case QF_MSG_PREVOTE:
		return force || !election_sticky(r, now);
	case QF_MSG_PREVOTE_RESP:
		if (!(m->flags & QF_MF_REJECT))
			return true;
		election_become_follower(r, now, m->term, 0);
		return true;
	case QF_MSG_VOTE:
		if (!force && election_sticky(r, now))
			return false;
		election_become_follower(r, now, m->term, 0);
		return true;
	case QF_MSG_APPEND:
	case QF_MSG_SNAPSHOT:
	case QF_MSG_GRANT:
	case QF_MSG_TIMEOUT_NOW:
		election_become_follower(r, now, m->term, m->from);
		return true;
	default:
		election_become_follower(r, now, m->term, 0);
		return true;
	}
}

/*
 * A message from an older term. Rule 4: never ack it; answer appends with
 * our newer term so a stale leader steps down, and pre-votes with a
 * refusal. Grants of an older term are ignored (rule 3).
 */
static void step_older_term(struct qf_raft *r, qf_ns now,
			    const struct qf_msg *m)
{
	struct qf_msg resp;

	if (m->type == QF_MSG_APPEND || m->type == QF_MSG_SNAPSHOT) {
		if (QF_MUTATED(QF_MUT_ACK_AFTER_VOTE))
			repl_ack(r, now, m, m->term, r->log.last, true);
		else
			repl_ack(r, now, m, r->term, r->log.last, true);
	} else if (m->type == QF_MSG_PREVOTE) {
		raft_msg_init(r, &resp, QF_MSG_PREVOTE_RESP, m->from);
		resp.flags = QF_MF_REJECT;
		raft_send(r, &resp);
	}
}

static void step_current(struct qf_raft *r, qf_ns now, const struct qf_msg *m)
{
	switch (m->type) {
	case QF_MSG_PREVOTE:
	case QF_MSG_VOTE:
		election_on_vote(r, now, m);
		break;
	case QF_MSG_PREVOTE_RESP:
	case QF_MSG_VOTE_RESP:
		election_on_vote_resp(r, now, m);
		break;
	case QF_MSG_APPEND:
		repl_on_append(r, now, m);
		break;
	case QF_MSG_SNAPSHOT:
		repl_on_snapshot(r, now, m);
		break;
	case QF_MSG_APPEND_RESP:
		if (r->state == QF_LEADER)
			repl_on_append_resp(r, now, m);
		break;
	case QF_MSG_GRANT:
		if (r->state != QF_LEADER)
			lease_on_grant(r, now, m);
		break;
	case QF_MSG_TIMEOUT_NOW:
		/* Thesis §3.10: the transfer target campaigns at once. */
		if (r->state != QF_LEADER && raft_is_voter_here(r))
			election_campaign(r, now, false, true);
		break;
	}
}

int qf_raft_step(struct qf_raft *r, qf_ns now, const struct qf_msg *m)
{
	if (!msg_valid(r, m))
		return -QF_EINVAL;
	start(r, now);
	r->now = now;
	if (!timing_accept(r, m))
		return -QF_ETIMING;
	if (m->term > r->term) {
		if (!step_newer_term(r, now, m))
			return 0;
	} else if (m->term < r->term) {
		step_older_term(r, now, m);
		return 0;
	}
	step_current(r, now, m);
	return 0;
}

static void sooner(qf_ns *best, qf_ns t, qf_ns now)
{
	if (t > now && t < *best)
		*best = t;
}

/*
 * Only future times: a condition already due but not actionable (a fence
 * record still short of a majority, say) is looked at again on the next
 * heartbeat, so a caller sleeping until this time never spins.
 */
qf_ns qf_raft_next_tick(const struct qf_raft *r)
{
	qf_ns t = UINT64_MAX, now = r->now;

	if (!r->started)
		return now;
	if (r->state != QF_LEADER && raft_is_voter_here(r))
		sooner(&t, r->election_due, now);
	if (r->state == QF_LEADER) {
		sooner(&t, r->heartbeat_due, now);
		if (r->flags & QF_CFG_CHECK_QUORUM)
			sooner(&t, r->check_quorum_due, now);
		if (r->transferee)
			sooner(&t, r->transfer_due, now);
		sooner(&t, fence_next_tick(r), now);
	}
	if (r->deadline && r->lapsed_gen != r->lease_gen)
		sooner(&t, r->deadline, now);
	/* Nothing due (a witness, a node outside the configuration): wake
	 * up now and then anyway rather than never. */
	sooner(&t, now + r->t.election_max, now);
	return t;
}

/* ---- ready / advance ---- */

static struct qf_hard_state hard_state(const struct qf_raft *r)
{
	return (struct qf_hard_state){
		.term = r->term, .vote = r->vote, .commit = r->log.commit };
}

bool qf_raft_has_ready(const struct qf_raft *r)
{
	struct qf_hard_state hs = hard_state(r);

	if (r->rd_out)
		return false;
	return memcmp(&hs, &r->hs_reported, sizeof(hs)) != 0 ||
	       r->snap_dirty || r->log.stable < r->log.last || r->n_msgs ||
	       r->log.reported < r->log.commit || r->lease_dirty ||
	       r->n_fences || r->timing_want_dirty || r->kernel_dirty;
}

static size_t copy_entries(const struct qf_log *l, uint64_t from, uint64_t to,
			   struct qf_entry *out)
{
	size_t n = 0;

	for (uint64_t i = from; i <= to; i++)
		out[n++] = *log_get(l, i);
	return n;
}

void qf_raft_ready(struct qf_raft *r, struct qf_ready *rd)
{
	memset(rd, 0, sizeof(*rd));
	rd->hs = hard_state(r);
	rd->hs_changed = memcmp(&rd->hs, &r->hs_reported, sizeof(rd->hs)) != 0;
	rd->snap_changed = r->snap_dirty;
	rd->snap = &r->log.snap;
	rd->n_entries = copy_entries(&r->log, r->log.stable + 1, r->log.last,
				     r->rd_entries);
	rd->entries = r->rd_entries;
	rd->n_committed = copy_entries(&r->log, r->log.reported + 1,
				       r->log.commit, r->rd_committed);
	rd->committed = r->rd_committed;
	memcpy(r->rd_msgbuf, r->msgs, r->n_msgs * sizeof(r->msgs[0]));
	rd->msgs = r->rd_msgbuf;
	rd->n_msgs = r->n_msgs;
	memcpy(r->rd_fencebuf, r->fences, r->n_fences * sizeof(r->fences[0]));
	rd->fences = r->rd_fencebuf;
	rd->n_fences = r->n_fences;
	rd->lease_changed = r->lease_dirty;
	rd->lease_deadline = r->deadline;
	rd->lease_gen = r->lease_gen;
	rd->lease_fenced = r->self_fenced;
	timing_ready(r, rd);
	rd->leader = r->leader;
	rd->state = r->state;

	r->rd_out = true;
	r->rd_last = r->log.last;
	r->rd_commit = r->log.commit;
	r->hs_reported = rd->hs;
	r->snap_dirty = false;
	r->n_msgs = 0;
	r->n_fences = 0;
	r->lease_dirty = false;
	r->timing_want_dirty = false;
	r->kernel_dirty = false;
}

/* Keep the log short: fold what was handed out into the snapshot. */
static void maybe_compact(struct qf_raft *r)
{
	uint64_t upto = r->log.reported < r->log.stable ?
			r->log.reported : r->log.stable;

	if (r->log.last - r->log.snap.index < QF_LOG_CAP / 2 ||
	    upto <= r->log.snap.index)
		return;
	log_compact(&r->log, upto);
	r->snap_dirty = true;
}

void qf_raft_advance(struct qf_raft *r)
{
	uint64_t last;

	if (!r->rd_out)
		return;
	r->rd_out = false;
	/* Entries truncated since the batch went out are not stable. */
	last = r->rd_last < r->log.last ? r->rd_last : r->log.last;
	if (last > r->log.stable)
		r->log.stable = last;
	if (r->rd_commit > r->log.reported)
		r->log.reported = r->rd_commit;
	maybe_compact(r);
	if (r->state == QF_LEADER) {
		struct qf_progress *self = member_progress(r, r->id);

		if (self)
			self->match = r->log.stable;
		repl_maybe_commit(r, r->now);
	}
}

/* ---- status and names ---- */

void qf_raft_status(const struct qf_raft *r, struct qf_status *st)
{
	const struct qf_member *me = raft_self(r);

	memset(st, 0, sizeof(*st));
	st->id = r->id;
	st->leader = r->leader;
	st->state = r->state;
	st->term = r->term;
	st->vote = r->vote;
	st->first_index = r->log.snap.index + 1;
	st->last_index = r->log.last;
	st->commit = r->log.commit;
	st->round = r->round;
	st->q = r->q;
	st->e_el = r->e_el;
	st->lease_deadline = r->deadline;
	st->gen = me ? me->gen : 0;
	st->fenced = member_fenced(me);
	st->lapsed = r->deadline && r->lapsed_gen == r->lease_gen;
	st->clock_bad = r->clock_bad;
	st->timing = r->timing;
	st->timing_cluster = r->st.timing;
	st->timing_bad = r->timing_bad;
	st->timing_refused = r->timing_refused;
	st->timing_peer = r->timing_peer;
	st->timing_peer_digest = r->timing_peer_digest;
	st->timing_next = r->st.timing_next;
	st->timing_wait = r->wait;
	st->timing_run = r->t;
	if (r->state == QF_LEADER) {
		st->n_progress = r->n_pr;
		memcpy(st->progress, r->pr, r->n_pr * sizeof(r->pr[0]));
	}
	st->state_machine = &r->st;
}

const char *qf_state_name(int s)
{
	static const char *const n[] = { "follower", "pre-candidate",
					 "candidate", "leader" };

	return s >= 0 && s <= QF_LEADER ? n[s] : "?";
}

const char *qf_msg_type_name(int type)
{
	static const char *const n[__QF_MSG_LAST] = {
		"NONE", "PREVOTE", "PREVOTE_RESP", "VOTE", "VOTE_RESP",
		"APPEND", "APPEND_RESP", "SNAPSHOT", "GRANT", "TIMEOUT_NOW",
	};

	return type >= 0 && type < __QF_MSG_LAST ? n[type] : "?";
}

const char *qf_entry_type_name(int type)
{
	static const char *const n[] = { "?", "NOOP", "NODE_ADD",
					 "NODE_REMOVE", "NODE_JOIN",
					 "NODE_FENCED", "PREEMPTED",
					 "TIMING_BEGIN", "TIMING_APPLIED",
					 "TIMING_DONE" };

	return type > 0 && type < __QF_ENT_LAST ? n[type] : "?";
}

const char *qf_strerror(int err)
{
	static const char *const n[] = {
		"ok", "invalid argument", "not the leader",
		"a membership change, a timing change or a transfer is pending",
		"the leader has not committed an entry of its term yet",
		"log full", "already exists or pending", "no such member",
		"the node's generation is not fenced yet",
		"persisted state is inconsistent",
		"another timing than this node's (design.md rule 9)",
		"the rejoin names another generation than the fenced one",
		"this leader may not preempt now (design.md rule 13)",
		"no new kernel boot with a fresh lease since the fence "
		"(design.md §2.11)",
		"flapping: rejoined automatically too often, left fenced "
		"(quorumctl rejoin; design.md §2.11)",
		"the node does not talk to the leader",
		"the fence names another generation than the committed one "
		"(design.md rule 11)",
		"fenced by an operator: only an operator's rejoin ends it "
		"(quorumctl rejoin; design.md §2.11)",
	};
	_Static_assert(sizeof(n) / sizeof(n[0]) == __QF_ERR_LAST,
		       "one message per error");

	if (err < 0)
		err = -err;
	return err < __QF_ERR_LAST ? n[err] : "unknown error";
}

void qf_config_default(struct qf_config *c, uint32_t id)
{
	memset(c, 0, sizeof(*c));
	c->id = id;
	c->flags = QF_CFG_AUTO_FENCE | QF_CFG_AUTO_REJOIN | QF_CFG_CHECK_QUORUM;
	qf_timing_default(&c->timing);
}
