// SPDX-License-Identifier: MIT
/*
 * The storage fence's worker and decisions (design.md rule 13, §2.9).
 *
 * One worker thread runs one job at a time (PR commands block for seconds
 * on a dead path; the event loop must not); it hands the result back by
 * an eventfd, and everything else - the core, the logs - stays on the
 * loop's thread. The loop decides, on every timer tick and result:
 *
 *  - fence: a leader that may preempt now (qf_raft_may_preempt: a
 *    majority round within L, the clock guard) and whose own key is
 *    registered preempts the key of each waiting NODE_FENCED(X, g) on
 *    every pr_device, once; only if X's key is gone from all of them, read
 *    back, and it may still preempt, it proposes PREEMPTED(X, g, n). On
 *    any failure the record waits W (rule 5), and the log says why.
 *  - register: the key of the committed, unfenced generation
 *    (qf_raft_pr_gen) through qf_pr_reg_step, which never registers again
 *    a generation whose key the storage removed; that generation, durable
 *    in data_dir, survives a restart. The kernel lease of a generation is
 *    armed only once its key is registered on every device
 *    (qd_pr_lease_allowed): a node never writes with a registration still
 *    in flight, so a preempt cannot be undone by a late REGISTER.
 *  - read: every device's keys and reservation, for status, and to learn
 *    that our key is gone (we were fenced at the storage: the lease is
 *    fenced at once, rule 7).
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "pr.h"
#include "prwork.h"
#include "quorumd.h"

#define READ_EVERY	(1000 * QF_MS)
#define RETRY_AFTER	(1000 * QF_MS)
#define LOST_GEN_FILE	"pr-lost-gen"
#define REG_GEN_FILE	"pr-registered-gen"

void *worker_main(void *arg);
static void lost(struct qd *d, uint64_t gen);

void *worker_main(void *arg)
{
	struct qd_pr *p = arg;
	uint64_t one = 1;

	pthread_mutex_lock(&p->mu);
	for (;;) {
		while (!p->stop && (p->job == QD_PR_JOB_NONE || p->done))
			pthread_cond_wait(&p->cv, &p->mu);
		if (p->stop)
			break;
		pthread_mutex_unlock(&p->mu);
		qd_pr_run_job(p);
		pthread_mutex_lock(&p->mu);
		p->done = true;
		if (write(p->efd, &one, sizeof(one)) < 0)
			p->efd_errors++;
	}
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

void qd_pr_run_job(struct qd_pr *p)
{
	switch (p->job) {
	case QD_PR_JOB_REGISTER:
		p->j_result = qd_pr_register_all(p->ops, p->ctx, p->paths,
						 p->n, p->j_key, p->j_why);
		break;
	case QD_PR_JOB_FENCE:
		p->j_result = qd_pr_fence_all(p->ops, p->ctx, p->paths, p->n,
					      p->j_mine, p->j_victim, p->j_why);
		break;
	case QD_PR_JOB_READ:
		for (unsigned int i = 0; i < p->n; i++)
			qd_pr_read(p->ops, p->ctx, p->paths[i], &p->j_view[i]);
		break;
	default:
		break;
	}
}

static void start_job(struct qd_pr *p, int job)
{
	pthread_mutex_lock(&p->mu);
	p->job = job;
	p->done = false;
	p->j_why[0] = '\0';
	pthread_cond_signal(&p->cv);
	pthread_mutex_unlock(&p->mu);
}

static bool idle(struct qd_pr *p)
{
	bool r;

	pthread_mutex_lock(&p->mu);
	r = p->job == QD_PR_JOB_NONE;
	pthread_mutex_unlock(&p->mu);
	return r;
}

/* The key of (node, gen) of this cluster, or 0 (does not fit: no PR). */
static uint64_t key_of(const struct qd_pr *p, uint32_t node, uint64_t gen)
{
	uint64_t k;

	return qf_pr_key(p->cluster, node, gen, &k) ? 0 : k;
}

