// SPDX-License-Identifier: MIT
/*
 * Data-driven interaction tests, etcd raft style: testdata/NAME.txt holds
 * cases "command args...", a line "----", the expected output, then a blank
 * line. Each file is one test over one virtual cluster (cluster.h). With
 * REWRITE=1 in the environment the expected outputs are rewritten.
 *
 * Commands (args are key=value or plain words):
 *   add-nodes n=3 [witness=3,..] [profile=fast] [auto-fence=0]
 *             [check-quorum=0] [latency=MS] [pr-fence-after=MS]
 *     (pr-fence-after: the leaders' silence before a member is lost, as
 *     with a storage fence configured; no storage is modelled, so every
 *     record still commits after W)
 *   add-empty id=4                   a new node with no state
 *   campaign 1 | run ms=N | status | lease | log 1
 *   partition 1,2 3 | isolate 3 | cut from=1 to=2 | heal
 *   crash 3 | restart 3 | clock id=2 ppm=-1000 | latency ms=N
 *   restart 3 profile=fast|default|cluster   with another timing (rule 9)
 *   kill 3                           the daemon dies, its kernel lease runs on
 *   kernel-fence 3                   node 3's kernel lease fences itself
 *   freeze 1 | thaw 1                the daemon of node 1 pauses/resumes
 *   propose-fence node=3 [reason=admin] | propose-join node=3 [gen=G]
 *     (gen: the fenced generation the rejoin names; default the leader's
 *     committed one, as quorumctl does)
 *   auto-join node=3 reason=after-reboot|when-idle [gen=G] [boot=B]
 *             [armed=A] [fresh=0|1] [wall=S]
 *     node 3's own request reaches the leader (design.md §2.11): its kernel
 *     boot B (default 2), the boot it last armed in A (default 1), a fresh
 *     lease (default 1), the leader's wall clock S in seconds (default 1000)
 *   propose-add id=4 [role=witness] | propose-remove id=3 | transfer to=2
 *   mutation NAME (only in a -DQF_MUTATIONS build; else "unavailable")
 *   guard id=1 ok=0                  node 1's clock guard says beyond ρ
 *                                    (ok=1: within again; rule 10)
 *   propose-timing profile=fast [lease= settle= rho= heartbeat= election-max=
 *                  node=]            the committed timing change (§2.10)
 *   hold-apply 3 [off]               node 3's daemon does not apply one
 */
#include <dirent.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cluster.h"
#include "mutation.h"
#include "test.h"

#define MAXARGS 16

struct args {
	int n;
	char *key[MAXARGS];
	char *val[MAXARGS];	/* NULL for a plain word */
};

static const char *arg(const struct args *a, const char *key)
{
	for (int i = 0; i < a->n; i++)
		if (a->val[i] && strcmp(a->key[i], key) == 0)
			return a->val[i];
	return NULL;
}

static long argl(const struct args *a, const char *key, long dflt)
{
	const char *v = arg(a, key);

	return v ? strtol(v, NULL, 10) : dflt;
}

/* The first plain word (a node id), or key=... */
static long word(const struct args *a, int i, const char *key)
{
	int k = 0;

	for (int j = 0; j < a->n; j++)
		if (!a->val[j] && k++ == i)
			return strtol(a->key[j], NULL, 10);
	return argl(a, key, 0);
}

static int parse_ids(const char *s, uint32_t *ids)
{
	int n = 0;

	while (s && *s && n < C_MAX) {
		ids[n++] = (uint32_t)strtoul(s, (char **)&s, 10);
		if (*s == ',')
			s++;
		else
			break;
	}
	return n;
}

static void result(struct cluster *c, int err)
{
	if (err)
		cl_printf(c, "error: %s\n", qf_strerror(err));
	else
		cl_printf(c, "ok\n");
}

static uint32_t leader_or_err(struct cluster *c)
{
	uint32_t l = cl_leader(c);

	if (!l)
		cl_printf(c, "error: no leader\n");
	return l;
}

