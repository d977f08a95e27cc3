// SPDX-License-Identifier: MIT
/*
 * Tests of store.c: durability across reopen, torn tails at every byte,
 * bit flips (tail: cut; middle: refuse), truncation, snapshots, and the
 * crash points of every atomic replace.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../store.h"
#include "unit.h"

#define LOG_HDR 40
#define HS_SIZE 48	/* store.c's hard state record: 32 bytes and a 16-byte sum */

static char err[512];
static char dir[300];

static struct qf_store *sopen(void)
{
	struct qf_store *s = NULL;

	snprintf(dir, sizeof(dir), "%s/data", ut_dir);
	err[0] = '\0';
	if (qf_store_open(&s, dir, err, sizeof(err)))
		return NULL;
	return s;
}

static int sopen_rc(void)
{
	struct qf_store *s = NULL;
	int rc;

	snprintf(dir, sizeof(dir), "%s/data", ut_dir);
	rc = qf_store_open(&s, dir, err, sizeof(err));
	qf_store_close(s);
	return rc;
}

static const char *dpath(const char *name)
{
	static char p[2][400];
	static int i;

	i ^= 1;
	snprintf(p[i], sizeof(p[i]), "%s/data/%s", ut_dir, name);
	return p[i];
}

static int set_term(struct qf_store *s, uint64_t term)
{
	struct qf_hardstate hs = { term, 0 };

	return qf_store_save_hardstate(s, &hs);
}

/* Append one entry whose payload is "entry <index>". */
static int add(struct qf_store *s, uint64_t index, uint64_t term)
{
	char data[32];
	struct qf_store_entry e = { index, term, 7, 0, data };

	e.len = (uint32_t)snprintf(data, sizeof(data), "entry %llu",
				   (unsigned long long)index);
	return qf_store_append(s, &e, 1);
}

static int check_entry(struct qf_store *s, uint64_t index, uint64_t term)
{
	char buf[64], want[32];
	struct qf_store_entry e;
	int n = snprintf(want, sizeof(want), "entry %llu",
			 (unsigned long long)index);

	if (qf_store_read(s, index, &e, buf, sizeof(buf)))
		return -1;
	if (e.index != index || e.term != term || e.type != 7 ||
	    e.len != (uint32_t)n || memcmp(e.data, want, (size_t)n))
		return -1;
	return 0;
}

/* A store with entries 1..n, term t each, one append per entry. */
static struct qf_store *filled(uint64_t n, uint64_t t)
{
	struct qf_store *s = sopen();

	if (!s || set_term(s, t))
		return NULL;
	for (uint64_t i = 1; i <= n; i++)
		if (add(s, i, t))
			return NULL;
	return s;
}

static long fsize(const char *p)
{
	struct stat st;

	return stat(p, &st) ? -1 : (long)st.st_size;
}

static void store_fresh_open(void)
{
	struct qf_store *s = sopen();
	struct qf_hardstate hs;
	uint64_t t = 99;

	UT_ASSERTF(s, "%s", err);
	qf_store_hardstate(s, &hs);
	UT_EQ(hs.term, 0);
	UT_EQ(hs.vote, 0);
	UT_EQ(qf_store_first_index(s), 1);
	UT_EQ(qf_store_last_index(s), 0);
	UT_ASSERT(qf_store_term(s, 0, &t) == 0 && t == 0);
	UT_EQ(fsize(dpath("log")), LOG_HDR);
	/* Term 0 is "no term yet": never an entry's term. */
	UT_EQ(add(s, 1, 0), -EINVAL);
	qf_store_close(s);
	/* Opening again finds the same empty store. */
	s = sopen();
	UT_ASSERTF(s, "%s", err);
	UT_EQ(qf_store_last_index(s), 0);
	UT_EQ(qf_store_recovery(s)->cut_bytes, 0);
	qf_store_close(s);
}

