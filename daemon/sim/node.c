// SPDX-License-Identifier: MIT
/*
 * One simulated node: the process running the core, its disk and its
 * kernel lease.
 *
 * Process. Ticks and messages reach the core only while the node is up, not
 * frozen and not busy. A ready batch is handled as raft.h prescribes:
 * persist, then send, then apply, then hand the lease to the kernel, then
 * advance. Persisting takes a simulated fsync; a crash before it completes
 * loses the whole batch, messages included (persist-before-send).
 *
 * Kernel. The lease model of the uapi contract: NONE -> DISARMED (new) ->
 * ARMED (renew) -> FENCED (expiry or LEASE_FENCE, latched, rule 7) ->
 * DISARMED only by UNFENCE with a larger generation. IO is admitted while
 * ARMED and the node's own clock reads below the deadline (rule 6), and may
 * still land for F afterwards. The kernel keeps running in real time while
 * the process is frozen; a reboot clears it.
 */
#include <stdlib.h>
#include <string.h>

#include "sim.h"

static uint64_t sim_rand(void *arg)
{
	(void)arg;
	return rng_next(&W.rng);
}

void node_alloc(struct sim_node *n, int slot)
{
	n->slot = slot;
	n->id = (uint32_t)slot + 1;
	n->r = calloc(1, sizeof(*n->r));
	n->mterm = calloc(SIM_MAX_INDEX, sizeof(uint64_t));
	n->mhash = calloc(SIM_MAX_INDEX, sizeof(uint64_t));
	n->mprefix = calloc(SIM_MAX_INDEX, sizeof(uint64_t));
	if (!n->r || !n->mterm || !n->mhash || !n->mprefix) {
		fprintf(stderr, "qfence-sim: out of memory\n");
		exit(2);
	}
}

int64_t node_local(const struct sim_node *n)
{
	return clock_local(&n->clk, W.now);
}

int node_busy(const struct sim_node *n)
{
	return n->busy;
}

/* A fresh node for a new seed: members get the bootstrap configuration on
 * their disk, the spare slot an empty disk (a node not yet added). */
void node_seed_init(struct sim_node *n, int members)
{
	uint32_t ids[SIM_MAX_NODES];
	uint8_t roles[SIM_MAX_NODES];

	memset(&n->hs, 0, sizeof(n->hs));
	memset(&n->snap, 0, sizeof(n->snap));
	n->dlog_n = 0;
	n->tm = W.tm;
	if (n->slot < members) {
		for (int i = 0; i < members; i++) {
			ids[i] = (uint32_t)i + 1;
			roles[i] = QF_ROLE_VOTER;
		}
		if (qf_bootstrap(&n->snap, ids, roles, (size_t)members) != 0) {
			fprintf(stderr, "qfence-sim: qf_bootstrap failed\n");
			exit(2);
		}
		qf_bootstrap_timing(&n->snap, &W.tm);	/* rule 9 */
	}
	n->up = n->frozen = n->busy = n->started = 0;
	n->crash_trap = n->sent_early = 0;
	n->batch = 0;
	n->tick_gen = 0;
	n->tick_at = INT64_MAX;
	n->kstate = K_NONE;
	n->kgen = 0;
	n->kdeadline = n->kdl = 0;
	n->ktimer = 0;
	n->kexpire_real = INT64_MAX;
	memset(n->gens, 0, sizeof(n->gens));
	n->klapses = n->krefused = 0;
	n->policy = n->reboot_action = 0;
	n->kboot = n->armed_kboot = 0;
	n->kcreated = n->karmed_max = 0;
	n->next_req = 0;
	n->role = QF_FOLLOWER;
	n->leader = 0;
	n->term = 0;
	n->commit = 0;
	if (n->mlast >= SIM_MAX_INDEX)
		n->mlast = SIM_MAX_INDEX - 1;
	memset(n->mterm, 0, (n->mlast + 1) * sizeof(uint64_t));
	memset(n->mhash, 0, (n->mlast + 1) * sizeof(uint64_t));
	memset(n->mprefix, 0, (n->mlast + 1) * sizeof(uint64_t));
	n->mlast = 0;
	n->mfirst = 1;
}

