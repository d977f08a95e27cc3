/* SPDX-License-Identifier: MIT */
/* The storage fence's worker and decisions in quorumd (prwork.c). */
#ifndef QD_PRWORK_H
#define QD_PRWORK_H

#include <pthread.h>

#include "pr.h"
#include "prfence.h"
#include "raft.h"

enum { QD_PR_JOB_NONE = 0, QD_PR_JOB_REGISTER, QD_PR_JOB_FENCE,
       QD_PR_JOB_READ };

#define QD_PR_TRIED 16

struct qd_pr {
	const struct qd_pr_ops *ops;
	void *ctx;
	unsigned int n;
	const char (*paths)[QF_CONF_PATH_LEN];
	/* a copy: a reload (SIGHUP) rewrites d->conf under the worker */
	char path_copy[QF_CONF_MAX_PR][QF_CONF_PATH_LEN];
	uint16_t cluster;

	pthread_t th;
	bool th_started;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int efd;
	uint64_t efd_errors;

	/* the job slot, under mu while the worker owns it */
	int job;
	bool done, stop;
	uint64_t j_key, j_mine, j_victim;
	uint32_t j_node;
	uint64_t j_gen;
	unsigned int j_result;
	char j_why[QD_PR_WHY];
	struct qd_pr_view j_view[QF_CONF_MAX_PR];

	/* loop thread only */
	struct qf_pr_reg reg;
	uint64_t registered_gen;	/* durable: last complete REGISTER */
	bool present_known, present;	/* our key on every device */
	qf_ns read_at, retry_at;
	struct qd_pr_view view[QF_CONF_MAX_PR];
	struct { uint32_t node; uint64_t gen, term; } tried[QD_PR_TRIED];
	unsigned int n_tried;
};

struct qd;
/* Probe every pr_device (refuse with why), start the worker. */
int qd_pr_init(struct qd *d, const struct qd_pr_ops *ops, void *ctx);
void qd_pr_fini(struct qd *d);
void qd_pr_tick(struct qd *d, qf_ns now);
void qd_pr_on_done(struct qd *d);
int qd_pr_efd(const struct qd *d);
qf_ns qd_pr_next(const struct qd *d);
bool qd_pr_lease_allowed(const struct qd *d, uint64_t gen);
void qd_pr_run_job(struct qd_pr *p);	/* the worker's body, for tests */
/* One preempt attempt per (node, gen) and leader term. */
bool qd_pr_tried(const struct qd_pr *p, uint32_t node, uint64_t gen,
		 uint64_t term);
void qd_pr_mark_tried(struct qd_pr *p, uint32_t node, uint64_t gen,
		      uint64_t term);
/* --check-config: probe each device of c; 0 or -1 with why. */
int qd_pr_check(const struct qf_conf *c, const struct qd_pr_ops *ops,
		void *ctx, char *why, size_t len);

#endif /* QD_PRWORK_H */
