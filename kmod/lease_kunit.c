// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite qfence_lease: the lease state machine with injected time.
 *
 * Nothing here sleeps or reads a clock: every case states the time it
 * runs at. Cases marked "rule N" fail when design.md §2 rule N is removed
 * from lease.c.
 */

#include <kunit/test.h>
#include <linux/limits.h>
#include <linux/time64.h>

#include "lease.h"

#define MS(x)	((u64)(x) * NSEC_PER_MSEC)
#define T0	(1000 * NSEC_PER_SEC)	/* an arbitrary "now" */
#define GEN	5

static struct qfence_lease *lease_new(struct kunit *test, u32 max_ms,
				      u32 flags)
{
	struct qfence_lease_cfg cfg = {
		.name = "t",
		.generation = GEN,
		.max_lease_ms = max_ms,
		.actions = QFENCE_ACTION_IO,
		.settle_ms = QFENCE_SETTLE_MS_DEFAULT,
		.flags = flags,
	};
	struct qfence_lease *l = kunit_kzalloc(test, sizeof(*l), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, l);
	qfence_lease_init(l, &cfg);
	return l;
}

/* A device (dm target) using @l, with nothing in flight. */
static struct qfence_io *lease_io(struct kunit *test, struct qfence_lease *l)
{
	struct qfence_io *io = kunit_kzalloc(test, sizeof(*io), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, io);
	list_add_tail(&io->node, &l->targets);
	return io;
}

/* What target.c's map() decides for one bio at @now. */
static enum qfence_io_verdict lease_map(struct qfence_lease *l,
					struct qfence_io *io, u64 now)
{
	bool counted = qfence_io_enter(l, io);

	return qfence_io_decide(l, io, counted, now);
}

/* Put a fresh lease into @state; ARMED with @deadline. */
static void lease_force(struct kunit *test, struct qfence_lease *l, int state,
			u64 deadline)
{
	if (state == QFENCE_STATE_DISARMED)
		return;
	KUNIT_ASSERT_EQ(test, qfence_lease_renew(l, deadline - 1, deadline,
						 GEN, NULL), 0);
	if (state == QFENCE_STATE_FENCED)
		KUNIT_ASSERT_EQ(test, qfence_lease_fence(l, deadline - 1), 1);
	KUNIT_ASSERT_EQ(test, l->state, state);
}

/* What registry.c's qfence_fence_kick() does to the lease after a latch. */
static void lease_kick(struct kunit *test, struct qfence_lease *l)
{
	u64 inflight;

	KUNIT_ASSERT_TRUE(test, qfence_lease_kick_begin(l, &inflight));
	qfence_lease_kick_end(l);
}

/* The work (or an unfence) takes the due events: was DRAINED among them? */
static bool lease_drained(struct qfence_lease *l, u64 now)
{
	return qfence_lease_take_events(l, now) & QFENCE_DUE_DRAINED;
}

/*
 * What registry.c does after a latch, with nothing in flight: the kick
 * counts the IO, then the work records the drain.
 */
static void lease_kick_drain(struct kunit *test, struct qfence_lease *l,
			     u64 now)
{
	lease_kick(test, l);
	KUNIT_ASSERT_TRUE(test, lease_drained(l, now));
}

/* ------------------------------------------------------------------ */
/* Renew: arm, extend, shorten, deadline bounds, generation, latch.   */

struct renew_case {
	const char *desc;
	int state;		/* before */
	u64 old_deadline;	/* ARMED/FENCED: the deadline in force */
	u32 max_ms;
	u64 now;
	u64 deadline;
	u64 gen;
	int ret;
	int state_after;
	u64 deadline_after;
};

static const struct renew_case renew_cases[] = {
	{ "disarmed: renew arms", QFENCE_STATE_DISARMED, 0, 1000,
	  T0, T0 + MS(500), GEN, 0, QFENCE_STATE_ARMED, T0 + MS(500) },
	{ "armed: renew extends", QFENCE_STATE_ARMED, T0 + MS(100), 1000,
	  T0, T0 + MS(900), GEN, 0, QFENCE_STATE_ARMED, T0 + MS(900) },
	{ "armed: renew shortens", QFENCE_STATE_ARMED, T0 + MS(900), 1000,
	  T0, T0 + MS(100), GEN, 0, QFENCE_STATE_ARMED, T0 + MS(100) },
	{ "deadline == now refused", QFENCE_STATE_DISARMED, 0, 1000,
	  T0, T0, GEN, -ERANGE, QFENCE_STATE_DISARMED, 0 },
	{ "deadline in the past refused", QFENCE_STATE_ARMED, T0 + MS(10), 1000,
	  T0, T0 - 1, GEN, -ERANGE, QFENCE_STATE_ARMED, T0 + MS(10) },
	{ "deadline 0 refused", QFENCE_STATE_DISARMED, 0, 1000,
	  T0, 0, GEN, -ERANGE, QFENCE_STATE_DISARMED, 0 },
	{ "deadline == now + max_lease_ms accepted", QFENCE_STATE_DISARMED, 0,
	  1000, T0, T0 + MS(1000), GEN, 0, QFENCE_STATE_ARMED, T0 + MS(1000) },
	{ "deadline == now + max_lease_ms + 1ns refused", QFENCE_STATE_DISARMED,
	  0, 1000, T0, T0 + MS(1000) + 1, GEN, -ERANGE,
	  QFENCE_STATE_DISARMED, 0 },
	{ "max_lease_ms at its limit", QFENCE_STATE_DISARMED, 0,
	  QFENCE_MAX_LEASE_MS_LIMIT, T0, T0 + MS(QFENCE_MAX_LEASE_MS_LIMIT),
	  GEN, 0, QFENCE_STATE_ARMED, T0 + MS(QFENCE_MAX_LEASE_MS_LIMIT) },
	{ "u64 overflow: valid deadline near U64_MAX accepted",
	  QFENCE_STATE_DISARMED, 0, 1000, U64_MAX - MS(5), U64_MAX - MS(1),
	  GEN, 0, QFENCE_STATE_ARMED, U64_MAX - MS(1) },
	{ "u64 overflow: deadline U64_MAX within max accepted",
	  QFENCE_STATE_DISARMED, 0, 1000, U64_MAX - MS(5), U64_MAX,
	  GEN, 0, QFENCE_STATE_ARMED, U64_MAX },
	{ "u64 overflow: wrapped now + L is not a future deadline",
	  QFENCE_STATE_DISARMED, 0, 1000, U64_MAX - MS(5), MS(2),
	  GEN, -ERANGE, QFENCE_STATE_DISARMED, 0 },
	{ "u64 overflow: far deadline with now near 0 refused",
	  QFENCE_STATE_DISARMED, 0, 1000, 1, U64_MAX, GEN, -ERANGE,
	  QFENCE_STATE_DISARMED, 0 },
	{ "older generation refused", QFENCE_STATE_ARMED, T0 + MS(100), 1000,
	  T0, T0 + MS(500), GEN - 1, -ESTALE, QFENCE_STATE_ARMED, T0 + MS(100) },
	{ "newer generation refused", QFENCE_STATE_DISARMED, 0, 1000,
	  T0, T0 + MS(500), GEN + 1, -ESTALE, QFENCE_STATE_DISARMED, 0 },
	{ "rule 7: fenced refuses a valid renew", QFENCE_STATE_FENCED,
	  T0 + MS(100), 1000, T0, T0 + MS(500), GEN, -ECANCELED,
	  QFENCE_STATE_FENCED, T0 + MS(100) },
	{ "rule 7: renew at the deadline latches, never extends",
	  QFENCE_STATE_ARMED, T0, 1000, T0, T0 + MS(500), GEN, -ECANCELED,
	  QFENCE_STATE_FENCED, T0 },
	{ "rule 7: renew after expiry (timer not fired) latches",
	  QFENCE_STATE_ARMED, T0 - MS(300), 1000, T0, T0 + MS(500), GEN,
	  -ECANCELED, QFENCE_STATE_FENCED, T0 - MS(300) },
	{ "rule 7: late renew with a bad generation still latches",
	  QFENCE_STATE_ARMED, T0 - 1, 1000, T0, T0 + MS(500), GEN + 1,
	  -ECANCELED, QFENCE_STATE_FENCED, T0 - 1 },
};

