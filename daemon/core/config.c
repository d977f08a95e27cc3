// SPDX-License-Identifier: MIT
/*
 * Timing configuration (design.md §2 liveness rule, rule 5; §5 defaults).
 */
#include <stdio.h>

#include "config.h"
#include "mutation.h"
#include "raft.h"

#define PPM 1000000ULL
#define MAX_RHO_PPM 100000U		/* 10 %: from here no clock is trusted */

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

/* FNV-1a over the values in a fixed order, 64-bit each. */
uint32_t qf_timing_digest(const struct qf_timing *t)
{
	const uint64_t v[] = {
		t->heartbeat, t->election_min, t->election_max, t->margin,
		t->lease, t->settle, t->rho_ppm, qf_timing_wait(t),
	};
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		for (int b = 0; b < 64; b += 8) {
			h ^= (uint8_t)(v[i] >> b);
			h *= 16777619u;
		}
	return h ? h : 1;
}

#define MS(x) ((unsigned long long)((x) / QF_MS))
#define REFUSE(...) do { snprintf(why, len, __VA_ARGS__); return -1; } while (0)

/* x·(1+ρ)/(1−ρ), rounded up: a duration on one clock, bounded on another. */
static qf_ns stretch(qf_ns x, uint32_t rho_ppm)
{
	unsigned __int128 n = (unsigned __int128)x * (PPM + rho_ppm);

	return (qf_ns)((n + (PPM - rho_ppm) - 1) / (PPM - rho_ppm));
}

static int validate_raft(const struct qf_timing *t, char *why, size_t len)
{
	if (t->heartbeat == 0 || t->margin == 0)
		REFUSE("heartbeat_ms and margin_ms must be above 0");
	if (t->election_min < 2 * t->heartbeat)
		REFUSE("election_min_ms (%llu) is below two heartbeats (%llu): a follower would start an election after one late heartbeat",
		       MS(t->election_min), 2 * MS(t->heartbeat));
	if (t->election_max <= t->election_min)
		REFUSE("election timeout maximum election_max_ms (%llu) must be above election_min_ms (%llu): the timeout is randomized in between so that candidates do not split the vote forever",
		       MS(t->election_max), MS(t->election_min));
	return 0;
}

/*
 * What the kernel accepts (kmod/uapi/qfence.h, checked by kmod/policy.c):
 * the daemon creates its lease with max_lease_ms = L + 1 ms, so L itself
 * stops 1 ms short of the limit, and settle_ms is 1..DELAY_MS_LIMIT. A
 * timing the kernel would refuse at start is refused here, with the reason.
 */
static int validate_kernel(const struct qf_timing *t, char *why, size_t len)
{
	if (t->lease == 0 || t->lease + QF_MS > QF_KERNEL_MAX_LEASE)
		REFUSE("lease_ms must be in 1..%llu: the kernel's max_lease_ms (lease_ms + 1) is at most %llu (QFENCE_MAX_LEASE_MS_LIMIT)",
		       MS(QF_KERNEL_MAX_LEASE) - 1, MS(QF_KERNEL_MAX_LEASE));
	if (t->settle == 0)
		REFUSE("settle_ms = 0 claims that IO stops the instant the lease expires; F must cover in-flight IO (design.md §2), the module enforces it (default 1000)");
	if (t->settle > QF_KERNEL_MAX_SETTLE)
		REFUSE("settle_ms must be in 1..%llu (the kernel's QFENCE_DELAY_MS_LIMIT)",
		       MS(QF_KERNEL_MAX_SETTLE));
	return 0;
}

