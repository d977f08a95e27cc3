// SPDX-License-Identifier: MIT
/* The virtual cluster of the tests (see cluster.h). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cluster.h"

#define MS(x) ((long long)((x) / QF_MS))

static uint64_t xorshift(void *arg)
{
	uint64_t *s = arg;

	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

void cl_printf(struct cluster *c, const char *fmt, ...)
{
	va_list ap;
	int len;

	if (c->quiet)
		return;
	va_start(ap, fmt);
	len = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (c->nout + len + 1 > c->capout) {
		c->capout = (c->nout + len + 1) * 2;
		c->out = realloc(c->out, c->capout);
	}
	va_start(ap, fmt);
	vsnprintf(c->out + c->nout, len + 1, fmt, ap);
	va_end(ap);
	c->nout += len;
}

void cl_init(struct cluster *c, const struct qf_timing *t, uint32_t flags)
{
	memset(c, 0, sizeof(*c));
	qf_config_default(&c->cfg, 1);
	if (t)
		c->cfg.timing = *t;
	c->cfg.flags = flags;
	c->latency = 1 * QF_MS;
	c->t = 1000 * QF_MS;
}

void cl_free(struct cluster *c)
{
	for (int i = 1; i <= C_MAX; i++)
		free(c->n[i].r);
	free(c->q);
	free(c->out);
	memset(c, 0, sizeof(*c));
}

qf_ns cl_local(const struct cluster *c, uint32_t id)
{
	const struct cnode *n = &c->n[id];
	__int128 t = (__int128)c->t * (1000000 + n->ppm) / 1000000;

	return n->offset + (qf_ns)t;
}

static int node_start(struct cluster *c, struct cnode *n)
{
	struct qf_config cfg = c->cfg;
	struct qf_persist ps = {
		.hs = n->disk.hs, .snap = n->disk.snap,
		.entries = n->disk.log, .n_entries = n->disk.n,
	};
	int err;

	cfg.id = n->id;
	if (n->own_timing)
		cfg.timing = n->timing;
	if (!n->r)
		n->r = calloc(1, sizeof(*n->r));
	n->boot = ++c->boots * 0x9e3779b97f4a7c15ULL;
	n->rng = n->id * 0x2545f4914f6cdd1dULL + c->boots;
	n->up = true;
	n->last_state = QF_FOLLOWER;
	n->last_leader = 0;
	err = qf_raft_init(n->r, &cfg, &ps, n->boot, xorshift, &n->rng);
	n->last_term = n->r->term;
	/* As quorumd does: a lease found fenced at start is reported at once,
	 * before the committed state has caught up with its generation. */
	if (!err && n->k.state == K_FENCED)
		qf_raft_lapsed(n->r, cl_local(c, n->id), n->k.gen);
	return err;
}

static struct cnode *node_new(struct cluster *c, uint32_t id)
{
	struct cnode *n = &c->n[id];

	memset(n, 0, sizeof(*n));
	n->id = id;
	n->exists = true;
	n->offset = id * 7000 * QF_MS;	/* unrelated clocks */
	return n;
}

int cl_bootstrap(struct cluster *c, const uint32_t *ids, const uint8_t *roles,
		 size_t n)
{
	uint8_t voters[C_MAX] = { 0 };
	struct qf_snapshot snap;
	int err;

	for (size_t i = 0; i < n; i++)
		voters[i] = QF_ROLE_VOTER;
	err = qf_bootstrap(&snap, ids, roles ? roles : voters, n);
	if (!err)	/* rule 9: the cluster's timing, in the state */
		qf_bootstrap_timing(&snap, &c->cfg.timing);
	for (size_t i = 0; !err && i < n; i++) {
		struct cnode *nd;

		if (ids[i] > C_MAX)
			return -QF_EINVAL;
		nd = node_new(c, ids[i]);
		nd->disk.snap = snap;
		err = node_start(c, nd);
	}
	return err;
}