static void renew_desc(const struct renew_case *c, char *desc)
{
	strscpy(desc, c->desc, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(renew, renew_cases, renew_desc);

static void qfence_lease_renew_test(struct kunit *test)
{
	const struct renew_case *c = test->param_value;
	struct qfence_lease *l = lease_new(test, c->max_ms, 0);
	struct netlink_ext_ack extack = {};
	u64 renewals;

	lease_force(test, l, c->state, c->old_deadline);
	renewals = l->renewals;

	KUNIT_EXPECT_EQ(test, qfence_lease_renew(l, c->now, c->deadline, c->gen,
						 &extack), c->ret);
	KUNIT_EXPECT_EQ(test, l->state, c->state_after);
	KUNIT_EXPECT_EQ(test, l->deadline_ns, c->deadline_after);
	KUNIT_EXPECT_EQ(test, l->cfg.generation, (u64)GEN);
	if (c->ret) {
		KUNIT_EXPECT_NOT_NULL(test, extack._msg);
		KUNIT_EXPECT_EQ(test, l->renewals, renewals);
	} else {
		KUNIT_EXPECT_EQ(test, l->renewals, renewals + 1);
	}
	if (c->state != QFENCE_STATE_FENCED &&
	    c->state_after == QFENCE_STATE_FENCED) {
		KUNIT_EXPECT_EQ(test, l->fence_reason, (u32)QFENCE_REASON_EXPIRED);
		KUNIT_EXPECT_EQ(test, l->fenced_ns, c->now);
		KUNIT_EXPECT_TRUE(test, test_bit(QFENCE_LF_FENCE_KICK, &l->flags));
	}
}

/* ------------------------------------------------------------------ */
/* Expiry (the timer's view) and the latch.                            */

struct expire_case {
	const char *desc;
	int state;
	u64 deadline;
	u64 now;
	bool latched;
	int state_after;
};

static const struct expire_case expire_cases[] = {
	{ "before the deadline: still armed", QFENCE_STATE_ARMED, T0 + 1, T0,
	  false, QFENCE_STATE_ARMED },
	{ "at the deadline: fenced", QFENCE_STATE_ARMED, T0, T0,
	  true, QFENCE_STATE_FENCED },
	{ "long after (suspend): fenced", QFENCE_STATE_ARMED, T0,
	  T0 + 3600 * NSEC_PER_SEC, true, QFENCE_STATE_FENCED },
	{ "disarmed never expires", QFENCE_STATE_DISARMED, 0, U64_MAX,
	  false, QFENCE_STATE_DISARMED },
	{ "fenced is not latched twice", QFENCE_STATE_FENCED, T0, T0 + 1,
	  false, QFENCE_STATE_FENCED },
};

static void expire_desc(const struct expire_case *c, char *desc)
{
	strscpy(desc, c->desc, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(expire, expire_cases, expire_desc);

static void qfence_lease_expire_test(struct kunit *test)
{
	const struct expire_case *c = test->param_value;
	struct qfence_lease *l = lease_new(test, 1000, 0);
	u64 fences;

	lease_force(test, l, c->state, c->deadline);
	fences = l->fences;
	clear_bit(QFENCE_LF_FENCE_KICK, &l->flags);

	KUNIT_EXPECT_EQ(test, qfence_lease_expire(l, c->now), c->latched);
	KUNIT_EXPECT_EQ(test, l->state, c->state_after);
	KUNIT_EXPECT_EQ(test, test_bit(QFENCE_LF_FENCE_KICK, &l->flags),
			c->latched);
	KUNIT_EXPECT_EQ(test, l->fences, fences + c->latched);
	if (c->latched) {
		KUNIT_EXPECT_EQ(test, l->fenced_ns, c->now);
		KUNIT_EXPECT_EQ(test, l->fence_reason, (u32)QFENCE_REASON_EXPIRED);
	}
}

/* ------------------------------------------------------------------ */
/* The settle bound F: from the deadline of an expiry.                 */

enum settle_how {
	BY_TIMER,		/* qfence_lease_expire(), as the expiry timer */
	BY_IO,			/* the first bio that sees the expiry */
	BY_FENCE,		/* LEASE_FENCE of an ARMED lease */
	BY_FENCE_DISARMED,	/* LEASE_FENCE of a DISARMED lease */
};

struct settle_case {
	const char *desc;
	enum settle_how how;
	u64 deadline;
	u64 now;		/* of the latch */
	u64 settle_at;
};

static const struct settle_case settle_cases[] = {
	{ "timer on time: deadline + settle_ms", BY_TIMER, T0, T0,
	  T0 + MS(1000) },
	{ "rule F: timer 50 ms late: still deadline + settle_ms", BY_TIMER,
	  T0, T0 + MS(50), T0 + MS(1000) },
	{ "rule F: first IO 3 s late: deadline + settle_ms", BY_IO, T0,
	  T0 + MS(3000), T0 + MS(1000) },
	{ "manual fence while valid: fence + settle_ms", BY_FENCE,
	  T0 + MS(500), T0, T0 + MS(1000) },
	{ "rule F: manual fence after an unseen expiry: deadline + settle_ms",
	  BY_FENCE, T0, T0 + MS(300), T0 + MS(1000) },
	{ "manual fence of a disarmed lease: fence + settle_ms",
	  BY_FENCE_DISARMED, 0, T0, T0 + MS(1000) },
	{ "u64: saturates at U64_MAX", BY_FENCE_DISARMED, 0, U64_MAX - 1,
	  U64_MAX },
};

static void settle_desc(const struct settle_case *c, char *desc)
{
	strscpy(desc, c->desc, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(settle, settle_cases, settle_desc);

static void qfence_lease_settle_test(struct kunit *test)
{
	const struct settle_case *c = test->param_value;
	struct qfence_lease *l = lease_new(test, 1000, 0);
	struct qfence_io *io = lease_io(test, l);

	if (c->how != BY_FENCE_DISARMED)
		lease_force(test, l, QFENCE_STATE_ARMED, c->deadline);
	switch (c->how) {
	case BY_TIMER:
		KUNIT_ASSERT_TRUE(test, qfence_lease_expire(l, c->now));
		break;
	case BY_IO:
		KUNIT_ASSERT_EQ(test, lease_map(l, io, c->now), QFENCE_IO_EXPIRED);
		break;
	case BY_FENCE:
	case BY_FENCE_DISARMED:
		KUNIT_ASSERT_EQ(test, qfence_lease_fence(l, c->now), 1);
		break;
	}
	KUNIT_EXPECT_EQ(test, l->fenced_ns, c->now);
	KUNIT_EXPECT_EQ(test, l->fence_armed, c->how != BY_FENCE_DISARMED);
	KUNIT_EXPECT_EQ(test, qfence_lease_settle_at(l), c->settle_at);
}

/* ------------------------------------------------------------------ */
/* Unfence: only a strictly larger generation, only from FENCED.       */

struct unfence_case {
	const char *desc;
	int state;
	u64 gen;
	int ret;
	int state_after;
	u64 gen_after;
	int inflight;		/* FENCED: admitted bios not yet completed */
	bool unkicked;		/* FENCED: the kick has not run yet */
};

static const struct unfence_case unfence_cases[] = {
	{ "rule 7: larger generation unfences to DISARMED",
	  QFENCE_STATE_FENCED, GEN + 1, 0, QFENCE_STATE_DISARMED, GEN + 1 },
	{ "much larger generation unfences", QFENCE_STATE_FENCED, U64_MAX, 0,
	  QFENCE_STATE_DISARMED, U64_MAX },
	{ "rule 7: same generation refused", QFENCE_STATE_FENCED, GEN,
	  -ESTALE, QFENCE_STATE_FENCED, GEN },
	{ "rule 7: older generation refused", QFENCE_STATE_FENCED, GEN - 1,
	  -ESTALE, QFENCE_STATE_FENCED, GEN },
	{ "armed lease is not fenced", QFENCE_STATE_ARMED, GEN + 1,
	  -EINVAL, QFENCE_STATE_ARMED, GEN },
	{ "disarmed lease takes a larger generation, stays disarmed",
	  QFENCE_STATE_DISARMED, GEN + 1, 0, QFENCE_STATE_DISARMED, GEN + 1 },
	{ "disarmed lease: same generation refused", QFENCE_STATE_DISARMED,
	  GEN, -ESTALE, QFENCE_STATE_DISARMED, GEN },
	{ "disarmed lease: older generation refused", QFENCE_STATE_DISARMED,
	  GEN - 1, -ESTALE, QFENCE_STATE_DISARMED, GEN },
	{ "rule F: IO in flight since the fence: busy", QFENCE_STATE_FENCED,
	  GEN + 1, -EBUSY, QFENCE_STATE_FENCED, GEN, 1 },
	{ "rule F: fence not kicked yet: busy", QFENCE_STATE_FENCED,
	  GEN + 1, -EBUSY, QFENCE_STATE_FENCED, GEN, 0, true },
	{ "rule 7: stale generation refused before busy", QFENCE_STATE_FENCED,
	  GEN, -ESTALE, QFENCE_STATE_FENCED, GEN, 1 },
};

static void unfence_desc(const struct unfence_case *c, char *desc)
{
	strscpy(desc, c->desc, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(unfence, unfence_cases, unfence_desc);

static void qfence_lease_unfence_test(struct kunit *test)
{
	const struct unfence_case *c = test->param_value;
	struct qfence_lease *l = lease_new(test, 1000, 0);
	struct netlink_ext_ack extack = {};

	struct qfence_io *io = lease_io(test, l);

	lease_force(test, l, c->state, T0 + MS(100));
	if (c->state == QFENCE_STATE_FENCED && !c->unkicked) {
		atomic_set(&io->inflight, c->inflight);
		lease_kick(test, l);
		KUNIT_EXPECT_EQ(test, lease_drained(l, T0 + MS(1)),
				!c->inflight);
	}
	KUNIT_EXPECT_EQ(test, qfence_lease_unfence(l, c->gen, &extack), c->ret);
	KUNIT_EXPECT_EQ(test, l->state, c->state_after);
	KUNIT_EXPECT_EQ(test, l->cfg.generation, c->gen_after);
	if (c->ret)
		KUNIT_EXPECT_NOT_NULL(test, extack._msg);
	else
		KUNIT_EXPECT_EQ(test, l->deadline_ns, 0ULL);
}

/*
 * Rule F: a fence with IO in flight may be unfenced only once that IO has
 * completed and the drain is recorded, once per fence.
 */
static void qfence_lease_unfence_drain_test(struct kunit *test)
{
	struct qfence_lease *l = lease_new(test, 1000, 0);
	struct qfence_io *io = lease_io(test, l);

	lease_force(test, l, QFENCE_STATE_ARMED, T0 + MS(100));
	KUNIT_ASSERT_EQ(test, lease_map(l, io, T0), QFENCE_IO_ADMIT);
	KUNIT_ASSERT_EQ(test, qfence_lease_fence(l, T0 + 1), 1);
	lease_kick(test, l);
	KUNIT_EXPECT_EQ(test, l->inflight_at_fence, 1ULL);
	KUNIT_EXPECT_FALSE(test, lease_drained(l, T0 + 2));
	KUNIT_EXPECT_EQ(test, qfence_lease_unfence(l, GEN + 1, NULL), -EBUSY);
	KUNIT_EXPECT_EQ(test, l->state, QFENCE_STATE_FENCED);
	KUNIT_EXPECT_TRUE(test, qfence_io_done(l, io));
	KUNIT_EXPECT_TRUE(test, lease_drained(l, T0 + 3));
	KUNIT_EXPECT_EQ(test, l->drained_ns, T0 + 3);
	KUNIT_EXPECT_FALSE(test, lease_drained(l, T0 + 4));
	KUNIT_EXPECT_EQ(test, l->drained_ns, T0 + 3);
	KUNIT_EXPECT_EQ(test, qfence_lease_unfence(l, GEN + 1, NULL), 0);
	KUNIT_EXPECT_EQ(test, l->state, QFENCE_STATE_DISARMED);
	/* Not fenced any more: no drain to record. */
	KUNIT_EXPECT_FALSE(test, qfence_lease_drain(l, T0 + 5));
}

/* Nothing in flight at the fence: drained at the fence time. */
static void qfence_lease_drain_empty_test(struct kunit *test)
{
	struct qfence_lease *l = lease_new(test, 1000, 0);

	lease_force(test, l, QFENCE_STATE_ARMED, T0 + MS(100));
	KUNIT_ASSERT_EQ(test, qfence_lease_fence(l, T0 + 1), 1);
	lease_kick_drain(test, l, T0 + MS(7));
	KUNIT_EXPECT_EQ(test, l->drained_ns, T0 + 1);
}

/* ------------------------------------------------------------------ */
/* One fence's bookkeeping against the drain and the unfence, step by   */
/* step: the latch and the kick run lockless on another CPU, the work    */
/* and UNFENCE under qfence_mutex may run between any two of their steps.*/

/* A fence that drained and was unfenced, then armed at GEN + 1. */
static void lease_rejoined(struct kunit *test, struct qfence_lease *l)
{
	lease_force(test, l, QFENCE_STATE_FENCED, T0 + MS(100));
	lease_kick_drain(test, l, T0);
	KUNIT_ASSERT_EQ(test, qfence_lease_unfence(l, GEN + 1, NULL), 0);
	KUNIT_ASSERT_EQ(test, qfence_lease_renew(l, T0, T0 + MS(100), GEN + 1,
						 NULL), 0);
}

/*
 * Rule 7: the IO path's latch has won its cmpxchg and not yet recorded the
 * fence. An UNFENCE in that moment must not pass on the previous fence's
 * drain: IO admitted before this fence may still be in flight.
 */
static void qfence_lease_unfence_old_drain(struct kunit *test)
{
	struct qfence_lease *l = lease_new(test, 1000, 0);
	struct qfence_io *io = lease_io(test, l);

	lease_rejoined(test, l);
	KUNIT_ASSERT_EQ(test, lease_map(l, io, T0 + 1), QFENCE_IO_ADMIT);
	/* The first half of qfence_lease_latch(), as another CPU sees it. */
	KUNIT_ASSERT_EQ(test, cmpxchg(&l->state, QFENCE_STATE_ARMED,
				      QFENCE_STATE_FENCED), QFENCE_STATE_ARMED);
	KUNIT_EXPECT_FALSE(test, lease_drained(l, T0 + 2));
	KUNIT_EXPECT_EQ(test, qfence_lease_unfence(l, GEN + 2, NULL), -EBUSY);
	KUNIT_EXPECT_EQ(test, l->state, QFENCE_STATE_FENCED);
	KUNIT_EXPECT_EQ(test, l->cfg.generation, (u64)GEN + 1);
}

/*
 * Rule 7: between the kick's claim and its end (the timers start there),
 * the work or an UNFENCE finds nothing to report and cannot unfence; once
 * the kick is done, FENCED comes before DRAINED, each exactly once, and
 * only then may the UNFENCE pass. No kick is left to re-arm a timer.
 */
static void qfence_lease_kick_window(struct kunit *test)
{
	struct qfence_lease *l = lease_new(test, 1000, 0);
	u64 inflight;

	lease_rejoined(test, l);
	KUNIT_ASSERT_TRUE(test, qfence_lease_expire(l, T0 + MS(100)));
	KUNIT_ASSERT_TRUE(test, qfence_lease_kick_begin(l, &inflight));
	KUNIT_EXPECT_EQ(test, inflight, 0ULL);
	/* The work, or UNFENCE's own look at the events, in the window. */
	KUNIT_EXPECT_EQ(test, qfence_lease_take_events(l, T0 + MS(101)), 0U);
	KUNIT_EXPECT_EQ(test, qfence_lease_unfence(l, GEN + 2, NULL), -EBUSY);
	KUNIT_EXPECT_EQ(test, l->state, QFENCE_STATE_FENCED);
	qfence_lease_kick_end(l);
	KUNIT_EXPECT_FALSE(test, qfence_lease_kick_begin(l, &inflight));
	KUNIT_EXPECT_EQ(test, qfence_lease_take_events(l, T0 + MS(102)),
			(unsigned int)(QFENCE_DUE_FENCE | QFENCE_DUE_DRAINED));
	KUNIT_EXPECT_EQ(test, l->drained_ns, T0 + MS(100));
	KUNIT_EXPECT_EQ(test, qfence_lease_take_events(l, T0 + MS(103)), 0U);
	KUNIT_EXPECT_EQ(test, qfence_lease_unfence(l, GEN + 2, NULL), 0);
	KUNIT_EXPECT_FALSE(test, qfence_lease_kick_begin(l, &inflight));
	KUNIT_EXPECT_EQ(test, qfence_lease_take_events(l, T0 + MS(104)), 0U);
}

/*
 * The drain of a fence with IO in flight: not before the FENCED event was
 * taken, even when the last bio completes before the work runs.
 */
static void qfence_lease_drain_after_fenced(struct kunit *test)
{
	struct qfence_lease *l = lease_new(test, 1000, 0);
	struct qfence_io *io = lease_io(test, l);

	lease_force(test, l, QFENCE_STATE_ARMED, T0 + MS(100));
	KUNIT_ASSERT_EQ(test, lease_map(l, io, T0), QFENCE_IO_ADMIT);
	KUNIT_ASSERT_EQ(test, qfence_lease_fence(l, T0 + 1), 1);
	lease_kick(test, l);
	KUNIT_EXPECT_TRUE(test, qfence_io_done(l, io));
	/* qfence_lease_drain() alone, before the work took FENCED. */
	KUNIT_EXPECT_FALSE(test, qfence_lease_drain(l, T0 + 2));
	KUNIT_EXPECT_EQ(test, qfence_lease_take_events(l, T0 + 3),
			(unsigned int)(QFENCE_DUE_FENCE | QFENCE_DUE_DRAINED));
	KUNIT_EXPECT_EQ(test, l->drained_ns, T0 + 3);
}

/* Step-by-step scenarios, named by the rule they keep. */
struct scenario {
	const char *desc;
	void (*run)(struct kunit *test);
};

static const struct scenario lease_scenarios[] = {
	{ "rule 7: an unfence in the latch's window sees no old drain",
	  qfence_lease_unfence_old_drain },
	{ "rule 7: nothing of a fence passes before its kick is done",
	  qfence_lease_kick_window },
	{ "rule 7: DRAINED only after FENCED, once",
	  qfence_lease_drain_after_fenced },
};

static void scenario_desc(const struct scenario *c, char *desc)
{
	strscpy(desc, c->desc, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(lease_scenarios, lease_scenarios, scenario_desc);

static void qfence_lease_scenario_test(struct kunit *test)
{
	const struct scenario *c = test->param_value;

	c->run(test);
}

/*
 * The events of a fence may leave after an unfence: they report the
 * generation and deadline of the fence, UNFENCED the new generation.
 */
static void qfence_lease_event_snapshot_test(struct kunit *test)
{
	struct qfence_lease *l = lease_new(test, 1000, 0);
	struct qfence_ev_rec ev;
	u64 d = T0 + MS(100);

	lease_force(test, l, QFENCE_STATE_ARMED, d);
	KUNIT_ASSERT_TRUE(test, qfence_lease_expire(l, d + MS(5)));
	lease_kick_drain(test, l, d + MS(6));
	KUNIT_ASSERT_EQ(test, qfence_lease_unfence(l, GEN + 1, NULL), 0);

	qfence_lease_event(l, QFENCE_EVENT_FENCED, d + MS(5),
			   QFENCE_CAUSE_ACTION, &ev);
	KUNIT_EXPECT_EQ(test, ev.event, (u32)QFENCE_EVENT_FENCED);
	KUNIT_EXPECT_STREQ(test, ev.name, "t");
	KUNIT_EXPECT_EQ(test, ev.generation, (u64)GEN);
	KUNIT_EXPECT_EQ(test, ev.deadline_ns, d);
	KUNIT_EXPECT_EQ(test, ev.timestamp_ns, d + MS(5));
	KUNIT_EXPECT_EQ(test, ev.fence_reason, (u32)QFENCE_REASON_EXPIRED);
	qfence_lease_event(l, QFENCE_EVENT_DRAINED, l->drained_ns,
			   QFENCE_CAUSE_ACTION, &ev);
	KUNIT_EXPECT_EQ(test, ev.generation, (u64)GEN);
	KUNIT_EXPECT_EQ(test, ev.drained_ns, d + MS(5));
	qfence_lease_event(l, QFENCE_EVENT_UNFENCED, d + MS(7),
			   QFENCE_CAUSE_ACTION, &ev);
	KUNIT_EXPECT_EQ(test, ev.generation, (u64)GEN + 1);
	KUNIT_EXPECT_EQ(test, ev.deadline_ns, 0ULL);
}

/* ------------------------------------------------------------------ */
/* Disarm: clean leave, NOWAYOUT, and never out of FENCED.             */

struct disarm_case {
	const char *desc;
	int state;
	u32 flags;
	u64 deadline;
	u64 now;
	int ret;
	int state_after;
	int inflight;		/* admitted bios not yet completed */
};

static const struct disarm_case disarm_cases[] = {
	{ "armed lease disarms", QFENCE_STATE_ARMED, 0, T0 + MS(100), T0,
	  0, QFENCE_STATE_DISARMED },
	{ "disarmed lease: no-op success", QFENCE_STATE_DISARMED, 0, 0, T0,
	  0, QFENCE_STATE_DISARMED },
	{ "NOWAYOUT refuses", QFENCE_STATE_ARMED, QFENCE_F_NOWAYOUT,
	  T0 + MS(100), T0, -EBUSY, QFENCE_STATE_ARMED },
	{ "rule 7: fenced lease cannot be disarmed", QFENCE_STATE_FENCED, 0,
	  T0 + MS(100), T0, -ECANCELED, QFENCE_STATE_FENCED },
	{ "rule 7: expired lease is fenced, not disarmed", QFENCE_STATE_ARMED,
	  0, T0, T0, -ECANCELED, QFENCE_STATE_FENCED },
	{ "rule 7: expired NOWAYOUT lease is fenced", QFENCE_STATE_ARMED,
	  QFENCE_F_NOWAYOUT, T0 - 1, T0, -ECANCELED, QFENCE_STATE_FENCED },
	{ "rule F: IO in flight refuses, lease stays armed", QFENCE_STATE_ARMED,
	  0, T0 + MS(100), T0, -EBUSY, QFENCE_STATE_ARMED, 1 },
	{ "rule F: many IOs in flight refuse", QFENCE_STATE_ARMED, 0,
	  T0 + MS(100), T0, -EBUSY, QFENCE_STATE_ARMED, 64 },
	{ "rule 7: expired with IO in flight is fenced", QFENCE_STATE_ARMED, 0,
	  T0, T0, -ECANCELED, QFENCE_STATE_FENCED, 1 },
};

static void disarm_desc(const struct disarm_case *c, char *desc)
{
	strscpy(desc, c->desc, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(disarm, disarm_cases, disarm_desc);

static void qfence_lease_disarm_test(struct kunit *test)
{
	const struct disarm_case *c = test->param_value;
	struct qfence_lease *l = lease_new(test, 1000, c->flags);
	struct qfence_io *io = lease_io(test, l);
	struct netlink_ext_ack extack = {};

	lease_force(test, l, c->state, c->deadline);
	atomic_set(&io->inflight, c->inflight);
	KUNIT_EXPECT_EQ(test, qfence_lease_disarm(l, c->now, &extack), c->ret);
	KUNIT_EXPECT_EQ(test, l->state, c->state_after);
	if (c->ret)
		KUNIT_EXPECT_NOT_NULL(test, extack._msg);
	if (c->state_after == QFENCE_STATE_DISARMED)
		KUNIT_EXPECT_EQ(test, l->deadline_ns, 0ULL);
	else
		KUNIT_EXPECT_EQ(test, l->deadline_ns, c->deadline);
}

/* Rule F: the clean leave waits for the IO to complete, then succeeds. */
static void qfence_lease_disarm_drain_test(struct kunit *test)
{
	struct qfence_lease *l = lease_new(test, 1000, 0);
	struct qfence_io *io = lease_io(test, l);

	lease_force(test, l, QFENCE_STATE_ARMED, T0 + MS(100));
	KUNIT_ASSERT_EQ(test, lease_map(l, io, T0), QFENCE_IO_ADMIT);
	KUNIT_EXPECT_EQ(test, qfence_lease_disarm(l, T0 + 1, NULL), -EBUSY);
	KUNIT_EXPECT_EQ(test, l->state, QFENCE_STATE_ARMED);
	/* Still armed: IO keeps flowing meanwhile. */
	KUNIT_EXPECT_EQ(test, lease_map(l, io, T0 + 2), QFENCE_IO_ADMIT);
	KUNIT_EXPECT_FALSE(test, qfence_io_done(l, io));
	KUNIT_EXPECT_FALSE(test, qfence_io_done(l, io));
	KUNIT_EXPECT_EQ(test, qfence_lease_disarm(l, T0 + 3, NULL), 0);
	KUNIT_EXPECT_EQ(test, l->state, QFENCE_STATE_DISARMED);
}

/* ------------------------------------------------------------------ */
/* Manual fence and deletion.                                          */

struct fence_case {
	const char *desc;
	int state;
	int ret;
	u32 reason_after;
	u64 inflight;		/* at the kick */
	bool acts;		/* reboot/panic and settle escalation apply */
};

static const struct fence_case fence_cases[] = {
	{ "rule 8: fencing a never-armed lease schedules no action",
	  QFENCE_STATE_DISARMED, 1, QFENCE_REASON_MANUAL, 0, false },
	{ "disarmed lease with IO in flight: actions apply",
	  QFENCE_STATE_DISARMED, 1, QFENCE_REASON_MANUAL, 1, true },
	{ "armed lease fences, actions apply", QFENCE_STATE_ARMED, 1,
	  QFENCE_REASON_MANUAL, 0, true },
	{ "fenced lease: no-op, first reason kept", QFENCE_STATE_FENCED, 0,
	  QFENCE_REASON_EXPIRED, 0, true },
};

static void fence_desc(const struct fence_case *c, char *desc)
{
	strscpy(desc, c->desc, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(fence, fence_cases, fence_desc);

static void qfence_lease_fence_test(struct kunit *test)
{
	const struct fence_case *c = test->param_value;
	struct qfence_lease *l = lease_new(test, 1000, 0);
	u64 fences;

	if (c->state == QFENCE_STATE_FENCED) {
		lease_force(test, l, QFENCE_STATE_ARMED, T0);
		KUNIT_ASSERT_TRUE(test, qfence_lease_expire(l, T0));
	} else {
		lease_force(test, l, c->state, T0 + MS(100));
	}
	fences = l->fences;
	KUNIT_EXPECT_EQ(test, qfence_lease_fence(l, T0 + 7), c->ret);
	KUNIT_EXPECT_EQ(test, l->state, QFENCE_STATE_FENCED);
	KUNIT_EXPECT_EQ(test, l->fence_reason, c->reason_after);
	KUNIT_EXPECT_EQ(test, l->fences, fences + c->ret);
	KUNIT_EXPECT_EQ(test, l->fenced_ns, c->ret ? T0 + 7 : T0);
	KUNIT_EXPECT_EQ(test, qfence_lease_fence_acts(l, c->inflight), c->acts);
}

/*
 * A daemon at boot fences a lease it adopted before ever arming it, then
 * moves it to the rejoined generation: no DEL + NEW, and the lease is
 * armed with the new generation only.
 */
static void qfence_lease_boot_fence_test(struct kunit *test)
{
	struct qfence_lease *l = lease_new(test, 1000, 0);

	KUNIT_ASSERT_EQ(test, qfence_lease_fence(l, T0), 1);
	KUNIT_EXPECT_FALSE(test, qfence_lease_fence_acts(l, 0));
	lease_kick_drain(test, l, T0 + 1);
	KUNIT_EXPECT_EQ(test, qfence_lease_unfence(l, GEN + 1, NULL), 0);
	KUNIT_EXPECT_EQ(test, qfence_lease_unfence(l, GEN + 3, NULL), 0);
	KUNIT_EXPECT_EQ(test, l->state, QFENCE_STATE_DISARMED);
	KUNIT_EXPECT_EQ(test, qfence_lease_renew(l, T0 + 2, T0 + MS(500),
						 GEN + 1, NULL), -ESTALE);
	KUNIT_EXPECT_EQ(test, qfence_lease_renew(l, T0 + 2, T0 + MS(500),
						 GEN + 3, NULL), 0);
	/* Armed now: a generation bump is refused. */
	KUNIT_EXPECT_EQ(test, qfence_lease_unfence(l, GEN + 4, NULL), -EINVAL);
	KUNIT_EXPECT_EQ(test, l->cfg.generation, (u64)GEN + 3);
}

struct del_case {
	const char *desc;
	int state;
	u32 devices;
	int ret;
	u64 gen;		/* 0: GEN */
	bool drained;		/* FENCED: the kick and the drain recorded */
};

static const struct del_case del_cases[] = {
	{ "disarmed, unused: may delete", QFENCE_STATE_DISARMED, 0, 0 },
	{ "disarmed, used by a target: busy", QFENCE_STATE_DISARMED, 1, -EBUSY },
	{ "armed: busy", QFENCE_STATE_ARMED, 0, -EBUSY },
	{ "fenced: busy", QFENCE_STATE_FENCED, 0, -EBUSY },
	{ "fenced, drained: busy (a rejoin can unfence it)",
	  QFENCE_STATE_FENCED, 0, -EBUSY, 0, true },
	{ "fenced, drained, below the last generation: busy",
	  QFENCE_STATE_FENCED, 0, -EBUSY, QFENCE_GEN_LAST - 1, true },
	{ "fenced at the last generation, drained: may delete",
	  QFENCE_STATE_FENCED, 0, 0, QFENCE_GEN_LAST, true },
	{ "fenced at the last generation, not drained: busy",
	  QFENCE_STATE_FENCED, 0, -EBUSY, QFENCE_GEN_LAST, false },
	{ "fenced at the last generation, used by a target: busy",
	  QFENCE_STATE_FENCED, 1, -EBUSY, QFENCE_GEN_LAST, true },
	{ "armed at the last generation: busy",
	  QFENCE_STATE_ARMED, 0, -EBUSY, QFENCE_GEN_LAST, false },
};

static void del_desc(const struct del_case *c, char *desc)
{
	strscpy(desc, c->desc, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(del, del_cases, del_desc);

static void qfence_lease_del_test(struct kunit *test)
{
	const struct del_case *c = test->param_value;
	struct qfence_lease *l = lease_new(test, 1000, 0);
	struct netlink_ext_ack extack = {};
	u64 gen = c->gen ? c->gen : GEN;

	l->cfg.generation = gen;
	if (c->state != QFENCE_STATE_DISARMED) {
		KUNIT_ASSERT_EQ(test, qfence_lease_renew(l, T0, T0 + MS(100),
							 gen, NULL), 0);
		if (c->state == QFENCE_STATE_FENCED)
			KUNIT_ASSERT_EQ(test, qfence_lease_fence(l, T0 + 1), 1);
	}
	if (c->drained)
		lease_kick_drain(test, l, T0 + 2);
	l->devices = c->devices;
	KUNIT_EXPECT_EQ(test, qfence_lease_may_del(l, &extack), c->ret);
	if (c->ret)
		KUNIT_EXPECT_NOT_NULL(test, extack._msg);
}

/* ------------------------------------------------------------------ */
/* A whole life: arm, expire, refuse, rejoin, arm again, leave.         */

static void qfence_lease_lifecycle_test(struct kunit *test)
{
	struct qfence_lease *l = lease_new(test, 1000, 0);
	u64 now = T0;

	KUNIT_EXPECT_EQ(test, l->state, QFENCE_STATE_DISARMED);
	KUNIT_EXPECT_EQ(test, qfence_lease_renew(l, now, now + MS(500), GEN,
						 NULL), 0);
	now += MS(400);
	KUNIT_EXPECT_EQ(test, qfence_lease_renew(l, now, now + MS(500), GEN,
						 NULL), 0);
	now += MS(500);		/* exactly the deadline */
	KUNIT_EXPECT_TRUE(test, qfence_lease_expire(l, now));
	now += MS(1);
	/* The majority is back: the old generation must not unfence. */
	KUNIT_EXPECT_EQ(test, qfence_lease_renew(l, now, now + MS(500), GEN,
						 NULL), -ECANCELED);
	KUNIT_EXPECT_EQ(test, l->state, QFENCE_STATE_FENCED);
	lease_kick_drain(test, l, now);
	KUNIT_EXPECT_EQ(test, qfence_lease_unfence(l, GEN + 1, NULL), 0);
	/* Rule 8: unfenced is DISARMED; the old generation stays dead. */
	KUNIT_EXPECT_EQ(test, l->state, QFENCE_STATE_DISARMED);
	KUNIT_EXPECT_EQ(test, qfence_lease_renew(l, now, now + MS(500), GEN,
						 NULL), -ESTALE);
	KUNIT_EXPECT_EQ(test, qfence_lease_renew(l, now, now + MS(500),
						 GEN + 1, NULL), 0);
	KUNIT_EXPECT_EQ(test, qfence_lease_disarm(l, now + MS(1), NULL), 0);
	KUNIT_EXPECT_EQ(test, qfence_lease_may_del(l, NULL), 0);
	KUNIT_EXPECT_EQ(test, l->renewals, 3ULL);
	KUNIT_EXPECT_EQ(test, l->fences, 1ULL);
}

/* ------------------------------------------------------------------ */
/* Update: a live lease's timing (design.md rule 9).                   */

struct update_case {
	const char *desc;
	int state;
	u64 old_deadline;
	u64 now;
	u64 gen;
	u32 max_ms;		/* 0: kept */
	u32 settle_ms;		/* 0: kept */
	int ret;
	int state_after;
	u64 deadline_after;
	u32 max_after;
	u32 settle_after;
};

static const struct update_case update_cases[] = {
	{ "rule 9: smaller max clamps the deadline", QFENCE_STATE_ARMED,
	  T0 + MS(900), T0, GEN, 300, 0, 0, QFENCE_STATE_ARMED, T0 + MS(300),
	  300, QFENCE_SETTLE_MS_DEFAULT },
	{ "rule 9: smaller max above the remaining lease keeps it",
	  QFENCE_STATE_ARMED, T0 + MS(200), T0, GEN, 300, 0, 0,
	  QFENCE_STATE_ARMED, T0 + MS(200), 300, QFENCE_SETTLE_MS_DEFAULT },
	{ "rule 9: larger max never extends the deadline", QFENCE_STATE_ARMED,
	  T0 + MS(400), T0, GEN, 5000, 0, 0, QFENCE_STATE_ARMED, T0 + MS(400),
	  5000, QFENCE_SETTLE_MS_DEFAULT },
	{ "settle only: deadline kept", QFENCE_STATE_ARMED, T0 + MS(400), T0,
	  GEN, 0, 250, 0, QFENCE_STATE_ARMED, T0 + MS(400), 1000, 250 },
	{ "disarmed takes both for the next renew", QFENCE_STATE_DISARMED, 0,
	  T0, GEN, 200, 300, 0, QFENCE_STATE_DISARMED, 0, 200, 300 },
	{ "stale generation refused, lease unchanged", QFENCE_STATE_ARMED,
	  T0 + MS(900), T0, GEN - 1, 300, 300, -ESTALE, QFENCE_STATE_ARMED,
	  T0 + MS(900), 1000, QFENCE_SETTLE_MS_DEFAULT },
	{ "rule 7: fenced refuses, settle bound kept", QFENCE_STATE_FENCED,
	  T0 + MS(900), T0, GEN, 300, 5000, -ECANCELED, QFENCE_STATE_FENCED,
	  T0 + MS(900), 1000, QFENCE_SETTLE_MS_DEFAULT },
	{ "rule 7: expired lease latches, never extends", QFENCE_STATE_ARMED,
	  T0, T0, GEN, 5000, 0, -ECANCELED, QFENCE_STATE_FENCED, T0, 1000,
	  QFENCE_SETTLE_MS_DEFAULT },
};

static void update_desc(const struct update_case *c, char *desc)
{
	strscpy(desc, c->desc, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(update, update_cases, update_desc);

static void qfence_lease_update_test(struct kunit *test)
{
	const struct update_case *c = test->param_value;
	struct qfence_lease *l = lease_new(test, 1000, 0);
	struct netlink_ext_ack extack = {};

	lease_force(test, l, c->state, c->old_deadline);
	KUNIT_EXPECT_EQ(test, qfence_lease_update(l, c->now, c->gen, c->max_ms,
						  c->settle_ms, &extack),
			c->ret);
	KUNIT_EXPECT_EQ(test, l->state, c->state_after);
	KUNIT_EXPECT_EQ(test, l->deadline_ns, c->deadline_after);
	KUNIT_EXPECT_EQ(test, l->cfg.max_lease_ms, c->max_after);
	KUNIT_EXPECT_EQ(test, l->cfg.settle_ms, c->settle_after);
	KUNIT_EXPECT_EQ(test, l->cfg.generation, (u64)GEN);
	if (c->ret)
		KUNIT_EXPECT_NOT_NULL(test, extack._msg);
}

/*
 * After a clamp, IO past the new bound is refused and a renew may reach
 * only the new max; after a raise, renews reach further.
 */
static void qfence_lease_update_renew_test(struct kunit *test)
{
	struct qfence_lease *l = lease_new(test, 1000, 0);
	struct qfence_io *io = lease_io(test, l);

	lease_force(test, l, QFENCE_STATE_ARMED, T0 + MS(900));
	KUNIT_ASSERT_EQ(test, qfence_lease_update(l, T0, GEN, 100, 0, NULL), 0);
	KUNIT_EXPECT_EQ(test, lease_map(l, io, T0 + MS(99)), QFENCE_IO_ADMIT);
	qfence_io_done(l, io);
	KUNIT_EXPECT_EQ(test, qfence_lease_renew(l, T0 + MS(50), T0 + MS(151),
						 GEN, NULL), -ERANGE);
	KUNIT_EXPECT_EQ(test, qfence_lease_renew(l, T0 + MS(50), T0 + MS(150),
						 GEN, NULL), 0);
	KUNIT_ASSERT_EQ(test, qfence_lease_update(l, T0 + MS(60), GEN, 2000, 0,
						  NULL), 0);
	KUNIT_EXPECT_EQ(test, l->deadline_ns, T0 + MS(150));
	KUNIT_EXPECT_EQ(test, qfence_lease_renew(l, T0 + MS(70), T0 + MS(2070),
						 GEN, NULL), 0);
	KUNIT_EXPECT_EQ(test, l->state, QFENCE_STATE_ARMED);
}

static struct kunit_case qfence_lease_cases[] = {
	KUNIT_CASE_PARAM(qfence_lease_renew_test, renew_gen_params),
	KUNIT_CASE_PARAM(qfence_lease_expire_test, expire_gen_params),
	KUNIT_CASE_PARAM(qfence_lease_settle_test, settle_gen_params),
	KUNIT_CASE_PARAM(qfence_lease_unfence_test, unfence_gen_params),
	KUNIT_CASE(qfence_lease_unfence_drain_test),
	KUNIT_CASE(qfence_lease_drain_empty_test),
	KUNIT_CASE_PARAM(qfence_lease_scenario_test, lease_scenarios_gen_params),
	KUNIT_CASE(qfence_lease_event_snapshot_test),
	KUNIT_CASE_PARAM(qfence_lease_disarm_test, disarm_gen_params),
	KUNIT_CASE(qfence_lease_disarm_drain_test),
	KUNIT_CASE_PARAM(qfence_lease_fence_test, fence_gen_params),
	KUNIT_CASE(qfence_lease_boot_fence_test),
	KUNIT_CASE_PARAM(qfence_lease_del_test, del_gen_params),
	KUNIT_CASE(qfence_lease_lifecycle_test),
	KUNIT_CASE_PARAM(qfence_lease_update_test, update_gen_params),
	KUNIT_CASE(qfence_lease_update_renew_test),
	{}
};

static struct kunit_suite qfence_lease_suite = {
	.name = "qfence_lease",
	.test_cases = qfence_lease_cases,
};

kunit_test_suite(qfence_lease_suite);

MODULE_LICENSE("GPL");
