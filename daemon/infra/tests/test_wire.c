// SPDX-License-Identifier: MIT
/*
 * Tests of wire.c: roundtrip, forged and truncated datagrams at every byte,
 * size bounds before cryptography, the replay window (replay, reordering,
 * beyond the window), peer restarts, boots that only move forward (design.md
 * rule 11: also across a receiver restart and past any history size), and
 * key file checks.
 */
#include <errno.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "../bootid.h"
#include "../wire.h"
#include "unit.h"

static const uint8_t key[32] = "0123456789abcdef0123456789abcde";
static struct qf_wire a, b;
static uint8_t pkt[QF_WIRE_MAX_DGRAM + 64];

/* Node 1 (a) and node 2 (b) of cluster "c1"; both know 1, 2 and 3. */
static int setup(void)
{
	if (qf_wire_init(&a, key, "c1", 1, 0x1111) ||
	    qf_wire_init(&b, key, "c1", 2, 0x2222))
		return -1;
	if (qf_wire_add_peer(&a, 2) || qf_wire_add_peer(&a, 3) ||
	    qf_wire_add_peer(&b, 1) || qf_wire_add_peer(&b, 3))
		return -1;
	return 0;
}

static ssize_t seal(struct qf_wire *w, uint32_t to, const char *s, uint8_t *out)
{
	return qf_wire_seal(w, to, s, strlen(s), out, QF_WIRE_MAX_DGRAM);
}

static void wire_roundtrip(void)
{
	struct qf_wire_msg m;
	ssize_t n;

	UT_EQ(setup(), 0);
	n = seal(&a, 2, "hello", pkt);
	UT_EQ(n, QF_WIRE_HDR_LEN + 5 + QF_WIRE_TAG_LEN);
	UT_EQ(qf_wire_open(&b, pkt, (size_t)n, &m), QF_WIRE_OK);
	UT_ASSERT(m.from == 1 && m.boot_id == 0x1111 && m.seq == 1);
	UT_ASSERT(m.new_boot && m.len == 5 && !memcmp(m.payload, "hello", 5));
	n = seal(&a, 2, "", pkt);
	UT_EQ(qf_wire_open(&b, pkt, (size_t)n, &m), QF_WIRE_OK);
	UT_ASSERT(!m.new_boot && m.seq == 2 && m.len == 0);
	UT_EQ(b.stats.accepted, 2);
	UT_EQ(a.stats.sent, 2);
	/* Full-size payload, and one byte more. */
	{
		static uint8_t big[QF_WIRE_MAX_PAYLOAD + 1];

		n = qf_wire_seal(&a, 2, big, QF_WIRE_MAX_PAYLOAD, pkt,
				 sizeof(pkt));
		UT_EQ(n, QF_WIRE_MAX_DGRAM);
		UT_EQ(qf_wire_open(&b, pkt, (size_t)n, &m), QF_WIRE_OK);
		UT_EQ(qf_wire_seal(&a, 2, big, sizeof(big), pkt, sizeof(pkt)),
		      -EMSGSIZE);
		UT_EQ(qf_wire_seal(&a, 2, "x", 1, pkt, 40), -ENOBUFS);
		UT_EQ(qf_wire_seal(&a, 9, "x", 1, pkt, sizeof(pkt)), -EINVAL);
	}
}

/* Any changed bit is refused and changes nothing. */
static void wire_forged_every_byte(void)
{
	static uint8_t bad[256];
	struct qf_wire_msg m;
	ssize_t n;

	UT_EQ(setup(), 0);
	n = seal(&a, 2, "lease grant", pkt);
	for (ssize_t i = 0; i < n; i++) {
		enum qf_wire_verdict v;

		memcpy(bad, pkt, (size_t)n);
		bad[i] ^= 0x01;
		v = qf_wire_open(&b, bad, (size_t)n, &m);
		UT_ASSERTF(v != QF_WIRE_OK, "byte %zd flipped accepted", i);
		/* Past the checked header fields only the MAC can tell. */
		if (i >= 24 && i != 39)
			UT_ASSERTF(v == QF_WIRE_BAD_MAC, "byte %zd: %s", i,
				   qf_wire_verdict_name(v));
	}
	UT_EQ(b.stats.accepted, 0);
	UT_ASSERT(b.stats.drops[QF_WIRE_BAD_MAC] >= (uint64_t)n - 24 - 1);
	/* The forged boot_id did not reset anything: the peer is unknown
	 * yet, and the original is accepted as the first datagram. */
	UT_ASSERT(!qf_wire_peer(&b, 1)->have_boot);
	UT_EQ(qf_wire_open(&b, pkt, (size_t)n, &m), QF_WIRE_OK);
}

