/* SPDX-License-Identifier: MIT */
/*
 * qfence daemon: clock guard (design.md §2, stated assumptions).
 *
 * Every lease bound assumes each clock runs within ρ of real time,
 * including the kernel's own slewing: NTP daemons change CLOCK_BOOTTIME's
 * rate, and chrony's default maximum slew is far above 1000 ppm. The guard
 * reads the kernel's current adjustments with adjtimex (read-only) and
 * refuses lease renewals, with a reason, while they exceed ρ minus a
 * margin (the margin leaves room for the oscillator's own error).
 */
#ifndef QF_INFRA_CLOCKGUARD_H
#define QF_INFRA_CLOCKGUARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What adjtimex reports that changes the clock's rate. */
struct qf_clock_sample {
	long freq;		/* frequency offset, 2^-16 ppm units */
	long tick;		/* microseconds per USER_HZ tick */
	long user_hz;		/* nominal tick = 1000000 / user_hz us */
	long offset;		/* PLL offset still being slewed */
	bool nano;		/* offset in ns (STA_NANO), else us */
	long constant;		/* PLL time constant */
	long adjtime_us;	/* adjtime() correction still pending */
	int status;		/* STA_* bits, for messages */
};

/* Read the kernel's state (adjtimex modes 0 and ADJ_OFFSET_SS_READ: both
 * read-only, no privilege needed). 0 or -errno. */
int qf_clock_read(struct qf_clock_sample *s);

/*
 * Current rate adjustment in parts per billion, signed: frequency + tick
 * + PLL offset slew (offset / 2^(2 + constant) per second, kernel
 * SHIFT_PLL = 2) + adjtime() slew (500 ppm while any is pending).
 */
int64_t qf_clock_rate_ppb(const struct qf_clock_sample *s);

/*
 * The pure decision: true if |rate| <= rho - margin. Otherwise false, and
 * why says so in a sentence an operator can act on.
 */
bool qf_clock_renew_allowed(int64_t rate_ppb, uint32_t rho_ppm,
			    uint32_t margin_ppm, char *why, size_t len);

/* read + rate + decide; a failed read refuses (the rate is unknown). */
bool qf_clock_check(uint32_t rho_ppm, uint32_t margin_ppm, int64_t *rate_ppb,
		    char *why, size_t len);

#endif /* QF_INFRA_CLOCKGUARD_H */