static void store_append_reopen(void)
{
	struct qf_store *s = sopen();
	struct qf_store_entry batch[3];
	char d[3][8] = { "a", "bb", "ccc" };
	uint64_t t;

	UT_ASSERTF(s, "%s", err);
	UT_EQ(set_term(s, 3), 0);
	for (uint64_t i = 1; i <= 5; i++)
		UT_EQ(add(s, i, i < 3 ? 2 : 3), 0);
	for (int i = 0; i < 3; i++)
		batch[i] = (struct qf_store_entry){ 6 + i, 3, 9, i + 1, d[i] };
	UT_EQ(qf_store_append(s, batch, 3), 0);
	qf_store_close(s);
	s = sopen();
	UT_ASSERTF(s, "%s", err);
	UT_EQ(qf_store_last_index(s), 8);
	for (uint64_t i = 1; i <= 5; i++)
		UT_EQ(check_entry(s, i, i < 3 ? 2 : 3), 0);
	UT_ASSERT(qf_store_term(s, 8, &t) == 0 && t == 3);
	{
		char buf[8];
		struct qf_store_entry e;

		UT_EQ(qf_store_read(s, 8, &e, buf, sizeof(buf)), 0);
		UT_ASSERT(e.len == 3 && !memcmp(e.data, "ccc", 3));
		UT_EQ(qf_store_read(s, 8, &e, buf, 2), -ENOBUFS);
		UT_EQ(qf_store_read(s, 9, &e, buf, sizeof(buf)), -ENOENT);
	}
	qf_store_close(s);
}

static void store_hardstate_rules(void)
{
	struct qf_store *s = sopen();
	struct qf_hardstate hs = { 5, 2 }, got;

	UT_ASSERTF(s, "%s", err);
	UT_EQ(qf_store_save_hardstate(s, &hs), 0);
	/* Rule 4: one vote per term, terms never go back. */
	hs = (struct qf_hardstate){ 5, 3 };
	UT_EQ(qf_store_save_hardstate(s, &hs), -EINVAL);
	hs = (struct qf_hardstate){ 4, 2 };
	UT_EQ(qf_store_save_hardstate(s, &hs), -EINVAL);
	qf_store_close(s);
	s = sopen();
	UT_ASSERTF(s, "%s", err);
	qf_store_hardstate(s, &got);
	UT_ASSERT(got.term == 5 && got.vote == 2);
	hs = (struct qf_hardstate){ 6, 3 };
	UT_EQ(qf_store_save_hardstate(s, &hs), 0);
	qf_store_close(s);
	s = sopen();
	UT_ASSERTF(s, "%s", err);
	qf_store_hardstate(s, &got);
	UT_ASSERT(got.term == 6 && got.vote == 3);
	qf_store_close(s);
}

static void store_hardstate_crash_before_rename(void)
{
	struct qf_store *s = sopen();
	struct qf_hardstate hs = { 7, 1 }, got;

	UT_ASSERTF(s, "%s", err);
	UT_EQ(qf_store_save_hardstate(s, &hs), 0);
	qf_store_inject_crash(s, QF_STORE_CRASH_HS_BEFORE_RENAME);
	hs = (struct qf_hardstate){ 8, 2 };
	UT_EQ(qf_store_save_hardstate(s, &hs), -EINTR);
	UT_ASSERT(access(dpath("hardstate.tmp"), F_OK) == 0);
	/* A "dead" store refuses everything. */
	UT_EQ(add(s, 1, 7), -EIO);
	qf_store_close(s);
	s = sopen();
	UT_ASSERTF(s, "%s", err);
	qf_store_hardstate(s, &got);
	UT_ASSERT(got.term == 7 && got.vote == 1);
	UT_EQ(qf_store_recovery(s)->tmp_removed, 1);
	UT_ASSERT(access(dpath("hardstate.tmp"), F_OK) != 0);
	UT_CONTAINS(ut_log, "hardstate.tmp");
	qf_store_close(s);
}

static void store_hardstate_first_save_crash(void)
{
	struct qf_store *s = sopen();
	struct qf_hardstate hs = { 1, 1 }, got;

	UT_ASSERTF(s, "%s", err);
	qf_store_inject_crash(s, QF_STORE_CRASH_HS_BEFORE_RENAME);
	UT_EQ(qf_store_save_hardstate(s, &hs), -EINTR);
	qf_store_close(s);
	s = sopen();
	UT_ASSERTF(s, "%s", err);
	qf_store_hardstate(s, &got);
	UT_ASSERT(got.term == 0 && got.vote == 0);
	qf_store_close(s);
}

