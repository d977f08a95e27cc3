// SPDX-License-Identifier: MIT
/*
 * qfcall: the host side of qfagent, and a QEMU monitor client.
 *
 *   qfcall [-t SECS] HOST PORT COMMAND...   run COMMAND in the guest; its
 *                                           output, and its exit status
 *   qfcall --clock HOST PORT                one clock sample:
 *                                           "h0 h1 boot real vmboot"
 *   qfcall --clockloop MS OUT ID:HOST:PORT...
 *                                           sample every guest every MS,
 *                                           append "ID h0 h1 boot real
 *                                           vmboot" lines to OUT, forever
 *   qfcall --monitor PATH COMMAND           one HMP command on a QEMU
 *                                           monitor Unix socket
 *
 * A clock sample brackets the guest's readings: h0 (host CLOCK_REALTIME
 * just before the request was sent) <= the guest read its clocks <= h1
 * (host time once the answer arrived). Exit 124 on a timeout, 3 when the
 * guest cannot be reached.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "qfagent.h"

static uint64_t now_real(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static uint64_t now_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* connect with a timeout; -1 on failure */
static int dial(const char *host, int port, int ms)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	struct pollfd p;
	int one = 1, err = 0;
	socklen_t el = sizeof(err);
	int s = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);

	if (s < 0 || inet_pton(AF_INET, host, &a.sin_addr) != 1)
		return -1;
	setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(s, (struct sockaddr *)&a, sizeof(a)) && errno != EINPROGRESS)
		goto bad;
	p.fd = s;
	p.events = POLLOUT;
	if (poll(&p, 1, ms) != 1)
		goto bad;
	if (getsockopt(s, SOL_SOCKET, SO_ERROR, &err, &el) || err)
		goto bad;
	fcntl(s, F_SETFL, 0);
	return s;
bad:
	close(s);
	return -1;
}

/* read until EOF or deadline; returns bytes or -1 on timeout */
static ssize_t slurp(int s, char *buf, size_t cap, uint64_t deadline_ms)
{
	size_t n = 0;

	for (;;) {
		struct pollfd p = { .fd = s, .events = POLLIN };
		uint64_t now = now_mono_ms();
		ssize_t r;

		if (now >= deadline_ms)
			return -1;
		if (poll(&p, 1, (int)(deadline_ms - now)) != 1)
			continue;
		r = read(s, buf + n, cap - 1 - n);
		if (r <= 0)
			break;
		n += (size_t)r;
		if (n >= cap - 1)
			break;
	}
	buf[n] = 0;
	return (ssize_t)n;
}

static int sample(const char *host, int port, int ms, char *out, size_t cap)
{
	char buf[256];
	uint64_t h0, h1;
	int s = dial(host, port, ms);

	if (s < 0)
		return 3;
	h0 = now_real();
	if (write(s, "clock\n", 6) != 6) {
		close(s);
		return 3;
	}
	if (slurp(s, buf, sizeof(buf), now_mono_ms() + (uint64_t)ms) <= 0) {
		close(s);
		return 124;
	}
	h1 = now_real();
	close(s);
	buf[strcspn(buf, "\n")] = 0;
	snprintf(out, cap, "%" PRIu64 " %" PRIu64 " %s", h0, h1, buf);
	return 0;
}

static int clockloop(int ms, const char *path, int n, char **targets)
{
	FILE *f = fopen(path, "a");

	if (!f) {
		perror(path);
		return 1;
	}
	for (;;) {
		for (int i = 0; i < n; i++) {
			char t[128], line[300], *host, *port;

			snprintf(t, sizeof(t), "%s", targets[i]);
			host = strchr(t, ':');
			if (!host)
				return 2;
			*host++ = 0;
			port = strchr(host, ':');
			if (!port)
				return 2;
			*port++ = 0;
			if (!sample(host, atoi(port), 300, line, sizeof(line))) {
				fprintf(f, "%s %s\n", t, line);
				fflush(f);
			}
		}
		struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
		nanosleep(&ts, NULL);
	}
}

static int monitor(const char *path, const char *cmd)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	static char buf[65536];
	int s = socket(AF_UNIX, SOCK_STREAM, 0);
	uint64_t dl = now_mono_ms() + 5000;
	size_t n = 0;

	snprintf(a.sun_path, sizeof(a.sun_path), "%s", path);
	if (s < 0 || connect(s, (struct sockaddr *)&a, sizeof(a))) {
		perror(path);
		return 3;
	}
	/* banner up to the first prompt, then the command, then the prompt */
	for (int prompts = 0; prompts < 2;) {
		struct pollfd p = { .fd = s, .events = POLLIN };
		ssize_t r;

		if (now_mono_ms() >= dl || poll(&p, 1, 200) < 0)
			return 124;
		if (!(p.revents & (POLLIN | POLLHUP)))
			continue;
		r = read(s, buf + n, sizeof(buf) - 1 - n);
		if (r <= 0)
			break;
		n += (size_t)r;
		buf[n] = 0;
		if (strstr(buf, "(qemu) ")) {
			prompts++;
			if (prompts == 1) {
				n = 0;
				if (dprintf(s, "%s\n", cmd) < 0)
					return 3;
			}
		}
	}
	fputs(buf, stdout);
	close(s);
	return 0;
}

int main(int argc, char **argv)
{
	static char buf[1 << 20];
	int secs = 30, s;
	char *rc, cmd[4096] = "", line[300];
	ssize_t n;

	if (argc >= 4 && !strcmp(argv[1], "--clock")) {
		s = sample(argv[2], atoi(argv[3]), 2000, line, sizeof(line));
		if (!s)
			puts(line);
		return s;
	}
	if (argc >= 5 && !strcmp(argv[1], "--clockloop"))
		return clockloop(atoi(argv[2]), argv[3], argc - 4, argv + 4);
	if (argc == 4 && !strcmp(argv[1], "--monitor"))
		return monitor(argv[2], argv[3]);
	if (argc >= 3 && !strcmp(argv[1], "-t")) {
		secs = atoi(argv[2]);
		argv += 2;
		argc -= 2;
	}
	if (argc < 4) {
		fprintf(stderr, "usage: qfcall [-t SECS] HOST PORT COMMAND...\n");
		return 2;
	}
	for (int i = 3; i < argc; i++) {
		strncat(cmd, argv[i], sizeof(cmd) - strlen(cmd) - 2);
		strncat(cmd, i + 1 < argc ? " " : "\n", sizeof(cmd) - strlen(cmd) - 1);
	}
	/* the request is one line: a newline inside the command (a script
	 * written over several lines) travels as RS, which qfagent turns
	 * back into a newline; sent as is, all but its first line were lost */
	for (char *p = cmd; *p && p[1]; p++)
		if (*p == '\n')
			*p = QF_AGENT_NL;
	s = dial(argv[1], atoi(argv[2]), 3000);
	if (s < 0)
		return 3;
	if (write(s, cmd, strlen(cmd)) != (ssize_t)strlen(cmd))
		return 3;
	n = slurp(s, buf, sizeof(buf), now_mono_ms() + (uint64_t)secs * 1000);
	close(s);
	if (n < 0) {
		fprintf(stderr, "qfcall: %s: no answer within %d s\n", argv[1], secs);
		return 124;
	}
	rc = strstr(buf, "@@rc=");
	if (!rc) {
		fputs(buf, stdout);
		return 3;
	}
	*rc = 0;
	fputs(buf, stdout);
	return atoi(rc + 5);
}
