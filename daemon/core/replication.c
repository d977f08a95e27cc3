// SPDX-License-Identifier: MIT
/*
 * Log replication (thesis §3.5), the commit rule (§3.6.2) and snapshots
 * (§5). Every response to the leader is also a lease ack (design.md rule 2):
 * it echoes the round k of the message it answers and carries this node's
 * (boot_id, a) (rule 3).
 */
#include <string.h>

#include "internal.h"

void repl_ack(struct qf_raft *r, qf_ns now, const struct qf_msg *m,
	      uint64_t term, uint64_t index, bool reject)
{
	const struct qf_member *me = raft_self(r);
	struct qf_msg resp;

	raft_msg_init(r, &resp, QF_MSG_APPEND_RESP, m->from);
	resp.term = term;
	resp.index = index;
	resp.flags = reject ? QF_MF_REJECT : 0;
	resp.round = m->round;		/* echo k, rule 2 */
	resp.boot_id = r->boot_id;	/* (boot_id, a), rule 3 */
	resp.a = now;
	resp.gen = me ? me->gen : 0;
	if (resp.gen && r->lapsed_gen == resp.gen)
		resp.flags |= QF_MF_LAPSED;
	raft_send(r, &resp);
}

/* Accept m's sender as the leader of the current term. */
static void follow(struct qf_raft *r, qf_ns now, const struct qf_msg *m)
{
	election_become_follower(r, now, m->term, m->from);
}

static void truncated(struct qf_raft *r, uint64_t from)
{
	log_truncate(&r->log, from);
	if (r->rd_last >= from)
		r->rd_last = from - 1;
}

/* Thesis §3.5: append m's entries after a matching prev; returns the last
 * index now known to match the leader's log. Entries up to our commit
 * index match by the Log Matching property and are skipped. */
static uint64_t append_entries(struct qf_raft *r, const struct qf_msg *m)
{
	uint64_t matched = m->index > r->log.commit ? m->index : r->log.commit;
	bool changed = false;

	for (int i = 0; i < m->n_entries; i++) {
		const struct qf_entry *e = &m->u.entries[i];
		uint64_t t;

		if (e->index <= r->log.commit)
			continue;
		if (e->index <= r->log.last && log_term(&r->log, e->index, &t)) {
			if (t != e->term)
				truncated(r, e->index);
		}
		if (e->index > r->log.last) {
			if (log_append(&r->log, e))
				break;	/* full: the leader resends later */
			changed = true;
		}
		matched = e->index;
	}
	if (changed)
		member_refresh(r, r->now);
	return matched;
}

void repl_on_append(struct qf_raft *r, qf_ns now, const struct qf_msg *m)
{
	uint64_t t, last;

	follow(r, now, m);
	if (m->index >= r->log.commit &&
	    (!log_term(&r->log, m->index, &t) || t != m->log_term)) {
		last = m->index - 1 < r->log.last ? m->index - 1 : r->log.last;
		repl_ack(r, now, m, r->term, last, true);
		return;
	}
	last = append_entries(r, m);
	repl_commit_to(r, m->commit < last ? m->commit : last);
	repl_ack(r, now, m, r->term, last, false);
}

/* Report fence records that arrived inside a snapshot. */
static void snapshot_fences(struct qf_raft *r, const struct qf_state *old,
			    uint64_t index)
{
	for (int i = 0; i < QF_MAX_MEMBERS; i++) {
		const struct qf_member *m = &r->st.m[i];
		const struct qf_member *o = qf_state_find(old, m->id);
		struct qf_entry e = {
			.type = QF_ENT_NODE_FENCED, .index = index,
			.node = m->id, .gen = m->fenced_gen,
			.reason = m->fence_reason,
		};

		if (m->id && m->fenced_gen && (!o || o->fenced_gen < m->fenced_gen))
			fence_on_commit(r, &e, 0);
	}
}

void repl_on_snapshot(struct qf_raft *r, qf_ns now, const struct qf_msg *m)
{
	struct qf_snapshot snap = { .index = m->index, .term = m->log_term };
	struct qf_state old = r->st;

	follow(r, now, m);
	if (m->index <= r->log.commit) {
		repl_ack(r, now, m, r->term, r->log.commit, false);
		return;
	}
	snap.state = m->u.snap;
	log_reset(&r->log, &snap);
	r->rd_last = r->rd_last < m->index ? r->rd_last : m->index;
	r->st = snap.state;
	r->snap_dirty = true;
	member_refresh(r, now);
	snapshot_fences(r, &old, m->index);
	lease_self_changed(r);
	timing_refresh(r);
	if (timing_serves_nothing(r))
		return;		/* rule 9: not even the ack */
	repl_ack(r, now, m, r->term, m->index, false);
}

