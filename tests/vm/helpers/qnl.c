// SPDX-License-Identifier: GPL-2.0
/* qnl: see qnl.h. */
#define _GNU_SOURCE
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include "qnl.h"

uint64_t qnl_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_BOOTTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static struct nlmsghdr *req(struct qnl *q, uint16_t type, uint8_t cmd,
			    uint16_t flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(q->buf);
	struct genlmsghdr *g;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	nlh->nlmsg_seq = ++q->seq;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = cmd;
	g->version = QFENCE_GENL_VERSION;
	return nlh;
}

struct nlmsghdr *qnl_req(struct qnl *q, uint8_t cmd, uint16_t flags)
{
	return req(q, q->family, cmd, flags);
}

static int extack_cb(const struct nlattr *a, void *data)
{
	struct qnl *q = data;

	if (mnl_attr_get_type(a) == NLMSGERR_ATTR_MSG &&
	    mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0)
		snprintf(q->extack, sizeof(q->extack), "%s",
			 mnl_attr_get_str(a));
	return MNL_CB_OK;
}

static int read_error(struct qnl *q, const struct nlmsghdr *m)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(m);
	size_t off = sizeof(*e);

	if (m->nlmsg_len < NLMSG_HDRLEN + sizeof(*e))
		return -EBADMSG;
	if (!(m->nlmsg_flags & NLM_F_CAPPED))
		off += e->msg.nlmsg_len - sizeof(struct nlmsghdr);
	if ((m->nlmsg_flags & NLM_F_ACK_TLVS) &&
	    off < m->nlmsg_len - NLMSG_HDRLEN)
		mnl_attr_parse(m, off, extack_cb, q);
	return e->error;
}

