// SPDX-License-Identifier: MIT
/* Wire encoding of messages (see codec.h). */
#include <string.h>

#include "codec.h"
#include "raft.h"

struct wbuf {
	uint8_t *p;
	size_t len, off;
	bool bad;
};

static void put(struct wbuf *w, uint64_t v, int bytes)
{
	if (w->off + bytes > w->len) {
		w->bad = true;
		return;
	}
	for (int i = bytes - 1; i >= 0; i--, v >>= 8)
		w->p[w->off + i] = (uint8_t)v;
	w->off += bytes;
}

static uint64_t get(struct wbuf *w, int bytes)
{
	uint64_t v = 0;

	if (w->off + bytes > w->len) {
		w->bad = true;
		return 0;
	}
	for (int i = 0; i < bytes; i++)
		v = v << 8 | w->p[w->off + i];
	w->off += bytes;
	return v;
}

/* u8 family, u16 port, 16 bytes ip: no padding on the wire (version 3),
 * so that a whole state still fits one datagram (codec.h). */
static void put_addr(struct wbuf *w, const struct qf_addr *a)
{
	put(w, a->family, 1);
	put(w, a->port, 2);
	if (w->off + 16 > w->len) {
		w->bad = true;
		return;
	}
	memcpy(w->p + w->off, a->ip, 16);
	w->off += 16;
}

static void get_addr(struct wbuf *w, struct qf_addr *a)
{
	a->family = (uint8_t)get(w, 1);
	w->bad |= a->family != 0 && a->family != 4 && a->family != 6;
	a->pad = 0;
	a->port = (uint16_t)get(w, 2);
	if (w->off + 16 > w->len) {
		w->bad = true;
		return;
	}
	memcpy(a->ip, w->p + w->off, 16);
	w->off += 16;
}

static void put_timing_rec(struct wbuf *w, const struct qf_timing_rec *t);
static void get_timing_rec(struct wbuf *w, struct qf_timing_rec *t);

/* TIMING_BEGIN carries its values where NODE_ADD has its addresses (32
 * bytes of values, the rest zero), so every entry keeps one size. */
#define BODY_ZERO (QF_MAX_ADDRS * QF_WIRE_ADDR - 32)
_Static_assert(BODY_ZERO >= 0 && BODY_ZERO <= 8, "entry body layout");

static void put_entry_body(struct wbuf *w, const struct qf_entry *e)
{
	if (e->type == QF_ENT_TIMING_BEGIN) {
		put_timing_rec(w, &e->timing);
		put(w, 0, BODY_ZERO);
		return;
	}
	for (int i = 0; i < QF_MAX_ADDRS; i++)
		put_addr(w, &e->addrs[i]);
}

static void get_entry_body(struct wbuf *w, struct qf_entry *e)
{
	if (e->type == QF_ENT_TIMING_BEGIN) {
		get_timing_rec(w, &e->timing);
		w->bad |= get(w, BODY_ZERO) != 0;
		return;
	}
	for (int i = 0; i < QF_MAX_ADDRS; i++)
		get_addr(w, &e->addrs[i]);
}

static void put_entry(struct wbuf *w, const struct qf_entry *e)
{
	put(w, e->term, 8);
	put(w, e->index, 8);
	put(w, e->type, 1);
	put(w, e->role, 1);
	put(w, e->reason, 1);
	put(w, e->n_addrs, 1);
	put(w, e->node, 4);
	put(w, e->gen, 8);
	put_entry_body(w, e);
	put(w, e->auto_joins, 1);	/* version 3 (design.md §2.11) */
	put(w, 0, 3);
	put(w, e->boot, 4);
	put(w, e->window_s, 4);
}

