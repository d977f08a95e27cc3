// SPDX-License-Identifier: MIT
/*
 * Tests of conf.c: the example file, every class of error (file:line and
 * key named, struct untouched) and the design.md §2 timing check.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>

#include "../conf.h"
#include "unit.h"

#ifndef EXAMPLE_CONF
#define EXAMPLE_CONF "daemon/infra/quorumd.conf.example"
#endif

static const char base[] =
	"[cluster]\n"			/* 1 */
	"name = t\n"			/* 2 */
	"key_file = /etc/k\n"		/* 3 */
	"peer = 1 127.0.0.1:7001\n"	/* 4 */
	"peer = 2 127.0.0.1:7002\n"	/* 5 */
	"peer = 3 127.0.0.1:7003\n"	/* 6 */
	"[node]\n"			/* 7 */
	"id = 1\n";			/* 8 */

static struct qf_conf conf;
static char err[512];

/* base + extra (lines 9...), parsed as "t.conf" */
static int load(const char *extra)
{
	char text[4096];

	snprintf(text, sizeof(text), "%s%s", base, extra);
	err[0] = '\0';
	return qf_conf_load_string(&conf, "t.conf", text, err, sizeof(err));
}

static void conf_example_loads(void)
{
	int rc = qf_conf_load(&conf, EXAMPLE_CONF, err, sizeof(err));

	UT_ASSERTF(rc == 0, "%s", err);
	UT_ASSERT(!strcmp(conf.name, "storage-a"));
	UT_EQ(conf.node_id, 1);
	UT_EQ(conf.npeers, 3);
	UT_EQ(conf.peers[0].naddrs, 2);
	UT_ASSERT(conf.peers[2].witness);
	UT_ASSERT(!conf.peers[0].witness);
	UT_EQ(conf.timing.lease_ms, 1500);
	/* (1500 + 1000) * 1.001 / 0.999 = 2505.005 -> 2506 */
	UT_EQ(conf.wait_ms, 2506);
	UT_EQ(conf.actions, QFENCE_ACTION_IO | QFENCE_ACTION_REBOOT);
	UT_EQ(conf.sched_rr_priority, 10);
	UT_ASSERT(conf.mlockall);
	UT_ASSERT(conf.watchdog_device[0] == '\0');
	UT_ASSERT(qf_conf_self(&conf) == &conf.peers[0]);
}

static void conf_minimal_defaults(void)
{
	UT_ASSERTF(load("") == 0, "%s", err);
	UT_EQ(conf.timing.heartbeat_ms, 100);
	UT_EQ(conf.timing.election_min_ms, 400);
	UT_EQ(conf.timing.election_max_ms, 800);
	UT_EQ(conf.timing.settle_ms, 1000);
	UT_EQ(conf.timing.margin_ms, 100);
	UT_ASSERT(!strcmp(conf.data_dir, "/var/lib/qfence"));
	UT_ASSERT(!strcmp(conf.lease_name, "qfence"));
	UT_EQ(conf.nwarn, 0);
}

static void conf_fast_profile_and_override(void)
{
	UT_ASSERTF(load("[cluster]\nprofile = fast\n") == 0, "%s", err);
	UT_EQ(conf.timing.heartbeat_ms, 50);
	UT_EQ(conf.timing.lease_ms, 500);
	/* (500 + 300) * 1.001 / 0.999 = 801.6 -> 802 */
	UT_EQ(conf.wait_ms, 802);
	/* An explicit key wins over the profile, in any order. */
	UT_ASSERTF(load("[cluster]\nlease_ms = 700\nprofile = fast\n") == 0,
		   "%s", err);
	UT_EQ(conf.timing.lease_ms, 700);
	UT_EQ(conf.timing.heartbeat_ms, 50);
}

static void conf_not_a_number(void)
{
	UT_ASSERT(load("[cluster]\nlease_ms = abc\n") != 0);
	UT_ASSERTF(!strcmp(err, "t.conf:10: lease_ms: 'abc' is not a number"),
		   "got '%s'", err);
	UT_ASSERT(load("[cluster]\nlease_ms = -5\n") != 0);
	UT_CONTAINS(err, "t.conf:10: lease_ms:");
	UT_ASSERT(load("[cluster]\nlease_ms = 99999999999\n") != 0);
	UT_CONTAINS(err, "t.conf:10: lease_ms:");
}

