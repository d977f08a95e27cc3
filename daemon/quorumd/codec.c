// SPDX-License-Identifier: MIT
/*
 * Serialization of the core's log entries and snapshots for the disk
 * (store records). Messages on the wire use the core's own codec
 * (daemon/core/codec.h) inside an authenticated datagram (infra wire.h).
 *
 * Little-endian, fixed field order, no padding; variable parts (entries,
 * addresses, occupied state slots) are counted. Decoders check every count
 * and range and refuse trailing bytes: a decoded struct is always one the
 * core could have produced, and the core's own checks come on top.
 */
#include <string.h>

#include "quorumd.h"

/*
 * 2: state carries max_gen. 3: state carries the cluster's timing digest
 * and values (design.md rule 9). Version 2 records still decode (entries are the same;
 * a version-2 state reads as "timing not recorded", timing 0).
 * 4: an entry may be PREEMPTED (design.md rule 13); versions 2 and 3 decode
 * unchanged, and a PREEMPTED in a record older than 4 is refused. A
 * daemon older than 4 refuses version-4 records by their version.
 * 5: the committed timing change (design.md §2.10): entries TIMING_BEGIN
 * (its values follow the generation), TIMING_APPLIED and TIMING_DONE; the
 * state carries the change in progress (digest and values) after the
 * cluster's timing; a TIMING_* entry in a record older than 5 is refused.
 * Also 5: a NODE_JOIN entry carries auto_joins, boot and window_s, a member
 * join_reason, auto_joins, join_boot and window_s (design.md §2.11);
 * older records decode with them 0 (an operator's rejoin, no count).
 * Also 5: the state carries the committed fence counts (NODE_FENCED by
 * reason, PREEMPTED) after the change in progress; an older state reads
 * as counts 0, i.e. it counts the records applied since (a cluster
 * upgraded node by node may then report different totals until every node
 * restarted from a version-5 snapshot taken after the same records).
 * Versions 2-4 decode unchanged (no change in progress).
 */
#define CODEC_VERSION 5
#define CODEC_PREEMPTED 4
#define CODEC_TIMING_CHANGE 5
#define CODEC_REJOIN 5
#define CODEC_FENCE_COUNTS 5
#define CODEC_OLDEST 2

struct wbuf {
	uint8_t *p;
	size_t len, cap;
	bool over;
};

struct rbuf {
	const uint8_t *p;
	size_t len, off;
	bool bad;
};

static void put(struct wbuf *w, uint64_t v, int n)
{
	if (w->len + n > w->cap) {
		w->over = true;
		return;
	}
	for (int i = 0; i < n; i++)
		w->p[w->len++] = (uint8_t)(v >> (8 * i));
}

static void put_bytes(struct wbuf *w, const void *b, size_t n)
{
	if (w->len + n > w->cap) {
		w->over = true;
		return;
	}
	memcpy(w->p + w->len, b, n);
	w->len += n;
}

static uint64_t get(struct rbuf *r, int n)
{
	uint64_t v = 0;

	if (r->off + n > r->len) {
		r->bad = true;
		return 0;
	}
	for (int i = 0; i < n; i++)
		v |= (uint64_t)r->p[r->off++] << (8 * i);
	return v;
}

static void get_bytes(struct rbuf *r, void *b, size_t n)
{
	if (r->off + n > r->len) {
		r->bad = true;
		memset(b, 0, n);
		return;
	}
	memcpy(b, r->p + r->off, n);
	r->off += n;
}

static void put_addr(struct wbuf *w, const struct qf_addr *a)
{
	put(w, a->family, 1);
	put(w, a->port, 2);
	put_bytes(w, a->ip, sizeof(a->ip));
}

static void get_addr(struct rbuf *r, struct qf_addr *a)
{
	a->family = (uint8_t)get(r, 1);
	a->port = (uint16_t)get(r, 2);
	get_bytes(r, a->ip, sizeof(a->ip));
	if (a->family != 0 && a->family != 4 && a->family != 6)
		r->bad = true;
}

static void put_timing_rec(struct wbuf *w, const struct qf_timing_rec *t);
static void get_timing_rec(struct rbuf *r, struct qf_timing_rec *t);

