// SPDX-License-Identifier: GPL-2.0
/*
 * qfence netlink attribute policy.
 *
 * Each command has its own table, so an attribute that a command does not
 * take is refused ("Unsupported attribute") rather than ignored: strict
 * validation rejects NLA_UNSPEC entries. Types, exact lengths, string
 * lengths and masks are the tables' job; what remains is checked below,
 * and every refusal names its attribute in the extended ack.
 *
 * Numeric ranges are checked below rather than with NLA_POLICY_RANGE: the
 * contract (uapi/qfence.h) answers an out-of-range value with -EINVAL,
 * where the generic range check answers -ERANGE. (A validation function
 * in the table would do, but the extended ack's policy dump warns on
 * integer attributes that carry one.)
 */

#include <linux/string.h>

#include "policy.h"

#define QFENCE_POLICY_NAME \
	[QFENCE_A_NAME] = { .type = NLA_NUL_STRING, .len = QFENCE_NAME_LEN - 1 }
#define QFENCE_POLICY_GENERATION \
	[QFENCE_A_GENERATION] = { .type = NLA_U64 }

const struct nla_policy qfence_policy_new[QFENCE_A_MAX + 1] = {
	QFENCE_POLICY_NAME,
	QFENCE_POLICY_GENERATION,
	[QFENCE_A_MAX_LEASE_MS] = { .type = NLA_U32 },
	[QFENCE_A_ACTIONS] = NLA_POLICY_MASK(NLA_U32, __QFENCE_ACTION_ALL),
	[QFENCE_A_REBOOT_DELAY_MS] = { .type = NLA_U32 },
	[QFENCE_A_SETTLE_MS] = { .type = NLA_U32 },
	[QFENCE_A_FLAGS] = NLA_POLICY_MASK(NLA_U32, __QFENCE_F_ALL),
};

const struct nla_policy qfence_policy_renew[QFENCE_A_MAX + 1] = {
	QFENCE_POLICY_NAME,
	QFENCE_POLICY_GENERATION,
	[QFENCE_A_DEADLINE_NS] = { .type = NLA_U64 },
};

const struct nla_policy qfence_policy_update[QFENCE_A_MAX + 1] = {
	QFENCE_POLICY_NAME,
	QFENCE_POLICY_GENERATION,
	[QFENCE_A_MAX_LEASE_MS] = { .type = NLA_U32 },
	[QFENCE_A_SETTLE_MS] = { .type = NLA_U32 },
};

const struct nla_policy qfence_policy_name[QFENCE_A_MAX + 1] = {
	QFENCE_POLICY_NAME,
};

const struct nla_policy qfence_policy_unfence[QFENCE_A_MAX + 1] = {
	QFENCE_POLICY_NAME,
	QFENCE_POLICY_GENERATION,
};

/*
 * Is @attr present? If not, say which one is missing (extack miss_type)
 * and why.
 */
static bool qfence_require(struct nlattr **tb, int attr,
			   struct netlink_ext_ack *extack)
{
	if (NL_REQ_ATTR_CHECK(extack, NULL, tb, attr)) {
		NL_SET_ERR_MSG(extack, "missing required attribute");
		return false;
	}
	return true;
}

/* Is the u32 attribute @attr, if present, outside [@lo, @hi]? */
static bool qfence_u32_outside(const struct nlattr *attr, u32 lo, u32 hi)
{
	return attr && (nla_get_u32(attr) < lo || nla_get_u32(attr) > hi);
}

/* GENERATION, where present, is at least 1. */
static int qfence_check_generation(struct nlattr **tb,
				   struct netlink_ext_ack *extack)
{
	if (tb[QFENCE_A_GENERATION] && !nla_get_u64(tb[QFENCE_A_GENERATION])) {
		NL_SET_ERR_MSG_ATTR(extack, tb[QFENCE_A_GENERATION],
				    "generation must be at least 1");
		return -EINVAL;
	}
	return 0;
}

/*
 * A generation a lease takes (LEASE_NEW, LEASE_UNFENCE) is at most
 * QFENCE_GEN_LAST. design.md rule 7: only an unfence with a strictly
 * larger generation leaves FENCED, so a lease fenced at the last one can
 * never leave it; LEASE_DEL takes such a lease once drained (lease.c), and
 * only such a lease: a deleted fenced lease loses its latch (a LEASE_NEW
 * of the same name, renewed, would admit IO again), which only a lease
 * that no rejoin could ever unfence may afford. RENEW does not need the
 * check: it must name the lease's own generation.
 */
static int qfence_check_takes_generation(struct nlattr **tb,
					 struct netlink_ext_ack *extack)
{
	int ret = qfence_check_generation(tb, extack);

	if (ret)
		return ret;
	if (tb[QFENCE_A_GENERATION] &&
	    nla_get_u64(tb[QFENCE_A_GENERATION]) > QFENCE_GEN_LAST) {
		NL_SET_ERR_MSG_ATTR(extack, tb[QFENCE_A_GENERATION],
				    "generation must be below U64_MAX: a rejoin needs a larger one");
		return -EINVAL;
	}
	return 0;
}

