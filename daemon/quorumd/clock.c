// SPDX-License-Identifier: MIT
/*
 * Clock guard (design.md §2, stated assumptions): every clock advances at a
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

/* The guard's verdict now: true if the rate is within ρ, else why. */
static bool verdict(struct qd *d, int64_t *rate, char *why, size_t len)
{
	struct qf_clock_sample s;

	*rate = 0;
	if (qd_clock_read(&s)) {
		snprintf(why, len, "adjtimex failed: the rate is unknown");
		return false;
	}
	*rate = qf_clock_rate_ppb(&s);
	return qf_clock_renew_allowed(*rate, timing_guard_rho(d), 0, why,
				      len);
}

bool clock_ok_to_renew(struct qd *d)
{
	char why[256];
	int64_t rate;
	bool ok = verdict(d, &rate, why, sizeof(why));

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

/*
 * design.md rule 10: the verdict binds the core in every role, before each
 * tick: a leader on a bad clock grants nothing, commits no NODE_FENCED and
 * steps down; no node campaigns or accepts a grant on one.
 */
void clock_guard_tick(struct qd *d, qf_ns now)
{
	char why[256];
	int64_t rate;
	bool ok = verdict(d, &rate, why, sizeof(why));
	bool was_leader = d->raft.state == QF_LEADER;

	qf_raft_clock_guard(&d->raft, now, ok);
	if (was_leader && d->raft.state != QF_LEADER)
		LOG(ERR, "CLOCK GUARD: STEPPING DOWN as leader of term %" PRIu64
		    ", no grants and no fence decisions on this clock "
		    "(design.md rule 10): %s", d->raft.term, why);
	else if (!ok && !d->clock_bad)
		LOG(ERR, "CLOCK GUARD: no renewals, grants, fence decisions or "
		    "campaigns on this clock (design.md rule 10): %s", why);
	else if (ok && d->clock_bad)
		LOG(WARN, "clock guard: rate within rho again (%+.3f ppm)",
		    rate / 1000.0);
	d->clock_bad = !ok;	/* quorumctl status: clock-bad */
}
