// SPDX-License-Identifier: MIT
/*
 * The nemesis: each seed runs one scenario, chosen from the seed unless
 * --scenario fixes it, with its faults drawn from the seed's generator.
 *
 *   chaos         random cuts (symmetric, asymmetric, one-way), crashes
 *                 (machine reset or daemon only), pauses, clock rate
 *                 changes, admin fences, leadership transfers, membership
 *                 changes, loss, duplication, delay spikes; then heal
 *   isolate       cut one node (the leader half of the time) off, both ways
 *                 or one way, until its NODE_FENCED commits; then heal
 *   leader-crash  clean network; reset the leader; no healthy follower's
 *                 lease may lapse (design.md §2 liveness rule)
 *   freeze        pause one node's process for longer than L; or a stale
 *                 leader (rule 4)
 *   reboot        crash and restart nodes, clocks starting near zero; or
 *                 a boot-nonce probe (rule 3)
 *   membership    remove a member and add it back, or add the spare node
 *   admin         "fence X now" on the leader
 *   takeover      cut one node off both ways; measure cut -> NODE_FENCED
 *   bad-clock     a clock runs fast beyond ρ (up to chrony's default
 *                 maxslewrate; --slow-clocks: or slow, and a follower on a
 *                 bad clock cut off) and its guard says so (rule 10): on the
 *                 leader, with a follower cut off until it is fenced; or
 *                 on a follower; healed with the clock back within ρ
 *   mixed-timing  a rolling configuration change (rule 9): one follower
 *                 restarts with the other profile's timing; then the
 *                 leader resets and another follower is cut off; healed
 *                 with the node back on the cluster's timing
 *   timing-change the committed timing change (design.md §2.10): the
 *                 leader changes the cluster to the other profile, while
 *                 a follower is cut off until it is fenced, or the leader
 *                 resets, or a follower's daemon restarts on its old
 *                 configuration; half the time it changes back once done.
 *                 After healing the change must have completed everywhere.
 *   total-partition every link cut for 3 s, every lease lapses (design.md
 *                 §2.11): each node has a rejoin policy, after-reboot
 *                 nodes reset on the lapse (the reboot action) - or, the
 *                 boot probe, only their daemon restarts; healed, the
 *                 cluster must re-form and serve again without an operator
 *   flapping      one when-idle node's links flap: cut until it is
 *                 fenced, healed until it rejoined, N + 2 times; the
 *                 flapping guard must leave it fenced after N
 *
 * Every scenario ends healed: all nodes up, no cuts, a clean network; after
 * a bound a leader must exist and every member must hold a lease.
 */
#include <string.h>

#include "sim.h"

const char *const scenario_names[] = {
	[SC_MIXED] = "mixed",		[SC_CHAOS] = "chaos",
	[SC_ISOLATE] = "isolate",	[SC_LEADER_CRASH] = "leader-crash",
	[SC_FREEZE] = "freeze",		[SC_REBOOT] = "reboot",
	[SC_MEMBERSHIP] = "membership",	[SC_ADMIN] = "admin",
	[SC_TAKEOVER] = "takeover",	[SC_BAD_CLOCK] = "bad-clock",
	[SC_MIXED_TIMING] = "mixed-timing",
	[SC_TIMING_CHANGE] = "timing-change",
	[SC_TOTAL_PARTITION] = "total-partition", [SC_FLAPPING] = "flapping",
	[SC__MAX] = NULL,
};

/* nemesis steps (EV_NEMESIS arg) */
enum {
	NS_WARM = 1,	/* wait until stable, then act */
	NS_CHAOS,	/* one random fault, then again */
	NS_HEAL,	/* end of faults */
	NS_LIVE,	/* liveness check */
	NS_UNCUT,	/* isolate: heal after the fence */
	NS_REBOOT,	/* reboot scenario: next crash */
	NS_MEMBER,	/* membership scenario: next step */
	NS_EXTREME,	/* --clocks extreme: flip rates to stress W */
	NS_FLIP,	/* isolate with extreme clocks: cut now */
	NS_ADMIN,	/* admin scenario: fence X now */
	NS_ADMIN_CHECK,	/* ... and it committed */
	NS_TIMING,	/* timing-change: next step */
	NS_FLAP,	/* flapping: next cut or heal */
};

static struct {
	int64_t chaos_end;
	int64_t bound;		/* heal -> liveness */
	int stage;
	uint32_t target;
	int64_t hold;
	uint32_t admin_id;	/* "fence X now" proposed for X */
	int admin_done;
	int64_t admin_bound;
	struct qf_timing to;	/* timing-change: the timing asked for */
	int back;		/* ... and then back again */
	int flaps;		/* flapping: cycles left */
} ns;

