// SPDX-License-Identifier: MIT
/*
 * Generic netlink messages of the qfence family (kmod/uapi/qfence.h),
 * built and parsed with libmnl. Pure: buffers in, buffers out; kernel.c
 * does the sending. Unit-tested without a kernel.
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>

#include "uapi/qfence.h"
#include "quorumd.h"

static struct nlmsghdr *genl_start(void *buf, uint16_t type, uint16_t flags,
				   uint32_t seq, uint8_t cmd, uint8_t version)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct genlmsghdr *g;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	nlh->nlmsg_seq = seq;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = cmd;
	g->version = version;
	return nlh;
}

size_t qd_nl_getfamily(void *buf, uint32_t seq)
{
	struct nlmsghdr *nlh = genl_start(buf, GENL_ID_CTRL, NLM_F_ACK, seq,
					  CTRL_CMD_GETFAMILY, 1);

	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, QFENCE_GENL_NAME);
	return nlh->nlmsg_len;
}

static struct nlmsghdr *lease_start(void *buf, uint16_t family, uint32_t seq,
				    int cmd, const char *name)
{
	struct nlmsghdr *nlh = genl_start(buf, family, NLM_F_ACK, seq,
					  (uint8_t)cmd, QFENCE_GENL_VERSION);

	mnl_attr_put_strz(nlh, QFENCE_A_NAME, name);
	return nlh;
}

size_t qd_nl_lease_new(void *buf, uint16_t family, uint32_t seq,
		       const char *name, uint64_t gen, uint32_t max_lease_ms,
		       uint32_t actions, uint32_t reboot_delay_ms,
		       uint32_t settle_ms, uint32_t flags)
{
	struct nlmsghdr *nlh = lease_start(buf, family, seq,
					   QFENCE_CMD_LEASE_NEW, name);

	mnl_attr_put_u64(nlh, QFENCE_A_GENERATION, gen);
	mnl_attr_put_u32(nlh, QFENCE_A_MAX_LEASE_MS, max_lease_ms);
	mnl_attr_put_u32(nlh, QFENCE_A_ACTIONS, actions);
	mnl_attr_put_u32(nlh, QFENCE_A_REBOOT_DELAY_MS, reboot_delay_ms);
	mnl_attr_put_u32(nlh, QFENCE_A_SETTLE_MS, settle_ms);
	mnl_attr_put_u32(nlh, QFENCE_A_FLAGS, flags);
	return nlh->nlmsg_len;
}

size_t qd_nl_lease_renew(void *buf, uint16_t family, uint32_t seq,
			 const char *name, uint64_t deadline, uint64_t gen)
{
	struct nlmsghdr *nlh = lease_start(buf, family, seq,
					   QFENCE_CMD_LEASE_RENEW, name);

	mnl_attr_put_u64(nlh, QFENCE_A_DEADLINE_NS, deadline);
	mnl_attr_put_u64(nlh, QFENCE_A_GENERATION, gen);
	return nlh->nlmsg_len;
}

/* LEASE_UPDATE (design.md rule 9): 0 leaves a value as it is. */
size_t qd_nl_lease_update(void *buf, uint16_t family, uint32_t seq,
			  const char *name, uint64_t gen,
			  uint32_t max_lease_ms, uint32_t settle_ms)
{
	struct nlmsghdr *nlh = lease_start(buf, family, seq,
					   QFENCE_CMD_LEASE_UPDATE, name);

	mnl_attr_put_u64(nlh, QFENCE_A_GENERATION, gen);
	if (max_lease_ms)
		mnl_attr_put_u32(nlh, QFENCE_A_MAX_LEASE_MS, max_lease_ms);
	if (settle_ms)
		mnl_attr_put_u32(nlh, QFENCE_A_SETTLE_MS, settle_ms);
	return nlh->nlmsg_len;
}

/* LEASE_UNFENCE (name, generation). */
size_t qd_nl_lease_gen(void *buf, uint16_t family, uint32_t seq, int cmd,
		       const char *name, uint64_t gen)
{
	struct nlmsghdr *nlh = lease_start(buf, family, seq, cmd, name);

	mnl_attr_put_u64(nlh, QFENCE_A_GENERATION, gen);
	return nlh->nlmsg_len;
}

/* LEASE_GET, LEASE_FENCE, LEASE_DISARM, LEASE_DEL (name only). */
size_t qd_nl_lease_cmd(void *buf, uint16_t family, uint32_t seq, int cmd,
		       const char *name)
{
	return lease_start(buf, family, seq, cmd, name)->nlmsg_len;
}

/* ---- parsing ---- */

