// SPDX-License-Identifier: MIT
/*
 * Invariants, checked as the events that could break them happen (so every
 * step is covered at a cost of a few comparisons):
 *
 *  - election safety: at most one leader per term;
 *  - log matching: two durable logs with an entry of the same index and
 *    term agree on every entry up to it (prefix hashes);
 *  - leader completeness: a new leader's log holds every committed entry;
 *  - state machine safety: no two nodes commit different entries at one
 *    index;
 *  - THE lease invariant (design.md §2): once NODE_FENCED(X, g) is first
 *    committed anywhere, at real time t_c, no IO of X's generation g may
 *    land after t_c: X's lease of g must have ended, in real time, by
 *    t_c - F, and must never be renewed again;
 *  - wire rules: a grant never goes to (X, g) from a leader whose log holds
 *    NODE_FENCED(X, g) (rule 3); a node never acks a term below its own
 *    (rule 4);
 *  - liveness (checked by nemesis.c at chosen moments).
 */
#include <string.h>

#include "sim.h"

#define TERM_SLOTS 4096	/* power of two */

static uint64_t gterm[SIM_MAX_INDEX], ghash[SIM_MAX_INDEX];
static uint64_t gcterm[SIM_MAX_INDEX];	/* term of the first node to report the commit */
static uint64_t gmax;
static struct {
	uint64_t term;
	uint32_t id;
} leaders[TERM_SLOTS];

void inv_reset(void)
{
	memset(gterm, 0, (gmax + 1) * sizeof(gterm[0]));
	memset(ghash, 0, (gmax + 1) * sizeof(ghash[0]));
	memset(gcterm, 0, (gmax + 1) * sizeof(gcterm[0]));
	gmax = 0;
	memset(leaders, 0, sizeof(leaders));
	rejoin_reset();
}

void inv_violation(const char *what, uint64_t a, uint64_t b)
{
	if (W.failed)
		return;
	W.failed = 1;
	W.fail_what = what;
	W.fail_a = a;
	W.fail_b = b;
	trace_add(W.now, TR_VIOLATION, 0, 0, 0, a, b, what);
}

static uint64_t mix(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	return h ^ (h >> 33);
}

uint64_t entry_hash(const struct qf_entry *e)
{
	uint64_t h = mix(e->term ^ (e->index << 20));

	h = mix(h ^ ((uint64_t)e->type << 56 | (uint64_t)e->role << 48 |
		     (uint64_t)e->reason << 40 | (uint64_t)e->n_addrs << 32 |
		     e->node));
	return mix(h ^ e->gen);
}

static uint64_t prefix_next(uint64_t prev, uint64_t term, uint64_t hash)
{
	return mix(prev * 31 + term) ^ hash;
}

/* Log matching for indexes [lo, hi] of n against every other node. */
static void check_matching(struct sim_node *n, uint64_t lo, uint64_t hi)
{
	for (int j = 0; j < W.n; j++) {
		struct sim_node *o = &W.node[j];
		uint64_t top = hi < o->mlast ? hi : o->mlast;

		if (o == n || !o->started)
			continue;
		for (uint64_t i = lo; i <= top; i++) {
			if (o->mterm[i] == n->mterm[i] &&
			    o->mprefix[i] != n->mprefix[i]) {
				inv_violation("log matching: same index and term, different logs",
					      i, o->id);
				return;
			}
		}
	}
}

static void refresh_prefix(struct sim_node *n, uint64_t from)
{
	for (uint64_t i = from; i <= n->mlast; i++)
		n->mprefix[i] = prefix_next(n->mprefix[i - 1], n->mterm[i],
					    n->mhash[i]);
}

/*
 * The mirror of a log that starts with a snapshot at index i: its entries
 * are committed ones (the bootstrap snapshot's are known to no commit, and
 * are the same on every node).
 */
static void mirror_snapshot(struct sim_node *n, uint64_t i, uint64_t term)
{
	for (uint64_t k = 1; k <= i; k++) {
		n->mterm[k] = gterm[k] ? gterm[k] : (k == i ? term : 0);
		n->mhash[k] = ghash[k];
	}
	for (uint64_t k = i + 1; k <= n->mlast; k++)
		n->mterm[k] = n->mhash[k] = n->mprefix[k] = 0;
	n->mlast = i;
	refresh_prefix(n, 1);
}