static void wire_wrong_key(void)
{
	struct qf_wire c;
	struct qf_wire_msg m;
	uint8_t k2[32];
	ssize_t n;

	UT_EQ(setup(), 0);
	memcpy(k2, key, 32);
	k2[31] ^= 1;
	UT_EQ(qf_wire_init(&c, k2, "c1", 3, 0x3333), 0);
	UT_EQ(qf_wire_add_peer(&c, 2), 0);
	n = seal(&c, 2, "hi", pkt);
	UT_EQ(qf_wire_open(&b, pkt, (size_t)n, &m), QF_WIRE_BAD_MAC);
	UT_EQ(b.stats.drops[QF_WIRE_BAD_MAC], 1);
	qf_wire_fini(&c);
}

static void wire_every_truncation(void)
{
	struct qf_wire_msg m;
	ssize_t n;

	UT_EQ(setup(), 0);
	n = seal(&a, 2, "append entries", pkt);
	for (ssize_t len = 0; len < n; len++)
		UT_ASSERTF(qf_wire_open(&b, pkt, (size_t)len, &m) ==
			   QF_WIRE_TRUNCATED, "length %zd", len);
	UT_EQ(b.stats.drops[QF_WIRE_TRUNCATED], n);
	UT_EQ(qf_wire_open(&b, pkt, (size_t)n, &m), QF_WIRE_OK);
}

/* Oversize is refused before any MAC is computed: even a correctly
 * authenticated oversize datagram never gets in. */
static void wire_oversize_before_crypto(void)
{
	static uint8_t big[QF_WIRE_MAX_DGRAM + 1];
	size_t plen = QF_WIRE_MAX_PAYLOAD + 1;
	struct qf_wire_msg m;

	UT_EQ(setup(), 0);
	UT_EQ(qf_wire_seal(&a, 2, "x", 1, big, sizeof(big)), 73);
	big[6] = (uint8_t)(plen >> 8);
	big[7] = (uint8_t)plen;
	crypto_auth_hmacsha512256(big + QF_WIRE_HDR_LEN + plen, big,
				  QF_WIRE_HDR_LEN + plen, a.mac_key);
	UT_EQ(qf_wire_open(&b, big, sizeof(big), &m), QF_WIRE_OVERSIZE);
	UT_EQ(qf_wire_open(&b, big, 65536, &m), QF_WIRE_OVERSIZE);
	UT_EQ(b.stats.drops[QF_WIRE_OVERSIZE], 2);
	UT_EQ(b.stats.drops[QF_WIRE_BAD_MAC], 0);
	/* Longer than its declared payload: refused as well. */
	UT_EQ(qf_wire_seal(&a, 2, "x", 1, pkt, sizeof(pkt)), 73);
	UT_EQ(qf_wire_open(&b, pkt, 74, &m), QF_WIRE_BAD_HEADER);
}

static void wire_replay(void)
{
	struct qf_wire_msg m;
	ssize_t n;

	UT_EQ(setup(), 0);
	n = seal(&a, 2, "vote", pkt);
	UT_EQ(qf_wire_open(&b, pkt, (size_t)n, &m), QF_WIRE_OK);
	UT_EQ(qf_wire_open(&b, pkt, (size_t)n, &m), QF_WIRE_REPLAY);
	UT_EQ(qf_wire_open(&b, pkt, (size_t)n, &m), QF_WIRE_REPLAY);
	UT_EQ(b.stats.drops[QF_WIRE_REPLAY], 2);
	UT_EQ(b.stats.accepted, 1);
}