static void send_snapshot(struct qf_raft *r, qf_ns now, struct qf_progress *p)
{
	struct qf_msg m;

	if (p->snap_sent && now < p->snap_sent + r->t.heartbeat)
		return;
	p->snap_sent = now;
	raft_msg_init(r, &m, QF_MSG_SNAPSHOT, p->id);
	m.index = r->log.snap.index;
	m.log_term = r->log.snap.term;
	m.commit = r->log.commit;
	m.round = r->round;
	m.u.snap = r->log.snap.state;
	raft_send(r, &m);
	p->next = m.index + 1;
}

void repl_send_append(struct qf_raft *r, qf_ns now, struct qf_progress *p)
{
	struct qf_msg m;
	uint64_t i;

	if (p->id == r->id)
		return;
	if (p->next <= r->log.snap.index) {
		send_snapshot(r, now, p);
		return;
	}
	raft_msg_init(r, &m, QF_MSG_APPEND, p->id);
	m.index = p->next - 1;
	log_term(&r->log, m.index, &m.log_term);
	m.commit = r->log.commit;
	m.round = r->round;	/* sent at or after s_k: rule 2 */
	for (i = p->next; i <= r->log.last && m.n_entries < QF_MSG_ENTRIES; i++)
		m.u.entries[m.n_entries++] = *log_get(&r->log, i);
	raft_send(r, &m);
	p->next = i;
}

static void broadcast(struct qf_raft *r, qf_ns now)
{
	for (size_t i = 0; i < r->n_pr; i++) {
		const struct qf_member *c = qf_state_find(&r->cfg, r->pr[i].id);

		if (member_in_config(c))
			repl_send_append(r, now, &r->pr[i]);
	}
}

void repl_on_append_resp(struct qf_raft *r, qf_ns now,
			 const struct qf_msg *m)
{
	struct qf_progress *p = member_progress(r, m->from);

	if (!p)
		return;
	p->active = true;
	p->last_ack = now;
	/* what it runs itself (design.md §2.10) */
	p->timing = m->timing_own ? m->timing_own : m->timing;
	lease_on_ack(r, now, p, m);
	if (m->flags & QF_MF_REJECT) {
		uint64_t next = m->index + 1 < p->next - 1 ? m->index + 1 : p->next - 1;

		p->next = next > p->match + 1 ? next : p->match + 1;
		repl_send_append(r, now, p);
		return;
	}
	if (m->index > p->match)
		p->match = m->index;
	if (p->next <= p->match)
		p->next = p->match + 1;
	repl_maybe_commit(r, now);
	if (r->state != QF_LEADER)
		return;
	member_transfer_check(r, p);
	if (p->next <= r->log.last)
		repl_send_append(r, now, p);
}

/*
 * Thesis §3.6.2: only an entry of the current term commits by counting
 * replicas; earlier ones commit with it. Rule 5 then holds the commit index
 * before any NODE_FENCED whose W waits are not over.
 */
void repl_maybe_commit(struct qf_raft *r, qf_ns now)
{
	uint32_t ids[QF_MAX_MEMBERS];
	uint64_t match[QF_MAX_MEMBERS], c, t;
	size_t n = member_config(r, ids);

	for (size_t i = 0; i < n; i++) {
		struct qf_progress *p = member_progress(r, ids[i]);

		match[i] = p ? p->match : 0;
	}
	c = qf_quorum_index(match, n);
	if (c <= r->log.commit || !log_term(&r->log, c, &t) || t != r->term)
		return;
	c = fence_commit_limit(r, now, r->log.commit, c);
	if (c <= r->log.commit)
		return;
	repl_commit_to(r, c);
	if (r->state == QF_LEADER)
		broadcast(r, now);
}

void repl_commit_to(struct qf_raft *r, uint64_t index)
{
	const struct qf_member *me;

	if (index > r->log.last)
		index = r->log.last;
	if (index <= r->log.commit)
		return;
	while (r->log.commit < index) {
		const struct qf_entry *e = log_get(&r->log, r->log.commit + 1);

		state_apply(&r->st, e);
		r->log.commit = e->index;
		fence_on_commit(r, e, index);
	}
	member_refresh(r, r->now);
	/* Thesis §4.2.2: a leader removed from the configuration steps down
	 * once the removal is committed. */
	me = raft_self(r);
	if (r->state == QF_LEADER && !member_in_config(me))
		election_become_follower(r, r->now, r->term, 0);
}

int repl_propose(struct qf_raft *r, qf_ns now, struct qf_entry *e)
{
	int err;

	if (r->state != QF_LEADER)
		return -QF_ENOTLEADER;
	e->term = r->term;
	err = log_append(&r->log, e);
	if (err)
		return err;
	e->index = r->log.last;
	member_refresh(r, now);
	broadcast(r, now);
	return 0;
}
