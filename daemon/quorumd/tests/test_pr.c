// SPDX-License-Identifier: MIT
/*
 * The storage fence's jobs (prjob.c) and worker body (prwork.c) against a
 * fake target behind the ops table: no device, no thread (but one case,
 * the worker's signal mask). Each case names
 * the clause of design.md rule 13 it holds to.
 */
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fixture.h"
#include "prwork.h"
#include "quorumd.h"
#include "test.h"

#define NDEV 2

/* One LUN as its target would keep it; faults injected per device. */
struct lun {
	uint64_t keys[8];
	unsigned int n;
	uint8_t type;		/* reservation type, 0 none */
	uint64_t holder;
	bool fail_open, fail_in, fail_preempt, ignore_preempt, lie_length;
	unsigned int preempts;
	uint64_t self_key;	/* the key this fake nexus holds here */
};

static struct lun L[NDEV];
static const char paths[NDEV][QF_CONF_PATH_LEN] = { "/dev/sda", "/dev/sdb" };

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24; p[1] = v >> 16; p[2] = v >> 8; p[3] = v;
}

static void put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)(v >> 32));
	put32(p + 4, (uint32_t)v);
}

static int f_open(void *ctx, const char *path, char *why)
{
	int i = path[7] - 'a';

	(void)ctx;
	if (L[i].fail_open) {
		snprintf(why, QD_PR_WHY, "cannot open: No such device");
		return -1;
	}
	return i;
}

static void f_close(void *ctx, int fd)
{
	(void)ctx;
	(void)fd;
}

static int f_in(void *ctx, int fd, int sa, uint8_t *buf, size_t len,
		char *why)
{
	struct lun *l = &L[fd];

	(void)ctx;
	if (l->fail_in) {
		snprintf(why, QD_PR_WHY, "sense: not ready");
		return -1;
	}
	if (sa == 2) {		/* REPORT CAPABILITIES: TMV, WR_EX_AR */
		buf[1] = 8;
		buf[3] = 0x80;
		buf[4] = 0x80;
		return 0;
	}
	put32(buf, 1);
	if (sa == 0) {
		put32(buf + 4, 8 * l->n + (l->lie_length ? 8 * QF_PR_MAX_KEYS : 0));
		for (unsigned int i = 0; i < l->n && 8 + 8 * i + 8 <= len; i++)
			put64(buf + 8 + 8 * i, l->keys[i]);
		return 0;
	}
	if (l->type) {
		put32(buf + 4, 16);
		put64(buf + 8, l->holder);
		buf[21] = l->type;
	}
	return 0;
}

static void drop_key(struct lun *l, uint64_t key)
{
	for (unsigned int i = 0; i < l->n; i++)
		if (l->keys[i] == key)
			l->keys[i--] = l->keys[--l->n];
}

static int f_reg(void *ctx, int fd, uint64_t key, char *why)
{
	(void)ctx;
	(void)why;
	drop_key(&L[fd], L[fd].self_key);	/* IGNORE EXISTING: replaces */
	L[fd].keys[L[fd].n++] = key;
	L[fd].self_key = key;
	return 0;
}

static int f_reserve(void *ctx, int fd, uint64_t key, char *why)
{
	(void)ctx;
	(void)why;
	L[fd].type = QF_PR_TYPE_WR_EX_AR;
	L[fd].holder = key;
	return 0;
}

static int f_preempt(void *ctx, int fd, uint64_t mine, uint64_t victim,
		     char *why)
{
	struct lun *l = &L[fd];

	(void)ctx;
	l->preempts++;
	if (l->fail_preempt) {
		snprintf(why, QD_PR_WHY, "PREEMPT AND ABORT: SCSI status 0x18");
		return -1;
	}
	if (!l->ignore_preempt && mine)
		drop_key(l, victim);
	return 0;
}

static const struct qd_pr_ops fake = {
	.open = f_open, .close = f_close, .in = f_in, .reg = f_reg,
	.reserve = f_reserve, .preempt_abort = f_preempt,
};