struct grp_ctx {
	uint32_t id;
	bool found;
};

static int grp_cb(const struct nlattr *a, void *data)
{
	struct grp_ctx *g = data;
	struct nlattr *x;
	const char *name = NULL;
	uint32_t id = 0;
	bool have_id = false;

	if (mnl_attr_validate(a, MNL_TYPE_NESTED) < 0)
		return MNL_CB_OK;
	mnl_attr_for_each_nested(x, a) {
		if (mnl_attr_get_type(x) == CTRL_ATTR_MCAST_GRP_NAME &&
		    mnl_attr_validate(x, MNL_TYPE_NUL_STRING) >= 0)
			name = mnl_attr_get_str(x);
		else if (mnl_attr_get_type(x) == CTRL_ATTR_MCAST_GRP_ID &&
			 mnl_attr_validate(x, MNL_TYPE_U32) >= 0) {
			id = mnl_attr_get_u32(x);
			have_id = true;
		}
	}
	if (name && have_id && !strcmp(name, QFENCE_MCGRP_EVENTS)) {
		g->id = id;
		g->found = true;
	}
	return MNL_CB_OK;
}

static const struct nlmsghdr *one_msg(const void *buf, size_t len)
{
	const struct nlmsghdr *nlh = buf;

	if (!mnl_nlmsg_ok(nlh, (int)len) ||
	    nlh->nlmsg_len < NLMSG_HDRLEN + GENL_HDRLEN)
		return NULL;
	return nlh;
}

int qd_nl_parse_family(const void *buf, size_t len, uint16_t *family,
		       uint32_t *mcgrp)
{
	const struct nlmsghdr *nlh = one_msg(buf, len);
	const struct nlattr *a;
	struct grp_ctx g = { 0 };
	bool have_family = false;

	if (!nlh || nlh->nlmsg_type != GENL_ID_CTRL)
		return -EINVAL;
	mnl_attr_for_each(a, nlh, GENL_HDRLEN) {
		if (mnl_attr_get_type(a) == CTRL_ATTR_FAMILY_ID &&
		    mnl_attr_validate(a, MNL_TYPE_U16) >= 0) {
			*family = mnl_attr_get_u16(a);
			have_family = true;
		} else if (mnl_attr_get_type(a) == CTRL_ATTR_MCAST_GROUPS) {
			mnl_attr_parse_nested(a, grp_cb, &g);
		}
	}
	if (!have_family)
		return -ENOENT;
	if (!g.found)
		return -ESRCH;
	*mcgrp = g.id;
	return 0;
}

static int get_u32(const struct nlattr *a, uint32_t *v)
{
	if (mnl_attr_validate(a, MNL_TYPE_U32) < 0)
		return -1;
	*v = mnl_attr_get_u32(a);
	return 0;
}

static int get_u64(const struct nlattr *a, uint64_t *v)
{
	if (mnl_attr_validate(a, MNL_TYPE_U64) < 0)
		return -1;
	*v = mnl_attr_get_u64(a);
	return 0;
}

int qd_nl_parse_lease(const void *buf, size_t len, struct qd_lease_info *li)
{
	const struct nlmsghdr *nlh = one_msg(buf, len);
	const struct nlattr *a;
	int bad = 0;

	memset(li, 0, sizeof(*li));
	if (!nlh || nlh->nlmsg_type < NLMSG_MIN_TYPE)
		return -EINVAL;
	mnl_attr_for_each(a, nlh, GENL_HDRLEN) {
		switch (mnl_attr_get_type(a)) {
		case QFENCE_A_STATE:
			bad |= get_u32(a, &li->state);
			li->have_state = !bad;
			break;
		case QFENCE_A_GENERATION:
			bad |= get_u64(a, &li->gen);
			li->have_gen = !bad;
			break;
		case QFENCE_A_DEADLINE_NS:
			bad |= get_u64(a, &li->deadline);
			break;
		case QFENCE_A_NOW_NS:
			bad |= get_u64(a, &li->now);
			break;
		case QFENCE_A_RENEWALS:
			bad |= get_u64(a, &li->renewals);
			break;
		case QFENCE_A_MAX_LEASE_MS:
			bad |= get_u32(a, &li->max_lease_ms);
			li->have_params |= 1U << 0;
			break;
		case QFENCE_A_ACTIONS:
			bad |= get_u32(a, &li->actions);
			li->have_params |= 1U << 1;
			break;
		case QFENCE_A_SETTLE_MS:
			bad |= get_u32(a, &li->settle_ms);
			li->have_params |= 1U << 2;
			break;
		case QFENCE_A_FLAGS:
			bad |= get_u32(a, &li->flags);
			li->have_params |= 1U << 3;
			break;
		case QFENCE_A_DEVICES:
			bad |= get_u32(a, &li->devices);
			li->have_params |= 1U << 4;
			break;
		case QFENCE_A_IOS_INFLIGHT:
			bad |= get_u64(a, &li->inflight);
			break;
		case QFENCE_A_DRAINED_NS:
			bad |= get_u64(a, &li->drained_ns);
			break;
		}
	}
	if (bad || !li->have_state || !li->have_gen ||
	    li->state > QFENCE_STATE_FENCED)
		return -EINVAL;
	return 0;
}