static void conf_unknown_key_and_section(void)
{
	UT_ASSERT(load("colour = blue\n") != 0);
	UT_CONTAINS(err, "t.conf:9: colour: unknown key in [node]");
	UT_ASSERT(load("[clutser]\nname = x\n") != 0);
	UT_CONTAINS(err, "t.conf:10: unknown section [clutser]");
	UT_ASSERT(load("[peer.4]\nadress = 127.0.0.1:7004\n") != 0);
	UT_CONTAINS(err, "t.conf:10: adress: unknown key in [peer.4]");
}

static void conf_duplicate_key(void)
{
	UT_ASSERT(load("id = 2\n") != 0);
	UT_ASSERTF(!strcmp(err, "t.conf:9: id: already set at line 8"),
		   "got '%s'", err);
}

static void conf_duplicate_peer_id(void)
{
	UT_ASSERT(load("[cluster]\npeer = 2 127.0.0.1:7009\n") != 0);
	UT_CONTAINS(err, "t.conf:10: peer: peer 2 is already defined at line 5");
	UT_ASSERT(load("[peer.3]\naddress = 127.0.0.1:7009\n") != 0);
	UT_CONTAINS(err, "t.conf:10: peer.3: peer 3 is already defined at line 6");
	/* A [peer.N] section given twice is a duplicate too. */
	UT_ASSERT(load("[peer.4]\naddress = 127.0.0.1:7004\n[node]\n"
		       "lease_name = x\n[peer.4]\nwitness = yes\n") != 0);
	UT_CONTAINS(err, "t.conf:14: peer.4: peer 4 is already defined at line 10");
}

static void conf_ranges(void)
{
	UT_ASSERT(load("sched_rr_priority = 100\n") != 0);
	UT_CONTAINS(err, "t.conf:9: sched_rr_priority: 100 is out of range 0..99");
	UT_ASSERT(load("[cluster]\nlease_ms = 600001\n") != 0);
	UT_CONTAINS(err, "t.conf:10: lease_ms: 600001 is out of range");
	UT_ASSERT(load("lease_name = abcdefghijabcdefghijabcdefghijabc\n") != 0);
	UT_CONTAINS(err, "t.conf:9: lease_name:");
	UT_ASSERT(load("lease_name = a/b\n") != 0);
	UT_CONTAINS(err, "only letters");
	UT_ASSERT(load("mlockall = perhaps\n") != 0);
	UT_CONTAINS(err, "t.conf:9: mlockall: 'perhaps' is not a boolean");
	UT_ASSERT(load("data_dir = var/lib\n") != 0);
	UT_CONTAINS(err, "t.conf:9: data_dir: 'var/lib' is not an absolute path");
	UT_ASSERT(load("[cluster]\nprofile = turbo\n") != 0);
	UT_CONTAINS(err, "t.conf:10: profile: 'turbo' is not a profile");
}

static void conf_liveness_refused(void)
{
	/* 800 + 100 + 100 = 1000 ms, 1002.002 -> 1003 with ρ: L must exceed. */
	UT_ASSERT(load("[cluster]\nlease_ms = 1003\n") != 0);
	UT_CONTAINS(err, "t.conf:10: lease_ms: liveness:");
	UT_CONTAINS(err, "raise lease_ms above 1003");
	UT_ASSERTF(load("[cluster]\nlease_ms = 1004\n") == 0, "%s", err);
	/* A longer election timeout breaks a default lease. */
	UT_ASSERT(load("[cluster]\nelection_max_ms = 1400\n") != 0);
	UT_CONTAINS(err, "t.conf:10: election_max_ms: liveness");
}

static void conf_unsafe_settings_refused(void)
{
	UT_ASSERT(load("[cluster]\nrho_ppm = 0\n") != 0);
	UT_CONTAINS(err, "claims perfect clocks");
	UT_ASSERT(load("[cluster]\nsettle_ms = 0\n") != 0);
	UT_CONTAINS(err, "settle_ms = 0");
	UT_ASSERT(load("[cluster]\nelection_min_ms = 150\n") != 0);
	UT_CONTAINS(err, "below two heartbeats");
	UT_ASSERT(load("[cluster]\nelection_max_ms = 400\n") != 0);
	UT_CONTAINS(err, "randomized");
}

