// SPDX-License-Identifier: MIT
/*
 * kernel.c lease logic in kernel = none mode (the emulated lease follows
 * the same rules as qfence.ko): rule 7 latch, unfence only with a larger
 * generation, clock guard before every renew.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>

#include "clockguard.h"

#include "uapi/qfence.h"
#include "quorumd.h"
#include "fixture.h"
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
	char conf[512];

	if (dir[0]) {
		snprintf(conf, sizeof(conf), "%s/emulated-lease", dir);
		unlink(conf);
		rmdir(dir);
	}
	snprintf(dir, sizeof(dir), "/tmp/quorumd-kernel-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	memset(&d, 0, sizeof(d));
	qd_clock_read = fake_read;
	fake_freq = 0;
	d.no_kernel = true;
	if (t_qd_boot(&d, 1, dir, NULL, 5))
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

/* Rule 10: the guard's verdict reaches the core at every tick, in every
 * role (the core then grants, commits fences and leads only on a good
 * clock; daemon/tests/testdata/rule10_*.txt). */
static void clock_guard_binds_core(void)
{
	CHECK(setup() == 0);
	CHECK(!qf_raft_clock_bad(&d.raft));
	fake_freq = 1500L * 65536;
	clock_guard_tick(&d, qd_now());
	CHECK(qf_raft_clock_bad(&d.raft));
	CHECK(d.clock_bad);	/* shown by quorumctl status */
	fake_freq = -500L * 65536;
	clock_guard_tick(&d, qd_now());
	CHECK(!qf_raft_clock_bad(&d.raft));
	CHECK(!d.clock_bad);
}

/* Everything written to stderr while fn runs, into buf. */
static void capture_stderr(void (*fn)(void), char *buf, size_t len)
{
	FILE *f = tmpfile();
	int saved = dup(2);
	size_t n = 0;

	fflush(stderr);
	if (f && saved >= 0 && dup2(fileno(f), 2) >= 0) {
		fn();
		fflush(stderr);
		dup2(saved, 2);
		rewind(f);
		n = fread(buf, 1, len - 1, f);
	}
	buf[n] = '\0';
	if (saved >= 0)
		close(saved);
	if (f)
		fclose(f);
}

static void timing_tick_now(void)
{
	int level = qd_log_level;

	qd_log_level = LOG_ERR_;
	timing_tick(&d, qd_now());
	qd_log_level = level;
}

/*
 * Rule 9: the replicated state records the fast profile, this node runs
 * the default one (a rolling configuration change). The core serves
 * nothing; the log line names both timings' values; the status flags it.
 */
static void timing_mismatch_reported(void)
{
	static struct qf_snapshot snap;
	static char out[4096];
	struct qf_persist ps = { 0 };
	struct qf_timing fast;
	uint32_t ids[] = { 1, 2, 3 };
	uint8_t roles[] = { QF_ROLE_VOTER, QF_ROLE_VOTER, QF_ROLE_VOTER };
	struct qf_status st;

	CHECK(setup() == 0);
	CHECK(!timing_mismatch(&d, qd_now()));
	qf_timing_fast(&fast);
	CHECK(qf_bootstrap(&snap, ids, roles, 3) == 0);
	qf_bootstrap_timing(&snap, &fast);
	ps.snap = snap;
	CHECK(qf_raft_init(&d.raft, &d.core_cfg, &ps, 6, rand0, NULL) == 0);
	qf_raft_status(&d.raft, &st);
	CHECK(st.timing_bad && st.timing_cluster == qf_timing_digest(&fast));
	CHECK(timing_mismatch(&d, qd_now()));
	/* The leader's messages, refused first, must not silence the line. */
	timing_refused(&d, qd_now(), 2);
	capture_stderr(timing_tick_now, out, sizeof(out));
	CHECK(strstr(out, "TIMING MISMATCH"));
	CHECK(strstr(out, "L 1500 ms, F 1000 ms"));	/* this node */
	CHECK(strstr(out, "L 500 ms, F 300 ms"));	/* the cluster */
	CHECK(strstr(out, "serving nothing"));
}