/* The numeric ranges of LEASE_NEW (see the top of this file). */
static int qfence_check_new_ranges(struct nlattr **tb,
				   struct netlink_ext_ack *extack)
{
	if (qfence_u32_outside(tb[QFENCE_A_MAX_LEASE_MS], 1,
			       QFENCE_MAX_LEASE_MS_LIMIT)) {
		NL_SET_ERR_MSG_ATTR(extack, tb[QFENCE_A_MAX_LEASE_MS],
				    "max_lease_ms must be 1..QFENCE_MAX_LEASE_MS_LIMIT");
		return -EINVAL;
	}
	if (qfence_u32_outside(tb[QFENCE_A_REBOOT_DELAY_MS], 0,
			       QFENCE_DELAY_MS_LIMIT)) {
		NL_SET_ERR_MSG_ATTR(extack, tb[QFENCE_A_REBOOT_DELAY_MS],
				    "reboot_delay_ms must be 0..QFENCE_DELAY_MS_LIMIT");
		return -EINVAL;
	}
	if (qfence_u32_outside(tb[QFENCE_A_SETTLE_MS], 1,
			       QFENCE_DELAY_MS_LIMIT)) {
		NL_SET_ERR_MSG_ATTR(extack, tb[QFENCE_A_SETTLE_MS],
				    "settle_ms must be 1..QFENCE_DELAY_MS_LIMIT");
		return -EINVAL;
	}
	return qfence_check_takes_generation(tb, extack);
}

/**
 * qfence_policy_check_name - the lease name of a request
 * @tb: parsed attributes
 * @extack: refusal message
 * @name: set to the NUL-terminated name inside @tb
 *
 * A name is 1 to QFENCE_NAME_LEN - 1 printable, non-blank ASCII
 * characters, so that it fits a device-mapper table line, and its NUL
 * ends the attribute. The policy (NLA_NUL_STRING, 6.1 nla_validate())
 * has already refused with -EINVAL a payload without a NUL in its first
 * QFENCE_NAME_LEN bytes, and with -ERANGE a longer payload (one final NUL
 * aside) even when a NUL comes early; shorter payloads with bytes after
 * the NUL pass it, and are refused here.
 *
 * Return: 0 or -EINVAL.
 */
int qfence_policy_check_name(struct nlattr **tb,
			     struct netlink_ext_ack *extack,
			     const char **name)
{
	const char *s;

	if (!qfence_require(tb, QFENCE_A_NAME, extack))
		return -EINVAL;
	s = nla_data(tb[QFENCE_A_NAME]);
	if (strnlen(s, nla_len(tb[QFENCE_A_NAME])) + 1 !=
	    nla_len(tb[QFENCE_A_NAME])) {
		NL_SET_ERR_MSG_ATTR(extack, tb[QFENCE_A_NAME],
				    "lease name has bytes after its NUL");
		return -EINVAL;
	}
	if (!*s) {
		NL_SET_ERR_MSG_ATTR(extack, tb[QFENCE_A_NAME], "lease name is empty");
		return -EINVAL;
	}
	for (*name = s; *s; s++) {
		if (*s <= ' ' || *s > '~') {
			NL_SET_ERR_MSG_ATTR(extack, tb[QFENCE_A_NAME],
					    "lease name must be printable ASCII without blanks");
			return -EINVAL;
		}
	}
	return 0;
}

static u32 qfence_get_u32(struct nlattr **tb, int attr, u32 dflt)
{
	return tb[attr] ? nla_get_u32(tb[attr]) : dflt;
}

/**
 * qfence_policy_check_new - LEASE_NEW: required attributes and defaults
 * @tb: attributes parsed with qfence_policy_new
 * @extack: refusal message
 * @log_only: the module was loaded with log_only=Y
 * @cfg: filled with the new lease's configuration
 *
 * Return: 0 or -EINVAL.
 */
int qfence_policy_check_new(struct nlattr **tb,
			    struct netlink_ext_ack *extack, bool log_only,
			    struct qfence_lease_cfg *cfg)
{
	const char *name;
	int ret;

	ret = qfence_policy_check_name(tb, extack, &name);
	if (ret)
		return ret;
	if (!qfence_require(tb, QFENCE_A_GENERATION, extack) ||
	    !qfence_require(tb, QFENCE_A_MAX_LEASE_MS, extack))
		return -EINVAL;
	ret = qfence_check_new_ranges(tb, extack);
	if (ret)
		return ret;

	memset(cfg, 0, sizeof(*cfg));
	strscpy(cfg->name, name, sizeof(cfg->name));
	cfg->generation = nla_get_u64(tb[QFENCE_A_GENERATION]);
	cfg->max_lease_ms = nla_get_u32(tb[QFENCE_A_MAX_LEASE_MS]);
	cfg->actions = qfence_get_u32(tb, QFENCE_A_ACTIONS, QFENCE_ACTION_IO);
	cfg->reboot_delay_ms = qfence_get_u32(tb, QFENCE_A_REBOOT_DELAY_MS, 0);
	cfg->settle_ms = qfence_get_u32(tb, QFENCE_A_SETTLE_MS,
					QFENCE_SETTLE_MS_DEFAULT);
	cfg->flags = qfence_get_u32(tb, QFENCE_A_FLAGS, 0);

