// SPDX-License-Identifier: GPL-2.0
/*
 * qfence lease state machine: DISARMED -> ARMED -> FENCED -> DISARMED.
 *
 * Pure functions of (lease, now): see lease.h for the rules of the game.
 * Every refusal sets an extended ack message and changes nothing, except
 * that a lease found expired is latched FENCED on the way (rule 7): the
 * expiry is a fact, whatever the request was.
 */

#include <linux/bitops.h>
#include <linux/limits.h>
#include <linux/string.h>
#include <linux/time64.h>

#include "lease.h"

void qfence_lease_init(struct qfence_lease *l,
		       const struct qfence_lease_cfg *cfg)
{
	l->cfg = *cfg;
	l->state = QFENCE_STATE_DISARMED;
	l->deadline_ns = 0;
	INIT_LIST_HEAD(&l->node);
	INIT_LIST_HEAD(&l->targets);
	raw_spin_lock_init(&l->tlock);
}

/**
 * qfence_inflight - bios admitted and not yet completed, over all devices
 * @l: the lease
 *
 * Any context. Called after a fully ordered state change (a latch, a
 * disarm), it counts every bio that saw the previous state.
 *
 * Return: the sum of the devices' in-flight counts.
 */
u64 qfence_inflight(struct qfence_lease *l)
{
	struct qfence_io *io;
	unsigned long irqflags;
	u64 sum = 0;

	raw_spin_lock_irqsave(&l->tlock, irqflags);
	list_for_each_entry(io, &l->targets, node)
		sum += atomic_read(&io->inflight);
	raw_spin_unlock_irqrestore(&l->tlock, irqflags);
	return sum;
}

/* The action a fence escalates to: PANIC if chosen, else REBOOT. */
u32 qfence_action_of(const struct qfence_lease *l)
{
	return l->cfg.actions & QFENCE_ACTION_PANIC ? QFENCE_ACTION_PANIC :
						      QFENCE_ACTION_REBOOT;
}

/**
 * qfence_lease_event - the wire form of an event
 * @l: the lease; caller holds qfence_mutex
 * @event: QFENCE_EVENT_*
 * @ts: when it happened
 * @cause: QFENCE_CAUSE_* (QFENCE_EVENT_ACTION)
 * @ev: filled in
 *
 * The events of a fence (EXPIRED, FENCED, ACTION, DRAINED) report the
 * generation and deadline recorded at the latch, never the lease's
 * current ones: they may be sent after an unfence. UNFENCED reports the
 * new generation.
 */
void qfence_lease_event(const struct qfence_lease *l, u32 event, u64 ts,
			u32 cause, struct qfence_ev_rec *ev)
{
	memset(ev, 0, sizeof(*ev));
	strscpy(ev->name, l->cfg.name, sizeof(ev->name));
	ev->event = event;
	ev->timestamp_ns = ts;
	if (event == QFENCE_EVENT_UNFENCED) {
		ev->generation = l->cfg.generation;
		ev->deadline_ns = READ_ONCE(l->deadline_ns);
		return;
	}
	ev->generation = READ_ONCE(l->fence_gen);
	ev->deadline_ns = READ_ONCE(l->fence_deadline);
	ev->fence_reason = READ_ONCE(l->fence_reason);
	ev->inflight = READ_ONCE(l->inflight_at_fence);
	ev->drained_ns = l->drained_ns;
	ev->action = qfence_action_of(l);
	ev->action_at_ns = cause == QFENCE_CAUSE_SETTLE ? ts :
			   READ_ONCE(l->action_at_ns);
	ev->cause = cause;
	ev->delay_ms = l->cfg.reboot_delay_ms;
}

const char *qfence_state_name(int state)
{
	switch (state) {
	case QFENCE_STATE_DISARMED:
		return "disarmed";
	case QFENCE_STATE_ARMED:
		return "armed";
	case QFENCE_STATE_FENCED:
		return "fenced";
	}
	return "unknown";
}

/*
 * Record a fence that the caller has just latched, from @state (ARMED or
 * DISARMED) with @deadline in force. Only the latch winner gets here, once
 * per fence, so the plain stores cannot race; the QFENCE_LF_FENCE_KICK bit
 * publishes them to whoever runs the kick.
 */