/* Wipe the disk: the node will be added again as a new node. */
void node_wipe(struct sim_node *n)
{
	memset(&n->hs, 0, sizeof(n->hs));
	memset(&n->snap, 0, sizeof(n->snap));
	n->dlog_n = 0;
	memset(n->mterm, 0, (n->mlast + 1) * sizeof(uint64_t));
	memset(n->mhash, 0, (n->mlast + 1) * sizeof(uint64_t));
	memset(n->mprefix, 0, (n->mlast + 1) * sizeof(uint64_t));
	n->mlast = 0;
}

/* ---- generations and the kernel lease ---- */

struct sim_gen *node_gen(struct sim_node *n, uint64_t gen, int create)
{
	struct sim_gen *slot = &n->gens[gen % SIM_GENS];

	if (slot->gen == gen)
		return slot;
	if (!create)
		return NULL;
	memset(slot, 0, sizeof(*slot));
	slot->gen = gen;
	return slot;
}

/*
 * The clock the kernel measures its lease on: the raw one (kmod/clock.h),
 * or with --kernel-boottime, the control, the slewed clock the daemon
 * reads, as the module did before it moved to the raw clock.
 */
static const struct sim_clock *kernel_clock(const struct sim_node *n)
{
	return W.o.kernel_boottime ? &n->clk : &n->kclk;
}

/* Both clocks start together; the raw one keeps the boot drift. */
void node_clock_boot(struct sim_node *n, int64_t real, int64_t local0,
		     int64_t drift_ppb)
{
	clock_boot(&n->clk, real, local0, drift_ppb);
	clock_boot(&n->kclk, real, local0, drift_ppb);
}

/* The real time at which the armed kernel lease runs out. */
int64_t node_kernel_end(const struct sim_node *n)
{
	return clock_real_at(kernel_clock(n), n->kdl);
}

static void kernel_timer(struct sim_node *n)
{
	n->ktimer++;
	if (n->kstate != K_ARMED) {
		n->kexpire_real = INT64_MAX;
		return;
	}
	n->kexpire_real = node_kernel_end(n);
	sim_push(n->kexpire_real, EV_KEXPIRE, n->slot, 0, n->ktimer);
}

/* The armed window closes at `end` (real): IO may land until end + F. */
static void kernel_close(struct sim_node *n, int64_t end)
{
	struct sim_gen *g = node_gen(n, n->kgen, 1);
	int64_t until = end + n->ksettle;	/* the lease's own F */

	if (until > g->io_closed)
		g->io_closed = until;
}

/* The daemon learns of a fence from the kernel's events group. */
static void kernel_notify(struct sim_node *n)
{
	sim_push(W.now, EV_KNOTIFY, n->slot, 0, n->kgen);
}

static void kernel_fence(struct sim_node *n, const char *why)
{
	if (n->kstate == K_ARMED) {
		int64_t end = n->kexpire_real < W.now ? n->kexpire_real : W.now;

		kernel_close(n, end);
	}
	if (n->kstate != K_FENCED && n->kstate != K_NONE) {
		n->kstate = K_FENCED;
		trace_add(W.now, TR_KFENCE, n->slot, 0, 0, n->kgen, 0, why);
		kernel_timer(n);
		kernel_notify(n);
	}
}

static void kernel_expire(struct sim_node *n)
{
	if (n->kstate != K_ARMED)
		return;
	kernel_close(n, n->kexpire_real);
	n->kstate = K_FENCED;
	n->klapses++;
	trace_add(W.now, TR_EXPIRE, n->slot, 0, 0, n->kgen,
		  (uint64_t)n->kdeadline, NULL);
	kernel_timer(n);
	kernel_notify(n);
	nemesis_lapsed(n);
}

