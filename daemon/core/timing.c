// SPDX-License-Identifier: MIT
/*
 * One timing for the whole cluster (design.md rule 9) and its committed
 * change (design.md §2.10).
 *
 * W, R, the election timeouts and the kernel's max lease are all computed
 * from timing values; they bound what other nodes do only if those run
 * the same values. The replicated state records the cluster's timing (the
 * bootstrap's, then each change's). A change is three kinds of entries:
 * TIMING_BEGIN(new) opens it, TIMING_APPLIED(X) records that member X runs
 * the new values (its kernel lease and clock guard included), and
 * TIMING_DONE, appended by a leader once every member applied and W of
 * the cover has passed since, closes it.
 *
 * A node runs the cover of every timing its committed state and its log
 * record (qf_timing_cover: leases no longer than either, W no shorter
 * than either), so a record only has to reach a node's log, not be
 * committed, to make it more careful; it applies the new values itself
 * only once TIMING_BEGIN is committed. Messages are acted upon only when
 * their sender's digest is one of those recorded timings, and only while
 * this node's own timing is one of the latest configuration's; otherwise
 * it serves nothing: no vote, no ack, no campaign, no grant accepted.
 */
#include <stdio.h>
#include <string.h>

#include "internal.h"

#define MAX_REC 4

struct recorded {
	size_t n;
	uint32_t digest[MAX_REC];
	const struct qf_timing_rec *rec[MAX_REC];
};

static void add_rec(struct recorded *d, uint32_t digest,
		    const struct qf_timing_rec *rec)
{
	for (size_t i = 0; i < d->n; i++)
		if (d->digest[i] == digest)
			return;
	if (digest && d->n < MAX_REC) {
		d->digest[d->n] = digest;
		d->rec[d->n++] = rec;
	}
}

/* The committed state's timing (and change), then the latest
 * configuration's: every timing some node may run now. */
static void recorded(const struct qf_raft *r, struct recorded *d)
{
	d->n = 0;
	add_rec(d, r->st.timing, &r->st.timing_rec);
	add_rec(d, r->st.timing_next, &r->st.timing_next_rec);
	add_rec(d, r->cfg.timing, &r->cfg.timing_rec);
	add_rec(d, r->cfg.timing_next, &r->cfg.timing_next_rec);
}

static bool is_recorded(const struct qf_raft *r, uint32_t digest)
{
	struct recorded d;

	recorded(r, &d);
	for (size_t i = 0; i < d.n; i++)
		if (d.digest[i] == digest)
			return true;
	return false;
}

/* A recorded timing as this node runs it: its own fence_after policy. */
static void rec_timing(const struct qf_raft *r, const struct qf_timing_rec *rec,
		       struct qf_timing *t)
{
	qf_timing_from_rec(rec, t);
	t->fence_after = r->own.fence_after;
	if (t->fence_after && t->fence_after < t->lease)
		t->fence_after = t->lease;
}

/* The mutation decides with the newest timing's W from TIMING_BEGIN on. */
static qf_ns no_cover_wait(const struct qf_raft *r)
{
	struct qf_timing t;

	if (!r->cfg.timing_next)
		return r->wait;
	rec_timing(r, &r->cfg.timing_next_rec, &t);
	return qf_timing_wait(&t);
}

static void want_apply(struct qf_raft *r)
{
	uint32_t next = r->st.timing_next;

	if (!next || r->timing == next || r->timing_bad) {
		r->timing_want = 0;
		r->timing_want_dirty = false;
		return;
	}
	if (r->timing_want != next) {
		r->timing_want = next;
		r->timing_want_dirty = true;
	}
}

/*
 * What this node's kernel lease and clock guard enforce (design.md §2.10):
 * its own values; once it applied a change still in progress, the
 * stricter of the old and the new (a larger F or ρ only once the change
 * is done: a fence decided meanwhile may rest on the old ones).
 */
static void kernel_values(struct qf_raft *r)
{
	qf_ns settle = r->own.settle;
	uint32_t rho = r->own.rho_ppm;
	const struct qf_timing_rec *cur = &r->st.timing_rec;

	if (r->st.timing_next && r->timing == r->st.timing_next) {
		if (cur->settle_ms * QF_MS < settle)
			settle = cur->settle_ms * QF_MS;
		if (cur->rho_ppm < rho)
			rho = cur->rho_ppm;
	}
	if (settle != r->kernel_settle || rho != r->kernel_rho_ppm) {
		r->kernel_settle = settle;
		r->kernel_rho_ppm = rho;
		r->kernel_dirty = true;
	}
}