static void conf_required_keys(void)
{
	char text[512];

	snprintf(text, sizeof(text), "[cluster]\nkey_file = /k\n"
		 "peer = 1 127.0.0.1:1\n[node]\nid = 1\n");
	UT_ASSERT(qf_conf_load_string(&conf, "r.conf", text, err,
				      sizeof(err)) != 0);
	UT_CONTAINS(err, "r.conf: [cluster] name: is required");
	snprintf(text, sizeof(text), "[cluster]\nname = x\nkey_file = /k\n"
		 "peer = 1 127.0.0.1:1\n");
	UT_ASSERT(qf_conf_load_string(&conf, "r.conf", text, err,
				      sizeof(err)) != 0);
	UT_CONTAINS(err, "[node] id: is required");
	UT_ASSERT(qf_conf_load_string(&conf, "r.conf", "", err,
				      sizeof(err)) != 0);
	UT_CONTAINS(err, "is required");
}

static void conf_self_must_be_peer(void)
{
	char text[512];

	snprintf(text, sizeof(text), "[cluster]\nname = x\nkey_file = /k\n"
		 "peer = 1 127.0.0.1:1\n[node]\nid = 7\n");
	UT_ASSERT(qf_conf_load_string(&conf, "s.conf", text, err,
				      sizeof(err)) != 0);
	UT_CONTAINS(err, "s.conf:6: id: node 7 is not among the peers");
}

static void conf_bad_addresses(void)
{
	static const char *const bad[] = {
		"127.0.0.1", "127.0.0.1:0", "127.0.0.1:65536", "localhost:7000",
		"::1:7000", "[::1]7000", "[::1", "1.2.3:80", "127.0.0.1:7x",
	};
	struct qf_conf_addr a;
	char why[160], line[200];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		UT_ASSERTF(qf_conf_parse_addr(bad[i], &a, why, sizeof(why)) != 0,
			   "'%s' accepted", bad[i]);
		snprintf(line, sizeof(line), "[cluster]\npeer = 4 %s\n", bad[i]);
		UT_ASSERT(load(line) != 0);
		UT_CONTAINS(err, "t.conf:10: peer:");
	}
}

static void conf_ipv6_and_links(void)
{
	const struct qf_conf_peer *pe;
	const struct sockaddr_in6 *s6;
	struct qf_conf_addr a;

	UT_ASSERTF(load("[peer.4]\naddress = [::1]:7004, 127.0.0.1:7104\n") == 0,
		   "%s", err);
	pe = qf_conf_peer(&conf, 4);
	UT_ASSERT(pe);
	UT_EQ(pe->naddrs, 2);
	s6 = (const struct sockaddr_in6 *)&pe->addr[0].sa;
	UT_EQ(s6->sin6_family, AF_INET6);
	UT_EQ(ntohs(s6->sin6_port), 7004);
	UT_EQ(pe->addr[1].sa.ss_family, AF_INET);
	/* Link-local with a numeric scope. */
	UT_ASSERTF(qf_conf_parse_addr("[fe80::1%3]:7000", &a, err,
				      sizeof(err)) == 0, "%s", err);
	UT_EQ(((const struct sockaddr_in6 *)&a.sa)->sin6_scope_id, 3);
	UT_ASSERT(qf_conf_parse_addr("[fe80::1%no-such-if]:7000", &a, err,
				     sizeof(err)) != 0);
	/* The limit is two links per node. */
	UT_ASSERT(load("[cluster]\npeer = 4 127.0.0.1:1,127.0.0.1:2,"
		       "127.0.0.1:3\n") != 0);
	UT_CONTAINS(err, "more than 2 addresses");
}

static void conf_duplicate_address(void)
{
	UT_ASSERT(load("[cluster]\npeer = 4 127.0.0.2:1,127.0.0.1:7002\n") != 0);
	UT_CONTAINS(err, "t.conf:10: peer: address 127.0.0.1:7002 of peer 4 is "
		    "also used by peer 2 (line 5)");
	UT_ASSERT(load("[cluster]\npeer = 4 127.0.0.2:1,127.0.0.2:1\n") != 0);
	UT_CONTAINS(err, "also used by peer 4");
}