static void wire_reordering_within_window(void)
{
	static uint8_t q[200][128];
	static ssize_t len[200];
	struct qf_wire_msg m;

	UT_EQ(setup(), 0);
	for (int i = 0; i < 200; i++)
		len[i] = qf_wire_seal(&a, 2, "x", 1, q[i], sizeof(q[i]));
	/* Evens backwards, then odds forwards. */
	for (int i = 198; i >= 0; i -= 2)
		UT_ASSERTF(qf_wire_open(&b, q[i], (size_t)len[i], &m) ==
			   QF_WIRE_OK, "seq %d", i + 1);
	for (int i = 1; i < 200; i += 2)
		UT_ASSERTF(qf_wire_open(&b, q[i], (size_t)len[i], &m) ==
			   QF_WIRE_OK, "seq %d", i + 1);
	for (int i = 0; i < 200; i++)
		UT_ASSERTF(qf_wire_open(&b, q[i], (size_t)len[i], &m) ==
			   QF_WIRE_REPLAY, "seq %d twice", i + 1);
	UT_EQ(b.stats.accepted, 200);
}

static void wire_old_beyond_window(void)
{
	static uint8_t first[128], edge[128], p2[128];
	struct qf_wire_msg m;
	ssize_t n1, ne, n;

	UT_EQ(setup(), 0);
	n1 = qf_wire_seal(&a, 2, "1", 1, first, sizeof(first));	/* seq 1 */
	ne = qf_wire_seal(&a, 2, "2", 1, edge, sizeof(edge));	/* seq 2 */
	for (int i = 3; i <= QF_WIRE_WINDOW + 1; i++) {
		n = qf_wire_seal(&a, 2, "x", 1, p2, sizeof(p2));
		if (i == QF_WIRE_WINDOW + 1)
			UT_EQ(qf_wire_open(&b, p2, (size_t)n, &m), QF_WIRE_OK);
	}
	/* top = 1025: seq 2 is the oldest still inside, seq 1 is out. */
	UT_EQ(qf_wire_open(&b, first, (size_t)n1, &m), QF_WIRE_STALE);
	UT_EQ(qf_wire_open(&b, edge, (size_t)ne, &m), QF_WIRE_OK);
	UT_EQ(qf_wire_open(&b, edge, (size_t)ne, &m), QF_WIRE_REPLAY);
	UT_EQ(b.stats.drops[QF_WIRE_STALE], 1);
}

static void wire_peer_reboot(void)
{
	static uint8_t old1[128], old2[128];
	struct qf_wire a2;
	struct qf_wire_msg m;
	ssize_t n1, n2, n;

	UT_EQ(setup(), 0);
	for (int i = 0; i < 5; i++) {
		n = seal(&a, 2, "before", pkt);
		UT_EQ(qf_wire_open(&b, pkt, (size_t)n, &m), QF_WIRE_OK);
	}
	n1 = seal(&a, 2, "late", old1);		/* seq 6, delivered late */
	/* Node 1 restarts: new boot_id, sequence from 1 again. */
	UT_EQ(qf_wire_init(&a2, key, "c1", 1, 0xbeef), 0);
	UT_EQ(qf_wire_add_peer(&a2, 2), 0);
	n = seal(&a2, 2, "after", pkt);
	UT_EQ(qf_wire_open(&b, pkt, (size_t)n, &m), QF_WIRE_OK);
	UT_ASSERT(m.new_boot && m.boot_id == 0xbeef && m.seq == 1);
	UT_EQ(qf_wire_peer(&b, 1)->restarts, 1);
	UT_EQ(qf_wire_open(&b, pkt, (size_t)n, &m), QF_WIRE_REPLAY);
	/* The old boot's traffic, delayed or recorded, stays out. */
	UT_EQ(qf_wire_open(&b, old1, (size_t)n1, &m), QF_WIRE_OLD_BOOT);
	n2 = seal(&a, 2, "old", old2);
	UT_EQ(qf_wire_open(&b, old2, (size_t)n2, &m), QF_WIRE_OLD_BOOT);
	UT_EQ(qf_wire_peer(&b, 1)->boot_id, 0xbeef);
	n = seal(&a2, 2, "after 2", pkt);
	UT_EQ(qf_wire_open(&b, pkt, (size_t)n, &m), QF_WIRE_OK);
	UT_EQ(m.seq, 2);
}

/* A forged datagram with a new boot_id must not reset the window. */
static void wire_forged_boot_does_not_reset(void)
{
	static uint8_t first[128];
	struct qf_wire_msg m;
	ssize_t n1, n;

	UT_EQ(setup(), 0);
	n1 = seal(&a, 2, "one", first);
	UT_EQ(qf_wire_open(&b, first, (size_t)n1, &m), QF_WIRE_OK);
	n = seal(&a, 2, "two", pkt);
	pkt[24] ^= 0x80;	/* another boot_id, MAC now wrong */
	UT_EQ(qf_wire_open(&b, pkt, (size_t)n, &m), QF_WIRE_BAD_MAC);
	UT_EQ(qf_wire_peer(&b, 1)->boot_id, 0x1111);
	UT_EQ(qf_wire_peer(&b, 1)->restarts, 0);
	UT_EQ(qf_wire_open(&b, first, (size_t)n1, &m), QF_WIRE_REPLAY);
}

