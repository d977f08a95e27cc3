// SPDX-License-Identifier: GPL-2.0
/*
 * qfence generic netlink family: see uapi/qfence.h for the protocol.
 *
 * Every mutating command carries GENL_ADMIN_PERM: CAP_NET_ADMIN in the
 * initial user namespace. Leases are kernel-global, so the capability a
 * process holds over its own network namespace must not be enough.
 *
 * Events go to the "events" group of every network namespace
 * (genlmsg_multicast_allns()), for the same reason: a lease is the same
 * lease wherever its daemon runs.
 *
 * The family has parallel_ops: commands do not serialise on genl_mutex
 * (an unprivileged LEASE_GET flood must not delay a renew); each takes
 * qfence_mutex, which nothing holds across an allocation that may wait
 * for reclaim or across printk, except LEASE_NEW's small kzalloc and
 * LEASE_GET's reply, allocated before the lock.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/ktime.h>
#include <linux/module.h>
#include <net/genetlink.h>

#include "actions.h"
#include "clock.h"
#include "netlink.h"
#include "policy.h"
#include "registry.h"

static struct genl_family qfence_family;
static bool qfence_nl_live;	/* under qfence_mutex */

static int qfence_put_u64(struct sk_buff *skb, int attr, u64 value)
{
	return nla_put_u64_64bit(skb, attr, value, QFENCE_A_PAD);
}

static int qfence_fill_lease(struct sk_buff *skb, struct qfence_lease *l)
{
	const struct qfence_lease_cfg *cfg = &l->cfg;
	/* The last fence's drain, 0 while the current fence has not drained. */
	u64 drained = READ_ONCE(l->state) != QFENCE_STATE_FENCED ||
		      test_bit(QFENCE_LF_DRAINED, &l->flags) ? l->drained_ns : 0;
	/* Times leave in CLOCK_BOOTTIME (clock.h). */
	s64 off = l->boot_off;

	if (nla_put_string(skb, QFENCE_A_NAME, cfg->name) ||
	    nla_put_u32(skb, QFENCE_A_STATE, qfence_lease_state(l)) ||
	    qfence_put_u64(skb, QFENCE_A_GENERATION, cfg->generation) ||
	    qfence_put_u64(skb, QFENCE_A_DEADLINE_NS,
			   qfence_to_boot(READ_ONCE(l->deadline_ns), off)) ||
	    qfence_put_u64(skb, QFENCE_A_NOW_NS, ktime_get_boottime_ns()) ||
	    nla_put_u32(skb, QFENCE_A_MAX_LEASE_MS, cfg->max_lease_ms) ||
	    nla_put_u32(skb, QFENCE_A_ACTIONS, cfg->actions) ||
	    nla_put_u32(skb, QFENCE_A_REBOOT_DELAY_MS, cfg->reboot_delay_ms) ||
	    nla_put_u32(skb, QFENCE_A_SETTLE_MS, cfg->settle_ms) ||
	    nla_put_u32(skb, QFENCE_A_FLAGS, cfg->flags) ||
	    qfence_put_u64(skb, QFENCE_A_RENEWALS, l->renewals) ||
	    qfence_put_u64(skb, QFENCE_A_FENCES, READ_ONCE(l->fences)) ||
	    qfence_put_u64(skb, QFENCE_A_IOS_FAILED, qfence_failed(l)) ||
	    qfence_put_u64(skb, QFENCE_A_IOS_INFLIGHT, qfence_inflight(l)) ||
	    nla_put_u32(skb, QFENCE_A_DEVICES, l->devices) ||
	    qfence_put_u64(skb, QFENCE_A_FENCED_NS,
			   qfence_to_boot(READ_ONCE(l->fenced_ns), off)) ||
	    qfence_put_u64(skb, QFENCE_A_DRAINED_NS,
			   qfence_to_boot(drained, off)) ||
	    nla_put_u32(skb, QFENCE_A_FENCE_REASON, READ_ONCE(l->fence_reason)))
		return -EMSGSIZE;
	return 0;
}