/*
 * design.md §2.10: a committed change from the default to the fast profile
 * arrives in a ready batch. `fenced' puts the lease in FENCED (the kernel
 * then refuses LEASE_UPDATE).
 */
static uint32_t apply_fast_change(bool fenced)
{
	struct qf_ready rd = { 0 };
	struct qf_timing fast;
	uint32_t digest;

	if (setup())
		return 0;
	qf_timing_fast(&fast);
	digest = qf_timing_digest(&fast);
	d.raft.st.timing_next = digest;
	qf_timing_to_rec(&fast, &d.raft.st.timing_next_rec);
	d.raft.cfg.timing_next = digest;
	d.raft.cfg.timing_next_rec = d.raft.st.timing_next_rec;
	if (fenced)
		d.k.state = QFENCE_STATE_FENCED;
	rd.timing_apply = digest;
	rd.timing_next = fast;
	timing_apply(&d, &rd, qd_now());
	return digest;
}

/*
 * A node reports the new timing applied only once its kernel lease already
 * settles within the stricter F (300 ms here, not the default's 1000 ms):
 * after TIMING_APPLIED the leader may close the change and fence on the
 * new W alone. Reporting first and updating the kernel later let a lease
 * still settling on the old F outlast that W.
 */
static void timing_applied_after_settle(void)
{
	uint32_t digest = apply_fast_change(false);

	CHECK(digest != 0);
	CHECK(d.raft.timing == digest);
	CHECK(d.kern_settle_ms == 300);
	CHECK(timing_guard_rho(&d) ==
	      (d.raft.st.timing_rec.rho_ppm < d.raft.st.timing_next_rec.rho_ppm ?
	       d.raft.st.timing_rec.rho_ppm : d.raft.st.timing_next_rec.rho_ppm));
}

