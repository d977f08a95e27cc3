// SPDX-License-Identifier: MIT
/*
 * qfagent: the guest's command and clock server for the multi-VM test.
 *
 *   qfagent PORT
 *
 * One request per TCP connection, one line (a newline inside a command
 * travels as QF_AGENT_NL, RS):
 *   "clock"     -> "<boottime_ns> <realtime_ns> <vmboot>\n", answered at
 *                  once by the server itself (no fork), so that the host
 *                  brackets the guest's clock readings tightly;
 *   anything    -> run by /bin/sh -c, stdout and stderr to the connection,
 *                  then "@@rc=N\n".
 * It listens on the test bridge only (an address inside the test's own
 * network namespace); it exists for tests and nothing else.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "qfagent.h"

static uint64_t clk(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static char vmboot[20];

static void read_vmboot(void)
{
	char s[64] = "";
	FILE *f = fopen("/proc/sys/kernel/random/boot_id", "r");
	int n = 0;

	if (f) {
		if (!fgets(s, sizeof(s), f))
			s[0] = 0;
		fclose(f);
	}
	for (char *p = s; *p && n < 16; p++)
		if (*p != '-' && *p != '\n')
			vmboot[n++] = *p;
	vmboot[n] = 0;
}

static void run(int c, const char *cmd)
{
	char tail[32];
	int st = 0;
	pid_t p = fork();

	if (p == 0) {
		dup2(c, 1);
		dup2(c, 2);
		close(c);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	if (p > 0)
		waitpid(p, &st, 0);
	snprintf(tail, sizeof(tail), "@@rc=%d\n",
		 p > 0 && WIFEXITED(st) ? WEXITSTATUS(st) : 255);
	if (write(c, tail, strlen(tail)) < 0)
		_exit(1);
}

static void serve(int c)
{
	char line[4096];
	size_t n = 0;

	while (n < sizeof(line) - 1) {
		ssize_t r = read(c, line + n, 1);

		if (r <= 0)
			return;
		if (line[n] == '\n')
			break;
		n++;
	}
	line[n] = 0;
	for (char *p = line; *p; p++)	/* a newline of the command (qfcall) */
		if (*p == QF_AGENT_NL)
			*p = '\n';
	if (!strcmp(line, "clock")) {
		char out[96];
		uint64_t b = clk(CLOCK_BOOTTIME), r = clk(CLOCK_REALTIME);
		int len = snprintf(out, sizeof(out), "%" PRIu64 " %" PRIu64
				   " %s\n", b, r, vmboot);

		if (write(c, out, (size_t)len) < 0)
			return;
		return;
	}
	if (fork() == 0) {
		signal(SIGCHLD, SIG_DFL);
		run(c, line);
		_exit(0);
	}
}

int main(int argc, char **argv)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	int one = 1, s;

	if (argc != 2) {
		fprintf(stderr, "usage: qfagent PORT\n");
		return 2;
	}
	read_vmboot();
	signal(SIGCHLD, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	a.sin_port = htons((uint16_t)atoi(argv[1]));
	s = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof(a)) || listen(s, 16)) {
		perror("qfagent");
		return 1;
	}
	for (;;) {
		int c = accept(s, NULL, NULL);

		if (c < 0)
			continue;
		setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		serve(c);
		close(c);
	}
}
