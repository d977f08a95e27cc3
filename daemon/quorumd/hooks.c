// SPDX-License-Identifier: MIT
/*
 * Operator hooks: on_fenced (a NODE_FENCED record committed: a resource
 * manager may now recover that node) and on_lease_lost (this node's own
 * lease lapsed or was fenced).
 *
 * The command is executed directly (posix_spawn), never through a shell:
 * an operator who wants one writes it (`on_fenced = /bin/sh`, a script).
 * posix_spawn, not fork: the loop is suspended until the child has
 * exec'd, so it never runs beside a child that still holds a copy of all
 * its descriptors and memory (loop_unwatch says what that costs), and an
 * mlocked daemon does not copy its page tables for a child that throws
 * them away. A command that cannot be executed is an error here, at once.
 * Arguments: node id, generation. Environment: what a Pacemaker alert
 * agent gets (CRM_alert_kind, _node, _nodeid, _task, _rc, _desc,
 * _timestamp, _timestamp_epoch, _timestamp_usec), so that an existing
 * alert agent can be the hook, and QFENCE_EVENT, QFENCE_NODE,
 * QFENCE_GENERATION, QFENCE_CLUSTER, QFENCE_REASON, QFENCE_INDEX.
 *
 * The loop never waits: children are reaped on SIGCHLD (signalfd,
 * loop.c), and one that runs past hook_timeout_ms is killed with its
 * process group (it runs in its own) and logged, so that a stuck hook
 * can neither block the loop nor pile up.
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "quorumd.h"

static void put(struct qd_hook_args *h, int *n, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(h->env[*n], sizeof(h->env[*n]), fmt, ap);
	va_end(ap);
	h->envp[*n] = h->env[*n];
	(*n)++;
}

/*
 * Pacemaker's alert kinds: a committed fence of a node is a "fencing"
 * event (task off, rc 0: done); this node's own lease lost is a "node"
 * event. CRM_alert_node is the qfence node id: quorumd knows no host
 * names (a hook maps them, as nodeid_map does for fence_qfence).
 */
void qd_hook_build(struct qd_hook_args *h, const char *cmd,
		   const struct qd_hook_event *ev)
{
	bool fenced = !strcmp(ev->what, "on_fenced");
	char ts[32];
	struct tm tm;
	int n = 0;

	snprintf(h->node, sizeof(h->node), "%" PRIu32, ev->node);
	snprintf(h->gen, sizeof(h->gen), "%" PRIu64, ev->gen);
	put(h, &n, "QFENCE_NODE=%s", h->node);
	put(h, &n, "QFENCE_GENERATION=%s", h->gen);
	put(h, &n, "PATH=/usr/sbin:/usr/bin:/sbin:/bin");
	put(h, &n, "QFENCE_EVENT=%s", ev->what);
	put(h, &n, "QFENCE_CLUSTER=%s", ev->cluster);
	put(h, &n, "QFENCE_REASON=%s", ev->reason);
	put(h, &n, "QFENCE_INDEX=%" PRIu64, ev->index);
	put(h, &n, "CRM_alert_kind=%s", fenced ? "fencing" : "node");
	put(h, &n, "CRM_alert_node=%s", h->node);
	put(h, &n, "CRM_alert_nodeid=%s", h->node);
	put(h, &n, "CRM_alert_task=%s", fenced ? "off" : "lost");
	put(h, &n, "CRM_alert_rc=0");
	put(h, &n, "CRM_alert_desc=%s", ev->desc);
	/* Pacemaker's default timestamp format, %H:%M:%S.%06N, local time */
	localtime_r(&ev->when.tv_sec, &tm);
	strftime(ts, sizeof(ts), "%H:%M:%S", &tm);
	put(h, &n, "CRM_alert_timestamp=%s.%06ld", ts, ev->when.tv_nsec / 1000);
	put(h, &n, "CRM_alert_timestamp_epoch=%lld", (long long)ev->when.tv_sec);
	put(h, &n, "CRM_alert_timestamp_usec=%06ld", ev->when.tv_nsec / 1000);
	h->envp[n] = NULL;
	h->argv[0] = (char *)cmd;
	h->argv[1] = h->node;
	h->argv[2] = h->gen;
	h->argv[3] = NULL;
}

static struct qd_hook_child *free_slot(struct qd *d)
{
	for (int i = 0; i < QD_HOOKS_MAX; i++)
		if (!d->hooks[i].pid)
			return &d->hooks[i];
	return NULL;
}