static int cmd_add_nodes(struct cluster *c, const struct args *a)
{
	uint32_t ids[C_MAX], wit[C_MAX];
	uint8_t roles[C_MAX];
	int n = (int)argl(a, "n", 3), nw = parse_ids(arg(a, "witness"), wit);
	struct qf_timing t;
	uint32_t flags = QF_CFG_AUTO_FENCE | QF_CFG_AUTO_REJOIN |
			 QF_CFG_CHECK_QUORUM;
	const char *prof = arg(a, "profile");

	if (prof && strcmp(prof, "fast") == 0)
		qf_timing_fast(&t);
	else
		qf_timing_default(&t);
	if (!argl(a, "auto-fence", 1))
		flags &= ~QF_CFG_AUTO_FENCE;
	if (!argl(a, "auto-rejoin", 1))
		flags &= ~QF_CFG_AUTO_REJOIN;
	if (!argl(a, "check-quorum", 1))
		flags &= ~QF_CFG_CHECK_QUORUM;
	cl_free(c);
	cl_init(c, &t, flags);
	c->cfg.pr_fence_after = (qf_ns)argl(a, "pr-fence-after", 0) * QF_MS;
	c->latency = (qf_ns)argl(a, "latency", 1) * QF_MS;
	for (int i = 0; i < n && i < C_MAX; i++) {
		ids[i] = (uint32_t)i + 1;
		roles[i] = QF_ROLE_VOTER;
		for (int j = 0; j < nw; j++)
			if (wit[j] == ids[i])
				roles[i] = QF_ROLE_WITNESS;
	}
	result(c, cl_bootstrap(c, ids, roles, (size_t)n));
	return 0;
}

static void print_status(struct cluster *c, uint32_t id)
{
	struct cnode *n = &c->n[id];
	struct qf_status st;

	if (!n->up) {
		cl_printf(c, "n%u: down\n", id);
		return;
	}
	qf_raft_status(n->r, &st);
	cl_printf(c, "n%u: %s term=%llu leader=%u commit=%llu last=%llu gen=%llu%s\n",
		  id, qf_state_name(st.state), (unsigned long long)st.term,
		  st.leader, (unsigned long long)st.commit,
		  (unsigned long long)st.last_index, (unsigned long long)st.gen,
		  st.fenced ? " fenced" : "");
	if (st.clock_bad)
		cl_printf(c, "n%u: clock guard: beyond rho\n", id);
	if (st.timing_cluster && (st.timing_next ||
	    st.timing_cluster != qf_timing_digest(&c->cfg.timing)))
		cl_printf(c, "n%u: timing cluster=%s next=%s own=%s W=%llu L=%llu\n",
			  id, cl_timing_name(c, st.timing_cluster),
			  cl_timing_name(c, st.timing_next),
			  cl_timing_name(c, st.timing),
			  (unsigned long long)((st.timing_wait + QF_MS - 1) / QF_MS),
			  (unsigned long long)(st.timing_run.lease / QF_MS));
	if (st.timing_bad || st.timing_refused)
		cl_printf(c, "n%u: timing %s: %llu messages refused\n", id,
			  st.timing_bad ? "not the cluster's, serving nothing" :
			  "ours", (unsigned long long)st.timing_refused);
}

static int cmd_status(struct cluster *c, const struct args *a)
{
	(void)a;
	for (uint32_t id = 1; id <= C_MAX; id++)
		if (c->n[id].exists)
			print_status(c, id);
	return 0;
}

/* The committed fence counts of every node's state, by reason. */
static int cmd_fence_counts(struct cluster *c, const struct args *a)
{
	(void)a;
	for (uint32_t id = 1; id <= C_MAX; id++) {
		const struct qf_state *st;

		if (!c->n[id].exists || !c->n[id].r)
			continue;
		st = &c->n[id].r->st;
		cl_printf(c, "n%u: silent=%u admin=%u removed=%u lapsed=%u "
			  "preempted=%u\n", id, st->fenced[QF_FENCE_SILENT],
			  st->fenced[QF_FENCE_ADMIN],
			  st->fenced[QF_FENCE_REMOVED],
			  st->fenced[QF_FENCE_LAPSED], st->preempted);
	}
	return 0;
}