static int64_t rho_ppb(void)
{
	return (int64_t)W.tm.rho_ppm * 1000;
}

static int64_t random_drift(void)
{
	if (W.o.extreme)
		return rng_chance(&W.rng, 500000) ? rho_ppb() : -rho_ppb();
	return rng_range(&W.rng, -rho_ppb(), rho_ppb());
}

static void step_at(int64_t t, uint32_t what)
{
	sim_push(t, EV_NEMESIS, 0, what, 0);
}

static struct sim_node *leader(void)
{
	struct sim_node *best = NULL;

	for (int i = 0; i < W.n; i++) {
		struct sim_node *n = &W.node[i];

		if (n->up && !n->frozen && n->role == QF_LEADER &&
		    (!best || n->term > best->term))
			best = n;
	}
	return best;
}

/* Members of the configuration as the newest leader (or any node) has it. */
static struct qf_status st_buf;

static int is_member(const struct sim_node *ref, uint32_t id)
{
	const struct qf_member *m;

	qf_raft_status(ref->r, &st_buf);
	m = qf_state_find(st_buf.state_machine, id);

	return m && (m->flags & QF_MF_IN_CONFIG) && m->role == QF_ROLE_VOTER;
}

static int stable(void)
{
	struct sim_node *l = leader();

	if (!l)
		return 0;
	for (int i = 0; i < W.n; i++) {
		struct sim_node *n = &W.node[i];

		if (is_member(l, n->id) && (!n->up || !node_lease_valid(n)))
			return 0;
	}
	return 1;
}

static struct sim_node *random_up(void)
{
	for (int tries = 0; tries < 32; tries++) {
		struct sim_node *n = &W.node[rng_below(&W.rng, (uint64_t)W.n)];

		if (n->up && n->started)
			return n;
	}
	return NULL;
}

static void set_clean_net(void)
{
	net_p.delay_min = US(30);
	net_p.delay_max = W.o.extreme ? US(150) :
		rng_range(&W.rng, US(200), MS(3));
	net_p.loss_ppm = net_p.dup_ppm = net_p.spike_ppm = 0;
	net_p.spike_max = 0;
}

static void set_rough_net(void)
{
	net_p.delay_min = rng_range(&W.rng, US(20), US(500));
	net_p.delay_max = net_p.delay_min + rng_range(&W.rng, US(100), MS(30));
	net_p.loss_ppm = (uint32_t)rng_range(&W.rng, 0, 100000);
	net_p.dup_ppm = (uint32_t)rng_range(&W.rng, 0, 30000);
	net_p.spike_ppm = (uint32_t)rng_range(&W.rng, 0, 30000);
	net_p.spike_max = rng_range(&W.rng, MS(1), (int64_t)W.tm.lease);
}

/* Mild roughness for targeted scenarios: delays that matter for rules 1-3
 * (a grant that arrives late), but no loss. */
static void set_mild_net(void)
{
	set_clean_net();
	if (W.o.extreme)
		return;
	net_p.delay_max = rng_range(&W.rng, US(200), MS(20));
	net_p.dup_ppm = (uint32_t)rng_range(&W.rng, 0, 20000);
	net_p.spike_ppm = (uint32_t)rng_range(&W.rng, 0, 50000);
	net_p.spike_max = rng_range(&W.rng, MS(1), (int64_t)W.tm.lease / 2);
}

/* The other profile: the timing a timing-change seed asks for. */
static void other_profile(struct qf_timing *t)
{
	if (W.o.fast)
		qf_timing_default(t);
	else
		qf_timing_fast(t);
	t->rho_ppm = W.tm.rho_ppm;
}

/* Bounds for a seed that runs both profiles: the larger of each. */
static void timing_change_start(void)
{
	struct qf_timing o;
	qf_ns w;

	other_profile(&o);
	w = qf_timing_wait(&o);
	W.rule5_wait = w < W.wait ? w : W.wait;
	W.lease_max = o.lease > W.tm.lease ? o.lease : W.tm.lease;
	ns.bound += 6 * (int64_t)(o.election_max + o.heartbeat) +
		    (int64_t)(o.fence_after + 4 * w + 3 * o.lease) + MS(2000);
	ns.to = o;
	ns.back = rng_chance(&W.rng, 500000);
}

/*
 * design.md §2.11: the rejoin policy of each member (0 elsewhere: the
 * leader's legacy AUTO_REJOIN, which the other scenarios rely on).
 */