/* rd.lease_deadline / rd.lease_gen, as the daemon hands them over. */
static void kernel_lease(struct sim_node *n, int64_t deadline, uint64_t gen)
{
	int64_t now = node_local(n);

	if (deadline == 0) {
		kernel_fence(n, "daemon: no lease");
		return;
	}
	if (n->kstate == K_NONE || (n->kstate == K_DISARMED && gen > n->kgen)) {
		if (n->kstate == K_NONE)
			rejoin_lease_new(n);
		n->kstate = K_DISARMED;	/* LEASE_NEW */
		n->kgen = gen;
		n->ksettle = n->ksettle_want;
		n->kmax = (int64_t)n->tm.lease;
	}
	if (gen > n->kgen) {
		/* a committed rejoin: fence (if somehow armed), UNFENCE */
		kernel_fence(n, "daemon: rejoin");
		n->kstate = K_DISARMED;
		n->kgen = gen;
		trace_add(W.now, TR_UNFENCE, n->slot, 0, 0, gen, 0, NULL);
	}
	if (gen < n->kgen || n->kstate == K_FENCED || deadline <= now ||
	    deadline > now + n->kmax) {
		n->krefused++;
		trace_add(W.now, TR_RENEW, n->slot, 0, 1, gen,
			  (uint64_t)(deadline - now), "refused");
		return;
	}
	n->kstate = K_ARMED;
	rejoin_armed(n, gen);
	n->kdeadline = deadline;
	/* what is left of it runs on the kernel's clock (kmod/clock.h) */
	n->kdl = clock_local(kernel_clock(n), W.now) + (deadline - now);
	if (n->role == QF_LEADER)	/* the leader's own lease: a grant */
		n->grant_at[n->id] = n->rd_local;
	node_gen(n, gen, 1);
	kernel_timer(n);
	trace_add(W.now, TR_RENEW, n->slot, 0, 0, gen,
		  (uint64_t)(deadline - now), NULL);
	inv_kernel(n);
}

int node_lease_valid(const struct sim_node *n)
{
	return n->kstate == K_ARMED &&
	       clock_local(kernel_clock(n), W.now) < n->kdl;
}

/*
 * A rate within ρ may be the oscillator's own (it moves the kernel's raw
 * clock too, the conservative reading: a kernel anywhere within ρ); a
 * rate beyond ρ is a slew (nemesis.c, act_bad_clock), which adjtimex
 * applies to the daemon's clock only.
 */
void node_set_drift(struct sim_node *n, int64_t drift_ppb)
{
	int64_t rho = (int64_t)W.tm.rho_ppm * 1000;

	clock_set_drift(&n->clk, W.now, drift_ppb);
	if (drift_ppb <= rho && drift_ppb >= -rho)
		clock_set_drift(&n->kclk, W.now, drift_ppb);
	trace_add(W.now, TR_DRIFT, n->slot, 0, 0, (uint64_t)drift_ppb, 0, NULL);
	if (n->kstate == K_ARMED) {
		kernel_timer(n);
		inv_kernel(n);
	}
}

/* ---- the process ---- */

/*
 * The daemon's clock guard (design.md rule 10): adjtimex shows the rate the
 * kernel applies, here the node's drift; beyond ρ the verdict is "bad".
 * Fed to the core before every tick and step, as quorumd does.
 */
static void guard(struct sim_node *n)
{
	int64_t d = n->clk.drift_ppb, rho = (int64_t)W.tm.rho_ppm * 1000;

	qf_raft_clock_guard(n->r, (qf_ns)node_local(n), d <= rho && d >= -rho);
}

static void schedule_tick(struct sim_node *n)
{
	int64_t t;

	if (!n->up)
		return;
	t = clock_real_at(&n->clk, (int64_t)qf_raft_next_tick(n->r));
	t += rng_range(&W.rng, 0, US(100));	/* timer slack */
	if (t <= W.now) {
		/* right after a tick, "due now" again means a daemon that
		 * sleeps until next_tick would spin */
		if (n->just_ticked)
			inv_violation("core: next_tick in the past after a tick (a daemon would spin)",
				      n->id, 0);
		t = W.now + (n->just_ticked ? MS(1) : 0);
	}
	if (n->tick_at > W.now && n->tick_at <= t)
		return;
	n->tick_at = t;
	sim_push(t, EV_TICK, n->slot, 0, ++n->tick_gen);
}