/* One LEASE_GET reply or dump entry. The caller holds qfence_mutex. */
static int qfence_fill(struct sk_buff *skb, struct qfence_lease *l,
		       u32 portid, u32 seq, int flags)
{
	void *hdr;

	hdr = genlmsg_put(skb, portid, seq, &qfence_family, flags,
			  QFENCE_CMD_LEASE_GET);
	if (!hdr)
		return -EMSGSIZE;
	if (qfence_fill_lease(skb, l)) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

static int qfence_fill_event(struct sk_buff *skb, const struct qfence_ev_rec *ev)
{
	if (nla_put_u32(skb, QFENCE_A_EVENT, ev->event) ||
	    nla_put_string(skb, QFENCE_A_NAME, ev->name) ||
	    qfence_put_u64(skb, QFENCE_A_GENERATION, ev->generation) ||
	    qfence_put_u64(skb, QFENCE_A_TIMESTAMP_NS, ev->timestamp_ns) ||
	    qfence_put_u64(skb, QFENCE_A_DEADLINE_NS, ev->deadline_ns))
		return -EMSGSIZE;

	switch (ev->event) {
	case QFENCE_EVENT_FENCED:
		if (nla_put_u32(skb, QFENCE_A_FENCE_REASON, ev->fence_reason) ||
		    qfence_put_u64(skb, QFENCE_A_IOS_INFLIGHT, ev->inflight))
			return -EMSGSIZE;
		break;
	case QFENCE_EVENT_DRAINED:
		if (qfence_put_u64(skb, QFENCE_A_DRAINED_NS, ev->drained_ns))
			return -EMSGSIZE;
		break;
	case QFENCE_EVENT_ACTION:
		if (nla_put_u32(skb, QFENCE_A_ACTION, ev->action) ||
		    qfence_put_u64(skb, QFENCE_A_ACTION_AT_NS, ev->action_at_ns) ||
		    nla_put_u32(skb, QFENCE_A_ACTION_CAUSE, ev->cause))
			return -EMSGSIZE;
		break;
	}
	return 0;
}

/* May events be sent? The caller holds qfence_mutex. */
bool qfence_nl_is_live(void)
{
	lockdep_assert_held(&qfence_mutex);
	return qfence_nl_live;
}

/**
 * qfence_nl_send - multicast an event on the "events" group
 * @ev: the event, copied from its lease under qfence_mutex
 *
 * Process context, without qfence_mutex (the allocation may sleep; a renew
 * must not wait for it). The caller saw qfence_nl_is_live() under the
 * mutex, from the lease's work: qfence_nl_exit() flushes the work before
 * it unregisters the family. Nobody listening is not an error; a message
 * that cannot be allocated is logged and dropped.
 */
void qfence_nl_send(const struct qfence_ev_rec *ev)
{
	struct sk_buff *skb;
	void *hdr;

	skb = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!skb)
		goto fail;
	hdr = genlmsg_put(skb, 0, 0, &qfence_family, 0, QFENCE_CMD_EVENT);
	if (!hdr || qfence_fill_event(skb, ev)) {
		nlmsg_free(skb);
		goto fail;
	}
	genlmsg_end(skb, hdr);
	genlmsg_multicast_allns(&qfence_family, skb, 0, 0);
	return;
fail:
	pr_warn_ratelimited("lease %s: event %u lost\n", ev->name, ev->event);
}

/* The lease a request names; the caller has checked that NAME is there. */
static struct qfence_lease *qfence_nl_lease(struct genl_info *info)
{
	struct nlattr *attr = info->attrs[QFENCE_A_NAME];
	struct qfence_lease *l = qfence_find(nla_data(attr));

	if (!l)
		NL_SET_ERR_MSG_ATTR(info->extack, attr, "no such lease");
	return l;
}

static int qfence_nl_new(struct sk_buff *skb, struct genl_info *info)
{
	struct qfence_lease_cfg cfg;
	int ret;

	ret = qfence_policy_check_new(info->attrs, info->extack,
				      qfence_log_only, &cfg);
	if (ret)
		return ret;
	mutex_lock(&qfence_mutex);
	ret = qfence_create(&cfg, info->extack);
	mutex_unlock(&qfence_mutex);
	if (ret == -EEXIST)
		NL_SET_BAD_ATTR(info->extack, info->attrs[QFENCE_A_NAME]);
	return ret;
}

static int qfence_nl_renew(struct sk_buff *skb, struct genl_info *info)
{
	struct qfence_lease *l;
	u64 deadline, gen;
	int ret;

	ret = qfence_policy_check_renew(info->attrs, info->extack, &deadline,
					&gen);
	if (ret)
		return ret;
	mutex_lock(&qfence_mutex);
	l = qfence_nl_lease(info);
	ret = l ? qfence_renew(l, deadline, gen, info->extack) : -ENOENT;
	mutex_unlock(&qfence_mutex);
	if (ret == -ESTALE)
		NL_SET_BAD_ATTR(info->extack, info->attrs[QFENCE_A_GENERATION]);
	else if (ret == -ERANGE)
		NL_SET_BAD_ATTR(info->extack, info->attrs[QFENCE_A_DEADLINE_NS]);
	return ret;
}

