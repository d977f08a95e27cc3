// SPDX-License-Identifier: MIT
/* codec.c: core messages, entries and snapshots on the wire and disk. */
#include <string.h>

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

static void msg_roundtrip_append(void)
{
	struct qf_msg m = { 0 }, o;
	ssize_t n;

	m.type = QF_MSG_APPEND;
	m.from = 1;
	m.to = 2;
	m.term = 9;
	m.index = 4;
	m.log_term = 8;
	m.commit = 3;
	m.round = 77;
	m.n_entries = 3;
	for (int i = 0; i < 3; i++)
		fill_entry(&m.u.entries[i], 5 + i);
	n = qd_enc_msg(&m, buf, sizeof(buf));
	CHECK(n > 0);
	CHECK(qd_dec_msg(buf, (size_t)n, &o) == 0);
	CHECK(memcmp(&m, &o, sizeof(m)) == 0);
}

static void msg_roundtrip_grant(void)
{
	struct qf_msg m = { 0 }, o;
	ssize_t n;

	m.type = QF_MSG_GRANT;
	m.flags = QF_MF_LAPSED;
	m.from = 3;
	m.to = 65535;
	m.term = UINT64_MAX;
	m.boot_id = 0x0123456789abcdefULL;
	m.a = 1234567890123ULL;
	m.gen = 2;
	m.r = 1500 * QF_MS;
	n = qd_enc_msg(&m, buf, sizeof(buf));
	CHECK(n > 0);
	CHECK(qd_dec_msg(buf, (size_t)n, &o) == 0);
	CHECK(memcmp(&m, &o, sizeof(m)) == 0);
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

/* A full 16-member snapshot must fit one datagram. */
static void msg_snapshot_full_fits(void)
{
	static struct qf_msg m, o;
	ssize_t n;

	memset(&m, 0, sizeof(m));
	m.type = QF_MSG_SNAPSHOT;
	m.from = 1;
	m.to = 2;
	m.index = 100;
	full_state(&m.u.snap);
	m.u.snap.m[3].id = 0;	/* a hole is kept in place */
	memset(&m.u.snap.m[3], 0, sizeof(m.u.snap.m[3]));
	n = qd_enc_msg(&m, buf, sizeof(buf));
	CHECK(n > 0 && (size_t)n <= QD_PAYLOAD_MAX);
	CHECK(qd_dec_msg(buf, (size_t)n, &o) == 0);
	CHECK(memcmp(&m, &o, sizeof(m)) == 0);
}

static void msg_rejects_bad(void)
{
	struct qf_msg m = { .type = QF_MSG_APPEND, .from = 1, .to = 2,
			    .n_entries = 1 }, o;
	ssize_t n;

	fill_entry(&m.u.entries[0], 1);
	n = qd_enc_msg(&m, buf, sizeof(buf));
	CHECK(n > 0);
	/* every truncation is refused */
	for (ssize_t k = 0; k < n; k++)
		CHECK(qd_dec_msg(buf, (size_t)k, &o) == -1);
	/* trailing byte */
	CHECK(qd_dec_msg(buf, (size_t)n + 1, &o) == -1);
	/* unknown message type */
	buf[1] = __QF_MSG_LAST;
	CHECK(qd_dec_msg(buf, (size_t)n, &o) == -1);
	buf[1] = QF_MSG_APPEND;
	/* too many entries */
	buf[3] = QF_MSG_ENTRIES + 1;
	CHECK(qd_dec_msg(buf, (size_t)n, &o) == -1);
	buf[3] = 1;
	CHECK(qd_dec_msg(buf, (size_t)n, &o) == 0);
	/* bad address family (first address byte after the entry header) */
	buf[1 + 3 + 8 + 9 * 8 + 32] = 5;
	CHECK(qd_dec_msg(buf, (size_t)n, &o) == -1);
	/* an encoder never writes more than it may */
	m.n_entries = QF_MSG_ENTRIES + 1;
	CHECK(qd_enc_msg(&m, buf, sizeof(buf)) == -1);
	m.n_entries = 1;
	CHECK(qd_enc_msg(&m, buf, 20) == -1);
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
	n = qd_enc_snapshot(&s, buf, sizeof(buf));
	CHECK(n > 0);
	CHECK(qd_dec_snapshot(buf, (size_t)n, &so) == 0);
	CHECK(memcmp(&s, &so, sizeof(s)) == 0);
	CHECK(qd_dec_snapshot(buf, (size_t)n - 1, &so) == -1);
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
	buf[1 + 16 + 1 + 25] = 0;
	CHECK(qd_dec_snapshot(buf, (size_t)n, &so) == -1);
}

const struct t_case t_codec[] = {
	{ "codec/append_roundtrip", msg_roundtrip_append },
	{ "codec/grant_roundtrip", msg_roundtrip_grant },
	{ "codec/snapshot_full_fits_datagram", msg_snapshot_full_fits },
	{ "codec/rejects_malformed", msg_rejects_bad },
	{ "codec/entry_snapshot_roundtrip", entry_and_snapshot_roundtrip },
	{ "codec/state_duplicate_slot", state_duplicate_slot },
	{ 0 }
};
