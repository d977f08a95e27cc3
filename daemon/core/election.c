// SPDX-License-Identifier: MIT
/*
 * Elections: PreVote (thesis §9.6), votes (§3.4), role changes and
 * CheckQuorum (§6.2). Term and vote reach the disk before any vote leaves,
 * by the ready rule "persist before send" (design.md rule 4).
 */
#include "internal.h"

/*
 * Thesis §4.2.3 / §9.6: while a leader is heard from (or we lead), vote
 * requests are ignored, so a partitioned node cannot depose a healthy
 * leader. Leadership transfer bypasses this with QF_MF_FORCE.
 */
bool election_sticky(const struct qf_raft *r, qf_ns now)
{
	if (!(r->flags & QF_CFG_CHECK_QUORUM))
		return false;
	if (r->state == QF_LEADER)
		return true;
	return r->leader && now < r->leader_contact + r->t.election_min;
}

/* The leader we followed is no longer ours: remember when we last heard
 * from it (reset_progress). */
static void leader_gone(struct qf_raft *r)
{
	if (r->leader && r->leader != r->id) {
		r->prev_leader = r->leader;
		r->prev_contact = r->leader_contact;
	}
}

void election_become_follower(struct qf_raft *r, qf_ns now, uint64_t term,
			      uint32_t leader)
{
	bool was_leader = r->state == QF_LEADER;

	if (term != r->term) {
		r->term = term;
		r->vote = 0;
	}
	r->state = QF_FOLLOWER;
	if (leader != r->leader)
		leader_gone(r);
	r->leader = leader;
	if (leader)
		r->leader_contact = now;
	r->election_due = now + raft_rand_election(r);
	r->transferee = 0;
	r->n_votes = 0;
	if (was_leader)
		lease_reset_leader(r);
}

static void become_candidate(struct qf_raft *r, qf_ns now, bool pre)
{
	if (r->state == QF_LEADER)
		lease_reset_leader(r);
	r->state = pre ? QF_PRECANDIDATE : QF_CANDIDATE;
	if (!pre) {
		r->term++;
		r->vote = r->id;
	}
	leader_gone(r);
	r->leader = 0;
	r->n_votes = 1;
	r->votes[0] = (struct qf_vote){ .id = r->id, .granted = 1 };
	r->election_due = now + raft_rand_election(r);
}

/*
 * A new leader counts each member silent from now, but the leader before
 * it from our last message of it: a leader lost to a partition has been
 * silent since then, and with the storage fence (rule 13) its NODE_FENCED
 * is not held back by a wait, only by the detection. Proposing it sooner
 * is never unsafe: the commit still needs the preempt or W (rule 5).
 */
static void reset_progress(struct qf_raft *r, qf_ns now)
{
	for (size_t i = 0; i < r->n_pr; i++) {
		struct qf_progress *p = &r->pr[i];
		qf_ns seen = now;

		/* at most election_max of credit: an old contact (we were
		 * cut off ourselves) says nothing of the leader's silence */
		if (p->id == r->prev_leader && r->prev_contact &&
		    r->prev_contact < now)
			seen = r->prev_contact + r->t.election_max > now ?
			       r->prev_contact : now - r->t.election_max;
		*p = (struct qf_progress){
			.id = p->id, .next = r->log.last + 1, .last_ack = seen,
		};
	}
}

/* Thesis §3.4; §6.4: a new leader appends an entry of its own term. */
static void become_leader(struct qf_raft *r, qf_ns now)
{
	struct qf_entry noop = { .type = QF_ENT_NOOP };
	struct qf_progress *self;

	r->state = QF_LEADER;
	r->leader = r->id;
	r->e_el = now;		/* rule 5: E_el */
	r->transferee = 0;
	lease_reset_leader(r);
	reset_progress(r, now);
	self = member_progress(r, r->id);
	if (self)
		self->match = r->log.stable;
	r->term_start = r->log.last + 1;
	noop.term = r->term;
	log_append(&r->log, &noop);	/* sent by the first round below */
	member_refresh(r, now);
	r->check_quorum_due = now + r->t.election_min;
	lease_new_round(r, now);
}

static size_t tally(const struct qf_raft *r, size_t *no)
{
	uint32_t ids[QF_MAX_MEMBERS];
	size_t n = member_config(r, ids), yes = 0;

	*no = 0;
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < r->n_votes; j++)
			if (r->votes[j].id == ids[i]) {
				yes += r->votes[j].granted;
				*no += !r->votes[j].granted;
			}
	return yes;
}

static void on_tally(struct qf_raft *r, qf_ns now)
{
	uint32_t ids[QF_MAX_MEMBERS];
	size_t no, yes = tally(r, &no);

	switch (qf_quorum_vote(yes, no, member_config(r, ids))) {
	case QF_VOTE_WON:
		if (r->state == QF_PRECANDIDATE)
			election_campaign(r, now, false, false);
		else
			become_leader(r, now);
		break;
	case QF_VOTE_LOST:
		election_become_follower(r, now, r->term, 0);
		break;
	default:
		break;
	}
}

