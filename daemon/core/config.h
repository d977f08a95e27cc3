/* SPDX-License-Identifier: MIT */
/*
 * qfence Raft core: timing configuration and its validation (design.md §2
 * liveness rule and rule 5, defaults and fast profile of design.md §5).
 */
#ifndef QF_CORE_CONFIG_H
#define QF_CORE_CONFIG_H

#include "msg.h"

#define QF_MS	1000000ULL	/* ns per ms */

/* The flapping guard's defaults and limit (design.md §2.11; struct
 * qf_config's flap_max, flap_window_s). */
#define QF_FLAP_MAX_DEFAULT	3
#define QF_FLAP_MAX_LIMIT	255	/* auto_joins is one byte */
#define QF_FLAP_WINDOW_DEFAULT	3600	/* s: one hour */

/* The kernel's limits (kmod/uapi/qfence.h: QFENCE_MAX_LEASE_MS_LIMIT and
 * QFENCE_DELAY_MS_LIMIT); the core does not include the uapi header, a
 * unit test of the infra side checks that the numbers agree. */
#define QF_KERNEL_MAX_LEASE	(600000ULL * QF_MS)
#define QF_KERNEL_MAX_SETTLE	(600000ULL * QF_MS)

struct qf_timing {
	qf_ns heartbeat;	/* one lease round every heartbeat */
	qf_ns election_min;	/* election timeout, randomized in [min, max) */
	qf_ns election_max;
	qf_ns lease;		/* L, on the holder's clock */
	qf_ns settle;		/* F, fence settle time (real time bound) */
	uint32_t rho_ppm;	/* ρ, clock rate error bound, ppm */
	qf_ns margin;		/* round-trip margin of the liveness rule */
	qf_ns fence_after;	/* silence before a leader proposes NODE_FENCED
				 * for a member; 0 = never automatically */
	qf_ns wait;		/* W; 0 = derived (L+F)(1+ρ)/(1−ρ); an explicit
				 * value below the derived one is refused */
};

/* design.md §5: heartbeat 100, election 400..800, L 1500, F 1000, ρ 1000 ppm. */
void qf_timing_default(struct qf_timing *t);
/* design.md §5 fast profile: 50, 150..300, L 500, F 300, ρ 1000 ppm. */
void qf_timing_fast(struct qf_timing *t);

/*
 * design.md rule 9: a digest of everything the rules compute with (heartbeat,
 * election bounds, margin, L, F, ρ and W; not fence_after, a leader's own
 * policy). Nodes act only on messages with their own digest. Never 0.
 */
uint32_t qf_timing_digest(const struct qf_timing *t);

/* W = (L+F)(1+ρ)/(1−ρ), rounded up; or t->wait when set. */
qf_ns qf_timing_wait(const struct qf_timing *t);
/* The derived W alone, ignoring t->wait. */
qf_ns qf_timing_wait_derived(const struct qf_timing *t);

/*
 * The one timing validator of the project (config loader, --check-config,
 * core init, simulator). 0 if the timing is usable; otherwise -1 and a
 * sentence in why[len] explaining which rule it breaks (liveness:
 * (election_max + heartbeat + margin)(1+ρ)/(1−ρ) < L; safety: W >=
 * (L+F)(1+ρ)/(1−ρ); 0 < ρ < 10 %; F > 0; L and F within the kernel's
 * limits, L + 1 ms being the lease's max_lease_ms).
 */
int qf_timing_validate(const struct qf_timing *t, char *why, size_t len);

/*
 * The recorded form of a timing (whole ms, W rounded up) and back: W reads
 * back as derived when the record's wait_ms is the derived W rounded up,
 * else as that explicit value. fence_after is not recorded (0 back).
 * A timing survives the round trip (same digest) iff its values are whole
 * milliseconds; the committed timing change requires it (design.md §2.10).
 */
void qf_timing_to_rec(const struct qf_timing *t, struct qf_timing_rec *rec);
void qf_timing_from_rec(const struct qf_timing_rec *rec, struct qf_timing *t);
/*
 * The cover of two timings (design.md §2.10): what a node runs while a
 * timing change is in progress. Leases no longer than either (L = min),
 * elections and heartbeats no slower than either (min), the settle bound,
 * ρ and the round-trip margin of the larger (max), and W = max(W_a, W_b,
 * (L_max + F_max)(1+ρ_max)/(1-ρ_max)) explicit. fence_after: the larger
 * of a's and the longer lease.
 */
void qf_timing_cover(const struct qf_timing *a, const struct qf_timing *b,
		     struct qf_timing *out);

#endif /* QF_CORE_CONFIG_H */