static void policies(int sc)
{
	int probe = sc == SC_TOTAL_PARTITION && rng_chance(&W.rng, 400000);

	for (int i = 0; i < W.n; i++) {
		struct sim_node *n = &W.node[i];

		if (sc != SC_TOTAL_PARTITION && sc != SC_FLAPPING)
			continue;
		n->policy = sc == SC_FLAPPING || rng_chance(&W.rng, 500000) ?
			QF_JOIN_WHEN_IDLE : QF_JOIN_AFTER_REBOOT;
		n->reboot_action = n->policy == QF_JOIN_AFTER_REBOOT;
		if (probe && n->policy == QF_JOIN_AFTER_REBOOT) {
			n->reboot_action = 2;	/* only the daemon restarts */
			probe = 0;
		}
	}
}

void nemesis_start(void)
{
	int sc = W.o.scenario;

	memset(&ns, 0, sizeof(ns));
	if (sc == SC_MIXED) {
		static const uint8_t pick[] = {
			SC_CHAOS, SC_CHAOS, SC_CHAOS, SC_ISOLATE, SC_ISOLATE,
			SC_LEADER_CRASH, SC_FREEZE, SC_REBOOT, SC_MEMBERSHIP,
			SC_ADMIN, SC_BAD_CLOCK, SC_MIXED_TIMING,
			SC_TIMING_CHANGE,
		};
		uint64_t x = W.seed;

		/* from the seed alone, so that --scenario NAME replays it */
		sc = pick[splitmix64(&x) % sizeof(pick)];
	}
	W.scenario = sc;
	policies(sc);
	ns.bound = 6 * (int64_t)(W.tm.election_max + W.tm.heartbeat) +
		(int64_t)(W.tm.fence_after + 2 * W.wait + 3 * W.tm.lease) +
		MS(2000);
	W.rule5_wait = W.wait;
	W.lease_max = W.tm.lease;
	if (sc == SC_TIMING_CHANGE)
		timing_change_start();
	ns.admin_bound = (int64_t)(W.wait + 2 * W.tm.election_max) + MS(3000);
	if (sc == SC_CHAOS)
		set_rough_net();
	else if (sc == SC_LEADER_CRASH || sc == SC_TAKEOVER)
		set_clean_net();
	else
		set_mild_net();
	for (int i = 0; i < W.n; i++) {
		struct sim_node *n = &W.node[i];

		node_clock_boot(n, 0, 0, random_drift());
		if (i < W.members0) {
			/* uptime before the run: any, or near zero so that
			 * a reboot's clock soon reaches old readings */
			int64_t up = sc == SC_REBOOT ? rng_range(&W.rng, 0, MS(50)) :
				rng_range(&W.rng, 0, MS(100000));
			node_boot(n, up);
		}
	}
	step_at(MS(500), NS_WARM);
	sim_push(W.o.duration, EV_END, 0, 0, 0);
}

static struct qf_status tst;

/* timing-change: a daemon left on a timing the cluster no longer runs
 * (restarted on its old configuration) gets the cluster's, as an
 * operator fixing its configuration file would give it. */
static void timing_heal(struct sim_node *n)
{
	if (!n->up)
		return;
	qf_raft_status(n->r, &tst);
	if (!tst.timing_bad)
		return;
	qf_timing_from_rec(&tst.state_machine->timing_rec, &n->tm);
	n->tm.fence_after = n->tm.lease;
	node_crash(n, 0);
	node_boot(n, -1);
}

static void heal_all(void)
{
	net_heal();
	set_clean_net();
	for (int i = 0; i < W.n; i++) {
		struct sim_node *n = &W.node[i];

		if (n->clk.drift_ppb > rho_ppb() || n->clk.drift_ppb < -rho_ppb())
			node_set_drift(n, random_drift());	/* bad-clock */
		if (W.scenario == SC_TIMING_CHANGE)
			timing_heal(n);
		else if (n->up && qf_timing_digest(&n->tm) != qf_timing_digest(&W.tm)) {
			n->tm = W.tm;		/* mixed-timing: back */
			node_crash(n, 0);
			node_boot(n, -1);
		}

		if (n->started && !n->up && n->reboot_action == 2)
			node_boot(n, -1);	/* the boot probe: daemon only */
		else if (n->started && !n->up)
			node_boot(n, rng_range(&W.rng, 0, MS(50)));
		else if (n->frozen)
			node_thaw(n);
	}
	W.heal_at = W.now;
	step_at(W.now + ns.bound, NS_LIVE);
	trace_add(W.now, TR_NOTE, 0, 0, 0, 0, 0, "healed");
}

static void crash(struct sim_node *n, int64_t down)
{
	int hard = rng_chance(&W.rng, 700000);

	node_crash(n, hard);
	sim_push(W.now + down, EV_RESTART, n->slot, (uint32_t)hard, 0);
}

/* A trapped node loses power in the middle of an fsync: the batch (term,
 * vote, entries) is lost, and so are its messages unless the daemon sent
 * them early (the --send-before-fsync control). */