static void persist(struct sim_node *n)
{
	const struct qf_ready *rd = &n->rd;

	if (rd->hs_changed)
		n->hs = rd->hs;
	if (rd->snap_changed) {
		uint64_t drop = rd->snap->index > n->snap.index ?
			rd->snap->index - n->snap.index : 0;

		if (drop >= n->dlog_n) {
			n->dlog_n = 0;
		} else {
			memmove(n->dlog, n->dlog + drop,
				(n->dlog_n - drop) * sizeof(n->dlog[0]));
			n->dlog_n -= drop;
		}
		n->snap = *rd->snap;
		inv_snapshot(n, rd->snap);
	}
	if (rd->n_entries) {
		uint64_t first = rd->entries[0].index;
		uint64_t at = first - n->snap.index - 1;

		if (first <= n->snap.index || at > n->dlog_n ||
		    at + rd->n_entries > SIM_DLOG_CAP) {
			inv_violation("ready entries do not fit the log",
				      first, n->snap.index);
			return;
		}
		memcpy(n->dlog + at, rd->entries,
		       rd->n_entries * sizeof(rd->entries[0]));
		n->dlog_n = at + rd->n_entries;
		inv_entries(n, rd->entries, rd->n_entries);
	}
	n->term = n->hs.term;
}

/*
 * design.md §2.10: the daemon applies a committed timing change: its
 * kernel lease takes a max lease that admits the new L too (the larger of
 * both; the core bounds every grant by the cover) and the settle time the
 * core asks for (the stricter of old and new until the change is done),
 * its configuration the new values; then it tells the core. The guard's
 * ρ is the same in both profiles here.
 */
static void apply_timing(struct sim_node *n, const struct qf_ready *rd)
{
	if (rd->timing_kernel) {
		n->ksettle_want = (int64_t)rd->timing_settle;
		if (n->kstate != K_NONE)	/* LEASE_UPDATE */
			n->ksettle = n->ksettle_want;
	}
	if (!rd->timing_apply)
		return;
	n->tm = rd->timing_next;
	if (n->kstate != K_NONE && (int64_t)n->tm.lease > n->kmax)
		n->kmax = (int64_t)n->tm.lease;
	trace_add(W.now, TR_NOTE, n->slot, 0, 0, rd->timing_apply,
		  n->tm.lease, "timing applied");
	qf_raft_timing_applied(n->r, (qf_ns)node_local(n), rd->timing_apply);
}

/* The batch is durable: send, apply, renew, advance (raft.h order). */
static void complete(struct sim_node *n)
{
	const struct qf_ready *rd = &n->rd;

	persist(n);
	for (size_t i = 0; !n->sent_early && i < rd->n_msgs; i++) {
		inv_send(n, &rd->msgs[i]);
		net_send(n->slot, &rd->msgs[i]);
	}
	n->sent_early = 0;
	for (size_t i = 0; i < rd->n_committed; i++)
		inv_commit(n, &rd->committed[i]);
	if (rd->state == QF_LEADER && n->role != QF_LEADER)
		memset(n->grant_at, 0, sizeof(n->grant_at));	/* a new term */
	if (n->role != rd->state || n->leader != rd->leader)
		trace_add(W.now, TR_ROLE, n->slot, (int)rd->leader - 1, rd->state,
			  n->term, 0, qf_state_name(rd->state));
	n->role = rd->state;
	n->leader = rd->leader;
	inv_role(n);
	apply_timing(n, rd);	/* before the renew (raft.h step 4) */
	if (rd->lease_changed)
		kernel_lease(n, (int64_t)rd->lease_deadline, rd->lease_gen);
	n->busy = 0;
	qf_raft_advance(n->r);
}

static int64_t fsync_time(void)
{
	if (rng_chance(&W.rng, 20000))
		return rng_range(&W.rng, MS(2), MS(40));
	return rng_range(&W.rng, US(20), US(800));
}

void node_pump(struct sim_node *n)
{
	while (n->up && !n->frozen && !n->busy && qf_raft_has_ready(n->r)) {
		qf_raft_ready(n->r, &n->rd);
		n->rd_local = node_local(n);
		n->batch++;
		n->busy = 1;
		if (n->rd.hs_changed || n->rd.snap_changed || n->rd.n_entries) {
			if (W.o.send_early)	/* control: break persist-before-send */
				for (size_t i = 0; i < n->rd.n_msgs; i++)
					net_send(n->slot, &n->rd.msgs[i]);
			n->sent_early = W.o.send_early;
			n->busy_until = W.now + fsync_time();
			if (n->crash_trap) {	/* power loss mid-fsync */
				n->crash_trap = 0;
				sim_push(rng_range(&W.rng, W.now, n->busy_until - 1),
					 EV_CRASH, n->slot, 0, n->batch);
			}
			sim_push(n->busy_until, EV_FSYNC, n->slot, 0, n->batch);
			return;
		}
		complete(n);
	}
	schedule_tick(n);
}