static int qfence_nl_get(struct sk_buff *skb, struct genl_info *info)
{
	struct qfence_lease *l;
	struct sk_buff *msg;
	const char *name;
	int ret;

	ret = qfence_policy_check_name(info->attrs, info->extack, &name);
	if (ret)
		return ret;
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	mutex_lock(&qfence_mutex);
	l = qfence_nl_lease(info);
	ret = l ? qfence_fill(msg, l, info->snd_portid, info->snd_seq, 0) :
		  -ENOENT;
	mutex_unlock(&qfence_mutex);
	if (ret) {
		nlmsg_free(msg);
		return ret;
	}
	return genlmsg_reply(msg, info);
}

static int qfence_nl_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct qfence_lease *l;
	long idx = 0;

	mutex_lock(&qfence_mutex);
	list_for_each_entry(l, &qfence_leases, node) {
		if (idx >= cb->args[0] &&
		    qfence_fill(skb, l, NETLINK_CB(cb->skb).portid,
				cb->nlh->nlmsg_seq, NLM_F_MULTI))
			break;
		idx++;
	}
	mutex_unlock(&qfence_mutex);
	cb->args[0] = idx;
	return skb->len;
}

static int qfence_nl_fence(struct sk_buff *skb, struct genl_info *info)
{
	struct qfence_lease *l;
	const char *name;
	int ret;

	ret = qfence_policy_check_name(info->attrs, info->extack, &name);
	if (ret)
		return ret;
	mutex_lock(&qfence_mutex);
	l = qfence_nl_lease(info);
	if (l)
		qfence_fence(l);
	mutex_unlock(&qfence_mutex);
	return l ? 0 : -ENOENT;
}

static int qfence_nl_update(struct sk_buff *skb, struct genl_info *info)
{
	struct qfence_lease *l;
	u32 max_ms, settle_ms;
	u64 gen;
	int ret;

	ret = qfence_policy_check_update(info->attrs, info->extack, &gen,
					 &max_ms, &settle_ms);
	if (ret)
		return ret;
	mutex_lock(&qfence_mutex);
	l = qfence_nl_lease(info);
	ret = l ? qfence_update(l, gen, max_ms, settle_ms, info->extack) :
		  -ENOENT;
	mutex_unlock(&qfence_mutex);
	if (ret == -ESTALE)
		NL_SET_BAD_ATTR(info->extack, info->attrs[QFENCE_A_GENERATION]);
	else if (ret == -ECANCELED)
		NL_SET_BAD_ATTR(info->extack, info->attrs[QFENCE_A_NAME]);
	return ret;
}

static int qfence_nl_unfence(struct sk_buff *skb, struct genl_info *info)
{
	struct qfence_lease *l;
	u64 gen;
	int ret;

	ret = qfence_policy_check_unfence(info->attrs, info->extack, &gen);
	if (ret)
		return ret;
	mutex_lock(&qfence_mutex);
	l = qfence_nl_lease(info);
	ret = l ? qfence_unfence(l, gen, info->extack) : -ENOENT;
	mutex_unlock(&qfence_mutex);
	if (ret == -ESTALE)
		NL_SET_BAD_ATTR(info->extack, info->attrs[QFENCE_A_GENERATION]);
	else if (ret == -EINVAL)
		NL_SET_BAD_ATTR(info->extack, info->attrs[QFENCE_A_NAME]);
	return ret;
}

static int qfence_nl_disarm(struct sk_buff *skb, struct genl_info *info)
{
	struct qfence_lease *l;
	const char *name;
	int ret;

	ret = qfence_policy_check_name(info->attrs, info->extack, &name);
	if (ret)
		return ret;
	mutex_lock(&qfence_mutex);
	l = qfence_nl_lease(info);
	ret = l ? qfence_disarm(l, info->extack) : -ENOENT;
	mutex_unlock(&qfence_mutex);
	if (ret && ret != -ENOENT)
		NL_SET_BAD_ATTR(info->extack, info->attrs[QFENCE_A_NAME]);
	return ret;
}

