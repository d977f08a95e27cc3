/* SPDX-License-Identifier: GPL-2.0 */
/*
 * qfence lease: the state machine of one quorum lease.
 *
 * The functions declared here are pure: they take the current
 * lease clock time (clock.h) as an argument, never read a clock, start no timer,
 * take no module reference and allocate nothing. registry.c wraps them
 * with the kernel side effects; the KUnit suites drive them with injected
 * time.
 *
 * Concurrency. Control operations (renew, fence, unfence, disarm) run
 * under qfence_mutex (registry.c). The expiry timer and the IO path
 * (qfence_io_decide()) do not take it; they change the state only with
 * cmpxchg(ARMED -> FENCED), so the one transition that can race with a
 * control operation is that latch, and every control operation that leaves
 * ARMED uses cmpxchg as well.
 */
#ifndef _QFENCE_LEASE_H
#define _QFENCE_LEASE_H

#include <linux/atomic.h>
#include <linux/hrtimer.h>
#include <linux/irq_work.h>
#include <linux/list.h>
#include <linux/netlink.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/workqueue.h>

#include "uapi/qfence.h"

/* Configuration given at LEASE_NEW, already validated by policy.c. */
struct qfence_lease_cfg {
	char name[QFENCE_NAME_LEN];
	u64 generation;
	u32 max_lease_ms;
	u32 actions;
	u32 reboot_delay_ms;
	u32 settle_ms;
	u32 flags;
};

/*
 * Bits of qfence_lease.flags. KICKED and DRAINED describe the current
 * fence only: both are clear whenever the lease is not FENCED (the unfence
 * clears them before it leaves FENCED), so that nothing can mistake the
 * previous fence's bits for this one's in the moment between a lockless
 * latch and its bookkeeping.
 */
enum {
	QFENCE_LF_FENCE_KICK,	/* a latch happened, qfence_fence_kick() due */
	QFENCE_LF_PINNED,	/* holds a module reference */
	QFENCE_LF_EV_FENCE,	/* work: send EXPIRED/FENCED/ACTION events */
	QFENCE_LF_EV_SETTLE,	/* work: send the settle escalation event */
	QFENCE_LF_DRAINED,	/* the devices drained after this fence */
	QFENCE_LF_KICKED,	/* this fence's kick is done (timers, EV_FENCE) */
};

/* What qfence_lease_take_events() found due, in the order to send. */
enum {
	QFENCE_DUE_FENCE = 1U << 0,	/* EXPIRED (if so), FENCED, ACTION */
	QFENCE_DUE_SETTLE = 1U << 1,	/* ACTION, cause SETTLE */
	QFENCE_DUE_DRAINED = 1U << 2,	/* DRAINED */
};

/*
 * Per-device IO counters. One per dm target (target.c); the lease's
 * in-flight count is the sum over its devices.
 */
struct qfence_io {
	atomic_t inflight;
	atomic64_t failed;
	struct list_head node;		/* qfence_lease.targets */
};

/*
 * One event as it goes on the wire: a copy taken under qfence_mutex, so
 * that the message can be built and sent without it.
 */
struct qfence_ev_rec {
	char name[QFENCE_NAME_LEN];
	u32 event;			/* QFENCE_EVENT_* */
	u64 generation;
	u64 timestamp_ns;
	u64 deadline_ns;
	u32 fence_reason;		/* FENCED */
	u64 inflight;			/* FENCED: at the fence */
	u64 drained_ns;			/* DRAINED */
	u32 action;			/* ACTION: QFENCE_ACTION_REBOOT/PANIC */
	u64 action_at_ns;		/* ACTION */
	u32 cause;			/* ACTION: QFENCE_CAUSE_* */
	/* For the log line only. */
	u32 delay_ms;			/* reboot_delay_ms */
};

/* Events queued under qfence_mutex for the work to send, per lease. */
#define QFENCE_OUTBOX 16

struct qfence_lease {
	/*
	 * Read by every bio. state and deadline_ns are written with
	 * WRITE_ONCE/cmpxchg and read with READ_ONCE; deadline_ns is
	 * published before state becomes ARMED (release/acquire).
	 */
	int state;			/* enum qfence_state */
	u64 deadline_ns;		/* lease clock (clock.h), 0 if none */

	struct qfence_lease_cfg cfg;	/* cfg.generation changes on unfence */
	unsigned long flags;		/* QFENCE_LF_* bits */

