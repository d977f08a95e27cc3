// SPDX-License-Identifier: MIT
/* nlmsg.c: qfence generic netlink messages, without a kernel. */
#include <errno.h>
#include <string.h>

#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>

#include "uapi/qfence.h"
#include "quorumd.h"
#include "test.h"

static uint8_t buf[KERN_BUF];

struct seen {
	const struct nlattr *a[QFENCE_A_MAX + 1];
	int count;
};

static int collect(const struct nlattr *a, void *data)
{
	struct seen *s = data;
	int t = mnl_attr_get_type(a);

	if (t <= QFENCE_A_MAX)
		s->a[t] = a;
	s->count++;
	return MNL_CB_OK;
}

static const struct genlmsghdr *parse(size_t len, uint16_t family,
				      struct seen *s)
{
	const struct nlmsghdr *nlh = (const void *)buf;

	memset(s, 0, sizeof(*s));
	if (nlh->nlmsg_len != len || nlh->nlmsg_type != family ||
	    !(nlh->nlmsg_flags & NLM_F_REQUEST) ||
	    !(nlh->nlmsg_flags & NLM_F_ACK))
		return NULL;
	mnl_attr_parse(nlh, GENL_HDRLEN, collect, s);
	return mnl_nlmsg_get_payload(nlh);
}

static void lease_new(void)
{
	struct seen s;
	const struct genlmsghdr *g;
	size_t n = qd_nl_lease_new(buf, 33, 5, "node-a", 4, 1501,
				   QFENCE_ACTION_IO | QFENCE_ACTION_REBOOT, 10,
				   1000, QFENCE_F_NOWAYOUT);

	g = parse(n, 33, &s);
	CHECK(g && g->cmd == QFENCE_CMD_LEASE_NEW &&
	      g->version == QFENCE_GENL_VERSION);
	CHECK(s.count == 7);
	CHECK(!strcmp(mnl_attr_get_str(s.a[QFENCE_A_NAME]), "node-a"));
	CHECK(mnl_attr_get_u64(s.a[QFENCE_A_GENERATION]) == 4);
	CHECK(mnl_attr_get_u32(s.a[QFENCE_A_MAX_LEASE_MS]) == 1501);
	CHECK(mnl_attr_get_u32(s.a[QFENCE_A_ACTIONS]) ==
	      (QFENCE_ACTION_IO | QFENCE_ACTION_REBOOT));
	CHECK(mnl_attr_get_u32(s.a[QFENCE_A_REBOOT_DELAY_MS]) == 10);
	CHECK(mnl_attr_get_u32(s.a[QFENCE_A_SETTLE_MS]) == 1000);
	CHECK(mnl_attr_get_u32(s.a[QFENCE_A_FLAGS]) == QFENCE_F_NOWAYOUT);
	CHECK(((struct nlmsghdr *)buf)->nlmsg_seq == 5);
}

/* The renew carries exactly the absolute deadline the core gave. */
static void lease_renew(void)
{
	struct seen s;
	const struct genlmsghdr *g;
	size_t n = qd_nl_lease_renew(buf, 40, 9, "l", 0xfedcba9876543210ULL,
				     7);

	g = parse(n, 40, &s);
	CHECK(g && g->cmd == QFENCE_CMD_LEASE_RENEW && s.count == 3);
	CHECK(mnl_attr_get_u64(s.a[QFENCE_A_DEADLINE_NS]) ==
	      0xfedcba9876543210ULL);
	CHECK(mnl_attr_get_u64(s.a[QFENCE_A_GENERATION]) == 7);
	CHECK(mnl_attr_validate(s.a[QFENCE_A_DEADLINE_NS], MNL_TYPE_U64) == 0);
}

/* LEASE_UPDATE: an absent value is not sent (the kernel keeps it). */
static void lease_update(void)
{
	const struct genlmsghdr *g;
	struct seen s;
	size_t n = qd_nl_lease_update(buf, 40, 9, "l", 7, 501, 0);

	g = parse(n, 40, &s);
	CHECK(g && g->cmd == QFENCE_CMD_LEASE_UPDATE && s.count == 3);
	CHECK(mnl_attr_get_u64(s.a[QFENCE_A_GENERATION]) == 7);
	CHECK(mnl_attr_get_u32(s.a[QFENCE_A_MAX_LEASE_MS]) == 501);
	CHECK(!s.a[QFENCE_A_SETTLE_MS]);
	n = qd_nl_lease_update(buf, 40, 10, "l", 7, 0, 300);
	g = parse(n, 40, &s);
	CHECK(g && s.count == 3 && !s.a[QFENCE_A_MAX_LEASE_MS] &&
	      mnl_attr_get_u32(s.a[QFENCE_A_SETTLE_MS]) == 300);
}