static void qfence_lease_latched(struct qfence_lease *l, u64 now, u32 reason,
				 int state, u64 deadline)
{
	WRITE_ONCE(l->fenced_ns, now);
	WRITE_ONCE(l->fence_reason, reason);
	WRITE_ONCE(l->fence_armed, state == QFENCE_STATE_ARMED);
	WRITE_ONCE(l->fence_deadline, deadline);
	WRITE_ONCE(l->fence_gen, l->cfg.generation);
	WRITE_ONCE(l->fences, l->fences + 1);
	/*
	 * QFENCE_LF_DRAINED and QFENCE_LF_KICKED are clear already: nothing
	 * but this fence's kick and drain sets them, and the unfence that
	 * ended the previous fence cleared them before it left FENCED.
	 */
	/* The kicker reads the fields above once it sees the bit. */
	smp_mb__before_atomic();
	set_bit(QFENCE_LF_FENCE_KICK, &l->flags);
}

/**
 * qfence_lease_latch - move an ARMED lease to FENCED
 * @l: the lease
 * @now: lease clock time of the decision
 * @deadline: the deadline the caller found passed (or in force)
 * @reason: QFENCE_REASON_*
 *
 * Safe in any context, lockless: the IO path and the expiry timer call it.
 * The cmpxchg is fully ordered, so the in-flight counts read after it
 * include every bio that saw ARMED (see qfence_io_enter()).
 *
 * Return: true if this call latched the lease.
 */
bool qfence_lease_latch(struct qfence_lease *l, u64 now, u64 deadline,
			u32 reason)
{
	if (cmpxchg(&l->state, QFENCE_STATE_ARMED, QFENCE_STATE_FENCED) !=
	    QFENCE_STATE_ARMED)
		return false;
	qfence_lease_latched(l, now, reason, QFENCE_STATE_ARMED, deadline);
	return true;
}

/**
 * qfence_lease_expire - latch the lease if its deadline has passed
 * @l: the lease
 * @now: lease clock time
 *
 * Return: true if this call latched the lease.
 */
bool qfence_lease_expire(struct qfence_lease *l, u64 now)
{
	u64 deadline;

	/* The state first: ARMED publishes its deadline (acquire). */
	if (qfence_lease_state(l) != QFENCE_STATE_ARMED)
		return false;
	deadline = READ_ONCE(l->deadline_ns);
	if (now < deadline)
		return false;
	return qfence_lease_latch(l, now, deadline, QFENCE_REASON_EXPIRED);
}

/**
 * qfence_lease_settle_at - when IO admitted before the fence must be done
 * @l: a FENCED lease
 *
 * The settle bound F runs from the deadline for an expiry, whenever the
 * latch happened (a late timer, a late IO), so that the latency of noticing
 * the expiry is counted in F; from the fence time for a manual fence of a
 * lease still valid (or DISARMED): the earlier of the two.
 *
 * Return: absolute lease clock time, saturated at U64_MAX.
 */
u64 qfence_lease_settle_at(const struct qfence_lease *l)
{
	u64 from = READ_ONCE(l->fenced_ns);
	u64 settle = (u64)l->cfg.settle_ms * NSEC_PER_MSEC;

	if (READ_ONCE(l->fence_armed) && READ_ONCE(l->fence_deadline) < from)
		from = READ_ONCE(l->fence_deadline);
	return from > U64_MAX - settle ? U64_MAX : from + settle;
}

/*
 * Is @deadline in (now, now + max_lease_ms]? Written as a difference so
 * that no sum can wrap around u64.
 */
static int qfence_deadline_check(const struct qfence_lease *l, u64 now,
				 u64 deadline, struct netlink_ext_ack *extack)
{
	u64 max_ns = (u64)l->cfg.max_lease_ms * NSEC_PER_MSEC;

	if (deadline <= now) {
		NL_SET_ERR_MSG(extack, "deadline is not in the future");
		return -ERANGE;
	}
	if (deadline - now > max_ns) {
		NL_SET_ERR_MSG(extack, "deadline is further than max_lease_ms ahead");
		return -ERANGE;
	}
	return 0;
}

/**
 * qfence_lease_renew - arm the lease or move its deadline
 * @l: the lease; caller holds qfence_mutex
 * @now: lease clock time of the request
 * @deadline: new absolute deadline
 * @generation: must equal the lease's
 * @extack: refusal message
 *
 * A FENCED lease refuses (rule 7), and so does an ARMED lease whose
 * deadline has already passed: it is latched FENCED here, since a renew
 * that arrives after the expiry must never lift it.
 *
 * Return: 0, -ECANCELED, -ESTALE or -ERANGE.
 */
