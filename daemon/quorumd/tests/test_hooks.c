// SPDX-License-Identifier: MIT
/*
 * hooks.c: argv and environment (no shell; the fields a Pacemaker alert
 * agent gets), and the timeout that kills a hook that runs too long.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "quorumd.h"
#include "test.h"

static const struct qd_hook_event fenced_ev = {
	.what = "on_fenced", .cluster = "prod-a", .reason = "silent",
	.desc = "NODE_FENCED committed", .node = 42,
	.gen = 18446744073709551615ULL, .index = 77,
	.when = { .tv_sec = 1700000000, .tv_nsec = 123456789 },
};

static const char *env(const struct qd_hook_args *h, const char *name)
{
	size_t n = strlen(name);

	for (int i = 0; h->envp[i]; i++)
		if (!strncmp(h->envp[i], name, n) && h->envp[i][n] == '=')
			return h->envp[i] + n + 1;
	return NULL;
}

static bool eq(const char *got, const char *want)
{
	return got && !strcmp(got, want);
}

static void argv_env(void)
{
	struct qd_hook_args h;
	int n = 0;

	qd_hook_build(&h, "/usr/lib/qfence/recover; rm -rf /", &fenced_ev);
	/* the command is one argv[0], never split or given to a shell */
	CHECK(!strcmp(h.argv[0], "/usr/lib/qfence/recover; rm -rf /"));
	CHECK(!strcmp(h.argv[1], "42"));
	CHECK(!strcmp(h.argv[2], "18446744073709551615"));
	CHECK(h.argv[3] == NULL);
	CHECK(!strcmp(h.envp[0], "QFENCE_NODE=42"));
	CHECK(!strcmp(h.envp[1], "QFENCE_GENERATION=18446744073709551615"));
	while (h.envp[n])
		n++;
	CHECK(n < QD_HOOK_ENV);
}

static void alert_env(void)
{
	struct qd_hook_args h;

	qd_hook_build(&h, "/bin/true", &fenced_ev);
	CHECK(eq(env(&h, "CRM_alert_kind"), "fencing"));
	CHECK(eq(env(&h, "CRM_alert_node"), "42"));
	CHECK(eq(env(&h, "CRM_alert_nodeid"), "42"));
	CHECK(eq(env(&h, "CRM_alert_task"), "off"));
	CHECK(eq(env(&h, "CRM_alert_rc"), "0"));
	CHECK(eq(env(&h, "CRM_alert_desc"), "NODE_FENCED committed"));
	CHECK(eq(env(&h, "CRM_alert_timestamp_epoch"), "1700000000"));
	CHECK(eq(env(&h, "CRM_alert_timestamp_usec"), "123456"));
	CHECK(env(&h, "CRM_alert_timestamp") &&
	      strlen(env(&h, "CRM_alert_timestamp")) == 15);
	CHECK(eq(env(&h, "QFENCE_CLUSTER"), "prod-a"));
	CHECK(eq(env(&h, "QFENCE_REASON"), "silent"));
	CHECK(eq(env(&h, "QFENCE_INDEX"), "77"));
	CHECK(eq(env(&h, "QFENCE_EVENT"), "on_fenced"));
	CHECK(eq(env(&h, "PATH"), "/usr/sbin:/usr/bin:/sbin:/bin"));
}

static void lease_lost_env(void)
{
	struct qd_hook_event ev = fenced_ev;
	struct qd_hook_args h;

	ev.what = "on_lease_lost";
	ev.reason = "lapsed";
	qd_hook_build(&h, "/bin/true", &ev);
	CHECK(eq(env(&h, "CRM_alert_kind"), "node"));
	CHECK(eq(env(&h, "CRM_alert_task"), "lost"));
	CHECK(eq(env(&h, "QFENCE_REASON"), "lapsed"));
}

/* Reap until no hook runs, for at most 5 s. */
static bool reap_all(struct qd *d)
{
	struct timespec ms = { 0, 10000000 };

	for (int i = 0; i < 500 && d->hooks_running; i++) {
		hooks_reap(d);
		nanosleep(&ms, NULL);
	}
	return !d->hooks_running;
}

/*
 * A hook that does not end (sleep 42 s: its arguments are the node and
 * generation) is killed once hook_timeout_ms has passed, not before, and
 * its slot is freed; the loop's timer learns the deadline.
 */
