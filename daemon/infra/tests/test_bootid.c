// SPDX-License-Identifier: MIT
/*
 * Tests of bootid.c (design.md rule 11): the sender's boot only grows across
 * restarts, also when the wall clock steps back (the file) and when the
 * file is lost (the clock); a damaged file is refused and left alone; the
 * receiver's memory of peer boots survives a save and a load.
 */
#include <errno.h>
#include <stdio.h>
#include <unistd.h>

#include "../bootid.h"
#include "unit.h"

static const uint8_t key[32] = "0123456789abcdef0123456789abcde";

static uint64_t stored(void)
{
	char buf[64];
	long n = ut_read_file(ut_path(QF_BOOT_FILE), buf, sizeof(buf) - 1);
	unsigned long long v = 0;

	if (n <= 0)
		return 0;
	buf[n] = 0;
	return sscanf(buf, "%llu", &v) == 1 ? v : 0;
}

/* Restarts with the clock standing still, stepping back, and running. */
static void boot_monotonic_across_restarts(void)
{
	uint64_t b1 = 0, b2 = 0, b3 = 0, b4 = 0;
	char err[256];

	UT_EQ(qf_boot_next(ut_dir, 1000000, &b1, err, sizeof(err)), 0);
	UT_EQ(b1, 1000000);			/* first start: the clock */
	UT_EQ(stored(), b1);			/* durable before use */
	UT_EQ(qf_boot_next(ut_dir, 1000000, &b2, err, sizeof(err)), 0);
	UT_ASSERT(b2 > b1);			/* same microsecond */
	UT_EQ(qf_boot_next(ut_dir, 5, &b3, err, sizeof(err)), 0);
	UT_ASSERT(b3 > b2);			/* clock stepped back */
	UT_EQ(qf_boot_next(ut_dir, 9000000, &b4, err, sizeof(err)), 0);
	UT_EQ(b4, 9000000);			/* clock ahead: the clock */
	UT_EQ(stored(), b4);
}

/* The state file lost (a new disk): the clock alone keeps it growing. */
static void boot_monotonic_after_lost_file(void)
{
	uint64_t b1 = 0, b2 = 0, now = qf_boot_clock_us();
	char err[256];

	UT_ASSERT(now > 1700000000ULL * 1000000);	/* a real clock */
	UT_EQ(qf_boot_next(ut_dir, now, &b1, err, sizeof(err)), 0);
	UT_EQ(unlink(ut_path(QF_BOOT_FILE)), 0);
	usleep(2);
	UT_EQ(qf_boot_next(ut_dir, qf_boot_clock_us(), &b2, err,
			   sizeof(err)), 0);
	UT_ASSERT(b2 > b1);
}

/* A damaged boot file is refused with its name and not rewritten. */
static void boot_file_damaged(void)
{
	static const char *const bad[] = { "abc\n", "12", "12\n13\n", "-4\n",
					   "0\n", "99999999999999999999999\n",
					   "" };
	uint64_t b = 7;
	char err[256], back[64];

	for (unsigned int i = 0; bad[i][0]; i++) {
		UT_EQ(ut_write_file(ut_path(QF_BOOT_FILE), bad[i],
				    strlen(bad[i])), 0);
		UT_EQ(qf_boot_next(ut_dir, 100, &b, err, sizeof(err)),
		      -EINVAL);
		UT_CONTAINS(err, "boot-id:1: not a boot");
		UT_EQ(b, 7);
		UT_EQ(ut_read_file(ut_path(QF_BOOT_FILE), back, sizeof(back)),
		      (long)strlen(bad[i]));
	}
	UT_EQ(ut_write_file(ut_path(QF_BOOT_FILE), "18446744073709551615\n",
			    21), 0);
	UT_EQ(qf_boot_next(ut_dir, 100, &b, err, sizeof(err)), -EOVERFLOW);
	UT_EQ(qf_boot_next("/nonexistent/qfence", 100, &b, err, sizeof(err)),
	      -ENOENT);
	UT_CONTAINS(err, "not saved");
}

/* Peer boots: saved, loaded into a fresh wire, damaged lines refused. */
static void boot_peers_roundtrip(void)
{
	struct qf_wire w, r;
	char err[256];

	UT_EQ(qf_wire_init(&w, key, "c1", 2, 0x2222), 0);
	UT_EQ(qf_wire_remember_boot(&w, 1, 1764763200000001ULL), 0);
	UT_EQ(qf_wire_remember_boot(&w, 3, 42), 0);
	UT_EQ(qf_wire_add_peer(&w, 4), 0);	/* never heard: not saved */
	UT_EQ(qf_boot_peers_save(ut_dir, &w, err, sizeof(err)), 0);
	UT_EQ(qf_wire_init(&r, key, "c1", 2, 0x2223), 0);
	UT_EQ(qf_boot_peers_load(ut_dir, &r, err, sizeof(err)), 0);
	UT_EQ(r.npeers, 2);
	UT_EQ(qf_wire_peer(&r, 1)->boot_id, 1764763200000001ULL);
	UT_EQ(qf_wire_peer(&r, 3)->boot_id, 42);
	UT_ASSERT(qf_wire_peer(&r, 3)->have_boot);
	/* a missing file is a first start */
	UT_EQ(unlink(ut_path(QF_PEER_BOOTS_FILE)), 0);
	UT_EQ(qf_boot_peers_load(ut_dir, &r, err, sizeof(err)), 0);
}

static void boot_peers_damaged(void)
{
	static const char *const bad[] = {
		"1 5\nx 6\n", "1 5\n2\n", "1 5", "0 5\n", "1 0\n",
		"4294967296 5\n", "1 5 \n", "1  5\n", NULL,
	};
	struct qf_wire r;
	char err[256];

	UT_EQ(qf_wire_init(&r, key, "c1", 2, 0x2222), 0);
	for (unsigned int i = 0; bad[i]; i++) {
		UT_EQ(ut_write_file(ut_path(QF_PEER_BOOTS_FILE), bad[i],
				    strlen(bad[i])), 0);
		UT_EQ(qf_boot_peers_load(ut_dir, &r, err, sizeof(err)),
		      -EINVAL);
		UT_CONTAINS(err, "peer-boots");
		UT_ASSERTF(r.npeers == 0, "case %u used a line", i);
	}
	/* ourselves in the file: a clear error too */
	UT_EQ(ut_write_file(ut_path(QF_PEER_BOOTS_FILE), "2 5\n", 4), 0);
	UT_EQ(qf_boot_peers_load(ut_dir, &r, err, sizeof(err)), -EINVAL);
	UT_CONTAINS(err, "peer-boots:1: node 2");
	UT_ASSERTF(r.npeers == 0, "a refused file changed the wire");
	/* a good line before a refused one: nothing of the file is used */
	UT_EQ(ut_write_file(ut_path(QF_PEER_BOOTS_FILE), "1 5\n2 5\n", 8), 0);
	UT_EQ(qf_boot_peers_load(ut_dir, &r, err, sizeof(err)), -EINVAL);
	UT_CONTAINS(err, "peer-boots:2: node 2");
	UT_ASSERTF(r.npeers == 0, "line 1 was used although line 2 was refused");
}

const struct ut_case bootid_cases[] = {
	{ "boot_monotonic_across_restarts", boot_monotonic_across_restarts },
	{ "boot_monotonic_after_lost_file", boot_monotonic_after_lost_file },
	{ "boot_file_damaged", boot_file_damaged },
	{ "boot_peers_roundtrip", boot_peers_roundtrip },
	{ "boot_peers_damaged", boot_peers_damaged },
	{ NULL, NULL }
};