void nemesis_crash(const struct sim_event *ev)
{
	struct sim_node *n = &W.node[ev->node];

	if (!n->up || !n->busy || n->batch != ev->gen)
		return;
	node_crash(n, 1);
	sim_push(W.now + rng_range(&W.rng, MS(5), MS(500)), EV_RESTART,
		 n->slot, 1, 0);
}

void nemesis_restart(const struct sim_event *ev)
{
	struct sim_node *n = &W.node[ev->node];

	if (n->up)
		return;
	/* a machine reset restarts the clock near zero (rule 3's boot_id) */
	node_boot(n, ev->arg ? rng_range(&W.rng, 0, MS(50)) : -1);
}

static void chaos_one(void)
{
	struct sim_node *l = leader(), *n = random_up();
	uint64_t what = rng_below(&W.rng, 14);
	int a = (int)rng_below(&W.rng, (uint64_t)W.n);
	int b = (int)rng_below(&W.rng, (uint64_t)W.n);

	switch (what) {
	case 0:
	case 1:		/* directed cuts */
		for (int k = 0; k < 1 + (int)rng_below(&W.rng, 4); k++)
			net_cut((int)rng_below(&W.rng, (uint64_t)W.n),
				(int)rng_below(&W.rng, (uint64_t)W.n), 1);
		break;
	case 2: {	/* a clean split into two sides */
		uint32_t side = (uint32_t)rng_next(&W.rng);

		for (int i = 0; i < W.n; i++)
			for (int j = 0; j < W.n; j++)
				if (((side >> i) ^ (side >> j)) & 1)
					net_cut(i, j, 1);
		break;
	}
	case 3:		/* one-way isolation */
		net_isolate(a, rng_chance(&W.rng, 500000), 1);
		break;
	case 4:
	case 5:
		net_heal();
		break;
	case 6:
		if (n)
			crash(n, rng_range(&W.rng, MS(20), MS(3000)));
		break;
	case 7:
		if (n)
			node_freeze(n, W.now + rng_range(&W.rng, MS(50),
					(int64_t)(3 * W.tm.lease)));
		break;
	case 8:
		if (n)
			node_set_drift(n, random_drift());
		break;
	case 9:
		if (l)
			node_propose(l, PROP_FENCE, (uint32_t)b + 1);
		break;
	case 10:
		if (l)
			node_propose(l, PROP_TRANSFER, (uint32_t)b + 1);
		break;
	case 11:
		if (!l)
			break;
		if (rng_chance(&W.rng, 500000)) {
			node_propose(l, PROP_REMOVE, (uint32_t)b + 1);
			break;
		}
		if (!W.node[b].started)	/* the spare: start it empty */
			node_boot(&W.node[b], rng_range(&W.rng, 0, MS(50)));
		node_propose(l, PROP_ADD, (uint32_t)b + 1);
		break;
	case 12:
		if (rng_chance(&W.rng, 500000))
			set_rough_net();
		else if (n)
			n->crash_trap = 1;
		break;
	default:	/* the old leader's side keeps a majority? cut it */
		if (l)
			net_isolate(l->slot, rng_chance(&W.rng, 500000),
				    rng_chance(&W.rng, 500000));
	}
	(void)a;
}

/* ---- scenarios: the action once the cluster is stable ---- */

static void isolate(struct sim_node *v)
{
	int kind = W.scenario == SC_TAKEOVER ? 0 : (int)rng_below(&W.rng, 5);

	W.victim = v->id;
	W.cut_at = W.now;
	/* 0-2: both ways; 3: nothing reaches it; 4: nothing leaves it */
	net_isolate(v->slot, kind != 4, kind != 3);
	ns.hold = (int64_t)(W.tm.fence_after + W.wait) + MS(3000) +
		rng_range(&W.rng, 0, MS(2000));
	step_at(W.now + ns.hold, NS_UNCUT);
}

/*
 * --clocks extreme: the deciding side runs fast, the victim slow, each at
 * the bound: the case rule 5's (1+rho)/(1-rho) factor is for.
 */
static void extreme_rates(struct sim_node *v)
{
	for (int i = 0; i < W.n; i++)
		if (W.node[i].started)
			node_set_drift(&W.node[i], &W.node[i] == v ?
				       -rho_ppb() : rho_ppb());
}

