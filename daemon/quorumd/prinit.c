// SPDX-License-Identifier: MIT
/*
 * Start and stop of the storage fence (prwork.h): every pr_device is
 * probed before anything else happens, and a device that does not answer
 * PERSISTENT RESERVE IN, or offers no Write Exclusive - All Registrants
 * reservation, refuses the start (design.md §2.9).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "pr.h"
#include "prwork.h"
#include "quorumd.h"

int qd_pr_check(const struct qf_conf *c, const struct qd_pr_ops *ops,
		void *ctx, char *why, size_t len)
{
	char w[QD_PR_WHY];

	if (c->require_pr && !c->n_pr_devices) {
		snprintf(why, len, "require_pr = yes, but no pr_device");
		return -1;
	}
	for (unsigned int i = 0; i < c->n_pr_devices; i++)
		if (qd_pr_probe(ops, ctx, c->pr_devices[i], w)) {
			snprintf(why, len, "pr_device %s: %s", c->pr_devices[i],
				 w);
			return -1;
		}
	return 0;
}

bool qd_pr_tried(const struct qd_pr *p, uint32_t node, uint64_t gen,
		 uint64_t term)
{
	for (unsigned int i = 0; i < p->n_tried; i++)
		if (p->tried[i].node == node && p->tried[i].gen == gen &&
		    p->tried[i].term == term)
			return true;
	return false;
}

void qd_pr_mark_tried(struct qd_pr *p, uint32_t node, uint64_t gen,
		      uint64_t term)
{
	unsigned int i = p->n_tried < QD_PR_TRIED ? p->n_tried++ :
		(unsigned int)(gen % QD_PR_TRIED);

	p->tried[i].node = node;
	p->tried[i].gen = gen;
	p->tried[i].term = term;
}

/*
 * The worker is created with every signal blocked, and keeps them so. It
 * starts before the loop blocks its signals for the signalfd (main.c), and
 * a process-directed signal goes to any thread that does not block it: a
 * SIGTERM or SIGHUP taken by the worker would end quorumd on the spot
 * (the default action) instead of a clean leave or a reload.
 */
static int start_worker(struct qd_pr *p)
{
	void *worker_main(void *arg);
	sigset_t all, old;
	int rc;

	p->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (p->efd < 0)
		return -errno;
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->cv, NULL);
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&p->th, NULL, worker_main, p);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc)
		return -rc;
	p->th_started = true;
	return 0;
}

int qd_pr_init(struct qd *d, const struct qd_pr_ops *ops, void *ctx)
{
	struct qd_pr *p;
	char why[400];
	int rc;

	if (!d->conf.n_pr_devices && !d->conf.require_pr)
		return 0;
	if (qd_pr_check(&d->conf, ops, ctx, why, sizeof(why))) {
		LOG(ERR, "storage fence: %s; refusing to start", why);
		return -1;
	}
	p = calloc(1, sizeof(*p));
	if (!p)
		return -1;
	p->ops = ops;
	p->ctx = ctx;
	p->n = d->conf.n_pr_devices;
	memcpy(p->path_copy, d->conf.pr_devices, sizeof(p->path_copy));
	p->paths = (const char (*)[QF_CONF_PATH_LEN])p->path_copy;
	p->cluster = qf_pr_cluster_hash(d->conf.name);
	p->reg.lost_gen = qd_num_load(d, "pr-lost-gen");
	p->registered_gen = qd_num_load(d, "pr-registered-gen");
	rc = start_worker(p);
	if (rc) {
		LOG(ERR, "storage fence: worker: %s", strerror(-rc));
		free(p);
		return -1;
	}
	d->pr = p;
	LOG(INFO, "storage fence: %u pr_device(s), cluster key %04x",
	    p->n, p->cluster);
	return 0;
}

void qd_pr_fini(struct qd *d)
{
	struct qd_pr *p = d->pr;

	if (!p)
		return;
	if (p->th_started) {
		pthread_mutex_lock(&p->mu);
		p->stop = true;
		pthread_cond_signal(&p->cv);
		pthread_mutex_unlock(&p->mu);
		/* A job blocked on a dead path: do not wait for it. */
		pthread_detach(p->th);
	}
	d->pr = NULL;	/* the detached worker may still use p: leak it */
}

void qd_pr_fill_status(const struct qd *d, struct qfctl_pr_status *s)
{
	const struct qd_pr *p = d->pr;

	memset(s, 0, sizeof(*s));
	if (!p)
		return;
	s->n = p->n;
	s->self_key = p->reg.key;
	s->lost_gen = p->reg.lost_gen;
	s->flags = (p->reg.key && p->present ? QFCTL_PR_REGISTERED : 0) |
		   (p->present_known ? QFCTL_PR_READ : 0);
	for (unsigned int i = 0; i < p->n && i < QFCTL_MAX_PR_DEVS; i++) {
		const struct qd_pr_view *v = &p->view[i];
		struct qfctl_pr_dev *o = &s->dev[i];

		snprintf(o->path, sizeof(o->path), "%s", p->paths[i]);
		o->ok = v->ok;
		snprintf(o->why, sizeof(o->why), "%s", v->ok ? "" : v->why);
		if (!v->ok)
			continue;
		o->resv_held = v->resv.held;
		o->resv_type = v->resv.type;
		o->resv_key = v->resv.key;
		o->n_keys = v->keys.n;
		for (unsigned int k = 0; k < v->keys.n && k < QFCTL_MAX_PR_KEYS; k++)
			o->keys[k] = v->keys.key[k];
	}
}