static void conf_failure_changes_nothing(void)
{
	struct qf_conf before;

	UT_ASSERTF(load("") == 0, "%s", err);
	before = conf;
	UT_ASSERT(load("[cluster]\nlease_ms = 1003\n") != 0);
	UT_ASSERT(!memcmp(&before, &conf, sizeof(conf)));
	UT_ASSERT(load("id = x\n") != 0);
	UT_ASSERT(!memcmp(&before, &conf, sizeof(conf)));
	UT_ASSERT(qf_conf_load(&conf, ut_path("missing.conf"), err,
			       sizeof(err)) != 0);
	UT_CONTAINS(err, "missing.conf: No such file or directory");
	UT_ASSERT(!memcmp(&before, &conf, sizeof(conf)));
}

static void conf_syntax_and_long_lines(void)
{
	char line[400];

	UT_ASSERT(load("this line has no equals sign\n") != 0);
	UT_CONTAINS(err, "t.conf:9: syntax error");
	UT_ASSERT(load("[node\n") != 0);
	UT_CONTAINS(err, "t.conf:9: syntax error");
	memset(line, 'a', sizeof(line));
	memcpy(line, "on_fenced = /", 13);
	line[300] = '\n';
	line[301] = '\0';
	UT_ASSERT(load(line) != 0);
	UT_CONTAINS(err, "t.conf:9: line longer than");
	/* A key before any section. */
	UT_ASSERT(qf_conf_load_string(&conf, "n.conf", "name = x\n", err,
				      sizeof(err)) != 0);
	UT_CONTAINS(err, "n.conf:1: name: key outside any section");
}

static void conf_indented_keys_are_keys(void)
{
	/* inih would treat an indented line as a continuation of the key
	 * above (multi-line values); the reader strips indentation, so this
	 * is mlockall, not more text for lease_name. */
	UT_ASSERTF(load("lease_name = lx\n    mlockall = yes\n") == 0, "%s", err);
	UT_ASSERT(!strcmp(conf.lease_name, "lx"));
	UT_ASSERT(conf.mlockall);
	UT_ASSERTF(load("actions = io, panic ; kdump\n") == 0, "%s", err);
	UT_EQ(conf.actions, QFENCE_ACTION_IO | QFENCE_ACTION_PANIC);
}

static void conf_actions(void)
{
	UT_ASSERT(load("actions = reboot\n") != 0);
	UT_CONTAINS(err, "t.conf:9: actions: 'io' is required");
	UT_ASSERT(load("actions = io,reboot,panic\n") != 0);
	UT_CONTAINS(err, "exclude each other");
	UT_ASSERT(load("actions = io,explode\n") != 0);
	UT_CONTAINS(err, "'explode' is not an action");
}

/*
 * design.md §2.11: the rejoin policy. Default after-reboot where a lapse
 * reboots or panics, manual on an io-only node; when-idle only there; the
 * flapping guard's knobs in [cluster], range-checked.
 */
static void conf_rejoin_policy(void)
{
	UT_ASSERTF(load("") == 0, "%s", err);
	UT_EQ(conf.rejoin, QF_CONF_REJOIN_AFTER_REBOOT);
	UT_ASSERTF(load("actions = io,panic\n") == 0, "%s", err);
	UT_EQ(conf.rejoin, QF_CONF_REJOIN_AFTER_REBOOT);
	UT_ASSERTF(load("actions = io\n") == 0, "%s", err);
	UT_EQ(conf.rejoin, QF_CONF_REJOIN_MANUAL);
	UT_ASSERTF(load("actions = io\nrejoin = when-idle\n") == 0, "%s", err);
	UT_EQ(conf.rejoin, QF_CONF_REJOIN_WHEN_IDLE);
	UT_ASSERTF(load("rejoin = manual\n") == 0, "%s", err);
	UT_EQ(conf.rejoin, QF_CONF_REJOIN_MANUAL);
	UT_ASSERT(load("rejoin = when-idle\n") != 0);
	UT_CONTAINS(err, "t.conf:9: rejoin: when-idle is for io-only nodes");
	UT_EQ(conf.rejoin, QF_CONF_REJOIN_MANUAL);	/* untouched */
	UT_ASSERT(load("rejoin = sometimes\n") != 0);
	UT_CONTAINS(err, "'sometimes' is not a rejoin policy");
	UT_ASSERTF(load("[cluster]\nflap_max = 5\nflap_window_s = 600\n") == 0,
		   "%s", err);
	UT_EQ(conf.flap_max, 5);
	UT_EQ(conf.flap_window_s, 600);
	UT_ASSERT(load("[cluster]\nflap_max = 0\n") != 0);
	UT_ASSERT(load("[cluster]\nflap_max = 256\n") != 0);
	UT_ASSERT(load("[cluster]\nflap_window_s = 0\n") != 0);
}

