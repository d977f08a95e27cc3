// SPDX-License-Identifier: MIT
/*
 * Membership: single-server changes (thesis §4.1) under design.md rule 4, and
 * leadership transfer (thesis §3.10).
 *
 * A node uses the latest configuration in its log, committed or not
 * (thesis §4.1): r->cfg is the committed state plus the uncommitted tail.
 * Rule 4 keeps any two majorities intersecting: one change at a time, the
 * next only after the previous one committed, and a new leader first
 * commits an entry of its own term (thesis §4.1, the bug fix of the
 * raft-dev post of 2015).
 */
#include <string.h>

#include "internal.h"

struct qf_progress *member_progress(struct qf_raft *r, uint32_t id)
{
	for (size_t i = 0; i < r->n_pr; i++)
		if (r->pr[i].id == id)
			return &r->pr[i];
	return NULL;
}

size_t member_config(const struct qf_raft *r, uint32_t *ids)
{
	return state_config(&r->cfg, ids);
}

static void add_progress(struct qf_raft *r, uint32_t id, qf_ns now)
{
	if (!id || member_progress(r, id) || r->n_pr >= 2 * QF_MAX_MEMBERS)
		return;
	r->pr[r->n_pr++] = (struct qf_progress){
		.id = id, .next = r->log.last + 1, .last_ack = now,
		.match = id == r->id ? r->log.stable : 0,
	};
}

/*
 * One progress per member slot of the committed state or of the latest
 * configuration: a member removed but not yet fenced keeps its own, and so
 * does one whose NODE_FENCED is in the log but not committed (rule 5 needs
 * the time of its last grant until the record commits).
 */
static void sync_progress(struct qf_raft *r, qf_ns now)
{
	size_t n = 0;

	for (size_t i = 0; i < r->n_pr; i++)
		if (qf_state_find(&r->cfg, r->pr[i].id) ||
		    qf_state_find(&r->st, r->pr[i].id))
			r->pr[n++] = r->pr[i];
	r->n_pr = n;
	for (int i = 0; i < QF_MAX_MEMBERS; i++) {
		add_progress(r, r->cfg.m[i].id, now);
		add_progress(r, r->st.m[i].id, now);
	}
}

void member_refresh(struct qf_raft *r, qf_ns now)
{
	r->cfg = r->st;
	for (uint64_t i = r->log.commit + 1; i <= r->log.last; i++)
		state_apply(&r->cfg, log_get(&r->log, i));
	sync_progress(r, now);
	timing_refresh(r);	/* the recorded timings may have changed */
}

bool member_change_pending(const struct qf_raft *r)
{
	for (uint64_t i = r->log.commit + 1; i <= r->log.last; i++) {
		const struct qf_entry *e = log_get(&r->log, i);

		if (e->type == QF_ENT_NODE_ADD || e->type == QF_ENT_NODE_REMOVE)
			return true;
	}
	return false;
}

/* Rule 4's preconditions for any membership change. */
static int change_allowed(const struct qf_raft *r)
{
	if (r->state != QF_LEADER)
		return -QF_ENOTLEADER;
	if (r->transferee || member_change_pending(r))
		return -QF_EBUSY;
	if (r->log.commit < r->term_start)
		return -QF_EAGAIN;
	return 0;
}

int qf_raft_propose_add(struct qf_raft *r, qf_ns now, uint32_t id,
			uint8_t role, const struct qf_addr *addrs,
			size_t n_addrs)
{
	uint32_t ids[QF_MAX_MEMBERS];
	const struct qf_member *c = qf_state_find(&r->cfg, id);
	struct qf_entry e = { .type = QF_ENT_NODE_ADD, .node = id,
			      .role = role, .gen = 1 };
	int err = change_allowed(r);

	if (err)
		return err;
	/* design.md §2.10: a member added during a timing change would have
	 * to apply it too; one change at a time. Removals stay allowed (a
	 * dead member must not hold the change up forever). */
	if (timing_change_pending(r))
		return -QF_EBUSY;
	if (id == 0 || (role != QF_ROLE_VOTER && role != QF_ROLE_WITNESS) ||
	    n_addrs > QF_MAX_ADDRS || (n_addrs && !addrs))
		return -QF_EINVAL;
	if (member_in_config(c))
		return -QF_EEXIST;
	if (member_config(r, ids) >= QF_MAX_VOTERS ||
	    (!c && state_free_slots(&r->cfg) == 0))
		return -QF_EFULL;
	/* Removed, not yet fenced: the same lease goes on; otherwise a
	 * generation never issued before (rule 3 ties fences to (id, g)). */
	e.gen = c ? c->gen : r->cfg.max_gen + 1;
	e.n_addrs = (uint8_t)n_addrs;
	if (n_addrs)
		memcpy(e.addrs, addrs, n_addrs * sizeof(*addrs));
	r->now = now;
	return repl_propose(r, now, &e);
}

int qf_raft_propose_remove(struct qf_raft *r, qf_ns now, uint32_t id)
{
	uint32_t ids[QF_MAX_MEMBERS];
	struct qf_entry e = { .type = QF_ENT_NODE_REMOVE, .node = id };
	int err = change_allowed(r);

	if (err)
		return err;
	if (!member_in_config(qf_state_find(&r->cfg, id)))
		return -QF_ENOENT;
	if (member_config(r, ids) <= 1)
		return -QF_EINVAL;	/* the last member stays */
	r->now = now;
	return repl_propose(r, now, &e);
}

static void send_timeout_now(struct qf_raft *r, uint32_t to)
{
	struct qf_msg m;

	raft_msg_init(r, &m, QF_MSG_TIMEOUT_NOW, to);
	raft_send(r, &m);
}

/* Thesis §3.10: bring the target up to date, then tell it to campaign.
 * Proposals wait (QF_EBUSY) for at most an election timeout. */
int qf_raft_transfer(struct qf_raft *r, qf_ns now, uint32_t to)
{
	const struct qf_member *c = qf_state_find(&r->cfg, to);
	struct qf_progress *p = member_progress(r, to);

	if (r->state != QF_LEADER)
		return -QF_ENOTLEADER;
	if (to == r->id || !member_in_config(c) || c->role != QF_ROLE_VOTER ||
	    !p)
		return -QF_EINVAL;
	if (r->transferee)
		return -QF_EBUSY;
	r->now = now;
	r->transferee = to;
	r->transfer_due = now + r->t.election_min;
	if (p->match == r->log.last)
		send_timeout_now(r, to);
	else
		repl_send_append(r, now, p);
	return 0;
}

void member_transfer_check(struct qf_raft *r, struct qf_progress *p)
{
	if (r->transferee == p->id && p->match == r->log.last)
		send_timeout_now(r, p->id);
}

void member_transfer_tick(struct qf_raft *r, qf_ns now)
{
	if (r->transferee && now >= r->transfer_due)
		r->transferee = 0;	/* abort: the target did not take over */
}

int qf_raft_campaign(struct qf_raft *r, qf_ns now)
{
	if (r->state == QF_LEADER)
		return -QF_EEXIST;
	if (!raft_is_voter_here(r))
		return -QF_EINVAL;
	if (!r->started) {
		r->started = true;
	}
	r->now = now;
	election_campaign(r, now, true, false);
	return 0;
}