/* Rule 4: a node that lost its hard state may have voted in a term it
 * would vote in again. Only a directory with neither a hard state nor a
 * log (nor a snapshot) is fresh; the first open makes term 0 durable. */
static void store_lost_hardstate_refused(void)
{
	struct qf_store *s = sopen();
	struct qf_hardstate hs = { 5, 2 };

	UT_ASSERTF(s, "%s", err);
	UT_EQ(qf_store_save_hardstate(s, &hs), 0);
	qf_store_close(s);
	UT_EQ(unlink(dpath("hardstate")), 0);
	UT_EQ(sopen_rc(), -EUCLEAN);
	UT_CONTAINS(err, "hardstate: missing while the log exists");
	UT_CONTAINS(err, "vote twice");
	/* refused, and nothing written: still no hard state */
	UT_ASSERT(access(dpath("hardstate"), F_OK) != 0);
}

static void store_fresh_hardstate_durable(void)
{
	struct qf_store *s = sopen();

	UT_ASSERTF(s, "%s", err);
	qf_store_close(s);
	UT_EQ(fsize(dpath("hardstate")), HS_SIZE);
	/* lost even before any vote: the store cannot tell, so it refuses */
	UT_EQ(unlink(dpath("hardstate")), 0);
	UT_EQ(sopen_rc(), -EUCLEAN);
}

/* The first open stopped after the hard state, before the log: term 0
 * acknowledged nothing, so the log is made and the store opens. */
static void store_first_open_between_files(void)
{
	struct qf_store *s = sopen();
	struct qf_hardstate hs;

	UT_ASSERTF(s, "%s", err);
	qf_store_close(s);
	UT_EQ(unlink(dpath("log")), 0);
	s = sopen();
	UT_ASSERTF(s, "%s", err);
	qf_store_hardstate(s, &hs);
	UT_ASSERT(hs.term == 0 && hs.vote == 0);
	UT_EQ(qf_store_last_index(s), 0);
	qf_store_close(s);
}

/* Cut the log after every byte of the last record: never used, always cut. */
static void store_torn_tail_every_offset(void)
{
	struct qf_store *s = filled(3, 1);
	static uint8_t full[4096];
	long size, last_start;

	UT_ASSERTF(s, "%s", err);
	qf_store_close(s);
	size = ut_read_file(dpath("log"), full, sizeof(full));
	last_start = size - (48 + (long)strlen("entry 3"));
	for (long k = 0; k < size - last_start; k++) {
		UT_EQ(ut_write_file(dpath("log"), full, (size_t)(last_start + k)), 0);
		ut_log[0] = '\0';
		s = sopen();
		UT_ASSERTF(s, "k=%ld: %s", k, err);
		UT_EQ(qf_store_last_index(s), 2);
		UT_EQ(qf_store_recovery(s)->cut_bytes, k);
		if (k)
			UT_CONTAINS(ut_log, "cutting");
		UT_EQ(fsize(dpath("log")), last_start);
		UT_EQ(check_entry(s, 2, 1), 0);
		/* The log goes on where it was cut. */
		UT_EQ(add(s, 3, 1), 0);
		qf_store_close(s);
		s = sopen();
		UT_ASSERTF(s, "k=%ld: %s", k, err);
		UT_EQ(check_entry(s, 3, 1), 0);
		UT_EQ(qf_store_recovery(s)->cut_bytes, 0);
		qf_store_close(s);
	}
}

static void store_zeroed_tail(void)
{
	struct qf_store *s = filled(3, 1);
	static uint8_t full[4096];
	long size, last_start;

	UT_ASSERTF(s, "%s", err);
	qf_store_close(s);
	size = ut_read_file(dpath("log"), full, sizeof(full));
	last_start = size - (48 + 7);
	memset(full + last_start, 0, (size_t)(size - last_start));
	UT_EQ(ut_write_file(dpath("log"), full, (size_t)size), 0);
	s = sopen();
	UT_ASSERTF(s, "%s", err);
	UT_EQ(qf_store_last_index(s), 2);
	UT_EQ(qf_store_recovery(s)->cut_offset, last_start);
	qf_store_close(s);
}

