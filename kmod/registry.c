// SPDX-License-Identifier: GPL-2.0
/*
 * qfence registry: named leases, their expiry timers and event work, and
 * the module pin.
 *
 * Locking. qfence_mutex serialises the table and every control operation;
 * the event work takes it to copy the events out, then logs and sends them
 * without it. The expiry timer runs in hard interrupt
 * context (HRTIMER_MODE_ABS_HARD, so a starved softirq cannot delay a
 * fence) and, like the IO path, touches the lease only through
 * qfence_lease_latch() and qfence_fence_kick(). l->tlock (raw, irq-safe)
 * guards the list of devices of a lease.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/ktime.h>
#include <linux/minmax.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "actions.h"
#include "clock.h"
#include "compat.h"
#include "netlink.h"
#include "registry.h"

/* The lease table and every control operation; see the comment above. */
DEFINE_MUTEX(qfence_mutex);
LIST_HEAD(qfence_leases);
static unsigned int qfence_nr_leases;
static struct workqueue_struct *qfence_wq;

/*
 * The module stays pinned while the lease is ARMED or FENCED (as softdog
 * while armed): unloading would drop the fence. The caller holds
 * qfence_mutex; the lockless ARMED -> FENCED latch does not change the
 * answer.
 */
static void qfence_pin_sync(struct qfence_lease *l)
{
	bool want = READ_ONCE(l->state) != QFENCE_STATE_DISARMED;

	if (want && !test_and_set_bit(QFENCE_LF_PINNED, &l->flags))
		__module_get(THIS_MODULE);
	else if (!want && test_and_clear_bit(QFENCE_LF_PINNED, &l->flags))
		module_put(THIS_MODULE);
}

/* Failed bios over the lease's life. The caller holds qfence_mutex. */
u64 qfence_failed(struct qfence_lease *l)
{
	struct qfence_io *io;
	unsigned long irqflags;
	u64 sum = l->failed_retired;

	raw_spin_lock_irqsave(&l->tlock, irqflags);
	list_for_each_entry(io, &l->targets, node)
		sum += atomic64_read(&io->failed);
	raw_spin_unlock_irqrestore(&l->tlock, irqflags);
	return sum;
}

void qfence_queue_work(struct qfence_lease *l)
{
	queue_work(qfence_wq, &l->work);
}

/**
 * qfence_fence_kick - start what follows a latch
 * @l: the lease
 *
 * Any context, no sleeping, no allocation: called by whoever latched the
 * lease right after the latch (the expiry timer, a control operation, or
 * for the IO path the irq_work of qfence_fence_kick_async()).
 * The settle and action timers start here rather than in the work, so
 * that a starved workqueue cannot stretch the settle bound F. The fence
 * is reported, drained and unfenced only after kick_end (lease.c), so no
 * UNFENCE can come between the claim and the timers: a late kick never
 * re-arms a reboot after an unfence.
 */
void qfence_fence_kick(struct qfence_lease *l)
{
	u64 inflight;

	if (!qfence_lease_kick_begin(l, &inflight))
		return;
	qfence_actions_start(l, inflight);
	qfence_lease_kick_end(l);
	qfence_queue_work(l);
}

static void qfence_kick_irq(struct irq_work *work)
{
	struct qfence_lease *l = container_of(work, struct qfence_lease, kick);

	qfence_fence_kick(l);
	/* A refused bio may have ended the drain (QFENCE_IO_REFUSE_DRAIN). */
	qfence_queue_work(l);
}

/**
 * qfence_fence_kick_async - qfence_fence_kick(), deferred without a lock
 * @l: the lease
 *
 * For the IO path, which must take no lock even once per fence:
 * irq_work_queue() is lock-free and allocates nothing; the kick then runs
 * in hard interrupt context on this CPU a moment later, and has the drain
 * checked as well.
 */
void qfence_fence_kick_async(struct qfence_lease *l)
{
	irq_work_queue(&l->kick);
}

/*
 * Start the expiry timer for the deadline in force. Its callback starts it
 * too (the lease clock's time may not have come yet): under l->tmlock, so
 * that the last start, whoever makes it, is for the newest deadline.
 */