/* ... and a kernel that refuses the settle update keeps it unapplied. */
static void timing_not_applied_when_refused(void)
{
	uint32_t digest = apply_fast_change(true);

	CHECK(digest != 0);
	CHECK(d.raft.timing != digest);
	CHECK(d.kern_settle_ms != 300);
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
	struct qf_ready rd = grant(1, qd_now() + 1000 * QF_MS); /* <= L */

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

/* Events carry the generation of the latch: only the current one counts,
 * and a late UNFENCED never turns an ARMED lease into DISARMED here. */
static void events_by_generation(void)
{
	struct qd_event ev = { .event = QFENCE_EVENT_FENCED, .gen = 1 };
	struct qf_ready rd = grant(1, qd_now() + 1000 * QF_MS);

	snprintf(ev.name, sizeof(ev.name), "l1");
	CHECK(qd_event_decide("l1", 1, &ev) == QD_EV_LAPSED);
	CHECK(qd_event_decide("l1", 2, &ev) == QD_EV_IGNORE);
	CHECK(qd_event_decide("l2", 1, &ev) == QD_EV_IGNORE);
	ev.event = QFENCE_EVENT_EXPIRED;
	CHECK(qd_event_decide("l1", 1, &ev) == QD_EV_LAPSED);
	CHECK(qd_event_decide("l1", 0, &ev) == QD_EV_IGNORE);
	ev.event = QFENCE_EVENT_UNFENCED;
	CHECK(qd_event_decide("l1", 1, &ev) == QD_EV_LOG);

	/* fenced at 1, rejoined and armed at 2; then the late events */
	CHECK(setup() == 0);
	kern_apply_lease(&d, &rd);
	kern_fence(&d, "test");
	CHECK(d.k.state == QFENCE_STATE_FENCED);
	rd = grant(2, qd_now() + 1000 * QF_MS);
	kern_apply_lease(&d, &rd);
	CHECK(d.k.state == QFENCE_STATE_ARMED && d.k.gen == 2);
	ev.event = QFENCE_EVENT_FENCED;
	ev.gen = 1;
	kern_apply_event(&d, &ev);		/* history: ignored */
	CHECK(d.k.state == QFENCE_STATE_ARMED);
	ev.event = QFENCE_EVENT_UNFENCED;
	ev.gen = 2;
	kern_apply_event(&d, &ev);		/* late echo of our unfence */
	CHECK(d.k.state == QFENCE_STATE_ARMED && d.k.gen == 2);
	ev.event = QFENCE_EVENT_EXPIRED;
	kern_apply_event(&d, &ev);		/* news: latched */
	CHECK(d.k.state == QFENCE_STATE_FENCED);
	kern_fini(&d);
}

/* A DISARMED lease of an older generation moves to the committed one in
 * place (LEASE_UNFENCE), it is not deleted and recreated. */
static void disarmed_moves_generation(void)
{
	struct qf_ready rd = grant(3, qd_now() + 1000 * QF_MS);

	CHECK(setup() == 0);
	CHECK(d.k.state == QFENCE_STATE_DISARMED && d.k.gen == 1);
	kern_apply_lease(&d, &rd);
	CHECK(d.k.state == QFENCE_STATE_ARMED && d.k.gen == 3 &&
	      d.k.unfence_gen == 0);
	kern_fini(&d);
}

static struct qd_lease_info lease_like_conf(const struct qf_conf *c)
{
	return (struct qd_lease_info){
		.state = QFENCE_STATE_DISARMED, .gen = 1,
		.max_lease_ms = c->timing.lease_ms + 1, .actions = c->actions,
		.settle_ms = c->timing.settle_ms,
		.flags = c->nowayout ? QFENCE_F_NOWAYOUT : 0, .devices = 1,
		.have_params = QD_LI_ALL, .have_state = true, .have_gen = true,
	};
}

/* Adopt only a lease created with the configured L, F, actions, flags,
 * and an ARMED one only of a generation this node knows. */
static void adopt_decisions(void)
{
	struct qd_lease_info li;
	char why[256];

	CHECK(setup() == 0);
	kern_fini(&d);
	li = lease_like_conf(&d.conf);
	CHECK(qd_adopt_decide(&li, &d.conf, 1, why, sizeof(why)) ==
	      QD_ADOPT_OK);
	li.settle_ms++;			/* other F, a device holds it */
	CHECK(qd_adopt_decide(&li, &d.conf, 1, why, sizeof(why)) ==
	      QD_ADOPT_REFUSE);
	CHECK(strstr(why, "settle_ms") != NULL);
	li.devices = 0;			/* unused and disarmed: recreate */
	CHECK(qd_adopt_decide(&li, &d.conf, 1, why, sizeof(why)) ==
	      QD_ADOPT_RECREATE);
	li.state = QFENCE_STATE_ARMED;	/* armed: never recreated */
	CHECK(qd_adopt_decide(&li, &d.conf, 1, why, sizeof(why)) ==
	      QD_ADOPT_REFUSE);
	li = lease_like_conf(&d.conf);
	li.max_lease_ms++;
	li.devices = 0;
	li.state = QFENCE_STATE_FENCED;
	CHECK(qd_adopt_decide(&li, &d.conf, 1, why, sizeof(why)) ==
	      QD_ADOPT_REFUSE);
	li = lease_like_conf(&d.conf);
	li.actions |= QFENCE_ACTION_PANIC;
	CHECK(qd_adopt_decide(&li, &d.conf, 1, why, sizeof(why)) ==
	      QD_ADOPT_REFUSE);
	li = lease_like_conf(&d.conf);
	li.flags = QFENCE_F_SETTLE_WAIT;
	CHECK(qd_adopt_decide(&li, &d.conf, 1, why, sizeof(why)) ==
	      QD_ADOPT_REFUSE);
	li = lease_like_conf(&d.conf);
	li.have_params &= ~1U;
	CHECK(qd_adopt_decide(&li, &d.conf, 1, why, sizeof(why)) ==
	      QD_ADOPT_REFUSE);
	/* an ARMED lease of a generation this node does not know */
	li = lease_like_conf(&d.conf);
	li.state = QFENCE_STATE_ARMED;
	li.gen = 7;
	CHECK(qd_adopt_decide(&li, &d.conf, 1, why, sizeof(why)) ==
	      QD_ADOPT_REFUSE);
	CHECK(strstr(why, "lease_name") != NULL);
	CHECK(qd_adopt_decide(&li, &d.conf, 7, why, sizeof(why)) ==
	      QD_ADOPT_OK);
	li.state = QFENCE_STATE_DISARMED;	/* moved later by UNFENCE */
	CHECK(qd_adopt_decide(&li, &d.conf, 1, why, sizeof(why)) ==
	      QD_ADOPT_OK);
}

static void log_only_refused(void)
{
	CHECK(qd_log_only_check("Y\n", false) == -1);
	CHECK(qd_log_only_check("Y\n", true) == 0);
	CHECK(qd_log_only_check("N\n", false) == 0);
	CHECK(qd_log_only_check(NULL, false) == 0);
}

/* ---- who may speak for the kernel ---- */

static uint8_t nlbuf[KERN_BUF];

static size_t fenced_event(uint16_t type, uint64_t gen)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(nlbuf);
	struct genlmsghdr *g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));

	nlh->nlmsg_type = type;
	g->cmd = QFENCE_CMD_EVENT;
	g->version = QFENCE_GENL_VERSION;
	mnl_attr_put_u32(nlh, QFENCE_A_EVENT, QFENCE_EVENT_FENCED);
	mnl_attr_put_strz(nlh, QFENCE_A_NAME, "l1");
	mnl_attr_put_u64(nlh, QFENCE_A_GENERATION, gen);
	mnl_attr_put_u64(nlh, QFENCE_A_TIMESTAMP_NS, 1);
	mnl_attr_put_u32(nlh, QFENCE_A_FENCE_REASON, QFENCE_REASON_MANUAL);
	return nlh->nlmsg_len;
}