int qnl_talk(struct qnl *q, struct nlmsghdr *nlh, mnl_cb_t cb, void *data)
{
	uint32_t seq = nlh->nlmsg_seq;
	int dump = nlh->nlmsg_flags & NLM_F_DUMP;
	char rbuf[16384];
	ssize_t n;

	q->extack[0] = '\0';
	if (mnl_socket_sendto(q->sk, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	for (;;) {
		const struct nlmsghdr *m = (const struct nlmsghdr *)rbuf;
		int len;

		n = mnl_socket_recvfrom(q->sk, rbuf, sizeof(rbuf));
		if (n < 0)
			return -errno;
		len = (int)n;
		for (; mnl_nlmsg_ok(m, len); m = mnl_nlmsg_next(m, &len)) {
			if (m->nlmsg_seq != seq)
				continue;
			if (m->nlmsg_type == NLMSG_ERROR)
				return read_error(q, m);
			if (m->nlmsg_type == NLMSG_DONE)
				return 0;
			if (cb && cb(m, data) < 0)
				return -EBADMSG;
			if (!dump && !(nlh->nlmsg_flags & NLM_F_ACK))
				return 0;
		}
	}
}

struct grp {
	const char *name;
	uint32_t id;
};

static int grp_attr_cb(const struct nlattr *a, void *data)
{
	struct grp *g = data;

	if (mnl_attr_get_type(a) == CTRL_ATTR_MCAST_GRP_NAME &&
	    mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0)
		g->name = mnl_attr_get_str(a);
	if (mnl_attr_get_type(a) == CTRL_ATTR_MCAST_GRP_ID &&
	    mnl_attr_validate(a, MNL_TYPE_U32) == 0)
		g->id = mnl_attr_get_u32(a);
	return MNL_CB_OK;
}

static int grps_cb(const struct nlattr *a, void *data)
{
	struct grp g = { NULL, 0 };

	mnl_attr_parse_nested(a, grp_attr_cb, &g);
	if (g.name && !strcmp(g.name, QFENCE_MCGRP_EVENTS))
		((struct qnl *)data)->events_group = g.id;
	return MNL_CB_OK;
}

static int family_attr_cb(const struct nlattr *a, void *data)
{
	struct qnl *q = data;

	if (mnl_attr_get_type(a) == CTRL_ATTR_FAMILY_ID &&
	    mnl_attr_validate(a, MNL_TYPE_U16) == 0)
		q->family = mnl_attr_get_u16(a);
	if (mnl_attr_get_type(a) == CTRL_ATTR_MCAST_GROUPS)
		mnl_attr_parse_nested(a, grps_cb, q);
	return MNL_CB_OK;
}

static int family_cb(const struct nlmsghdr *m, void *data)
{
	mnl_attr_parse(m, sizeof(struct genlmsghdr), family_attr_cb, data);
	return MNL_CB_OK;
}

int qnl_open(struct qnl *q)
{
	struct nlmsghdr *nlh;
	int one = 1, ret;

	memset(q, 0, sizeof(*q));
	q->seq = (uint32_t)time(NULL);
	q->sk = mnl_socket_open(NETLINK_GENERIC);
	if (!q->sk)
		return -errno;
	if (mnl_socket_bind(q->sk, 0, MNL_SOCKET_AUTOPID) < 0)
		return -errno;
	mnl_socket_setsockopt(q->sk, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(q->sk, NETLINK_CAP_ACK, &one, sizeof(one));
	nlh = req(q, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, NLM_F_ACK);
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, QFENCE_GENL_NAME);
	ret = qnl_talk(q, nlh, family_cb, q);
	if (ret == 0 && !q->family)
		ret = -ENOENT;
	return ret;
}

void qnl_close(struct qnl *q)
{
	if (q->sk)
		mnl_socket_close(q->sk);
	q->sk = NULL;
}

static int lease_attr_cb(const struct nlattr *a, void *data)
{
	struct qlease *l = data;
	uint16_t t = mnl_attr_get_type(a);
	uint16_t len = mnl_attr_get_payload_len(a);
	uint64_t v = len == 8 ? mnl_attr_get_u64(a) :
		     len == 4 ? mnl_attr_get_u32(a) : 0;

	switch (t) {
	case QFENCE_A_NAME:
		snprintf(l->name, sizeof(l->name), "%.*s", (int)len,
			 (const char *)mnl_attr_get_payload(a));
		break;
	case QFENCE_A_STATE: l->state = v; break;
	case QFENCE_A_MAX_LEASE_MS: l->max_lease_ms = v; break;
	case QFENCE_A_ACTIONS: l->actions = v; break;
	case QFENCE_A_REBOOT_DELAY_MS: l->reboot_delay_ms = v; break;
	case QFENCE_A_SETTLE_MS: l->settle_ms = v; break;
	case QFENCE_A_FLAGS: l->flags = v; break;
	case QFENCE_A_DEVICES: l->devices = v; break;
	case QFENCE_A_FENCE_REASON: l->reason = v; break;
	case QFENCE_A_GENERATION: l->generation = v; break;
	case QFENCE_A_DEADLINE_NS: l->deadline_ns = v; break;
	case QFENCE_A_NOW_NS: l->now_ns = v; break;
	case QFENCE_A_RENEWALS: l->renewals = v; break;
	case QFENCE_A_FENCES: l->fences = v; break;
	case QFENCE_A_IOS_FAILED: l->ios_failed = v; break;
	case QFENCE_A_IOS_INFLIGHT: l->ios_inflight = v; break;
	case QFENCE_A_FENCED_NS: l->fenced_ns = v; break;
	case QFENCE_A_DRAINED_NS: l->drained_ns = v; break;
	}
	return MNL_CB_OK;
}

int qnl_parse_lease(const struct nlmsghdr *m, struct qlease *l)
{
	memset(l, 0, sizeof(*l));
	return mnl_attr_parse(m, sizeof(struct genlmsghdr), lease_attr_cb, l);
}

static int lease_cb(const struct nlmsghdr *m, void *data)
{
	qnl_parse_lease(m, data);
	return MNL_CB_OK;
}

int qnl_get(struct qnl *q, const char *name, struct qlease *l)
{
	struct nlmsghdr *nlh = qnl_req(q, QFENCE_CMD_LEASE_GET, NLM_F_ACK);

	memset(l, 0, sizeof(*l));
	mnl_attr_put_strz(nlh, QFENCE_A_NAME, name);
	return qnl_talk(q, nlh, lease_cb, l);
}

static int count_cb(const struct nlmsghdr *m, void *data)
{
	(void)m;
	++*(int *)data;
	return MNL_CB_OK;
}

int qnl_count(struct qnl *q)
{
	struct nlmsghdr *nlh = qnl_req(q, QFENCE_CMD_LEASE_GET, NLM_F_DUMP);
	int n = 0, ret;

	ret = qnl_talk(q, nlh, count_cb, &n);
	return ret < 0 ? ret : n;
}

int qnl_renew(struct qnl *q, const char *name, uint64_t deadline, uint64_t gen)
{
	struct nlmsghdr *nlh = qnl_req(q, QFENCE_CMD_LEASE_RENEW, NLM_F_ACK);

	mnl_attr_put_strz(nlh, QFENCE_A_NAME, name);
	mnl_attr_put_u64(nlh, QFENCE_A_DEADLINE_NS, deadline);
	mnl_attr_put_u64(nlh, QFENCE_A_GENERATION, gen);
	return qnl_talk(q, nlh, NULL, NULL);
}

int qnl_simple(struct qnl *q, uint8_t cmd, const char *name)
{
	struct nlmsghdr *nlh = qnl_req(q, cmd, NLM_F_ACK);

	mnl_attr_put_strz(nlh, QFENCE_A_NAME, name);
	return qnl_talk(q, nlh, NULL, NULL);
}

int qnl_unfence(struct qnl *q, const char *name, uint64_t gen)
{
	struct nlmsghdr *nlh = qnl_req(q, QFENCE_CMD_LEASE_UNFENCE, NLM_F_ACK);

	mnl_attr_put_strz(nlh, QFENCE_A_NAME, name);
	mnl_attr_put_u64(nlh, QFENCE_A_GENERATION, gen);
	return qnl_talk(q, nlh, NULL, NULL);
}
