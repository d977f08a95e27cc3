// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite qfence_clock: the lease clock's conversions and the timer
 * wait that must not overshoot while CLOCK_BOOTTIME runs slow (clock.h).
 */

#include <kunit/test.h>
#include <linux/ktime.h>
#include <linux/limits.h>

#include "clock.h"

/*
 * A timer for LEFT ns of lease clock, with CLOCK_BOOTTIME running at
 * RATE_PCT percent of the lease clock's rate, waiting as
 * qfence_timer_start() and qfence_timer_due() do. Returns how late
 * (lease clock ns) it acted, 0 if on time; *rounds counts the waits.
 */
static u64 run_timer(u64 left, u64 rate_pct, unsigned int *rounds)
{
	u64 now = 0, at = left;

	*rounds = 0;
	while (now < at) {
		u64 wait = qfence_clock_wait(at - now);

		/* wait ns of CLOCK_BOOTTIME take wait / rate of lease clock */
		now += DIV_ROUND_UP_ULL(wait * 100, rate_pct);
		if (++*rounds > 200)
			return U64_MAX;
	}
	return now - at;
}

/*
 * Rule 6's second line and the settle bound F: the expiry, settle and
 * action timers act no later than their lease clock time (within a
 * quarter of QFENCE_CLOCK_EXACT_NS) for every CLOCK_BOOTTIME rate that
 * adjtimex can set: tick +-10 %, frequency and offset slew on top.
 */
static void qfence_clock_timer_on_time_test(struct kunit *test)
{
	static const u64 rates[] = { 76, 80, 90, 100, 110, 125, 150 };
	static const u64 lefts[] = { 1, 99999, 100000, 100001, 2000000,
				     500000000, 1500000000, 600000000000ULL };
	unsigned int i, j, rounds;

	for (i = 0; i < ARRAY_SIZE(rates); i++) {
		for (j = 0; j < ARRAY_SIZE(lefts); j++) {
			u64 late = run_timer(lefts[j], rates[i], &rounds);

			KUNIT_EXPECT_LE_MSG(test, late,
					    QFENCE_CLOCK_EXACT_NS * 100 /
					    rates[i] - QFENCE_CLOCK_EXACT_NS + 1,
					    "rate %llu%% left %llu", rates[i],
					    lefts[j]);
			KUNIT_EXPECT_LE_MSG(test, rounds, 40u,
					    "rate %llu%% left %llu", rates[i],
					    lefts[j]);
		}
	}
}

/* At 90 % (tick -10 %) a 1.5 s lease acts at most 12 us late, not 167 ms. */
static void qfence_clock_slow_tick_test(struct kunit *test)
{
	unsigned int rounds;

	KUNIT_EXPECT_LE(test, run_timer(1500000000, 90, &rounds), 12000ULL);
	KUNIT_EXPECT_LE(test, qfence_clock_wait(1500000000), 1125000000ULL);
	KUNIT_EXPECT_EQ(test, qfence_clock_wait(QFENCE_CLOCK_EXACT_NS),
			QFENCE_CLOCK_EXACT_NS);
	KUNIT_EXPECT_EQ(test, qfence_clock_wait(0), 0ULL);
}

/* Given deadlines come back as given; none becomes 0 ("none"). */
static void qfence_clock_convert_test(struct kunit *test)
{
	static const s64 offs[] = { 0, 1, -1, 123456789, -123456789,
				    S64_MAX, S64_MIN + 1 };
	static const u64 times[] = { 1, 2, 1000000000ULL, 1ULL << 62,
				     U64_MAX - 1 };
	unsigned int i, j;

	for (i = 0; i < ARRAY_SIZE(offs); i++) {
		KUNIT_EXPECT_EQ(test, qfence_from_boot(0, offs[i]), 0ULL);
		KUNIT_EXPECT_EQ(test, qfence_to_boot(0, offs[i]), 0ULL);
		KUNIT_EXPECT_EQ(test, qfence_from_boot(U64_MAX, offs[i]),
				U64_MAX);
		KUNIT_EXPECT_EQ(test, qfence_to_boot(U64_MAX, offs[i]),
				U64_MAX);
		for (j = 0; j < ARRAY_SIZE(times); j++) {
			u64 q = qfence_from_boot(times[j], offs[i]);

			KUNIT_EXPECT_NE(test, q, 0ULL);
			KUNIT_EXPECT_NE(test, qfence_to_boot(times[j], offs[i]),
					0ULL);
			/* In range, the round trip is exact. */
			if (q != 1 && q != U64_MAX)
				KUNIT_EXPECT_EQ_MSG(test,
						    qfence_to_boot(q, offs[i]),
						    times[j], "off %lld",
						    offs[i]);
		}
	}
	KUNIT_EXPECT_EQ(test, qfence_from_boot(5, 10), 1ULL);
	KUNIT_EXPECT_EQ(test, qfence_from_boot(15, 10), 5ULL);
	KUNIT_EXPECT_EQ(test, qfence_from_boot(15, -10), 25ULL);
	KUNIT_EXPECT_EQ(test, qfence_to_boot(5, 10), 15ULL);
}

/* The clock itself: it runs, and (no slewing here) with CLOCK_BOOTTIME. */
static void qfence_clock_now_test(struct kunit *test)
{
	u64 a = qfence_now();
	s64 off = qfence_boot_offset(a);
	u64 b = qfence_now();
	u64 boot = ktime_get_boottime_ns();
	u64 back = qfence_to_boot(b, off);

	KUNIT_EXPECT_GE(test, b, a);
	KUNIT_EXPECT_LT(test, back > boot ? back - boot : boot - back,
			(u64)NSEC_PER_MSEC);
}

static struct kunit_case qfence_clock_cases[] = {
	KUNIT_CASE(qfence_clock_timer_on_time_test),
	KUNIT_CASE(qfence_clock_slow_tick_test),
	KUNIT_CASE(qfence_clock_convert_test),
	KUNIT_CASE(qfence_clock_now_test),
	{}
};

static struct kunit_suite qfence_clock_suite = {
	.name = "qfence_clock",
	.test_cases = qfence_clock_cases,
};

kunit_test_suite(qfence_clock_suite);