void node_recv(struct sim_node *n, const struct qf_msg *m)
{
	guard(n);
	qf_raft_step(n->r, (qf_ns)node_local(n), m);
	node_pump(n);
}

void node_boot(struct sim_node *n, int64_t local0)
{
	struct qf_config cfg;
	struct qf_persist ps;
	int err;

	qf_config_default(&cfg, n->id);
	cfg.timing = n->tm;
	memset(&ps, 0, sizeof(ps));
	ps.hs = n->hs;
	ps.snap = n->snap;
	ps.entries = n->dlog;
	ps.n_entries = n->dlog_n;
	if (local0 >= 0) {	/* a reboot: the clock starts again */
		node_clock_boot(n, W.now, local0, n->kclk.drift_ppb);
		n->kstate = K_NONE;
		kernel_timer(n);
		rejoin_kernel_boot(n);
	}
	if (n->policy)	/* design.md §2.11: the node asks, not the leader */
		cfg.flags &= ~QF_CFG_AUTO_REJOIN;
	do
		n->boot_id = rng_next(&W.rng);
	while (n->boot_id == 0);
	err = qf_raft_init(n->r, &cfg, &ps, n->boot_id, sim_rand, NULL);
	n->ksettle_want = (int64_t)n->tm.settle;
	if (err) {
		inv_violation("qf_raft_init refused the persisted state",
			      (uint64_t)-err, n->id);
		return;
	}
	n->up = 1;
	n->started = 1;
	n->frozen = n->busy = 0;
	n->tick_at = INT64_MAX;
	n->term = n->hs.term;
	n->role = QF_FOLLOWER;
	trace_add(W.now, TR_RESTART, n->slot, 0, 0, n->boot_id,
		  (uint64_t)node_local(n), NULL);
	if (n->kstate == K_FENCED)	/* daemon restart: LEASE_GET */
		qf_raft_lapsed(n->r, (qf_ns)node_local(n), n->kgen);
	guard(n);
	node_pump(n);
}

/* hard: the machine resets (kernel lease gone, IO stops); else only the
 * daemon dies and the kernel lease runs on. */
void node_crash(struct sim_node *n, int hard)
{
	if (!n->up)
		return;
	n->up = 0;
	n->busy = 0;
	n->sent_early = 0;
	n->crash_trap = 0;
	n->frozen = 0;
	n->tick_gen++;
	n->role = QF_FOLLOWER;
	trace_add(W.now, TR_CRASH, n->slot, 0, (uint32_t)hard, n->batch, 0,
		  NULL);
	if (hard && n->kstate == K_ARMED) {
		kernel_close(n, W.now < n->kexpire_real ? W.now :
			     n->kexpire_real);
		n->kstate = K_NONE;
		kernel_timer(n);
	} else if (hard) {
		n->kstate = K_NONE;
	}
}

void node_freeze(struct sim_node *n, int64_t until)
{
	if (!n->up || n->frozen)
		return;
	n->frozen = 1;
	n->thaw_at = until;
	trace_add(W.now, TR_FREEZE, n->slot, 0, 0, (uint64_t)(until - W.now),
		  0, NULL);
	sim_push(until, EV_THAW, n->slot, 0, 0);
}

void node_thaw(struct sim_node *n)
{
	if (!n->frozen)
		return;
	n->frozen = 0;
	n->thaw_at = W.now;
	trace_add(W.now, TR_THAW, n->slot, 0, 0, 0, 0, NULL);
	n->tick_at = INT64_MAX;
	if (n->busy && n->busy_until <= W.now)
		complete(n);	/* its fsync finished during the pause */
	node_pump(n);
	if (n->tick_at == INT64_MAX)
		schedule_tick(n);
}

/* When a frozen or busy process can take the next event. */
int64_t node_resume_at(const struct sim_node *n)
{
	if (n->frozen)
		return n->thaw_at > W.now ? n->thaw_at : W.now;
	return n->busy_until > W.now ? n->busy_until : W.now;
}