static void get_entry(struct wbuf *w, struct qf_entry *e)
{
	memset(e, 0, sizeof(*e));
	e->term = get(w, 8);
	e->index = get(w, 8);
	e->type = (uint8_t)get(w, 1);
	e->role = (uint8_t)get(w, 1);
	e->reason = (uint8_t)get(w, 1);
	e->n_addrs = (uint8_t)get(w, 1);
	e->node = (uint32_t)get(w, 4);
	e->gen = get(w, 8);
	get_entry_body(w, e);
	e->auto_joins = (uint8_t)get(w, 1);
	w->bad |= get(w, 3) != 0;
	e->boot = (uint32_t)get(w, 4);
	e->window_s = (uint32_t)get(w, 4);
	w->bad |= e->type < QF_ENT_NOOP || e->type >= __QF_ENT_LAST ||
		  e->n_addrs > QF_MAX_ADDRS ||
		  (e->type == QF_ENT_NODE_JOIN && e->reason >= __QF_JOIN_LAST);
}

static void put_member(struct wbuf *w, const struct qf_member *m)
{
	put(w, m->id, 4);
	put(w, m->role, 1);
	put(w, m->flags, 1);
	put(w, m->fence_reason, 1);
	put(w, m->n_addrs, 1);
	put(w, m->gen, 8);
	put(w, m->fenced_gen, 8);
	for (int i = 0; i < QF_MAX_ADDRS; i++)
		put_addr(w, &m->addrs[i]);
	put(w, m->join_reason, 1);	/* version 3 (design.md §2.11) */
	put(w, m->auto_joins, 1);
	put(w, m->join_boot, 4);
	put(w, m->window_s, 4);
}

static void get_member(struct wbuf *w, struct qf_member *m)
{
	memset(m, 0, sizeof(*m));
	m->id = (uint32_t)get(w, 4);
	m->role = (uint8_t)get(w, 1);
	m->flags = (uint8_t)get(w, 1);
	m->fence_reason = (uint8_t)get(w, 1);
	m->n_addrs = (uint8_t)get(w, 1);
	m->gen = get(w, 8);
	m->fenced_gen = get(w, 8);
	for (int i = 0; i < QF_MAX_ADDRS; i++)
		get_addr(w, &m->addrs[i]);
	m->join_reason = (uint8_t)get(w, 1);
	m->auto_joins = (uint8_t)get(w, 1);
	m->join_boot = (uint32_t)get(w, 4);
	m->window_s = (uint32_t)get(w, 4);
	w->bad |= m->n_addrs > QF_MAX_ADDRS || m->join_reason >= __QF_JOIN_LAST ||
		  (m->flags & ~(QF_MF_IN_CONFIG | QF_MF_TIMING_APPLIED)) ||
		  (m->id && m->role != QF_ROLE_VOTER &&
		   m->role != QF_ROLE_WITNESS);
}

static void put_timing_rec(struct wbuf *w, const struct qf_timing_rec *t)
{
	const uint32_t v[] = { t->heartbeat_ms, t->election_min_ms,
			       t->election_max_ms, t->margin_ms, t->lease_ms,
			       t->settle_ms, t->rho_ppm, t->wait_ms };

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		put(w, v[i], 4);
}

static void get_timing_rec(struct wbuf *w, struct qf_timing_rec *t)
{
	uint32_t *v[] = { &t->heartbeat_ms, &t->election_min_ms,
			  &t->election_max_ms, &t->margin_ms, &t->lease_ms,
			  &t->settle_ms, &t->rho_ppm, &t->wait_ms };

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		*v[i] = (uint32_t)get(w, 4);
}

static void put_header(struct wbuf *w, const struct qf_msg *m)
{
	put(w, 'Q', 1);
	put(w, 'F', 1);
	put(w, QF_WIRE_VERSION, 1);
	put(w, m->type, 1);
	put(w, m->flags, 1);
	put(w, m->n_entries, 1);
	put(w, 0, 2);
	put(w, m->from, 4);
	put(w, m->to, 4);
	put(w, m->timing, 4);
	put(w, m->timing_own, 4);
	put(w, m->term, 8);
	put(w, m->index, 8);
	put(w, m->log_term, 8);
	put(w, m->commit, 8);
	put(w, m->round, 8);
	put(w, m->boot_id, 8);
	put(w, m->a, 8);
	put(w, m->gen, 8);
	put(w, m->r, 8);
}