	/*
	 * Written once per fence, in any context: by the latch winner before
	 * it sets QFENCE_LF_FENCE_KICK, then by the kick and the settle
	 * timer; read by the work after queue_work().
	 */
	u64 fenced_ns;
	u32 fence_reason;		/* enum qfence_reason */
	bool fence_armed;		/* the latch found the lease ARMED */
	u64 fence_deadline;		/* the deadline in force at the latch */
	u64 fence_gen;			/* the generation that was fenced */
	u64 fences;
	u64 inflight_at_fence;
	u64 action_at_ns;		/* scheduled reboot/panic, 0 if none */
	u64 settle_fired_ns;		/* settle bound passed undrained */

	/* Under qfence_mutex. */
	struct qfence_ev_rec outbox[QFENCE_OUTBOX];
	unsigned int outbox_len;
	u64 events_lost;
	u64 renewals;
	u64 drained_ns;
	s64 boot_off;			/* CLOCK_BOOTTIME - lease clock, last renew */
	u64 failed_retired;		/* failures of devices since removed */
	u32 devices;
	struct list_head node;		/* qfence_leases */

	/* Devices using the lease; irq-safe (read by the settle timer). */
	raw_spinlock_t tlock;
	struct list_head targets;

	/* Orders the starts of the expiry timer (registry.c); irq-safe. */
	raw_spinlock_t tmlock;
	struct hrtimer expiry;		/* fires at deadline_ns (rule 6, 2nd line) */
	struct hrtimer settle;		/* actions.c: settle bound F */
	struct hrtimer action;		/* actions.c: reboot/panic delay */
	struct work_struct work;	/* events, drain check */
	struct irq_work kick;		/* the IO path's lock-free kick */
};

/* Outcome of qfence_io_decide(). */
enum qfence_io_verdict {
	QFENCE_IO_ADMIT,
	QFENCE_IO_REFUSE,
	QFENCE_IO_EXPIRED,	/* refused, and this call latched the lease */
	QFENCE_IO_REFUSE_DRAIN,	/* refused; have the drain checked */
};

void qfence_lease_init(struct qfence_lease *l,
		       const struct qfence_lease_cfg *cfg);
bool qfence_lease_latch(struct qfence_lease *l, u64 now, u64 deadline,
			u32 reason);
bool qfence_lease_expire(struct qfence_lease *l, u64 now);
u64 qfence_lease_settle_at(const struct qfence_lease *l);
int qfence_lease_renew(struct qfence_lease *l, u64 now, u64 deadline,
		       u64 generation, struct netlink_ext_ack *extack);
int qfence_lease_update(struct qfence_lease *l, u64 now, u64 generation,
			u32 max_ms, u32 settle_ms,
			struct netlink_ext_ack *extack);
int qfence_lease_fence(struct qfence_lease *l, u64 now);
bool qfence_lease_fence_acts(const struct qfence_lease *l, u64 inflight);
int qfence_lease_unfence(struct qfence_lease *l, u64 generation,
			 struct netlink_ext_ack *extack);
bool qfence_lease_drain(struct qfence_lease *l, u64 now);
bool qfence_lease_kick_begin(struct qfence_lease *l, u64 *inflight);
void qfence_lease_kick_end(struct qfence_lease *l);
unsigned int qfence_lease_take_events(struct qfence_lease *l, u64 now);
int qfence_lease_disarm(struct qfence_lease *l, u64 now,
			struct netlink_ext_ack *extack);
int qfence_lease_may_del(const struct qfence_lease *l,
			 struct netlink_ext_ack *extack);
u64 qfence_inflight(struct qfence_lease *l);
void qfence_lease_event(const struct qfence_lease *l, u32 event, u64 ts,
			u32 cause, struct qfence_ev_rec *ev);
u32 qfence_action_of(const struct qfence_lease *l);
const char *qfence_state_name(int state);

static inline int qfence_lease_state(const struct qfence_lease *l)
{
	/* Pairs with the release that publishes a deadline with ARMED. */
	return smp_load_acquire(&l->state);
}

