// SPDX-License-Identifier: MIT
/* Unit tests of the wire codec: round trips, strict decoding, fuzzing. */
#include <string.h>

#include "codec.h"
#include "raft.h"
#include "test.h"

static struct qf_msg sample_append(void)
{
	struct qf_msg m = { .type = QF_MSG_APPEND, .from = 1, .to = 2,
			    .timing = 0xdeadbeef,
			    .term = 7, .index = 41, .log_term = 6,
			    .commit = 40, .round = 99, .n_entries = 2 };

	m.u.entries[0] = (struct qf_entry){ .term = 7, .index = 42,
		.type = QF_ENT_NODE_ADD, .role = QF_ROLE_WITNESS, .node = 9,
		.gen = 3, .n_addrs = 1 };
	m.u.entries[0].addrs[0] = (struct qf_addr){ .family = 6, .port = 4711,
		.ip = { 0xfe, 0x80, [15] = 1 } };
	m.u.entries[1] = (struct qf_entry){ .term = 7, .index = 43,
		.type = QF_ENT_NODE_FENCED, .node = 2, .gen = 5,
		.reason = QF_FENCE_LAPSED };
	return m;
}

static void codec_roundtrip_append(void)
{
	uint8_t buf[QF_WIRE_MAX];
	struct qf_msg m = sample_append(), d;
	size_t n = qf_msg_encode(&m, buf, sizeof(buf));

	CHECK_EQ(n, QF_WIRE_HDR + 2 * QF_WIRE_ENTRY);
	CHECK_EQ(qf_msg_decode(&d, buf, n), 0);
	CHECK(memcmp(&d, &m, offsetof(struct qf_msg, u)) == 0);
	CHECK(memcmp(&d.u.entries, &m.u.entries, 2 * sizeof(struct qf_entry)) == 0);
}

static void codec_roundtrip_small(void)
{
	static const int types[] = { QF_MSG_PREVOTE, QF_MSG_VOTE_RESP,
				     QF_MSG_APPEND_RESP, QF_MSG_GRANT,
				     QF_MSG_TIMEOUT_NOW };
	uint8_t buf[QF_WIRE_MAX];

	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		struct qf_msg m = { .type = (uint8_t)types[i], .from = 3,
				    .to = 1, .timing = 0x80000001u,
				    .term = 1ULL << 40,
				    .flags = QF_MF_LAPSED, .boot_id = ~0ULL,
				    .a = 123456789, .gen = 2, .r = 1500 }, d;
		size_t n = qf_msg_encode(&m, buf, sizeof(buf));

		CHECK_EQ(n, QF_WIRE_HDR);
		CHECK_EQ(qf_msg_decode(&d, buf, n), 0);
		CHECK(memcmp(&d, &m, offsetof(struct qf_msg, u)) == 0);
	}
}

static void codec_roundtrip_snapshot(void)
{
	uint8_t buf[QF_WIRE_MAX];
	struct qf_msg m = { .type = QF_MSG_SNAPSHOT, .from = 1, .to = 4,
			    .term = 3, .index = 70, .log_term = 3 }, d;
	uint32_t ids[] = { 1, 2, 3 };
	uint8_t roles[] = { QF_ROLE_VOTER, QF_ROLE_VOTER, QF_ROLE_WITNESS };
	struct qf_snapshot s;
	struct qf_timing t;

	qf_bootstrap(&s, ids, roles, 3);
	qf_timing_default(&t);
	qf_bootstrap_timing(&s, &t);
	CHECK(s.state.timing != 0 && s.state.timing_rec.lease_ms == 1500 &&
	      s.state.timing_rec.rho_ppm == 1000);
	s.state.m[1].fenced_gen = 1;
	s.state.m[1].addrs[1] = (struct qf_addr){ .family = 4, .port = 9,
						  .ip = { 10, 0, 0, 2 } };
	s.state.m[1].n_addrs = 2;
	s.state.fenced[QF_FENCE_SILENT] = 2;	/* the committed counts travel */
	s.state.fenced[QF_FENCE_LAPSED] = 0x01020304;
	s.state.preempted = 1;
	m.u.snap = s.state;
	CHECK_EQ(qf_msg_encode(&m, buf, sizeof(buf)), QF_WIRE_HDR + QF_WIRE_STATE);
	CHECK_EQ(qf_msg_decode(&d, buf, QF_WIRE_HDR + QF_WIRE_STATE), 0);
	CHECK(memcmp(&d.u.snap, &m.u.snap, sizeof(m.u.snap)) == 0);
	/* the length from before the counts: refused, one encoding only */
	CHECK_EQ(qf_msg_decode(&d, buf, QF_WIRE_MAX - QF_WIRE_FENCE_COUNTS), -1);
}