/*
 * The child: its own process group (a timeout kills the group), no signal
 * blocked (the loop blocks them for its signalfd) and every one at its
 * default action. Not RT: SCHED_RESET_ON_FORK (runtime.c) covers it.
 */
static int spawn(pid_t *pid, const char *cmd, struct qd_hook_args *h)
{
	posix_spawnattr_t a;
	sigset_t none, all;
	int rc;

	sigemptyset(&none);
	sigfillset(&all);
	rc = posix_spawnattr_init(&a);
	if (rc)
		return rc;
	rc = posix_spawnattr_setflags(&a, POSIX_SPAWN_SETPGROUP |
				      POSIX_SPAWN_SETSIGMASK |
				      POSIX_SPAWN_SETSIGDEF);
	if (!rc)
		rc = posix_spawnattr_setpgroup(&a, 0);
	if (!rc)
		rc = posix_spawnattr_setsigmask(&a, &none);
	if (!rc)
		rc = posix_spawnattr_setsigdefault(&a, &all);
	if (!rc)
		rc = posix_spawn(pid, cmd, NULL, &a, h->argv, h->envp);
	posix_spawnattr_destroy(&a);
	return rc;
}

/* 0: started (or none configured); -1: it could not be started */
int hooks_run(struct qd *d, const char *cmd, struct qd_hook_event *ev)
{
	struct qd_hook_child *c;
	struct qd_hook_args h;
	pid_t pid;
	int rc;

	if (!cmd || !cmd[0])
		return 0;
	c = free_slot(d);
	if (!c) {
		LOG(ERR, "hook %s: %d hooks still running: not started",
		    ev->what, QD_HOOKS_MAX);
		return -1;
	}
	clock_gettime(CLOCK_REALTIME, &ev->when);
	qd_hook_build(&h, cmd, ev);
	rc = spawn(&pid, cmd, &h);
	if (rc) {
		LOG(ERR, "hook %s: cannot execute %s: %s", ev->what, cmd,
		    strerror(rc));
		return -1;
	}
	*c = (struct qd_hook_child){ .pid = pid, .what = ev->what,
		.deadline = qd_now() + (qf_ns)d->conf.hook_timeout_ms * QF_MS };
	d->hooks_running++;
	LOG(INFO, "hook %s: %s %s %s (pid %d, killed after %" PRIu32 " ms)",
	    ev->what, cmd, h.node, h.gen, (int)pid, d->conf.hook_timeout_ms);
	return 0;
}

void hooks_tick(struct qd *d, qf_ns now)
{
	for (int i = 0; i < QD_HOOKS_MAX; i++) {
		struct qd_hook_child *c = &d->hooks[i];

		if (!c->pid || c->killed || now < c->deadline)
			continue;
		LOG(ERR, "hook %s pid %d still running after hook_timeout_ms "
		    "%" PRIu32 ": killing its process group", c->what,
		    (int)c->pid, d->conf.hook_timeout_ms);
		kill(-c->pid, SIGKILL);
		c->killed = true;
	}
}

qf_ns hooks_next_timeout(const struct qd *d)
{
	qf_ns t = 0;

	for (int i = 0; i < QD_HOOKS_MAX; i++) {
		const struct qd_hook_child *c = &d->hooks[i];

		if (c->pid && !c->killed && (!t || c->deadline < t))
			t = c->deadline;
	}
	return t;
}

static const char *forget(struct qd *d, pid_t pid, bool *killed)
{
	for (int i = 0; i < QD_HOOKS_MAX; i++) {
		struct qd_hook_child *c = &d->hooks[i];

		if (c->pid == pid) {
			*killed = c->killed;
			c->pid = 0;
			return c->what;
		}
	}
	*killed = false;
	return "?";
}

void hooks_reap(struct qd *d)
{
	const char *what;
	bool killed;
	int status;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		if (d->hooks_running)
			d->hooks_running--;
		what = forget(d, pid, &killed);
		if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
			LOG(INFO, "hook %s pid %d done", what, (int)pid);
		else if (WIFEXITED(status))
			LOG(WARN, "hook %s pid %d exited with %d", what,
			    (int)pid, WEXITSTATUS(status));
		else
			LOG(WARN, "hook %s pid %d killed by signal %d%s", what,
			    (int)pid, WTERMSIG(status),
			    killed ? " (hook_timeout_ms)" : "");
	}
}
