// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: the store's recovery of a damaged data directory
 * (daemon/infra/store.c, design.md §4 "Persistence").
 *
 * The input is a script: a hard state and a run of appends (terms and
 * payloads from the input), perhaps a snapshot, written through the store
 * as quorumd writes them; then damage to the files on disk (flipped bytes,
 * a cut, garbage appended, a file removed), and the store is opened again.
 *
 * Invariants (store.h): open either refuses, or yields exactly what was
 * written, less a cut tail of the log: the hard state as saved, every
 * entry from first to last index readable (its checksum verified again)
 * and equal, byte for byte, to the entry appended at that index, terms
 * never decreasing, the snapshot (if any) as written. Recovery never
 * yields an entry whose checksum fails, never invents one, never crashes.
 */
#include <assert.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store.h"

#define MAXN 24
#define MAXLEN 48

struct script {
	const uint8_t *p;
	size_t len;
};

static uint8_t take(struct script *s)
{
	if (!s->len)
		return 0;
	s->len--;
	return *s->p++;
}

struct written {
	struct qf_hardstate hs;
	uint64_t last, snap_index, snap_term;
	uint64_t term[MAXN + 1];
	uint32_t len[MAXN + 1];
	uint8_t data[MAXN + 1][MAXLEN];
	uint8_t snap[MAXLEN];
	size_t snap_len;
};

static char dir[64];

static void fill(uint8_t *b, size_t n, uint64_t salt)
{
	for (size_t i = 0; i < n; i++)
		b[i] = (uint8_t)(salt * 131 + i * 7);
}

/* The healthy store: what the daemon would have written. */
static int write_store(struct script *s, struct written *w)
{
	char err[256];
	struct qf_store *st;
	unsigned int n = take(s) % (MAXN + 1);
	uint64_t t = 1;

	memset(w, 0, sizeof(*w));
	if (qf_store_open(&st, dir, err, sizeof(err)))
		return -1;
	w->hs.term = 1 + take(s) % 8 + n;
	w->hs.vote = take(s) % 4;
	assert(!qf_store_save_hardstate(st, &w->hs));
	for (unsigned int i = 1; i <= n; i++) {
		struct qf_store_entry e = { .index = i };
		uint8_t b = take(s);

		t += b & 1;
		w->term[i] = e.term = t;
		w->len[i] = e.len = (b >> 1) % MAXLEN;
		e.type = b >> 6;
		fill(w->data[i], e.len, i);
		e.data = w->data[i];
		assert(!qf_store_append(st, &e, 1));
	}
	w->last = n;
	if (n && (take(s) & 1)) {
		w->snap_index = 1 + take(s) % n;
		w->snap_term = w->term[w->snap_index];
		w->snap_len = take(s) % MAXLEN;
		fill(w->snap, w->snap_len, 1000 + w->snap_index);
		assert(!qf_store_snapshot(st, w->snap_index, w->snap_term,
					  w->snap, w->snap_len));
	}
	qf_store_close(st);
	return 0;
}

/* Returns which files were removed (bit i: files[i]). */
static unsigned int damage(struct script *s)
{
	unsigned int removed = 0;

	static const char *const files[] = { "log", "hardstate", "snapshot" };
	char path[128];

	for (int k = take(s) % 4; k > 0; k--) {
		uint8_t op = take(s);
		uint16_t off = (uint16_t)(take(s) << 8 | take(s));
		uint8_t x = take(s);
		int fd;
		off_t size;

		snprintf(path, sizeof(path), "%s/%s", dir, files[op % 3]);
		fd = open(path, O_RDWR);
		if (fd < 0)
			continue;
		size = lseek(fd, 0, SEEK_END);
		if (size > 0)
			off %= size;
		switch (op >> 2 & 3) {
		case 0: {	/* flip bits of one byte */
			uint8_t c;

			if (size > 0 && pread(fd, &c, 1, off) == 1) {
				c ^= (uint8_t)(x | 1);
				assert(pwrite(fd, &c, 1, off) == 1);
			}
			break;
		}
		case 1:		/* torn: cut */
			assert(!ftruncate(fd, off));
			break;
		case 2:		/* garbage appended */
			assert(pwrite(fd, &x, 1, size + (x & 7)) == 1);
			break;
		default:
			unlink(path);
			removed |= 1U << (op % 3);
			break;
		}
		close(fd);
	}
	return removed;
}

static void check_recovered(struct qf_store *st, const struct written *w,
			    unsigned int removed)
{
	static uint8_t buf[QF_STORE_MAX_SNAPSHOT];
	struct qf_hardstate hs;
	uint64_t first = qf_store_first_index(st), last = qf_store_last_index(st);
	uint64_t prev = 0, idx, term;
	size_t len;

	qf_store_hardstate(st, &hs);
	/* A removed hard state is a lost vote, never a fresh start (design.md
	 * rule 4): only a directory that lost everything (log, hard state and
	 * any snapshot: a new node) opens, and then as an empty one. */
	if (removed & 2) {
		assert((removed & 1) && (!w->snap_index || (removed & 4)));
		assert(hs.term == 0 && hs.vote == 0 && last == 0);
		return;
	}
	assert(hs.term == w->hs.term && hs.vote == w->hs.vote);
	assert(last <= w->last && first >= 1 && first <= last + 1);
	for (idx = first; idx <= last; idx++) {
		struct qf_store_entry e;

		assert(qf_store_read(st, idx, &e, buf, sizeof(buf)) == 0);
		assert(e.index == idx && e.term == w->term[idx]);
		assert(e.len == w->len[idx] && !memcmp(e.data, w->data[idx], e.len));
		assert(e.term >= prev && e.term <= hs.term);
		prev = e.term;
	}
	if (!qf_store_snapshot_read(st, &idx, &term, buf, sizeof(buf), &len)) {
		assert(idx == w->snap_index && term == w->snap_term);
		assert(term <= hs.term);
		assert(len == w->snap_len && !memcmp(buf, w->snap, len));
		assert(first == idx + 1);
	} else {
		assert(first == 1);
	}
}

/* The last run's directory goes, whatever it holds (no fork: speed). */
static void wipe(void)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	if (!d)
		return;
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			unlinkat(dirfd(d), e->d_name, 0);
	closedir(d);
	rmdir(dir);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct written w;
	struct script s = { data, size };
	struct qf_store *st;
	char err[256];
	unsigned int removed;

	if (!dir[0]) {
		snprintf(dir, sizeof(dir), "/dev/shm/qf-fuzz-store.%d", getpid());
		atexit(wipe);
	}
	wipe();
	if (mkdir(dir, 0700))
		abort();
	if (write_store(&s, &w))
		abort();
	removed = damage(&s);
	if (qf_store_open(&st, dir, err, sizeof(err)) == 0) {
		check_recovered(st, &w, removed);
		qf_store_close(st);
	} else {
		assert(err[0]);
	}
	return 0;
}