static struct sockaddr_nl sender(uint32_t pid)
{
	return (struct sockaddr_nl){ .nl_family = AF_NETLINK, .nl_pid = pid };
}

/*
 * A process with CAP_NET_ADMIN in the daemon's network namespace can send
 * to its netlink ports: a FENCED event from it, or one of another family,
 * must not lapse a healthy lease. Only the kernel (port id 0) with the
 * qfence family id speaks for qfence.ko.
 */
static void forged_event_ignored(void)
{
	struct qf_ready rd = grant(1, qd_now() + 1000 * QF_MS);
	struct sockaddr_nl from = sender(4242);
	size_t n;

	CHECK(setup() == 0);
	d.k.family = 0x22;
	kern_apply_lease(&d, &rd);
	CHECK(d.k.state == QFENCE_STATE_ARMED);
	n = fenced_event(0x22, 1);
	kern_event_input(&d, nlbuf, n, &from);		/* a process */
	CHECK(d.k.state == QFENCE_STATE_ARMED && d.raft.lapsed_gen == 0);
	from = sender(0);
	n = fenced_event(0x23, 1);
	kern_event_input(&d, nlbuf, n, &from);		/* another family */
	CHECK(d.k.state == QFENCE_STATE_ARMED && d.raft.lapsed_gen == 0);
	from.nl_family = AF_UNSPEC;
	n = fenced_event(0x22, 1);
	kern_event_input(&d, nlbuf, n, &from);		/* not netlink's */
	CHECK(d.k.state == QFENCE_STATE_ARMED && d.raft.lapsed_gen == 0);
	CHECK(d.k.foreign == 3);
	from = sender(0);
	kern_event_input(&d, nlbuf, n, &from);		/* the kernel's */
	CHECK(d.k.state == QFENCE_STATE_FENCED && d.raft.lapsed_gen == 1);
	CHECK(d.k.foreign == 3);
	kern_fini(&d);
}