static int qfence_nl_del(struct sk_buff *skb, struct genl_info *info)
{
	struct qfence_lease *l;
	const char *name;
	int ret;

	ret = qfence_policy_check_name(info->attrs, info->extack, &name);
	if (ret)
		return ret;
	mutex_lock(&qfence_mutex);
	l = qfence_nl_lease(info);
	ret = l ? qfence_unlink(l, info->extack) : -ENOENT;
	mutex_unlock(&qfence_mutex);
	if (ret) {
		if (ret != -ENOENT)
			NL_SET_BAD_ATTR(info->extack, info->attrs[QFENCE_A_NAME]);
		return ret;
	}
	qfence_free(l);
	return 0;
}

static const struct genl_ops qfence_ops[] = {
	{
		.cmd = QFENCE_CMD_LEASE_NEW,
		.flags = GENL_ADMIN_PERM,
		.policy = qfence_policy_new,
		.maxattr = QFENCE_A_MAX,
		.doit = qfence_nl_new,
	}, {
		.cmd = QFENCE_CMD_LEASE_RENEW,
		.flags = GENL_ADMIN_PERM,
		.policy = qfence_policy_renew,
		.maxattr = QFENCE_A_MAX,
		.doit = qfence_nl_renew,
	}, {
		.cmd = QFENCE_CMD_LEASE_GET,
		.policy = qfence_policy_name,
		.maxattr = QFENCE_A_MAX,
		.doit = qfence_nl_get,
		.dumpit = qfence_nl_dump,
	}, {
		.cmd = QFENCE_CMD_LEASE_FENCE,
		.flags = GENL_ADMIN_PERM,
		.policy = qfence_policy_name,
		.maxattr = QFENCE_A_MAX,
		.doit = qfence_nl_fence,
	}, {
		.cmd = QFENCE_CMD_LEASE_UNFENCE,
		.flags = GENL_ADMIN_PERM,
		.policy = qfence_policy_unfence,
		.maxattr = QFENCE_A_MAX,
		.doit = qfence_nl_unfence,
	}, {
		.cmd = QFENCE_CMD_LEASE_DISARM,
		.flags = GENL_ADMIN_PERM,
		.policy = qfence_policy_name,
		.maxattr = QFENCE_A_MAX,
		.doit = qfence_nl_disarm,
	}, {
		.cmd = QFENCE_CMD_LEASE_DEL,
		.flags = GENL_ADMIN_PERM,
		.policy = qfence_policy_name,
		.maxattr = QFENCE_A_MAX,
		.doit = qfence_nl_del,
	}, {
		.cmd = QFENCE_CMD_LEASE_UPDATE,
		.flags = GENL_ADMIN_PERM,
		.policy = qfence_policy_update,
		.maxattr = QFENCE_A_MAX,
		.doit = qfence_nl_update,
	},
};

/*
 * Lease names, generations and fence times are operational information:
 * joining the group needs CAP_NET_ADMIN over the listener's network
 * namespace. LEASE_GET stays open to everyone.
 */
static const struct genl_multicast_group qfence_mcgrps[] = {
	{ .name = QFENCE_MCGRP_EVENTS, .flags = GENL_MCAST_CAP_NET_ADMIN },
};

static struct genl_family qfence_family __ro_after_init = {
	.name = QFENCE_GENL_NAME,
	.version = QFENCE_GENL_VERSION,
	.maxattr = QFENCE_A_MAX,
	.netnsok = true,
	/* Every handler takes qfence_mutex itself; none needs genl_mutex. */
	.parallel_ops = true,
	.module = THIS_MODULE,
	.ops = qfence_ops,
	.n_ops = ARRAY_SIZE(qfence_ops),
	.mcgrps = qfence_mcgrps,
	.n_mcgrps = ARRAY_SIZE(qfence_mcgrps),
};

int __init qfence_nl_init(void)
{
	int ret = genl_register_family(&qfence_family);

	if (ret)
		return ret;
	mutex_lock(&qfence_mutex);
	qfence_nl_live = true;
	mutex_unlock(&qfence_mutex);
	return 0;
}

void qfence_nl_exit(void)
{
	mutex_lock(&qfence_mutex);
	qfence_nl_live = false;
	mutex_unlock(&qfence_mutex);
	/* A work that saw the family live finishes sending first. */
	qfence_flush_events();
	genl_unregister_family(&qfence_family);
}

MODULE_ALIAS_GENL_FAMILY(QFENCE_GENL_NAME);
