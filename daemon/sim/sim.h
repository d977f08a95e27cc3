/* SPDX-License-Identifier: MIT */
/*
 * qfence-sim: a deterministic cluster simulator for the Raft core.
 *
 * One process runs many seeds one after the other. A seed is a whole
 * cluster history in virtual real time (ns): the nemesis (nemesis.c) picks
 * a scenario and its faults from the seed's generator, the network
 * (net.c) delays, drops, duplicates and reorders messages, each node
 * (node.c) drives one core through its ready batches with a persistence
 * and a kernel lease model, and invariants.c checks the Raft and lease
 * invariants after every event. Nothing here allocates after start-up.
 */
#ifndef QF_SIM_H
#define QF_SIM_H

#include <stdint.h>
#include <stdio.h>

#include "raft.h"
#include "mutation.h"
#include "rng.h"

#define SIM_MAX_NODES	10	/* --nodes up to 9, plus one spare slot */
#define SIM_MAX_INDEX	16384	/* log indexes mirrored per seed */
#define SIM_DLOG_CAP	(2 * QF_LOG_CAP + 8)	/* durable entries after snap */
#define SIM_MSG_POOL	4096	/* messages in flight */
#define SIM_GENS	8	/* generations remembered per node */

#define MS(x)	((int64_t)(x) * 1000000LL)
#define US(x)	((int64_t)(x) * 1000LL)

/* ---- clock.c ---- */
struct sim_clock {
	int64_t anchor_real;
	int64_t anchor_local;
	int64_t drift_ppb;
};
void clock_boot(struct sim_clock *c, int64_t real, int64_t local0,
		int64_t drift_ppb);
int64_t clock_local(const struct sim_clock *c, int64_t real);
int64_t clock_real_at(const struct sim_clock *c, int64_t local);
void clock_set_drift(struct sim_clock *c, int64_t real, int64_t drift_ppb);

/* ---- queue.c ---- */
enum sim_ev_kind {
	EV_TICK = 1,	/* node: core timer (gen = tick generation) */
	EV_DELIVER,	/* node: message pool slot arg arrives */
	EV_FSYNC,	/* node: the pending batch is durable (gen = batch) */
	EV_KEXPIRE,	/* node: kernel lease deadline (gen = timer gen) */
	EV_KNOTIFY,	/* node: kernel fence event reaches the daemon */
	EV_NEMESIS,	/* fault schedule step arg */
	EV_RESTART,	/* node boots again */
	EV_THAW,	/* node: frozen process resumes */
	EV_CRASH,	/* node: power loss (trap set by the nemesis) */
	EV_END,		/* end of the seed */
};

struct sim_event {
	int64_t t;
	uint64_t seq;
	uint64_t gen;
	uint32_t arg;
	uint8_t kind;
	uint8_t node;
};

struct sim_queue {
	struct sim_event *ev;
	uint32_t len, cap;
	uint64_t seq;
};
void queue_init(struct sim_queue *q, uint32_t cap);
void queue_reset(struct sim_queue *q);
int queue_push(struct sim_queue *q, struct sim_event ev);
int queue_pop(struct sim_queue *q, struct sim_event *out);

/* ---- trace.c ---- */
enum trace_kind {
	TR_SEND, TR_DROP, TR_DUP, TR_RECV, TR_PERSIST, TR_FSYNC, TR_CRASH,
	TR_RESTART, TR_FREEZE, TR_THAW, TR_CUT, TR_HEAL, TR_ROLE, TR_COMMIT,
	TR_RENEW, TR_EXPIRE, TR_KFENCE, TR_UNFENCE, TR_DRIFT, TR_ADMIN,
	TR_MEMBER, TR_NOTE, TR_VIOLATION, TR__MAX
};
struct trace_rec {
	int64_t t;
	uint64_t a, b;
	const char *text;
	uint32_t code;
	uint8_t kind, node, peer;
};
void trace_reset(int live_print);
void trace_add(int64_t t, int kind, int node, int peer, uint32_t code,
	       uint64_t a, uint64_t b, const char *text);
void trace_dump(FILE *f, unsigned int n);

/* ---- net.c ---- */
struct net_params {
	int64_t delay_min, delay_max;	/* uniform base delay */
	uint32_t loss_ppm, dup_ppm;
	uint32_t spike_ppm;		/* a delay spike: reordering */
	int64_t spike_max;
};
void net_reset(void);
void net_send(int from, const struct qf_msg *m);
void net_deliver(const struct sim_event *ev);
void net_cut(int from, int to, int cut);	/* one direction */
void net_isolate(int node, int in, int out);
void net_heal(void);
void net_slow(int from, int to, int64_t extra);
int net_is_cut(int from, int to);
int net_any_cut(void);
extern struct net_params net_p;