static bool is_timing_entry(uint8_t type)
{
	return type >= QF_ENT_TIMING_BEGIN && type <= QF_ENT_TIMING_DONE;
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
	for (unsigned int i = 0; i < e->n_addrs && i < QF_MAX_ADDRS; i++)
		put_addr(w, &e->addrs[i]);
	if (e->n_addrs > QF_MAX_ADDRS ||
	    (e->type == QF_ENT_TIMING_BEGIN && e->n_addrs))
		w->over = true;
	if (e->type == QF_ENT_TIMING_BEGIN)
		put_timing_rec(w, &e->timing);
	if (e->type == QF_ENT_NODE_JOIN) {	/* version 5 */
		put(w, e->auto_joins, 1);
		put(w, e->boot, 4);
		put(w, e->window_s, 4);
	}
}

static void get_entry(struct rbuf *r, struct qf_entry *e, unsigned int ver)
{
	memset(e, 0, sizeof(*e));
	e->term = get(r, 8);
	e->index = get(r, 8);
	e->type = (uint8_t)get(r, 1);
	e->role = (uint8_t)get(r, 1);
	e->reason = (uint8_t)get(r, 1);
	e->n_addrs = (uint8_t)get(r, 1);
	e->node = (uint32_t)get(r, 4);
	e->gen = get(r, 8);
	if (e->n_addrs > QF_MAX_ADDRS || e->type < QF_ENT_NOOP ||
	    e->type >= __QF_ENT_LAST) {
		r->bad = true;
		return;
	}
	if (e->type == QF_ENT_TIMING_BEGIN) {
		r->bad |= e->n_addrs != 0;
		get_timing_rec(r, &e->timing);
		return;
	}
	for (unsigned int i = 0; i < e->n_addrs; i++)
		get_addr(r, &e->addrs[i]);
	if (e->type != QF_ENT_NODE_JOIN || ver < CODEC_REJOIN)
		return;
	e->auto_joins = (uint8_t)get(r, 1);
	e->boot = (uint32_t)get(r, 4);
	e->window_s = (uint32_t)get(r, 4);
	if (e->reason >= __QF_JOIN_LAST)
		r->bad = true;
}

/* Rule 9: the cluster's recorded timing values (version 3). */
static void put_timing_rec(struct wbuf *w, const struct qf_timing_rec *t)
{
	const uint32_t v[] = { t->heartbeat_ms, t->election_min_ms,
			       t->election_max_ms, t->margin_ms, t->lease_ms,
			       t->settle_ms, t->rho_ppm, t->wait_ms };

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		put(w, v[i], 4);
}

static void get_timing_rec(struct rbuf *r, struct qf_timing_rec *t)
{
	uint32_t *v[] = { &t->heartbeat_ms, &t->election_min_ms,
			  &t->election_max_ms, &t->margin_ms, &t->lease_ms,
			  &t->settle_ms, &t->rho_ppm, &t->wait_ms };

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		*v[i] = (uint32_t)get(r, 4);
}

/* Occupied slots only, each with its slot number. */
static void put_state(struct wbuf *w, const struct qf_state *s)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < QF_MAX_MEMBERS; i++)
		n += s->m[i].id != 0;
	put(w, n, 1);
	put(w, s->max_gen, 8);
	put(w, s->timing, 4);
	put_timing_rec(w, &s->timing_rec);
	put(w, s->timing_next, 4);	/* version 5 */
	put_timing_rec(w, &s->timing_next_rec);
	for (int i = 1; i < QF_FENCE_REASONS; i++)
		put(w, s->fenced[i], 4);
	put(w, s->preempted, 4);
	for (unsigned int i = 0; i < QF_MAX_MEMBERS; i++) {
		const struct qf_member *m = &s->m[i];

		if (!m->id)
			continue;
		put(w, i, 1);
		put(w, m->id, 4);
		put(w, m->role, 1);
		put(w, m->flags, 1);
		put(w, m->fence_reason, 1);
		put(w, m->n_addrs, 1);
		put(w, m->gen, 8);
		put(w, m->fenced_gen, 8);
		for (unsigned int j = 0; j < m->n_addrs && j < QF_MAX_ADDRS; j++)
			put_addr(w, &m->addrs[j]);
		if (m->n_addrs > QF_MAX_ADDRS)
			w->over = true;
		put(w, m->join_reason, 1);	/* version 5 */
		put(w, m->auto_joins, 1);
		put(w, m->join_boot, 4);
		put(w, m->window_s, 4);
	}
}

