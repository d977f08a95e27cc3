// SPDX-License-Identifier: MIT
/*
 * Control socket transport. Every failure becomes one sentence an operator
 * can act on, with its own exit code:
 *   no socket file, or nobody listening     -> QC_EXIT_NODAEMON
 *   permission denied (the socket is root's) -> QC_EXIT_REFUSED
 *   no reply within the timeout, or closed   -> QC_EXIT_NODAEMON
 * The socket is non-blocking and every wait is a poll() against one
 * CLOCK_MONOTONIC deadline per request.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "ctl.h"

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A path must fit sun_path with its NUL. */
int qc_ctl_check_path(const char *path)
{
	struct sockaddr_un sa;

	if (!path[0])
		return -EINVAL;
	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	return 0;
}

static int connect_fail(struct qc_ctl *c, int e, struct qc_err *err)
{
	switch (e) {
	case ENOENT:
	case ENOTDIR:
		return qc_fail(err, QC_EXIT_NODAEMON,
			       "quorumd is not running (no socket at %s)", c->path);
	case ECONNREFUSED:
		return qc_fail(err, QC_EXIT_NODAEMON,
			       "quorumd is not running (%s exists but nobody listens: a stale socket, or not a socket)",
			       c->path);
	case EACCES:
	case EPERM:
		return qc_fail(err, QC_EXIT_REFUSED,
			       "permission denied on %s (the control socket is root's: run quorumctl as root)",
			       c->path);
	case EAGAIN:
		return qc_fail(err, QC_EXIT_NODAEMON,
			       "quorumd does not accept connections on %s (backlog full: is it frozen?)",
			       c->path);
	default:
		return qc_fail(err, QC_EXIT_OTHER, "cannot connect to %s: %s",
			       c->path, strerror(e));
	}
}

int qc_ctl_open(struct qc_ctl *c, const char *path, int timeout_ms,
		struct qc_err *err)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	c->fd = -1;
	c->path = path;
	c->timeout_ms = timeout_ms;
	if (qc_ctl_check_path(path))
		return qc_fail(err, QC_EXIT_USAGE, "bad socket path");
	memcpy(sa.sun_path, path, strlen(path) + 1);
	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (c->fd < 0)
		return qc_fail(err, QC_EXIT_OTHER, "cannot open a Unix socket: %s",
			       strerror(errno));
	/* A Unix stream connect completes at once or fails (EAGAIN: backlog). */
	if (connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int e = errno;

		qc_ctl_close(c);
		return connect_fail(c, e, err);
	}
	return 0;
}

void qc_ctl_close(struct qc_ctl *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
}

/* Wait for @events on the socket until @deadline (CLOCK_MONOTONIC ms). */
static int wait_fd(struct qc_ctl *c, short events, int64_t deadline,
		   struct qc_err *err)
{
	struct pollfd p = { .fd = c->fd, .events = events };
	int64_t left;
	int r;

	for (;;) {
		left = deadline - mono_ms();
		if (left <= 0)
			return qc_fail(err, QC_EXIT_NODAEMON,
				       "quorumd did not answer within %d ms on %s (is it frozen or overloaded?)",
				       c->timeout_ms, c->path);
		r = poll(&p, 1, (int)left);
		if (r > 0)
			return 0;
		if (r < 0 && errno != EINTR)
			return qc_fail(err, QC_EXIT_OTHER, "poll on %s: %s",
				       c->path, strerror(errno));
	}
}

int qc_ctl_send(struct qc_ctl *c, const void *buf, size_t len,
		struct qc_err *err)
{
	int64_t deadline = mono_ms() + c->timeout_ms;
	const char *p = buf;
	ssize_t w;
	int r;

	while (len) {
		w = send(c->fd, p, len, MSG_NOSIGNAL);
		if (w > 0) {
			p += w;
			len -= (size_t)w;
			continue;
		}
		if (w < 0 && errno == EPIPE)
			return qc_fail(err, QC_EXIT_NODAEMON,
				       "quorumd closed the connection on %s before the request was sent",
				       c->path);
		if (w < 0 && errno != EAGAIN && errno != EINTR)
			return qc_fail(err, QC_EXIT_OTHER, "send on %s: %s",
				       c->path, strerror(errno));
		r = wait_fd(c, POLLOUT, deadline, err);
		if (r)
			return r;
	}
	return 0;
}

/*
 * Read exactly @len bytes. Returns 0; or QC_EXIT_NODAEMON when the daemon
 * closed the connection or did not answer in time; or another exit code.
 */
int qc_ctl_recv(struct qc_ctl *c, void *buf, size_t len, struct qc_err *err)
{
	int64_t deadline = mono_ms() + c->timeout_ms;
	char *p = buf;
	ssize_t n;
	int r;

	while (len) {
		n = recv(c->fd, p, len, 0);
		if (n > 0) {
			p += n;
			len -= (size_t)n;
			continue;
		}
		if (n == 0)
			return qc_fail(err, QC_EXIT_NODAEMON,
				       "quorumd closed the connection on %s without a complete reply",
				       c->path);
		if (errno == ECONNRESET)
			return qc_fail(err, QC_EXIT_NODAEMON,
				       "quorumd reset the connection on %s", c->path);
		if (errno != EAGAIN && errno != EINTR)
			return qc_fail(err, QC_EXIT_OTHER, "recv on %s: %s",
				       c->path, strerror(errno));
		r = wait_fd(c, POLLIN, deadline, err);
		if (r)
			return r;
	}
	return 0;
}