/*
 * design.md rule 12: no per-lease log-only in a real cluster (it turns the
 * settle escalation off, and the IO fence does not bound IO already in
 * flight). Refused at its line; tests use the module's log_only=1 and
 * quorumd --allow-log-only instead. The struct stays untouched.
 */
static void conf_log_only_refused(void)
{
	UT_ASSERTF(load("actions = io,panic\n") == 0, "%s", err);
	UT_ASSERT(load("lease_name = x\nactions = io,reboot,log-only\n") != 0);
	UT_CONTAINS(err, "t.conf:10: actions: 'log-only' is refused");
	UT_CONTAINS(err, "log_only=1");
	UT_EQ(conf.actions, QFENCE_ACTION_IO | QFENCE_ACTION_PANIC);
	UT_ASSERT(load("actions = log-only,io\n") != 0);
	UT_CONTAINS(err, "t.conf:9: actions: 'log-only' is refused");
}

static void conf_two_node_warning_and_witness(void)
{
	char text[512];

	snprintf(text, sizeof(text), "[cluster]\nname = x\nkey_file = /k\n"
		 "peer = 1 127.0.0.1:1\npeer = 2 127.0.0.1:2\n[node]\nid = 1\n");
	UT_ASSERTF(qf_conf_load_string(&conf, "w.conf", text, err,
				       sizeof(err)) == 0, "%s", err);
	UT_EQ(conf.nwarn, 1);
	UT_CONTAINS(conf.warn[0], "witness");
	snprintf(text, sizeof(text), "[cluster]\nname = x\nkey_file = /k\n"
		 "peer = 1 127.0.0.1:1 witness\n[node]\nid = 1\n");
	UT_ASSERT(qf_conf_load_string(&conf, "w.conf", text, err,
				      sizeof(err)) != 0);
	UT_CONTAINS(err, "every member is a witness");
	UT_ASSERT(load("[cluster]\npeer = 4 127.0.0.1:9 voter\n") != 0);
	UT_CONTAINS(err, "the only flag is 'witness'");
}

static void conf_watchdog_within_settle(void)
{
	UT_ASSERT(load("watchdog_device = /dev/watchdog0\n") != 0);
	UT_CONTAINS(err, "t.conf:9: watchdog_device: needs watchdog_timeout_s");
	UT_ASSERT(load("watchdog_device = /dev/watchdog0\n"
		       "watchdog_timeout_s = 2\n") != 0);
	UT_CONTAINS(err, "t.conf:10: watchdog_timeout_s: 2 s is longer than "
		    "settle_ms (1000 ms)");
	UT_ASSERTF(load("watchdog_device = /dev/watchdog0\n"
			"watchdog_timeout_s = 2\n"
			"[cluster]\nsettle_ms = 3000\n") == 0, "%s", err);
	UT_EQ(conf.watchdog_timeout_s, 2);
	/* W grows with F: (1500 + 3000) * 1.001/0.999 -> 4510 */
	UT_EQ(conf.wait_ms, 4510);
	UT_ASSERT(load("watchdog_timeout_s = 2\n") != 0);
	UT_CONTAINS(err, "no watchdog_device");
}

/* design.md rule 13: pr_device repeatable up to 8, absolute, each once;
 * require_pr = yes needs at least one. */