static void timeout_kills(void)
{
	struct qd *d = calloc(1, sizeof(*d));
	struct qd_hook_event ev = fenced_ev;
	qf_ns now;

	CHECK(d);
	d->conf.hook_timeout_ms = 200;
	ev.gen = 7;
	CHECK(hooks_run(d, "/bin/sleep", &ev) == 0);
	now = qd_now();
	CHECK(d->hooks_running == 1);
	CHECK(hooks_next_timeout(d) > now);
	CHECK(hooks_next_timeout(d) <= now + 200 * QF_MS);
	hooks_tick(d, now);		/* not yet */
	CHECK(!d->hooks[0].killed);
	hooks_tick(d, hooks_next_timeout(d));
	CHECK(d->hooks[0].killed);
	CHECK(hooks_next_timeout(d) == 0);
	CHECK(reap_all(d));
	CHECK(d->hooks[0].pid == 0);
	free(d);
}

/* A hook that ends in time is reaped and never killed. */
static void quick_hook_reaped(void)
{
	struct qd *d = calloc(1, sizeof(*d));
	struct qd_hook_event ev = fenced_ev;

	CHECK(d);
	d->conf.hook_timeout_ms = 10000;
	CHECK(hooks_run(d, "/bin/true", &ev) == 0);
	CHECK(reap_all(d));
	CHECK(d->hooks[0].pid == 0 && !d->hooks[0].killed);
	CHECK(hooks_next_timeout(d) == 0);
	free(d);
}

/* a /proc/PID/status line's value, "" if missing */
static void proc_field(pid_t pid, const char *name, char *out, size_t len)
{
	char path[64], line[256];
	size_t n = strlen(name);
	FILE *f;

	out[0] = 0;
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, name, n) && line[n] == ':')
			snprintf(out, len, "%s", line + n + 1);
	fclose(f);
}

/*
 * The child starts clean whatever the daemon's signal state: nothing
 * blocked (the loop blocks all for its signalfd), nothing ignored
 * (systemd starts services with SIGPIPE ignored), its own process group
 * for the timeout's kill. Seen in the exec'd child's /proc status.
 */
static void child_clean_signals_own_group(void)
{
	struct qd *d = calloc(1, sizeof(*d));
	struct qd_hook_event ev = fenced_ev;
	sigset_t block, old;
	char blk[64], ign[64];
	pid_t pid;
	int rc;

	CHECK(d);
	d->conf.hook_timeout_ms = 10000;
	ev.gen = 7;
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGCHLD);
	sigprocmask(SIG_BLOCK, &block, &old);
	signal(SIGPIPE, SIG_IGN);
	rc = hooks_run(d, "/bin/sleep", &ev);
	sigprocmask(SIG_SETMASK, &old, NULL);
	signal(SIGPIPE, SIG_DFL);
	CHECK(rc == 0);
	pid = d->hooks[0].pid;
	proc_field(pid, "SigBlk", blk, sizeof(blk));
	proc_field(pid, "SigIgn", ign, sizeof(ign));
	CHECK(getpgid(pid) == pid);
	kill(-pid, SIGKILL);
	CHECK(reap_all(d));
	CHECK(blk[0] && strtoull(blk, NULL, 16) == 0);
	/* the standard signals; glibc's posix_spawn leaves its two internal
	 * real-time ones (32, 33) ignored, which no hook can tell */
	CHECK(ign[0] && (strtoull(ign, NULL, 16) & 0x7fffffffULL) == 0);
	free(d);
}

/* A command that cannot be executed is not started: an error at once. */
static void missing_not_started(void)
{
	struct qd *d = calloc(1, sizeof(*d));
	struct qd_hook_event ev = fenced_ev;

	CHECK(d);
	d->conf.hook_timeout_ms = 10000;
	CHECK(hooks_run(d, "/nonexistent/qfence-hook", &ev) == -1);
	CHECK(d->hooks_running == 0 && d->hooks[0].pid == 0);
	free(d);
}

const struct t_case t_hooks[] = {
	{ "hooks/child_clean_signals_own_group", child_clean_signals_own_group },
	{ "hooks/missing_not_started", missing_not_started },
	{ "hooks/argv_env_no_shell", argv_env },
	{ "hooks/pacemaker_alert_env", alert_env },
	{ "hooks/lease_lost_env", lease_lost_env },
	{ "hooks/timeout_kills_the_group", timeout_kills },
	{ "hooks/quick_hook_reaped", quick_hook_reaped },
	{ 0 }
};