int qfence_lease_renew(struct qfence_lease *l, u64 now, u64 deadline,
		       u64 generation, struct netlink_ext_ack *extack)
{
	int state = READ_ONCE(l->state);
	u64 old = READ_ONCE(l->deadline_ns);
	int ret;

	if (state == QFENCE_STATE_FENCED) {
		NL_SET_ERR_MSG(extack, "lease is fenced; only LEASE_UNFENCE clears it");
		return -ECANCELED;
	}
	if (state == QFENCE_STATE_ARMED && qfence_lease_expire(l, now)) {
		NL_SET_ERR_MSG(extack, "lease expired before this renew; now fenced");
		return -ECANCELED;
	}
	if (generation != l->cfg.generation) {
		NL_SET_ERR_MSG(extack, "generation is not the lease's");
		return -ESTALE;
	}
	ret = qfence_deadline_check(l, now, deadline, extack);
	if (ret)
		return ret;

	WRITE_ONCE(l->deadline_ns, deadline);
	if (state == QFENCE_STATE_DISARMED) {
		/* Publish the deadline before ARMED (acquire in the IO path). */
		smp_store_release(&l->state, QFENCE_STATE_ARMED);
	} else {
		/* The IO path or the timer may have latched meanwhile. */
		smp_mb();
		if (READ_ONCE(l->state) != QFENCE_STATE_ARMED) {
			/* Keep reporting the deadline that expired. */
			WRITE_ONCE(l->deadline_ns, old);
			NL_SET_ERR_MSG(extack, "lease expired during this renew; now fenced");
			return -ECANCELED;
		}
	}
	l->renewals++;
	return 0;
}

/*
 * Clamp an ARMED lease's deadline to now + max_lease_ms (never later than
 * it was). Return the deadline it had.
 */
static u64 qfence_lease_clamp(struct qfence_lease *l, u64 now, u32 max_ms)
{
	u64 old = READ_ONCE(l->deadline_ns);
	u64 max_ns = (u64)max_ms * NSEC_PER_MSEC;

	if (old - now > max_ns)
		WRITE_ONCE(l->deadline_ns, now + max_ns);
	return old;
}

/**
 * qfence_lease_update - change the timing of a live lease (design.md rule 9)
 * @l: the lease; caller holds qfence_mutex
 * @now: lease clock time of the request
 * @generation: must equal the lease's
 * @max_ms: new max_lease_ms, 0 to keep it
 * @settle_ms: new settle_ms, 0 to keep it
 * @extack: refusal message
 *
 * A smaller max_lease_ms clamps the deadline in force to now + max_lease_ms
 * and never moves it later: IO is never admitted past what the new bound
 * allows, nor past what the last renew allowed. A larger one only lets
 * later renews reach further. Neither fences a lease still valid.
 *
 * A new settle_ms applies to the next fence's escalation. The update is
 * refused on a FENCED lease, so a settle timer already running keeps the
 * bound it started with (rule 7: nothing done to a fenced lease changes
 * what its fence guarantees; the cluster's W covers that bound). A fence
 * that latches, lock-free, during this call makes it fail with
 * -ECANCELED and the lease keeps the deadline that expired; its kick may
 * have read either settle_ms, which is why a daemon raises settle_ms only
 * once the cluster's W covers the larger value (rule 9's transition).
 * A DISARMED lease takes the values for its next renew.
 *
 * Return: 0, -ECANCELED or -ESTALE; on an error nothing changed (save
 * that a lease found expired is latched, as a renew would).
 */
int qfence_lease_update(struct qfence_lease *l, u64 now, u64 generation,
			u32 max_ms, u32 settle_ms,
			struct netlink_ext_ack *extack)
{
	int state = READ_ONCE(l->state);
	struct qfence_lease_cfg old_cfg = l->cfg;
	u64 old;

