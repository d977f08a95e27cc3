// SPDX-License-Identifier: GPL-2.0
/*
 * qfence lease clock (clock.h): the raw clocksource plus suspend time, and
 * timers that fire when it reaches a time, whatever CLOCK_BOOTTIME's rate.
 */
#include <linux/minmax.h>
#include <linux/overflow.h>
#include <linux/ktime.h>

#include "clock.h"

/**
 * qfence_now - the lease clock
 *
 * Any context. The raw clock is read before the suspend offset: a resume
 * between the two reads adds the whole sleep, so the result is never
 * behind the time of the call. The other order could miss the sleep and
 * read early, which would lengthen a lease.
 *
 * Return: nanoseconds of the raw clocksource plus the time in suspend.
 */
u64 qfence_now(void)
{
	return ktime_to_ns(ktime_mono_to_any(ktime_get_raw(), TK_OFFS_BOOT));
}

/**
 * qfence_boot_offset - CLOCK_BOOTTIME minus the lease clock
 * @now: qfence_now(), read just before
 *
 * Return: the offset that qfence_from_boot() and qfence_to_boot() take.
 */
s64 qfence_boot_offset(u64 now)
{
	return (s64)(ktime_get_boottime_ns() - now);
}

/*
 * @ns + @off, saturated to [1, U64_MAX]: a time in range never becomes 0,
 * which means "none" in every field that holds one.
 */
static u64 qfence_shift(u64 ns, s64 off)
{
	u64 out;

	if (off >= 0)
		return check_add_overflow(ns, (u64)off, &out) ? U64_MAX : out;
	if (check_sub_overflow(ns, (u64)-off, &out) || !out)
		return 1;
	return out;
}

/**
 * qfence_from_boot - a CLOCK_BOOTTIME time on the lease clock
 * @boot_ns: the time; 0 (none) and U64_MAX (never) are kept
 * @off: qfence_boot_offset()
 */
u64 qfence_from_boot(u64 boot_ns, s64 off)
{
	if (!boot_ns || boot_ns == U64_MAX)
		return boot_ns;
	return qfence_shift(boot_ns, -off);
}

/**
 * qfence_to_boot - a lease clock time in CLOCK_BOOTTIME, for reporting
 * @lease_ns: the time; 0 (none) and U64_MAX (never) are kept
 * @off: the offset the time's lease was renewed with
 */
u64 qfence_to_boot(u64 lease_ns, s64 off)
{
	if (!lease_ns || lease_ns == U64_MAX)
		return lease_ns;
	return qfence_shift(lease_ns, off);
}

/**
 * qfence_clock_wait - how long to wait on CLOCK_BOOTTIME
 * @left: what is left until the time, on the lease clock
 *
 * Return: a wait that ends before @left has passed on the lease clock as
 * long as CLOCK_BOOTTIME runs at least 3/4 of its rate; the timer then
 * waits again for the rest (qfence_timer_due()), a few rounds at most.
 */
u64 qfence_clock_wait(u64 left)
{
	if (left <= QFENCE_CLOCK_EXACT_NS)
		return left;
	return left / QFENCE_CLOCK_WAIT_DEN * QFENCE_CLOCK_WAIT_NUM;
}

/**
 * qfence_timer_start - start a timer for a lease clock time
 * @t: a CLOCK_BOOTTIME hard timer
 * @at: the lease clock time; U64_MAX never fires
 *
 * Any context. A caller that can race with another start of @t
 * serialises the two (registry.c, the expiry timer's lock).
 */
void qfence_timer_start(struct hrtimer *t, u64 at)
{
	/*
	 * CLOCK_BOOTTIME first: a delay before the lease clock's read (an
	 * interrupt, a preemption in process context) then shortens what
	 * is left, so the timer fires early and waits again, never late.
	 */
	u64 boot = ktime_get_boottime_ns();
	u64 now = qfence_now();
	u64 left = at > now ? at - now : 0;
	u64 end;

	if (at == U64_MAX ||
	    check_add_overflow(boot, qfence_clock_wait(left), &end))
		end = KTIME_MAX;
	hrtimer_start(t, ns_to_ktime(min_t(u64, end, KTIME_MAX)),
		      HRTIMER_MODE_ABS_HARD);
}

/**
 * qfence_timer_due - in a timer's callback: has its time come?
 * @t: the timer whose callback runs
 * @at: its lease clock time
 *
 * Return: true if @at has passed; otherwise @t is started again for the
 * rest and the callback returns HRTIMER_NORESTART without acting.
 */
bool qfence_timer_due(struct hrtimer *t, u64 at)
{
	if (qfence_now() >= at)
		return true;
	qfence_timer_start(t, at);
	return false;
}