	if (!(cfg->actions & QFENCE_ACTION_IO)) {
		NL_SET_ERR_MSG_ATTR(extack, tb[QFENCE_A_ACTIONS],
				    "actions must include IO: the IO fence always fires");
		return -EINVAL;
	}
	if ((cfg->actions & QFENCE_ACTION_REBOOT) &&
	    (cfg->actions & QFENCE_ACTION_PANIC)) {
		NL_SET_ERR_MSG_ATTR(extack, tb[QFENCE_A_ACTIONS],
				    "REBOOT and PANIC are mutually exclusive");
		return -EINVAL;
	}
	/*
	 * design.md rule 12: the settle escalation is always armed in a real
	 * cluster, so a lease cannot ask to only log. Tests load the module
	 * with log_only=Y (as softdog's soft_noboot), which a daemon can see
	 * and refuse; the bit is then accepted and changes nothing more.
	 */
	if ((cfg->actions & QFENCE_ACTION_LOG_ONLY) && !log_only) {
		NL_SET_ERR_MSG_ATTR(extack, tb[QFENCE_A_ACTIONS],
				    "LOG_ONLY needs the module loaded with log_only=Y (tests only)");
		return -EINVAL;
	}
	return 0;
}

/**
 * qfence_policy_check_renew - LEASE_RENEW: required attributes
 * @tb: attributes parsed with qfence_policy_renew
 * @extack: refusal message
 * @deadline: set to DEADLINE_NS
 * @generation: set to GENERATION
 *
 * The deadline's range depends on the clock and the lease; lease.c checks
 * it.
 *
 * Return: 0 or -EINVAL.
 */
int qfence_policy_check_renew(struct nlattr **tb,
			      struct netlink_ext_ack *extack,
			      u64 *deadline, u64 *generation)
{
	const char *name;
	int ret;

	ret = qfence_policy_check_name(tb, extack, &name);
	if (ret)
		return ret;
	if (!qfence_require(tb, QFENCE_A_DEADLINE_NS, extack) ||
	    !qfence_require(tb, QFENCE_A_GENERATION, extack))
		return -EINVAL;
	ret = qfence_check_generation(tb, extack);
	if (ret)
		return ret;
	*deadline = nla_get_u64(tb[QFENCE_A_DEADLINE_NS]);
	*generation = nla_get_u64(tb[QFENCE_A_GENERATION]);
	return 0;
}

/**
 * qfence_policy_check_unfence - LEASE_UNFENCE: required attributes
 * @tb: attributes parsed with qfence_policy_unfence
 * @extack: refusal message
 * @generation: set to GENERATION
 *
 * Return: 0 or -EINVAL.
 */
int qfence_policy_check_unfence(struct nlattr **tb,
				struct netlink_ext_ack *extack,
				u64 *generation)
{
	const char *name;
	int ret;

	ret = qfence_policy_check_name(tb, extack, &name);
	if (ret)
		return ret;
	if (!qfence_require(tb, QFENCE_A_GENERATION, extack))
		return -EINVAL;
	ret = qfence_check_takes_generation(tb, extack);
	if (ret)
		return ret;
	*generation = nla_get_u64(tb[QFENCE_A_GENERATION]);
	return 0;
}

/**
 * qfence_policy_check_update - LEASE_UPDATE: required attributes, ranges
 * @tb: attributes parsed with qfence_policy_update
 * @extack: refusal message
 * @generation: set to GENERATION
 * @max_ms: set to MAX_LEASE_MS, 0 if absent (kept)
 * @settle_ms: set to SETTLE_MS, 0 if absent (kept)
 *
 * The limits are LEASE_NEW's: a live lease can take no value a new one
 * could not. An update that changes nothing is refused, so that a caller
 * that forgot its values hears of it.
 *
 * Return: 0 or -EINVAL.
 */
int qfence_policy_check_update(struct nlattr **tb,
			       struct netlink_ext_ack *extack,
			       u64 *generation, u32 *max_ms, u32 *settle_ms)
{
	const char *name;
	int ret;

	ret = qfence_policy_check_name(tb, extack, &name);
	if (ret)
		return ret;
	if (!qfence_require(tb, QFENCE_A_GENERATION, extack))
		return -EINVAL;
	if (!tb[QFENCE_A_MAX_LEASE_MS] && !tb[QFENCE_A_SETTLE_MS]) {
		NL_SET_ERR_MSG(extack, "nothing to update: give MAX_LEASE_MS or SETTLE_MS");
		return -EINVAL;
	}
	ret = qfence_check_new_ranges(tb, extack);
	if (ret)
		return ret;
	*generation = nla_get_u64(tb[QFENCE_A_GENERATION]);
	*max_ms = qfence_get_u32(tb, QFENCE_A_MAX_LEASE_MS, 0);
	*settle_ms = qfence_get_u32(tb, QFENCE_A_SETTLE_MS, 0);
	return 0;
}
