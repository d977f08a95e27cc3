// SPDX-License-Identifier: MIT
/* codec.c: core messages, entries and snapshots on the wire and disk. */
#include <string.h>

#include "codec.h"
#include "quorumd.h"
#include "test.h"

static uint8_t buf[QD_PAYLOAD_MAX];

static void fill_entry(struct qf_entry *e, uint64_t i)
{
	memset(e, 0, sizeof(*e));
	e->term = 3;
	e->index = i;
	e->type = QF_ENT_NODE_ADD;
	e->role = QF_ROLE_WITNESS;
	e->node = 7;
	e->gen = 1;
	e->n_addrs = 2;
	e->addrs[0] = (struct qf_addr){ .family = 4, .port = 7405,
					.ip = { 10, 0, 0, 7 } };
	e->addrs[1] = (struct qf_addr){ .family = 6, .port = 7406,
					.ip = { 0x20, 1, 0xd, 0xb8, [15] = 7 } };
}

static void full_state(struct qf_state *s)
{
	memset(s, 0, sizeof(*s));
	for (int i = 0; i < QF_MAX_MEMBERS; i++) {
		struct qf_entry e;

		fill_entry(&e, 1);
		s->m[i] = (struct qf_member){
			.id = 100 + i, .role = QF_ROLE_VOTER,
			.flags = QF_MF_IN_CONFIG, .fence_reason = 2,
			.n_addrs = 2, .gen = 5, .fenced_gen = 4,
		};
		memcpy(s->m[i].addrs, e.addrs, sizeof(e.addrs));
	}
}

/* A full 16-member snapshot message (core codec) fits one datagram. */
static void msg_snapshot_full_fits(void)
{
	static struct qf_msg m, o;
	size_t n;

	memset(&m, 0, sizeof(m));
	m.type = QF_MSG_SNAPSHOT;
	m.from = 1;
	m.to = 2;
	m.index = 100;
	full_state(&m.u.snap);
	n = qf_msg_encode(&m, buf, sizeof(buf));
	CHECK(n > 0 && n <= QD_PAYLOAD_MAX);
	CHECK(qf_msg_decode(&o, buf, n) == 0);
	CHECK(memcmp(&m, &o, sizeof(m)) == 0);
	/* and a forwarded REJOIN never decodes as a core message */
	CHECK(qd_enc_rejoin(3, 7, buf, sizeof(buf)) == QD_REJOIN_LEN);
	CHECK(qf_msg_decode(&o, buf, QD_REJOIN_LEN) == -1);
}

static void entry_and_snapshot_roundtrip(void)
{
	static struct qf_snapshot s, so;
	struct qf_entry e, eo;
	ssize_t n;

	fill_entry(&e, 42);
	n = qd_enc_entry(&e, buf, sizeof(buf));
	CHECK(n > 0 && n <= 128);	/* persist.c's record buffers */
	CHECK(qd_dec_entry(buf, (size_t)n, &eo) == 0);
	CHECK(memcmp(&e, &eo, sizeof(e)) == 0);
	buf[0] = 99;	/* unknown version */
	CHECK(qd_dec_entry(buf, (size_t)n, &eo) == -1);
	s.index = 9;
	s.term = 4;
	full_state(&s.state);
	s.state.max_gen = 9;
	s.state.timing = 0x12345678;
	n = qd_enc_snapshot(&s, buf, sizeof(buf));
	CHECK(n > 0);
	CHECK(qd_dec_snapshot(buf, (size_t)n, &so) == 0);
	CHECK(memcmp(&s, &so, sizeof(s)) == 0);
	CHECK(qd_dec_snapshot(buf, (size_t)n - 1, &so) == -1);
}

/*
 * Version 3 added the cluster's timing (design.md rule 9) after max_gen. A
 * version-2 store still reads: its state has no timing recorded (0), and
 * its entries are unchanged.
 */