/* A flipped bit anywhere in the last record: cut, never used. */
static void store_flipped_bit_tail(void)
{
	struct qf_store *s = filled(3, 1);
	static uint8_t full[4096], copy[4096];
	long size, last_start;

	UT_ASSERTF(s, "%s", err);
	qf_store_close(s);
	size = ut_read_file(dpath("log"), full, sizeof(full));
	last_start = size - (48 + 7);
	for (long i = last_start; i < size; i++) {
		memcpy(copy, full, (size_t)size);
		copy[i] ^= (uint8_t)(1u << (i % 8));
		UT_EQ(ut_write_file(dpath("log"), copy, (size_t)size), 0);
		s = sopen();
		UT_ASSERTF(s, "byte %ld: %s", i, err);
		UT_EQ(qf_store_last_index(s), 2);
		qf_store_close(s);
	}
}

/* A flipped bit in an earlier record: refuse, and change nothing. */
static void store_flipped_bit_middle_refuses(void)
{
	struct qf_store *s = filled(3, 1);
	static uint8_t full[4096], after[4096];
	long size;

	UT_ASSERTF(s, "%s", err);
	qf_store_close(s);
	size = ut_read_file(dpath("log"), full, sizeof(full));
	for (long i = LOG_HDR; i < LOG_HDR + 48 + 7; i++) {
		full[i] ^= 0x10;
		UT_EQ(ut_write_file(dpath("log"), full, (size_t)size), 0);
		err[0] = '\0';
		UT_ASSERTF(sopen_rc() == -EUCLEAN, "byte %ld accepted", i);
		UT_CONTAINS(err, "refusing to start");
		UT_EQ(ut_read_file(dpath("log"), after, sizeof(after)), size);
		UT_ASSERT(!memcmp(full, after, (size_t)size));
		full[i] ^= 0x10;
	}
}

/* One append of three records, the middle one never reached the disk. */
static void store_torn_batch(void)
{
	struct qf_store *s = sopen();
	struct qf_store_entry b[3];
	static uint8_t full[4096];
	char d[3][6] = { "one", "two", "six" };
	long size;

	UT_ASSERTF(s, "%s", err);
	UT_EQ(set_term(s, 1), 0);
	UT_EQ(add(s, 1, 1), 0);
	for (int i = 0; i < 3; i++)
		b[i] = (struct qf_store_entry){ 2 + i, 1, 1, 3, d[i] };
	UT_EQ(qf_store_append(s, b, 3), 0);
	qf_store_close(s);
	size = ut_read_file(dpath("log"), full, sizeof(full));
	/* Record 3 (index 3) starts after the header, entry 1 and index 2. */
	memset(full + LOG_HDR + (48 + 7) + (48 + 3), 0, 48 + 3);
	UT_EQ(ut_write_file(dpath("log"), full, (size_t)size), 0);
	s = sopen();
	UT_ASSERTF(s, "%s", err);
	UT_EQ(qf_store_last_index(s), 2);
	/* The same damage with a later append after it is not a torn write. */
	UT_EQ(add(s, 3, 1), 0);
	UT_EQ(add(s, 4, 1), 0);
	qf_store_close(s);
	size = ut_read_file(dpath("log"), full, sizeof(full));
	full[LOG_HDR + (48 + 7) + (48 + 3) + 40] ^= 1;
	UT_EQ(ut_write_file(dpath("log"), full, (size_t)size), 0);
	UT_EQ(sopen_rc(), -EUCLEAN);
	UT_CONTAINS(err, "later write");
}

