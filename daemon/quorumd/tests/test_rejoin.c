// SPDX-License-Identifier: MIT
/*
 * rejoin.c (design.md §2.11): a request naming another node than its
 * sender is refused; the armed-boot record is durable before the first
 * arm; a fenced node that fails its policy's condition stays fenced and
 * says which condition (no request leaves).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <linux/dm-ioctl.h>

#include "quorumd.h"
#include "fixture.h"
#include "test.h"

static struct qd d;
static uint8_t buf[64];

static int setup(const char *extra)
{
	static char dir[] = "/tmp/qd-rejoin-XXXXXX";
	static bool made;	/* not "ends in X": mkdtemp's may (1 in 62) */

	memset(&d, 0, sizeof(d));
	if (!made && !mkdtemp(dir))
		return -1;
	made = true;
	if (t_qd_boot(&d, 3, dir, extra, 77))
		return -1;
	rejoin_init(&d);
	return 0;
}

static void request_must_be_own(void)
{
	struct qf_join_req q = { .node = 3, .reason = QF_JOIN_WHEN_IDLE,
				 .fenced_gen = 1, .boot = 9 };
	size_t n = qd_enc_auto_rejoin(&q, buf, sizeof(buf));

	CHECK(setup("") == 0);
	rejoin_on_request(&d, 2, buf, n);	/* node 2 asks for node 3 */
	CHECK(d.bad_payload == 1);
	rejoin_on_request(&d, 3, buf, n);	/* its own: the core judges */
	CHECK(d.bad_payload == 1);
	rejoin_on_request(&d, 3, buf, n - 1);
	CHECK(d.bad_payload == 2);
}

static void armed_boot_before_arm(void)
{
	CHECK(setup("") == 0);
	d.rj.kboot = 0;
	CHECK(rejoin_before_arm(&d, 4) == 0);	/* unknown boot: no record */
	CHECK(qd_num_load(&d, "armed-boot") == 0 && d.rj.armed_max == 4);
	d.rj.kboot = 0x1234;
	CHECK(rejoin_before_arm(&d, 5) == 0);
	CHECK(qd_num_load(&d, "armed-boot") == 0x1234 && d.rj.armed_saved);
	rejoin_init(&d);			/* the next daemon start */
	CHECK(d.rj.armed_boot == 0x1234 && !d.rj.lease_fresh);
}

/* Node 3 fenced at generation 1 in its committed state, leader 1. */
static void fence_self(void)
{
	struct qf_member *m = (struct qf_member *)qf_state_find(&d.raft.st, 3);

	m->fenced_gen = m->gen;
	d.raft.leader = 1;
	d.rj.next = 0;
}

static void stays_fenced_with_reason(void)
{
	struct qf_member *m;

	CHECK(setup("rejoin = after-reboot\n") == 0);
	CHECK(rejoin_next(&d) == 0);		/* not fenced: no wake-up */
	fence_self();
	CHECK(rejoin_next(&d) == 1);		/* due now */
	d.rj.kboot = 7;
	d.rj.armed_boot = 7;		/* only the daemon restarted */
	rejoin_lease_created(&d);
	rejoin_tick(&d, 1000 * QF_MS);
	CHECK(strstr(d.rj.why, "no new kernel boot"));
	/* the loop wakes for the next try, two heartbeats on */
	CHECK(rejoin_next(&d) == 1000 * QF_MS + 2 * d.core_cfg.timing.heartbeat);

	d.rj.armed_boot = 6;
	d.rj.lease_fresh = false;	/* adopted from an earlier start */
	d.rj.next = 0;
	rejoin_tick(&d, 2000 * QF_MS);
	CHECK(strstr(d.rj.why, "not fresh"));

	{
		static struct qfctl_status st;	/* quorumctl status says why */

		qd_ctl_fill_status(&d, 2000 * QF_MS, &st);
		CHECK(st.rejoin_policy == QFCTL_RJ_AFTER_REBOOT);
		CHECK(strstr(st.rejoin_why, "not fresh") && !st.flapping);
	}
	d.rj.lease_fresh = true;
	m = (struct qf_member *)qf_state_find(&d.raft.st, 3);
	m->auto_joins = 3;		/* the guard tripped */
	m->window_s = (uint32_t)time(NULL);
	d.rj.next = 0;
	rejoin_tick(&d, 3000 * QF_MS);
	CHECK(strstr(d.rj.why, "flapping"));
	{
		static struct qfctl_status st;	/* left fenced: flapping */

		qd_ctl_fill_status(&d, 3000 * QF_MS, &st);
		CHECK(st.flapping);
		m->fenced_gen = 0;	/* in, its count at the limit */
		qd_ctl_fill_status(&d, 3000 * QF_MS, &st);
		CHECK(!st.flapping);	/* only its next rejoin is barred */
		m->fenced_gen = m->gen;
	}

	m->auto_joins = 0;
	m->fence_reason = QF_FENCE_ADMIN;	/* an operator's fence */
	d.rj.next = 0;
	rejoin_tick(&d, 3500 * QF_MS);
	CHECK(strstr(d.rj.why, "fenced by an operator"));
	CHECK(d.rj.next == 0);			/* nothing was asked */
	CHECK(rejoin_next(&d) == 0);	/* and no wake-up: no busy loop */

	m->fence_reason = QF_FENCE_SILENT;
	m->fenced_gen = 0;		/* rejoined: nothing to say */
	d.rj.next = 0;
	rejoin_tick(&d, 4000 * QF_MS);
	CHECK(d.rj.why[0] == '\0');
}