static void get_state(struct rbuf *r, struct qf_state *s, unsigned int ver)
{
	unsigned int n = (unsigned int)get(r, 1);

	memset(s, 0, sizeof(*s));
	s->max_gen = get(r, 8);
	if (ver >= 3) {
		s->timing = (uint32_t)get(r, 4);
		get_timing_rec(r, &s->timing_rec);
	}
	if (ver >= CODEC_TIMING_CHANGE) {
		s->timing_next = (uint32_t)get(r, 4);
		get_timing_rec(r, &s->timing_next_rec);
	}
	for (int i = 1; ver >= CODEC_FENCE_COUNTS && i < QF_FENCE_REASONS; i++)
		s->fenced[i] = (uint32_t)get(r, 4);
	if (ver >= CODEC_FENCE_COUNTS)
		s->preempted = (uint32_t)get(r, 4);
	if (n > QF_MAX_MEMBERS) {
		r->bad = true;
		return;
	}
	for (unsigned int k = 0; k < n && !r->bad; k++) {
		unsigned int i = (unsigned int)get(r, 1);
		struct qf_member *m;

		if (i >= QF_MAX_MEMBERS || s->m[i].id) {
			r->bad = true;
			return;
		}
		m = &s->m[i];
		m->id = (uint32_t)get(r, 4);
		m->role = (uint8_t)get(r, 1);
		m->flags = (uint8_t)get(r, 1);
		m->fence_reason = (uint8_t)get(r, 1);
		m->n_addrs = (uint8_t)get(r, 1);
		m->gen = get(r, 8);
		m->fenced_gen = get(r, 8);
		if (!m->id || m->n_addrs > QF_MAX_ADDRS) {
			r->bad = true;
			return;
		}
		for (unsigned int j = 0; j < m->n_addrs; j++)
			get_addr(r, &m->addrs[j]);
		if (ver < CODEC_REJOIN)
			continue;
		m->join_reason = (uint8_t)get(r, 1);
		m->auto_joins = (uint8_t)get(r, 1);
		m->join_boot = (uint32_t)get(r, 4);
		m->window_s = (uint32_t)get(r, 4);
		if (m->join_reason >= __QF_JOIN_LAST)
			r->bad = true;
	}
}

ssize_t qd_enc_entry(const struct qf_entry *e, uint8_t *buf, size_t cap)
{
	struct wbuf w = { .p = buf, .cap = cap };

	put(&w, CODEC_VERSION, 1);
	put_entry(&w, e);
	return w.over ? -1 : (ssize_t)w.len;
}

int qd_dec_entry(const uint8_t *buf, size_t len, struct qf_entry *e)
{
	struct rbuf r = { .p = buf, .len = len };
	unsigned int ver = (unsigned int)get(&r, 1);

	if (ver < CODEC_OLDEST || ver > CODEC_VERSION)
		return -1;
	get_entry(&r, e, ver);
	if (e->type == QF_ENT_PREEMPTED && ver < CODEC_PREEMPTED)
		return -1;
	if (is_timing_entry(e->type) && ver < CODEC_TIMING_CHANGE)
		return -1;
	return r.bad || r.off != r.len ? -1 : 0;
}

ssize_t qd_enc_snapshot(const struct qf_snapshot *s, uint8_t *buf, size_t cap)
{
	struct wbuf w = { .p = buf, .cap = cap };

	put(&w, CODEC_VERSION, 1);
	put(&w, s->index, 8);
	put(&w, s->term, 8);
	put_state(&w, &s->state);
	return w.over ? -1 : (ssize_t)w.len;
}

int qd_dec_snapshot(const uint8_t *buf, size_t len, struct qf_snapshot *s)
{
	struct rbuf r = { .p = buf, .len = len };

	unsigned int ver;

	memset(s, 0, sizeof(*s));
	ver = (unsigned int)get(&r, 1);
	if (ver < CODEC_OLDEST || ver > CODEC_VERSION)
		return -1;
	s->index = get(&r, 8);
	s->term = get(&r, 8);
	get_state(&r, &s->state, ver);
	return r.bad || r.off != r.len ? -1 : 0;
}

