// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite qfence_policy: attribute validation as the generic netlink
 * core runs it (strict nla_parse() with the command's policy table), then
 * the checks of policy.c. Every refusal must carry an extended ack message
 * that names the attribute.
 */

#include <kunit/test.h>
#include <linux/string.h>
#include <net/netlink.h>

#include "policy.h"

#define MAX_ATTRS	8

struct attr {
	u16 type;	/* 0 ends the list */
	u16 len;	/* payload bytes: 4 = u32, 8 = u64; 0 = string s */
	u64 v;
	const char *s;
};

/* NEW_TESTS: LEASE_NEW with the module loaded log_only=Y. */
enum cmd { NEW, NEW_TESTS, RENEW, UNFENCE, UPDATE, NAME_ONLY };

struct policy_case {
	const char *desc;
	enum cmd cmd;
	struct attr attrs[MAX_ATTRS];
	int ret;
	u16 bad;	/* attribute the ack must point at (bad or missing), 0: any */
};

#define NAME(x)		{ QFENCE_A_NAME, 0, 0, x }
#define NAME_BYTES(x, n) { QFENCE_A_NAME, n, 0, x }
#define U32(t, x)	{ t, 4, x, NULL }
#define U64(t, x)	{ t, 8, x, NULL }
#define GENERATION(x)	U64(QFENCE_A_GENERATION, x)
#define MAXMS(x)	U32(QFENCE_A_MAX_LEASE_MS, x)

static const struct policy_case policy_cases[] = {
	/* LEASE_NEW */
	{ "new: minimal", NEW, { NAME("a"), GENERATION(1), MAXMS(1500) }, 0 },
	{ "new: every option", NEW, { NAME("node-1.disk_a:0"), GENERATION(9),
	  MAXMS(500), U32(QFENCE_A_ACTIONS, QFENCE_ACTION_IO |
	  QFENCE_ACTION_REBOOT),
	  U32(QFENCE_A_REBOOT_DELAY_MS, 100), U32(QFENCE_A_SETTLE_MS, 300),
	  U32(QFENCE_A_FLAGS, QFENCE_F_NOWAYOUT | QFENCE_F_SETTLE_WAIT) }, 0 },
	{ "new: LOG_ONLY accepted with log_only=Y", NEW_TESTS, { NAME("a"),
	  GENERATION(9), MAXMS(500), U32(QFENCE_A_ACTIONS, QFENCE_ACTION_IO |
	  QFENCE_ACTION_REBOOT | QFENCE_ACTION_LOG_ONLY) }, 0 },
	{ "rule 12: new: LOG_ONLY refused without log_only=Y", NEW,
	  { NAME("a"), GENERATION(9), MAXMS(500), U32(QFENCE_A_ACTIONS,
	  QFENCE_ACTION_IO | QFENCE_ACTION_REBOOT | QFENCE_ACTION_LOG_ONLY) },
	  -EINVAL, QFENCE_A_ACTIONS },
	{ "rule 12: new: LOG_ONLY alone refused without log_only=Y", NEW,
	  { NAME("a"), GENERATION(9), MAXMS(500), U32(QFENCE_A_ACTIONS,
	  QFENCE_ACTION_IO | QFENCE_ACTION_LOG_ONLY) }, -EINVAL,
	  QFENCE_A_ACTIONS },
	{ "rule 7: new: generation U64_MAX refused (no rejoin left)", NEW,
	  { NAME("a"), GENERATION(U64_MAX), MAXMS(1) }, -EINVAL,
	  QFENCE_A_GENERATION },
	{ "new: name with bytes after its NUL", NEW,
	  { NAME_BYTES("ab\0cd", 6), GENERATION(1), MAXMS(1) }, -EINVAL,
	  QFENCE_A_NAME },
	/* "ab", an octal \000 (three digits), then digits: one literal. */
	{ "new: name with a NUL, payload of 32 bytes", NEW,
	  { NAME_BYTES("ab\0000123456789012345678901234567", 32),
	  GENERATION(1), MAXMS(1) }, -EINVAL, QFENCE_A_NAME },
	{ "new: name with a NUL, payload of 33 bytes: ERANGE (policy)", NEW,
	  { NAME_BYTES("ab\00001234567890123456789012345678", 33),
	  GENERATION(1), MAXMS(1) }, -ERANGE, QFENCE_A_NAME },
	{ "new: limits accepted", NEW, { NAME("a"), GENERATION(U64_MAX - 1),
	  MAXMS(QFENCE_MAX_LEASE_MS_LIMIT),
	  U32(QFENCE_A_REBOOT_DELAY_MS, QFENCE_DELAY_MS_LIMIT),
	  U32(QFENCE_A_SETTLE_MS, QFENCE_DELAY_MS_LIMIT) }, 0 },
	{ "new: name of 31 characters", NEW,
	  { NAME("0123456789012345678901234567890"), GENERATION(1),
	  MAXMS(1) }, 0 },
	{ "new: missing name", NEW, { GENERATION(1), MAXMS(1500) }, -EINVAL,
	  QFENCE_A_NAME },
	{ "new: missing generation", NEW, { NAME("a"), MAXMS(1500) }, -EINVAL,
	  QFENCE_A_GENERATION },
	{ "new: missing max_lease_ms", NEW, { NAME("a"), GENERATION(1) },
	  -EINVAL, QFENCE_A_MAX_LEASE_MS },
	{ "new: generation 0", NEW, { NAME("a"), GENERATION(0), MAXMS(1500) },
	  -EINVAL, QFENCE_A_GENERATION },
	{ "new: max_lease_ms 0", NEW, { NAME("a"), GENERATION(1), MAXMS(0) },
	  -EINVAL, QFENCE_A_MAX_LEASE_MS },
	{ "new: max_lease_ms above the limit", NEW, { NAME("a"), GENERATION(1),
	  MAXMS(QFENCE_MAX_LEASE_MS_LIMIT + 1) }, -EINVAL,
	  QFENCE_A_MAX_LEASE_MS },
	{ "new: settle_ms 0", NEW, { NAME("a"), GENERATION(1), MAXMS(10),
	  U32(QFENCE_A_SETTLE_MS, 0) }, -EINVAL, QFENCE_A_SETTLE_MS },
	{ "new: reboot_delay_ms above the limit", NEW, { NAME("a"),
	  GENERATION(1), MAXMS(10),
	  U32(QFENCE_A_REBOOT_DELAY_MS, QFENCE_DELAY_MS_LIMIT + 1) }, -EINVAL,
	  QFENCE_A_REBOOT_DELAY_MS },
	{ "new: unknown action bit", NEW, { NAME("a"), GENERATION(1),
	  MAXMS(10), U32(QFENCE_A_ACTIONS, QFENCE_ACTION_IO | 1U << 4) },
	  -EINVAL, QFENCE_A_ACTIONS },
	{ "new: unknown flag bit", NEW, { NAME("a"), GENERATION(1), MAXMS(10),
	  U32(QFENCE_A_FLAGS, 1U << 2) }, -EINVAL, QFENCE_A_FLAGS },
	{ "new: actions without IO", NEW, { NAME("a"), GENERATION(1),
	  MAXMS(10), U32(QFENCE_A_ACTIONS, QFENCE_ACTION_REBOOT) }, -EINVAL,
	  QFENCE_A_ACTIONS },
	{ "new: REBOOT and PANIC together", NEW, { NAME("a"), GENERATION(1),
	  MAXMS(10), U32(QFENCE_A_ACTIONS, QFENCE_ACTION_IO |
	  QFENCE_ACTION_REBOOT | QFENCE_ACTION_PANIC) }, -EINVAL,
	  QFENCE_A_ACTIONS },
	{ "new: name of 32 characters", NEW,
	  { NAME("01234567890123456789012345678901"), GENERATION(1),
	  MAXMS(1) }, -EINVAL, QFENCE_A_NAME },
	{ "new: empty name", NEW, { NAME(""), GENERATION(1), MAXMS(1) },
	  -EINVAL, QFENCE_A_NAME },
	{ "new: name with a blank", NEW, { NAME("a b"), GENERATION(1),
	  MAXMS(1) }, -EINVAL, QFENCE_A_NAME },
	{ "new: name with a control character", NEW, { NAME("a\tb"),
	  GENERATION(1), MAXMS(1) }, -EINVAL, QFENCE_A_NAME },
	{ "new: name without NUL", NEW, { { QFENCE_A_NAME, 4, 0x61616161 },
	  GENERATION(1), MAXMS(1) }, -EINVAL, QFENCE_A_NAME },
	{ "new: generation as u32", NEW, { NAME("a"),
	  U32(QFENCE_A_GENERATION, 1), MAXMS(1) }, -EINVAL,
	  QFENCE_A_GENERATION },
	{ "new: max_lease_ms as u64", NEW, { NAME("a"), GENERATION(1),
	  U64(QFENCE_A_MAX_LEASE_MS, 10) }, -EINVAL, QFENCE_A_MAX_LEASE_MS },
	{ "new: attribute of another command", NEW, { NAME("a"), GENERATION(1),
	  MAXMS(1), U64(QFENCE_A_DEADLINE_NS, 5) }, -EINVAL,
	  QFENCE_A_DEADLINE_NS },
	{ "new: reply-only attribute", NEW, { NAME("a"), GENERATION(1),
	  MAXMS(1), U32(QFENCE_A_STATE, 1) }, -EINVAL, QFENCE_A_STATE },
	{ "new: attribute type beyond QFENCE_A_MAX", NEW, { NAME("a"),
	  GENERATION(1), MAXMS(1), U32(QFENCE_A_MAX + 1, 0) }, -EINVAL, 0 },

	/* LEASE_RENEW */
	{ "renew: valid", RENEW, { NAME("a"),
	  U64(QFENCE_A_DEADLINE_NS, 123456789), GENERATION(7) }, 0 },
	{ "renew: missing deadline", RENEW, { NAME("a"), GENERATION(7) },
	  -EINVAL, QFENCE_A_DEADLINE_NS },
	{ "renew: missing generation", RENEW, { NAME("a"),
	  U64(QFENCE_A_DEADLINE_NS, 1) }, -EINVAL, QFENCE_A_GENERATION },
	{ "renew: generation 0", RENEW, { NAME("a"),
	  U64(QFENCE_A_DEADLINE_NS, 1), GENERATION(0) }, -EINVAL,
	  QFENCE_A_GENERATION },
	{ "renew: deadline as u32", RENEW, { NAME("a"),
	  U32(QFENCE_A_DEADLINE_NS, 1), GENERATION(7) }, -EINVAL,
	  QFENCE_A_DEADLINE_NS },
	{ "renew: padding attribute is not taken", RENEW, { NAME("a"),
	  U64(QFENCE_A_DEADLINE_NS, 1), GENERATION(7),
	  U32(QFENCE_A_PAD, 0) }, -EINVAL, QFENCE_A_PAD },
	{ "renew: nested flag on a u64", RENEW, { NAME("a"),
	  U64(QFENCE_A_DEADLINE_NS | NLA_F_NESTED, 1), GENERATION(7) },
	  -EINVAL, QFENCE_A_DEADLINE_NS },
	{ "renew: actions are not taken", RENEW, { NAME("a"),
	  U64(QFENCE_A_DEADLINE_NS, 1), GENERATION(7),
	  U32(QFENCE_A_ACTIONS, QFENCE_ACTION_IO) }, -EINVAL,
	  QFENCE_A_ACTIONS },

	/* LEASE_UNFENCE */
	{ "unfence: valid", UNFENCE, { NAME("a"), GENERATION(8) }, 0 },
	{ "unfence: missing generation", UNFENCE, { NAME("a") }, -EINVAL,
	  QFENCE_A_GENERATION },
	{ "unfence: generation 0", UNFENCE, { NAME("a"), GENERATION(0) },
	  -EINVAL, QFENCE_A_GENERATION },
	{ "unfence: generation U64_MAX - 1", UNFENCE, { NAME("a"),
	  GENERATION(U64_MAX - 1) }, 0 },
	{ "rule 7: unfence: generation U64_MAX refused (no rejoin left)",
	  UNFENCE, { NAME("a"), GENERATION(U64_MAX) }, -EINVAL,
	  QFENCE_A_GENERATION },

	/* LEASE_UPDATE: LEASE_NEW's limits */
	{ "update: max only", UPDATE, { NAME("a"), GENERATION(3), MAXMS(500) },
	  0 },
	{ "update: settle only", UPDATE, { NAME("a"), GENERATION(3),
	  U32(QFENCE_A_SETTLE_MS, 300) }, 0 },
	{ "update: both at their limits", UPDATE, { NAME("a"), GENERATION(3),
	  MAXMS(QFENCE_MAX_LEASE_MS_LIMIT),
	  U32(QFENCE_A_SETTLE_MS, QFENCE_DELAY_MS_LIMIT) }, 0 },
	{ "update: nothing to change", UPDATE, { NAME("a"), GENERATION(3) },
	  -EINVAL },
	{ "update: missing generation", UPDATE, { NAME("a"), MAXMS(500) },
	  -EINVAL, QFENCE_A_GENERATION },
	{ "update: generation 0", UPDATE, { NAME("a"), GENERATION(0),
	  MAXMS(500) }, -EINVAL, QFENCE_A_GENERATION },
	{ "update: max 0", UPDATE, { NAME("a"), GENERATION(3), MAXMS(0) },
	  -EINVAL, QFENCE_A_MAX_LEASE_MS },
	{ "update: max over the limit", UPDATE, { NAME("a"), GENERATION(3),
	  MAXMS(QFENCE_MAX_LEASE_MS_LIMIT + 1) }, -EINVAL,
	  QFENCE_A_MAX_LEASE_MS },
	{ "update: settle 0", UPDATE, { NAME("a"), GENERATION(3),
	  U32(QFENCE_A_SETTLE_MS, 0) }, -EINVAL, QFENCE_A_SETTLE_MS },
	{ "update: settle over the limit", UPDATE, { NAME("a"), GENERATION(3),
	  U32(QFENCE_A_SETTLE_MS, QFENCE_DELAY_MS_LIMIT + 1) }, -EINVAL,
	  QFENCE_A_SETTLE_MS },
	{ "update: actions are not taken", UPDATE, { NAME("a"), GENERATION(3),
	  MAXMS(500), U32(QFENCE_A_ACTIONS, QFENCE_ACTION_IO) }, -EINVAL,
	  QFENCE_A_ACTIONS },
	{ "update: flags are not taken", UPDATE, { NAME("a"), GENERATION(3),
	  MAXMS(500), U32(QFENCE_A_FLAGS, 0) }, -EINVAL, QFENCE_A_FLAGS },
	{ "update: missing name", UPDATE, { GENERATION(3), MAXMS(500) },
	  -EINVAL, QFENCE_A_NAME },

	/* LEASE_GET, LEASE_FENCE, LEASE_DISARM, LEASE_DEL */
	{ "name only: valid", NAME_ONLY, { NAME("a") }, 0 },
	{ "name only: missing name", NAME_ONLY, { }, -EINVAL, QFENCE_A_NAME },
	{ "name only: generation is not taken", NAME_ONLY, { NAME("a"),
	  GENERATION(1) }, -EINVAL, QFENCE_A_GENERATION },
};

static void policy_desc(const struct policy_case *c, char *desc)
{
	strscpy(desc, c->desc, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(policy, policy_cases, policy_desc);

/* Lay the case's attributes out as a netlink message body would. */
static int encode(struct kunit *test, const struct attr *attrs, u8 *buf,
		  int size)
{
	int off = 0, i;

	for (i = 0; i < MAX_ATTRS && attrs[i].type; i++) {
		const struct attr *a = &attrs[i];
		int len = a->len ? a->len : strlen(a->s) + 1;
		struct nlattr *nla = (struct nlattr *)(buf + off);

		KUNIT_ASSERT_LE(test, off + nla_total_size(len), size);
		nla->nla_type = a->type;
		nla->nla_len = nla_attr_size(len);
		if (a->s)
			memcpy(nla_data(nla), a->s, len);
		else if (len == 4)
			*(u32 *)nla_data(nla) = a->v;
		else
			memcpy(nla_data(nla), &a->v, min_t(int, len, 8));
		off += nla_total_size(len);
	}
	return off;
}

static const struct nla_policy *policy_of(enum cmd cmd)
{
	switch (cmd) {
	case NEW:
	case NEW_TESTS:
		return qfence_policy_new;
	case RENEW:
		return qfence_policy_renew;
	case UNFENCE:
		return qfence_policy_unfence;
	case UPDATE:
		return qfence_policy_update;
	default:
		return qfence_policy_name;
	}
}

static int run_checks(const struct policy_case *c, struct nlattr **tb,
		      struct netlink_ext_ack *extack,
		      struct qfence_lease_cfg *cfg)
{
	const char *name;
	u64 deadline, gen;
	u32 max_ms, settle_ms;

	switch (c->cmd) {
	case NEW:
		return qfence_policy_check_new(tb, extack, false, cfg);
	case NEW_TESTS:
		return qfence_policy_check_new(tb, extack, true, cfg);
	case RENEW:
		return qfence_policy_check_renew(tb, extack, &deadline, &gen);
	case UNFENCE:
		return qfence_policy_check_unfence(tb, extack, &gen);
	case UPDATE:
		return qfence_policy_check_update(tb, extack, &gen, &max_ms,
						  &settle_ms);
	default:
		return qfence_policy_check_name(tb, extack, &name);
	}
}

/* Which attribute the ack names: the bad one, or the missing one. */
static u16 acked_attr(struct netlink_ext_ack *extack)
{
	if (extack->bad_attr)
		return nla_type(extack->bad_attr);
	return extack->miss_type;
}

static void qfence_policy_test(struct kunit *test)
{
	const struct policy_case *c = test->param_value;
	struct netlink_ext_ack extack = {};
	struct nlattr *tb[QFENCE_A_MAX + 1] = {};
	struct qfence_lease_cfg cfg;
	u8 buf[256] __aligned(4);
	int len, ret;

	len = encode(test, c->attrs, buf, sizeof(buf));
	ret = nla_parse(tb, QFENCE_A_MAX, (struct nlattr *)buf, len,
			policy_of(c->cmd), &extack);
	if (!ret)
		ret = run_checks(c, tb, &extack, &cfg);

	KUNIT_EXPECT_EQ(test, ret, c->ret);
	if (c->ret) {
		KUNIT_EXPECT_NOT_NULL(test, extack._msg);
		if (c->bad)
			KUNIT_EXPECT_EQ(test, acked_attr(&extack), c->bad);
	}
}

/* Defaults of LEASE_NEW (uapi: ACTIONS IO, delay 0, settle default). */
static void qfence_policy_defaults_test(struct kunit *test)
{
	static const struct attr attrs[MAX_ATTRS] = {
		NAME("lease-0"), GENERATION(42), MAXMS(1500),
	};
	struct nlattr *tb[QFENCE_A_MAX + 1] = {};
	struct qfence_lease_cfg cfg;
	u8 buf[256] __aligned(4);
	int len;

	len = encode(test, attrs, buf, sizeof(buf));
	KUNIT_ASSERT_EQ(test, nla_parse(tb, QFENCE_A_MAX, (struct nlattr *)buf,
					len, qfence_policy_new, NULL), 0);
	KUNIT_ASSERT_EQ(test, qfence_policy_check_new(tb, NULL, false, &cfg),
			0);
	KUNIT_EXPECT_STREQ(test, cfg.name, "lease-0");
	KUNIT_EXPECT_EQ(test, cfg.generation, 42ULL);
	KUNIT_EXPECT_EQ(test, cfg.max_lease_ms, 1500U);
	KUNIT_EXPECT_EQ(test, cfg.actions, (u32)QFENCE_ACTION_IO);
	KUNIT_EXPECT_EQ(test, cfg.reboot_delay_ms, 0U);
	KUNIT_EXPECT_EQ(test, cfg.settle_ms, QFENCE_SETTLE_MS_DEFAULT);
	KUNIT_EXPECT_EQ(test, cfg.flags, 0U);
}

/* LEASE_RENEW hands the exact 64-bit values on. */
static void qfence_policy_renew_values_test(struct kunit *test)
{
	static const struct attr attrs[MAX_ATTRS] = {
		NAME("a"), U64(QFENCE_A_DEADLINE_NS, 0xfedcba9876543210ULL),
		GENERATION(0x8000000000000001ULL),
	};
	struct nlattr *tb[QFENCE_A_MAX + 1] = {};
	u8 buf[256] __aligned(4);
	u64 deadline = 0, gen = 0;
	int len;

	len = encode(test, attrs, buf, sizeof(buf));
	KUNIT_ASSERT_EQ(test, nla_parse(tb, QFENCE_A_MAX, (struct nlattr *)buf,
					len, qfence_policy_renew, NULL), 0);
	KUNIT_ASSERT_EQ(test, qfence_policy_check_renew(tb, NULL, &deadline,
							&gen), 0);
	KUNIT_EXPECT_EQ(test, deadline, 0xfedcba9876543210ULL);
	KUNIT_EXPECT_EQ(test, gen, 0x8000000000000001ULL);
}

/*
 * An extended ack that points at an attribute also describes that
 * attribute's policy entry (netlink_policy_dump); for integer types the
 * kernel can only describe ranges, masks and plain types, and warns on
 * anything else (a validation function). A user must not be able to make
 * the kernel warn with a bad attribute.
 */
static void qfence_policy_dumpable_test(struct kunit *test)
{
	const struct nla_policy *tables[] = {
		qfence_policy_new, qfence_policy_renew, qfence_policy_name,
		qfence_policy_unfence,
	};
	int i, a;

	for (i = 0; i < ARRAY_SIZE(tables); i++) {
		for (a = 0; a <= QFENCE_A_MAX; a++) {
			const struct nla_policy *pt = &tables[i][a];

			if (pt->type != NLA_U32 && pt->type != NLA_U64)
				continue;
			KUNIT_EXPECT_NE_MSG(test, pt->validation_type,
					    NLA_VALIDATE_FUNCTION,
					    "table %d attribute %d", i, a);
		}
	}
}

static struct kunit_case qfence_policy_cases[] = {
	KUNIT_CASE_PARAM(qfence_policy_test, policy_gen_params),
	KUNIT_CASE(qfence_policy_defaults_test),
	KUNIT_CASE(qfence_policy_renew_values_test),
	KUNIT_CASE(qfence_policy_dumpable_test),
	{}
};

static struct kunit_suite qfence_policy_suite = {
	.name = "qfence_policy",
	.test_cases = qfence_policy_cases,
};

kunit_test_suite(qfence_policy_suite);