/* design.md §2.10: the timing change's entries and a state in the middle
 * of one (the new values and the applied flags) travel unchanged; without
 * a change the snapshot keeps the old length. */
static void codec_timing_change(void)
{
	uint8_t buf[QF_WIRE_MAX];
	struct qf_msg m = sample_append(), d;
	uint32_t ids[] = { 1, 2, 3 };
	uint8_t roles[] = { 1, 1, 1 };
	struct qf_snapshot s;
	struct qf_timing t, f;
	size_t n;

	qf_timing_fast(&f);
	m.u.entries[0] = (struct qf_entry){ .term = 7, .index = 42,
		.type = QF_ENT_TIMING_BEGIN, .gen = qf_timing_digest(&f) };
	qf_timing_to_rec(&f, &m.u.entries[0].timing);
	m.u.entries[1] = (struct qf_entry){ .term = 7, .index = 43,
		.type = QF_ENT_TIMING_APPLIED, .node = 2, .gen = 77 };
	n = qf_msg_encode(&m, buf, sizeof(buf));
	CHECK_EQ(n, QF_WIRE_HDR + 2 * QF_WIRE_ENTRY);
	CHECK_EQ(qf_msg_decode(&d, buf, n), 0);
	CHECK(memcmp(&d.u.entries, &m.u.entries, 2 * sizeof(struct qf_entry)) == 0);
	CHECK_EQ(d.u.entries[0].timing.lease_ms, 500);
	buf[QF_WIRE_HDR + 32 + 32 + 7] = 1;	/* the zero tail of the values */
	CHECK_EQ(qf_msg_decode(&d, buf, n), -1);

	memset(&m, 0, sizeof(m));
	m = (struct qf_msg){ .type = QF_MSG_SNAPSHOT, .from = 1, .to = 2,
			     .term = 3, .index = 9, .log_term = 3 };
	qf_bootstrap(&s, ids, roles, 3);
	qf_timing_default(&t);
	qf_bootstrap_timing(&s, &t);
	s.state.timing_next = qf_timing_digest(&f);
	qf_timing_to_rec(&f, &s.state.timing_next_rec);
	s.state.m[2].flags |= QF_MF_TIMING_APPLIED;
	m.u.snap = s.state;
	CHECK_EQ(qf_msg_encode(&m, buf, sizeof(buf)), QF_WIRE_MAX);
	CHECK_EQ(qf_msg_decode(&d, buf, QF_WIRE_MAX), 0);
	CHECK(memcmp(&d.u.snap, &m.u.snap, sizeof(m.u.snap)) == 0);
	CHECK_EQ(qf_msg_decode(&d, buf, QF_WIRE_MAX - 32), -1);
}

/* Rule 9: the timing digest travels; version 1 (without it) is refused.
 * The word after it is the sender's own timing during a change (§2.10). */
