// SPDX-License-Identifier: MIT
/* clock.c: the clock guard's judgement of adjtimex values. */
#include "quorumd.h"
#include "test.h"

#define PPM(x) ((long)(x) * 65536L)	/* adjtimex freq units */

static void judge(void)
{
	struct qd_clock_verdict v;

	qd_clock_judge(0, 10000, 100, 1000, &v);
	CHECK(v.ok && v.total_ppm_x1000 == 0);
	qd_clock_judge(PPM(1000), 10000, 100, 1000, &v);
	CHECK(v.ok);			/* exactly rho: allowed */
	qd_clock_judge(PPM(1000) + 65536 / 100, 10000, 100, 1000, &v);
	CHECK(!v.ok);			/* 1000.01 ppm: refused */
	qd_clock_judge(-PPM(1001), 10000, 100, 1000, &v);
	CHECK(!v.ok);			/* slowing counts too */
	/* chrony slews by the tick: one µs per 10 ms tick = 100 ppm */
	qd_clock_judge(0, 10001, 100, 1000, &v);
	CHECK(v.ok && v.tick_ppm_x1000 == 100000);
	qd_clock_judge(0, 10011, 100, 1000, &v);
	CHECK(!v.ok && v.total_ppm_x1000 == 1100000);
	/* frequency and tick add up */
	qd_clock_judge(PPM(950), 10001, 100, 1000, &v);
	CHECK(!v.ok);
	qd_clock_judge(PPM(950), 9999, 100, 1000, &v);
	CHECK(v.ok);
}

const struct t_case t_clock[] = {
	{ "clock/judge_rate_vs_rho", judge },
	{ 0 }
};