static void get_header(struct wbuf *w, struct qf_msg *m)
{
	w->bad |= get(w, 1) != 'Q' || get(w, 1) != 'F' ||
		  get(w, 1) != QF_WIRE_VERSION;
	m->type = (uint8_t)get(w, 1);
	m->flags = (uint8_t)get(w, 1);
	m->n_entries = (uint16_t)get(w, 1);
	w->bad |= get(w, 2) != 0;
	m->from = (uint32_t)get(w, 4);
	m->to = (uint32_t)get(w, 4);
	m->timing = (uint32_t)get(w, 4);
	m->timing_own = (uint32_t)get(w, 4);
	m->term = get(w, 8);
	m->index = get(w, 8);
	m->log_term = get(w, 8);
	m->commit = get(w, 8);
	m->round = get(w, 8);
	m->boot_id = get(w, 8);
	m->a = get(w, 8);
	m->gen = get(w, 8);
	m->r = get(w, 8);
	w->bad |= m->type == QF_MSG_NONE || m->type >= __QF_MSG_LAST ||
		  (m->flags & ~(QF_MF_REJECT | QF_MF_FORCE | QF_MF_LAPSED)) ||
		  m->n_entries > QF_MSG_ENTRIES ||
		  (m->n_entries && m->type != QF_MSG_APPEND);
}

/* The committed fence counts of a SNAPSHOT, after the timing values. */
static void put_fence_counts(struct wbuf *w, const struct qf_state *s)
{
	for (int i = 1; i < QF_FENCE_REASONS; i++)
		put(w, s->fenced[i], 4);
	put(w, s->preempted, 4);
}

static void get_fence_counts(struct wbuf *w, struct qf_state *s)
{
	for (int i = 1; i < QF_FENCE_REASONS; i++)
		s->fenced[i] = (uint32_t)get(w, 4);
	s->preempted = (uint32_t)get(w, 4);
}

size_t qf_msg_encode(const struct qf_msg *m, uint8_t *buf, size_t len)
{
	struct wbuf w = { .p = buf, .len = len };

	if (m->type == QF_MSG_NONE || m->type >= __QF_MSG_LAST ||
	    m->n_entries > QF_MSG_ENTRIES ||
	    (m->n_entries && m->type != QF_MSG_APPEND))
		return 0;
	put_header(&w, m);
	for (int i = 0; i < m->n_entries; i++)
		put_entry(&w, &m->u.entries[i]);
	if (m->type == QF_MSG_SNAPSHOT) {
		for (int i = 0; i < QF_MAX_MEMBERS; i++)
			put_member(&w, &m->u.snap.m[i]);
		put(&w, m->u.snap.max_gen, 8);
		put(&w, m->u.snap.timing, 4);
		put(&w, m->u.snap.timing_next, 4);
		put_timing_rec(&w, &m->u.snap.timing_rec);
		/* only during a timing change: older decoders refuse a
		 * nonzero timing_next, and read the rest unchanged */
		if (m->u.snap.timing_next)
			put_timing_rec(&w, &m->u.snap.timing_next_rec);
		put_fence_counts(&w, &m->u.snap);
	}
	return w.bad ? 0 : w.off;
}

int qf_msg_decode(struct qf_msg *m, const uint8_t *buf, size_t len)
{
	struct wbuf w = { .p = (uint8_t *)buf, .len = len };
	struct qf_msg t;

	memset(&t, 0, sizeof(t));
	get_header(&w, &t);
	for (int i = 0; !w.bad && i < t.n_entries; i++)
		get_entry(&w, &t.u.entries[i]);
	if (!w.bad && t.type == QF_MSG_SNAPSHOT) {
		for (int i = 0; i < QF_MAX_MEMBERS; i++)
			get_member(&w, &t.u.snap.m[i]);
		t.u.snap.max_gen = get(&w, 8);
		t.u.snap.timing = (uint32_t)get(&w, 4);
		t.u.snap.timing_next = (uint32_t)get(&w, 4);
		get_timing_rec(&w, &t.u.snap.timing_rec);
		if (t.u.snap.timing_next)
			get_timing_rec(&w, &t.u.snap.timing_next_rec);
		get_fence_counts(&w, &t.u.snap);
	}
	if (w.bad || w.off != len)
		return -1;
	*m = t;
	return 0;
}