int cl_add_empty(struct cluster *c, uint32_t id)
{
	if (id == 0 || id > C_MAX || c->n[id].exists)
		return -QF_EINVAL;
	return node_start(c, node_new(c, id));
}

/* ---- the ready loop of a node ---- */

static void persist(struct cnode *n, const struct qf_ready *rd)
{
	struct disk *d = &n->disk;

	if (rd->hs_changed)
		d->hs = rd->hs;
	if (rd->snap_changed) {
		size_t k = 0;

		d->snap = *rd->snap;
		for (size_t i = 0; i < d->n; i++)
			if (d->log[i].index > d->snap.index)
				d->log[k++] = d->log[i];
		d->n = k;
	}
	if (rd->n_entries) {
		while (d->n && d->log[d->n - 1].index >= rd->entries[0].index)
			d->n--;
		for (size_t i = 0; i < rd->n_entries && d->n < 2 * QF_LOG_CAP; i++)
			d->log[d->n++] = rd->entries[i];
	}
}

static void enqueue(struct cluster *c, const struct qf_msg *m)
{
	if (m->to == 0 || m->to > C_MAX || c->cut[m->from][m->to])
		return;
	if (c->nq == c->capq) {
		c->capq = c->capq ? 2 * c->capq : 64;
		c->q = realloc(c->q, c->capq * sizeof(*c->q));
	}
	c->q[c->nq].due = c->t + c->latency;
	c->q[c->nq++].m = *m;
}

static const char *reason_name(int r)
{
	static const char *const n[] = { "?", "silent", "admin", "removed",
					 "lapsed" };

	return r >= 1 && r <= 4 ? n[r] : "?";
}

/* The profiles by digest, for the outputs. */
const char *cl_timing_name(const struct cluster *c, uint32_t digest)
{
	struct qf_timing t;

	(void)c;
	if (!digest)
		return "none";
	qf_timing_default(&t);
	if (digest == qf_timing_digest(&t))
		return "default";
	qf_timing_fast(&t);
	if (digest == qf_timing_digest(&t))
		return "fast";
	return "other";
}

static void print_entry(struct cluster *c, struct cnode *n,
			const struct qf_entry *e)
{
	if (e->type >= QF_ENT_TIMING_BEGIN && e->type <= QF_ENT_TIMING_DONE) {
		cl_printf(c, "t=%lld n%u: commit %llu %s", MS(c->t), n->id,
			  (unsigned long long)e->index,
			  qf_entry_type_name(e->type));
		if (e->type == QF_ENT_TIMING_APPLIED)
			cl_printf(c, " n%u", e->node);
		cl_printf(c, " %s\n", cl_timing_name(c, (uint32_t)e->gen));
		return;
	}
	cl_printf(c, "t=%lld n%u: commit %llu %s n%u", MS(c->t), n->id,
		  (unsigned long long)e->index, qf_entry_type_name(e->type),
		  e->node);
	if (e->type == QF_ENT_NODE_FENCED || e->type == QF_ENT_NODE_JOIN)
		cl_printf(c, " gen=%llu", (unsigned long long)e->gen);
	if (e->type == QF_ENT_NODE_FENCED)
		cl_printf(c, " reason=%s", reason_name(e->reason));
	if (e->type == QF_ENT_NODE_JOIN && e->reason != QF_JOIN_ADMIN)
		cl_printf(c, " reason=%s auto=%u", qf_join_reason_name(e->reason),
			  e->auto_joins);
	if (e->type == QF_ENT_NODE_ADD && e->role == QF_ROLE_WITNESS)
		cl_printf(c, " witness");
	cl_printf(c, "\n");
}

static void check_fenced_invariant(struct cluster *c, const struct qf_entry *e)
{
	const struct cnode *x = &c->n[e->node];

	if (e->node > C_MAX || !x->exists)
		return;
	if (x->k.gen == e->gen && cl_kernel_valid(c, e->node)) {
		c->violation = true;
		cl_printf(c, "t=%lld VIOLATION: n%u holds a valid lease of gen %llu after NODE_FENCED committed\n",
			  MS(c->t), e->node, (unsigned long long)e->gen);
	}
}