static void conf_pr_devices(void)
{
	char many[1024] = "";

	UT_ASSERTF(load("") == 0, "%s", err);
	UT_EQ(conf.n_pr_devices, 0);
	UT_ASSERT(!conf.require_pr);
	UT_ASSERTF(load("pr_device = /dev/sda\n"
			"pr_device = /dev/disk/by-path/ip-10.0.0.4:3260-lun-0\n"
			"require_pr = yes\n") == 0, "%s", err);
	UT_EQ(conf.n_pr_devices, 2);
	UT_ASSERT(!strcmp(conf.pr_devices[0], "/dev/sda"));
	UT_ASSERT(conf.require_pr);
	UT_ASSERT(load("require_pr = yes\n") != 0);
	UT_CONTAINS(err, "t.conf:9: require_pr: yes, but no pr_device");
	UT_ASSERT(load("pr_device = sda\n") != 0);
	UT_CONTAINS(err, "t.conf:9: pr_device: 'sda' is not an absolute path");
	UT_ASSERT(load("pr_device = /dev/sda\npr_device = /dev/sda\n") != 0);
	UT_CONTAINS(err, "t.conf:10: pr_device: '/dev/sda' is listed twice");
	UT_ASSERT(load("pr_device =\n") != 0);
	UT_CONTAINS(err, "t.conf:9: pr_device: empty");
	UT_ASSERT(load("require_pr = maybe\n") != 0);
	for (int i = 0; i < 9; i++)
		snprintf(many + strlen(many), sizeof(many) - strlen(many),
			 "pr_device = /dev/sd%c\n", 'a' + i);
	UT_ASSERT(load(many) != 0);
	UT_CONTAINS(err, "t.conf:17: pr_device: more than 8 pr_device lines");
	UT_ASSERT(load("require_pr = yes\nrequire_pr = no\n") != 0);
	UT_CONTAINS(err, "already set at line 9");
}

/* Fill the stack below this frame with a pattern: what a parser leaves
 * uninitialized then differs from one load to the next. */
static __attribute__((noinline)) void dirty_stack(int c)
{
	volatile char junk[32768];

	memset((char *)junk, c, sizeof(junk));
}

/* The same text always gives the same configuration, byte for byte (a
 * reload compares them; found by tests/fuzz conf): a pr_device path once
 * copied the parser's whole stack buffer, garbage after the path
 * included. */
static void conf_same_text_same_bytes(void)
{
	static struct qf_conf first;

	dirty_stack(0x11);
	UT_ASSERTF(load("pr_device = /dev/sda\n") == 0, "%s", err);
	first = conf;
	dirty_stack(0xee);
	UT_ASSERTF(load("pr_device = /dev/sda\n") == 0, "%s", err);
	UT_ASSERT(!memcmp(&first, &conf, sizeof(conf)));
}

/* hook_timeout_ms: 10 s unless set, refused outside 100 ms .. 1 h */
static void conf_hook_timeout(void)
{
	UT_ASSERTF(load("") == 0, "%s", err);
	UT_EQ(conf.hook_timeout_ms, 10000);
	UT_ASSERTF(load("hook_timeout_ms = 2500\n") == 0, "%s", err);
	UT_EQ(conf.hook_timeout_ms, 2500);
	UT_ASSERT(load("hook_timeout_ms = 99\n") != 0);
	UT_CONTAINS(err, "hook_timeout_ms");
	UT_ASSERT(load("hook_timeout_ms = 3600001\n") != 0);
	UT_ASSERT(load("hook_timeout_ms = 10s\n") != 0);
}

static void conf_dump_shows_w(void)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	UT_ASSERTF(qf_conf_load(&conf, EXAMPLE_CONF, err, sizeof(err)) == 0,
		   "%s", err);
	f = open_memstream(&buf, &len);
	UT_ASSERT(f);
	qf_conf_dump(&conf, f);
	fclose(f);
	UT_CONTAINS(buf, "W = (L+F)(1+rho)/(1-rho) = 2506 ms");
	UT_CONTAINS(buf, "peer 3 (witness): 192.0.2.13:7405 198.51.100.13:7405");
	free(buf);
}

/*
 * Issue 9 hole 8: what the kernel refuses is refused here. The lease is
 * created with max_lease_ms = lease_ms + 1, at most QFENCE_MAX_LEASE_MS_LIMIT.
 */