void inv_entries(struct sim_node *n, const struct qf_entry *e, size_t cnt)
{
	uint64_t first = e[0].index, last = e[cnt - 1].index;

	if (last >= SIM_MAX_INDEX) {
		inv_violation("simulator: log longer than SIM_MAX_INDEX", last, 0);
		return;
	}
	if (first > n->mlast + 1 && first == n->snap.index + 1)
		mirror_snapshot(n, n->snap.index, n->snap.term);
	if (first > n->mlast + 1) {
		inv_violation("durable log has a hole", first, n->mlast);
		return;
	}
	for (size_t k = 0; k < cnt; k++) {
		n->mterm[e[k].index] = e[k].term;
		n->mhash[e[k].index] = entry_hash(&e[k]);
	}
	for (uint64_t i = last + 1; i <= n->mlast; i++)
		n->mterm[i] = n->mhash[i] = n->mprefix[i] = 0;
	n->mlast = last;
	refresh_prefix(n, first);
	check_matching(n, first, last);
}

/*
 * A snapshot holds committed entries only: its (index, term) must be the
 * committed entry there. The mirror takes the committed prefix for it.
 */
void inv_snapshot(struct sim_node *n, const struct qf_snapshot *s)
{
	uint64_t i = s->index;

	if (i == 0)
		return;
	if (i >= SIM_MAX_INDEX) {
		inv_violation("simulator: log longer than SIM_MAX_INDEX", i, 0);
		return;
	}
	if (gterm[i] && gterm[i] != s->term) {
		inv_violation("snapshot disagrees with the committed entry",
			      i, s->term);
		return;
	}
	if (i <= n->mlast && n->mterm[i] == s->term)
		return;	/* own compaction, or an already matching log */
	mirror_snapshot(n, i, s->term);
}

void inv_role(struct sim_node *n)
{
	uint64_t t = n->term;
	size_t h = (size_t)(t & (TERM_SLOTS - 1));

	if (n->role != QF_LEADER)
		return;
	while (leaders[h].term && leaders[h].term != t)
		h = (h + 1) & (TERM_SLOTS - 1);
	if (leaders[h].term == t) {
		if (leaders[h].id != n->id)
			inv_violation("election safety: two leaders in one term",
				      t, leaders[h].id);
		return;
	}
	leaders[h].term = t;
	leaders[h].id = n->id;
	/*
	 * Leader completeness (thesis 3.6.3): an entry committed in term U is
	 * in the log of every leader of a term above U. U is bounded above by
	 * the term of the first node that reported the commit; a late leader
	 * of an older term (a candidate paused mid-election) is not bound.
	 */
	for (uint64_t i = 1; i <= gmax; i++) {
		if (gterm[i] && gcterm[i] < t && (i > n->mlast || n->mterm[i] != gterm[i] ||
				 n->mhash[i] != ghash[i])) {
			inv_violation("leader completeness: new leader lacks a committed entry",
				      i, t);
			return;
		}
	}
}

/* IO of (X, g) may land until this real time. */
static int64_t io_until(struct sim_node *x, struct sim_gen *g)
{
	int64_t until = g->io_closed;

	if (x->kstate == K_ARMED && x->kgen == g->gen) {
		int64_t end = node_kernel_end(x) +
			x->ksettle;	/* F of the lease, set at LEASE_NEW */

		if (end > until)
			until = end;
	}
	return until;
}

static void check_fence(struct sim_node *x, struct sim_gen *g)
{
	int64_t until;

	if (!g || !g->fenced_at)
		return;
	until = io_until(x, g);
	if (until > g->fenced_at - W.min_slack_floor && W.fence_slack_n < 1u << 30) {
		/* the closest call: how much real time was left */
		int64_t slack = g->fenced_at - until;

		if (!W.fence_slack_n++ || slack < W.fence_slack_min)
			W.fence_slack_min = slack;
	}
	if (until > g->fenced_at)
		inv_violation("lease: IO of a fenced generation may land after NODE_FENCED committed (ns past)",
			      (uint64_t)(until - g->fenced_at), g->gen);
}

void inv_kernel(struct sim_node *n)
{
	check_fence(n, node_gen(n, n->kgen, 0));
}

static void fence_committed(const struct qf_entry *e)
{
	struct sim_node *x = sim_node_by_id(e->node);
	struct sim_gen *g;

	if (!x)
		return;
	g = node_gen(x, e->gen, 1);
	if (g->fenced_at)
		return;
	g->fenced_at = W.now;
	trace_add(W.now, TR_NOTE, x->slot, 0, 0, e->gen, e->index,
		  "NODE_FENCED committed");
	check_fence(x, g);
	nemesis_fenced(e->node, e->gen);
}

static void check_rule5(struct sim_node *n, const struct qf_entry *e);