static void snapshot_v2_migrates(void)
{
	static struct qf_snapshot s, so;
	static uint8_t old[sizeof(buf)];
	struct qf_entry e, eo;
	ssize_t n;

	memset(&s, 0, sizeof(s));
	s.index = 3;
	s.term = 2;
	s.state.m[0] = (struct qf_member){ .id = 1, .gen = 1,
		.role = QF_ROLE_VOTER, .flags = QF_MF_IN_CONFIG };
	s.state.max_gen = 1;
	s.state.timing = 0xabcdef01;
	s.state.timing_rec.lease_ms = 1500;
	n = qd_enc_snapshot(&s, buf, sizeof(buf));
	CHECK(n > 0 && buf[0] == 5);
	CHECK(qd_dec_snapshot(buf, (size_t)n, &so) == 0);
	CHECK(memcmp(&s, &so, sizeof(s)) == 0);
	/* the same record as version 2 wrote it: no timing words (neither
	 * the cluster's, 36 bytes, nor version 5's change, 36 more), no
	 * fence counts (20, version 5), and no rejoin fields (version 5, 10
	 * bytes) after the member */
	memcpy(old, buf, 1 + 16 + 1 + 8);
	memcpy(old + 26, buf + 26 + 92, (size_t)n - 26 - 92 - 10);
	old[0] = 2;
	CHECK(qd_dec_snapshot(old, (size_t)n - 92 - 10, &so) == 0);
	CHECK(so.state.timing == 0 && so.state.timing_rec.lease_ms == 0 &&
	      so.state.max_gen == 1 && so.state.m[0].id == 1 &&
	      so.index == 3);
	fill_entry(&e, 7);
	n = qd_enc_entry(&e, buf, sizeof(buf));
	buf[0] = 2;
	CHECK(qd_dec_entry(buf, (size_t)n, &eo) == 0);
	CHECK(memcmp(&e, &eo, sizeof(e)) == 0);
	buf[0] = 1;
	CHECK(qd_dec_entry(buf, (size_t)n, &eo) == -1);
}

/*
 * Version 4 added the PREEMPTED entry (design.md rule 13): it round-trips,
 * a version-3 record of the same bytes is refused (no version-3 daemon
 * wrote one), older entries of versions 3 and 2 still read, and an entry
 * type beyond PREEMPTED is refused.
 */
static void entry_preempted_v4(void)
{
	struct qf_entry e = { .term = 5, .index = 9, .type = QF_ENT_PREEMPTED,
			      .node = 3, .gen = 7, .reason = 2 }, eo;
	ssize_t n = qd_enc_entry(&e, buf, sizeof(buf));

	CHECK(n > 0 && buf[0] == 5);
	buf[0] = 4;
	CHECK(qd_dec_entry(buf, (size_t)n, &eo) == 0);
	CHECK(memcmp(&e, &eo, sizeof(e)) == 0);
	buf[0] = 3;
	CHECK(qd_dec_entry(buf, (size_t)n, &eo) == -1);
	e.type = QF_ENT_NODE_FENCED;
	n = qd_enc_entry(&e, buf, sizeof(buf));
	buf[0] = 3;
	CHECK(qd_dec_entry(buf, (size_t)n, &eo) == 0 && eo.type == e.type);
	e.type = __QF_ENT_LAST;
	n = qd_enc_entry(&e, buf, sizeof(buf));
	CHECK(qd_dec_entry(buf, (size_t)n, &eo) == -1);
}

/*
 * Version 5, the committed timing change (design.md §2.10): TIMING_BEGIN
 * keeps its values, APPLIED and DONE their digest; none of them reads from
 * a record older than 5. A state in the middle of a change keeps the new
 * timing and the applied flags; a version-4 state (36 bytes shorter)
 * reads as "no change in progress".
 */
static void timing_change_v5(void)
{
	static struct qf_snapshot s, so;
	static uint8_t old[sizeof(buf)];
	struct qf_entry e = { .term = 5, .index = 9,
			      .type = QF_ENT_TIMING_BEGIN, .gen = 0xfeed }, eo;
	ssize_t n;

	e.timing = (struct qf_timing_rec){ .heartbeat_ms = 50, .lease_ms = 500,
					   .settle_ms = 300, .wait_ms = 802 };
	n = qd_enc_entry(&e, buf, sizeof(buf));
	CHECK(n > 0 && n <= 128 && buf[0] == 5);
	CHECK(qd_dec_entry(buf, (size_t)n, &eo) == 0);
	CHECK(memcmp(&e, &eo, sizeof(e)) == 0);
	CHECK(qd_dec_entry(buf, (size_t)n - 1, &eo) == -1);
	buf[0] = 4;
	CHECK(qd_dec_entry(buf, (size_t)n, &eo) == -1);
	e = (struct qf_entry){ .term = 5, .index = 10, .node = 2,
			       .type = QF_ENT_TIMING_APPLIED, .gen = 0xfeed };
	n = qd_enc_entry(&e, buf, sizeof(buf));
	CHECK(qd_dec_entry(buf, (size_t)n, &eo) == 0 &&
	      memcmp(&e, &eo, sizeof(e)) == 0);
	buf[0] = 4;
	CHECK(qd_dec_entry(buf, (size_t)n, &eo) == -1);

	memset(&s, 0, sizeof(s));
	s.index = 10;
	s.term = 5;
	s.state.m[0] = (struct qf_member){ .id = 1, .gen = 1,
		.role = QF_ROLE_VOTER,
		.flags = QF_MF_IN_CONFIG | QF_MF_TIMING_APPLIED };
	s.state.timing = 0xabcdef01;
	s.state.timing_rec.lease_ms = 1500;
	s.state.timing_next = 0xfeed;
	s.state.timing_next_rec.lease_ms = 500;
	n = qd_enc_snapshot(&s, buf, sizeof(buf));
	CHECK(n > 0);
	CHECK(qd_dec_snapshot(buf, (size_t)n, &so) == 0);
	CHECK(memcmp(&s, &so, sizeof(s)) == 0);
	/* as version 4 wrote it: no change words, no fence counts, no rejoin fields (the
	 * last 10 bytes of the one member) */
	memcpy(old, buf, 1 + 16 + 1 + 8 + 36);
	memcpy(old + 62, buf + 62 + 56, (size_t)n - 62 - 56 - 10);
	old[0] = 4;
	CHECK(qd_dec_snapshot(old, (size_t)n - 56 - 10, &so) == 0);
	CHECK(so.state.timing == 0xabcdef01 && so.state.timing_next == 0 &&
	      so.state.timing_next_rec.lease_ms == 0 && so.state.m[0].id == 1);
}