static void conf_kernel_limits(void)
{
	UT_EQ(QF_KERNEL_MAX_LEASE, QFENCE_MAX_LEASE_MS_LIMIT * QF_MS);
	UT_EQ(QF_KERNEL_MAX_SETTLE, QFENCE_DELAY_MS_LIMIT * QF_MS);
	UT_ASSERT(load("[cluster]\nlease_ms = 600000\n") != 0);
	UT_CONTAINS(err, "lease_ms");
	UT_CONTAINS(err, "max_lease_ms (lease_ms + 1) is at most 600000");
	UT_ASSERTF(load("[cluster]\nlease_ms = 599999\n") == 0, "%s", err);
	UT_EQ(conf.timing.lease_ms, 599999);
}

/* --check-config prints the W the core runs on (one validator). */
static void conf_w_is_the_cores(void)
{
	struct qf_timing ct;

	UT_ASSERTF(load("[cluster]\nlease_ms = 1234\nsettle_ms = 777\n"
			"rho_ppm = 4321\n") == 0, "%s", err);
	qf_conf_timing_core(&conf.timing, &ct);
	UT_EQ(conf.wait_ms, (qf_timing_wait(&ct) + QF_MS - 1) / QF_MS);
}

/* The design.md §2 timing check as a table, boundaries included. */
static void conf_timing_check_table(void)
{
	static const struct {
		struct qf_conf_timing t;
		int ok;
		uint64_t wait;
		const char *why;
	} cases[] = {
		{ { 100, 400, 800, 1500, 1000, 1000, 100 }, 1, 2506, NULL },
		{ { 50, 150, 300, 500, 300, 1000, 50 }, 1, 802, NULL },
		/* boundary: need = ceil(1000 * 1.001/0.999) = 1003 */
		{ { 100, 400, 800, 1003, 1000, 1000, 100 }, 0, 0, "liveness" },
		{ { 100, 400, 800, 1004, 1000, 1000, 100 }, 1, 2009, NULL },
		{ { 100, 400, 800, 1500, 1000, 0, 100 }, 0, 0, "perfect" },
		{ { 100, 400, 800, 1500, 1000, 100000, 100 }, 0, 0, "rho_ppm" },
		{ { 100, 400, 800, 1500, 0, 1000, 100 }, 0, 0, "settle_ms = 0" },
		{ { 0, 400, 800, 1500, 1000, 1000, 100 }, 0, 0, "above 0" },
		{ { 100, 400, 800, 1500, 1000, 1000, 0 }, 0, 0, "above 0" },
		{ { 100, 199, 800, 1500, 1000, 1000, 100 }, 0, 0, "two heartbeats" },
		{ { 100, 400, 400, 1500, 1000, 1000, 100 }, 0, 0, "randomized" },
		/* ρ = 1%: 1000 * 1.01/0.99 = 1020.2 -> 1021 */
		{ { 100, 400, 800, 1021, 1000, 10000, 100 }, 0, 0, "liveness" },
		{ { 100, 400, 800, 1022, 1000, 10000, 100 }, 1, 2063, NULL },
		/* the kernel's limits (max_lease_ms = lease_ms + 1) */
		{ { 100, 400, 800, 600000, 1000, 1000, 100 }, 0, 0,
		  "max_lease_ms" },
		{ { 100, 400, 800, 1500, 600001, 1000, 100 }, 0, 0,
		  "QFENCE_DELAY_MS_LIMIT" },
	};
	char why[400];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint64_t w = 0;
		int rc = qf_conf_timing_check(&cases[i].t, &w, why, sizeof(why));

		UT_ASSERTF((rc == 0) == cases[i].ok, "case %zu: rc %d (%s)", i,
			   rc, rc ? why : "");
		if (cases[i].ok)
			UT_ASSERTF(w == cases[i].wait, "case %zu: W %llu", i,
				   (unsigned long long)w);
		else
			UT_CONTAINS(why, cases[i].why);
	}
}

/* Deterministic xorshift, so a failure can be replayed. */
static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static uint32_t rnd(uint32_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng % n);
}

