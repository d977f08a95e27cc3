// SPDX-License-Identifier: MIT
/*
 * qfence daemon: clock guard (see clockguard.h).
 *
 * The arithmetic follows kernel/time/ntp.c (Linux 6.1): tick_length is
 * built from tick_usec and time_freq, second_overflow() adds
 * ntp_offset_chunk(time_offset) = time_offset >> (SHIFT_PLL +
 * time_constant) nanoseconds per second, and an adjtime() correction moves
 * the clock by MAX_TICKADJ = 500 us per second until it is used up.
 * 1 ns per second is 1 ppb.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/timex.h>
#include <unistd.h>

#include "clockguard.h"
#include "ilog.h"

#define SHIFT_PLL	2
#define TC_MAX		10	/* MAXTC */
#define MAX_TICKADJ_US	500

int qf_clock_read(struct qf_clock_sample *s)
{
	struct timex tx = { .modes = 0 };
	struct timex ss = { .modes = ADJ_OFFSET_SS_READ };

	if (adjtimex(&tx) < 0 || adjtimex(&ss) < 0)
		return -errno;
	*s = (struct qf_clock_sample){
		.freq = tx.freq, .tick = tx.tick,
		.user_hz = sysconf(_SC_CLK_TCK),
		.offset = tx.offset, .nano = tx.status & STA_NANO,
		.constant = tx.constant, .adjtime_us = ss.offset,
		.status = tx.status,
	};
	return s->user_hz > 0 ? 0 : -EINVAL;
}

/* a / b rounded away from zero: never understate a rate. */
static int64_t div_out(int64_t a, int64_t b)
{
	int64_t q = a / b;

	return q + (a % b != 0 ? (a < 0 ? -1 : 1) : 0);
}

static int64_t pll_ppb(const struct qf_clock_sample *s)
{
	int64_t ns = s->nano ? s->offset : (int64_t)s->offset * 1000;
	long tc = s->constant < 0 ? 0 : s->constant > TC_MAX ? TC_MAX :
		  s->constant;

	return div_out(ns, (int64_t)1 << (SHIFT_PLL + tc));
}

int64_t qf_clock_rate_ppb(const struct qf_clock_sample *s)
{
	int64_t nominal = s->user_hz > 0 ? 1000000 / s->user_hz : 10000;
	int64_t freq = div_out((int64_t)s->freq * 1000, 65536);
	int64_t tick = div_out(((int64_t)s->tick - nominal) * 1000000000,
			       nominal);
	int64_t adj = 0;

	if (s->adjtime_us)
		adj = (s->adjtime_us > 0 ? 1 : -1) * 1000 *
		      (llabs(s->adjtime_us) < MAX_TICKADJ_US ?
		       llabs(s->adjtime_us) : MAX_TICKADJ_US);
	return freq + tick + pll_ppb(s) + adj;
}

bool qf_clock_renew_allowed(int64_t rate_ppb, uint32_t rho_ppm,
			    uint32_t margin_ppm, char *why, size_t len)
{
	int64_t limit = ((int64_t)rho_ppm - margin_ppm) * 1000;
	int64_t mag = rate_ppb < 0 ? -rate_ppb : rate_ppb;

	if (rho_ppm <= margin_ppm) {
		ierr(why, len, "rho_ppm %" PRIu32 " leaves no room above the "
		     "clock margin of %" PRIu32 " ppm", rho_ppm, margin_ppm);
		return false;
	}
	if (mag > limit) {
		ierr(why, len, "the kernel is slewing the clock by %+.3f ppm, "
		     "beyond rho (%" PRIu32 " ppm) minus margin (%" PRIu32
		     " ppm): lease bounds would not hold, renewals stop until "
		     "the time daemon slews slower (chrony: maxslewrate)",
		     (double)rate_ppb / 1000, rho_ppm, margin_ppm);
		return false;
	}
	ierr(why, len, "clock rate adjustment %+.3f ppm within %" PRId64
	     " ppm", (double)rate_ppb / 1000, limit / 1000);
	return true;
}

bool qf_clock_check(uint32_t rho_ppm, uint32_t margin_ppm, int64_t *rate_ppb,
		    char *why, size_t len)
{
	struct qf_clock_sample s;
	int rc = qf_clock_read(&s);

	if (rc) {
		ierr(why, len, "adjtimex: %s: the clock rate is unknown, "
		     "renewals stop", strerror(-rc));
		return false;
	}
	*rate_ppb = qf_clock_rate_ppb(&s);
	return qf_clock_renew_allowed(*rate_ppb, rho_ppm, margin_ppm, why, len);
}