static bool fence_next(struct qd *d, qf_ns now)
{
	struct qd_pr *p = d->pr;
	uint32_t ids[QF_MAX_FENCES];
	uint64_t gens[QF_MAX_FENCES];
	size_t n;

	if (!p->reg.key || !qf_raft_may_preempt(&d->raft, now))
		return false;
	n = qf_raft_pr_pending(&d->raft, ids, gens, QF_MAX_FENCES);
	for (size_t i = 0; i < n; i++) {
		uint64_t victim = key_of(p, ids[i], gens[i]);

		/* Our own record (a lapse): W, never our own key. */
		if (ids[i] == d->conf.node_id ||
		    qd_pr_tried(p, ids[i], gens[i], d->raft.term))
			continue;
		qd_pr_mark_tried(p, ids[i], gens[i], d->raft.term);
		if (!victim) {
			LOG(WARN, "storage fence: node %" PRIu32 " generation %"
			    PRIu64 " has no reservation key (does not fit 32 "
			    "bits): NODE_FENCED waits W", ids[i], gens[i]);
			continue;
		}
		p->j_node = ids[i];
		p->j_gen = gens[i];
		p->j_mine = p->reg.key;
		p->j_victim = victim;
		LOG(WARN, "storage fence: PREEMPT AND ABORT of node %" PRIu32
		    " generation %" PRIu64 " key %016" PRIx64 " on %u "
		    "pr_device(s)", ids[i], gens[i], victim, p->n);
		start_job(p, QD_PR_JOB_FENCE);
		return true;
	}
	return false;
}

static bool register_next(struct qd *d, qf_ns now)
{
	struct qd_pr *p = d->pr;
	uint64_t gen = qf_raft_pr_gen(&d->raft), want, had = p->reg.key;

	if (!p->present_known || now < p->retry_at)
		return false;
	switch (qf_pr_reg_step(&p->reg, p->cluster, d->conf.node_id, gen,
			       p->present, &want)) {
	case QF_PR_LOST:
		/* the last read found our key gone: fenced at the storage */
		lost(d, qf_pr_key_gen(had));
		return false;
	case QF_PR_REGISTER:
		p->j_key = want;
		LOG(INFO, "storage fence: registering key %016" PRIx64
		    " (generation %" PRIu64 ") on %u pr_device(s)", want, gen,
		    p->n);
		start_job(p, QD_PR_JOB_REGISTER);
		return true;
	default:
		return false;
	}
}

void qd_pr_tick(struct qd *d, qf_ns now)
{
	struct qd_pr *p = d->pr;

	if (!p || !idle(p))
		return;
	if (fence_next(d, now) || register_next(d, now))
		return;
	if (now >= p->read_at) {
		p->read_at = now + READ_EVERY;
		start_job(p, QD_PR_JOB_READ);
	}
}

static void fence_done(struct qd *d, qf_ns now)
{
	struct qd_pr *p = d->pr;
	int rc;

	if (p->j_result != p->n) {
		LOG(WARN, "storage fence of node %" PRIu32 " generation %"
		    PRIu64 " failed on %u of %u pr_device(s) (%s): "
		    "NODE_FENCED waits W", p->j_node, p->j_gen,
		    p->n - p->j_result, p->n, p->j_why);
		return;
	}
	rc = qf_raft_propose_preempted(&d->raft, now, p->j_node, p->j_gen,
				       p->n);
	if (rc)
		LOG(WARN, "storage fence of node %" PRIu32 " generation %"
		    PRIu64 " done, but PREEMPTED not proposed (%s): "
		    "NODE_FENCED waits W", p->j_node, p->j_gen,
		    qf_strerror(rc));
	else
		LOG(WARN, "storage fence: node %" PRIu32 " generation %"
		    PRIu64 " preempted and read back gone on %u of %u "
		    "pr_device(s); PREEMPTED proposed", p->j_node, p->j_gen,
		    p->n, p->n);
}