static void store_append_rules(void)
{
	struct qf_store *s = filled(3, 2);
	struct qf_store_entry e = { 5, 2, 1, 1, "x" };
	long before;

	UT_ASSERTF(s, "%s", err);
	before = fsize(dpath("log"));
	UT_EQ(qf_store_append(s, &e, 1), -EINVAL);	/* gap */
	e.index = 3;
	UT_EQ(qf_store_append(s, &e, 1), -EINVAL);	/* overlap */
	e = (struct qf_store_entry){ 4, 1, 1, 1, "x" };
	UT_EQ(qf_store_append(s, &e, 1), -EINVAL);	/* term goes back */
	e.term = 3;
	UT_EQ(qf_store_append(s, &e, 1), -EINVAL);	/* term not durable */
	e.term = 0;
	UT_EQ(qf_store_append(s, &e, 1), -EINVAL);	/* no term 0 entries */
	e = (struct qf_store_entry){ 4, 2, 1, QF_STORE_MAX_ENTRY + 1, "x" };
	UT_EQ(qf_store_append(s, &e, 1), -EINVAL);	/* oversize */
	UT_EQ(qf_store_append(s, &e, 0), -EINVAL);
	UT_EQ(qf_store_last_index(s), 3);
	UT_EQ(fsize(dpath("log")), before);
	UT_EQ(add(s, 4, 2), 0);
	qf_store_close(s);
}

static void store_truncate(void)
{
	struct qf_store *s = filled(10, 1);
	uint64_t t;

	UT_ASSERTF(s, "%s", err);
	UT_EQ(qf_store_truncate(s, 5), 0);
	UT_EQ(qf_store_last_index(s), 5);
	UT_EQ(set_term(s, 2), 0);
	UT_EQ(add(s, 6, 2), 0);
	qf_store_close(s);
	s = sopen();
	UT_ASSERTF(s, "%s", err);
	UT_EQ(qf_store_last_index(s), 6);
	UT_ASSERT(qf_store_term(s, 6, &t) == 0 && t == 2);
	UT_EQ(check_entry(s, 5, 1), 0);
	UT_EQ(qf_store_truncate(s, 0), 0);
	UT_EQ(qf_store_last_index(s), 0);
	qf_store_close(s);
	s = sopen();
	UT_ASSERTF(s, "%s", err);
	UT_EQ(qf_store_last_index(s), 0);
	UT_EQ(fsize(dpath("log")), LOG_HDR);
	qf_store_close(s);
}

static void store_snapshot_compacts(void)
{
	struct qf_store *s = filled(10, 1);
	struct qf_store_entry e;
	char buf[64];
	uint64_t idx, t;
	size_t len;

	UT_ASSERTF(s, "%s", err);
	UT_EQ(qf_store_snapshot(s, 6, 1, "state-6", 7), 0);
	UT_EQ(qf_store_first_index(s), 7);
	UT_EQ(qf_store_last_index(s), 10);
	UT_ASSERT(qf_store_term(s, 6, &t) == 0 && t == 1);
	UT_EQ(qf_store_read(s, 6, &e, buf, sizeof(buf)), -ENOENT);
	UT_EQ(check_entry(s, 7, 1), 0);
	/* A snapshot never goes back, and truncation stops at it. */
	UT_EQ(qf_store_snapshot(s, 5, 1, "x", 1), -EINVAL);
	UT_EQ(qf_store_truncate(s, 4), -EINVAL);
	qf_store_close(s);
	s = sopen();
	UT_ASSERTF(s, "%s", err);
	UT_EQ(qf_store_first_index(s), 7);
	UT_EQ(qf_store_last_index(s), 10);
	UT_EQ(check_entry(s, 10, 1), 0);
	UT_EQ(qf_store_snapshot_read(s, &idx, &t, buf, sizeof(buf), &len), 0);
	UT_ASSERT(idx == 6 && t == 1 && len == 7 && !memcmp(buf, "state-6", 7));
	UT_EQ(qf_store_snapshot_read(s, &idx, &t, buf, 3, &len), -ENOBUFS);
	UT_EQ(add(s, 11, 1), 0);
	qf_store_close(s);
	UT_EQ(fsize(dpath("log")), LOG_HDR + 5 * 48 + 3 * 7 + 2 * 8);
}