/*
 * Random files built from real keys, sections and values (and noise):
 * never a crash; an error always names the file; an accepted file always
 * satisfies what validation promises.
 */
static void conf_random_files(void)
{
	static const char *const lines[] = {
		"[cluster]\n", "[node]\n", "[peer.4]\n", "[peer.x]\n", "[]\n",
		"name = c\n", "key_file = /k\n", "profile = fast\n",
		"lease_ms = 900\n", "lease_ms = 4000000000\n",
		"heartbeat_ms = 30\n", "election_max_ms = 0\n",
		"peer = 1 127.0.0.1:1\n", "peer = 2 [::1]:2 witness\n",
		"peer = 3 127.0.0.1:1\n", "address = 127.0.0.9:9\n",
		"witness = yes\n", "id = 1\n", "id = 2\n", "actions = io\n",
		"actions = panic\n", "rho_ppm = 0\n", "=\n", " = x\n",
		"x\n", "; comment\n", "\n", "on_fenced = /bin/true\n",
	};
	char text[2048];

	for (int iter = 0; iter < 3000; iter++) {
		size_t n = 0;
		int count = (int)rnd(14);

		for (int i = 0; i < count; i++) {
			const char *l = lines[rnd(sizeof(lines) / sizeof(lines[0]))];

			n += (size_t)snprintf(text + n, sizeof(text) - n, "%s", l);
		}
		if (rnd(4) == 0 && n > 0)
			text[rnd((uint32_t)n)] = (char)rnd(256);
		text[n] = '\0';
		if (qf_conf_load_string(&conf, "r.conf", text, err,
					sizeof(err))) {
			UT_ASSERTF(!strncmp(err, "r.conf", 6), "iter %d: '%s'",
				   iter, err);
			continue;
		}
		UT_ASSERT(qf_conf_self(&conf) && conf.name[0] && conf.key_file[0]);
		UT_EQ(qf_conf_timing_check(&conf.timing, NULL, NULL, 0), 0);
		UT_ASSERT(conf.actions & QFENCE_ACTION_IO);
	}
}

const struct ut_case conf_cases[] = {
	{ "conf_rejoin_policy", conf_rejoin_policy },
	{ "conf_example_loads", conf_example_loads },
	{ "conf_pr_devices", conf_pr_devices },
	{ "conf_same_text_same_bytes", conf_same_text_same_bytes },
	{ "conf_minimal_defaults", conf_minimal_defaults },
	{ "conf_fast_profile_and_override", conf_fast_profile_and_override },
	{ "conf_not_a_number", conf_not_a_number },
	{ "conf_unknown_key_and_section", conf_unknown_key_and_section },
	{ "conf_duplicate_key", conf_duplicate_key },
	{ "conf_duplicate_peer_id", conf_duplicate_peer_id },
	{ "conf_ranges", conf_ranges },
	{ "conf_liveness_refused", conf_liveness_refused },
	{ "conf_unsafe_settings_refused", conf_unsafe_settings_refused },
	{ "conf_required_keys", conf_required_keys },
	{ "conf_self_must_be_peer", conf_self_must_be_peer },
	{ "conf_bad_addresses", conf_bad_addresses },
	{ "conf_ipv6_and_links", conf_ipv6_and_links },
	{ "conf_duplicate_address", conf_duplicate_address },
	{ "conf_failure_changes_nothing", conf_failure_changes_nothing },
	{ "conf_syntax_and_long_lines", conf_syntax_and_long_lines },
	{ "conf_indented_keys_are_keys", conf_indented_keys_are_keys },
	{ "conf_actions", conf_actions },
	{ "conf_log_only_refused", conf_log_only_refused },
	{ "conf_two_node_warning_and_witness", conf_two_node_warning_and_witness },
	{ "conf_timing_check_table", conf_timing_check_table },
	{ "conf_kernel_limits", conf_kernel_limits },
	{ "conf_w_is_the_cores", conf_w_is_the_cores },
	{ "conf_random_files", conf_random_files },
	{ "conf_watchdog_within_settle", conf_watchdog_within_settle },
	{ "conf_hook_timeout", conf_hook_timeout },
	{ "conf_dump_shows_w", conf_dump_shows_w },
	{ NULL, NULL },
};