static void reset(void)
{
	memset(L, 0, sizeof(L));
}

/* Registration: every device, WEAR made where none is held, read back;
 * a device that fails is counted out, never assumed. */
static void pr_register_all(void)
{
	char why[QD_PR_WHY];

	reset();
	CHECK(qd_pr_register_all(&fake, NULL, paths, NDEV, 0x11, why) == NDEV);
	CHECK(L[0].n == 1 && L[0].keys[0] == 0x11 && L[1].n == 1);
	CHECK(L[0].type == QF_PR_TYPE_WR_EX_AR && L[0].holder == 0x11);
	/* a new generation replaces the old key (never two of ours) */
	CHECK(qd_pr_register_all(&fake, NULL, paths, NDEV, 0x12, why) == NDEV);
	CHECK(L[1].n == 1 && L[1].keys[0] == 0x12);
	/* another type held: refused with a sentence */
	reset();
	L[1].type = QF_PR_TYPE_WR_EX_RO;
	L[1].holder = 0x99;
	CHECK(qd_pr_register_all(&fake, NULL, paths, NDEV, 0x11, why) == 1);
	CHECK(strstr(why, "/dev/sdb: a write-exclusive-registrants-only"));
	reset();
	L[0].fail_open = true;
	CHECK(qd_pr_register_all(&fake, NULL, paths, NDEV, 0x11, why) == 1);
	CHECK(strstr(why, "/dev/sda: cannot open"));
}

/* Fencing counts a device only when the victim's key is read back gone. */
static void pr_fence_all(void)
{
	char why[QD_PR_WHY];

	reset();
	for (int i = 0; i < NDEV; i++) {
		L[i].keys[0] = 0xaa;	/* leader */
		L[i].keys[1] = 0xbb;	/* victim */
		L[i].n = 2;
	}
	CHECK(qd_pr_fence_all(&fake, NULL, paths, NDEV, 0xaa, 0xbb, why) == NDEV);
	CHECK(L[0].n == 1 && L[0].keys[0] == 0xaa && L[1].preempts == 1);
	/* already gone: nothing to preempt, still counts */
	CHECK(qd_pr_fence_all(&fake, NULL, paths, NDEV, 0xaa, 0xbb, why) == NDEV);
	CHECK(L[0].preempts == 1);
	/* a target that says yes and keeps the key */
	L[1].keys[L[1].n++] = 0xbb;
	L[1].ignore_preempt = true;
	CHECK(qd_pr_fence_all(&fake, NULL, paths, NDEV, 0xaa, 0xbb, why) == 1);
	CHECK(strstr(why, "/dev/sdb: key 00000000000000bb still registered"));
	/* a conflict, a dead path, a lying reply: never "gone" */
	L[1].ignore_preempt = false;
	L[1].fail_preempt = true;
	CHECK(qd_pr_fence_all(&fake, NULL, paths, NDEV, 0xaa, 0xbb, why) == 1);
	CHECK(strstr(why, "status 0x18"));
	L[1].fail_preempt = false;
	L[1].fail_in = true;
	CHECK(qd_pr_fence_all(&fake, NULL, paths, NDEV, 0xaa, 0xbb, why) == 1);
	L[1].fail_in = false;
	L[1].n = 1;
	L[1].keys[0] = 0xaa;
	L[1].lie_length = true;
	CHECK(qd_pr_fence_all(&fake, NULL, paths, NDEV, 0xaa, 0xbb, why) == 1);
	CHECK(strstr(why, "/dev/sdb: READ KEYS lists 65 keys"));
}

/* Probe and --check-config: require_pr without a device is refused; a
 * device that does not answer refuses the start. */