static void register_done(struct qd *d)
{
	struct qd_pr *p = d->pr;

	if (p->j_result != p->n) {
		LOG(ERR, "storage fence: key %016" PRIx64 " registered on %u "
		    "of %u pr_device(s) (%s); the lease stays unarmed, retry",
		    p->j_key, p->j_result, p->n, p->j_why);
		p->retry_at = qd_now() + RETRY_AFTER;
		return;
	}
	/* the job read the key back on every device: present now (the
	 * last read's "absent" was from before it, not a preempt) */
	p->reg.key = p->j_key;
	p->present = true;
	p->registered_gen = qf_pr_key_gen(p->j_key);
	qd_num_save(d, REG_GEN_FILE, p->registered_gen);
	LOG(INFO, "storage fence: key %016" PRIx64 " registered on all %u "
	    "pr_device(s)", p->j_key, p->n);
}

static void lost(struct qd *d, uint64_t gen)
{
	LOG(ERR, "storage fence: our key of generation %" PRIu64 " is gone "
	    "from the storage: this node was fenced by reservation; it never "
	    "registers that generation again (design.md rule 13)", gen);
	qd_num_save(d, LOST_GEN_FILE, d->pr->reg.lost_gen);
	kern_fence(d, "reservation key removed by the storage fence");
}

static void read_done(struct qd *d)
{
	struct qd_pr *p = d->pr;
	uint64_t gen = qf_raft_pr_gen(&d->raft), mine, want;
	bool all_ok = true, all_have = true;

	memcpy(p->view, p->j_view, sizeof(p->view));
	mine = p->reg.key ? p->reg.key : key_of(p, d->conf.node_id, gen);
	for (unsigned int i = 0; i < p->n; i++) {
		all_ok &= p->view[i].ok;
		all_have &= p->view[i].ok &&
			    qf_pr_keys_has(&p->view[i].keys, mine);
	}
	if (!all_ok)
		return;		/* unknown: decide nothing */
	p->present_known = true;
	p->present = all_have;
	if (!p->reg.key && mine && all_have && gen > p->reg.lost_gen) {
		p->reg.key = mine;	/* restart: adopt, no REGISTER */
		return;
	}
	if (!p->reg.key && mine && !all_have && p->registered_gen == gen &&
	    gen > p->reg.lost_gen) {
		p->reg.lost_gen = gen;	/* registered before a restart, gone */
		lost(d, gen);
		return;
	}
	if (p->reg.key && !all_have) {
		uint64_t g = qf_pr_key_gen(p->reg.key);

		qf_pr_reg_step(&p->reg, p->cluster, d->conf.node_id, gen,
			       false, &want);
		lost(d, g);
	}
}

void qd_pr_on_done(struct qd *d)
{
	struct qd_pr *p = d->pr;
	uint64_t v;
	int job;

	if (read(p->efd, &v, sizeof(v)) < 0 && errno != EAGAIN)
		return;
	pthread_mutex_lock(&p->mu);
	job = p->done ? p->job : QD_PR_JOB_NONE;
	pthread_mutex_unlock(&p->mu);
	if (job == QD_PR_JOB_FENCE)
		fence_done(d, qd_now());
	else if (job == QD_PR_JOB_REGISTER)
		register_done(d);
	else if (job == QD_PR_JOB_READ)
		read_done(d);
	if (job == QD_PR_JOB_NONE)
		return;
	pthread_mutex_lock(&p->mu);
	p->job = QD_PR_JOB_NONE;
	p->done = false;
	pthread_mutex_unlock(&p->mu);
	qd_pr_tick(d, qd_now());
}

/* design.md rule 13: arm gen's lease only with its key on every device. */
bool qd_pr_lease_allowed(const struct qd *d, uint64_t gen)
{
	const struct qd_pr *p = d->pr;

	return !p || (p->reg.key && p->reg.key == key_of(p, d->conf.node_id,
							 gen));
}

int qd_pr_efd(const struct qd *d)
{
	return d->pr ? d->pr->efd : -1;
}

qf_ns qd_pr_next(const struct qd *d)
{
	const struct qd_pr *p = d->pr;

	if (!p)
		return 0;
	return p->retry_at > p->read_at ? p->retry_at : p->read_at;
}