static void codec_timing_and_version(void)
{
	uint8_t buf[QF_WIRE_MAX];
	struct qf_msg m = sample_append(), d;
	size_t n = qf_msg_encode(&m, buf, sizeof(buf));

	CHECK_EQ(qf_msg_decode(&d, buf, n), 0);
	CHECK_EQ(d.timing, 0xdeadbeef);
	buf[2] = 1;
	CHECK_EQ(qf_msg_decode(&d, buf, n), -1);
	buf[2] = QF_WIRE_VERSION;
	CHECK_EQ(d.timing_own, 0);
	buf[23] = 1;	/* the word after timing: timing_own */
	CHECK_EQ(qf_msg_decode(&d, buf, n), 0);
	CHECK_EQ(d.timing_own, 1);
}

/* Every truncation and any trailing byte is refused; m stays untouched. */
static void codec_strict_length(void)
{
	uint8_t buf[QF_WIRE_MAX + 1];
	struct qf_msg m = sample_append(), d, keep;
	size_t n = qf_msg_encode(&m, buf, sizeof(buf));

	memset(&d, 0x5a, sizeof(d));
	keep = d;
	for (size_t len = 0; len < n; len++)
		CHECK_EQ(qf_msg_decode(&d, buf, len), -1);
	buf[n] = 0;
	CHECK_EQ(qf_msg_decode(&d, buf, n + 1), -1);
	CHECK(memcmp(&d, &keep, sizeof(d)) == 0);
	CHECK_EQ(qf_msg_encode(&m, buf, n - 1), 0);	/* too small */
}

static bool decodes(uint8_t *buf, size_t n, size_t at, uint8_t v)
{
	struct qf_msg d;
	uint8_t old = buf[at];
	int rc;

	buf[at] = v;
	rc = qf_msg_decode(&d, buf, n);
	buf[at] = old;
	return rc == 0;
}

/* design.md §2.11: why a generation was issued and the flapping guard's
 * count travel with the entry and the state; a reason beyond the known
 * ones is refused. */
static void codec_rejoin_fields(void)
{
	uint8_t buf[QF_WIRE_MAX];
	struct qf_msg m = { .type = QF_MSG_APPEND, .from = 1, .to = 2,
			    .term = 2, .index = 4, .log_term = 2,
			    .n_entries = 1 }, d;
	struct qf_entry *e = &m.u.entries[0];
	size_t n;

	*e = (struct qf_entry){ .term = 2, .index = 5, .node = 3, .gen = 4,
		.type = QF_ENT_NODE_JOIN, .reason = QF_JOIN_AFTER_REBOOT,
		.auto_joins = 2, .boot = 0xabcdef01, .window_s = 1764763200 };
	n = qf_msg_encode(&m, buf, sizeof(buf));
	CHECK_EQ(qf_msg_decode(&d, buf, n), 0);
	CHECK(memcmp(&d.u.entries[0], e, sizeof(*e)) == 0);
	CHECK(!decodes(buf, n, QF_WIRE_HDR + 18, __QF_JOIN_LAST));

	memset(&m, 0, sizeof(m));
	m = (struct qf_msg){ .type = QF_MSG_SNAPSHOT, .from = 1, .to = 2 };
	m.u.snap.m[0] = (struct qf_member){ .id = 3, .role = QF_ROLE_VOTER,
		.flags = QF_MF_IN_CONFIG, .gen = 4, .fenced_gen = 3,
		.join_reason = QF_JOIN_WHEN_IDLE, .auto_joins = 3,
		.join_boot = 77, .window_s = 99 };
	n = qf_msg_encode(&m, buf, sizeof(buf));
	CHECK_EQ(qf_msg_decode(&d, buf, n), 0);
	CHECK(memcmp(&d.u.snap, &m.u.snap, sizeof(m.u.snap)) == 0);
	CHECK(!decodes(buf, n, QF_WIRE_HDR + QF_WIRE_MEMBER - 10,
		       __QF_JOIN_LAST));
}