/*
 * The IO admission protocol (design.md rules 6 and 8), in two steps so that
 * the clock is read after the bio is counted:
 *
 *	counted = qfence_io_enter(l, io);
 *	v = qfence_io_decide(l, io, counted, qfence_now());
 *
 * The in-flight count decides the settle escalation, the drain and
 * whether a fence acts, so it must hold admitted bios only, yet never
 * miss one. qfence_io_enter() therefore refuses a bio that finds the lease
 * not ARMED without counting it (a bio refused on a never-armed lease must
 * not make a boot-time LEASE_FENCE schedule a reboot, nor keep the settle
 * timer from seeing the drain). Only a bio that found it ARMED is counted,
 * with a full barrier before qfence_io_decide() reads the state again. The
 * fence side (qfence_lease_latch()) writes FENCED with a fully ordered
 * cmpxchg and only then sums the in-flight counts. Either this bio sees
 * FENCED and is refused, or the fence side sees it counted and waits for
 * it to drain: a bio can never be admitted unseen by the settle
 * accounting. A counted bio refused by the second look is the only one
 * counted without being admitted: it raced with the latch itself, and is
 * undone at once (target.c runs both steps with preemption off). Nothing
 * here locks or allocates.
 */
static inline bool qfence_io_enter(struct qfence_lease *l,
				   struct qfence_io *io)
{
	/* Rule 8, and fenced: refused without a trace in the count. */
	if (qfence_lease_state(l) != QFENCE_STATE_ARMED)
		return false;
	atomic_inc(&io->inflight);
	/* Count the bio before reading the state: pairs with the latch. */
	smp_mb__after_atomic();
	return true;
}

static inline enum qfence_io_verdict
qfence_io_decide(struct qfence_lease *l, struct qfence_io *io, bool counted,
		 u64 now)
{
	int state = qfence_lease_state(l);
	u64 deadline = READ_ONCE(l->deadline_ns);
	bool last;

	/* Rule 6: the clock decides, not only the timer. */
	if (likely(state == QFENCE_STATE_ARMED && now < deadline) &&
	    likely(counted))
		return QFENCE_IO_ADMIT;

	atomic64_inc(&io->failed);
	if (!counted)
		return QFENCE_IO_REFUSE;
	last = atomic_dec_and_test(&io->inflight);
	/* Rule 7: the first IO that sees the expiry latches the fence. */
	if (state == QFENCE_STATE_ARMED &&
	    qfence_lease_latch(l, now, deadline, QFENCE_REASON_EXPIRED))
		return QFENCE_IO_EXPIRED;
	/*
	 * Counting this bio may have hidden the last completion's zero from
	 * qfence_io_done(): undoing it to zero asks for the drain check, until
	 * the drain of this fence is recorded.
	 */
	if (last && READ_ONCE(l->state) == QFENCE_STATE_FENCED &&
	    !test_bit(QFENCE_LF_DRAINED, &l->flags))
		return QFENCE_IO_REFUSE_DRAIN;
	return QFENCE_IO_REFUSE;
}

/*
 * Completion of an admitted bio that the storage refused with a reservation
 * conflict (BLK_STS_NEXUS): another node preempted this node's registration
 * (design.md §3, the storage's verdict). Latch the lease as an expiry would,
 * with reason STORAGE, but only the generation the bio was admitted under
 * (@gen): a conflict earned by an old incarnation must never fence a new
 * one. Call it before qfence_io_done(): while the bio is still counted no
 * unfence (it needs the drain) and no disarm (it needs no IO in flight) can
 * move the lease to another generation, so the check and the cmpxchg see
 * the same incarnation; the check keeps that true should a later change
 * loosen either rule. A lease already FENCED is left as it is.
 *
 * Return: true if this call latched the lease (the caller kicks the fence).
 */
static inline bool qfence_io_nexus(struct qfence_lease *l, u64 gen, u64 now)
{
	if (qfence_lease_state(l) != QFENCE_STATE_ARMED ||
	    READ_ONCE(l->cfg.generation) != gen)
		return false;
	return qfence_lease_latch(l, now, READ_ONCE(l->deadline_ns),
				  QFENCE_REASON_STORAGE);
}

/*
 * Completion of an admitted bio. Returns true when the device's in-flight
 * count reached zero while the lease is fenced: the caller then has the
 * drain checked. atomic_dec_and_test() is fully ordered, which pairs with
 * the barrier of the latch as in qfence_io_enter().
 */
static inline bool qfence_io_done(struct qfence_lease *l, struct qfence_io *io)
{
	return atomic_dec_and_test(&io->inflight) &&
	       READ_ONCE(l->state) == QFENCE_STATE_FENCED;
}

#endif /* _QFENCE_LEASE_H */