/* The kernel's view: what IO would see now. */
static int cmd_lease(struct cluster *c, const struct args *a)
{
	(void)a;
	for (uint32_t id = 1; id <= C_MAX; id++) {
		struct cnode *n = &c->n[id];
		qf_ns now = cl_local(c, id);

		if (!n->exists)
			continue;
		if (n->k.state == K_ARMED && now < n->k.deadline)
			cl_printf(c, "n%u: armed gen=%llu remaining=%lldms\n", id,
				  (unsigned long long)n->k.gen,
				  (long long)((n->k.deadline - now) / QF_MS));
		else
			cl_printf(c, "n%u: %s gen=%llu\n", id,
				  n->k.state == K_DISARMED ? "disarmed" : "fenced",
				  (unsigned long long)n->k.gen);
	}
	return 0;
}

static int cmd_log(struct cluster *c, const struct args *a)
{
	uint32_t id = (uint32_t)word(a, 0, "id");
	struct qf_raft *r;

	if (id == 0 || id > C_MAX || !c->n[id].exists)
		return -1;
	r = c->n[id].r;
	cl_printf(c, "snapshot %llu/%llu\n",
		  (unsigned long long)r->log.snap.index,
		  (unsigned long long)r->log.snap.term);
	for (uint64_t i = r->log.snap.index + 1; i <= r->log.last; i++) {
		const struct qf_entry *e = &r->log.ring[i % QF_LOG_CAP];

		cl_printf(c, "%llu/%llu %s n%u gen=%llu%s\n",
			  (unsigned long long)i, (unsigned long long)e->term,
			  qf_entry_type_name(e->type), e->node,
			  (unsigned long long)e->gen,
			  i <= r->log.commit ? "" : " (uncommitted)");
	}
	return 0;
}

static int cmd_campaign(struct cluster *c, const struct args *a)
{
	uint32_t id = (uint32_t)word(a, 0, "id");

	if (id == 0 || id > C_MAX || !c->n[id].up)
		return -1;
	result(c, qf_raft_campaign(c->n[id].r, cl_local(c, id)));
	cl_process(c, id);
	return 0;
}

static int cmd_run(struct cluster *c, const struct args *a)
{
	cl_run(c, (qf_ns)argl(a, "ms", 0) * QF_MS);
	return 0;
}

/* partition 1,2 3: links between different groups are cut both ways. */
static int cmd_partition(struct cluster *c, const struct args *a)
{
	int group[C_MAX + 1] = { 0 };

	for (int i = 0; i < a->n; i++) {
		uint32_t ids[C_MAX];
		int n = parse_ids(a->key[i], ids);

		for (int j = 0; j < n; j++)
			if (ids[j] <= C_MAX)
				group[ids[j]] = i + 1;
	}
	for (int f = 1; f <= C_MAX; f++)
		for (int t = 1; t <= C_MAX; t++)
			c->cut[f][t] = group[f] != group[t];
	return 0;
}

static int cmd_isolate(struct cluster *c, const struct args *a)
{
	uint32_t id = (uint32_t)word(a, 0, "id");

	if (id == 0 || id > C_MAX)
		return -1;
	for (int o = 1; o <= C_MAX; o++)
		if (o != (int)id)
			c->cut[id][o] = c->cut[o][id] = true;
	return 0;
}

static int cmd_cut(struct cluster *c, const struct args *a)
{
	long f = argl(a, "from", 0), t = argl(a, "to", 0);

	if (f < 1 || f > C_MAX || t < 1 || t > C_MAX)
		return -1;
	c->cut[f][t] = true;
	return 0;
}

static int cmd_heal(struct cluster *c, const struct args *a)
{
	(void)a;
	memset(c->cut, 0, sizeof(c->cut));
	return 0;
}

/* crash 3 (the whole node) / kill 3 (its daemon alone) */
static int cmd_stop(struct cluster *c, const struct args *a,
		    void (*how)(struct cluster *, uint32_t))
{
	uint32_t id = (uint32_t)word(a, 0, "id");

	if (id == 0 || id > C_MAX)
		return -1;
	how(c, id);
	return 0;
}

static int cmd_crash(struct cluster *c, const struct args *a)
{
	return cmd_stop(c, a, cl_crash);
}

static int cmd_kill(struct cluster *c, const struct args *a)
{
	return cmd_stop(c, a, cl_kill);
}

