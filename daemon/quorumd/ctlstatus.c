// SPDX-License-Identifier: MIT
/*
 * What the control socket answers, as pure functions of the daemon's
 * state (control.c serves them): the status of this node and of each
 * member (lease, timing, rejoin policy, design.md §2.11), the result of a
 * leave, and quorumctl's exit status for a core error.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "uapi/qfence.h"
#include "quorumd.h"

int qd_ctl_status_from_err(int err)
{
	switch (err < 0 ? -err : err) {
	case QF_OK:		return QFCTL_ST_OK;
	case QF_EINVAL:		return QFCTL_ST_BAD_REQUEST;
	case QF_ENOTLEADER:	return QFCTL_ST_NOT_LEADER;
	case QF_EBUSY:		return QFCTL_ST_BUSY;
	case QF_EAGAIN:		return QFCTL_ST_AGAIN;
	case QF_EFULL:		return QFCTL_ST_FULL;
	case QF_EEXIST:		return QFCTL_ST_EXISTS;
	case QF_ENOENT:		return QFCTL_ST_NO_SUCH_NODE;
	case QF_ENOTFENCED:	return QFCTL_ST_NOT_FENCED;
	case QF_EWRONGGEN:	return QFCTL_ST_NOT_FENCED;
	}
	return QFCTL_ST_INTERNAL;
}

/* The lease part of a leave's answer: OK only if the lease was disarmed. */
static int leave_lease(const struct qd_leave *lv, bool nowayout,
		       struct qfctl_result *r)
{
	const char *why;

	if (!lv->disarm_done)
		why = "exited before the leave ran: lease not disarmed, it "
			"expires and fences";
	else if (lv->disarm_rc == -EBUSY && nowayout)
		why = "left without disarming: the lease is NOWAYOUT, it "
			"expires and fences";
	else if (lv->disarm_rc == -EBUSY)
		why = "left without disarming: IO still in flight, the lease "
			"expires and fences";
	else if (lv->disarm_rc == -ECANCELED)
		why = "left: the lease was already fenced (not disarmed)";
	else if (lv->disarm_rc)
		why = "left without disarming (see the log): the lease "
			"expires and fences";
	else
		return QFCTL_ST_OK;
	snprintf(r->message, sizeof(r->message), "%s", why);
	return QFCTL_ST_NOT_DISARMED;
}

/*
 * A LEAVE's answer from how far the leave got (lifecycle.c). Disarmed is
 * OK; anything else is QFCTL_ST_NOT_DISARMED, and the daemon exits either
 * way, as on SIGTERM: a lease left armed expires and fences, and the
 * cluster records NODE_FENCED after W (rule 5) as after a crash.
 */
int qd_leave_result(const struct qd_leave *lv, bool nowayout,
		    struct qfctl_result *r)
{
	static const char *const told[] = {
		[QD_TELL_NONE] = "left: lease disarmed; no other leader to "
			"tell, fenced as silent after W",
		[QD_TELL_WAITING] = "left: lease disarmed, leader told; cut "
			"short before it recorded the leave",
		[QD_TELL_RECORDED] = "left: lease disarmed, leader told "
			"(NODE_FENCED commits after W)",
		[QD_TELL_NO_ANSWER] = "left: lease disarmed; the leader did "
			"not record it in time, fenced as silent",
	};
	int st = leave_lease(lv, nowayout, r);

	r->gen = lv->gen;
	r->flags = (lv->tell == QD_TELL_RECORDED ? QFCTL_RES_RECORDED : 0) |
		(lv->handed_over ? QFCTL_RES_HANDED_OVER : 0);
	if (st != QFCTL_ST_OK)
		return st;
	r->flags |= QFCTL_RES_DISARMED;
	snprintf(r->message, sizeof(r->message), "%s",
		 (unsigned int)lv->tell < sizeof(told) / sizeof(told[0]) ?
		 told[lv->tell] : "left: lease disarmed");
	return QFCTL_ST_OK;
}

static void fill_addrs(struct qfctl_addr *out, const struct qf_addr *in,
		       unsigned int n)
{
	for (unsigned int i = 0; i < n && i < QFCTL_MAX_ADDRS; i++) {
		out[i].family = in[i].family;
		out[i].port = in[i].port;
		memcpy(out[i].ip, in[i].ip, 16);
	}
}

static void fill_member(const struct qd *d, qf_ns now,
			const struct qf_status *st, const struct qf_member *m,
			struct qfctl_member *o)
{
	o->id = m->id;
	o->role = m->role;
	o->fence_reason = m->fence_reason;
	o->n_addrs = m->n_addrs;
	o->gen = m->gen;
	o->fenced_gen = m->fenced_gen;
	fill_addrs(o->addrs, m->addrs, m->n_addrs);
	o->flags = (m->flags & QF_MF_IN_CONFIG ? QFCTL_MF_IN_CONFIG : 0) |
		(m->fenced_gen >= m->gen ? QFCTL_MF_FENCED : 0) |
		(m->id == st->id ? QFCTL_MF_SELF : 0) |
		(m->id == st->leader ? QFCTL_MF_LEADER : 0);
	if (m->id == st->id && d->k.state == QFENCE_STATE_ARMED) {
		o->flags |= QFCTL_MF_LEASE_KNOWN;
		o->lease_remaining_ms = NS_MS((int64_t)(d->k.deadline - now));
	}
	for (size_t i = 0; i < st->n_progress; i++) {
		const struct qf_progress *p = &st->progress[i];

		if (p->id != m->id || m->id == st->id)
			continue;
		o->match = p->match;
		o->flags |= (p->active ? QFCTL_MF_ACTIVE : 0) |
			(p->lapsed ? QFCTL_MF_LAPSED : 0);
		if (p->last_ack) {
			o->flags |= QFCTL_MF_ACK_KNOWN;
			o->last_ack_age_ms = NS_MS((int64_t)(now - p->last_ack));
		}
		/* its lease ends by last_grant + L on our clock (rule 3) */
		if (p->grant_gen && p->last_grant) {
			o->flags |= QFCTL_MF_LEASE_KNOWN;
			o->lease_remaining_ms = NS_MS((int64_t)(p->last_grant +
					d->core_cfg.timing.lease - now));
		}
	}
}

