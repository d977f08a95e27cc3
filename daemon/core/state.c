// SPDX-License-Identifier: MIT
/*
 * The replicated state machine: members with role, addresses and
 * generation, and fence records (design.md §4). Applying an entry is total:
 * an entry that does not fit (unknown node, full table) changes nothing,
 * identically on every node.
 */
#include <string.h>

#include "internal.h"

struct qf_member *state_find_mut(struct qf_state *s, uint32_t id)
{
	for (int i = 0; id && i < QF_MAX_MEMBERS; i++)
		if (s->m[i].id == id)
			return &s->m[i];
	return NULL;
}

const struct qf_member *qf_state_find(const struct qf_state *s, uint32_t id)
{
	return state_find_mut((struct qf_state *)s, id);
}

bool member_in_config(const struct qf_member *m)
{
	return m && (m->flags & QF_MF_IN_CONFIG);
}

/* Fenced: a NODE_FENCED for the current generation was applied. */
bool member_fenced(const struct qf_member *m)
{
	return m && m->fenced_gen >= m->gen;
}

size_t state_config(const struct qf_state *s, uint32_t *ids)
{
	size_t n = 0;

	for (int i = 0; i < QF_MAX_MEMBERS; i++)
		if (s->m[i].id && member_in_config(&s->m[i]))
			ids[n++] = s->m[i].id;
	return n;
}

size_t state_free_slots(const struct qf_state *s)
{
	size_t n = 0;

	for (int i = 0; i < QF_MAX_MEMBERS; i++)
		n += s->m[i].id == 0;
	return n;
}

static struct qf_member *free_slot(struct qf_state *s)
{
	for (int i = 0; i < QF_MAX_MEMBERS; i++)
		if (s->m[i].id == 0)
			return &s->m[i];
	return NULL;
}

/* A member that left and whose lease is surely over needs no slot. */
static void maybe_free(struct qf_member *m)
{
	if (!member_in_config(m) && member_fenced(m))
		memset(m, 0, sizeof(*m));
}

static void apply_add(struct qf_state *s, const struct qf_entry *e)
{
	struct qf_member *m = state_find_mut(s, e->node);

	if (!m) {
		m = free_slot(s);
		if (!m || e->node == 0)
			return;
		memset(m, 0, sizeof(*m));
		m->id = e->node;
		m->gen = e->gen ? e->gen : 1;
	}
	if (m->gen > s->max_gen)
		s->max_gen = m->gen;
	m->role = e->role;
	m->flags |= QF_MF_IN_CONFIG;
	m->n_addrs = e->n_addrs <= QF_MAX_ADDRS ? e->n_addrs : QF_MAX_ADDRS;
	memcpy(m->addrs, e->addrs, sizeof(m->addrs));
}

/*
 * The committed timing change (design.md §2.10). BEGIN opens it (one at a
 * time, only from a recorded timing to another), APPLIED marks a member
 * that runs it, DONE closes it: the new timing becomes the cluster's.
 */
static void apply_timing(struct qf_state *s, const struct qf_entry *e)
{
	struct qf_member *m = state_find_mut(s, e->node);
	bool open = s->timing_next && s->timing_next == e->gen;

	if (e->type == QF_ENT_TIMING_BEGIN && !s->timing_next && s->timing &&
	    e->gen && e->gen != s->timing) {
		s->timing_next = (uint32_t)e->gen;
		s->timing_next_rec = e->timing;
	} else if (e->type == QF_ENT_TIMING_APPLIED && open && m) {
		m->flags |= QF_MF_TIMING_APPLIED;
		return;
	} else if (e->type == QF_ENT_TIMING_DONE && open) {
		s->timing = s->timing_next;
		s->timing_rec = s->timing_next_rec;
		s->timing_next = 0;
		memset(&s->timing_next_rec, 0, sizeof(s->timing_next_rec));
	} else {
		return;
	}
	for (int i = 0; i < QF_MAX_MEMBERS; i++)
		s->m[i].flags &= ~QF_MF_TIMING_APPLIED;
}

/* Every committed record of a member counts once (a removed member keeps
 * its slot until it is fenced, so its NODE_FENCED counts too). */
static void count_fence(struct qf_state *s, const struct qf_entry *e)
{
	if (e->type == QF_ENT_NODE_FENCED && e->reason < QF_FENCE_REASONS)
		s->fenced[e->reason]++;
	else if (e->type == QF_ENT_PREEMPTED)
		s->preempted++;
}

void state_apply(struct qf_state *s, const struct qf_entry *e)
{
	struct qf_member *m;

	if (e->type == QF_ENT_NODE_ADD) {
		apply_add(s, e);
		return;
	}
	if (e->type >= QF_ENT_TIMING_BEGIN && e->type <= QF_ENT_TIMING_DONE) {
		apply_timing(s, e);
		return;
	}
	m = state_find_mut(s, e->node);
	if (!m)
		return;
	count_fence(s, e);
	switch (e->type) {
	case QF_ENT_NODE_REMOVE:
		/* Rule 4: removal alone does not free resources. */
		m->flags &= ~QF_MF_IN_CONFIG;
		break;
	case QF_ENT_NODE_JOIN:
		/* Rule 7: a rejoin issues a strictly larger generation. */
		if (e->gen > m->gen)
			m->gen = e->gen;
		if (m->gen > s->max_gen)
			s->max_gen = m->gen;
		/* design.md §2.11: the reason, the boot and the flapping
		 * count are the leader's, copied, so every node agrees. */
		m->join_reason = e->reason;
		m->join_boot = e->boot;
		m->auto_joins = e->auto_joins;
		m->window_s = e->window_s;
		break;
	case QF_ENT_NODE_FENCED:
		if (e->gen > m->fenced_gen) {
			m->fenced_gen = e->gen;
			m->fence_reason = e->reason;
		}
		break;
	}
	maybe_free(m);
}

int qf_bootstrap(struct qf_snapshot *snap, const uint32_t *ids,
		 const uint8_t *roles, size_t n)
{
	struct qf_snapshot s;

	memset(&s, 0, sizeof(s));
	if (n == 0 || n > QF_MAX_VOTERS)
		return -QF_EINVAL;
	for (size_t i = 0; i < n; i++) {
		if (ids[i] == 0 || qf_state_find(&s.state, ids[i]) ||
		    (roles[i] != QF_ROLE_VOTER && roles[i] != QF_ROLE_WITNESS))
			return -QF_EINVAL;
		s.state.m[i] = (struct qf_member){
			.id = ids[i], .role = roles[i],
			.flags = QF_MF_IN_CONFIG, .gen = 1,
		};
	}
	s.state.max_gen = 1;
	s.index = 1;
	s.term = 1;
	*snap = s;
	return 0;
}

void qf_bootstrap_timing(struct qf_snapshot *snap, const struct qf_timing *t)
{
	snap->state.timing = qf_timing_digest(t);
	qf_timing_to_rec(t, &snap->state.timing_rec);
}