void inv_commit(struct sim_node *n, const struct qf_entry *e)
{
	uint64_t i = e->index, h = entry_hash(e);

	if (i >= SIM_MAX_INDEX) {
		inv_violation("simulator: log longer than SIM_MAX_INDEX", i, 0);
		return;
	}
	if (i > n->commit)
		n->commit = i;
	if (e->type == QF_ENT_NODE_FENCED)
		check_rule5(n, e);
	trace_add(W.now, TR_COMMIT, n->slot, (int)e->node - 1, e->type, i,
		  e->gen, NULL);
	if (gterm[i]) {
		if (gterm[i] != e->term || ghash[i] != h)
			inv_violation("state machine safety: two entries committed at one index",
				      i, n->id);
		return;
	}
	gterm[i] = e->term;
	ghash[i] = h;
	gcterm[i] = n->term;
	if (i > gmax)
		gmax = i;
	if (e->type == QF_ENT_NODE_FENCED)
		fence_committed(e);
	rejoin_committed(e);
}

/*
 * Rule 5 as observed from outside: a leader's commit index passes
 * NODE_FENCED(X, g) only once W (of the unmutated timing) has passed, on its
 * own clock, since its E_el and since its last grant to X in this term (its
 * own lease counts as a grant to itself). Checked when the leader reports
 * the commit, which is at or after the moment it happened.
 */
static void check_rule5(struct sim_node *n, const struct qf_entry *e)
{
	static struct qf_status st;
	int64_t now = node_local(n), w = (int64_t)W.rule5_wait;

	if (!W.o.wire || n->role != QF_LEADER || e->node > SIM_MAX_NODES)
		return;
	qf_raft_status(n->r, &st);
	if (st.state != QF_LEADER || st.term != n->term)
		return;
	if (now < (int64_t)st.e_el + w)
		inv_violation("rule 5 (observed): NODE_FENCED committed less than W after the leader's E_el (ms early)",
			      (uint64_t)((int64_t)st.e_el + w - now) / 1000000, e->node);
	else if (n->grant_at[e->node] && now < n->grant_at[e->node] + w)
		inv_violation("rule 5 (observed): NODE_FENCED committed less than W after the leader's last grant to X (ms early)",
			      (uint64_t)(n->grant_at[e->node] + w - now) / 1000000,
			      e->node);
}

static int log_has_fence(const struct sim_node *n, uint32_t x, uint64_t gen)
{
	const struct qf_member *m = qf_state_find(&n->snap.state, x);

	if (m && m->fenced_gen >= gen)
		return 1;
	for (uint64_t i = 0; i < n->dlog_n; i++) {
		const struct qf_entry *e = &n->dlog[i];

		if (e->type == QF_ENT_NODE_FENCED && e->node == x &&
		    e->gen == gen)
			return 1;
	}
	return 0;
}

/* Messages as they leave a node: rules 3 and 4 on the wire. */
void inv_send(struct sim_node *n, const struct qf_msg *m)
{
	if (!W.o.wire)
		return;
	if (m->type == QF_MSG_APPEND_RESP && !(m->flags & QF_MF_REJECT) &&
	    m->term < n->term)
		inv_violation("rule 4 (wire): ack of a term below the node's own",
			      m->term, n->term);
	if (m->type != QF_MSG_GRANT)
		return;
	if (m->to <= SIM_MAX_NODES)
		n->grant_at[m->to] = n->rd_local;	/* g_t: when made */
	if (m->r > W.lease_max)
		inv_violation("rule 3 (wire): grant longer than L", m->r, m->to);
	if (log_has_fence(n, m->to, m->gen))
		inv_violation("rule 3 (wire): grant to (X, g) with NODE_FENCED(X, g) in the leader's log",
			      m->to, m->gen);
}

/*
 * After healing and a bound: a leader exists and every member of its
 * configuration holds a valid lease (a fenced one has rejoined).
 */
void inv_liveness(void)
{
	static struct qf_status st;
	struct sim_node *l = NULL;

	for (int i = 0; i < W.n; i++) {
		struct sim_node *n = &W.node[i];

		if (n->up && n->role == QF_LEADER && (!l || n->term > l->term))
			l = n;
	}
	if (!l) {
		inv_violation("liveness: no leader after healing", 0, 0);
		return;
	}
	qf_raft_status(l->r, &st);
	for (int i = 0; i < QF_MAX_MEMBERS; i++) {
		const struct qf_member *m = &st.state_machine->m[i];
		struct sim_node *n = sim_node_by_id(m->id);

		if (!m->id || !(m->flags & QF_MF_IN_CONFIG) ||
		    m->role != QF_ROLE_VOTER || !n || rejoin_live_exempt(l, n))
			continue;
		if (!node_lease_valid(n)) {
			inv_violation("liveness: a member holds no lease after healing",
				      m->id, (uint64_t)(W.now - W.heal_at));
			return;
		}
	}
}