/* A sender that restarts k times: boots base+1 .. base+k, one datagram
 * each, all accepted by b; the first one is kept in *first. */
static int restart_many(uint64_t base, int k, uint8_t *first, ssize_t *n1)
{
	struct qf_wire_msg m;
	struct qf_wire s;
	ssize_t n;

	for (int i = 1; i <= k; i++) {
		if (qf_wire_init(&s, key, "c1", 1, base + (uint64_t)i) ||
		    qf_wire_add_peer(&s, 2))
			return -1;
		n = seal(&s, 2, "boot", pkt);
		if (i == 1) {
			memcpy(first, pkt, (size_t)n);
			*n1 = n;
		}
		if (qf_wire_open(&b, pkt, (size_t)n, &m) != QF_WIRE_OK)
			return -1;
	}
	return 0;
}

/*
 * Rule 11: an authentic datagram of an older boot, replayed after the
 * sender restarted more times than any list of old boots could hold, is
 * refused and does not displace the live boot.
 */
static void wire_old_boot_after_history_wrap(void)
{
	static uint8_t first[128], live[128];
	struct qf_wire_msg m;
	ssize_t n1 = 0, nl;

	UT_EQ(setup(), 0);
	UT_EQ(restart_many(0x5000, 40, first, &n1), 0);
	UT_EQ(qf_wire_peer(&b, 1)->boot_id, 0x5000 + 40);
	UT_EQ(qf_wire_open(&b, first, (size_t)n1, &m), QF_WIRE_OLD_BOOT);
	UT_EQ(qf_wire_peer(&b, 1)->boot_id, 0x5000 + 40);
	/* the live boot (0x5028, seq 1 seen) still gets through */
	{
		struct qf_wire s;

		UT_EQ(qf_wire_init(&s, key, "c1", 1, 0x5000 + 40), 0);
		UT_EQ(qf_wire_add_peer(&s, 2), 0);
		seal(&s, 2, "seq 1", live);
		nl = seal(&s, 2, "seq 2", live);
		UT_EQ(qf_wire_open(&b, live, (size_t)nl, &m), QF_WIRE_OK);
		UT_ASSERT(!m.new_boot && m.seq == 2);
	}
}

/* The hook of the daemon: b's peer boots go to ut_dir/peer-boots. */
static int save_boots(void *ctx, const struct qf_wire *w)
{
	(void)ctx;
	return qf_boot_peers_save(ut_dir, w, NULL, 0);
}

static int fail_save(void *ctx, const struct qf_wire *w)
{
	(void)ctx;
	(void)w;
	return -1;
}

/*
 * Rule 11 across a receiver restart: b remembers node 1's newest boot
 * durably, so a recording of node 1's earlier boot is refused by the new
 * b too, and node 1's live traffic keeps flowing.
 */
static void wire_old_boot_after_receiver_restart(void)
{
	static uint8_t old[128];
	struct qf_wire a2, b2;
	struct qf_wire_msg m;
	char err[256];
	ssize_t no, n;

	UT_EQ(setup(), 0);
	b.boot_moved = save_boots;
	n = seal(&a, 2, "boot 0x1111", pkt);
	UT_EQ(qf_wire_open(&b, pkt, (size_t)n, &m), QF_WIRE_OK);
	no = seal(&a, 2, "recorded", old);
	UT_EQ(qf_wire_init(&a2, key, "c1", 1, 0x1112), 0);	/* restart */
	UT_EQ(qf_wire_add_peer(&a2, 2), 0);
	n = seal(&a2, 2, "live", pkt);
	UT_EQ(qf_wire_open(&b, pkt, (size_t)n, &m), QF_WIRE_OK);
	/* node 2 restarts: a new wire state, the durable memory loaded */
	UT_EQ(qf_wire_init(&b2, key, "c1", 2, 0x2223), 0);
	UT_EQ(qf_wire_add_peer(&b2, 1), 0);
	UT_EQ(qf_boot_peers_load(ut_dir, &b2, err, sizeof(err)), 0);
	UT_EQ(qf_wire_peer(&b2, 1)->boot_id, 0x1112);
	UT_EQ(qf_wire_open(&b2, old, (size_t)no, &m), QF_WIRE_OLD_BOOT);
	UT_EQ(qf_wire_peer(&b2, 1)->boot_id, 0x1112);
	n = seal(&a2, 2, "live again", pkt);
	UT_EQ(qf_wire_open(&b2, pkt, (size_t)n, &m), QF_WIRE_OK);
	UT_ASSERT(m.boot_id == 0x1112 && m.seq == 2);
}