/* A forwarded request: the type byte, a node id and a generation. */
static size_t enc_node_gen(uint8_t type, uint32_t node, uint64_t gen,
			   uint8_t *buf, size_t cap)
{
	struct wbuf w = { .p = buf, .cap = cap };

	put(&w, type, 1);
	put(&w, node, 4);
	put(&w, gen, 8);
	return w.over ? 0 : w.len;
}

/* Exactly the 13 bytes, neither the node nor the generation 0. */
static int dec_node_gen(uint8_t type, const uint8_t *buf, size_t len,
			uint32_t *node, uint64_t *gen)
{
	struct rbuf r = { .p = buf, .len = len };

	if (get(&r, 1) != type)
		return -1;
	*node = (uint32_t)get(&r, 4);
	*gen = get(&r, 8);
	return r.bad || r.off != r.len || !*node || !*gen ? -1 : 0;
}

/*
 * A forwarded REJOIN: the type byte, the node id and the fenced generation
 * it asks to end (design.md rule 11), so that a recorded one replayed after a
 * later fence names a generation the leader refuses. The old five-byte
 * form (no generation) is refused, not read as "whatever is fenced now".
 */
size_t qd_enc_rejoin(uint32_t node, uint64_t fenced_gen, uint8_t *buf,
		     size_t cap)
{
	return enc_node_gen(QD_PKT_REJOIN, node, fenced_gen, buf, cap);
}

int qd_dec_rejoin(const uint8_t *buf, size_t len, uint32_t *node,
		  uint64_t *fenced_gen)
{
	return dec_node_gen(QD_PKT_REJOIN, buf, len, node, fenced_gen);
}

/*
 * A forwarded FENCE: the type byte, the node id and the generation to
 * fence, the one the sender saw committed (design.md rule 11): a recorded
 * one replayed after the node rejoined names a generation the leader
 * refuses (qf_raft_propose_fence_gen), never "whatever is current now".
 */
size_t qd_enc_fence(uint32_t node, uint64_t gen, uint8_t *buf, size_t cap)
{
	return enc_node_gen(QD_PKT_FENCE, node, gen, buf, cap);
}

int qd_dec_fence(const uint8_t *buf, size_t len, uint32_t *node,
		 uint64_t *gen)
{
	return dec_node_gen(QD_PKT_FENCE, buf, len, node, gen);
}

/*
 * design.md §2.11: a node's own automatic rejoin request. The generation
 * binds it to one fence (rule 11), the boot to one kernel boot; a reason
 * other than after-reboot or when-idle, a fresh flag other than 0 or 1, a
 * zero node, generation or boot, or any other length is refused.
 */
size_t qd_enc_auto_rejoin(const struct qf_join_req *q, uint8_t *buf,
			  size_t cap)
{
	struct wbuf w = { .p = buf, .cap = cap };

	put(&w, QD_PKT_AUTO_REJOIN, 1);
	put(&w, q->node, 4);
	put(&w, q->fenced_gen, 8);
	put(&w, q->reason, 1);
	put(&w, q->lease_fresh ? 1 : 0, 1);
	put(&w, q->boot, 4);
	put(&w, q->armed_boot, 4);
	return w.over ? 0 : w.len;
}

int qd_dec_auto_rejoin(const uint8_t *buf, size_t len, struct qf_join_req *q)
{
	struct rbuf r = { .p = buf, .len = len };
	struct qf_join_req t = { 0 };
	unsigned int fresh;

	if (get(&r, 1) != QD_PKT_AUTO_REJOIN)
		return -1;
	t.node = (uint32_t)get(&r, 4);
	t.fenced_gen = get(&r, 8);
	t.reason = (uint8_t)get(&r, 1);
	fresh = (unsigned int)get(&r, 1);
	t.boot = (uint32_t)get(&r, 4);
	t.armed_boot = (uint32_t)get(&r, 4);
	if (r.bad || r.off != r.len || !t.node || !t.fenced_gen || !t.boot ||
	    fresh > 1 || (t.reason != QF_JOIN_AFTER_REBOOT &&
			  t.reason != QF_JOIN_WHEN_IDLE))
		return -1;
	t.lease_fresh = fresh;
	*q = t;
	return 0;
}