/* After any change of the committed state or of the log's tail. */
void timing_refresh(struct qf_raft *r)
{
	struct qf_timing run = r->own, t;
	struct recorded d;

	r->timing_bad = r->cfg.timing && r->timing != r->cfg.timing &&
			r->timing != r->cfg.timing_next &&
			!QF_MUTATED(QF_MUT_SKIP_TIMING_CHECK);
	recorded(r, &d);
	if (QF_MUTATED(QF_MUT_SKIP_TIMING_CHECK))
		d.n = 0;	/* each node judges with its own timing */
	for (size_t i = 0; !r->timing_bad && i < d.n; i++) {
		if (d.digest[i] == r->timing)
			continue;
		rec_timing(r, d.rec[i], &t);
		qf_timing_cover(&run, &t, &run);
	}
	r->t = run;
	r->wait = qf_timing_wait(&run);
	if (QF_MUTATED(QF_MUT_TIMING_NO_COVER))
		r->wait = no_cover_wait(r);
	want_apply(r);
	if (!r->timing_bad)
		kernel_values(r);
}

/*
 * What a message says of timing: the committed timing of this node's
 * state, which every member that may be behind still knows (a member
 * that has not seen TIMING_BEGIN yet, or has only its uncommitted record,
 * would refuse the new digest and could never catch up), and this node's
 * own timing beside it when that differs. A node that serves nothing
 * shows its own timing: it is acted upon nowhere.
 */
void timing_stamp(const struct qf_raft *r, struct qf_msg *m)
{
	m->timing = r->timing;
	m->timing_own = 0;
	if (r->timing_bad || !r->st.timing ||
	    QF_MUTATED(QF_MUT_SKIP_TIMING_CHECK))
		return;
	m->timing = r->st.timing;
	if (r->timing != r->st.timing)
		m->timing_own = r->timing;
}

bool timing_serves_nothing(const struct qf_raft *r)
{
	return r->timing_bad;
}

bool timing_accept(struct qf_raft *r, const struct qf_msg *m)
{
	if (QF_MUTATED(QF_MUT_SKIP_TIMING_CHECK))
		return true;
	if (!r->timing_bad && (m->timing == r->timing ||
			       is_recorded(r, m->timing)))
		return true;
	/* A snapshot may carry the cluster's record to a node that lacks
	 * one; it is still of another timing, so it changes nothing. */
	r->timing_refused++;
	if (m->timing != r->timing) {
		r->timing_peer = m->from;
		r->timing_peer_digest = m->timing;
	}
	return false;
}

bool timing_change_pending(const struct qf_raft *r)
{
	return r->st.timing_next || r->cfg.timing_next;
}

/*
 * May the leader grant to member id, whose last ack carried digest? Only
 * if that digest is what the log says id runs: one of the latest
 * configuration's timings, and the new one once TIMING_APPLIED(id) is in
 * the log. A member that applied and then restarted on its old
 * configuration gets nothing: W may soon be the new one alone.
 */
bool timing_grant_ok(const struct qf_raft *r, uint32_t id, uint32_t digest)
{
	const struct qf_member *c = qf_state_find(&r->cfg, id);

	if (QF_MUTATED(QF_MUT_SKIP_TIMING_CHECK) || !r->cfg.timing)
		return true;
	if (!r->cfg.timing_next)
		return digest == r->cfg.timing;
	if (c && (c->flags & QF_MF_TIMING_APPLIED))
		return digest == r->cfg.timing_next;
	return digest == r->cfg.timing || digest == r->cfg.timing_next;
}

static bool member_applied(struct qf_raft *r, const struct qf_member *c,
			   uint32_t next)
{
	const struct qf_progress *p = member_progress(r, c->id);

	if (c->id == r->id)
		return r->timing == next;
	return p && p->timing == next;
}

/* Leader: record the members whose acks show the new timing. */
static void propose_applied(struct qf_raft *r, qf_ns now, uint32_t next)
{
	for (int i = 0; i < QF_MAX_MEMBERS; i++) {
		struct qf_member c = r->cfg.m[i];	/* cfg changes below */
		struct qf_entry e = { .type = QF_ENT_TIMING_APPLIED,
				      .node = c.id, .gen = next };

		if (c.id && member_in_config(&c) &&
		    !(c.flags & QF_MF_TIMING_APPLIED) &&
		    member_applied(r, &c, next))
			repl_propose(r, now, &e);
	}
}

static bool all_applied(const struct qf_raft *r)
{
	for (int i = 0; i < QF_MAX_MEMBERS; i++) {
		const struct qf_member *m = &r->st.m[i];

		if (m->id && member_in_config(m) &&
		    !(m->flags & QF_MF_TIMING_APPLIED))
			return false;
	}
	return true;
}