/* A newer boot that cannot be made durable is not acted on. */
static void wire_boot_not_durable(void)
{
	struct qf_wire a2;
	struct qf_wire_msg m;
	ssize_t n;

	UT_EQ(setup(), 0);
	n = seal(&a, 2, "first", pkt);
	UT_EQ(qf_wire_open(&b, pkt, (size_t)n, &m), QF_WIRE_OK);
	UT_EQ(qf_wire_init(&a2, key, "c1", 1, 0x1112), 0);
	UT_EQ(qf_wire_add_peer(&a2, 2), 0);
	n = seal(&a2, 2, "restarted", pkt);
	b.boot_moved = fail_save;
	UT_EQ(qf_wire_open(&b, pkt, (size_t)n, &m), QF_WIRE_NOT_DURABLE);
	UT_EQ(qf_wire_peer(&b, 1)->boot_id, 0x1111);
	UT_EQ(qf_wire_peer(&b, 1)->restarts, 0);
	UT_EQ(b.stats.drops[QF_WIRE_NOT_DURABLE], 1);
	b.boot_moved = save_boots;
	UT_EQ(qf_wire_open(&b, pkt, (size_t)n, &m), QF_WIRE_OK);
	UT_ASSERT(m.new_boot && qf_wire_peer(&b, 1)->boot_id == 0x1112);
}

/* An older boot is refused before the MAC: forged or not, it is cheap
 * and changes nothing. A version-1 datagram says what it is. */
static void wire_old_boot_and_version(void)
{
	struct qf_wire_msg m;
	ssize_t n;

	UT_EQ(setup(), 0);
	n = seal(&a, 2, "one", pkt);
	UT_EQ(qf_wire_open(&b, pkt, (size_t)n, &m), QF_WIRE_OK);
	n = seal(&a, 2, "two", pkt);
	pkt[31] ^= 0x01;		/* boot 0x1110: older, MAC wrong */
	UT_EQ(qf_wire_open(&b, pkt, (size_t)n, &m), QF_WIRE_OLD_BOOT);
	UT_EQ(b.stats.drops[QF_WIRE_BAD_MAC], 0);
	pkt[31] ^= 0x01;
	pkt[4] = 1;
	UT_EQ(qf_wire_open(&b, pkt, (size_t)n, &m), QF_WIRE_OLD_VERSION);
	UT_EQ(strcmp(qf_wire_verdict_name(QF_WIRE_OLD_VERSION),
		     "old version"), 0);
	pkt[4] = 2;
	UT_EQ(qf_wire_open(&b, pkt, (size_t)n, &m), QF_WIRE_OK);
}

/* No datagram leaves before this start's boot is set; it only grows. */
static void wire_seal_needs_boot(void)
{
	struct qf_wire w;

	UT_EQ(qf_wire_init(&w, key, "c1", 1, 0), 0);
	UT_EQ(qf_wire_add_peer(&w, 2), 0);
	UT_EQ(seal(&w, 2, "x", pkt), -EINVAL);
	UT_EQ(qf_wire_set_boot(&w, 0x10), 0);
	UT_ASSERT(seal(&w, 2, "x", pkt) > 0);
	UT_EQ(qf_wire_set_boot(&w, 0x10), -EINVAL);
	UT_EQ(qf_wire_set_boot(&w, 0x0f), -EINVAL);
	UT_EQ(qf_wire_remember_boot(&w, 1, 5), -EINVAL);	/* ourselves */
	UT_EQ(qf_wire_remember_boot(&w, 3, 0), -EINVAL);
	UT_EQ(qf_wire_remember_boot(&w, 3, 9), 0);
	UT_EQ(qf_wire_remember_boot(&w, 3, 7), 0);	/* never backwards */
	UT_EQ(qf_wire_peer(&w, 3)->boot_id, 9);
}