/* From a leader: a snapshot past the log, or conflicting with it. */
static void store_snapshot_replaces_log(void)
{
	struct qf_store *s = filled(5, 1);
	uint64_t t;

	UT_ASSERTF(s, "%s", err);
	UT_EQ(set_term(s, 3), 0);
	UT_EQ(qf_store_snapshot(s, 20, 3, "s20", 3), 0);
	UT_EQ(qf_store_first_index(s), 21);
	UT_EQ(qf_store_last_index(s), 20);
	UT_ASSERT(qf_store_term(s, 20, &t) == 0 && t == 3);
	UT_EQ(add(s, 21, 3), 0);
	qf_store_close(s);
	s = sopen();
	UT_ASSERTF(s, "%s", err);
	UT_EQ(qf_store_first_index(s), 21);
	UT_EQ(check_entry(s, 21, 3), 0);
	/* Same index but another term in the log: the log goes. */
	UT_EQ(add(s, 22, 3), 0);
	UT_EQ(qf_store_snapshot(s, 22, 2, "x", 1), 0);
	UT_EQ(qf_store_last_index(s), 22);
	UT_ASSERT(qf_store_term(s, 22, &t) == 0 && t == 2);
	qf_store_close(s);
}

static void store_snapshot_crash_points(void)
{
	static const enum qf_store_crash points[] = {
		QF_STORE_CRASH_SNAP_BEFORE_RENAME,
		QF_STORE_CRASH_SNAP_BEFORE_LOG,
		QF_STORE_CRASH_LOG_BEFORE_RENAME,
	};

	for (size_t i = 0; i < 3; i++) {
		struct qf_store *s;
		char sub[300];

		snprintf(sub, sizeof(sub), "rm -rf %s/data", ut_dir);
		UT_EQ(system(sub), 0);
		s = filled(10, 1);
		UT_ASSERTF(s, "%s", err);
		qf_store_inject_crash(s, points[i]);
		UT_EQ(qf_store_snapshot(s, 6, 1, "st", 2), -EINTR);
		qf_store_close(s);
		s = sopen();
		UT_ASSERTF(s, "point %zu: %s", i, err);
		/* Before the snapshot's rename: as if never asked. After it:
		 * the compaction is finished on open. Entries survive. */
		UT_EQ(qf_store_first_index(s), i == 0 ? 1 : 7);
		UT_EQ(qf_store_last_index(s), 10);
		UT_EQ(qf_store_recovery(s)->compaction_finished, i != 0);
		UT_EQ(check_entry(s, 10, 1), 0);
		UT_EQ(add(s, 11, 1), 0);
		qf_store_close(s);
		s = sopen();
		UT_ASSERTF(s, "point %zu: %s", i, err);
		UT_EQ(check_entry(s, 11, 1), 0);
		qf_store_close(s);
	}
}

static void store_corrupt_files_refuse(void)
{
	struct qf_store *s = filled(2, 4);
	static uint8_t b[4096];
	long n;

	UT_ASSERTF(s, "%s", err);
	UT_EQ(qf_store_snapshot(s, 1, 4, "st", 2), 0);
	qf_store_close(s);
	n = ut_read_file(dpath("hardstate"), b, sizeof(b));
	b[9] ^= 1;
	UT_EQ(ut_write_file(dpath("hardstate"), b, (size_t)n), 0);
	UT_EQ(sopen_rc(), -EUCLEAN);
	UT_CONTAINS(err, "hardstate: corrupt");
	b[9] ^= 1;
	UT_EQ(ut_write_file(dpath("hardstate"), b, (size_t)n - 1), 0);
	UT_EQ(sopen_rc(), -EUCLEAN);
	UT_EQ(ut_write_file(dpath("hardstate"), b, (size_t)n), 0);
	n = ut_read_file(dpath("snapshot"), b, sizeof(b));
	b[33] ^= 1;
	UT_EQ(ut_write_file(dpath("snapshot"), b, (size_t)n), 0);
	UT_EQ(sopen_rc(), -EUCLEAN);
	UT_CONTAINS(err, "snapshot: corrupt");
	b[33] ^= 1;
	UT_EQ(ut_write_file(dpath("snapshot"), b, (size_t)n), 0);
	n = ut_read_file(dpath("log"), b, sizeof(b));
	b[10] ^= 1;
	UT_EQ(ut_write_file(dpath("log"), b, (size_t)n), 0);
	UT_EQ(sopen_rc(), -EUCLEAN);
	UT_CONTAINS(err, "log: header corrupt");
	b[10] ^= 1;
	UT_EQ(ut_write_file(dpath("log"), b, (size_t)n), 0);
	UT_EQ(sopen_rc(), 0);
}