static void kernel_lease(struct cluster *c, struct cnode *n,
			 const struct qf_ready *rd)
{
	struct kmodel *k = &n->k;
	qf_ns now = cl_local(c, n->id);

	if (rd->lease_fenced) {
		if (k->state != K_FENCED)
			cl_printf(c, "t=%lld n%u: kernel fenced gen=%llu (record)\n",
				  MS(c->t), n->id, (unsigned long long)k->gen);
		k->state = K_FENCED;
		return;
	}
	if (rd->lease_gen > k->gen) {
		if (k->state == K_FENCED)
			cl_printf(c, "t=%lld n%u: kernel unfenced gen=%llu\n",
				  MS(c->t), n->id, (unsigned long long)rd->lease_gen);
		k->gen = rd->lease_gen;
		k->state = K_DISARMED;
	}
	if (!rd->lease_deadline || rd->lease_gen != k->gen ||
	    k->state == K_FENCED || rd->lease_deadline <= now)
		return;
	if (k->state == K_DISARMED)
		cl_printf(c, "t=%lld n%u: kernel armed gen=%llu\n", MS(c->t),
			  n->id, (unsigned long long)k->gen);
	k->state = K_ARMED;
	k->deadline = rd->lease_deadline;
}

/* The daemon applies a committed timing change (design.md §2.10): here
 * its configuration; the kernel model has no settle time to change. */
static void apply_timing(struct cluster *c, struct cnode *n,
			 const struct qf_ready *rd)
{
	if (rd->timing_kernel)
		cl_printf(c, "t=%lld n%u: kernel settle=%llu rho=%u\n", MS(c->t),
			  n->id, (unsigned long long)(rd->timing_settle / QF_MS),
			  rd->timing_rho_ppm);
	if (!rd->timing_apply || n->hold_apply)
		return;
	n->timing = rd->timing_next;
	n->own_timing = true;
	cl_printf(c, "t=%lld n%u: timing applied %s\n", MS(c->t), n->id,
		  cl_timing_name(c, rd->timing_apply));
	qf_raft_timing_applied(n->r, cl_local(c, n->id), rd->timing_apply);
}

static void roles(struct cluster *c, struct cnode *n, const struct qf_ready *rd)
{
	if (rd->state == n->last_state && rd->leader == n->last_leader &&
	    n->r->term == n->last_term)
		return;
	if (rd->state != n->last_state || n->r->term != n->last_term)
		cl_printf(c, "t=%lld n%u: %s term=%llu\n", MS(c->t), n->id,
			  qf_state_name(rd->state),
			  (unsigned long long)n->r->term);
	n->last_state = rd->state;
	n->last_leader = rd->leader;
	n->last_term = n->r->term;
}

void cl_process(struct cluster *c, uint32_t id)
{
	struct cnode *n = &c->n[id];

	while (n->up && !n->frozen && qf_raft_has_ready(n->r)) {
		struct qf_ready rd;

		qf_raft_ready(n->r, &rd);
		persist(n, &rd);	/* 1. before any message leaves */
		for (size_t i = 0; i < rd.n_msgs; i++)
			enqueue(c, &rd.msgs[i]);
		for (size_t i = 0; i < rd.n_committed; i++) {
			if (rd.committed[i].type != QF_ENT_NOOP)
				print_entry(c, n, &rd.committed[i]);
			if (rd.committed[i].type == QF_ENT_NODE_FENCED)
				check_fenced_invariant(c, &rd.committed[i]);
		}
		apply_timing(c, n, &rd);	/* before the lease (raft.h) */
		if (rd.lease_changed)
			kernel_lease(c, n, &rd);
		roles(c, n, &rd);
		qf_raft_advance(n->r);
	}
}