	if (state == QFENCE_STATE_FENCED ||
	    (state == QFENCE_STATE_ARMED && qfence_lease_expire(l, now))) {
		NL_SET_ERR_MSG(extack, "lease is fenced; only LEASE_UNFENCE clears it");
		return -ECANCELED;
	}
	if (generation != l->cfg.generation) {
		NL_SET_ERR_MSG(extack, "generation is not the lease's");
		return -ESTALE;
	}
	if (max_ms)
		WRITE_ONCE(l->cfg.max_lease_ms, max_ms);
	if (settle_ms)
		WRITE_ONCE(l->cfg.settle_ms, settle_ms);
	if (state != QFENCE_STATE_ARMED)
		return 0;
	old = qfence_lease_clamp(l, now, l->cfg.max_lease_ms);
	/* The IO path or the timer may have latched meanwhile. */
	smp_mb();
	if (READ_ONCE(l->state) != QFENCE_STATE_ARMED) {
		WRITE_ONCE(l->deadline_ns, old);
		WRITE_ONCE(l->cfg.max_lease_ms, old_cfg.max_lease_ms);
		WRITE_ONCE(l->cfg.settle_ms, old_cfg.settle_ms);
		NL_SET_ERR_MSG(extack, "lease expired during this update; now fenced");
		return -ECANCELED;
	}
	return 0;
}

/**
 * qfence_lease_fence - fence now, from any state
 * @l: the lease; caller holds qfence_mutex
 * @now: lease clock time
 *
 * Return: 1 if this call latched the lease, 0 if it was already FENCED.
 */
int qfence_lease_fence(struct qfence_lease *l, u64 now)
{
	int state;

	/* Only ARMED -> FENCED can happen concurrently (IO path, timer). */
	do {
		state = READ_ONCE(l->state);
		if (state == QFENCE_STATE_FENCED)
			return 0;
	} while (cmpxchg(&l->state, state, QFENCE_STATE_FENCED) != state);

	/* No renew runs concurrently (qfence_mutex): the deadline is stable. */
	qfence_lease_latched(l, now, QFENCE_REASON_MANUAL, state,
			     READ_ONCE(l->deadline_ns));
	return 1;
}

/**
 * qfence_lease_fence_acts - does this fence run the reboot/panic actions?
 * @l: a FENCED lease
 * @inflight: IO in flight at the fence
 *
 * Only a fence that ended a lease in force, or that left IO in flight,
 * reboots or panics. Fencing a lease that was never armed (a daemon that
 * fences at boot, before it joined) must not reboot the node again and
 * again: there is nothing to stop.
 *
 * Return: true if the lease's actions and the settle escalation apply.
 */
bool qfence_lease_fence_acts(const struct qfence_lease *l, u64 inflight)
{
	return READ_ONCE(l->fence_armed) || inflight;
}

/**
 * qfence_lease_unfence - clear the latch after a committed rejoin
 * @l: the lease; caller holds qfence_mutex
 * @generation: the rejoin's generation, strictly larger than the lease's
 * @extack: refusal message
 *
 * The lease returns to DISARMED: IO stays refused until the next renew
 * with the new generation (rule 8). Only once the lease has drained since
 * the fence (qfence_lease_drain()): IO admitted before the fence must not
 * outlive the latch, whose settle bound an unfence would cancel.
 *
 * A DISARMED lease takes the new generation and stays DISARMED, so that a
 * daemon can move to a rejoined generation while a table holds the lease.
 *
 * Return: 0, -EINVAL (ARMED), -ESTALE or -EBUSY (not drained).
 */
int qfence_lease_unfence(struct qfence_lease *l, u64 generation,
			 struct netlink_ext_ack *extack)
{
	int state = READ_ONCE(l->state);

	if (state == QFENCE_STATE_ARMED) {
		NL_SET_ERR_MSG(extack, "lease is armed, not fenced");
		return -EINVAL;
	}
	if (generation <= l->cfg.generation) {
		NL_SET_ERR_MSG(extack, "generation must be larger than the lease's");
		return -ESTALE;
	}
	if (state == QFENCE_STATE_DISARMED) {
		/* Only a renew, under qfence_mutex, leaves DISARMED. */
		WRITE_ONCE(l->cfg.generation, generation);
		return 0;
	}
	/* DRAINED is this fence's (see qfence_lease_latched()). */
	if (!test_bit(QFENCE_LF_DRAINED, &l->flags)) {
		NL_SET_ERR_MSG(extack, "IO admitted before the fence has not drained");
		return -EBUSY;
	}
	/* Nothing else leaves FENCED, so plain stores suffice. */
	WRITE_ONCE(l->cfg.generation, generation);
	WRITE_ONCE(l->deadline_ns, 0);
	/* The next fence starts undrained and unkicked (lease.h). */
	clear_bit(QFENCE_LF_DRAINED, &l->flags);
	clear_bit(QFENCE_LF_KICKED, &l->flags);
	/* Pairs with the acquire in qfence_lease_state(). */
	smp_store_release(&l->state, QFENCE_STATE_DISARMED);
	return 0;
}

