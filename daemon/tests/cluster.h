/* SPDX-License-Identifier: MIT */
/*
 * A virtual cluster for tests (canonical/raft's fixture, etcd's
 * interaction env): nodes with their own clocks and a model of the kernel
 * lease, a network with latency and cut links, all in virtual time.
 * Events (role changes, commits, fence decisions, kernel lease changes)
 * are appended to a text buffer that the data-driven tests compare.
 */
#ifndef QF_TEST_CLUSTER_H
#define QF_TEST_CLUSTER_H

#include "raft.h"

#define C_MAX 9

enum kstate { K_DISARMED, K_ARMED, K_FENCED };

struct kmodel {			/* the kernel lease, as qfence.ko keeps it */
	enum kstate state;
	uint64_t gen;
	qf_ns deadline;
};

struct disk {
	struct qf_hard_state hs;
	struct qf_snapshot snap;
	struct qf_entry log[2 * QF_LOG_CAP];
	size_t n;
};

struct cnode {
	uint32_t id;
	bool exists, up;
	bool frozen;		/* process paused: no ticks, messages wait */
	struct qf_raft *r;
	struct disk disk;
	struct kmodel k;
	uint64_t boot;
	uint64_t rng;
	qf_ns offset;		/* local clock = offset + t * (1e6 + ppm) / 1e6 */
	int32_t ppm;
	bool own_timing;	/* restarted with another timing than c->cfg's,
				 * or applied a committed change (§2.10) */
	bool hold_apply;	/* the daemon does not apply a timing change */
	struct qf_timing timing;
	uint8_t last_state;
	uint32_t last_leader;
	uint64_t last_term;
};

struct inflight {
	qf_ns due;
	struct qf_msg m;
};

struct cluster {
	struct cnode n[C_MAX + 1];	/* by id, 1..C_MAX */
	qf_ns t;			/* virtual real time */
	qf_ns latency;
	bool cut[C_MAX + 1][C_MAX + 1];	/* cut[from][to] */
	struct qf_config cfg;
	struct inflight *q;
	size_t nq, capq;
	char *out;
	size_t nout, capout;
	bool quiet;			/* no events (setup) */
	bool violation;
	uint64_t boots;
};

void cl_init(struct cluster *c, const struct qf_timing *t, uint32_t flags);
void cl_free(struct cluster *c);
const char *cl_timing_name(const struct cluster *c, uint32_t digest);
void cl_printf(struct cluster *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Nodes ids[0..n) bootstrapped with roles (NULL: all voters). */
int cl_bootstrap(struct cluster *c, const uint32_t *ids, const uint8_t *roles,
		 size_t n);
/* A new, empty node (to be added by a membership change). */
int cl_add_empty(struct cluster *c, uint32_t id);
qf_ns cl_local(const struct cluster *c, uint32_t id);
void cl_process(struct cluster *c, uint32_t id);
void cl_deliver_due(struct cluster *c);
void cl_step_ms(struct cluster *c);
void cl_run(struct cluster *c, qf_ns dur);
uint32_t cl_leader(const struct cluster *c);
void cl_crash(struct cluster *c, uint32_t id);
void cl_kill(struct cluster *c, uint32_t id);
int cl_restart(struct cluster *c, uint32_t id);
bool cl_kernel_valid(const struct cluster *c, uint32_t id);

#endif