/* ---- node.c ---- */
enum kstate { K_NONE = 0, K_DISARMED, K_ARMED, K_FENCED };

struct sim_gen {
	uint64_t gen;
	int64_t io_closed;	/* real: end of closed IO windows of gen */
	int64_t fenced_at;	/* real: first commit of NODE_FENCED(id, gen) */
	int issued;		/* its NODE_JOIN / NODE_ADD committed */
	uint32_t armed_kboot;	/* kernel boot it was last armed in */
};

struct sim_node {
	uint32_t id;
	int slot;
	int up;			/* running (not crashed) */
	int frozen;		/* process paused: no ticks, no messages */
	int64_t thaw_at;
	int started;		/* ever booted in this seed */
	struct sim_clock clk;
	struct qf_timing tm;	/* its configured timing: W.tm unless the
				 * mixed-timing scenario changed it (rule 9) */
	uint64_t boot_id;
	struct qf_raft *r;

	/* rejoin policy (design.md §2.11; rejoin.c) */
	int policy;		/* 0: the leader's AUTO_REJOIN flag; else
				 * QF_JOIN_AFTER_REBOOT / QF_JOIN_WHEN_IDLE */
	int reboot_action;	/* on a lapse: 1 machine reset, 2 only the
				 * daemon restarts (the boot probe) */
	uint32_t kboot;		/* kernel boot id (digest) of this boot */
	uint32_t armed_kboot;	/* durable: boot of the last arm */
	uint64_t kcreated;	/* daemon boot_id that created the lease */
	uint64_t karmed_max;	/* newest generation armed in this lease */
	int64_t next_req;

	/* batch in flight: persisted by EV_FSYNC, then sent and advanced */
	int busy;
	int sent_early;
	int crash_trap;		/* lose power during the next fsync */
	int64_t busy_until;
	uint64_t batch;
	struct qf_ready rd;
	int64_t rd_local;	/* local time the batch was taken */

	/* durable store */
	struct qf_hard_state hs;
	struct qf_snapshot snap;
	struct qf_entry dlog[SIM_DLOG_CAP];	/* snap.index + 1 ... */
	uint64_t dlog_n;

	/* timers */
	uint64_t tick_gen;
	int64_t tick_at;
	int just_ticked;

	/* kernel lease model (design.md §2 rules 6 and 7; uapi qfence.h) */
	int kstate;
	uint64_t kgen;
	int64_t kdeadline;	/* local, as the daemon gave it */
	/*
	 * The kernel's lease clock (kmod/clock.h): the raw oscillator, at the
	 * drift the node booted with (within ρ); no slew moves it. kdl is
	 * the deadline on it, converted at the renew.
	 */
	struct sim_clock kclk;
	int64_t kdl;
	int64_t ksettle;	/* F the lease was created with (LEASE_NEW) */
	int64_t ksettle_want;	/* F the core asks for (design.md §2.10) */
	int64_t kmax;		/* its max_lease (L of that configuration) */
	uint64_t ktimer;
	int64_t kexpire_real;
	struct sim_gen gens[SIM_GENS];
	uint64_t klapses;	/* expiries in this seed */
	uint64_t krefused;

	/* rule 5 as observed: this leader's grants in its current term */
	int64_t grant_at[SIM_MAX_NODES + 1];	/* local, by target id */

	/* soft state seen in ready batches */
	uint8_t role;
	uint32_t leader;
	uint64_t term;
	uint64_t commit;

	/* mirror of the log, for the Raft invariants */
	uint64_t *mterm, *mhash, *mprefix;
	uint64_t mlast, mfirst;	/* mirror holds [mfirst, mlast] */
};

void node_alloc(struct sim_node *n, int slot);
void node_seed_init(struct sim_node *n, int member_count);
void node_boot(struct sim_node *n, int64_t local0);
void node_crash(struct sim_node *n, int hard);
void node_wipe(struct sim_node *n);
void node_freeze(struct sim_node *n, int64_t until);
void node_thaw(struct sim_node *n);
void node_event(const struct sim_event *ev);
void node_recv(struct sim_node *n, const struct qf_msg *m);
void node_set_drift(struct sim_node *n, int64_t drift_ppb);
int64_t node_local(const struct sim_node *n);
int node_lease_valid(const struct sim_node *n);
int64_t node_kernel_end(const struct sim_node *n);
void node_clock_boot(struct sim_node *n, int64_t real, int64_t local0,
		     int64_t drift_ppb);
int node_busy(const struct sim_node *n);
int64_t node_resume_at(const struct sim_node *n);
void node_pump(struct sim_node *n);
const char *node_msg_name(uint32_t type);
struct sim_gen *node_gen(struct sim_node *n, uint64_t gen, int create);
int node_propose(struct sim_node *n, int what, uint32_t target);

