// SPDX-License-Identifier: MIT
/*
 * The network: every message is copied into a pool slot and delivered by an
 * event after a random delay. Faults: loss, duplication, delay spikes (which
 * reorder), and directed link cuts, from which symmetric, asymmetric and
 * one-way partitions are built. A cut is judged at send time, so messages
 * already in flight when a partition starts still arrive (late), as on a
 * real network with deep queues.
 */
#include <string.h>

#include "sim.h"

struct net_params net_p;

static struct qf_msg pool[SIM_MSG_POOL];
static uint32_t free_stack[SIM_MSG_POOL];
static uint32_t n_free;
static uint8_t cut[SIM_MAX_NODES][SIM_MAX_NODES];
static int64_t slow[SIM_MAX_NODES][SIM_MAX_NODES];	/* extra delay per link */
static int n_cut;

void net_reset(void)
{
	n_free = 0;
	for (uint32_t i = SIM_MSG_POOL; i-- > 0;)
		free_stack[n_free++] = i;
	memset(cut, 0, sizeof(cut));
	memset(slow, 0, sizeof(slow));
	n_cut = 0;
}

/* A slow link (a congested queue in one direction): extra delay. */
void net_slow(int from, int to, int64_t extra)
{
	slow[from][to] = extra;
}

void net_cut(int from, int to, int on)
{
	if (from == to || cut[from][to] == !!on)
		return;
	cut[from][to] = !!on;
	n_cut += on ? 1 : -1;
	trace_add(W.now, on ? TR_CUT : TR_HEAL, from, to, 0, 0, 0, NULL);
}

/* in: cut what reaches node; out: cut what node sends. */
void net_isolate(int node, int in, int out)
{
	for (int j = 0; j < W.n; j++) {
		if (in)
			net_cut(j, node, 1);
		if (out)
			net_cut(node, j, 1);
	}
}

void net_heal(void)
{
	memset(slow, 0, sizeof(slow));
	for (int i = 0; i < W.n; i++)
		for (int j = 0; j < W.n; j++)
			net_cut(i, j, 0);
}

int net_is_cut(int from, int to)
{
	return cut[from][to];
}

int net_any_cut(void)
{
	return n_cut > 0;
}

/* What the trace shows of a message: term and round, or for a grant its
 * generation and R. */
static void tr_msg(int kind, int from, int to, const struct qf_msg *m,
		   const char *why)
{
	if (m->type == QF_MSG_GRANT)
		trace_add(W.now, kind, from, to, m->type, m->gen, m->r, why);
	else
		trace_add(W.now, kind, from, to, m->type, m->term, m->round, why);
}

static int64_t net_delay(int from, int to)
{
	int64_t d = rng_range(&W.rng, net_p.delay_min, net_p.delay_max);

	if (slow[from][to])
		d += rng_range(&W.rng, slow[from][to] / 2, slow[from][to]);
	if (net_p.spike_ppm && rng_chance(&W.rng, net_p.spike_ppm))
		d += rng_range(&W.rng, 0, net_p.spike_max);
	return d;
}

/* Copy only the part of the message its type uses: snapshots carry the
 * state, appends only their entries. */
static size_t msg_size(const struct qf_msg *m)
{
	if (m->type == QF_MSG_SNAPSHOT)
		return sizeof(*m);
	return offsetof(struct qf_msg, u) +
		(m->n_entries <= QF_MSG_ENTRIES ? m->n_entries : QF_MSG_ENTRIES) *
		sizeof(struct qf_entry);
}

static void net_enqueue(int from, int to, const struct qf_msg *m)
{
	uint32_t slot;

	if (n_free == 0) {
		tr_msg(TR_DROP, from, to, m, "pool full");
		return;
	}
	slot = free_stack[--n_free];
	memcpy(&pool[slot], m, msg_size(m));
	sim_push(W.now + net_delay(from, to), EV_DELIVER, to, slot, 0);
}

void net_send(int from, const struct qf_msg *m)
{
	struct sim_node *dst = sim_node_by_id(m->to);
	int to;

	if (!dst)
		return;
	to = dst->slot;
	if (cut[from][to] || rng_chance(&W.rng, net_p.loss_ppm)) {
		tr_msg(TR_DROP, from, to, m, cut[from][to] ? "cut" : "loss");
		return;
	}
	tr_msg(TR_SEND, from, to, m, NULL);
	net_enqueue(from, to, m);
	if (net_p.dup_ppm && rng_chance(&W.rng, net_p.dup_ppm)) {
		tr_msg(TR_DUP, from, to, m, NULL);
		net_enqueue(from, to, m);
	}
}

/*
 * A message reaches its node. A crashed node loses it; a paused or busy
 * process finds it in its socket buffer when it runs again.
 */
void net_deliver(const struct sim_event *ev)
{
	struct sim_node *n = &W.node[ev->node];
	const struct qf_msg *m = &pool[ev->arg];

	if (!n->up) {
		free_stack[n_free++] = ev->arg;
		return;
	}
	if (n->frozen || n->busy) {
		struct sim_event again = *ev;

		again.t = node_resume_at(n);
		queue_push(&W.q, again);
		return;
	}
	tr_msg(TR_RECV, (int)m->from - 1, ev->node, m, NULL);
	node_recv(n, m);
	free_stack[n_free++] = ev->arg;
}