/*
 * Version 5 (design.md §2.11): a NODE_JOIN carries its reason's boot and
 * the flapping guard's count, a member its join fields; they round-trip.
 * A version-4 NODE_JOIN and state read with them 0 (an operator's rejoin,
 * no count), and an unknown join reason is refused.
 */
static void rejoin_fields_v5(void)
{
	static struct qf_snapshot s, so;
	static uint8_t old[sizeof(buf)];
	struct qf_entry e = { .term = 5, .index = 9, .type = QF_ENT_NODE_JOIN,
			      .node = 3, .gen = 8,
			      .reason = QF_JOIN_AFTER_REBOOT, .auto_joins = 2,
			      .boot = 0xfeedbeef, .window_s = 1764763200 }, eo;
	ssize_t n = qd_enc_entry(&e, buf, sizeof(buf));

	CHECK(n > 0 && buf[0] == 5);
	CHECK(qd_dec_entry(buf, (size_t)n, &eo) == 0);
	CHECK(memcmp(&e, &eo, sizeof(e)) == 0);
	buf[0] = 4;	/* a version-4 daemon wrote no rejoin fields */
	CHECK(qd_dec_entry(buf, (size_t)n, &eo) == -1);
	CHECK(qd_dec_entry(buf, (size_t)n - 9, &eo) == 0);
	CHECK(eo.boot == 0 && eo.auto_joins == 0 && eo.window_s == 0);
	e.reason = __QF_JOIN_LAST;
	n = qd_enc_entry(&e, buf, sizeof(buf));
	CHECK(qd_dec_entry(buf, (size_t)n, &eo) == -1);

	memset(&s, 0, sizeof(s));
	s.state.m[0] = (struct qf_member){ .id = 1, .gen = 2,
		.role = QF_ROLE_VOTER, .flags = QF_MF_IN_CONFIG,
		.join_reason = QF_JOIN_WHEN_IDLE, .auto_joins = 1,
		.join_boot = 9, .window_s = 77 };
	n = qd_enc_snapshot(&s, buf, sizeof(buf));
	CHECK(qd_dec_snapshot(buf, (size_t)n, &so) == 0);
	CHECK(memcmp(&s, &so, sizeof(s)) == 0);
	/* as version 4 wrote it: no timing-change words and fence counts (56 bytes after the
	 * cluster's timing), no rejoin fields (the member's last 10) */
	memcpy(old, buf, 1 + 16 + 1 + 8 + 36);
	memcpy(old + 62, buf + 62 + 56, (size_t)n - 62 - 56 - 10);
	old[0] = 4;
	CHECK(qd_dec_snapshot(old, (size_t)n - 56 - 10, &so) == 0);
	CHECK(so.state.m[0].id == 1 && so.state.m[0].auto_joins == 0 &&
	      so.state.m[0].join_reason == 0 && so.state.m[0].window_s == 0);
	buf[0] = 5;
	buf[n - 10] = __QF_JOIN_LAST;
	CHECK(qd_dec_snapshot(buf, (size_t)n, &so) == -1);
}