static size_t ack_msg(uint8_t *at, int err, uint32_t seq)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(at);
	struct nlmsgerr *e = mnl_nlmsg_put_extra_header(nlh, sizeof(*e));

	nlh->nlmsg_type = NLMSG_ERROR;
	nlh->nlmsg_seq = seq;
	nlh->nlmsg_flags = NLM_F_CAPPED;
	e->error = err;
	e->msg.nlmsg_seq = seq;
	e->msg.nlmsg_len = NLMSG_HDRLEN;
	return nlh->nlmsg_len;
}

static size_t get_reply(uint8_t *at, uint16_t type, uint32_t seq)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(at);
	struct genlmsghdr *g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));

	nlh->nlmsg_type = type;
	nlh->nlmsg_seq = seq;
	g->cmd = QFENCE_CMD_LEASE_GET;
	mnl_attr_put_u32(nlh, QFENCE_A_STATE, QFENCE_STATE_FENCED);
	mnl_attr_put_u64(nlh, QFENCE_A_GENERATION, 1);
	return nlh->nlmsg_len;
}

/*
 * The answer to a request is the kernel's (port id 0), of the request's
 * family (or an ack), with the request's seq. A forged refusal must not
 * count as the kernel's answer: the request keeps waiting for the real one.
 */
static void forged_reply_ignored(void)
{
	static uint8_t reply[KERN_BUF];
	struct sockaddr_nl from = sender(4242);
	size_t rlen = 0, n;

	CHECK(setup() == 0);
	n = ack_msg(nlbuf, -ECANCELED, 7);
	CHECK(kern_reply_input(&d.k, nlbuf, n, &from, 7, 0x22, NULL,
			       NULL) == 1);
	from = sender(0);
	n = ack_msg(nlbuf, -ECANCELED, 6);		/* an older request's */
	CHECK(kern_reply_input(&d.k, nlbuf, n, &from, 7, 0x22, NULL,
			       NULL) == 1);
	from = sender(99);
	n = get_reply(nlbuf, 0x22, 7);
	n += ack_msg(nlbuf + n, 0, 7);		/* two, both forged */
	CHECK(kern_reply_input(&d.k, nlbuf, n, &from, 7, 0x22, reply,
			       &rlen) == 1 && rlen == 0);
	from = sender(0);
	n = get_reply(nlbuf, 0x23, 7);			/* another family */
	CHECK(kern_reply_input(&d.k, nlbuf, n, &from, 7, 0x22, reply,
			       &rlen) == 1 && rlen == 0);
	CHECK(d.k.foreign == 4);
	n = get_reply(nlbuf, 0x22, 7);			/* the real answer */
	n += ack_msg(nlbuf + n, -ECANCELED, 7);
	CHECK(kern_reply_input(&d.k, nlbuf, n, &from, 7, 0x22, reply,
			       &rlen) == -ECANCELED && rlen > 0);
	CHECK(d.k.foreign == 4);
	kern_fini(&d);
}

const struct t_case t_kernel[] = {
	{ "kernel/restart_adopts_lease", adopt_on_restart },
	{ "kernel/rule7_fenced_is_latched", latched },
	{ "kernel/node_fenced_self_fences", fenced_by_cluster },
	{ "kernel/clock_guard_refuses_renew", clock_guard },
	{ "kernel/clock_guard_binds_core", clock_guard_binds_core },
	{ "kernel/timing_mismatch_reported", timing_mismatch_reported },
	{ "kernel/timing_applied_after_settle", timing_applied_after_settle },
	{ "kernel/timing_not_applied_when_refused",
	  timing_not_applied_when_refused },
	{ "kernel/past_deadline_not_armed", past_deadline },
	{ "kernel/other_generation_ignored", other_generation },
	{ "kernel/events_only_of_current_generation", events_by_generation },
	{ "kernel/disarmed_moves_generation_in_place",
	  disarmed_moves_generation },
	{ "kernel/adopt_checks_parameters_and_owner", adopt_decisions },
	{ "kernel/log_only_refused_unless_allowed", log_only_refused },
	{ "kernel/forged_event_ignored", forged_event_ignored },
	{ "kernel/forged_reply_ignored", forged_reply_ignored },
	{ 0 }
};