static void qfence_expiry_start(struct qfence_lease *l)
{
	unsigned long irqflags;

	raw_spin_lock_irqsave(&l->tmlock, irqflags);
	qfence_timer_start(&l->expiry, READ_ONCE(l->deadline_ns));
	raw_spin_unlock_irqrestore(&l->tmlock, irqflags);
}

/*
 * Rule 6, second line: the timer latches the lease at its deadline, on the
 * lease clock (clock.h). The CLOCK_BOOTTIME wait may end early, when that
 * clock runs fast: then it waits again for the rest. If a renew has just
 * moved the deadline, the renew starts the timer again as well; tmlock
 * orders the two starts, and expire() finds a deadline in the future and
 * does nothing.
 */
static enum hrtimer_restart qfence_expiry_fire(struct hrtimer *t)
{
	struct qfence_lease *l = container_of(t, struct qfence_lease, expiry);
	bool due;

	raw_spin_lock(&l->tmlock);
	due = READ_ONCE(l->state) != QFENCE_STATE_ARMED ||
	      qfence_timer_due(t, READ_ONCE(l->deadline_ns));
	raw_spin_unlock(&l->tmlock);
	if (!due)
		return HRTIMER_NORESTART;
	qfence_lease_expire(l, qfence_now());
	qfence_fence_kick(l);
	return HRTIMER_NORESTART;
}

/*
 * Queue an event for the lease's work, which sends it without
 * qfence_mutex. The caller holds qfence_mutex. The outbox holds two
 * fences' worth; if the work is starved longer, the oldest events stay
 * and the newest are counted lost.
 */
static void qfence_event_locked(struct qfence_lease *l, u32 event, u64 ts,
				u32 cause)
{
	struct qfence_ev_rec *ev;

	if (l->outbox_len == ARRAY_SIZE(l->outbox)) {
		l->events_lost++;
		return;
	}
	ev = &l->outbox[l->outbox_len++];
	qfence_lease_event(l, event, ts, cause, ev);
	/* The wire speaks CLOCK_BOOTTIME (clock.h). */
	ev->timestamp_ns = qfence_to_boot(ev->timestamp_ns, l->boot_off);
	ev->deadline_ns = qfence_to_boot(ev->deadline_ns, l->boot_off);
	ev->drained_ns = qfence_to_boot(ev->drained_ns, l->boot_off);
	ev->action_at_ns = qfence_to_boot(ev->action_at_ns, l->boot_off);
}

/*
 * Queue the events that are due, in the order lease.c gives (FENCED before
 * DRAINED, each once per fence). The caller holds qfence_mutex: the work,
 * or an unfence that must see a drain the work has not reported yet.
 */
static void qfence_events_locked(struct qfence_lease *l)
{
	unsigned int due = qfence_lease_take_events(l, qfence_now());
	u64 fenced = READ_ONCE(l->fenced_ns);

	if (due & QFENCE_DUE_FENCE) {
		if (READ_ONCE(l->fence_reason) == QFENCE_REASON_EXPIRED)
			qfence_event_locked(l, QFENCE_EVENT_EXPIRED, fenced,
					    QFENCE_CAUSE_ACTION);
		qfence_event_locked(l, QFENCE_EVENT_FENCED, fenced,
				    QFENCE_CAUSE_ACTION);
		if (READ_ONCE(l->action_at_ns))
			qfence_event_locked(l, QFENCE_EVENT_ACTION, fenced,
					    QFENCE_CAUSE_ACTION);
	}
	if (due & QFENCE_DUE_SETTLE)
		qfence_event_locked(l, QFENCE_EVENT_ACTION,
				    READ_ONCE(l->settle_fired_ns),
				    QFENCE_CAUSE_SETTLE);
	if (due & QFENCE_DUE_DRAINED) {
		/* No IO admitted before the fence is left: F is met. */
		qfence_actions_drained(l);
		qfence_event_locked(l, QFENCE_EVENT_DRAINED, l->drained_ns,
				    QFENCE_CAUSE_ACTION);
	}
}

/*
 * Events leave from here, in process context, never from the IO path:
 * copied out under qfence_mutex, logged and sent without it. A work item
 * never runs concurrently with itself, so a lease's events leave in order.
 */