bool cl_kernel_valid(const struct cluster *c, uint32_t id)
{
	const struct cnode *n = &c->n[id];

	return n->exists && n->k.state == K_ARMED &&
	       cl_local(c, id) < n->k.deadline;
}

/* The kernel's own clock check (design.md rule 6) and latch (rule 7). */
static void kernel_tick(struct cluster *c, struct cnode *n)
{
	if (n->k.state != K_ARMED || cl_local(c, n->id) < n->k.deadline)
		return;
	n->k.state = K_FENCED;
	cl_printf(c, "t=%lld n%u: kernel lease expired gen=%llu\n", MS(c->t),
		  n->id, (unsigned long long)n->k.gen);
	if (n->up)
		qf_raft_lapsed(n->r, cl_local(c, n->id), n->k.gen);
}

void cl_deliver_due(struct cluster *c)
{
	size_t i = 0;

	/* Stable order: earliest due first, FIFO among equals. */
	while (i < c->nq) {
		struct inflight f = c->q[i];
		struct cnode *to = &c->n[f.m.to];

		if (f.due > c->t || (to->exists && to->up && to->frozen)) {
			i++;
			continue;
		}
		memmove(&c->q[i], &c->q[i + 1], (c->nq - i - 1) * sizeof(*c->q));
		c->nq--;
		if (!to->exists || !to->up || c->cut[f.m.from][f.m.to])
			continue;
		qf_raft_step(to->r, cl_local(c, to->id), &f.m);
		cl_process(c, to->id);
		i = 0;	/* processing may have queued messages due now */
	}
}

void cl_step_ms(struct cluster *c)
{
	c->t += QF_MS;
	cl_deliver_due(c);
	for (uint32_t id = 1; id <= C_MAX; id++) {
		struct cnode *n = &c->n[id];

		if (!n->exists)
			continue;
		kernel_tick(c, n);	/* the kernel runs on while paused */
		if (!n->up || n->frozen)
			continue;
		qf_raft_tick(n->r, cl_local(c, id));
		cl_process(c, id);
	}
	cl_deliver_due(c);
}

void cl_run(struct cluster *c, qf_ns dur)
{
	qf_ns end = c->t + dur;

	while (c->t < end)
		cl_step_ms(c);
}

uint32_t cl_leader(const struct cluster *c)
{
	uint32_t best = 0;
	uint64_t term = 0;

	for (uint32_t id = 1; id <= C_MAX; id++) {
		const struct cnode *n = &c->n[id];

		if (n->exists && n->up && n->r->state == QF_LEADER &&
		    n->r->term >= term) {
			best = id;
			term = n->r->term;
		}
	}
	return best;
}

/*
 * The daemon stops without a word. machine: daemon and machine crash;
 * unsynced nothing (the disk model is synced at every ready), the kernel
 * lease is gone with the reboot. Otherwise kill -9 of the daemon alone:
 * the kernel lease runs on, expires and latches, and a restart finds it
 * so; as quorumd keeps no commit index on disk, it restarts from the
 * snapshot, its committed state behind its own log.
 */
static void stop(struct cluster *c, uint32_t id, bool machine)
{
	struct cnode *n = &c->n[id];

	if (!n->exists || !n->up)
		return;
	n->up = false;
	if (machine)
		n->k = (struct kmodel){ 0 };
	else
		n->disk.hs.commit = n->disk.snap.index;
	cl_printf(c, "t=%lld n%u: %s\n", MS(c->t), id,
		  machine ? "crashed" : "daemon killed");
}

void cl_crash(struct cluster *c, uint32_t id)
{
	stop(c, id, true);
}

void cl_kill(struct cluster *c, uint32_t id)
{
	stop(c, id, false);
}

int cl_restart(struct cluster *c, uint32_t id)
{
	struct cnode *n = &c->n[id];

	if (!n->exists || n->up)
		return -QF_EINVAL;
	cl_printf(c, "t=%lld n%u: restarted\n", MS(c->t), id);
	return node_start(c, n);
}