/* design.md §2.11: the policy, what keeps this node fenced, and each
 * member's last rejoin reason and guard count. */
_Static_assert((int)QFCTL_RJ_MANUAL == (int)QF_CONF_REJOIN_MANUAL &&
	       (int)QFCTL_RJ_WHEN_IDLE == (int)QF_CONF_REJOIN_WHEN_IDLE &&
	       (int)QFCTL_JR_WHEN_IDLE == (int)QF_JOIN_WHEN_IDLE,
	       "rejoin names");

static void fill_rejoin(const struct qd *d, const struct qf_status *st,
			struct qfctl_status *s)
{
	const struct qf_member *self = qf_state_find(&d->raft.st,
						     d->conf.node_id);
	uint8_t n = 0;

	s->rejoin_policy = (uint8_t)d->conf.rejoin;
	/* "left fenced by the guard": a node that is in (its count at the
	 * limit only bars its next automatic rejoin) is not flapping */
	s->flapping = self && self->fenced_gen >= self->gen &&
		      qf_raft_flapping(&d->raft, d->conf.node_id,
				       (uint64_t)time(NULL));
	snprintf(s->rejoin_why, sizeof(s->rejoin_why), "%s", d->rj.why);
	for (int i = 0; i < QF_MAX_MEMBERS && n < QFCTL_MAX_MEMBERS; i++) {
		const struct qf_member *m = &st->state_machine->m[i];

		if (!m->id)
			continue;
		s->join_reason[n] = m->join_reason;
		s->auto_joins[n++] = m->auto_joins;
	}
}

void qd_ctl_fill_status(const struct qd *d, qf_ns now, struct qfctl_status *s)
{
	static struct qf_status st;
	const struct qf_wire_stats *ws = &d->wire.stats;

	memset(s, 0, sizeof(*s));
	qf_raft_status(&d->raft, &st);
	s->self = st.id;
	s->leader = st.leader;
	s->term = st.term;
	s->commit = st.commit;
	s->last_index = st.last_index;
	s->state = st.state;
	s->kernel_state = d->k.none && d->k.state == QFENCE_STATE_DISARMED &&
		!d->k.renewals ? QFCTL_KERNEL_NONE : (uint8_t)d->k.state;
	s->flags = (d->k.none ? QFCTL_SF_NO_KERNEL : 0) |
		(st.fenced ? QFCTL_SF_FENCED : 0) |
		(st.lapsed || d->k.state == QFENCE_STATE_FENCED ?
		 QFCTL_SF_LAPSED : 0) |
		(d->clock_bad ? QFCTL_SF_CLOCK_BAD : 0) |
		(timing_mismatch(d, qd_now()) ? QFCTL_SF_TIMING_BAD : 0) |
		(d->leaving ? QFCTL_SF_LEAVING : 0) |
		(qf_conf_self(&d->conf)->witness ? QFCTL_SF_WITNESS : 0);
	s->gen = st.gen;
	if (d->k.state == QFENCE_STATE_ARMED) {
		s->lease_known = 1;
		s->lease_remaining_ms = NS_MS((int64_t)(d->k.deadline - now));
	}
	s->boot_id = d->boot_id;
	s->wait_ms = (uint64_t)NS_MS(d->raft.wait + QF_MS - 1);
	s->lease_ms = d->conf.timing.lease_ms;
	s->heartbeat_ms = d->conf.timing.heartbeat_ms;
	s->uptime_ms = (uint64_t)NS_MS(now - d->started);
	snprintf(s->cluster, sizeof(s->cluster), "%s", d->conf.name);
	snprintf(s->lease_name, sizeof(s->lease_name), "%s",
		 d->conf.lease_name);
	for (int i = 0; i < QF_MAX_MEMBERS && s->n_members < QFCTL_MAX_MEMBERS;
	     i++)
		if (st.state_machine->m[i].id)
			fill_member(d, now, &st, &st.state_machine->m[i],
				    &s->members[s->n_members++]);
	for (size_t i = 0; i < d->n_recent; i++) {
		s->fences[i] = d->recent[i];
		s->fences[i].age_ms = NS_MS((int64_t)(now - d->recent_at[i]));
	}
	s->n_fences = (uint8_t)d->n_recent;
	fill_rejoin(d, &st, s);
	s->counters.sent = ws->sent;
	s->counters.accepted = ws->accepted;
	for (int i = 0; i < __QF_WIRE_VERDICT_MAX && i < QFCTL_MAX_DROPS; i++)
		s->counters.drops[i] = ws->drops[i];
	s->counters.renewals = d->k.renewals;
	s->counters.renew_errors = d->k.renew_errors;
	s->counters.renew_refused_clock = d->renew_refused_clock;
	s->counters.msgs_dropped = d->raft.dropped_msgs;
	s->counters.bad_payload = d->bad_payload;
	s->counters.renew_latency_max_us = d->lat_max_us;
	s->counters.renew_latency_sum_us = d->lat_sum_us;
	s->counters.renew_latency_count = d->lat_count;
}