static void act_isolate(void)
{
	struct sim_node *l = leader();
	struct sim_node *v = rng_chance(&W.rng, 500000) ? l : random_up();

	if (!v)
		v = l;
	if (v == l && !W.o.extreme && rng_chance(&W.rng, 400000)) {
		/*
		 * Slow acks: every link into the leader queues for up to
		 * about an election timeout, then the leader is cut off. Acks
		 * in flight keep arriving after the majority elected a new
		 * leader; only the round each one echoes may count (rule 2).
		 */
		int64_t extra = rng_range(&W.rng, (int64_t)W.tm.election_min,
					  (int64_t)(2 * W.tm.election_max));

		for (int i = 0; i < W.n; i++)
			net_slow(i, v->slot, extra);
		ns.target = v->id;
		step_at(W.now + rng_range(&W.rng, extra, 2 * extra), NS_FLIP);
		return;
	}
	if (W.o.extreme) {
		extreme_rates(v);
		ns.target = v->id;
		/* let a few rounds run at the new rates, then cut at a random
		 * phase of the heartbeat */
		step_at(W.now + 3 * (int64_t)W.tm.heartbeat +
			rng_range(&W.rng, 0, (int64_t)W.tm.heartbeat), NS_FLIP);
		return;
	}
	isolate(v);
}

/*
 * Rule 10: a clock beyond ρ, fast (a slew up to chrony's default
 * maxslewrate, 83333 ppm), reported by its guard. On the leader, cut off
 * a follower as well: a leader that went on deciding on that clock would
 * commit the follower's NODE_FENCED before its IO has settled (W ends up
 * to 8 % early in real time). The slew moves the daemon's clock only:
 * the kernel measures the lease on the raw clock (kmod/clock.h; node.c,
 * node_set_drift), so a lease armed before the clock went bad ends on
 * time. --kernel-boottime is the control: a kernel on the slewed clock.
 */
static void act_bad_clock(struct sim_node *l)
{
	struct sim_node *n = rng_chance(&W.rng, 600000) ? l : random_up();
	struct sim_node *v = random_up();
	int64_t d = rng_range(&W.rng, 20 * rho_ppb(), 83333000);

	if (!n)
		n = l;
	/*
	 * --slow-clocks: half the clocks run slow, and a follower on a bad
	 * clock is cut off, so that the majority fences it. The guard stops
	 * its renewals; the lease armed when the clock went bad runs on, on
	 * the kernel's clock. With --kernel-boottime that clock is the slewed
	 * one, stretched in real time by up to L times the excess rate: IO
	 * lands after W (tests/sim/check.sh, the control).
	 */
	if (W.o.slow_clocks && rng_chance(&W.rng, 500000))
		d = -d;
	node_set_drift(n, d);
	if (n == l && v && v != l) {
		isolate(v);
		return;
	}
	if (n != l && W.o.slow_clocks)
		isolate(n);
	step_at(W.now + (int64_t)(2 * W.tm.lease + W.wait), NS_HEAL);
}

/*
 * Rule 9: node N restarts with the other profile's timing (the daemon only:
 * its kernel lease runs on). Then the leader resets and comes back soon,
 * and follower V is cut off with a lease of the old leader's L. A node that
 * acted on N's messages could elect N, which would fence V after its own,
 * shorter W while V's IO may still land (fast profile: W 0.8 s against
 * L 1.5 s + F 1 s).
 */
static void act_mixed_timing(struct sim_node *l)
{
	struct sim_node *n = NULL, *v = NULL;

	for (int i = 0; i < W.members0; i++) {
		struct sim_node *x = &W.node[i];

		if (x == l || !x->up)
			continue;
		if (!n)
			n = x;
		else if (!v || rng_chance(&W.rng, 500000))
			v = x;
	}
	if (!n || !v) {
		step_at(W.now, NS_HEAL);
		return;
	}
	if (W.o.fast)
		qf_timing_default(&n->tm);
	else
		qf_timing_fast(&n->tm);
	node_crash(n, 0);
	node_boot(n, -1);
	node_crash(l, 1);
	sim_push(W.now + rng_range(&W.rng, MS(20), MS(400)), EV_RESTART,
		 l->slot, 1, 0);
	isolate(v);
}

/*
 * design.md §2.10: the leader changes the timing to the other profile,
 * with one disturbance right at the start: a follower cut off (it cannot
 * apply; a core that decided its fence with the new W while its lease is
 * of the old L and F lets its IO land after the fence), the leader reset
 * (its successor carries the change on), or a follower's daemon restarted
 * on its old configuration (it applies the change again).
 */
static void act_timing_change(struct sim_node *l)
{
	struct sim_node *f = random_up();
	uint64_t what = rng_below(&W.rng, 4);
	int err = node_propose_timing(l, &ns.to);

	if (err) {
		inv_violation("timing-change: the leader refused the change",
			      (uint64_t)-err, l->id);
		return;
	}
	if (f == l)
		f = NULL;
	if (what == 0 && f) {
		isolate(f);
	} else if (what == 1) {
		node_crash(l, 1);
		sim_push(W.now + rng_range(&W.rng, MS(20), MS(1500)),
			 EV_RESTART, l->slot, 1, 0);
	} else if (what == 2 && f) {
		f->tm = W.tm;	/* its configuration file: the old timing */
		node_crash(f, 0);
		sim_push(W.now + rng_range(&W.rng, 0, MS(300)), EV_RESTART,
			 f->slot, 0, 0);
	}
	ns.stage = 0;
	step_at(W.now + MS(500), NS_TIMING);
}