/* Events addressed to a node's process wait while it is frozen or busy. */
static int deferred(struct sim_node *n, const struct sim_event *ev)
{
	struct sim_event again = *ev;

	if (!n->frozen && !n->busy)
		return 0;
	again.t = node_resume_at(n);
	queue_push(&W.q, again);
	return 1;
}

void node_event(const struct sim_event *ev)
{
	struct sim_node *n = &W.node[ev->node];

	switch (ev->kind) {
	case EV_TICK:
		if (!n->up || ev->gen != n->tick_gen || n->frozen)
			return;	/* a thaw schedules a new tick */
		if (n->busy) {
			n->tick_at = node_resume_at(n);
			sim_push(n->tick_at, EV_TICK, n->slot, 0, ++n->tick_gen);
			return;
		}
		n->tick_at = INT64_MAX;
		guard(n);
		qf_raft_tick(n->r, (qf_ns)node_local(n));
		n->just_ticked = 1;
		node_pump(n);
		rejoin_tick(n);
		if (n->tick_at == INT64_MAX)
			schedule_tick(n);
		n->just_ticked = 0;
		break;
	case EV_FSYNC:
		if (!n->up || !n->busy || ev->gen != n->batch)
			return;
		if (n->frozen) {	/* the fsync finished; the process waits */
			struct sim_event again = *ev;

			again.t = n->thaw_at;
			queue_push(&W.q, again);
			return;
		}
		trace_add(W.now, TR_FSYNC, n->slot, 0, 0, n->batch, 0, NULL);
		complete(n);
		node_pump(n);
		break;
	case EV_KEXPIRE:
		if (ev->gen == n->ktimer)
			kernel_expire(n);
		break;
	case EV_KNOTIFY:
		if (!n->up || deferred(n, ev))
			return;
		qf_raft_lapsed(n->r, (qf_ns)node_local(n), ev->gen);
		node_pump(n);
		break;
	case EV_THAW:
		if (n->up && n->frozen && W.now >= n->thaw_at)
			node_thaw(n);
		break;
	default:
		break;
	}
}

/* The fence a rejoin ends: the committed one on this node (rule 11). */
static uint64_t sim_fenced_gen(const struct sim_node *n, uint32_t id)
{
	const struct qf_member *s = qf_state_find(&n->r->st, id);

	return s ? s->fenced_gen : 0;
}

int node_propose(struct sim_node *n, int what, uint32_t target)
{
	qf_ns now;
	int err;

	if (!n->up || n->frozen || n->busy)
		return -QF_EBUSY;
	now = (qf_ns)node_local(n);
	switch (what) {
	case PROP_FENCE:
		err = qf_raft_propose_fence(n->r, now, target, QF_FENCE_ADMIN);
		break;
	case PROP_REMOVE:
		err = qf_raft_propose_remove(n->r, now, target);
		break;
	case PROP_ADD:
		err = qf_raft_propose_add(n->r, now, target, QF_ROLE_VOTER,
					  NULL, 0);
		break;
	case PROP_JOIN:
		err = qf_raft_propose_join(n->r, now, target,
					   sim_fenced_gen(n, target));
		break;
	case PROP_TRANSFER:
		err = qf_raft_transfer(n->r, now, target);
		break;
	default:
		err = -QF_EINVAL;
	}
	trace_add(W.now, TR_ADMIN, n->slot, (int)target - 1, (uint32_t)what,
		  (uint64_t)-err, 0, NULL);
	node_pump(n);
	return err;
}

int node_propose_timing(struct sim_node *n, const struct qf_timing *t)
{
	char why[600];
	int err;

	if (!n->up || n->frozen || n->busy)
		return -QF_EBUSY;
	err = qf_raft_propose_timing(n->r, (qf_ns)node_local(n), t, why,
				     sizeof(why));
	trace_add(W.now, TR_ADMIN, n->slot, 0, 6, (uint64_t)-err,
		  qf_timing_digest(t), "propose timing");
	node_pump(n);
	return err;
}

const char *node_msg_name(uint32_t type)
{
	return qf_msg_type_name((int)type);
}
