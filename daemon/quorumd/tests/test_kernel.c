// SPDX-License-Identifier: MIT
/*
 * kernel.c lease logic in kernel = none mode (the emulated lease follows
 * the same rules as qfence.ko): rule 7 latch, unfence only with a larger
 * generation, clock guard before every renew.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clockguard.h"

#include "uapi/qfence.h"
#include "quorumd.h"
#include "test.h"

extern int (*qd_clock_read)(struct qf_clock_sample *s);
static long fake_freq;

static int fake_read(struct qf_clock_sample *s)
{
	memset(s, 0, sizeof(*s));
	s->freq = fake_freq;
	s->tick = 10000;
	s->user_hz = 100;
	return 0;
}

static uint64_t rand0(void *arg)
{
	(void)arg;
	return 0;
}

static struct qd d;

static char dir[64];

/* A fresh data directory per test: the emulated lease lives there. */
static int setup(void)
{
	static struct qf_snapshot snap;
	struct qf_persist ps = { 0 };
	char err[256], conf[512];

	if (dir[0]) {
		snprintf(conf, sizeof(conf), "%s/emulated-lease", dir);
		unlink(conf);
		rmdir(dir);
	}
	snprintf(dir, sizeof(dir), "/tmp/quorumd-kernel-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(conf, sizeof(conf),
		 "[cluster]\nname = c\nkey_file = /k\n"
		 "peer = 1 127.0.0.1:1\npeer = 2 127.0.0.1:2\n"
		 "peer = 3 127.0.0.1:3\n"
		 "[node]\nid = 1\nlease_name = l1\ndata_dir = %s\n", dir);

	memset(&d, 0, sizeof(d));
	qd_clock_read = fake_read;
	fake_freq = 0;
	d.no_kernel = true;
	if (qf_conf_load_string(&d.conf, "t.conf", conf, err, sizeof(err)) ||
	    qd_core_config(&d.conf, &d.core_cfg, err, sizeof(err)) ||
	    qd_bootstrap(&d.conf, &snap))
		return -1;
	ps.snap = snap;
	if (qf_raft_init(&d.raft, &d.core_cfg, &ps, 5, rand0, NULL))
		return -1;
	return kern_init(&d);
}

static struct qf_ready grant(uint64_t gen, qf_ns deadline)
{
	return (struct qf_ready){ .lease_changed = true, .lease_gen = gen,
				  .lease_deadline = deadline };
}

/* Rule 7: once fenced, a grant of the same generation renews nothing. */
static void latched(void)
{
	qf_ns now = qd_now();
	struct qf_ready rd = grant(1, now + 1000 * QF_MS);

	CHECK(setup() == 0);
	kern_apply_lease(&d, &rd);
	CHECK(d.k.state == QFENCE_STATE_ARMED && d.k.renewals == 1);
	kern_emulate(&d, d.k.deadline);		/* the deadline passes */
	CHECK(d.k.state == QFENCE_STATE_FENCED);
	rd = grant(1, qd_now() + 1000 * QF_MS);
	kern_apply_lease(&d, &rd);
	CHECK(d.k.state == QFENCE_STATE_FENCED && d.k.renewals == 1);
	/* the core learned it: its acks now report the lapse */
	CHECK(d.raft.lapsed_gen == 1);
	/* a committed rejoin hands out generation 2: unfence, then renew */
	rd = grant(2, qd_now() + 1000 * QF_MS);
	kern_apply_lease(&d, &rd);
	CHECK(d.k.state == QFENCE_STATE_ARMED && d.k.gen == 2 &&
	      d.k.renewals == 2);
	kern_fini(&d);
}

/* NODE_FENCED(self) committed: fence now, whatever the deadline. */
static void fenced_by_cluster(void)
{
	struct qf_ready rd = grant(1, qd_now() + 1000 * QF_MS);

	CHECK(setup() == 0);
	kern_apply_lease(&d, &rd);
	CHECK(d.k.state == QFENCE_STATE_ARMED);
	rd.lease_fenced = true;
	kern_apply_lease(&d, &rd);
	CHECK(d.k.state == QFENCE_STATE_FENCED && d.self_fenced);
	rd.lease_fenced = false;
	kern_apply_lease(&d, &rd);	/* same generation: still latched */
	CHECK(d.k.state == QFENCE_STATE_FENCED);
}

/* Clock guard: no renew while adjtimex shows a rate beyond rho. */
static void clock_guard(void)
{
	struct qf_ready rd = grant(1, qd_now() + 1000 * QF_MS);

	CHECK(setup() == 0);
	fake_freq = 1500L * 65536;	/* 1500 ppm > rho = 1000 ppm */
	kern_apply_lease(&d, &rd);
	CHECK(d.k.state == QFENCE_STATE_DISARMED && d.k.renewals == 0);
	CHECK(d.renew_refused_clock == 1 && d.clock_bad);
	fake_freq = 500L * 65536;
	kern_apply_lease(&d, &rd);
	CHECK(d.k.state == QFENCE_STATE_ARMED && d.k.renewals == 1);
	CHECK(!d.clock_bad);
}

/* A deadline already past does not arm anything. */
static void past_deadline(void)
{
	struct qf_ready rd = grant(1, 1);

	CHECK(setup() == 0);
	kern_apply_lease(&d, &rd);
	CHECK(d.k.state == QFENCE_STATE_DISARMED && d.k.renew_errors == 1);
}

/* A grant for a generation the lease does not have is not applied. */
static void other_generation(void)
{
	struct qf_ready rd = grant(1, qd_now() + 1000 * QF_MS);

	CHECK(setup() == 0);
	d.k.state = QFENCE_STATE_ARMED;
	d.k.gen = 3;
	kern_apply_lease(&d, &rd);
	CHECK(d.k.renewals == 0);
}

/* A restart adopts the lease as it is: armed stays armed (hitless), a
 * lapsed one is found fenced and stays so (rule 7). */
static void adopt_on_restart(void)
{
	struct qf_ready rd = grant(1, qd_now() + 60000 * QF_MS);

	CHECK(setup() == 0);
	kern_apply_lease(&d, &rd);
	CHECK(d.k.state == QFENCE_STATE_ARMED);
	kern_fini(&d);
	CHECK(kern_init(&d) == 0);	/* the daemon restarted */
	CHECK(d.k.state == QFENCE_STATE_ARMED && d.k.gen == 1);
	d.k.deadline = 1;	/* it ran out while the daemon was down */
	kern_apply_lease(&d, &(struct qf_ready){ .lease_changed = true,
						  .lease_gen = 1 });
	kern_emulate(&d, qd_now());
	CHECK(d.k.state == QFENCE_STATE_FENCED);
	kern_fini(&d);
	CHECK(kern_init(&d) == 0);
	CHECK(d.k.state == QFENCE_STATE_FENCED && d.raft.lapsed_gen == 1);
}

const struct t_case t_kernel[] = {
	{ "kernel/restart_adopts_lease", adopt_on_restart },
	{ "kernel/rule7_fenced_is_latched", latched },
	{ "kernel/node_fenced_self_fences", fenced_by_cluster },
	{ "kernel/clock_guard_refuses_renew", clock_guard },
	{ "kernel/past_deadline_not_armed", past_deadline },
	{ "kernel/other_generation_ignored", other_generation },
	{ 0 }
};
