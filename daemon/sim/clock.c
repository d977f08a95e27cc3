// SPDX-License-Identifier: MIT
/*
 * Node clocks. Each node's local clock is piecewise linear in virtual real
 * time: from an anchor (boot, or the last rate change) it advances by
 * (1 + drift) per real nanosecond, |drift| <= rho. Rate changes model the
 * kernel's own slewing (design.md §2: rho includes NTP/chrony slew), so a node's
 * rate may move anywhere inside the bound at any moment.
 */
#include "sim.h"

#define PPB 1000000000LL

void clock_boot(struct sim_clock *c, int64_t real, int64_t local0,
		int64_t drift_ppb)
{
	c->anchor_real = real;
	c->anchor_local = local0;
	c->drift_ppb = drift_ppb;
}

static int64_t floor_div(__int128 a, int64_t b)
{
	__int128 q = a / b;

	if ((a % b != 0) && ((a < 0) != (b < 0)))
		q--;
	return (int64_t)q;
}

int64_t clock_local(const struct sim_clock *c, int64_t real)
{
	int64_t e = real - c->anchor_real;

	return c->anchor_local + e + floor_div((__int128)e * c->drift_ppb, PPB);
}

/*
 * The first real time at which the local clock reads at least `local`,
 * assuming the current rate holds. Callers reschedule on a rate change.
 */
int64_t clock_real_at(const struct sim_clock *c, int64_t local)
{
	int64_t delta = local - c->anchor_local;
	int64_t e;

	if (delta <= 0)
		return c->anchor_real + delta; /* in the past; rate irrelevant */
	e = (int64_t)(((__int128)delta * PPB + (PPB + c->drift_ppb) - 1) /
		      (PPB + c->drift_ppb));
	while (e > 0 && clock_local(c, c->anchor_real + e - 1) >= local)
		e--;
	while (clock_local(c, c->anchor_real + e) < local)
		e++;
	return c->anchor_real + e;
}

void clock_set_drift(struct sim_clock *c, int64_t real, int64_t drift_ppb)
{
	c->anchor_local = clock_local(c, real);
	c->anchor_real = real;
	c->drift_ppb = drift_ppb;
}