static void codec_refuses_bad_fields(void)
{
	uint8_t buf[QF_WIRE_MAX];
	struct qf_msg m = sample_append();
	size_t n = qf_msg_encode(&m, buf, sizeof(buf));
	size_t e0 = QF_WIRE_HDR;

	CHECK(decodes(buf, n, 0, 'Q'));
	CHECK(!decodes(buf, n, 0, 'X'));		/* magic */
	CHECK(!decodes(buf, n, 2, 1));			/* version */
	CHECK(!decodes(buf, n, 2, 2));	/* no rejoin fields (design.md §2.11) */
	CHECK(!decodes(buf, n, 2, 4));
	CHECK(!decodes(buf, n, 3, 0));			/* type NONE */
	CHECK(!decodes(buf, n, 3, __QF_MSG_LAST));
	CHECK(!decodes(buf, n, 4, 0x80));		/* unknown flag */
	CHECK(!decodes(buf, n, 5, QF_MSG_ENTRIES + 1));	/* n_entries */
	CHECK(!decodes(buf, n, 6, 1));			/* reserved */
	CHECK(!decodes(buf, n, e0 + 16, 0));		/* entry type */
	CHECK(!decodes(buf, n, e0 + 19, QF_MAX_ADDRS + 1));
	CHECK(!decodes(buf, n, e0 + 32, 5));		/* address family */
	CHECK(!decodes(buf, n, e0 + QF_WIRE_ENTRY - 11, 1));	/* its zero */
	CHECK(!decodes(buf, n, 3, QF_MSG_GRANT));	/* entries on a grant */
	CHECK_EQ(qf_msg_encode(&(struct qf_msg){ .type = 0 }, buf, sizeof(buf)), 0);
}

static uint64_t fuzz_rng = 88172645463325252ULL;

static uint64_t fuzz_next(void)
{
	fuzz_rng ^= fuzz_rng << 13;
	fuzz_rng ^= fuzz_rng >> 7;
	fuzz_rng ^= fuzz_rng << 17;
	return fuzz_rng;
}

/* Mutated datagrams: decode refuses or yields a message the core steps
 * without harm (ASan/UBSan build checks the "without harm"). */
static void codec_fuzz_into_core(void)
{
	static struct qf_raft r;
	struct qf_persist ps = { 0 };
	struct qf_config c;
	uint32_t ids[] = { 1, 2, 3 };
	uint8_t roles[] = { 1, 1, 1 }, buf[QF_WIRE_MAX];
	struct qf_msg m = sample_append(), d;
	size_t n = qf_msg_encode(&m, buf, sizeof(buf));
	int ok = 0;

	qf_bootstrap(&ps.snap, ids, roles, 3);
	qf_config_default(&c, 2);
	CHECK_EQ(qf_raft_init(&r, &c, &ps, 77, NULL, NULL), 0);
	for (int i = 0; i < 20000; i++) {
		uint8_t b[QF_WIRE_MAX];
		size_t len = n;

		memcpy(b, buf, n);
		for (int k = (int)(fuzz_next() % 4); k >= 0; k--)
			b[8 + fuzz_next() % (n - 8)] = (uint8_t)fuzz_next();
		if (fuzz_next() % 8 == 0)
			len = fuzz_next() % n;
		if (qf_msg_decode(&d, b, len))
			continue;
		ok++;
		qf_raft_step(&r, 1000 + (qf_ns)i, &d);
		while (qf_raft_has_ready(&r)) {
			struct qf_ready rd;

			qf_raft_ready(&r, &rd);
			qf_raft_advance(&r);
		}
	}
	CHECK(ok > 1000);	/* the fuzzer reached the core */
}

const struct test_case codec_tests[] = {
	{ "rejoin-fields", codec_rejoin_fields },
	{ "roundtrip-append", codec_roundtrip_append },
	{ "roundtrip-small", codec_roundtrip_small },
	{ "roundtrip-snapshot", codec_roundtrip_snapshot },
	{ "timing-change", codec_timing_change },
	{ "timing-and-version", codec_timing_and_version },
	{ "strict-length", codec_strict_length },
	{ "refuses-bad-fields", codec_refuses_bad_fields },
	{ "fuzz-into-core", codec_fuzz_into_core },
	{ 0 },
};