static void qfence_work_fn(struct work_struct *work)
{
	struct qfence_lease *l = container_of(work, struct qfence_lease, work);
	struct qfence_ev_rec ev;
	u64 lost;
	bool live;

	mutex_lock(&qfence_mutex);
	qfence_events_locked(l);
	lost = l->events_lost;
	l->events_lost = 0;
	mutex_unlock(&qfence_mutex);
	if (lost)
		pr_warn_ratelimited("lease %s: %llu events lost (work starved)\n",
				    l->cfg.name, lost);

	for (;;) {
		mutex_lock(&qfence_mutex);
		if (!l->outbox_len) {
			mutex_unlock(&qfence_mutex);
			return;
		}
		ev = l->outbox[0];
		l->outbox_len--;
		memmove(&l->outbox[0], &l->outbox[1],
			l->outbox_len * sizeof(l->outbox[0]));
		live = qfence_nl_is_live();
		mutex_unlock(&qfence_mutex);

		qfence_actions_log(&ev);
		if (live)
			qfence_nl_send(&ev);
	}
}

/* Module exit: no work may be sending once this returns. */
void qfence_flush_events(void)
{
	flush_workqueue(qfence_wq);
}

/**
 * qfence_drain_check - have the drain checked, from the IO completion path
 * @l: the lease
 */
void qfence_drain_check(struct qfence_lease *l)
{
	qfence_queue_work(l);
}

struct qfence_lease *qfence_find(const char *name)
{
	struct qfence_lease *l;

	list_for_each_entry(l, &qfence_leases, node)
		if (!strcmp(l->cfg.name, name))
			return l;
	return NULL;
}

int qfence_create(const struct qfence_lease_cfg *cfg,
		  struct netlink_ext_ack *extack)
{
	struct qfence_lease *l;

	if (qfence_find(cfg->name)) {
		NL_SET_ERR_MSG(extack, "a lease with this name exists");
		return -EEXIST;
	}
	if (qfence_nr_leases >= QFENCE_MAX_LEASES) {
		NL_SET_ERR_MSG(extack, "too many leases");
		return -ENOSPC;
	}
	l = kzalloc(sizeof(*l), GFP_KERNEL);
	if (!l)
		return -ENOMEM;
	qfence_lease_init(l, cfg);
	l->boot_off = qfence_boot_offset(qfence_now());
	raw_spin_lock_init(&l->tmlock);
	qfence_hrtimer_setup(&l->expiry, qfence_expiry_fire, CLOCK_BOOTTIME,
			     HRTIMER_MODE_ABS_HARD);
	qfence_actions_init(l);
	INIT_WORK(&l->work, qfence_work_fn);
	l->kick = (struct irq_work)IRQ_WORK_INIT_HARD(qfence_kick_irq);
	list_add_tail(&l->node, &qfence_leases);
	qfence_nr_leases++;
	return 0;
}

/* Take a lease out of the table; qfence_free() it after unlocking. */
int qfence_unlink(struct qfence_lease *l, struct netlink_ext_ack *extack)
{
	int ret = qfence_lease_may_del(l, extack);

	if (ret)
		return ret;
	list_del_init(&l->node);
	qfence_nr_leases--;
	return 0;
}

/*
 * Free an unlinked lease. Without qfence_mutex: the work takes it. The
 * kick and the timers go first, since they queue the work; no device uses
 * the lease, so nothing queues the kick again.
 */
void qfence_free(struct qfence_lease *l)
{
	irq_work_sync(&l->kick);
	hrtimer_cancel(&l->expiry);
	qfence_actions_cancel(l);
	cancel_work_sync(&l->work);
	if (test_and_clear_bit(QFENCE_LF_PINNED, &l->flags))
		module_put(THIS_MODULE);
	kfree(l);
}

/*
 * The deadline arrives in CLOCK_BOOTTIME: what is left of it now is what
 * the lease runs, on the lease clock (clock.h). Its offset is kept to
 * report the deadline as it was given.
 */
int qfence_renew(struct qfence_lease *l, u64 deadline, u64 generation,
		 struct netlink_ext_ack *extack)
{
	u64 now = qfence_now();
	s64 off = qfence_boot_offset(now);
	int ret;

	ret = qfence_lease_renew(l, now, qfence_from_boot(deadline, off),
				 generation, extack);
	if (!ret) {
		l->boot_off = off;
		qfence_expiry_start(l);
	}
	qfence_fence_kick(l);
	qfence_pin_sync(l);
	return ret;
}