/* Has this fence's kick finished? Then its fields and timers are set. */
static bool qfence_lease_kicked(const struct qfence_lease *l)
{
	bool kicked = test_bit(QFENCE_LF_KICKED, &l->flags);

	/* Pairs with the barrier before set_bit() in kick_end. */
	smp_rmb();
	return kicked;
}

/**
 * qfence_lease_drain - record the drain that follows a fence
 * @l: the lease; caller holds qfence_mutex
 * @now: lease clock time
 *
 * The drain is due once the lease is FENCED, the fence's kick has finished
 * (inflight_at_fence is known, its timers run), its FENCED event has been
 * taken (QFENCE_LF_EV_FENCE clear: DRAINED never leaves before FENCED) and
 * no IO is in flight on any device. It is recorded once per fence.
 * drained_ns is @now, or the fence time when nothing was in flight then.
 *
 * Return: true if this call recorded the drain (send DRAINED).
 */
bool qfence_lease_drain(struct qfence_lease *l, u64 now)
{
	if (READ_ONCE(l->state) != QFENCE_STATE_FENCED ||
	    !qfence_lease_kicked(l) ||
	    test_bit(QFENCE_LF_EV_FENCE, &l->flags) ||
	    test_bit(QFENCE_LF_DRAINED, &l->flags) ||
	    qfence_inflight(l))
		return false;
	l->drained_ns = READ_ONCE(l->inflight_at_fence) ? now :
			READ_ONCE(l->fenced_ns);
	set_bit(QFENCE_LF_DRAINED, &l->flags);
	return true;
}

/**
 * qfence_lease_kick_begin - claim the kick of a fence just latched
 * @l: the lease
 * @inflight: set to the IO in flight at the fence
 *
 * Any context, lockless (the expiry timer, the IO path's irq_work, a
 * control command). Exactly one caller claims each latch's kick: the
 * latch sets QFENCE_LF_FENCE_KICK once, test_and_clear_bit() takes it (and
 * orders the latch's fields before what follows). The caller starts the
 * timers, then calls qfence_lease_kick_end(). Until then the fence is not
 * complete: no drain is recorded and no unfence passes (design.md rule 7:
 * the "EBUSY until drained since the fence" rule needs this fence's drain,
 * and an unfence must not come before the timers the kick starts).
 *
 * Return: true if this call claimed the kick.
 */
bool qfence_lease_kick_begin(struct qfence_lease *l, u64 *inflight)
{
	if (!test_and_clear_bit(QFENCE_LF_FENCE_KICK, &l->flags))
		return false;
	if (READ_ONCE(l->state) != QFENCE_STATE_FENCED)
		return false;
	*inflight = qfence_inflight(l);
	WRITE_ONCE(l->inflight_at_fence, *inflight);
	return true;
}

/**
 * qfence_lease_kick_end - the kick is done: the fence may be reported
 * @l: the lease whose kick the caller claimed
 *
 * QFENCE_LF_EV_FENCE before QFENCE_LF_KICKED: whoever sees the fence
 * kicked also sees its events due, so FENCED is queued before DRAINED.
 */
void qfence_lease_kick_end(struct qfence_lease *l)
{
	set_bit(QFENCE_LF_EV_FENCE, &l->flags);
	/* inflight_at_fence, the timers and EV_FENCE before KICKED. */
	smp_mb__before_atomic();
	set_bit(QFENCE_LF_KICKED, &l->flags);
}

/**
 * qfence_lease_take_events - the events of this fence that are due now
 * @l: the lease; caller holds qfence_mutex
 * @now: lease clock time (for the drain)
 *
 * Nothing is due before the fence's kick has finished; then, in this
 * order, the fence's own events (once), the settle escalation (once), and
 * the drain (once, qfence_lease_drain()). Each fence so yields FENCED then
 * DRAINED exactly once, and all of it before the UNFENCED that ends the
 * fence: the unfence needs the drain, hence the kick.
 *
 * Return: QFENCE_DUE_* bits; the caller queues the events in bit order.
 */
unsigned int qfence_lease_take_events(struct qfence_lease *l, u64 now)
{
	unsigned int due = 0;

	if (READ_ONCE(l->state) != QFENCE_STATE_FENCED ||
	    !qfence_lease_kicked(l))
		return 0;
	if (test_and_clear_bit(QFENCE_LF_EV_FENCE, &l->flags))
		due |= QFENCE_DUE_FENCE;
	if (test_and_clear_bit(QFENCE_LF_EV_SETTLE, &l->flags))
		due |= QFENCE_DUE_SETTLE;
	if (qfence_lease_drain(l, now))
		due |= QFENCE_DUE_DRAINED;
	return due;
}