static void pr_check(void)
{
	static struct qf_conf c;
	char why[400];

	reset();
	memset(&c, 0, sizeof(c));
	c.require_pr = true;
	CHECK(qd_pr_check(&c, &fake, NULL, why, sizeof(why)) == -1);
	CHECK(strstr(why, "no pr_device"));
	c.n_pr_devices = 2;
	memcpy(c.pr_devices, paths, sizeof(paths));
	CHECK(qd_pr_check(&c, &fake, NULL, why, sizeof(why)) == 0);
	L[1].fail_in = true;
	CHECK(qd_pr_check(&c, &fake, NULL, why, sizeof(why)) == -1);
	CHECK(strstr(why, "pr_device /dev/sdb: PERSISTENT") ||
	      strstr(why, "pr_device /dev/sdb: sense"));
}

/* The worker's body: a READ job fills a view per device. */
static void pr_worker_read(void)
{
	static struct qd_pr p;

	reset();
	L[0].keys[0] = 0x5;
	L[0].n = 1;
	L[1].fail_in = true;
	memset(&p, 0, sizeof(p));
	p.ops = &fake;
	p.n = NDEV;
	p.paths = paths;
	p.job = QD_PR_JOB_READ;
	qd_pr_run_job(&p);
	CHECK(p.j_view[0].ok && p.j_view[0].keys.n == 1);
	CHECK(!p.j_view[1].ok && strstr(p.j_view[1].why, "not ready"));
}

/*
 * Rule 13, no registration in flight: a lease of generation g is armed
 * only once the key of g is registered on every device; no storage fence
 * configured, no gate.
 */
static void pr_lease_gate(void)
{
	static struct qd d;
	static struct qd_pr p;
	uint64_t k1, k2;

	memset(&d, 0, sizeof(d));
	memset(&p, 0, sizeof(p));
	d.conf.node_id = 3;
	CHECK(qd_pr_lease_allowed(&d, 1));	/* no pr_device */
	p.cluster = qf_pr_cluster_hash("t");
	d.pr = &p;
	CHECK(!qd_pr_lease_allowed(&d, 1));	/* not registered yet */
	CHECK(qf_pr_key(p.cluster, 3, 1, &k1) == 0);
	CHECK(qf_pr_key(p.cluster, 3, 2, &k2) == 0);
	p.reg.key = k1;
	CHECK(qd_pr_lease_allowed(&d, 1));
	CHECK(!qd_pr_lease_allowed(&d, 2));	/* rejoined: key of 2 pending */
	p.reg.key = k2;
	CHECK(qd_pr_lease_allowed(&d, 2));
	CHECK(!qd_pr_lease_allowed(&d, 1ULL << 32));	/* no key at all */
}

/*
 * The worker blocks every signal: quorumd starts it before the loop blocks
 * its signals for the signalfd, and a process-directed SIGTERM or SIGHUP
 * taken by the worker would end the daemon (the default action) instead
 * of a clean leave or a reload. Here SIGUSR1, whose default action also
 * ends the process: with the worker taking it, this test run dies.
 */
static void pr_worker_blocks_signals(void)
{
	static struct qd d;
	struct timespec ts = { .tv_sec = 2 };
	sigset_t one, old;

	reset();
	memset(&d, 0, sizeof(d));
	d.conf.node_id = 1;
	snprintf(d.conf.name, sizeof(d.conf.name), "t");
	d.conf.n_pr_devices = NDEV;
	memcpy(d.conf.pr_devices, paths, sizeof(paths));
	CHECK(qd_pr_init(&d, &fake, NULL) == 0 && d.pr);
	/* one job done: the worker runs with its own mask (a thread not yet
	 * started still has pthread_create's, everything blocked) */
	pthread_mutex_lock(&d.pr->mu);
	d.pr->job = QD_PR_JOB_READ;
	d.pr->done = false;
	pthread_cond_signal(&d.pr->cv);
	pthread_mutex_unlock(&d.pr->mu);
	CHECK(poll(&(struct pollfd){ .fd = d.pr->efd, .events = POLLIN }, 1,
		   2000) == 1);
	sigemptyset(&one);
	sigaddset(&one, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &one, &old);	/* as loop_init() does */
	kill(getpid(), SIGUSR1);
	CHECK(sigtimedwait(&one, NULL, &ts) == SIGUSR1);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	/* qd_pr_fini() detaches a worker that may be stuck on a dead path;
	 * this one is idle: stop it, wait for it and free what it used */
	pthread_mutex_lock(&d.pr->mu);
	d.pr->stop = true;
	pthread_cond_signal(&d.pr->cv);
	pthread_mutex_unlock(&d.pr->mu);
	CHECK(pthread_join(d.pr->th, NULL) == 0);
	close(d.pr->efd);
	free(d.pr);
	d.pr = NULL;
}