/* A DM_TABLE_STATUS reply with the given targets (type, params). */
static size_t table(uint64_t *mem, size_t sz, int n, const char *const *tt,
		    const char *const *pp)
{
	struct dm_ioctl *io = (void *)mem;
	char *data = (char *)mem + sizeof(*io);
	size_t off = 0;

	memset(mem, 0, sz);
	io->data_start = sizeof(*io);
	io->target_count = (uint32_t)n;
	for (int i = 0; i < n; i++) {
		struct dm_target_spec *t = (void *)(data + off);

		snprintf(t->target_type, sizeof(t->target_type), "%s", tt[i]);
		strcpy((char *)(t + 1), pp[i]);
		off += sizeof(*t) + strlen(pp[i]) + 1;
		off = (off + 7) & ~(size_t)7;
		t->next = (uint32_t)off;
	}
	io->data_size = (uint32_t)(sizeof(*io) + off);
	return sz;
}

/*
 * when-idle must fail closed (design.md §2.11): a qfence target that is
 * not the table's first is still ours, and a truncated or malformed reply
 * is not "not ours".
 */
static void dm_table_scan_fails_closed(void)
{
	static uint64_t mem[512];
	const char *lin_qf[] = { "linear", "qfence" };
	const char *lin_qf_p[] = { "/dev/vdb 0", "/dev/vda l3" };
	const char *other[] = { "qfence" }, *other_p[] = { "/dev/vda l33" };
	struct dm_ioctl *io = (void *)mem;
	size_t sz = table(mem, sizeof(mem), 2, lin_qf, lin_qf_p);

	CHECK(qd_dm_table_names_lease(io, sz, "l3") == 1);
	CHECK(qd_dm_table_names_lease(io, sz, "l4") == 0);
	io->flags |= DM_BUFFER_FULL_FLAG;
	CHECK(qd_dm_table_names_lease(io, sz, "l4") == -1);
	io->flags = 0;
	io->data_size = sizeof(*io) + 10;	/* cut inside a spec */
	CHECK(qd_dm_table_names_lease(io, sz, "l4") == -1);
	io->data_size = (uint32_t)sz + 1;	/* beyond the buffer */
	CHECK(qd_dm_table_names_lease(io, sz, "l4") == -1);
	sz = table(mem, sizeof(mem), 1, other, other_p);
	CHECK(qd_dm_table_names_lease(io, sz, "l3") == 0);
	sz = table(mem, sizeof(mem), 0, NULL, NULL);
	CHECK(qd_dm_table_names_lease(io, sz, "l3") == 0);
}

const struct t_case t_rejoin[] = {
	{ "rejoin/request_must_be_own", request_must_be_own },
	{ "rejoin/armed_boot_before_arm", armed_boot_before_arm },
	{ "rejoin/stays_fenced_with_reason", stays_fenced_with_reason },
	{ "rejoin/dm_table_scan_fails_closed", dm_table_scan_fails_closed },
	{ 0 }
};