/* Once the change is done everywhere: back again (half the seeds), then
 * heal; heal anyway after a while. A change lost with a leader that
 * crashed before it replicated it is asked for again, as an operator
 * whose command failed would. */
static void timing_step(void)
{
	struct sim_node *l = leader();
	struct qf_timing back = W.tm;
	uint32_t want = qf_timing_digest(&ns.to);

	if (l) {
		qf_raft_status(l->r, &tst);
		if (tst.timing_cluster != want && !tst.timing_next)
			node_propose_timing(l, &ns.to);	/* EBUSY: pending */
		else if (!tst.timing_next && ns.back && ns.stage == 0 &&
			 !net_any_cut()) {
			back.rho_ppm = ns.to.rho_ppm;
			if (node_propose_timing(l, &back) == 0) {
				ns.to = back;
				ns.stage = 1;
			}
		}
	}
	if (W.now < ns.chaos_end) {
		step_at(W.now + MS(200), NS_TIMING);
		return;
	}
	step_at(W.now + MS(3000) + (int64_t)(2 * W.wait), NS_HEAL);
}

static void stale_leader(struct sim_node *l);
static void boot_probe(struct sim_node *l, struct sim_node *v);

/* Every link cut, both ways, for 3 s: no majority anywhere, every lease
 * lapses (issue 15's "total partition of 3 s"). */
static void act_total_partition(void)
{
	for (int i = 0; i < W.n; i++)
		for (int j = 0; j < W.n; j++)
			if (i != j)
				net_cut(i, j, 1);
	step_at(W.now + MS(3000), NS_HEAL);
}

/*
 * A flapping link: one node cut both ways until its NODE_FENCED commits
 * (as in isolate), healed long enough to rejoin, again; N + 2 cycles, so
 * that an unguarded leader would rejoin it N + 1 times or more.
 */
static void flap_step(void)
{
	struct sim_node *v = sim_node_by_id(ns.target);

	if (net_any_cut()) {
		net_heal();
		step_at(W.now + MS(2000), NS_FLAP);
		return;
	}
	if (ns.flaps-- <= 0) {
		step_at(W.now, NS_HEAL);
		return;
	}
	net_isolate(v->slot, 1, 1);
	step_at(W.now + (int64_t)(W.tm.fence_after + W.wait) + MS(1500),
		NS_FLAP);
}

static void act(void)
{
	struct sim_node *l = leader(), *n;

	switch (W.scenario) {
	case SC_CHAOS:
		ns.chaos_end = W.now + rng_range(&W.rng, MS(3000), MS(20000));
		step_at(W.now, NS_CHAOS);
		break;
	case SC_ISOLATE:
	case SC_TAKEOVER:
		act_isolate();
		break;
	case SC_LEADER_CRASH:
		/* design.md §2 liveness rule: no healthy follower may lapse */
		W.no_lapse_mask = 0;
		/* only if the survivors still form a majority (2 nodes need
		 * a witness, design.md §4) */
		for (int i = 0; W.members0 - 1 > W.members0 / 2 && i < W.n; i++)
			if (&W.node[i] != l && W.node[i].up &&
			    node_lease_valid(&W.node[i]))
				W.no_lapse_mask |= 1u << i;
		W.no_lapse_until = W.now + ns.bound;
		node_crash(l, 1);
		sim_push(W.now + rng_range(&W.rng, MS(500), MS(4000)),
			 EV_RESTART, l->slot, 1, 0);
		step_at(W.now + MS(5000), NS_HEAL);
		break;
	case SC_FREEZE:
		n = rng_chance(&W.rng, 500000) ? l : random_up();
		if (!n)
			n = l;
		if (n == l && rng_chance(&W.rng, 500000)) {
			stale_leader(l);
			break;
		}
		node_freeze(n, W.now + rng_range(&W.rng,
				(int64_t)W.tm.lease * 11 / 10,
				(int64_t)(3 * W.tm.lease + W.wait)));
		step_at(n->thaw_at + MS(1), NS_HEAL);
		break;
	case SC_REBOOT:
		n = random_up();
		if (n && n != l && rng_chance(&W.rng, 500000)) {
			boot_probe(l, n);
			break;
		}
		ns.stage = 1 + (int)rng_below(&W.rng, 4);
		step_at(W.now, NS_REBOOT);
		break;
	case SC_MEMBERSHIP:
		ns.stage = 0;
		step_at(W.now, NS_MEMBER);
		break;
	case SC_BAD_CLOCK:
		act_bad_clock(l);
		break;
	case SC_MIXED_TIMING:
		act_mixed_timing(l);
		break;
	case SC_TIMING_CHANGE:
		ns.chaos_end = W.now + MS(12000);
		act_timing_change(l);
		break;
	case SC_TOTAL_PARTITION:
		act_total_partition();
		break;
	case SC_FLAPPING:
		n = random_up();
		ns.target = n && n != l ? n->id : (l->id % (uint32_t)W.members0) + 1;
		ns.flaps = QF_FLAP_MAX_DEFAULT + 2;
		step_at(W.now, NS_FLAP);
		break;
	case SC_ADMIN:
		n = &W.node[rng_below(&W.rng, (uint64_t)W.members0)];
		ns.target = n->id;
		if (W.o.extreme && n != l) {
			/* "fence X now" of a connected follower: its last grant
			 * is the one that set its deadline, so only rule 5's
			 * (1+rho)/(1-rho) stands between W and its lease */
			extreme_rates(n);
			step_at(W.now + 3 * (int64_t)W.tm.heartbeat +
				rng_range(&W.rng, 0, (int64_t)W.tm.heartbeat),
				NS_ADMIN);
			break;
		}
		step_at(W.now, NS_ADMIN);
		break;
	}
}