static void lease_simple(void)
{
	static const int cmds[] = { QFENCE_CMD_LEASE_GET, QFENCE_CMD_LEASE_FENCE,
				    QFENCE_CMD_LEASE_DISARM, QFENCE_CMD_LEASE_DEL };
	struct seen s;
	const struct genlmsghdr *g;

	for (size_t i = 0; i < 4; i++) {
		size_t n = qd_nl_lease_cmd(buf, 40, 1, cmds[i], "abc");

		g = parse(n, 40, &s);
		CHECK(g && g->cmd == cmds[i] && s.count == 1);
		CHECK(!strcmp(mnl_attr_get_str(s.a[QFENCE_A_NAME]), "abc"));
	}
	g = parse(qd_nl_lease_gen(buf, 40, 1, QFENCE_CMD_LEASE_UNFENCE, "abc",
				  3), 40, &s);
	CHECK(g && g->cmd == QFENCE_CMD_LEASE_UNFENCE && s.count == 2);
	CHECK(mnl_attr_get_u64(s.a[QFENCE_A_GENERATION]) == 3);
}

/* A CTRL_CMD_NEWFAMILY reply as the kernel sends it. */
static size_t family_reply(bool with_events)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct genlmsghdr *g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	struct nlattr *grps, *grp;

	nlh->nlmsg_type = GENL_ID_CTRL;
	g->cmd = CTRL_CMD_NEWFAMILY;
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, "qfence");
	mnl_attr_put_u16(nlh, CTRL_ATTR_FAMILY_ID, 0x22);
	grps = mnl_attr_nest_start(nlh, CTRL_ATTR_MCAST_GROUPS);
	grp = mnl_attr_nest_start(nlh, 1);
	mnl_attr_put_u32(nlh, CTRL_ATTR_MCAST_GRP_ID, 5);
	mnl_attr_put_strz(nlh, CTRL_ATTR_MCAST_GRP_NAME, "other");
	mnl_attr_nest_end(nlh, grp);
	if (with_events) {
		grp = mnl_attr_nest_start(nlh, 2);
		mnl_attr_put_strz(nlh, CTRL_ATTR_MCAST_GRP_NAME, "events");
		mnl_attr_put_u32(nlh, CTRL_ATTR_MCAST_GRP_ID, 11);
		mnl_attr_nest_end(nlh, grp);
	}
	mnl_attr_nest_end(nlh, grps);
	return nlh->nlmsg_len;
}

static void family_resolve(void)
{
	uint16_t fam = 0;
	uint32_t grp = 0;
	struct seen s;
	size_t n = qd_nl_getfamily(buf, 3);
	const struct nlmsghdr *nlh = (const void *)buf;

	CHECK(nlh->nlmsg_type == GENL_ID_CTRL && nlh->nlmsg_len == n);
	memset(&s, 0, sizeof(s));
	mnl_attr_parse(nlh, GENL_HDRLEN, collect, &s);
	CHECK(!strcmp(mnl_attr_get_str(s.a[CTRL_ATTR_FAMILY_NAME]), "qfence"));
	n = family_reply(true);
	CHECK(qd_nl_parse_family(buf, n, &fam, &grp) == 0);
	CHECK(fam == 0x22 && grp == 11);
	n = family_reply(false);
	CHECK(qd_nl_parse_family(buf, n, &fam, &grp) == -ESRCH);
	CHECK(qd_nl_parse_family(buf, 10, &fam, &grp) == -EINVAL);
}

static size_t lease_reply(uint32_t state, bool with_gen)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct genlmsghdr *g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));

	nlh->nlmsg_type = 0x22;
	g->cmd = QFENCE_CMD_LEASE_GET;
	mnl_attr_put_strz(nlh, QFENCE_A_NAME, "x");
	mnl_attr_put_u32(nlh, QFENCE_A_STATE, state);
	if (with_gen)
		mnl_attr_put_u64(nlh, QFENCE_A_GENERATION, 6);
	mnl_attr_put_u64(nlh, QFENCE_A_DEADLINE_NS, 1000);
	mnl_attr_put_u64(nlh, QFENCE_A_NOW_NS, 900);
	mnl_attr_put_u64(nlh, QFENCE_A_RENEWALS, 12);
	mnl_attr_put_u32(nlh, QFENCE_A_MAX_LEASE_MS, 4001);
	mnl_attr_put_u32(nlh, QFENCE_A_ACTIONS, QFENCE_ACTION_IO);
	mnl_attr_put_u32(nlh, QFENCE_A_SETTLE_MS, 1500);
	mnl_attr_put_u32(nlh, QFENCE_A_FLAGS, QFENCE_F_NOWAYOUT);
	mnl_attr_put_u32(nlh, QFENCE_A_DEVICES, 2);
	mnl_attr_put_u64(nlh, QFENCE_A_IOS_INFLIGHT, 3);
	return nlh->nlmsg_len;
}

