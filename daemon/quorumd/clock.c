// SPDX-License-Identifier: MIT
/*
 * Clock guard (DESIGN §2, stated assumptions): every clock advances at a
 * rate within ρ while the node runs, the kernel's own slewing included.
 * Before every renew the daemon reads the kernel's frequency correction
 * and tick length with adjtimex(2) and refuses to renew, loudly, while
 * together they adjust CLOCK_BOOTTIME's rate by more than ρ: a lease
 * measured by a clock running faster or slower than ρ allows would no
 * longer end when the cluster believes it does.
 *
 * (daemon/infra/clockguard.c is meant to hold this; until it does, the
 * daemon keeps its own copy here.)
 */
#include <inttypes.h>
#include <stdlib.h>
#include <sys/timex.h>
#include <unistd.h>

#include "quorumd.h"

/* freq: 2^-16 ppm units; tick: µs per clock tick of user_hz. */
void qd_clock_judge(long freq, long tick, long user_hz, uint32_t rho_ppm,
		    struct qd_clock_verdict *v)
{
	long nominal = 1000000L / user_hz;

	v->freq_ppm_x1000 = (int64_t)freq * 1000 / 65536;
	v->tick_ppm_x1000 = (int64_t)(tick - nominal) * 1000000000LL / nominal;
	v->total_ppm_x1000 = v->freq_ppm_x1000 + v->tick_ppm_x1000;
	v->ok = llabs(v->total_ppm_x1000) <= (int64_t)rho_ppm * 1000;
}

/* Replaceable by tests. */
int (*qd_adjtimex)(struct timex *tx) = adjtimex;

bool clock_ok_to_renew(struct qd *d)
{
	struct timex tx = { 0 };
	struct qd_clock_verdict v;

	if (qd_adjtimex(&tx) < 0) {
		LOG(ERR, "clock guard: adjtimex failed: refusing to renew");
		d->renew_refused_clock++;
		d->clock_bad = true;
		return false;
	}
	qd_clock_judge(tx.freq, tx.tick, sysconf(_SC_CLK_TCK),
		       d->conf.timing.rho_ppm, &v);
	if (!v.ok) {
		d->renew_refused_clock++;
		if (!d->clock_bad || d->renew_refused_clock % 50 == 1)
			LOG(ERR, "CLOCK GUARD: the kernel adjusts the clock "
			    "rate by %+.3f ppm (frequency %+.3f, tick %+.3f), "
			    "beyond rho = %" PRIu32 " ppm: REFUSING TO RENEW "
			    "the lease. Cap the time daemon's slew rate "
			    "(chrony: maxslewrate)",
			    v.total_ppm_x1000 / 1000.0,
			    v.freq_ppm_x1000 / 1000.0,
			    v.tick_ppm_x1000 / 1000.0, d->conf.timing.rho_ppm);
		d->clock_bad = true;
		return false;
	}
	if (d->clock_bad)
		LOG(WARN, "clock guard: rate within rho again (%+.3f ppm), "
		    "renewing", v.total_ppm_x1000 / 1000.0);
	d->clock_bad = false;
	return true;
}
