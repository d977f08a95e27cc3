// SPDX-License-Identifier: MIT
/*
 * Rejoin policies in the simulator (design.md §2.11): the fenced node's
 * own request, its kernel boots, and the invariants of an automatic
 * rejoin.
 *
 * A node with a policy asks the leader it follows, every two heartbeats
 * while its committed state shows it fenced, in one datagram over the
 * simulated links (a cut link drops it). It sends what quorumd sends: its
 * kernel boot, the kernel boot it last armed a lease in (durable), whether
 * its kernel lease is fresh. when-idle has nothing to check here: the
 * simulator models no application, so its devices are always idle.
 *
 * Invariants, checked at the first commit anywhere:
 *   - an after-reboot NODE_JOIN of X only if X booted its kernel again
 *     since it last armed the generation the rejoin ends;
 *   - a generation is armed only once its NODE_JOIN (or NODE_ADD, or the
 *     bootstrap) committed: no IO of the new generation before;
 *   - no node rejoined automatically more than the guard's N times within
 *     its window since an operator's rejoin.
 */
#include <string.h>

#include "sim.h"

#define WALL_BASE	1764763200ULL	/* the proposer's wall clock at t=0 */
#define FLAP_RING	32

static struct {
	int64_t at[SIM_MAX_NODES][FLAP_RING];	/* automatic joins, real */
	unsigned int n[SIM_MAX_NODES];
} flap;

void rejoin_reset(void)
{
	memset(&flap, 0, sizeof(flap));
}

static uint32_t new_kboot(void)
{
	uint32_t b;

	do
		b = (uint32_t)rng_next(&W.rng);
	while (b == 0);
	return b;
}

/* Machine reset (or the first boot of the seed): a new kernel boot id. */
void rejoin_kernel_boot(struct sim_node *n)
{
	n->kboot = new_kboot();
}

/* The kernel lease was created (LEASE_NEW) by this daemon start. */
void rejoin_lease_new(struct sim_node *n)
{
	n->kcreated = n->boot_id;
	n->karmed_max = 0;
}

/* Generation gen is armed: the durable record, and the arm invariant. */
void rejoin_armed(struct sim_node *n, uint64_t gen)
{
	struct sim_gen *g = node_gen(n, gen, 1);

	if (gen > 1 && !g->issued)
		inv_violation("rejoin: a generation admitted IO before its NODE_JOIN committed",
			      n->id, gen);
	g->armed_kboot = n->kboot;
	n->armed_kboot = n->kboot;
	if (gen > n->karmed_max)
		n->karmed_max = gen;
}

static uint64_t wall_s(void)
{
	return WALL_BASE + (uint64_t)(W.now / 1000000000LL);
}

static int lease_fresh(const struct sim_node *n, uint64_t fenced_gen)
{
	return (n->kstate == K_NONE || n->kcreated == n->boot_id) &&
	       n->karmed_max < fenced_gen;
}

/* The node's request, as quorumd sends it, if it is due. */
void rejoin_tick(struct sim_node *n)
{
	const struct qf_member *s = qf_state_find(&n->r->st, n->id);
	struct sim_node *l = sim_node_by_id(n->leader);
	struct qf_join_req q;
	int err;

	if (!n->policy || !n->up || n->frozen || !s || s->fenced_gen < s->gen ||
	    W.now < n->next_req || !l)
		return;
	n->next_req = W.now + 2 * (int64_t)W.tm.heartbeat;
	if (!l->up || l->frozen || l->busy || l->role != QF_LEADER ||
	    (l != n && net_is_cut(n->slot, l->slot)))
		return;
	q = (struct qf_join_req){
		.node = n->id, .reason = (uint8_t)n->policy,
		.fenced_gen = s->fenced_gen, .boot = n->kboot,
		.armed_boot = n->armed_kboot,
		.lease_fresh = lease_fresh(n, s->fenced_gen),
	};
	err = qf_raft_propose_auto_join(l->r, (qf_ns)node_local(l), wall_s(),
					&q);
	trace_add(W.now, TR_ADMIN, l->slot, n->slot, 100 + n->policy,
		  (uint64_t)-err, s->fenced_gen, "auto-join request");
	node_pump(l);
}

static void check_reboot(struct sim_node *x, const struct qf_entry *e)
{
	struct sim_gen *old = NULL;

	/* the generation this rejoin ends: the newest one armed before */
	for (uint64_t g = e->gen - 1; g >= 1 && g + SIM_GENS >= e->gen; g--) {
		old = node_gen(x, g, 0);
		if (old && old->armed_kboot)
			break;
		old = NULL;
	}
	if (old && old->armed_kboot == x->kboot)
		inv_violation("rejoin: after-reboot NODE_JOIN committed without a new kernel boot",
			      x->id, e->gen);
}

static void check_guard(struct sim_node *x, const struct qf_entry *e)
{
	int64_t window = (int64_t)QF_FLAP_WINDOW_DEFAULT * 1000000000LL;
	unsigned int *n = &flap.n[x->slot], within = 0;

	if (e->reason == QF_JOIN_ADMIN) {
		*n = 0;		/* an operator's rejoin resets the count */
		return;
	}
	flap.at[x->slot][*n % FLAP_RING] = W.now;
	(*n)++;
	for (unsigned int i = 0; i < *n && i < FLAP_RING; i++)
		within += W.now - flap.at[x->slot][i] < window;
	if (within > QF_FLAP_MAX_DEFAULT)
		inv_violation("rejoin: flapping guard let a node rejoin automatically more than N times in its window",
			      x->id, within);
}

/* The first commit anywhere of e (a NODE_JOIN or NODE_ADD). */
void rejoin_committed(const struct qf_entry *e)
{
	struct sim_node *x = sim_node_by_id(e->node);

	if (!x || (e->type != QF_ENT_NODE_JOIN && e->type != QF_ENT_NODE_ADD))
		return;
	node_gen(x, e->gen, 1)->issued = 1;
	if (e->type != QF_ENT_NODE_JOIN)
		return;
	if (e->reason == QF_JOIN_AFTER_REBOOT)
		check_reboot(x, e);
	check_guard(x, e);
}

/*
 * Liveness after healing does not apply to a node the rules keep fenced:
 * one the guard left fenced, or an after-reboot node whose daemon only
 * restarted (the boot probe).
 */
int rejoin_live_exempt(const struct sim_node *l, const struct sim_node *n)
{
	const struct qf_member *s = qf_state_find(&l->r->st, n->id);

	if (!n->policy || !s || s->fenced_gen < s->gen)
		return 0;
	return qf_raft_flapping(l->r, n->id, wall_s()) ||
	       (n->policy == QF_JOIN_AFTER_REBOOT && n->reboot_action == 2);
}