static int validate_lease(const struct qf_timing *t, char *why, size_t len)
{
	qf_ns live, need;

	if (t->rho_ppm == 0 || t->rho_ppm >= MAX_RHO_PPM)
		REFUSE("rho_ppm = %u: rho bounds every clock's rate error including NTP slewing (design.md §2); 0 claims perfect clocks and %u (10%%) or more makes every bound meaningless; use 1000 and cap the time daemon's slew rate",
		       t->rho_ppm, MAX_RHO_PPM);
	/*
	 * Liveness rule: a leader crash must not let healthy leases lapse. A
	 * follower's election timeout runs on its clock, the leases it must
	 * outlive on others', hence the stretch by the drift factor.
	 */
	live = t->election_max + t->heartbeat + t->margin;
	/* rounded up to a whole ms, as the loader always did (the stricter) */
	need = (stretch(live, t->rho_ppm) + QF_MS - 1) / QF_MS * QF_MS;
	if (need >= t->lease)
		REFUSE("liveness: election_max_ms + heartbeat_ms + margin_ms = %llu ms (%llu ms with clock error rho) is not shorter than lease_ms = %llu: after a leader crash healthy followers' leases would lapse before a new leader grants, and a lapse fences them (rule 7); raise lease_ms above %llu or lower the election timeout (design.md §2 liveness rule)",
		       MS(live), MS(need), MS(t->lease), MS(need));
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

/*
 * The one timing validator (design.md §2 liveness rule, rule 5, and the
 * kernel's limits): the config loader, quorumd --check-config, the core's
 * init and the simulator all call this, so they agree on what runs.
 */
int qf_timing_validate(const struct qf_timing *t, char *why, size_t len)
{
	char dummy[1];

	if (!why || len == 0) {
		why = dummy;
		len = sizeof(dummy);
	}
	if (validate_raft(t, why, len) || validate_kernel(t, why, len) ||
	    validate_lease(t, why, len) || validate_fence(t, why, len))
		return -1;
	snprintf(why, len, "ok: W = %llu ms", MS(qf_timing_wait(t) + QF_MS - 1));
	return 0;
}

void qf_timing_to_rec(const struct qf_timing *t, struct qf_timing_rec *rec)
{
	*rec = (struct qf_timing_rec){
		.heartbeat_ms = (uint32_t)(t->heartbeat / QF_MS),
		.election_min_ms = (uint32_t)(t->election_min / QF_MS),
		.election_max_ms = (uint32_t)(t->election_max / QF_MS),
		.margin_ms = (uint32_t)(t->margin / QF_MS),
		.lease_ms = (uint32_t)(t->lease / QF_MS),
		.settle_ms = (uint32_t)(t->settle / QF_MS),
		.rho_ppm = t->rho_ppm,
		.wait_ms = (uint32_t)((qf_timing_wait(t) + QF_MS - 1) / QF_MS),
	};
}

void qf_timing_from_rec(const struct qf_timing_rec *rec, struct qf_timing *t)
{
	*t = (struct qf_timing){
		.heartbeat = rec->heartbeat_ms * QF_MS,
		.election_min = rec->election_min_ms * QF_MS,
		.election_max = rec->election_max_ms * QF_MS,
		.margin = rec->margin_ms * QF_MS,
		.lease = rec->lease_ms * QF_MS,
		.settle = rec->settle_ms * QF_MS,
		.rho_ppm = rec->rho_ppm,
	};
	if ((qf_timing_wait_derived(t) + QF_MS - 1) / QF_MS != rec->wait_ms)
		t->wait = rec->wait_ms * QF_MS;
}

static qf_ns min_ns(qf_ns a, qf_ns b)
{
	return a < b ? a : b;
}

static qf_ns max_ns(qf_ns a, qf_ns b)
{
	return a > b ? a : b;
}

void qf_timing_cover(const struct qf_timing *a, const struct qf_timing *b,
		     struct qf_timing *out)
{
	struct qf_timing big = {
		.lease = max_ns(a->lease, b->lease),
		.settle = max_ns(a->settle, b->settle),
		.rho_ppm = a->rho_ppm > b->rho_ppm ? a->rho_ppm : b->rho_ppm,
	};
	qf_ns w = max_ns(qf_timing_wait(a), qf_timing_wait(b));

	*out = (struct qf_timing){
		.heartbeat = min_ns(a->heartbeat, b->heartbeat),
		.election_min = min_ns(a->election_min, b->election_min),
		.election_max = min_ns(a->election_max, b->election_max),
		.lease = min_ns(a->lease, b->lease),
		.settle = big.settle,
		.rho_ppm = big.rho_ppm,
		.margin = max_ns(a->margin, b->margin),
		.fence_after = a->fence_after ?
			       max_ns(a->fence_after, big.lease) : 0,
		/* every lease of the transition: <= L_max on a clock within
		 * rho_max, settled within F_max (design.md §2.10) */
		.wait = max_ns(w, qf_timing_wait_derived(&big)),
	};
}