/* the loop's side of one worker job: wait for its result, take it */
static bool job_done(struct qd *d)
{
	if (poll(&(struct pollfd){ .fd = d->pr->efd, .events = POLLIN }, 1,
		 2000) != 1)
		return false;
	qd_pr_on_done(d);
	return true;
}

static void worker_stop(struct qd *d)
{
	pthread_mutex_lock(&d->pr->mu);
	d->pr->stop = true;
	pthread_cond_signal(&d->pr->cv);
	pthread_mutex_unlock(&d->pr->mu);
	pthread_join(d->pr->th, NULL);
	close(d->pr->efd);
	free(d->pr);
	d->pr = NULL;
}

/*
 * Rule 13, registration, on a daemon with a bootstrapped core and the
 * worker thread: the first read finds no key of ours, the REGISTER of
 * generation 1 succeeds, and the key stays ours over the ticks and reads
 * that follow, so the lease may be armed. A registration taken for a
 * preempt (a stale "absent" from the read before it) would latch the
 * generation lost: its lease never armed, the node out for good.
 */
static void pr_registration_kept(void)
{
	static char dir[] = "/tmp/qd-pr-XXXXXX";
	static struct qd d;
	uint64_t k1;
	qf_ns now = qd_now();
	int jobs = 0;

	reset();
	memset(&d, 0, sizeof(d));
	d.no_kernel = true;	/* the lease emulated in the data directory */
	CHECK(mkdtemp(dir));
	CHECK(t_qd_boot(&d, 3, dir, "pr_device = /dev/sda\n"
			"pr_device = /dev/sdb\n", 7) == 0);
	CHECK(kern_init(&d) == 0);
	CHECK(qd_pr_init(&d, &fake, NULL) == 0 && d.pr);
	CHECK(qf_pr_key(d.pr->cluster, 3, 1, &k1) == 0);
	/* ticks 2 s apart: each can start a read; every job ends */
	for (int i = 0; i < 6; i++) {
		qd_pr_tick(&d, now + (qf_ns)i * 2000 * QF_MS);
		while (job_done(&d))
			jobs++;
	}
	CHECK(jobs >= 4);	/* read, register, reads */
	CHECK(L[0].self_key == k1 && L[1].self_key == k1);
	CHECK(d.pr->reg.key == k1 && d.pr->reg.lost_gen == 0);
	CHECK(qd_pr_lease_allowed(&d, 1));
	/* then preempted by the majority: lost, and never registered again */
	drop_key(&L[1], k1);
	L[1].self_key = 0;
	qd_pr_tick(&d, now + 20000 * QF_MS);
	while (job_done(&d))
		;
	CHECK(d.pr->reg.key == 0 && d.pr->reg.lost_gen == 1);
	CHECK(!qd_pr_lease_allowed(&d, 1));
	qd_pr_tick(&d, now + 40000 * QF_MS);
	while (job_done(&d))
		;
	CHECK(L[1].n == 0);
	worker_stop(&d);
}

const struct t_case t_pr[] = {
	{ "pr/registration_kept", pr_registration_kept },
	{ "pr/lease_gate", pr_lease_gate },
	{ "pr/register_all", pr_register_all },
	{ "pr/fence_all", pr_fence_all },
	{ "pr/check", pr_check },
	{ "pr/worker_read", pr_worker_read },
	{ "pr/worker_blocks_signals", pr_worker_blocks_signals },
	{ 0 }
};