enum { PROP_FENCE = 1, PROP_REMOVE, PROP_ADD, PROP_JOIN, PROP_TRANSFER };
/* design.md §2.10: the leader proposes the committed change to timing t */
int node_propose_timing(struct sim_node *n, const struct qf_timing *t);

/* ---- invariants.c ---- */
void inv_reset(void);
void inv_role(struct sim_node *n);
void inv_entries(struct sim_node *n, const struct qf_entry *e, size_t cnt);
void inv_snapshot(struct sim_node *n, const struct qf_snapshot *s);
void inv_commit(struct sim_node *n, const struct qf_entry *e);
void inv_kernel(struct sim_node *n);
void inv_violation(const char *what, uint64_t a, uint64_t b);
void inv_liveness(void);
void inv_send(struct sim_node *n, const struct qf_msg *m);
uint64_t entry_hash(const struct qf_entry *e);

/* ---- nemesis.c ---- */
enum scenario {
	SC_MIXED = 0,	/* pick one of the others per seed */
	SC_CHAOS,
	SC_ISOLATE,
	SC_LEADER_CRASH,
	SC_FREEZE,
	SC_REBOOT,
	SC_MEMBERSHIP,
	SC_ADMIN,
	SC_TAKEOVER,
	SC_BAD_CLOCK,
	SC_MIXED_TIMING,
	SC_TIMING_CHANGE,
	SC_TOTAL_PARTITION,
	SC_FLAPPING,
	SC__MAX
};
extern const char *const scenario_names[];
void nemesis_start(void);
void nemesis_step(uint32_t step);
void nemesis_fenced(uint32_t id, uint64_t gen);
void nemesis_lapsed(struct sim_node *n);
void nemesis_restart(const struct sim_event *ev);
void nemesis_crash(const struct sim_event *ev);

/* ---- rejoin.c ---- */
void rejoin_reset(void);
void rejoin_kernel_boot(struct sim_node *n);
void rejoin_lease_new(struct sim_node *n);
void rejoin_armed(struct sim_node *n, uint64_t gen);
void rejoin_tick(struct sim_node *n);
void rejoin_committed(const struct qf_entry *e);
int rejoin_live_exempt(const struct sim_node *l, const struct sim_node *n);

/* ---- main.c: the world of the current seed ---- */
struct sim_opts {
	int nodes;
	uint64_t seeds, seed_start;
	int mutation;		/* enum qf_mutation */
	int extreme;		/* --clocks extreme */
	int fast;		/* --profile fast */
	int scenario;
	int64_t duration;	/* virtual ns per seed */
	uint64_t max_steps;	/* per seed, 0 = unlimited */
	int verbose, trace, all;
	int wire;		/* wire-level rule checks (default on) */
	int send_early;		/* control: messages leave before the fsync */
	int slow_clocks;	/* bad-clock: slow clocks too, the node cut off */
	int kernel_boottime;	/* control: the kernel lease on the slewed clock */
	uint32_t rho_ppm;
	uint64_t election_min, election_max;	/* ms, 0 = profile */
};

struct sim_world {
	struct sim_opts o;
	struct qf_timing tm;
	qf_ns wait;		/* W of the unmutated core, for bounds */
	qf_ns rule5_wait;	/* W the observed rule-5 check holds leaders to
				 * (timing-change: the smaller profile's) */
	qf_ns lease_max;	/* longest grant allowed on the wire */
	struct rng rng;
	uint64_t seed;
	int64_t now;
	struct sim_queue q;
	int n;			/* slots in use (members + spare) */
	int members0;		/* initial members */
	struct sim_node node[SIM_MAX_NODES];
	uint64_t steps;
	int failed;		/* a violation in this seed */
	int done;		/* the scenario has nothing more to do */
	const char *fail_what;
	uint64_t fail_a, fail_b;
	int scenario;
	/* measurements */
	int64_t cut_at;		/* takeover: when the victim was cut */
	uint32_t victim;	/* id */
	int64_t takeover;	/* ns, 0 = not yet */
	int no_lapse_from;	/* leader-crash: slots must not lapse */
	int64_t no_lapse_until;
	uint32_t no_lapse_mask;
	int64_t heal_at;	/* liveness check after healing */
	int64_t min_slack_floor;
	uint32_t fence_slack_n;
	int64_t fence_slack_min;	/* smallest t_c - io_until seen */
	int64_t live_check_at;
};
extern struct sim_world W;

void sim_push(int64_t t, int kind, int node, uint32_t arg, uint64_t gen);
struct sim_node *sim_node_by_id(uint32_t id);

#endif