static void store_missing_log_refuses(void)
{
	struct qf_store *s = filled(2, 1);

	UT_ASSERTF(s, "%s", err);
	qf_store_close(s);
	UT_EQ(unlink(dpath("log")), 0);
	UT_EQ(sopen_rc(), -EUCLEAN);
	UT_CONTAINS(err, "log: missing");
	UT_ASSERT(access(dpath("log"), F_OK) != 0);
}

/* A valid record with the wrong index (a record spliced out): refuse. */
static void store_index_gap_refuses(void)
{
	struct qf_store *s = filled(3, 1);
	static uint8_t b[4096];
	long n, rec = 48 + 7;

	UT_ASSERTF(s, "%s", err);
	qf_store_close(s);
	n = ut_read_file(dpath("log"), b, sizeof(b));
	memmove(b + LOG_HDR + rec, b + LOG_HDR + 2 * rec, (size_t)rec);
	UT_EQ(ut_write_file(dpath("log"), b, (size_t)(n - rec)), 0);
	UT_EQ(sopen_rc(), -EUCLEAN);
	UT_CONTAINS(err, "expected index 2");
}

static void store_hardstate_behind_log_refuses(void)
{
	struct qf_store *s = filled(2, 3);
	struct qf_hardstate hs = { 1, 0 };
	static uint8_t b[128];
	struct qf_store *s2;
	long n;

	UT_ASSERTF(s, "%s", err);
	qf_store_close(s);
	/* Put an older hard state file (term 1) in place. */
	snprintf(dir, sizeof(dir), "%s/other", ut_dir);
	UT_EQ(qf_store_open(&s2, dir, err, sizeof(err)), 0);
	UT_EQ(qf_store_save_hardstate(s2, &hs), 0);
	qf_store_close(s2);
	n = ut_read_file(ut_path("other/hardstate"), b, sizeof(b));
	UT_EQ(ut_write_file(dpath("hardstate"), b, (size_t)n), 0);
	UT_EQ(sopen_rc(), -EUCLEAN);
	UT_CONTAINS(err, "terms disagree");
}

static void store_lock_excludes(void)
{
	struct qf_store *s = sopen(), *s2 = NULL;

	UT_ASSERTF(s, "%s", err);
	UT_EQ(qf_store_open(&s2, dir, err, sizeof(err)), -EBUSY);
	UT_CONTAINS(err, "in use by another quorumd");
	qf_store_close(s);
	UT_EQ(qf_store_open(&s2, dir, err, sizeof(err)), 0);
	qf_store_close(s2);
}

static void store_unsafe_dir_refused(void)
{
	struct qf_store *s = sopen();

	UT_ASSERTF(s, "%s", err);
	qf_store_close(s);
	UT_EQ(chmod(dir, 0777), 0);
	UT_EQ(sopen_rc(), -EACCES);
	UT_CONTAINS(err, "mode 0777");
	UT_EQ(chmod(dir, 0755), 0);
	UT_EQ(sopen_rc(), 0);
	/* A path that cannot be a directory. */
	UT_EQ(ut_write_file(ut_path("file"), "x", 1), 0);
	UT_ASSERT(qf_store_open(&s, ut_path("file"), err, sizeof(err)) < 0);
	UT_CONTAINS(err, "file");
}

