// SPDX-License-Identifier: MIT
/*
 * LD_PRELOAD shim for tests/quorumd/diskfault.sh: faults of the disk under
 * one directory (QF_FAULT_DIR, the daemon's data_dir), switched at run
 * time by the test through a control file (QF_FAULT_CTL), re-read at every
 * intercepted call. Its first word:
 *
 *   fsync-eio      fsync/fdatasync of a file under the directory: EIO
 *   write-enospc   write/pwrite to a file under the directory: ENOSPC
 *   read-eio       read/pread of a file under the directory: EIO
 *   stall MS       fsync/fdatasync under the directory sleep MS first
 *   (anything else: no fault)
 *
 * What it did goes to QF_FAULT_LOG, one line an event: "inject WHAT" for
 * every fault injected, and "sent-after-fault" for every UDP datagram the
 * process sends after a refused (not a stalled) write or sync of the
 * store's files: the daemon must never send a vote or an ack it could not
 * make durable (design.md rule 4), so the test wants none.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum fault { F_NONE, F_FSYNC_EIO, F_WRITE_ENOSPC, F_READ_EIO, F_STALL };

static int refused;	/* a write or sync was refused: sends are suspect */

static char last_path[4096];

static void note(const char *what)
{
	const char *p = getenv("QF_FAULT_LOG");
	char line[4200];
	int fd, n;

	if (!p)
		return;
	fd = open(p, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return;
	n = snprintf(line, sizeof(line), "%s %s\n", what,
		     strncmp(what, "inject", 6) ? "" : last_path);
	if (write(fd, line, (size_t)n) < 0)
		(void)0;
	close(fd);
}

static enum fault current(long *ms)
{
	const char *p = getenv("QF_FAULT_CTL");
	char buf[64] = "";
	int fd;
	ssize_t n;

	if (!p || (fd = open(p, O_RDONLY | O_CLOEXEC)) < 0)
		return F_NONE;
	n = pread(fd, buf, sizeof(buf) - 1, 0);
	close(fd);
	if (n <= 0)
		return F_NONE;
	buf[n] = '\0';
	if (!strncmp(buf, "fsync-eio", 9))
		return F_FSYNC_EIO;
	if (!strncmp(buf, "write-enospc", 12))
		return F_WRITE_ENOSPC;
	if (!strncmp(buf, "read-eio", 8))
		return F_READ_EIO;
	if (!strncmp(buf, "stall ", 6)) {
		*ms = strtol(buf + 6, NULL, 10);
		return F_STALL;
	}
	return F_NONE;
}


/* Is @fd a file under QF_FAULT_DIR (or that directory itself)? */
static int ours(int fd)
{
	const char *dir = getenv("QF_FAULT_DIR");
	char link[64], path[4096];
	ssize_t n;
	size_t len;

	if (!dir)
		return 0;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, path, sizeof(path) - 1);
	if (n <= 0)
		return 0;
	path[n] = '\0';
	len = strlen(dir);
	if (strncmp(path, dir, len) || (path[len] != '/' && path[len]))
		return 0;
	memcpy(last_path, path, (size_t)n + 1);
	return 1;
}

#define REAL(name) \
	static __typeof__(name) *real_##name; \
	if (!real_##name) \
		real_##name = (__typeof__(name) *)dlsym(RTLD_NEXT, #name)

/* The store's own files (hard state, log, snapshot): a refused write of
 * one of them must stop the daemon before anything is sent. Other files
 * (peer-boots, the small numbers) have their own refusal: the datagram or
 * the step waits. */
static int store_file(void)
{
	const char *b = strrchr(last_path, '/');

	b = b ? b + 1 : last_path;
	return !strncmp(b, "hardstate", 9) || !strncmp(b, "log", 3) ||
	       !strncmp(b, "snapshot", 8);
}

static int sync_fault(int fd)
{
	long ms = 0;
	enum fault f;

	if (!ours(fd))
		return 0;
	f = current(&ms);
	if (f == F_FSYNC_EIO) {
		note("inject fsync-eio");
		refused |= store_file();
		errno = EIO;
		return -1;
	}
	if (f == F_STALL) {
		struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

		note("inject stall");
		nanosleep(&ts, NULL);
	}
	return 0;
}

int fsync(int fd)
{
	REAL(fsync);
	return sync_fault(fd) ? -1 : real_fsync(fd);
}

int fdatasync(int fd)
{
	REAL(fdatasync);
	return sync_fault(fd) ? -1 : real_fdatasync(fd);
}

static int io_fault(int fd, enum fault want)
{
	long ms;

	if (!ours(fd) || current(&ms) != want)
		return 0;
	note(want == F_WRITE_ENOSPC ? "inject write-enospc" : "inject read-eio");
	if (want == F_WRITE_ENOSPC)
		refused |= store_file();
	errno = want == F_WRITE_ENOSPC ? ENOSPC : EIO;
	return 1;
}

ssize_t write(int fd, const void *buf, size_t len)
{
	REAL(write);
	return io_fault(fd, F_WRITE_ENOSPC) ? -1 : real_write(fd, buf, len);
}

ssize_t pwrite(int fd, const void *buf, size_t len, off_t off)
{
	REAL(pwrite);
	return io_fault(fd, F_WRITE_ENOSPC) ? -1 : real_pwrite(fd, buf, len, off);
}

ssize_t read(int fd, void *buf, size_t len)
{
	REAL(read);
	return io_fault(fd, F_READ_EIO) ? -1 : real_read(fd, buf, len);
}

ssize_t pread(int fd, void *buf, size_t len, off_t off)
{
	REAL(pread);
	return io_fault(fd, F_READ_EIO) ? -1 : real_pread(fd, buf, len, off);
}

static void check_send(int fd)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);

	if (refused && !getsockname(fd, (struct sockaddr *)&ss, &sl) &&
	    (ss.ss_family == AF_INET || ss.ss_family == AF_INET6))
		note("sent-after-fault");
}

ssize_t sendto(int fd, const void *buf, size_t len, int flags,
	       const struct sockaddr *to, socklen_t tolen)
{
	REAL(sendto);
	check_send(fd);
	return real_sendto(fd, buf, len, flags, to, tolen);
}

ssize_t sendmsg(int fd, const struct msghdr *msg, int flags)
{
	REAL(sendmsg);
	check_send(fd);
	return real_sendmsg(fd, msg, flags);
}