/*
 * LEASE_UPDATE. A clamped deadline moves the expiry timer earlier, as a
 * renew that shortens the lease does; a lease found expired is kicked.
 */
int qfence_update(struct qfence_lease *l, u64 generation, u32 max_ms,
		  u32 settle_ms, struct netlink_ext_ack *extack)
{
	int ret;

	ret = qfence_lease_update(l, qfence_now(), generation, max_ms,
				  settle_ms, extack);
	if (!ret && READ_ONCE(l->state) == QFENCE_STATE_ARMED)
		qfence_expiry_start(l);
	qfence_fence_kick(l);
	qfence_pin_sync(l);
	return ret;
}

void qfence_fence(struct qfence_lease *l)
{
	qfence_lease_fence(l, qfence_now());
	qfence_fence_kick(l);
	qfence_pin_sync(l);
}

int qfence_unfence(struct qfence_lease *l, u64 generation,
		   struct netlink_ext_ack *extack)
{
	int ret;

	/* A drain the work has not reported yet counts (in order). */
	if (qfence_lease_state(l) == QFENCE_STATE_FENCED) {
		qfence_events_locked(l);
		if (l->outbox_len)
			qfence_queue_work(l);
	}
	ret = qfence_lease_unfence(l, generation, extack);
	if (ret)
		return ret;
	hrtimer_cancel(&l->expiry);
	qfence_actions_cancel(l);
	clear_bit(QFENCE_LF_FENCE_KICK, &l->flags);
	/*
	 * Whatever the last fence had pending was queued above (its events
	 * carry its own generation); nothing of it may be queued later.
	 */
	clear_bit(QFENCE_LF_EV_FENCE, &l->flags);
	clear_bit(QFENCE_LF_EV_SETTLE, &l->flags);
	/* After the fence's events in the outbox: they leave in order. */
	qfence_event_locked(l, QFENCE_EVENT_UNFENCED, qfence_now(),
			    QFENCE_CAUSE_ACTION);
	qfence_queue_work(l);
	qfence_pin_sync(l);
	return 0;
}

int qfence_disarm(struct qfence_lease *l, struct netlink_ext_ack *extack)
{
	int ret = qfence_lease_disarm(l, qfence_now(), extack);

	if (!ret)
		hrtimer_cancel(&l->expiry);
	else if (ret == -EBUSY && qfence_lease_state(l) == QFENCE_STATE_ARMED)
		/*
		 * A disarm undone for IO in flight: the timer may have fired
		 * while the lease was briefly DISARMED and found nothing to do.
		 */
		qfence_expiry_start(l);
	qfence_fence_kick(l);
	qfence_pin_sync(l);
	return ret;
}

/* A device-mapper target starts using the lease. */
void qfence_attach(struct qfence_lease *l, struct qfence_io *io)
{
	unsigned long irqflags;

	raw_spin_lock_irqsave(&l->tlock, irqflags);
	list_add_tail(&io->node, &l->targets);
	raw_spin_unlock_irqrestore(&l->tlock, irqflags);
	l->devices++;
}

/* The target is gone; dm has drained its IO before the destructor. */
void qfence_detach(struct qfence_lease *l, struct qfence_io *io)
{
	unsigned long irqflags;

	raw_spin_lock_irqsave(&l->tlock, irqflags);
	list_del(&io->node);
	raw_spin_unlock_irqrestore(&l->tlock, irqflags);
	l->failed_retired += atomic64_read(&io->failed);
	l->devices--;
}

int qfence_registry_init(void)
{
	/* Fence work must progress under memory pressure. */
	qfence_wq = alloc_workqueue("qfence", WQ_MEM_RECLAIM | WQ_HIGHPRI, 0);
	return qfence_wq ? 0 : -ENOMEM;
}

/*
 * Module exit: no lease is ARMED or FENCED (each would pin the module) and
 * no target exists (dm pins the module per target).
 */
void qfence_registry_exit(void)
{
	struct qfence_lease *l, *tmp;
	LIST_HEAD(dead);

	mutex_lock(&qfence_mutex);
	list_splice_init(&qfence_leases, &dead);
	qfence_nr_leases = 0;
	mutex_unlock(&qfence_mutex);

	list_for_each_entry_safe(l, tmp, &dead, node) {
		list_del(&l->node);
		qfence_free(l);
	}
	destroy_workqueue(qfence_wq);
}