/* Duplicate slot numbers in a state are refused. */
static void state_duplicate_slot(void)
{
	static struct qf_snapshot s, so;
	ssize_t n;

	memset(&s, 0, sizeof(s));
	s.state.m[0] = (struct qf_member){ .id = 1, .gen = 1 };
	s.state.m[1] = (struct qf_member){ .id = 2, .gen = 1 };
	n = qd_enc_snapshot(&s, buf, sizeof(buf));
	CHECK(n > 0);
	/* second member's slot byte := 0 (same as the first) */
	buf[1 + 16 + 1 + 8 + 4 + 32 + 4 + 32 + 20 + 35] = 0;
	CHECK(qd_dec_snapshot(buf, (size_t)n, &so) == -1);
}

/* A forwarded REJOIN names the fenced generation it ends (design.md rule
 * 11); the old form without one, and a zero node or generation, are
 * refused. */
static void rejoin_names_generation(void)
{
	uint64_t gen = 0;
	uint32_t node = 0;

	CHECK(qd_enc_rejoin(3, 0x0102030405ULL, buf, sizeof(buf)) ==
	      QD_REJOIN_LEN);
	CHECK(qd_dec_rejoin(buf, QD_REJOIN_LEN, &node, &gen) == 0);
	CHECK(node == 3 && gen == 0x0102030405ULL);
	CHECK(qd_dec_rejoin(buf, 5, &node, &gen) == -1);
	CHECK(qd_dec_rejoin(buf, QD_REJOIN_LEN - 1, &node, &gen) == -1);
	CHECK(qd_dec_rejoin(buf, QD_REJOIN_LEN + 1, &node, &gen) == -1);
	CHECK(qd_enc_rejoin(3, 0, buf, sizeof(buf)) == QD_REJOIN_LEN);
	CHECK(qd_dec_rejoin(buf, QD_REJOIN_LEN, &node, &gen) == -1);
	CHECK(qd_enc_rejoin(3, 1, buf, QD_REJOIN_LEN - 1) == 0);
}

/*
 * design.md §2.11: a node's own automatic rejoin request round-trips; an
 * unknown reason, a fresh flag other than 0/1, a zero node, generation or
 * boot, a truncated or longer datagram are refused, and it never decodes
 * as a forwarded REJOIN or a core message.
 */
static void auto_rejoin_request(void)
{
	static struct qf_msg m;
	struct qf_join_req q = { .node = 3, .reason = QF_JOIN_AFTER_REBOOT,
				 .lease_fresh = true, .fenced_gen = 7,
				 .boot = 0xabcdef01, .armed_boot = 5 }, o;
	uint64_t gen;
	uint32_t node;
	size_t n = qd_enc_auto_rejoin(&q, buf, sizeof(buf));

	CHECK(n == QD_AUTO_REJOIN_LEN);
	memset(&o, 0, sizeof(o));
	CHECK(qd_dec_auto_rejoin(buf, n, &o) == 0);
	CHECK(o.node == 3 && o.reason == QF_JOIN_AFTER_REBOOT &&
	      o.lease_fresh && o.fenced_gen == 7 && o.boot == 0xabcdef01 &&
	      o.armed_boot == 5);
	CHECK(qd_dec_auto_rejoin(buf, n - 1, &o) == -1);
	CHECK(qd_dec_auto_rejoin(buf, n + 1, &o) == -1);
	CHECK(qd_dec_rejoin(buf, n, &node, &gen) == -1);
	CHECK(qf_msg_decode(&m, buf, n) == -1);
	buf[13] = QF_JOIN_ADMIN;	/* only the node's own policies */
	CHECK(qd_dec_auto_rejoin(buf, n, &o) == -1);
	buf[13] = __QF_JOIN_LAST;
	CHECK(qd_dec_auto_rejoin(buf, n, &o) == -1);
	buf[13] = QF_JOIN_WHEN_IDLE;
	CHECK(qd_dec_auto_rejoin(buf, n, &o) == 0 &&
	      o.reason == QF_JOIN_WHEN_IDLE);
	buf[14] = 2;			/* fresh is a flag */
	CHECK(qd_dec_auto_rejoin(buf, n, &o) == -1);
	q.boot = 0;
	n = qd_enc_auto_rejoin(&q, buf, sizeof(buf));
	CHECK(qd_dec_auto_rejoin(buf, n, &o) == -1);
	q.boot = 1;
	q.fenced_gen = 0;
	n = qd_enc_auto_rejoin(&q, buf, sizeof(buf));
	CHECK(qd_dec_auto_rejoin(buf, n, &o) == -1);
	CHECK(qd_enc_auto_rejoin(&q, buf, QD_AUTO_REJOIN_LEN - 1) == 0);
}

