// SPDX-License-Identifier: GPL-2.0
/*
 * qfence actions.
 *
 * The IO fence needs nothing here: it is the state itself. What follows
 * a fence are two hard-interrupt hrtimers per lease, started by
 * qfence_fence_kick() in whatever context latched the lease:
 *
 *  - settle: settle_ms after the deadline (an expiry) or after the fence
 *    (a manual fence), qfence_lease_settle_at(), IO admitted before the
 *    fence must have completed. If some is still in flight the node can no longer
 *    bound F by draining, so it escalates (panic if the lease asks for
 *    PANIC, else reboot), unless QFENCE_F_SETTLE_WAIT says to wait and
 *    report only (F is then unbounded).
 *  - action: at fenced_ns + reboot_delay_ms, the lease's REBOOT or PANIC.
 *
 * As softdog does, the callbacks pr_crit() first and then act; with the
 * log_only parameter they only log. design.md rule 12: nothing per lease
 * disarms the escalation; LEASE_NEW takes QFENCE_ACTION_LOG_ONLY only when
 * the module is loaded log_only=Y, where the bit changes nothing more.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/panic.h>
#include <linux/reboot.h>
#include <linux/time64.h>

#include "actions.h"
#include "clock.h"
#include "compat.h"
#include "registry.h"

bool qfence_log_only;
module_param_named(log_only, qfence_log_only, bool, 0444);
MODULE_PARM_DESC(log_only,
		 "Log reboot and panic actions, including the settle escalation, instead of executing them (default=0)");

static void qfence_escalate(struct qfence_lease *l, const char *why)
{
	bool do_panic = qfence_action_of(l) == QFENCE_ACTION_PANIC;
	const char *what = do_panic ? "panic" : "reboot";

	if (qfence_log_only) {
		pr_crit("lease %s fenced (%s): would %s now; log-only mode\n",
			l->cfg.name, why, what);
		return;
	}
	pr_crit("lease %s fenced (%s): initiating %s\n", l->cfg.name, why, what);
	if (do_panic)
		panic("qfence: lease %s fenced (%s)", l->cfg.name, why);
	emergency_restart();
}

/*
 * Both timers wait on the lease clock (clock.h), as the lease does: a
 * CLOCK_BOOTTIME slowed by adjtimex must not stretch F or the action
 * delay, and a wait that ended early waits again for the rest.
 */
static enum hrtimer_restart qfence_settle_fire(struct hrtimer *t)
{
	struct qfence_lease *l = container_of(t, struct qfence_lease, settle);
	u64 inflight;

	if (!qfence_timer_due(t, qfence_lease_settle_at(l)))
		return HRTIMER_NORESTART;
	inflight = qfence_inflight(l);

	if (!inflight) {
		/* Drained in time: make sure the drain is reported. */
		qfence_queue_work(l);
		return HRTIMER_NORESTART;
	}
	if (l->cfg.flags & QFENCE_F_SETTLE_WAIT) {
		/* Report only: nothing is escalated, so no ACTION event. */
		pr_warn("lease %s: %llu IOs still in flight %u ms after the fence; waiting (SETTLE_WAIT: the settle bound does not hold)\n",
			l->cfg.name, inflight, l->cfg.settle_ms);
		return HRTIMER_NORESTART;
	}
	/* The event leaves only if the escalation below is log-only. */
	WRITE_ONCE(l->settle_fired_ns, qfence_now());
	set_bit(QFENCE_LF_EV_SETTLE, &l->flags);
	qfence_queue_work(l);
	qfence_escalate(l, "IO in flight past settle_ms");
	return HRTIMER_NORESTART;
}

static enum hrtimer_restart qfence_action_fire(struct hrtimer *t)
{
	struct qfence_lease *l = container_of(t, struct qfence_lease, action);

	if (!qfence_timer_due(t, READ_ONCE(l->action_at_ns)))
		return HRTIMER_NORESTART;
	qfence_escalate(l, "lease action");
	return HRTIMER_NORESTART;
}

void qfence_actions_init(struct qfence_lease *l)
{
	qfence_hrtimer_setup(&l->settle, qfence_settle_fire, CLOCK_BOOTTIME,
			     HRTIMER_MODE_ABS_HARD);
	qfence_hrtimer_setup(&l->action, qfence_action_fire, CLOCK_BOOTTIME,
			     HRTIMER_MODE_ABS_HARD);
}

/**
 * qfence_actions_start - arm the settle bound and the lease's action
 * @l: a lease that has just been latched FENCED
 * @inflight: IO in flight at the fence
 *
 * Any context, including the IO path: it only starts timers (no printk;
 * the work logs the fence). Timers count from the fence (the settle bound
 * from the deadline of an expiry), not from now. A fence of a lease that
 * was not ARMED, with nothing in flight, starts neither
 * (qfence_lease_fence_acts()).
 */
void qfence_actions_start(struct qfence_lease *l, u64 inflight)
{
	u64 fenced = READ_ONCE(l->fenced_ns);
	u64 at;

	if (inflight)
		qfence_timer_start(&l->settle, qfence_lease_settle_at(l));
	if ((l->cfg.actions & (QFENCE_ACTION_REBOOT | QFENCE_ACTION_PANIC)) &&
	    qfence_lease_fence_acts(l, inflight)) {
		at = fenced + (u64)l->cfg.reboot_delay_ms * NSEC_PER_MSEC;
		WRITE_ONCE(l->action_at_ns, at);
		qfence_timer_start(&l->action, at);
	}
}

/* The devices drained: the settle bound is met. Process context. */
void qfence_actions_drained(struct qfence_lease *l)
{
	hrtimer_cancel(&l->settle);
}

/* Unfence or deletion: nothing pending may fire. Process context. */
void qfence_actions_cancel(struct qfence_lease *l)
{
	hrtimer_cancel(&l->settle);
	hrtimer_cancel(&l->action);
	WRITE_ONCE(l->action_at_ns, 0);
}

static const char *qfence_reason_name(u32 reason)
{
	switch (reason) {
	case QFENCE_REASON_EXPIRED:
		return "expired";
	case QFENCE_REASON_MANUAL:
		return "manual";
	case QFENCE_REASON_STORAGE:
		return "storage: reservation conflict";
	}
	return "unknown reason";
}

/* Log what an event reports, from the work, without qfence_mutex. */
void qfence_actions_log(const struct qfence_ev_rec *ev)
{
	const char *what = ev->action == QFENCE_ACTION_PANIC ? "panic" :
							       "reboot";

	if (ev->event == QFENCE_EVENT_FENCED)
		pr_warn("lease %s generation %llu fenced (%s), %llu IOs in flight\n",
			ev->name, ev->generation,
			qfence_reason_name(ev->fence_reason), ev->inflight);
	else if (ev->event == QFENCE_EVENT_ACTION &&
		 ev->cause == QFENCE_CAUSE_ACTION)
		pr_crit("lease %s: %s in %u ms%s\n", ev->name, what,
			ev->delay_ms,
			qfence_log_only ? " (log-only)" : "");
}