/*
 * A stale leader: pause the leader past the election timeout but within its
 * lease, and cut it off from a minority. When it runs again it still leads
 * its old term and reaches a majority only through nodes that have voted
 * in the new term: they must not ack it (rule 4), while the new leader,
 * which cannot reach it, fences it.
 */
static void stale_leader(struct sim_node *l)
{
	int others = 0, cut = (W.members0 - 1) / 2;
	int64_t pause = rng_range(&W.rng, (int64_t)(W.tm.election_max +
				   2 * W.tm.heartbeat), (int64_t)W.tm.lease);

	for (int i = 0; i < W.members0 && others < cut; i++) {
		int j = (int)rng_below(&W.rng, (uint64_t)W.members0);

		if (j == l->slot || net_is_cut(l->slot, j))
			continue;
		net_cut(l->slot, j, 1);
		net_cut(j, l->slot, 1);
		others++;
	}
	node_freeze(l, W.now + pause);
	step_at(W.now + pause + (int64_t)(W.wait + W.tm.fence_after) +
		MS(2000), NS_HEAL);
}

/*
 * Rule 3's boot nonce: reset follower V so that its clock restarts near
 * zero and soon reads again what it read before the reset. Grants echoing
 * an old-boot reading then look current to it. Slow the leader's link to V,
 * and cut V off around the moment its new clock passes its old reading.
 */
static void boot_probe(struct sim_node *l, struct sim_node *v)
{
	int64_t old = node_local(v), extra, cross;

	node_crash(v, 1);
	node_boot(v, rng_range(&W.rng, 0, MS(10)));
	extra = rng_range(&W.rng, 2 * (int64_t)W.tm.heartbeat,
			  (int64_t)W.tm.lease / 3);
	net_slow(l->slot, v->slot, extra);
	cross = clock_real_at(&v->clk, old);
	ns.target = v->id;
	step_at(cross + rng_range(&W.rng, 0, 2 * extra), NS_FLIP);
}

static void reboot_step(void)
{
	struct sim_node *n = rng_chance(&W.rng, 300000) ? leader() : random_up();

	if (ns.stage-- <= 0 || !n) {
		step_at(W.now + MS(3000), NS_HEAL);
		return;
	}
	if (rng_chance(&W.rng, 500000))
		n->crash_trap = 1;	/* power loss during its next fsync */
	else
		crash(n, rng_range(&W.rng, MS(10), (int64_t)W.tm.lease));
	step_at(W.now + rng_range(&W.rng, 0, MS(1500)), NS_REBOOT);
}

/*
 * Remove a member, then add it back with a wiped disk (a new node), or add
 * the spare slot. Proposals that fail (not leader, a change pending) are
 * retried.
 */
