// SPDX-License-Identifier: MIT
/*
 * qfence daemon: the durable store's byte order (little-endian on disk),
 * checksums (BLAKE2b, libsodium) and file primitives: whole writes and
 * reads, the atomic replace of a small file, the directory sync, and the
 * crash points of the tests (store.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "ilog.h"
#include "storepriv.h"

/* ---- encoding ---- */

void qs_put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

void qs_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

void qs_put64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

uint32_t qs_get32(const uint8_t *p)
{
	uint32_t v = 0;

	for (int i = 3; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

uint16_t qs_get16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

uint64_t qs_get64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

void qs_sum(uint8_t out[SUM_LEN], const uint8_t *p, size_t len)
{
	crypto_generichash(out, SUM_LEN, p, len, NULL, 0);
}

bool qs_sum_ok(const uint8_t *p, size_t len)
{
	uint8_t s[SUM_LEN];

	qs_sum(s, p, len);
	return !memcmp(s, p + len, SUM_LEN);
}

/* ---- file helpers ---- */

int qs_write_all(int fd, const void *buf, size_t len, uint64_t off)
{
	const uint8_t *p = buf;

	while (len) {
		ssize_t w = pwrite(fd, p, len, (off_t)off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -errno;
		if (w == 0)
			return -EIO;
		p += w;
		off += (uint64_t)w;
		len -= (size_t)w;
	}
	return 0;
}

/* Returns the bytes read (short at end of file) or -errno. */
ssize_t qs_read_all(int fd, void *buf, size_t len, uint64_t off)
{
	uint8_t *p = buf;
	size_t got = 0;

	while (got < len) {
		ssize_t r = pread(fd, p + got, len - got, (off_t)(off + got));

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			break;
		got += (size_t)r;
	}
	return (ssize_t)got;
}

/* A failed write or sync poisons the store (see store.h). */
int qs_io_fail(struct qf_store *s, int err, const char *what)
{
	s->failed = true;
	ILOG(ERR, "store: %s: %s; refusing further writes until restart",
	     what, strerror(-err));
	return err;
}

bool qs_crash_here(struct qf_store *s, enum qf_store_crash where)
{
	if (where == QF_STORE_CRASH_NONE || s->crash_at != where)
		return false;
	s->failed = true;
	return true;
}

int qs_sync_dir(struct qf_store *s)
{
	return fsync(s->dirfd) ? -errno : 0;
}

/*
 * Atomic replace: write name.tmp, fsync it, rename over name, fsync the
 * directory. A crash leaves either the old or the new file, never a mix.
 */
int qs_replace_file(struct qf_store *s, const char *name, const void *buf,
		    size_t len, enum qf_store_crash crash)
{
	char tmp[64];
	int fd, rc;

	snprintf(tmp, sizeof(tmp), "%s.tmp", name);
	fd = openat(s->dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
		    0600);
	if (fd < 0)
		return qs_io_fail(s, -errno, tmp);
	rc = qs_write_all(fd, buf, len, 0);
	if (!rc && fsync(fd))
		rc = -errno;
	close(fd);
	if (rc)
		return qs_io_fail(s, rc, tmp);
	if (qs_crash_here(s, crash))
		return -EINTR;
	if (renameat(s->dirfd, tmp, s->dirfd, name))
		return qs_io_fail(s, -errno, name);
	rc = qs_sync_dir(s);
	return rc ? qs_io_fail(s, rc, "fsync of the data directory") : 0;
}

/* Whole small file into a fresh buffer; -ENOENT if absent. */
int qs_slurp(struct qf_store *s, const char *name, uint8_t **buf,
	     size_t *len, uint64_t max)
{
	struct stat st;
	ssize_t r;
	int fd = openat(s->dirfd, name, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) || (uint64_t)st.st_size > max) {
		int e = (uint64_t)st.st_size > max ? EFBIG : errno;

		close(fd);
		return -e;
	}
	*buf = malloc((size_t)st.st_size + 1);
	if (!*buf) {
		close(fd);
		return -ENOMEM;
	}
	r = qs_read_all(fd, *buf, (size_t)st.st_size, 0);
	close(fd);
	if (r < 0) {
		free(*buf);
		return (int)r;
	}
	*len = (size_t)r;
	return 0;
}

int qs_ensure_cap(struct qf_store *s, size_t need)
{
	struct ent *e;
	size_t cap = s->cap ? s->cap : 64;

	if (need <= s->cap)
		return 0;
	while (cap < need)
		cap *= 2;
	e = realloc(s->ents, cap * sizeof(*e));
	if (!e)
		return -ENOMEM;
	s->ents = e;
	s->cap = cap;
	return 0;
}