/**
 * qfence_lease_disarm - clean leave: ARMED -> DISARMED, no action
 * @l: the lease; caller holds qfence_mutex
 * @now: lease clock time
 * @extack: refusal message
 *
 * An expired lease is fenced, not disarmed: leaving cleanly is only
 * possible while the lease is still valid, and while no IO is in flight.
 * A disarm starts no settle bound, so IO admitted before it could still
 * reach storage after the cluster has declared the node gone.
 *
 * The in-flight count is read after the fully ordered cmpxchg, as after a
 * latch (see qfence_io_enter()): a bio either sees DISARMED or is counted
 * here. If one slipped in, the lease goes back to ARMED with its deadline
 * unchanged; only a renew, under qfence_mutex, leaves DISARMED otherwise.
 * Bios mapped in that window are refused.
 *
 * Return: 0, -ECANCELED (FENCED, or expired) or -EBUSY (NOWAYOUT, or IO
 * in flight).
 */
int qfence_lease_disarm(struct qfence_lease *l, u64 now,
			struct netlink_ext_ack *extack)
{
	int state = READ_ONCE(l->state);

	if (state == QFENCE_STATE_DISARMED)
		return 0;
	if (state == QFENCE_STATE_FENCED || qfence_lease_expire(l, now)) {
		NL_SET_ERR_MSG(extack, "lease is fenced; use LEASE_UNFENCE");
		return -ECANCELED;
	}
	if (l->cfg.flags & QFENCE_F_NOWAYOUT) {
		NL_SET_ERR_MSG(extack, "lease has NOWAYOUT; it cannot be disarmed");
		return -EBUSY;
	}
	if (qfence_inflight(l)) {
		NL_SET_ERR_MSG(extack, "IO in flight: retry once it has completed");
		return -EBUSY;
	}
	if (cmpxchg(&l->state, QFENCE_STATE_ARMED, QFENCE_STATE_DISARMED) !=
	    QFENCE_STATE_ARMED) {
		NL_SET_ERR_MSG(extack, "lease is fenced; use LEASE_UNFENCE");
		return -ECANCELED;
	}
	if (qfence_inflight(l)) {
		/* Pairs with the acquire in qfence_lease_state(). */
		smp_store_release(&l->state, QFENCE_STATE_ARMED);
		NL_SET_ERR_MSG(extack, "IO in flight: retry once it has completed");
		return -EBUSY;
	}
	WRITE_ONCE(l->deadline_ns, 0);
	return 0;
}

/*
 * design.md rule 7: only a larger generation leaves FENCED, and a lease
 * takes none above QFENCE_GEN_LAST (policy.c), so a lease fenced at it can
 * never leave. Such a lease may be deleted once drained and unused, so
 * that the module unloads without a reboot. Its latch goes with it: no
 * committed rejoin could ever name a larger generation, and quorumd's
 * generations grow by one per rejoin, so only a direct netlink user gets
 * here, one who could as well create a lease of another name.
 */
static bool qfence_lease_at_last_gen(const struct qfence_lease *l)
{
	return READ_ONCE(l->cfg.generation) >= QFENCE_GEN_LAST;
}

/**
 * qfence_lease_may_del - may the lease be deleted?
 * @l: the lease; caller holds qfence_mutex
 * @extack: refusal message
 *
 * Return: 0 or -EBUSY.
 */
int qfence_lease_may_del(const struct qfence_lease *l,
			 struct netlink_ext_ack *extack)
{
	int state = READ_ONCE(l->state);

	if (state == QFENCE_STATE_FENCED && qfence_lease_at_last_gen(l)) {
		if (!test_bit(QFENCE_LF_DRAINED, &l->flags)) {
			NL_SET_ERR_MSG(extack, "IO admitted before the fence has not drained");
			return -EBUSY;
		}
	} else if (state != QFENCE_STATE_DISARMED) {
		NL_SET_ERR_MSG(extack, "lease is armed or fenced");
		return -EBUSY;
	}
	if (l->devices) {
		NL_SET_ERR_MSG(extack, "a device-mapper target uses the lease");
		return -EBUSY;
	}
	return 0;
}