static void member_step(void)
{
	struct sim_node *l = leader(), *n;
	int err;

	if (!l) {
		step_at(W.now + MS(100), NS_MEMBER);
		return;
	}
	switch (ns.stage) {
	case 0:
		if (W.n > W.members0 && rng_chance(&W.rng, 500000)) {
			ns.target = (uint32_t)W.n;	/* the spare */
			ns.stage = 2;
			node_boot(&W.node[W.n - 1], rng_range(&W.rng, 0, MS(50)));
			step_at(W.now, NS_MEMBER);
			return;
		}
		ns.target = (uint32_t)rng_below(&W.rng, (uint64_t)W.members0) + 1;
		ns.stage = 1;
		/* fall through */
	case 1:
		err = node_propose(l, PROP_REMOVE, ns.target);
		if (err == 0 || err == -QF_ENOENT) {
			ns.stage = 3;
			step_at(W.now + (int64_t)W.wait + MS(2000), NS_MEMBER);
			return;
		}
		break;
	case 2:
		err = node_propose(l, PROP_ADD, ns.target);
		if (err == 0 || err == -QF_EEXIST) {
			step_at(W.now + MS(2000), NS_HEAL);
			return;
		}
		break;
	case 3:		/* removed: wipe it, start it as a new node */
		n = sim_node_by_id(ns.target);
		if (n == l) {
			/* the leader removed itself: it steps down */
		}
		node_crash(n, 1);
		node_wipe(n);
		node_boot(n, rng_range(&W.rng, 0, MS(50)));
		ns.stage = 2;
		step_at(W.now + MS(200), NS_MEMBER);
		return;
	}
	if (W.now > W.o.duration - ns.bound) {
		step_at(W.now, NS_HEAL);
		return;
	}
	step_at(W.now + MS(200), NS_MEMBER);
}

/* timing-change, after healing: every member runs the timing asked for
 * and no change is left in progress. */
static void timing_done_check(void)
{
	uint32_t want = qf_timing_digest(&ns.to);

	for (int i = 0; i < W.n; i++) {
		struct sim_node *n = &W.node[i];

		if (!n->up || !n->started || !is_member(leader() ? leader() : n, n->id))
			continue;
		qf_raft_status(n->r, &tst);
		if (tst.timing_next || tst.timing_cluster != want ||
		    tst.timing != want) {
			inv_violation("liveness: the timing change did not complete after healing",
				      n->id, tst.timing_next);
			return;
		}
	}
}

void nemesis_step(uint32_t what)
{
	switch (what) {
	case NS_WARM:
		if (stable() || W.now > MS(20000)) {
			if (!stable())
				inv_violation("liveness: no stable cluster 20 s after start",
					      0, 0);
			else
				act();
		} else {
			step_at(W.now + MS(50), NS_WARM);
		}
		break;
	case NS_CHAOS:
		if (W.now >= ns.chaos_end) {
			heal_all();
			break;
		}
		chaos_one();
		step_at(W.now + rng_range(&W.rng, MS(20), MS(1500)), NS_CHAOS);
		break;
	case NS_FLIP:
		isolate(sim_node_by_id(ns.target));
		break;
	case NS_ADMIN:
		if (leader() && node_propose(leader(), PROP_FENCE, ns.target) == 0) {
			/* an operator expects "fence X now" to complete */
			ns.admin_id = ns.target;
			ns.admin_done = 0;
			step_at(W.now + ns.admin_bound, NS_ADMIN_CHECK);
		}
		step_at(W.now + (int64_t)W.wait + MS(3000), NS_HEAL);
		break;
	case NS_ADMIN_CHECK:
		if (ns.admin_id && !ns.admin_done)
			inv_violation("liveness: \"fence X now\" did not commit within W + 2 elections + 3 s",
				      ns.admin_id, 0);
		break;
	case NS_UNCUT:
	case NS_HEAL:
		heal_all();
		break;
	case NS_REBOOT:
		reboot_step();
		break;
	case NS_MEMBER:
		member_step();
		break;
	case NS_TIMING:
		timing_step();
		break;
	case NS_FLAP:
		flap_step();
		break;
	case NS_LIVE:
		inv_liveness();
		if (W.scenario == SC_TIMING_CHANGE)
			timing_done_check();
		W.done = 1;
		break;
	}
}

/* NODE_FENCED(id, gen) committed somewhere (first time). */
void nemesis_fenced(uint32_t id, uint64_t gen)
{
	(void)gen;
	if (id == ns.admin_id)
		ns.admin_done = 1;
	if (W.victim == id && W.cut_at && !W.takeover) {
		W.takeover = W.now - W.cut_at;
		if (W.scenario == SC_TAKEOVER)
			W.done = 1;
	}
}

/* A kernel lease expired. */
void nemesis_lapsed(struct sim_node *n)
{
	/* the reboot action of an after-reboot node (design.md §2.11): the
	 * machine resets and boots again in 1-3 s; the probe restarts only
	 * its daemon */
	if (n->reboot_action && n->up) {
		int hard = n->reboot_action == 1;

		node_crash(n, hard);
		sim_push(W.now + rng_range(&W.rng, MS(1000), MS(3000)),
			 EV_RESTART, n->slot, (uint32_t)hard, 0);
	}
	if ((W.no_lapse_mask >> n->slot) & 1 && W.now <= W.no_lapse_until)
		inv_violation("liveness: a healthy follower's lease lapsed after a leader crash",
			      n->id, 0);
}