static int cmd_restart(struct cluster *c, const struct args *a)
{
	uint32_t id = (uint32_t)word(a, 0, "id");
	const char *prof = arg(a, "profile");

	if (id == 0 || id > C_MAX)
		return -1;
	/* profile=fast|default: a rolling configuration change on this node
	 * alone (rule 9); profile=cluster: back to the cluster's timing */
	if (prof) {
		c->n[id].own_timing = strcmp(prof, "cluster") != 0;
		if (strcmp(prof, "fast") == 0)
			qf_timing_fast(&c->n[id].timing);
		else
			qf_timing_default(&c->n[id].timing);
	}
	if (cl_restart(c, id))
		cl_printf(c, "error: cannot restart n%u\n", id);
	return 0;
}

/* freeze 1 / thaw 1: the daemon pauses (SIGSTOP, a VM pause); its kernel
 * lease timer and the network go on, messages to it wait. */
static int cmd_freeze(struct cluster *c, const struct args *a, bool on)
{
	uint32_t id = (uint32_t)word(a, 0, "id");

	if (id == 0 || id > C_MAX || !c->n[id].up)
		return -1;
	c->n[id].frozen = on;
	cl_printf(c, "t=%lld n%u: %s\n", (long long)(c->t / QF_MS), id,
		  on ? "frozen" : "thawed");
	return 0;
}

static int cmd_freeze_on(struct cluster *c, const struct args *a)
{
	return cmd_freeze(c, a, true);
}

static int cmd_thaw(struct cluster *c, const struct args *a)
{
	return cmd_freeze(c, a, false);
}

static int cmd_clock(struct cluster *c, const struct args *a)
{
	long id = argl(a, "id", 0);

	if (id < 1 || id > C_MAX)
		return -1;
	/* Keep the local time continuous while changing the rate. */
	qf_ns before = cl_local(c, (uint32_t)id);

	c->n[id].ppm = (int32_t)argl(a, "ppm", 0);
	c->n[id].offset = 0;
	c->n[id].offset = before - cl_local(c, (uint32_t)id);
	return 0;
}

/* The daemon's clock guard reports its verdict to the core (rule 10). */
static int cmd_guard(struct cluster *c, const struct args *a)
{
	long id = argl(a, "id", 0);

	if (id < 1 || id > C_MAX || !c->n[id].up)
		return -1;
	qf_raft_clock_guard(c->n[id].r, cl_local(c, (uint32_t)id),
			    argl(a, "ok", 1) != 0);
	cl_process(c, (uint32_t)id);
	return 0;
}

/* The kernel fenced node id's lease on its own (expiry or LEASE_FENCE):
 * the daemon learns it and must report it (design.md rule 7). */
static int cmd_kernel_fence(struct cluster *c, const struct args *a)
{
	uint32_t id = (uint32_t)word(a, 0, "id");
	struct cnode *n;

	if (id == 0 || id > C_MAX || !c->n[id].up)
		return -1;
	n = &c->n[id];
	n->k.state = K_FENCED;
	qf_raft_lapsed(n->r, cl_local(c, id), n->k.gen);
	cl_process(c, id);
	return 0;
}

static int cmd_latency(struct cluster *c, const struct args *a)
{
	c->latency = (qf_ns)argl(a, "ms", 1) * QF_MS;
	return 0;
}

static int cmd_add_empty(struct cluster *c, const struct args *a)
{
	result(c, cl_add_empty(c, (uint32_t)word(a, 0, "id")));
	return 0;
}

static uint8_t parse_reason(const char *s)
{
	static const char *const n[] = { "", "silent", "admin", "removed",
					 "lapsed" };

	for (uint8_t i = 1; s && i <= 4; i++)
		if (strcmp(s, n[i]) == 0)
			return i;
	return s ? 0 : QF_FENCE_ADMIN;
}

/* The generation a rejoin names: gen=, else the committed fenced one. */
static uint64_t join_gen(const struct qf_raft *r, const struct args *a,
			 uint32_t node)
{
	const struct qf_member *s = qf_state_find(&r->st, node);

	return (uint64_t)argl(a, "gen", s ? (long)s->fenced_gen : 0);
}

