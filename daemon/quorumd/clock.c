// SPDX-License-Identifier: MIT
/*
 * Clock guard (DESIGN §2, stated assumptions): every clock advances at a
 * rate within ρ while the node runs, the kernel's own slewing included.
 * Before every renew the daemon asks the infra clock guard
 * (daemon/infra/clockguard.h: adjtimex frequency, tick, PLL and adjtime
 * slews) and refuses to renew, loudly, while the kernel adjusts
 * CLOCK_BOOTTIME's rate by more than ρ: a lease measured by such a clock
 * would no longer end when the cluster believes it does.
 */
#include <inttypes.h>

#include "clockguard.h"
#include "quorumd.h"

/* Replaceable by tests. */
int (*qd_clock_read)(struct qf_clock_sample *s) = qf_clock_read;

bool clock_ok_to_renew(struct qd *d)
{
	struct qf_clock_sample s;
	char why[256];
	int64_t rate = 0;
	bool ok;
	int rc;

	rc = qd_clock_read(&s);
	if (rc) {
		snprintf(why, sizeof(why), "adjtimex failed: the rate is unknown");
		ok = false;
	} else {
		rate = qf_clock_rate_ppb(&s);
		ok = qf_clock_renew_allowed(rate, d->conf.timing.rho_ppm, 0,
					    why, sizeof(why));
	}
	if (!ok) {
		d->renew_refused_clock++;
		if (!d->clock_bad || d->renew_refused_clock % 50 == 1)
			LOG(ERR, "CLOCK GUARD: REFUSING TO RENEW the lease: %s",
			    why);
		d->clock_bad = true;
		return false;
	}
	if (d->clock_bad)
		LOG(WARN, "clock guard: rate within rho again (%+.3f ppm), "
		    "renewing", rate / 1000.0);
	d->clock_bad = false;
	return true;
}
