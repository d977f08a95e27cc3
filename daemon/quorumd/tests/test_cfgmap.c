// SPDX-License-Identifier: MIT
/* cfgmap.c: configuration file -> core configuration and bootstrap. */
#include <arpa/inet.h>
#include <string.h>

#include "quorumd.h"
#include "test.h"

static const char *head = "[cluster]\nname = c\nkey_file = /k\n";
static const char *tail =
	"peer = 1 10.0.0.1:7405,10.1.0.1:7405\npeer = 2 [2001:db8::2]:7406\n"
	"peer = 3 10.0.0.3:7405 witness\n"
	"[node]\nid = 1\nlease_name = l1\ndata_dir = /tmp\n";

static int load(struct qf_conf *c, const char *extra)
{
	char text[1024], err[256];

	snprintf(text, sizeof(text), "%s%s%s", head, extra, tail);
	return qf_conf_load_string(c, "t.conf", text, err, sizeof(err));
}

static void timing_default(void)
{
	static struct qf_conf c;
	struct qf_config cc;
	char why[256];

	CHECK(load(&c, "") == 0);
	CHECK(qd_core_config(&c, &cc, why, sizeof(why)) == 0);
	CHECK(cc.id == 1);
	CHECK(cc.timing.heartbeat == 100 * QF_MS);
	CHECK(cc.timing.election_min == 400 * QF_MS);
	CHECK(cc.timing.election_max == 800 * QF_MS);
	CHECK(cc.timing.lease == 1500 * QF_MS);
	CHECK(cc.timing.settle == 1000 * QF_MS);
	CHECK(cc.timing.rho_ppm == 1000);
	CHECK(cc.timing.wait == 0);	/* W derived, never configured lower */
	CHECK(cc.timing.fence_after >= cc.timing.lease);
	/* the core's W and the file's W agree (to the ms) */
	CHECK(qf_timing_wait(&cc.timing) / QF_MS + 1 >= c.wait_ms &&
	      qf_timing_wait(&cc.timing) / QF_MS <= c.wait_ms);
}

static void timing_overrides(void)
{
	static struct qf_conf c;
	struct qf_config cc;
	char why[256];

	CHECK(load(&c, "profile = fast\nlease_ms = 600\nfence_after_ms = 900\n")
	      == 0);
	CHECK(qd_core_config(&c, &cc, why, sizeof(why)) == 0);
	CHECK(cc.timing.heartbeat == 50 * QF_MS);
	CHECK(cc.timing.lease == 600 * QF_MS);
	CHECK(cc.timing.settle == 300 * QF_MS);
	CHECK(cc.timing.fence_after == 900 * QF_MS);
}

/* Rule 13: with a pr_device the silence before a member is lost is the
 * election timeout's bound, or pr_fence_after_ms, never below
 * election_min; without one it is not set (fence_after alone). */
static void pr_fence_after(void)
{
	static struct qf_conf c;
	struct qf_config cc;
	char why[256];

	CHECK(load(&c, "pr_fence_after_ms = 500\n") == 0);
	CHECK(qd_core_config(&c, &cc, why, sizeof(why)) == 0);
	CHECK(cc.pr_fence_after == 0);
	c.n_pr_devices = 1;
	CHECK(qd_core_config(&c, &cc, why, sizeof(why)) == 0);
	CHECK(cc.pr_fence_after == 500 * QF_MS);
	CHECK(load(&c, "") == 0);
	c.n_pr_devices = 1;
	CHECK(qd_core_config(&c, &cc, why, sizeof(why)) == 0);
	CHECK(cc.pr_fence_after == cc.timing.election_max);
	CHECK(load(&c, "pr_fence_after_ms = 399\n") == 0);
	c.n_pr_devices = 1;
	CHECK(qd_core_config(&c, &cc, why, sizeof(why)) == -1);
	CHECK(strstr(why, "pr_fence_after_ms 399 is below election_min_ms 400"));
}

/* Rule 7: a fenced node comes back only through an admin rejoin. */
static void no_auto_rejoin(void)
{
	static struct qf_conf c;
	struct qf_config cc;
	char why[256];

	CHECK(load(&c, "") == 0);
	CHECK(qd_core_config(&c, &cc, why, sizeof(why)) == 0);
	CHECK(!(cc.flags & QF_CFG_AUTO_REJOIN));
	CHECK(cc.flags & QF_CFG_AUTO_FENCE);
	CHECK(cc.flags & QF_CFG_CHECK_QUORUM);
}

static void bootstrap_addrs(void)
{
	static struct qf_conf c;
	static struct qf_snapshot s;
	const struct qf_member *m;
	struct qf_conf_addr back;

	CHECK(load(&c, "") == 0);
	CHECK(qd_bootstrap(&c, &s) == 0);
	CHECK(s.index == 1 && s.term == 1);	/* core v3 */
	/* rule 9: the bootstrap records the timing the core runs */
	{
		struct qf_config cc;
		char why[512];

		CHECK(qd_core_config(&c, &cc, why, sizeof(why)) == 0);
		CHECK(s.state.timing != 0 &&
		      s.state.timing == qf_timing_digest(&cc.timing));
		CHECK(s.state.timing_rec.lease_ms == 1500 &&
		      s.state.timing_rec.wait_ms == 2506);
	}
	m = qf_state_find(&s.state, 1);
	CHECK(m && m->role == QF_ROLE_VOTER && m->gen == 1 && m->n_addrs == 2);
	CHECK(m->addrs[0].family == 4 && m->addrs[0].port == 7405 &&
	      m->addrs[1].ip[1] == 1);
	m = qf_state_find(&s.state, 2);
	CHECK(m && m->addrs[0].family == 6 && m->addrs[0].port == 7406 &&
	      m->addrs[0].ip[0] == 0x20 && m->addrs[0].ip[15] == 2);
	m = qf_state_find(&s.state, 3);
	CHECK(m && m->role == QF_ROLE_WITNESS);
	/* back to a socket address equal to the file's */
	CHECK(qd_addr_from_core(&qf_state_find(&s.state, 2)->addrs[0],
				&back) == 0);
	CHECK(back.len == c.peers[1].addr[0].len);
	CHECK(memcmp(&back.sa, &c.peers[1].addr[0].sa, back.len) == 0);
	CHECK(!strcmp(back.text, "2001:db8::2:7406"));
	CHECK(qd_addr_from_core(&(struct qf_addr){ .family = 5 }, &back) == -1);
}

const struct t_case t_cfgmap[] = {
	{ "cfgmap/timing_default", timing_default },
	{ "cfgmap/timing_overrides", timing_overrides },
	{ "cfgmap/rule7_no_auto_rejoin", no_auto_rejoin },
	{ "cfgmap/rule13_pr_fence_after", pr_fence_after },
	{ "cfgmap/bootstrap_addresses", bootstrap_addrs },
	{ 0 }
};
