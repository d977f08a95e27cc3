// SPDX-License-Identifier: MIT
/*
 * Operator hooks: on_fenced (a NODE_FENCED record committed: a resource
 * manager may now recover that node) and on_lease_lost (this node's own
 * lease lapsed or was fenced).
 *
 * The command is executed directly (fork/execve), never through a shell:
 * an operator who wants one writes it (`on_fenced = /bin/sh`, a script).
 * Arguments: node id, generation; environment QFENCE_NODE and
 * QFENCE_GENERATION. The loop never waits: children are reaped on SIGCHLD
 * (signalfd, loop.c).
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "quorumd.h"

void qd_hook_build(struct qd_hook_args *h, const char *cmd, uint32_t node,
		   uint64_t gen)
{
	snprintf(h->node, sizeof(h->node), "%" PRIu32, node);
	snprintf(h->gen, sizeof(h->gen), "%" PRIu64, gen);
	snprintf(h->env_node, sizeof(h->env_node), "QFENCE_NODE=%s", h->node);
	snprintf(h->env_gen, sizeof(h->env_gen), "QFENCE_GENERATION=%s",
		 h->gen);
	h->argv[0] = (char *)cmd;
	h->argv[1] = h->node;
	h->argv[2] = h->gen;
	h->argv[3] = NULL;
	h->envp[0] = h->env_node;
	h->envp[1] = h->env_gen;
	h->envp[2] = (char *)"PATH=/usr/sbin:/usr/bin:/sbin:/bin";
	h->envp[3] = NULL;
}

/* 0: started (or none configured); -1: it could not be started */
int hooks_run(struct qd *d, const char *cmd, const char *what,
	      uint32_t node, uint64_t gen)
{
	struct qd_hook_args h;
	sigset_t none;
	pid_t pid;

	if (!cmd || !cmd[0])
		return 0;
	qd_hook_build(&h, cmd, node, gen);
	pid = fork();
	if (pid < 0) {
		LOG(ERR, "hook %s: fork: %s", what, strerror(errno));
		return -1;
	}
	if (pid == 0) {
		/* the loop blocks signals for its signalfd: unblock them */
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		setpgid(0, 0);
		execve(cmd, h.argv, h.envp);
		_exit(127);
	}
	d->hooks_running++;
	LOG(INFO, "hook %s: %s %s %s (pid %d)", what, cmd, h.node, h.gen,
	    (int)pid);
	return 0;
}

void hooks_reap(struct qd *d)
{
	int status;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		if (d->hooks_running)
			d->hooks_running--;
		if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
			LOG(INFO, "hook pid %d done", (int)pid);
		else if (WIFEXITED(status))
			LOG(WARN, "hook pid %d exited with %d%s", (int)pid,
			    WEXITSTATUS(status), WEXITSTATUS(status) == 127 ?
			    " (could not execute it?)" : "");
		else
			LOG(WARN, "hook pid %d killed by signal %d", (int)pid,
			    WTERMSIG(status));
	}
}