static int cmd_propose(struct cluster *c, const struct args *a, int what)
{
	uint32_t l = leader_or_err(c), node;
	qf_ns now;
	int err;

	if (!l)
		return 0;
	now = cl_local(c, l);
	node = (uint32_t)argl(a, what == 3 ? "id" : "node",
			      argl(a, "id", argl(a, "to", 0)));
	if (what == 0)	/* gen=: a forwarded fence naming its generation */
		err = qf_raft_propose_fence_gen(c->n[l].r, now, node,
						(uint64_t)argl(a, "gen", 0),
						parse_reason(arg(a, "reason")));
	else if (what == 1)
		err = qf_raft_propose_join(c->n[l].r, now, node,
					   join_gen(c->n[l].r, a, node));
	else if (what == 2)
		err = qf_raft_propose_remove(c->n[l].r, now, node);
	else if (what == 3)
		err = qf_raft_propose_add(c->n[l].r, now, node,
			arg(a, "role") && strcmp(arg(a, "role"), "witness") == 0 ?
			QF_ROLE_WITNESS : QF_ROLE_VOTER, NULL, 0);
	else
		err = qf_raft_transfer(c->n[l].r, now, node);
	result(c, err);
	cl_process(c, l);
	return 0;
}

static uint8_t parse_join_reason(const char *s)
{
	for (int i = QF_JOIN_AFTER_REBOOT; s && i < __QF_JOIN_LAST; i++)
		if (strcmp(s, qf_join_reason_name(i)) == 0)
			return (uint8_t)i;
	return QF_JOIN_ADMIN;	/* refused by the core */
}

static int cmd_auto_join(struct cluster *c, const struct args *a)
{
	uint32_t l = leader_or_err(c);
	struct qf_join_req q;

	if (!l)
		return 0;
	q = (struct qf_join_req){
		.node = (uint32_t)argl(a, "node", 0),
		.reason = parse_join_reason(arg(a, "reason")),
		.lease_fresh = argl(a, "fresh", 1) != 0,
		.boot = (uint32_t)argl(a, "boot", 2),
		.armed_boot = (uint32_t)argl(a, "armed", 1),
	};
	q.fenced_gen = join_gen(c->n[l].r, a, q.node);
	result(c, qf_raft_propose_auto_join(c->n[l].r, cl_local(c, l),
					    (uint64_t)argl(a, "wall", 1000),
					    &q));
	cl_process(c, l);
	return 0;
}

static int cmd_fence(struct cluster *c, const struct args *a)
{
	return cmd_propose(c, a, 0);
}

static int cmd_join(struct cluster *c, const struct args *a)
{
	return cmd_propose(c, a, 1);
}

static int cmd_remove(struct cluster *c, const struct args *a)
{
	return cmd_propose(c, a, 2);
}

static int cmd_add(struct cluster *c, const struct args *a)
{
	return cmd_propose(c, a, 3);
}

static int cmd_transfer(struct cluster *c, const struct args *a)
{
	return cmd_propose(c, a, 4);
}

/*
 * propose-timing profile=fast|default [lease=MS] [settle=MS] [rho=PPM]
 * [election-max=MS] [heartbeat=MS] [node=ID]: the committed timing change
 * (design.md §2.10), on the leader unless node= names another.
 */
static int cmd_propose_timing(struct cluster *c, const struct args *a)
{
	uint32_t id = (uint32_t)argl(a, "node", 0);
	const char *prof = arg(a, "profile");
	struct qf_timing t;
	char why[1024];
	int err;

	if (!id)
		id = leader_or_err(c);
	if (!id || id > C_MAX || !c->n[id].up)
		return id ? -1 : 0;
	if (prof && strcmp(prof, "fast") == 0)
		qf_timing_fast(&t);
	else
		qf_timing_default(&t);
	t.lease = (qf_ns)argl(a, "lease", (long)(t.lease / QF_MS)) * QF_MS;
	t.settle = (qf_ns)argl(a, "settle", (long)(t.settle / QF_MS)) * QF_MS;
	t.rho_ppm = (uint32_t)argl(a, "rho", (long)t.rho_ppm);
	t.heartbeat = (qf_ns)argl(a, "heartbeat", (long)(t.heartbeat / QF_MS)) * QF_MS;
	t.election_max = (qf_ns)argl(a, "election-max",
				     (long)(t.election_max / QF_MS)) * QF_MS;
	t.heartbeat += (qf_ns)argl(a, "heartbeat-us", 0) * 1000;
	t.margin = (qf_ns)argl(a, "margin", (long)(t.margin / QF_MS)) * QF_MS;
	err = qf_raft_propose_timing(c->n[id].r, cl_local(c, id), &t, why,
				     sizeof(why));
	result(c, err);
	if (err && why[0])
		cl_printf(c, "why: %s\n", why);
	cl_process(c, id);
	return 0;
}

