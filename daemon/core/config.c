// SPDX-License-Identifier: MIT
/*
 * Timing configuration (DESIGN §2 liveness rule, rule 5; §5 defaults).
 */
#include <stdio.h>

#include "config.h"
#include "mutation.h"
#include "raft.h"

#define PPM 1000000ULL
#define MAX_LEASE (600000ULL * QF_MS)	/* kernel: QFENCE_MAX_LEASE_MS_LIMIT */
#define MAX_RHO_PPM 100000U		/* 10 %: beyond, no clock is trusted */

void qf_timing_default(struct qf_timing *t)
{
	*t = (struct qf_timing){
		.heartbeat = 100 * QF_MS,
		.election_min = 400 * QF_MS,
		.election_max = 800 * QF_MS,
		.lease = 1500 * QF_MS,
		.settle = 1000 * QF_MS,
		.rho_ppm = 1000,
		.margin = 100 * QF_MS,
		.fence_after = 1500 * QF_MS,
	};
}

void qf_timing_fast(struct qf_timing *t)
{
	*t = (struct qf_timing){
		.heartbeat = 50 * QF_MS,
		.election_min = 150 * QF_MS,
		.election_max = 300 * QF_MS,
		.lease = 500 * QF_MS,
		.settle = 300 * QF_MS,
		.rho_ppm = 1000,
		.margin = 50 * QF_MS,
		.fence_after = 500 * QF_MS,
	};
}

/*
 * Rule 5: W = (L + F)(1+ρ)/(1−ρ), rounded up, on the deciding leader's
 * clock: the fenced node's lease (L on its clock, at most L/(1−ρ) real)
 * plus its settle time F (real), seen through a clock up to 1+ρ fast.
 */
qf_ns qf_timing_wait_derived(const struct qf_timing *t)
{
	unsigned __int128 lf = (unsigned __int128)t->lease + t->settle;

	if (QF_MUTATED(QF_MUT_W_WITHOUT_DRIFT))
		return (qf_ns)lf;
	if (t->rho_ppm >= PPM)
		return UINT64_MAX;
	lf *= PPM + t->rho_ppm;
	return (qf_ns)((lf + (PPM - t->rho_ppm) - 1) / (PPM - t->rho_ppm));
}

qf_ns qf_timing_wait(const struct qf_timing *t)
{
	return t->wait ? t->wait : qf_timing_wait_derived(t);
}

#define MS(x) ((unsigned long long)((x) / QF_MS))
#define REFUSE(...) do { snprintf(why, len, __VA_ARGS__); return -1; } while (0)

static int validate_raft(const struct qf_timing *t, char *why, size_t len)
{
	if (t->heartbeat == 0)
		REFUSE("heartbeat must be > 0");
	if (t->election_min < 2 * t->heartbeat)
		REFUSE("election timeout minimum (%llu ms) must be at least two heartbeats (%llu ms)",
		       MS(t->election_min), 2 * MS(t->heartbeat));
	if (t->election_max <= t->election_min)
		REFUSE("election timeout maximum (%llu ms) must exceed the minimum (%llu ms): the randomization avoids split votes",
		       MS(t->election_max), MS(t->election_min));
	return 0;
}

static int validate_lease(const struct qf_timing *t, char *why, size_t len)
{
	if (t->lease == 0 || t->lease > MAX_LEASE)
		REFUSE("lease L must be in (0, 600000] ms (the kernel's limit)");
	if (t->settle == 0)
		REFUSE("fence settle time F must be > 0: it is the bound on IO after expiry (DESIGN §2)");
	if (t->rho_ppm == 0 || t->rho_ppm > MAX_RHO_PPM)
		REFUSE("clock rate bound rho must be in [1, %u] ppm (no clock is exact; slewing counts)",
		       MAX_RHO_PPM);
	if (t->margin == 0)
		REFUSE("round-trip margin must be > 0");
	/* Liveness rule: a leader crash must not let healthy leases lapse. */
	if (t->election_max + t->heartbeat + t->margin >= t->lease)
		REFUSE("liveness rule broken: largest election timeout %llu ms + heartbeat %llu ms + margin %llu ms must be < lease %llu ms, or a leader crash fences healthy nodes",
		       MS(t->election_max), MS(t->heartbeat),
		       MS(t->margin), MS(t->lease));
	return 0;
}

static int validate_fence(const struct qf_timing *t, char *why, size_t len)
{
	qf_ns w = qf_timing_wait_derived(t);

	/* Safety inequality of rule 5. */
	if (t->wait && t->wait < w)
		REFUSE("safety inequality broken: fence wait W %llu ms is below (L+F)(1+rho)/(1-rho) = %llu ms",
		       MS(t->wait), MS(w + QF_MS - 1));
	if (t->fence_after && t->fence_after < t->lease)
		REFUSE("fence_after %llu ms must be 0 (off) or >= lease %llu ms: a member is declared lost only once its lease would have lapsed",
		       MS(t->fence_after), MS(t->lease));
	return 0;
}

int qf_timing_validate(const struct qf_timing *t, char *why, size_t len)
{
	char dummy[1];

	if (!why || len == 0) {
		why = dummy;
		len = sizeof(dummy);
	}
	if (validate_raft(t, why, len) || validate_lease(t, why, len) ||
	    validate_fence(t, why, len))
		return -1;
	snprintf(why, len, "ok: W = %llu ms",
		 (unsigned long long)((qf_timing_wait(t) + QF_MS - 1) / QF_MS));
	return 0;
}