static void wire_misaddressed(void)
{
	struct qf_wire c, d;
	struct qf_wire_msg m;
	ssize_t n;

	UT_EQ(setup(), 0);
	/* Another cluster with the same key. */
	UT_EQ(qf_wire_init(&c, key, "c2", 1, 0x5555), 0);
	UT_EQ(qf_wire_add_peer(&c, 2), 0);
	n = seal(&c, 2, "x", pkt);
	UT_EQ(qf_wire_open(&b, pkt, (size_t)n, &m), QF_WIRE_WRONG_CLUSTER);
	/* Traffic for node 3 replayed to node 2. */
	n = seal(&a, 3, "for three", pkt);
	UT_EQ(qf_wire_open(&b, pkt, (size_t)n, &m), QF_WIRE_WRONG_RECEIVER);
	/* A node b does not know (id 4), and b's own id. */
	UT_EQ(qf_wire_init(&d, key, "c1", 4, 0x6666), 0);
	UT_EQ(qf_wire_add_peer(&d, 2), 0);
	n = seal(&d, 2, "x", pkt);
	UT_EQ(qf_wire_open(&b, pkt, (size_t)n, &m), QF_WIRE_UNKNOWN_SENDER);
	UT_EQ(qf_wire_add_peer(&b, 2), -EINVAL);
	UT_EQ(qf_wire_add_peer(&b, 1), -EEXIST);
	/* After removal, node 1 is unknown too. */
	n = seal(&a, 2, "x", pkt);
	UT_EQ(qf_wire_remove_peer(&b, 1), 0);
	UT_EQ(qf_wire_open(&b, pkt, (size_t)n, &m), QF_WIRE_UNKNOWN_SENDER);
	UT_EQ(b.stats.accepted, 0);
}

static void wire_bad_header(void)
{
	static uint8_t bad[128];
	struct qf_wire_msg m;
	ssize_t n;

	UT_EQ(setup(), 0);
	n = seal(&a, 2, "x", pkt);
	memcpy(bad, pkt, (size_t)n);
	bad[0] ^= 1;			/* magic */
	UT_EQ(qf_wire_open(&b, bad, (size_t)n, &m), QF_WIRE_BAD_HEADER);
	memcpy(bad, pkt, (size_t)n);
	bad[4] = 3;			/* version */
	UT_EQ(qf_wire_open(&b, bad, (size_t)n, &m), QF_WIRE_BAD_HEADER);
	memcpy(bad, pkt, (size_t)n);
	bad[5] = 1;			/* flags */
	UT_EQ(qf_wire_open(&b, bad, (size_t)n, &m), QF_WIRE_BAD_HEADER);
	memcpy(bad, pkt, (size_t)n);
	memset(bad + 32, 0, 8);		/* seq 0 */
	UT_EQ(qf_wire_open(&b, bad, (size_t)n, &m), QF_WIRE_BAD_HEADER);
	UT_EQ(b.stats.drops[QF_WIRE_BAD_HEADER], 4);
	UT_ASSERT(!strcmp(qf_wire_verdict_name(QF_WIRE_BAD_MAC), "bad MAC"));
	UT_ASSERT(!strcmp(qf_wire_verdict_name(99), "?"));
}