/* hold-apply 3 [off]: node 3's daemon does not apply a timing change. */
static int cmd_hold_apply(struct cluster *c, const struct args *a)
{
	uint32_t id = (uint32_t)word(a, 0, "id");

	if (id == 0 || id > C_MAX)
		return -1;
	c->n[id].hold_apply = !(a->n > 1 && strcmp(a->key[1], "off") == 0);
	cl_printf(c, "ok\n");
	return 0;
}

static int cmd_mutation(struct cluster *c, const struct args *a)
{
	int m = a->n ? qf_mutation_parse(a->key[0]) : -1;

	if (m < 0)
		return -1;
#ifdef QF_MUTATIONS
	qf_mutation = (enum qf_mutation)m;
	cl_printf(c, "ok\n");
#else
	cl_printf(c, "unavailable\n");
#endif
	return 0;
}

static const struct {
	const char *name;
	int (*fn)(struct cluster *c, const struct args *a);
} commands[] = {
	{ "add-nodes", cmd_add_nodes }, { "add-empty", cmd_add_empty },
	{ "status", cmd_status }, { "lease", cmd_lease }, { "log", cmd_log },
	{ "fence-counts", cmd_fence_counts },
	{ "campaign", cmd_campaign }, { "run", cmd_run },
	{ "partition", cmd_partition }, { "isolate", cmd_isolate },
	{ "cut", cmd_cut }, { "heal", cmd_heal }, { "crash", cmd_crash },
	{ "kill", cmd_kill },
	{ "restart", cmd_restart }, { "clock", cmd_clock },
	{ "latency", cmd_latency }, { "propose-fence", cmd_fence },
	{ "propose-join", cmd_join }, { "propose-remove", cmd_remove },
	{ "auto-join", cmd_auto_join },
	{ "propose-add", cmd_add }, { "transfer", cmd_transfer },
	{ "mutation", cmd_mutation }, { "kernel-fence", cmd_kernel_fence },
	{ "freeze", cmd_freeze_on }, { "thaw", cmd_thaw },
	{ "guard", cmd_guard },
	{ "propose-timing", cmd_propose_timing },
	{ "hold-apply", cmd_hold_apply },
};

static int split(char *line, char **cmd, struct args *a)
{
	char *save, *tok = strtok_r(line, " \t", &save);

	*cmd = tok;
	a->n = 0;
	while ((tok = strtok_r(NULL, " \t", &save)) && a->n < MAXARGS) {
		char *eq = strchr(tok, '=');

		a->key[a->n] = tok;
		a->val[a->n] = NULL;
		if (eq) {
			*eq = 0;
			a->val[a->n] = eq + 1;
		}
		a->n++;
	}
	return *cmd ? 0 : -1;
}

/* Run one command line; its output is whatever it added to c->out. */
static void run_command(struct cluster *c, const char *text)
{
	char line[512], *cmd;
	struct args a;

	snprintf(line, sizeof(line), "%s", text);
	if (split(line, &cmd, &a))
		return;
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(cmd, commands[i].name) == 0) {
			if (commands[i].fn(c, &a))
				cl_printf(c, "error: bad arguments\n");
			return;
		}
	cl_printf(c, "error: unknown command %s\n", cmd);
}

/* ---- files ---- */

struct buf {
	char *p;
	size_t n, cap;
};

static void bput(struct buf *b, const char *s, size_t len)
{
	if (b->n + len + 1 > b->cap) {
		b->cap = (b->n + len + 1) * 2;
		b->p = realloc(b->p, b->cap);
	}
	memcpy(b->p + b->n, s, len);
	b->n += len;
	b->p[b->n] = 0;
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	struct buf b = { 0 };
	char tmp[4096];
	size_t n;

	if (!f)
		return NULL;
	while ((n = fread(tmp, 1, sizeof(tmp), f)) > 0)
		bput(&b, tmp, n);
	fclose(f);
	if (!b.p)
		bput(&b, "", 0);
	return b.p;
}

