// SPDX-License-Identifier: MIT
/*
 * Tests of clockguard.c: the rate arithmetic and the renew decision as
 * tables (boundaries included), and one read of the real adjtimex.
 */
#include <stdio.h>
#include <unistd.h>

#include "../clockguard.h"
#include "unit.h"

#define PPM16(x) ((long)((x) * 65536L))	/* ppm in adjtimex freq units */
#define S(f, t, hz, ...) { .freq = (f), .tick = (t), .user_hz = (hz), __VA_ARGS__ }

static void clock_rate_table(void)
{
	static const struct {
		const char *desc;
		struct qf_clock_sample s;
		int64_t ppb;
	} cases[] = {
		{ "idle", S(0, 10000, 100), 0 },
		{ "freq +500 ppm", S(PPM16(500), 10000, 100), 500000 },
		{ "freq -12.5 ppm", S(-PPM16(12) - 32768, 10000, 100), -12500 },
		/* 1 unit = 1000/65536 ppb = 0.015 ppb: rounded away from 0 */
		{ "freq 1 unit", S(1, 10000, 100), 1 },
		{ "tick +1 us of 10000", S(0, 10001, 100), 100000 },
		{ "tick -10 us", S(0, 9990, 100), -1000000 },
		{ "USER_HZ 1000", S(0, 1001, 1000), 1000000 },
		{ "tick and freq cancel", S(-PPM16(600), 10010, 100), 400000 },
		/* 0.5 s PLL offset in us, constant 2: 5e8 ns >> 4 per s */
		{ "pll us", S(0, 10000, 100, .offset = 500000, .constant = 2), 31250000 },
		{ "pll ns", S(0, 10000, 100, .offset = -4000, .nano = true), -1000 },
		{ "pll constant clamp", S(0, 10000, 100, .offset = 4096000, .nano = true,
					       .constant = 30), 1000 },
		{ "adjtime pending", S(0, 10000, 100, .adjtime_us = 100000),
		  500000 },
		{ "adjtime tail", S(0, 10000, 100, .adjtime_us = -120), -120000 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int64_t r = qf_clock_rate_ppb(&cases[i].s);

		UT_ASSERTF(r == cases[i].ppb, "%s: %lld ppb, expected %lld",
			   cases[i].desc, (long long)r,
			   (long long)cases[i].ppb);
	}
}

static void clock_renew_decision_table(void)
{
	static const struct {
		int64_t ppb;
		uint32_t rho, margin;
		bool ok;
	} cases[] = {
		{ 0, 1000, 100, true },
		{ 900000, 1000, 100, true },		/* exactly the limit */
		{ 900001, 1000, 100, false },
		{ -900000, 1000, 100, true },
		{ -900001, 1000, 100, false },
		{ 83333000, 1000, 100, false },		/* chrony's default */
		{ 500000, 500, 0, true },
		{ 0, 100, 100, false },			/* no room at all */
		{ 0, 50, 100, false },
	};
	char why[300];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		bool ok = qf_clock_renew_allowed(cases[i].ppb, cases[i].rho,
						 cases[i].margin, why,
						 sizeof(why));

		UT_ASSERTF(ok == cases[i].ok, "case %zu (%lld ppb): %s", i,
			   (long long)cases[i].ppb, why);
	}
}

static void clock_refusal_says_why(void)
{
	struct qf_clock_sample s = S(PPM16(500), 10000, 100,
					       .adjtime_us = 1000000);
	char why[300];

	/* A 500 ppm frequency plus a pending adjtime() slew: 1000 ppm. */
	UT_EQ(qf_clock_rate_ppb(&s), 1000000);
	UT_ASSERT(!qf_clock_renew_allowed(qf_clock_rate_ppb(&s), 1000, 100,
					  why, sizeof(why)));
	UT_CONTAINS(why, "+1000.000 ppm");
	UT_CONTAINS(why, "maxslewrate");
	UT_ASSERT(!qf_clock_renew_allowed(0, 100, 100, why, sizeof(why)));
	UT_CONTAINS(why, "no room");
}

/* The real kernel, read-only: the values are sane and the guard answers. */
static void clock_real_adjtimex(void)
{
	struct qf_clock_sample s;
	char why[300];
	int64_t rate = 0, nominal;

	UT_EQ(qf_clock_read(&s), 0);
	UT_EQ(s.user_hz, sysconf(_SC_CLK_TCK));
	nominal = 1000000 / s.user_hz;
	/* The kernel keeps tick within 10 % of nominal. */
	UT_ASSERTF(s.tick * 10 >= nominal * 9 && s.tick * 10 <= nominal * 11,
		   "tick %ld", s.tick);
	/* |freq| <= 500 ppm (MAXFREQ) */
	UT_ASSERTF(s.freq >= -PPM16(500) && s.freq <= PPM16(500), "freq %ld",
		   s.freq);
	/* The combined check decides as the pure function does on its rate. */
	{
		bool ok = qf_clock_check(1000, 100, &rate, why, sizeof(why));
		char why2[300];

		UT_ASSERT(why[0]);
		UT_EQ(ok, qf_clock_renew_allowed(rate, 1000, 100, why2,
						 sizeof(why2)));
		/* freq (<= 500 ppm) + tick (<= 10 %) + slews: bounded */
		UT_ASSERTF(rate > -200000000 && rate < 200000000, "%lld ppb",
			   (long long)rate);
	}
}

const struct ut_case clock_cases[] = {
	{ "clock_rate_table", clock_rate_table },
	{ "clock_renew_decision_table", clock_renew_decision_table },
	{ "clock_refusal_says_why", clock_refusal_says_why },
	{ "clock_real_adjtimex", clock_real_adjtimex },
	{ NULL, NULL },
};
