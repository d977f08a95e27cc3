// SPDX-License-Identifier: MIT
/*
 * qfence daemon: durable, forward-only boot identities (see bootid.h, and
 * wire.h for why; design.md rule 11).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "bootid.h"
#include "ilog.h"

#define FILE_MAX	4096	/* 16 peers of 2 x 20 digits fit many times */

uint64_t qf_boot_clock_us(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_REALTIME, &ts) || ts.tv_sec < 0)
		return 0;
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

/* dir/name := buf, atomically and durably. */
static int write_atomic(const char *dir, const char *name, const char *buf,
			size_t len, char *err, size_t errlen)
{
	char tmp[64];
	int dfd, fd = -1, rc = 0;

	snprintf(tmp, sizeof(tmp), "%s.tmp", name);
	errno = 0;
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0)
		fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC |
			    O_NOFOLLOW, 0600);
	if (fd < 0 || write(fd, buf, len) != (ssize_t)len || fsync(fd) ||
	    renameat(dfd, tmp, dfd, name) || fsync(dfd))
		rc = errno ? -errno : -EIO;
	if (rc)
		ierr(err, errlen, "%s/%s: not saved: %s", dir, name,
		     strerror(-rc));
	if (fd >= 0)
		close(fd);
	if (dfd >= 0)
		close(dfd);
	return rc;
}

/* Whole file into buf (NUL-terminated); 0 with *len = 0 when missing. */
static int read_small(const char *dir, const char *name, char *buf,
		      size_t cap, size_t *len, char *err, size_t errlen)
{
	char path[4096 + 64];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	*len = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 && errno == ENOENT)
		return 0;
	if (fd < 0) {
		ierr(err, errlen, "%s: %s", path, strerror(errno));
		return -errno;
	}
	n = read(fd, buf, cap);
	close(fd);
	if (n < 0 || (size_t)n >= cap) {
		ierr(err, errlen, "%s: %s", path, n < 0 ? strerror(errno) :
		     "too large");
		return n < 0 ? -EIO : -EFBIG;
	}
	buf[n] = 0;
	*len = (size_t)n;
	return 0;
}

/* A decimal u64 at *p, no sign, no overflow; advances *p. */
static int parse_u64(const char **p, uint64_t *v)
{
	char *end;

	if (**p < '0' || **p > '9')
		return -1;
	errno = 0;
	*v = strtoull(*p, &end, 10);
	if (errno)
		return -1;
	*p = end;
	return 0;
}

int qf_boot_next(const char *dir, uint64_t now_us, uint64_t *boot,
		 char *err, size_t errlen)
{
	char buf[64];
	const char *p = buf;
	uint64_t stored = 0, next;
	size_t len;
	int rc, n;

	rc = read_small(dir, QF_BOOT_FILE, buf, sizeof(buf), &len, err,
			errlen);
	if (rc)
		return rc;
	if (len && (parse_u64(&p, &stored) || strcmp(p, "\n") || !stored)) {
		ierr(err, errlen, "%s/%s:1: not a boot (one decimal number); "
		     "refusing to guess: remove the file to fall back on the "
		     "clock", dir, QF_BOOT_FILE);
		return -EINVAL;
	}
	if (stored == UINT64_MAX) {
		ierr(err, errlen, "%s/%s: boot exhausted", dir, QF_BOOT_FILE);
		return -EOVERFLOW;
	}
	/* The file covers a clock stepped back, the clock a lost file. */
	next = stored + 1 > now_us ? stored + 1 : now_us;
	n = snprintf(buf, sizeof(buf), "%" PRIu64 "\n", next);
	rc = write_atomic(dir, QF_BOOT_FILE, buf, (size_t)n, err, errlen);
	if (!rc)
		*boot = next;
	return rc;
}

/* One "<id> <boot>" line, or a comment or blank line (*id = 0). */
static int parse_peer_line(const char *line, uint64_t *id, uint64_t *boot)
{
	const char *p = line;

	*id = 0;
	if (*p == '#' || *p == 0)
		return 0;
	if (parse_u64(&p, id) || *p++ != ' ' || parse_u64(&p, boot) || *p)
		return -1;
	return *id && *id <= UINT32_MAX && *boot ? 0 : -1;
}

int qf_boot_peers_load(const char *dir, struct qf_wire *w, char *err,
		       size_t errlen)
{
	static struct qf_wire tmp;	/* large; the daemon is one thread */
	char buf[FILE_MAX];
	uint64_t id, boot;
	size_t len;
	char *line, *save = NULL;
	int rc, ln = 0;

	rc = read_small(dir, QF_PEER_BOOTS_FILE, buf, sizeof(buf), &len, err,
			errlen);
	if (rc || !len)
		return rc;
	if (buf[len - 1] != '\n' || strlen(buf) != len) {
		ierr(err, errlen, "%s/%s: torn (no final newline)", dir,
		     QF_PEER_BOOTS_FILE);
		return -EINVAL;
	}
	/* All or nothing: the lines are applied to a copy of the wire, which
	 * replaces *w only when every line was accepted. */
	tmp = *w;
	rc = 0;
	for (line = strtok_r(buf, "\n", &save); line && !rc;
	     line = strtok_r(NULL, "\n", &save)) {
		ln++;
		if (parse_peer_line(line, &id, &boot)) {
			ierr(err, errlen, "%s/%s:%d: expected \"<node id> "
			     "<boot>\"", dir, QF_PEER_BOOTS_FILE, ln);
			rc = -EINVAL;
		} else if (id && (rc = qf_wire_remember_boot(&tmp, (uint32_t)id,
							      boot))) {
			ierr(err, errlen, "%s/%s:%d: node %" PRIu64 ": %s", dir,
			     QF_PEER_BOOTS_FILE, ln, id, strerror(-rc));
		}
	}
	if (!rc)
		*w = tmp;
	sodium_memzero(&tmp, sizeof(tmp));
	return rc;
}

int qf_boot_peers_save(const char *dir, const struct qf_wire *w, char *err,
		       size_t errlen)
{
	char buf[FILE_MAX];
	size_t n;

	n = (size_t)snprintf(buf, sizeof(buf), "# qfence: newest boot of "
			     "each peer (node id, boot)\n");
	for (unsigned int i = 0; i < w->npeers; i++) {
		const struct qf_wire_peer *p = &w->peers[i];

		if (p->have_boot)
			n += (size_t)snprintf(buf + n, sizeof(buf) - n,
					      "%" PRIu32 " %" PRIu64 "\n",
					      p->id, p->boot_id);
	}
	return write_atomic(dir, QF_PEER_BOOTS_FILE, buf, n, err, errlen);
}