/* Next line of *s (without its newline), or NULL at the end. */
static char *next_line(char **s)
{
	char *l = *s, *nl;

	if (!l || !*l)
		return NULL;
	nl = strchr(l, '\n');
	if (nl) {
		*nl = 0;
		*s = nl + 1;
	} else {
		*s = l + strlen(l);
	}
	return l;
}

struct ddfile {
	const char *path;
	bool rewrite;
	int mismatches;
	char why[512];
	struct buf out;		/* the rewritten file */
};

static void mismatch(struct ddfile *f, int lineno, const char *cmd,
		     const char *want, const char *got)
{
	if (!f->mismatches++)
		snprintf(f->why, sizeof(f->why),
			 "%s:%d: %s: expected\n%s\n--- got\n%s", f->path, lineno,
			 cmd, want, got);
}

/* One case: command at lineno; expected lines follow "----". */
static void run_case(struct ddfile *f, struct cluster *c, char **s,
		     const char *cmd, int *lineno)
{
	struct buf want = { 0 };
	int at = *lineno;
	char *l = next_line(s);

	(*lineno)++;
	bput(&f->out, cmd, strlen(cmd));
	bput(&f->out, "\n----\n", 6);
	if (!l || strcmp(l, "----") != 0) {
		mismatch(f, at, cmd, "a line ----", l ? l : "end of file");
		return;
	}
	bput(&want, "", 0);
	while ((l = next_line(s)) && (*lineno)++ && *l) {
		bput(&want, l, strlen(l));
		bput(&want, "\n", 1);
	}
	c->nout = 0;
	cl_printf(c, "%s", "");
	run_command(c, cmd);
	if (strcmp(want.p, c->out ? c->out : "") != 0)
		mismatch(f, at, cmd, want.p, c->out ? c->out : "");
	bput(&f->out, c->out ? c->out : "", c->nout);
	bput(&f->out, "\n", 1);
	free(want.p);
}

/* Returns the number of mismatching cases (0 = pass); why: the first. */
int datadriven_file(const char *path, bool rewrite, char *why, size_t len)
{
	struct ddfile f = { .path = path, .rewrite = rewrite };
	struct cluster c;
	char *text = slurp(path), *s = text, *l;
	int lineno = 0;

	if (!text) {
		snprintf(why, len, "%s: cannot read", path);
		return -1;
	}
	cl_init(&c, NULL, 0);
	while ((l = next_line(&s))) {
		lineno++;
		if (*l == 0 || *l == '#') {
			bput(&f.out, l, strlen(l));
			bput(&f.out, "\n", 1);
			continue;
		}
		run_case(&f, &c, &s, l, &lineno);
	}
	if (rewrite && f.out.p) {
		FILE *o = fopen(path, "w");

		/* A case's output ends with a blank line; drop the last one. */
		if (o) {
			fwrite(f.out.p, 1, f.out.n > 0 ? f.out.n - 1 : 0, o);
			fclose(o);
		}
		f.mismatches = 0;
	}
	if (c.violation && !f.mismatches) {
		f.mismatches = 1;
		snprintf(f.why, sizeof(f.why), "%s: safety violation", path);
	}
	snprintf(why, len, "%s", f.why);
	cl_free(&c);
	free(f.out.p);
	free(text);
	return f.mismatches;
}

static int cmpstr(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* All .txt files of dir, sorted. */
int datadriven_list(const char *dir, char ***names)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	*names = NULL;
	if (!d)
		return -1;
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);
		char *p;

		if (len < 5 || strcmp(de->d_name + len - 4, ".txt"))
			continue;
		p = malloc(strlen(dir) + len + 2);
		sprintf(p, "%s/%s", dir, de->d_name);
		*names = realloc(*names, (n + 1) * sizeof(char *));
		(*names)[n++] = p;
	}
	closedir(d);
	if (n)
		qsort(*names, n, sizeof(char *), cmpstr);
	return n;
}