int qd_nl_parse_event(const void *buf, size_t len, struct qd_event *ev)
{
	const struct nlmsghdr *nlh = one_msg(buf, len);
	const struct genlmsghdr *g;
	const struct nlattr *a;
	int bad = 0;

	memset(ev, 0, sizeof(*ev));
	if (!nlh || nlh->nlmsg_type < NLMSG_MIN_TYPE)
		return -EINVAL;
	g = mnl_nlmsg_get_payload(nlh);
	if (g->cmd != QFENCE_CMD_EVENT)
		return -EINVAL;
	mnl_attr_for_each(a, nlh, GENL_HDRLEN) {
		switch (mnl_attr_get_type(a)) {
		case QFENCE_A_EVENT:
			bad |= get_u32(a, &ev->event);
			break;
		case QFENCE_A_NAME:
			if (mnl_attr_validate(a, MNL_TYPE_NUL_STRING) < 0 ||
			    mnl_attr_get_payload_len(a) > sizeof(ev->name))
				bad = 1;
			else
				snprintf(ev->name, sizeof(ev->name), "%s",
					 mnl_attr_get_str(a));
			break;
		case QFENCE_A_GENERATION:
			bad |= get_u64(a, &ev->gen);
			break;
		case QFENCE_A_TIMESTAMP_NS:
			bad |= get_u64(a, &ev->ts);
			break;
		case QFENCE_A_DEADLINE_NS:
			bad |= get_u64(a, &ev->deadline);
			break;
		case QFENCE_A_FENCE_REASON:
			bad |= get_u32(a, &ev->reason);
			break;
		}
	}
	if (bad || !ev->event || !ev->name[0])
		return -EINVAL;
	return 0;
}

/*
 * Is this message the kernel's? The sender's port id is 0 only for the
 * kernel (a process can never bind it; the kernel writes the sender's
 * address, the sender cannot choose it). A process with CAP_NET_ADMIN in
 * our network namespace can still send to our ports, so a message of
 * another sender, or of another family than the one expected (type; acks
 * when ack_ok), is not qfence.ko's word: a forged FENCED or refusal
 * would otherwise fence a healthy node.
 */
bool qd_nl_from_kernel(const struct sockaddr_nl *from,
		       const struct nlmsghdr *h, uint16_t type, bool ack_ok)
{
	if (!from || from->nl_family != AF_NETLINK || from->nl_pid != 0)
		return false;
	return h->nlmsg_type == type ||
	       (ack_ok && h->nlmsg_type == NLMSG_ERROR);
}

int qd_nl_ack(const void *buf, size_t len, uint32_t seq, char *msg,
	      size_t msglen)
{
	const struct nlmsghdr *nlh = buf;
	const struct nlmsgerr *e;

	if (msg && msglen)
		msg[0] = '\0';
	if (!mnl_nlmsg_ok(nlh, (int)len) || nlh->nlmsg_seq != seq)
		return 1;
	if (nlh->nlmsg_type != NLMSG_ERROR)
		return 1;
	if (nlh->nlmsg_len < NLMSG_HDRLEN + sizeof(*e))
		return -EBADMSG;
	e = mnl_nlmsg_get_payload(nlh);
	if (e->error && msg && msglen && (nlh->nlmsg_flags & NLM_F_ACK_TLVS)) {
		const struct nlattr *a;
		size_t off = sizeof(*e);

		if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
			off += e->msg.nlmsg_len - NLMSG_HDRLEN;
		if (NLMSG_HDRLEN + off <= nlh->nlmsg_len)
			mnl_attr_for_each(a, nlh, off)
				if (mnl_attr_get_type(a) == NLMSGERR_ATTR_MSG &&
				    mnl_attr_validate(a, MNL_TYPE_NUL_STRING) >= 0)
					snprintf(msg, msglen, "%s",
						 mnl_attr_get_str(a));
	}
	return e->error > 0 ? -e->error : e->error;
}