static void wire_key_file(void)
{
	static const char hex[] =
		"000102030405060708090a0b0c0d0e0f"
		"101112131415161718191A1B1C1D1E1F\n";
	uint8_t k[32], zero[32] = { 0 };
	char err[256];
	const char *p = ut_path("key");

	UT_EQ(ut_write_file(p, key, 32), 0);
	UT_EQ(chmod(p, 0600), 0);
	UT_EQ(qf_wire_key_load(p, k, err, sizeof(err)), 0);
	UT_ASSERT(!memcmp(k, key, 32));
	UT_EQ(ut_write_file(p, hex, strlen(hex)), 0);
	UT_EQ(qf_wire_key_load(p, k, err, sizeof(err)), 0);
	UT_ASSERT(k[0] == 0 && k[10] == 10 && k[31] == 0x1f);
	/* Group or world access: refused, whatever the content. */
	UT_EQ(chmod(p, 0640), 0);
	UT_EQ(qf_wire_key_load(p, k, err, sizeof(err)), -EACCES);
	UT_CONTAINS(err, "mode 0640");
	UT_EQ(chmod(p, 0604), 0);
	UT_EQ(qf_wire_key_load(p, k, err, sizeof(err)), -EACCES);
	UT_EQ(chmod(p, 0600), 0);
	/* Wrong lengths and bad hex. */
	UT_EQ(ut_write_file(p, hex, 40), 0);
	UT_EQ(qf_wire_key_load(p, k, err, sizeof(err)), -EINVAL);
	UT_CONTAINS(err, "not a key");
	UT_EQ(ut_write_file(p, "zz0102030405060708090a0b0c0d0e0f"
			    "101112131415161718191a1b1c1d1e1f", 64), 0);
	UT_EQ(qf_wire_key_load(p, k, err, sizeof(err)), -EINVAL);
	UT_ASSERT(!memcmp(k, zero, 32));
	UT_EQ(ut_write_file(p, "", 0), 0);
	UT_EQ(qf_wire_key_load(p, k, err, sizeof(err)), -EINVAL);
	/* Not a regular file; a symlink; absent. */
	UT_EQ(qf_wire_key_load(ut_dir, k, err, sizeof(err)), -EINVAL);
	UT_EQ(symlink(p, ut_path("link")), 0);
	UT_ASSERT(qf_wire_key_load(ut_path("link"), k, err, sizeof(err)) < 0);
	UT_ASSERT(qf_wire_key_load(ut_path("none"), k, err, sizeof(err)) ==
		  -ENOENT);
	UT_CONTAINS(err, "No such file");
}

static uint64_t rng = 0x2545f4914f6cdd1dULL;

static uint32_t rnd(uint32_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng % n);
}

/* Random bytes and randomly damaged datagrams: never accepted, never a
 * crash, every one counted under exactly one reason. */
static void wire_random_datagrams(void)
{
	static uint8_t good[256], junk[QF_WIRE_MAX_DGRAM + 100];
	struct qf_wire_msg m;
	uint64_t drops = 0;
	ssize_t n;
	int iters = 20000;

	UT_EQ(setup(), 0);
	n = seal(&a, 2, "a valid datagram to damage", good);
	for (int i = 0; i < iters; i++) {
		size_t len;

		if (rnd(2)) {
			len = rnd(sizeof(junk));
			for (size_t j = 0; j < len; j++)
				junk[j] = (uint8_t)rnd(256);
		} else {
			len = (size_t)n - rnd(3);
			memcpy(junk, good, (size_t)n);
			for (uint32_t k = 1 + rnd(4); k; k--)
				junk[rnd((uint32_t)n)] ^= (uint8_t)(1 + rnd(255));
		}
		UT_ASSERTF(qf_wire_open(&b, junk, len, &m) != QF_WIRE_OK,
			   "iteration %d accepted", i);
	}
	for (int v = 1; v < __QF_WIRE_VERDICT_MAX; v++)
		drops += b.stats.drops[v];
	UT_EQ(drops, iters);
	UT_EQ(b.stats.accepted, 0);
	UT_EQ(qf_wire_open(&b, good, (size_t)n, &m), QF_WIRE_OK);
}

const struct ut_case wire_cases[] = {
	{ "wire_roundtrip", wire_roundtrip },
	{ "wire_forged_every_byte", wire_forged_every_byte },
	{ "wire_wrong_key", wire_wrong_key },
	{ "wire_every_truncation", wire_every_truncation },
	{ "wire_oversize_before_crypto", wire_oversize_before_crypto },
	{ "wire_replay", wire_replay },
	{ "wire_reordering_within_window", wire_reordering_within_window },
	{ "wire_old_beyond_window", wire_old_beyond_window },
	{ "wire_peer_reboot", wire_peer_reboot },
	{ "wire_forged_boot_does_not_reset", wire_forged_boot_does_not_reset },
	{ "wire_old_boot_after_history_wrap",
	  wire_old_boot_after_history_wrap },
	{ "wire_old_boot_after_receiver_restart",
	  wire_old_boot_after_receiver_restart },
	{ "wire_boot_not_durable", wire_boot_not_durable },
	{ "wire_old_boot_and_version", wire_old_boot_and_version },
	{ "wire_seal_needs_boot", wire_seal_needs_boot },
	{ "wire_misaddressed", wire_misaddressed },
	{ "wire_bad_header", wire_bad_header },
	{ "wire_key_file", wire_key_file },
	{ "wire_random_datagrams", wire_random_datagrams },
	{ NULL, NULL },
};
