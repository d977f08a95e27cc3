/* SPDX-License-Identifier: GPL-2.0 */
/*
 * qfence lease clock: what a lease is measured on.
 *
 * The interface speaks CLOCK_BOOTTIME (uapi/qfence.h), but CLOCK_BOOTTIME
 * runs at the rate NTP/chrony sets through adjtimex: the tick length
 * (+-10 %), the frequency and the PLL's offset correction. quorumd's clock
 * guard refuses to renew while that rate is beyond rho (design.md rule 10),
 * but a lease armed before the rate went bad would run on: a clock slowed
 * by chrony's default maxslewrate (83 333 ppm) stretches 1.5 s of lease by
 * 125 ms of real time, more than W's margin (design.md §2.6, "the lease
 * clock"). So a lease runs on the raw clocksource, which no slewing moves,
 * plus the time spent in suspend (so that a lease still expires across a
 * suspend, as CLOCK_BOOTTIME does): only the oscillator's own error, the
 * rho no software can measure, is left.
 *
 * A deadline given in CLOCK_BOOTTIME is converted once, when it arrives:
 * what is left of it then is what the lease runs on the lease clock. The
 * times the module reports are converted back with the offset taken at
 * that renew, so a reported deadline is the one that was given.
 */
#ifndef _QFENCE_CLOCK_H
#define _QFENCE_CLOCK_H

#include <linux/hrtimer.h>
#include <linux/types.h>

/*
 * A wait on CLOCK_BOOTTIME covers this share of what is left on the lease
 * clock (qfence_clock_wait()): it never overshoots while CLOCK_BOOTTIME
 * runs at least 3/4 of the raw rate, beyond anything adjtimex can set.
 */
#define QFENCE_CLOCK_WAIT_NUM 3
#define QFENCE_CLOCK_WAIT_DEN 4
/* Below this, wait all that is left: it can be late by 1/4 of it. */
#define QFENCE_CLOCK_EXACT_NS 100000ULL

u64 qfence_now(void);
s64 qfence_boot_offset(u64 now);
u64 qfence_from_boot(u64 boot_ns, s64 off);
u64 qfence_to_boot(u64 lease_ns, s64 off);
u64 qfence_clock_wait(u64 left);
void qfence_timer_start(struct hrtimer *t, u64 at);
bool qfence_timer_due(struct hrtimer *t, u64 at);

#endif /* _QFENCE_CLOCK_H */