void election_campaign(struct qf_raft *r, qf_ns now, bool pre, bool force)
{
	uint32_t ids[QF_MAX_MEMBERS];
	size_t n;

	if (!raft_is_voter_here(r))
		return;
	if (r->clock_bad) {	/* rule 10: it could not lead on this clock */
		r->election_due = now + raft_rand_election(r);
		return;
	}
	become_candidate(r, now, pre);
	n = member_config(r, ids);
	for (size_t i = 0; i < n; i++) {
		struct qf_msg m;

		if (ids[i] == r->id)
			continue;
		raft_msg_init(r, &m, pre ? QF_MSG_PREVOTE : QF_MSG_VOTE, ids[i]);
		m.term = pre ? r->term + 1 : r->term;
		m.index = r->log.last;
		m.log_term = log_last_term(&r->log);
		m.flags = force ? QF_MF_FORCE : 0;
		raft_send(r, &m);
	}
	on_tally(r, now);	/* a single voter wins at once */
}

void election_tick(struct qf_raft *r, qf_ns now)
{
	if (now < r->election_due)
		return;
	if (!raft_is_voter_here(r)) {
		r->election_due = now + raft_rand_election(r);
		return;
	}
	election_campaign(r, now, true, false);
}

/*
 * A split vote: another candidate of our term asks for our vote, which we
 * gave ourselves. Neither can win this term, so retry sooner, within
 * [election_min/2, election_min): the liveness rule of design.md §2 budgets
 * one election timeout after a leader crash, not two.
 */
static void split_vote(struct qf_raft *r, qf_ns now, const struct qf_msg *m)
{
	qf_ns lo = r->t.election_min / 2, due;
	uint64_t x;

	if (r->state != QF_CANDIDATE || m->type != QF_MSG_VOTE ||
	    m->term != r->term || r->vote != r->id)
		return;
	x = r->rand ? r->rand(r->rand_arg) : 0;
	due = now + lo + x % (r->t.election_min - lo);
	if (due < r->election_due)
		r->election_due = due;
}

/* Thesis §3.4 and §9.6: grant a (pre-)vote to an up-to-date log. */
void election_on_vote(struct qf_raft *r, qf_ns now, const struct qf_msg *m)
{
	bool pre = m->type == QF_MSG_PREVOTE;
	bool can = r->vote == m->from || (r->vote == 0 && r->leader == 0) ||
		   (pre && m->term > r->term);
	bool grant = can && log_up_to_date(&r->log, m->index, m->log_term);
	struct qf_msg resp;

	raft_msg_init(r, &resp, pre ? QF_MSG_PREVOTE_RESP : QF_MSG_VOTE_RESP,
		      m->from);
	if (grant && pre) {
		resp.term = m->term;
	} else if (grant) {
		r->vote = m->from;	/* durable before resp leaves */
		r->election_due = now + raft_rand_election(r);
	} else {
		resp.flags = QF_MF_REJECT;
		split_vote(r, now, m);
	}
	raft_send(r, &resp);
}

void election_on_vote_resp(struct qf_raft *r, qf_ns now,
			   const struct qf_msg *m)
{
	bool pre = m->type == QF_MSG_PREVOTE_RESP;
	bool granted = !(m->flags & QF_MF_REJECT);

	if (r->state != (pre ? QF_PRECANDIDATE : QF_CANDIDATE))
		return;
	if (pre && granted && m->term != r->term + 1)
		return;
	for (size_t i = 0; i < r->n_votes; i++)
		if (r->votes[i].id == m->from)
			return;
	if (r->n_votes >= QF_MAX_VOTERS)
		return;
	r->votes[r->n_votes++] = (struct qf_vote){
		.id = m->from, .granted = granted };
	on_tally(r, now);
}

/*
 * Thesis §6.2 CheckQuorum: a leader that has not heard from a majority
 * within an election timeout steps down, and with it stops renewing its
 * own lease and granting (design.md rule 2).
 */
void election_check_quorum(struct qf_raft *r, qf_ns now)
{
	uint32_t ids[QF_MAX_MEMBERS];
	size_t n, active = 0;

	if (!(r->flags & QF_CFG_CHECK_QUORUM) || now < r->check_quorum_due)
		return;
	r->check_quorum_due = now + r->t.election_min;
	n = member_config(r, ids);
	for (size_t i = 0; i < n; i++) {
		struct qf_progress *p = member_progress(r, ids[i]);

		if (ids[i] == r->id || (p && p->active))
			active++;
		if (p)
			p->active = false;
	}
	if (!qf_quorum_has(active, n))
		election_become_follower(r, now, r->term, 0);
}