/*
 * Leader, every tick: APPLIED for members that run the new timing; DONE
 * once all of them are committed and W of the cover has passed both since
 * then and since this leader's E_el. Every lease that was granted to a
 * member not yet running the new values, or by an earlier term, has then
 * ended and settled (design.md §2.10, step 4), so after DONE W_new alone
 * is enough.
 */
void timing_leader_tick(struct qf_raft *r, qf_ns now)
{
	struct qf_entry done = { .type = QF_ENT_TIMING_DONE };
	uint32_t next = r->st.timing_next;
	qf_ns from;

	if (r->state != QF_LEADER || !next || r->cfg.timing_next != next)
		return;
	propose_applied(r, now, next);
	done.gen = next;
	if (QF_MUTATED(QF_MUT_TIMING_EARLY_DONE)) {
		repl_propose(r, now, &done);
		return;
	}
	if (!all_applied(r)) {
		r->timing_all_at = 0;
		return;
	}
	if (!r->timing_all_at || r->timing_all_term != r->term) {
		r->timing_all_at = now;
		r->timing_all_term = r->term;
	}
	from = r->timing_all_at > r->e_el ? r->timing_all_at : r->e_el;
	if (now >= from + r->wait)
		repl_propose(r, now, &done);
}

#define REFUSE(...) do { snprintf(why, len, __VA_ARGS__); return -QF_EINVAL; } while (0)

static int check_new(const struct qf_raft *r, const struct qf_timing *t,
		     char *why, size_t len)
{
	struct qf_timing back, cur, cover;
	struct qf_timing_rec rec;
	char sub[600];

	if (qf_timing_validate(t, sub, sizeof(sub)))
		REFUSE("new timing refused: %s", sub);
	qf_timing_to_rec(t, &rec);
	qf_timing_from_rec(&rec, &back);
	back.fence_after = t->fence_after;
	if (qf_timing_digest(&back) != qf_timing_digest(t))
		REFUSE("new timing refused: every value must be a whole number of milliseconds (the replicated record keeps ms)");
	rec_timing(r, &r->cfg.timing_rec, &cur);
	qf_timing_cover(&cur, t, &cover);
	if (qf_timing_validate(&cover, sub, sizeof(sub)))
		REFUSE("the transition would run the cover of the current and the new timing (shortest lease and election, longest settle, rho and margin), which is refused: %s; change the timing in two steps (design.md §2.10)",
		       sub);
	return 0;
}

int qf_raft_propose_timing(struct qf_raft *r, qf_ns now,
			   const struct qf_timing *t, char *why, size_t len)
{
	struct qf_entry e = { .type = QF_ENT_TIMING_BEGIN };
	char dummy[1];
	int err;

	if (!why || !len) {
		why = dummy;
		len = sizeof(dummy);
	}
	why[0] = 0;
	if (!t)
		return -QF_EINVAL;
	if (r->state != QF_LEADER)
		return -QF_ENOTLEADER;
	if (r->log.commit < r->term_start)
		return -QF_EAGAIN;
	if (!r->st.timing || !r->cfg.timing)
		return -QF_ENOENT;
	if (timing_change_pending(r) || member_change_pending(r))
		return -QF_EBUSY;
	err = check_new(r, t, why, len);
	if (err)
		return err;
	e.gen = qf_timing_digest(t);
	if (e.gen == r->cfg.timing)
		return -QF_EEXIST;
	qf_timing_to_rec(t, &e.timing);
	r->now = now;
	return repl_propose(r, now, &e);
}

int qf_raft_timing_applied(struct qf_raft *r, qf_ns now, uint32_t digest)
{
	struct qf_timing t;

	if (!digest || digest != r->st.timing_next)
		return -QF_EINVAL;
	if (now > r->now)
		r->now = now;
	rec_timing(r, &r->st.timing_next_rec, &t);
	r->own = t;
	r->timing = digest;
	timing_refresh(r);
	return 0;
}

/* What rd.timing_next carries: the committed new timing's values. In
 * every batch until applied (a daemon that failed to apply it retries);
 * only a new request makes a batch of its own. */
void timing_ready(const struct qf_raft *r, struct qf_ready *rd)
{
	rd->timing_kernel = r->kernel_dirty;
	rd->timing_settle = r->kernel_settle;
	rd->timing_rho_ppm = r->kernel_rho_ppm;
	if (!r->timing_want)
		return;
	rd->timing_apply = r->timing_want;
	rec_timing(r, &r->st.timing_next_rec, &rd->timing_next);
}