static void lease_get_parse(void)
{
	struct qd_lease_info li;
	size_t n = lease_reply(QFENCE_STATE_FENCED, true);

	CHECK(qd_nl_parse_lease(buf, n, &li) == 0);
	CHECK(li.state == QFENCE_STATE_FENCED && li.gen == 6 &&
	      li.deadline == 1000 && li.now == 900 && li.renewals == 12);
	CHECK(li.max_lease_ms == 4001 && li.actions == QFENCE_ACTION_IO &&
	      li.settle_ms == 1500 && li.flags == QFENCE_F_NOWAYOUT &&
	      li.devices == 2 && li.inflight == 3 &&
	      li.have_params == QD_LI_ALL);
	n = lease_reply(QFENCE_STATE_FENCED + 1, true);
	CHECK(qd_nl_parse_lease(buf, n, &li) == -EINVAL);
	n = lease_reply(QFENCE_STATE_ARMED, false);
	CHECK(qd_nl_parse_lease(buf, n, &li) == -EINVAL);
}

static size_t event(uint32_t ev, const char *name, bool u32_gen)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct genlmsghdr *g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));

	nlh->nlmsg_type = 0x22;
	g->cmd = QFENCE_CMD_EVENT;
	mnl_attr_put_u32(nlh, QFENCE_A_EVENT, ev);
	if (name)
		mnl_attr_put_strz(nlh, QFENCE_A_NAME, name);
	if (u32_gen)
		mnl_attr_put_u32(nlh, QFENCE_A_GENERATION, 3);
	else
		mnl_attr_put_u64(nlh, QFENCE_A_GENERATION, 3);
	mnl_attr_put_u64(nlh, QFENCE_A_TIMESTAMP_NS, 55);
	mnl_attr_put_u32(nlh, QFENCE_A_FENCE_REASON, QFENCE_REASON_EXPIRED);
	return nlh->nlmsg_len;
}

static void event_parse(void)
{
	struct qd_event ev;
	char longname[40];

	CHECK(qd_nl_parse_event(buf, event(QFENCE_EVENT_FENCED, "n1", false),
				&ev) == 0);
	CHECK(ev.event == QFENCE_EVENT_FENCED && !strcmp(ev.name, "n1") &&
	      ev.gen == 3 && ev.ts == 55 &&
	      ev.reason == QFENCE_REASON_EXPIRED);
	/* wrong attribute size, missing name, name too long: refused */
	CHECK(qd_nl_parse_event(buf, event(QFENCE_EVENT_FENCED, "n1", true),
				&ev) == -EINVAL);
	CHECK(qd_nl_parse_event(buf, event(QFENCE_EVENT_FENCED, NULL, false),
				&ev) == -EINVAL);
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	CHECK(qd_nl_parse_event(buf, event(QFENCE_EVENT_FENCED, longname,
					   false), &ev) == -EINVAL);
	/* a LEASE_GET reply is not an event */
	CHECK(qd_nl_parse_event(buf, lease_reply(1, true), &ev) == -EINVAL);
}

static size_t ack(int err, uint32_t seq, const char *msg)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct nlmsgerr *e = mnl_nlmsg_put_extra_header(nlh, sizeof(*e));

	nlh->nlmsg_type = NLMSG_ERROR;
	nlh->nlmsg_seq = seq;
	nlh->nlmsg_flags = NLM_F_CAPPED;
	e->error = err;
	e->msg.nlmsg_len = 64;	/* the request's, only its header echoed */
	e->msg.nlmsg_seq = seq;
	if (msg) {
		nlh->nlmsg_flags |= NLM_F_ACK_TLVS;
		mnl_attr_put_strz(nlh, NLMSGERR_ATTR_MSG, msg);
	}
	return nlh->nlmsg_len;
}

static void ack_parse(void)
{
	char msg[64];

	CHECK(qd_nl_ack(buf, ack(0, 4, NULL), 4, msg, sizeof(msg)) == 0);
	CHECK(qd_nl_ack(buf, ack(-ERANGE, 4, "deadline too far"), 4, msg,
			sizeof(msg)) == -ERANGE);
	CHECK(!strcmp(msg, "deadline too far"));
	CHECK(qd_nl_ack(buf, ack(-ECANCELED, 4, NULL), 4, msg,
			sizeof(msg)) == -ECANCELED);
	/* another request's ack, or not an ack at all */
	CHECK(qd_nl_ack(buf, ack(0, 5, NULL), 4, msg, sizeof(msg)) == 1);
	CHECK(qd_nl_ack(buf, lease_reply(1, true), 0, msg, sizeof(msg)) == 1);
}

const struct t_case t_nlmsg[] = {
	{ "nlmsg/lease_new_attrs", lease_new },
	{ "nlmsg/lease_renew_absolute_deadline", lease_renew },
	{ "nlmsg/lease_name_only_cmds", lease_simple },
	{ "nlmsg/lease_update_attrs", lease_update },
	{ "nlmsg/family_and_events_group", family_resolve },
	{ "nlmsg/lease_get_parse", lease_get_parse },
	{ "nlmsg/event_parse_strict", event_parse },
	{ "nlmsg/ack_and_extack", ack_parse },
	{ 0 }
};