/* A forwarded FENCE names the generation to fence (design.md rule 11): a
 * short or long payload, a zero node or generation, a REJOIN's type byte
 * are refused; the two forwarded kinds never decode as each other. */
static void fence_names_generation(void)
{
	uint64_t gen = 0;
	uint32_t node = 0;

	CHECK(qd_enc_fence(2, 0x0a0b0c0d0eULL, buf, sizeof(buf)) ==
	      QD_FENCE_LEN);
	CHECK(buf[0] == QD_PKT_FENCE);
	CHECK(qd_dec_fence(buf, QD_FENCE_LEN, &node, &gen) == 0);
	CHECK(node == 2 && gen == 0x0a0b0c0d0eULL);
	CHECK(qd_dec_rejoin(buf, QD_FENCE_LEN, &node, &gen) == -1);
	CHECK(qd_dec_fence(buf, 5, &node, &gen) == -1);
	CHECK(qd_dec_fence(buf, QD_FENCE_LEN - 1, &node, &gen) == -1);
	CHECK(qd_dec_fence(buf, QD_FENCE_LEN + 1, &node, &gen) == -1);
	CHECK(qd_enc_fence(2, 0, buf, sizeof(buf)) == QD_FENCE_LEN);
	CHECK(qd_dec_fence(buf, QD_FENCE_LEN, &node, &gen) == -1);
	CHECK(qd_enc_fence(0, 4, buf, sizeof(buf)) == QD_FENCE_LEN);
	CHECK(qd_dec_fence(buf, QD_FENCE_LEN, &node, &gen) == -1);
	CHECK(qd_enc_rejoin(2, 4, buf, sizeof(buf)) == QD_REJOIN_LEN);
	CHECK(qd_dec_fence(buf, QD_REJOIN_LEN, &node, &gen) == -1);
	CHECK(qd_enc_fence(2, 1, buf, QD_FENCE_LEN - 1) == 0);
}

/*
 * Version 5: the state carries the committed fence counts, so a restart
 * from a snapshot does not lose (or, replaying the log after it, double)
 * them; a version-4 state (without them) reads as counts 0.
 */
static void snapshot_fence_counts_v5(void)
{
	static uint8_t v4[4096];
	struct qf_snapshot s, so;
	ssize_t n;

	memset(&s, 0, sizeof(s));
	s.index = 9;
	s.state.m[0] = (struct qf_member){ .id = 1, .gen = 1 };
	s.state.fenced[QF_FENCE_SILENT] = 3;
	s.state.fenced[QF_FENCE_LAPSED] = 0x01020304;
	s.state.preempted = 2;
	n = qd_enc_snapshot(&s, buf, sizeof(buf));
	CHECK(n > 0 && buf[0] == 5);
	CHECK(qd_dec_snapshot(buf, (size_t)n, &so) == 0);
	CHECK(memcmp(&s, &so, sizeof(s)) == 0);
	/* version 4 wrote no counts: 1 + 16 + 1 + 8 + 4 + 32 bytes, then
	 * the slots (nor the timing change's 36 bytes before the counts,
	 * nor the member's 10 bytes of rejoin fields at its end) */
	memcpy(v4, buf, 62);
	memcpy(v4 + 62, buf + 62 + 56, (size_t)n - 62 - 56 - 10);
	v4[0] = 4;
	CHECK(qd_dec_snapshot(v4, (size_t)n - 56 - 10, &so) == 0);
	CHECK(so.state.fenced[QF_FENCE_SILENT] == 0 &&
	      so.state.preempted == 0 && so.state.m[0].id == 1);
	/* and the same bytes as version 5 are short: refused */
	v4[0] = 5;
	CHECK(qd_dec_snapshot(v4, (size_t)n - 56 - 10, &so) == -1);
}

const struct t_case t_codec[] = {
	{ "codec/auto_rejoin_request", auto_rejoin_request },
	{ "codec/snapshot_msg_fits_datagram", msg_snapshot_full_fits },
	{ "codec/entry_snapshot_roundtrip", entry_and_snapshot_roundtrip },
	{ "codec/state_duplicate_slot", state_duplicate_slot },
	{ "codec/snapshot_v2_migrates", snapshot_v2_migrates },
	{ "codec/entry_preempted_v4", entry_preempted_v4 },
	{ "codec/timing_change_v5", timing_change_v5 },
	{ "codec/rejoin_fields_v5", rejoin_fields_v5 },
	{ "codec/rejoin_names_generation", rejoin_names_generation },
	{ "codec/fence_names_generation", fence_names_generation },
	{ "codec/snapshot_fence_counts_v5", snapshot_fence_counts_v5 },
	{ 0 }
};
