// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: the datagram opener (daemon/infra/wire.c), every
 * verdict. The input is a script of records, so that the fuzzer reaches
 * past the MAC: a record either opens raw bytes, or has one of five
 * senders (two peers, an unknown node, another cluster, another key) seal
 * a payload with a chosen boot and sequence, then perhaps damages one byte
 * of it, or makes the receiver's boot_moved hook fail from then on.
 *
 * Invariants (design.md rule 11; wire.h): a datagram with any verdict but
 * OK changes nothing in the receiver but that verdict's drop counter; an
 * accepted one describes its own bytes, and the same bytes opened again
 * are a REPLAY that changes nothing either.
 */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wire.h"

#define NSEND 5

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

static int hook_fails;

static int boot_moved(void *ctx, const struct qf_wire *w)
{
	(void)ctx;
	(void)w;
	return hook_fails;
}

/* Receiver 1 knows peers 2 and 3; senders 2, 3, 4 (unknown), 2 of another
 * cluster, 2 with another key. */
static void setup(struct qf_wire *rx, struct qf_wire tx[NSEND])
{
	static const uint32_t ids[NSEND] = { 2, 3, 4, 2, 2 };
	uint8_t key[QF_WIRE_KEY_LEN], other[QF_WIRE_KEY_LEN];

	memset(key, 0x5a, sizeof(key));
	memset(other, 0xa5, sizeof(other));
	assert(!qf_wire_init(rx, key, "fuzz", 1, 1000));
	assert(!qf_wire_add_peer(rx, 2) && !qf_wire_add_peer(rx, 3));
	rx->boot_moved = boot_moved;
	for (int i = 0; i < NSEND; i++) {
		assert(!qf_wire_init(&tx[i], i == 4 ? other : key,
				     i == 3 ? "other" : "fuzz", ids[i], 500));
		assert(!qf_wire_add_peer(&tx[i], 1));
	}
}

/* Everything of the receiver but its statistics. */
static void state_of(const struct qf_wire *w, struct qf_wire *st)
{
	*st = *w;
	memset(&st->stats, 0, sizeof(st->stats));
}

static void open_checked(struct qf_wire *rx, const uint8_t *pkt, size_t len)
{
	struct qf_wire before, after;
	struct qf_wire_stats sb = rx->stats;
	struct qf_wire_msg msg;
	enum qf_wire_verdict v;

	state_of(rx, &before);
	v = qf_wire_open(rx, pkt, len, &msg);
	state_of(rx, &after);
	assert(v >= 0 && v < __QF_WIRE_VERDICT_MAX);
	if (v != QF_WIRE_OK) {
		assert(!memcmp(&before, &after, sizeof(before)));
		assert(rx->stats.drops[v] == sb.drops[v] + 1);
		assert(rx->stats.accepted == sb.accepted);
		return;
	}
	assert(rx->stats.accepted == sb.accepted + 1);
	assert(qf_wire_peer(rx, msg.from) && msg.seq);
	assert(msg.payload == pkt + QF_WIRE_HDR_LEN);
	assert(msg.len == len - QF_WIRE_HDR_LEN - QF_WIRE_TAG_LEN);
	assert(qf_wire_peer(rx, msg.from)->boot_id == msg.boot_id);
	/* the same bytes again: a replay, and nothing moves */
	state_of(rx, &before);
	v = qf_wire_open(rx, pkt, len, &msg);
	state_of(rx, &after);
	assert(v == QF_WIRE_REPLAY);
	assert(!memcmp(&before, &after, sizeof(before)));
}

static void sealed(struct qf_wire *rx, struct qf_wire tx[NSEND],
		   struct script *s, uint8_t op)
{
	uint8_t pkt[2048] = { 0 }, payload[256];
	struct qf_wire *t = &tx[take(s) % NSEND];
	size_t plen = take(s);
	uint8_t b = take(s);
	ssize_t n;

	/* a boot near the current one, forward or back; a sequence near the
	 * last one or far off (beyond the window) */
	t->boot_id = 500 + (b & 7);
	t->seq = (uint64_t)take(s) << ((b >> 3 & 3) * 8);
	for (size_t i = 0; i < plen; i++)
		payload[i] = take(s);
	n = qf_wire_seal(t, 1, payload, plen, pkt, sizeof(pkt));
	assert(n > 0);
	if (op & 0x10)	/* damage one byte */
		pkt[take(s) % n] ^= (uint8_t)(1 + take(s) % 255);
	if (op & 0x20)	/* cut, or extend (past QF_WIRE_MAX_DGRAM too) */
		n = (op & 0x40) ? n - take(s) % n : n + take(s) * 6;
	open_checked(rx, pkt, (size_t)n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct qf_wire rx, tx[NSEND];
	struct script s = { data, size };
	uint8_t raw[QF_WIRE_MAX_DGRAM + 64];

	memset(&rx, 0, sizeof(rx));
	setup(&rx, tx);
	hook_fails = 0;
	for (int steps = 0; s.len && steps < 64; steps++) {
		uint8_t op = take(&s);
		size_t n;

		switch (op & 3) {
		case 0:
			n = take(&s) * 6;	/* up to 1530: past the limit */
			n = n > s.len ? s.len : n;
			n = n > sizeof(raw) ? sizeof(raw) : n;
			memcpy(raw, s.p, n);
			s.p += n;
			s.len -= n;
			open_checked(&rx, raw, n);
			break;
		case 1:
		case 2:
			sealed(&rx, tx, &s, op);
			break;
		default:
			hook_fails = op >> 2 & 1;
			break;
		}
	}
	qf_wire_fini(&rx);
	for (int i = 0; i < NSEND; i++)
		qf_wire_fini(&tx[i]);
	return 0;
}