static void store_read_detects_damage(void)
{
	struct qf_store *s = filled(3, 1);
	struct qf_store_entry e;
	char buf[64];
	int fd;

	UT_ASSERTF(s, "%s", err);
	fd = open(dpath("log"), O_WRONLY);
	UT_ASSERT(fd >= 0);
	UT_EQ(pwrite(fd, "X", 1, LOG_HDR + 48 + 32 + 2), 1);
	close(fd);
	UT_EQ(qf_store_read(s, 2, &e, buf, sizeof(buf)), -EIO);
	UT_EQ(check_entry(s, 1, 1), 0);
	qf_store_close(s);
}

static uint64_t rng = 0x853c49e6748fea9bULL;

static uint32_t rnd(uint32_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng % n);
}

/*
 * Random damage to a log of 8 entries (bytes changed, tails cut or
 * extended with garbage): open either refuses, or every entry it offers
 * is exactly one that was written. Corrupt data is never used.
 */
static void store_random_damage(void)
{
	static uint8_t full[4096], copy[4200];
	struct qf_store *s = filled(8, 1);
	long size;

	UT_ASSERTF(s, "%s", err);
	qf_store_close(s);
	size = ut_read_file(dpath("log"), full, sizeof(full));
	for (int iter = 0; iter < 300; iter++) {
		long len = size;
		int rc;

		memcpy(copy, full, (size_t)size);
		for (uint32_t k = rnd(3); k; k--)
			copy[LOG_HDR + rnd((uint32_t)(size - LOG_HDR))] ^=
				(uint8_t)(1 + rnd(255));
		if (rnd(2))
			len = LOG_HDR + rnd((uint32_t)(size - LOG_HDR));
		if (rnd(4) == 0)
			for (int j = 0; j < 60; j++)
				copy[len++] = (uint8_t)rnd(256);
		UT_EQ(ut_write_file(dpath("log"), copy, (size_t)len), 0);
		s = NULL;
		rc = qf_store_open(&s, dir, err, sizeof(err));
		if (rc) {
			UT_ASSERTF(rc == -EUCLEAN && err[0], "iter %d: %d", iter, rc);
			continue;
		}
		UT_ASSERT(qf_store_last_index(s) <= 8);
		for (uint64_t i = 1; i <= qf_store_last_index(s); i++)
			UT_ASSERTF(check_entry(s, i, 1) == 0, "iter %d entry %llu",
				   iter, (unsigned long long)i);
		qf_store_close(s);
	}
}

const struct ut_case store_cases[] = {
	{ "store_fresh_open", store_fresh_open },
	{ "store_append_reopen", store_append_reopen },
	{ "store_hardstate_rules", store_hardstate_rules },
	{ "store_hardstate_crash_before_rename",
	  store_hardstate_crash_before_rename },
	{ "store_hardstate_first_save_crash", store_hardstate_first_save_crash },
	{ "store_lost_hardstate_refused", store_lost_hardstate_refused },
	{ "store_fresh_hardstate_durable", store_fresh_hardstate_durable },
	{ "store_first_open_between_files", store_first_open_between_files },
	{ "store_torn_tail_every_offset", store_torn_tail_every_offset },
	{ "store_zeroed_tail", store_zeroed_tail },
	{ "store_flipped_bit_tail", store_flipped_bit_tail },
	{ "store_flipped_bit_middle_refuses", store_flipped_bit_middle_refuses },
	{ "store_torn_batch", store_torn_batch },
	{ "store_append_rules", store_append_rules },
	{ "store_truncate", store_truncate },
	{ "store_snapshot_compacts", store_snapshot_compacts },
	{ "store_snapshot_replaces_log", store_snapshot_replaces_log },
	{ "store_snapshot_crash_points", store_snapshot_crash_points },
	{ "store_corrupt_files_refuse", store_corrupt_files_refuse },
	{ "store_missing_log_refuses", store_missing_log_refuses },
	{ "store_index_gap_refuses", store_index_gap_refuses },
	{ "store_hardstate_behind_log_refuses",
	  store_hardstate_behind_log_refuses },
	{ "store_lock_excludes", store_lock_excludes },
	{ "store_unsafe_dir_refused", store_unsafe_dir_refused },
	{ "store_read_detects_damage", store_read_detects_damage },
	{ "store_random_damage", store_random_damage },
	{ NULL, NULL },
};
