// SPDX-License-Identifier: MIT
/*
 * Decoding of LEASE_GET replies and events. Every attribute is checked for
 * its exact wire size; a reply that does not match the uapi header is
 * refused rather than shown half-read. Attributes newer than this header
 * are ignored (a newer kernel may add some).
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include <netlink/attr.h>
#include <netlink/genl/genl.h>

#include "attrs.h"

_Static_assert(QFENCE_A_MAX < 64, "present is a 64-bit mask");

#define U32(a, f) [a] = { sizeof(uint32_t), offsetof(struct qc_info, f) }
#define U64(a, f) [a] = { sizeof(uint64_t), offsetof(struct qc_info, f) }

static const struct {
	uint16_t size;		/* 0: not a number (name, pad, unspec) */
	uint16_t off;
} fields[QFENCE_A_MAX + 1] = {
	U64(QFENCE_A_GENERATION, generation),
	U32(QFENCE_A_MAX_LEASE_MS, max_lease_ms),
	U32(QFENCE_A_ACTIONS, actions),
	U32(QFENCE_A_REBOOT_DELAY_MS, reboot_delay_ms),
	U32(QFENCE_A_SETTLE_MS, settle_ms),
	U32(QFENCE_A_FLAGS, flags),
	U64(QFENCE_A_DEADLINE_NS, deadline_ns),
	U32(QFENCE_A_STATE, state),
	U64(QFENCE_A_NOW_NS, now_ns),
	U64(QFENCE_A_RENEWALS, renewals),
	U64(QFENCE_A_FENCES, fences),
	U64(QFENCE_A_IOS_FAILED, ios_failed),
	U64(QFENCE_A_IOS_INFLIGHT, ios_inflight),
	U32(QFENCE_A_DEVICES, devices),
	U64(QFENCE_A_FENCED_NS, fenced_ns),
	U64(QFENCE_A_DRAINED_NS, drained_ns),
	U32(QFENCE_A_FENCE_REASON, fence_reason),
	U32(QFENCE_A_EVENT, event),
	U64(QFENCE_A_TIMESTAMP_NS, timestamp_ns),
	U32(QFENCE_A_ACTION, action),
	U64(QFENCE_A_ACTION_AT_NS, action_at_ns),
	U32(QFENCE_A_ACTION_CAUSE, action_cause),
};

static int parse_name(const struct nlattr *a, struct qc_info *info)
{
	const char *s = nla_data(a);
	int len = nla_len(a);

	/* NUL-terminated, non-empty, fits QFENCE_NAME_LEN with its NUL. */
	if (len < 2 || len > QFENCE_NAME_LEN || memchr(s, '\0', len) != s + len - 1)
		return -EINVAL;
	memcpy(info->name, s, len);
	return 0;
}

/* The value of numeric attribute @attr (0 for anything else). */
uint64_t qc_info_num(const struct qc_info *info, int attr)
{
	const char *p = (const char *)info;
	uint32_t v32;
	uint64_t v64;

	if (attr < 0 || attr > QFENCE_A_MAX)
		return 0;
	p += fields[attr].off;
	switch (fields[attr].size) {
	case sizeof(uint32_t):
		memcpy(&v32, p, sizeof(v32));
		return v32;
	case sizeof(uint64_t):
		memcpy(&v64, p, sizeof(v64));
		return v64;
	default:
		return 0;
	}
}

/* Returns 0, or -EINVAL when the message is not a valid qfence message. */
int qc_info_parse(const struct nlmsghdr *nlh, struct qc_info *info)
{
	const struct genlmsghdr *g;
	struct nlattr *a;
	int rem, type;

	memset(info, 0, sizeof(*info));
	if (nlh->nlmsg_len < NLMSG_HDRLEN + GENL_HDRLEN)
		return -EINVAL;
	g = nlmsg_data(nlh);
	info->cmd = g->cmd;
	nla_for_each_attr(a, genlmsg_attrdata(g, 0), genlmsg_attrlen(g, 0), rem) {
		type = nla_type(a);
		if (type == QFENCE_A_NAME) {
			if (parse_name(a, info))
				return -EINVAL;
		} else if (type > QFENCE_A_MAX || !fields[type].size) {
			continue;
		} else if (nla_len(a) != fields[type].size) {
			return -EINVAL;
		} else {
			memcpy((char *)info + fields[type].off, nla_data(a),
			       fields[type].size);
		}
		if (type <= QFENCE_A_MAX)
			info->present |= 1ULL << type;
	}
	/* A trailing partial attribute means a corrupt message. */
	return rem > 0 ? -EINVAL : 0;
}
