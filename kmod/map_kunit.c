// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite qfence_map: the device-mapper map decision
 * (qfence_io_enter() + qfence_io_decide(), as target.c's map() runs them)
 * and the completion side, with injected time.
 */

#include <kunit/test.h>
#include <linux/limits.h>
#include <linux/time64.h>

#include "lease.h"
#include "target.h"

#define MS(x)	((u64)(x) * NSEC_PER_MSEC)
#define T0	(1000 * NSEC_PER_SEC)
#define GEN	3

struct map_fixture {
	struct qfence_lease lease;
	struct qfence_io io;
};

static struct map_fixture *fixture_new(struct kunit *test)
{
	struct qfence_lease_cfg cfg = {
		.name = "m",
		.generation = GEN,
		.max_lease_ms = 1000,
		.actions = QFENCE_ACTION_IO,
		.settle_ms = QFENCE_SETTLE_MS_DEFAULT,
	};
	struct map_fixture *f = kunit_kzalloc(test, sizeof(*f), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, f);
	qfence_lease_init(&f->lease, &cfg);
	atomic_set(&f->io.inflight, 0);
	atomic64_set(&f->io.failed, 0);
	list_add(&f->io.node, &f->lease.targets);
	return f;
}

/* What target.c's map() does, with the clock injected. */
static enum qfence_io_verdict map_bio(struct map_fixture *f, u64 now)
{
	bool counted = qfence_io_enter(&f->lease, &f->io);

	return qfence_io_decide(&f->lease, &f->io, counted, now);
}

/* What registry.c's kick does to the lease; returns inflight_at_fence. */
static u64 kick(struct kunit *test, struct map_fixture *f)
{
	u64 inflight = U64_MAX;

	KUNIT_EXPECT_TRUE(test, qfence_lease_kick_begin(&f->lease, &inflight));
	qfence_lease_kick_end(&f->lease);
	return inflight;
}

/* The work takes the due events: was DRAINED among them? */
static bool drained(struct map_fixture *f, u64 now)
{
	return qfence_lease_take_events(&f->lease, now) & QFENCE_DUE_DRAINED;
}

static void arm(struct kunit *test, struct map_fixture *f, u64 now,
		u64 deadline)
{
	KUNIT_ASSERT_EQ(test, qfence_lease_renew(&f->lease, now, deadline, GEN,
						 NULL), 0);
}

enum setup {
	FRESH,		/* just created: DISARMED */
	ARMED,		/* renewed at T0 - 1 ms up to the case's deadline */
	MANUAL,		/* armed, then LEASE_FENCE */
	UNFENCED,	/* armed, fenced, unfenced: DISARMED again */
	DISARMED,	/* armed, then cleanly disarmed */
};

struct map_case {
	const char *desc;
	enum setup setup;
	u64 deadline;
	u64 now;
	enum qfence_io_verdict verdict;
	int state_after;
};

static const struct map_case map_cases[] = {
	{ "rule 8: a fresh lease refuses IO", FRESH, 0, T0,
	  QFENCE_IO_REFUSE, QFENCE_STATE_DISARMED },
	{ "armed, before the deadline: admitted", ARMED, T0 + MS(100), T0,
	  QFENCE_IO_ADMIT, QFENCE_STATE_ARMED },
	{ "armed, 1 ns before the deadline: admitted", ARMED, T0 + 1, T0,
	  QFENCE_IO_ADMIT, QFENCE_STATE_ARMED },
	{ "rule 6: at the deadline, timer not fired: refused", ARMED, T0, T0,
	  QFENCE_IO_EXPIRED, QFENCE_STATE_FENCED },
	{ "rule 6: 1 ns past the deadline: refused", ARMED, T0, T0 + 1,
	  QFENCE_IO_EXPIRED, QFENCE_STATE_FENCED },
	{ "rule 6: first IO after a long suspend: refused", ARMED, T0,
	  T0 + 3600 * NSEC_PER_SEC, QFENCE_IO_EXPIRED, QFENCE_STATE_FENCED },
	{ "rule 6: clock near U64_MAX past the deadline: refused", ARMED, T0,
	  U64_MAX, QFENCE_IO_EXPIRED, QFENCE_STATE_FENCED },
	{ "rule F: manual fence with time left: refused uncounted", MANUAL,
	  T0 + MS(500), T0, QFENCE_IO_REFUSE, QFENCE_STATE_FENCED },
	{ "rule 8: unfenced (disarmed) lease refuses IO", UNFENCED,
	  T0 + MS(500), T0, QFENCE_IO_REFUSE, QFENCE_STATE_DISARMED },
	{ "cleanly disarmed lease refuses IO", DISARMED, T0 + MS(500), T0,
	  QFENCE_IO_REFUSE, QFENCE_STATE_DISARMED },
};

static void map_desc(const struct map_case *c, char *desc)
{
	strscpy(desc, c->desc, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(map, map_cases, map_desc);

static void qfence_map_decide_test(struct kunit *test)
{
	const struct map_case *c = test->param_value;
	struct map_fixture *f = fixture_new(test);
	bool admit = c->verdict == QFENCE_IO_ADMIT;

	if (c->setup != FRESH)
		arm(test, f, c->deadline - MS(1), c->deadline);
	if (c->setup == MANUAL || c->setup == UNFENCED)
		KUNIT_ASSERT_EQ(test, qfence_lease_fence(&f->lease, T0 - 1), 1);
	if (c->setup == UNFENCED) {
		kick(test, f);
		KUNIT_ASSERT_TRUE(test, drained(f, T0 - 1));
		KUNIT_ASSERT_EQ(test, qfence_lease_unfence(&f->lease, GEN + 1,
							   NULL), 0);
	}
	if (c->setup == DISARMED)
		KUNIT_ASSERT_EQ(test, qfence_lease_disarm(&f->lease, T0 - MS(1),
							  NULL), 0);
	clear_bit(QFENCE_LF_FENCE_KICK, &f->lease.flags);

	KUNIT_EXPECT_EQ(test, map_bio(f, c->now), c->verdict);
	KUNIT_EXPECT_EQ(test, f->lease.state, c->state_after);
	/* An admitted bio stays counted; a refused one is undone. */
	KUNIT_EXPECT_EQ(test, atomic_read(&f->io.inflight), admit ? 1 : 0);
	KUNIT_EXPECT_EQ(test, atomic64_read(&f->io.failed), admit ? 0LL : 1LL);
	KUNIT_EXPECT_EQ(test, test_bit(QFENCE_LF_FENCE_KICK, &f->lease.flags),
			c->verdict == QFENCE_IO_EXPIRED);
	if (c->verdict == QFENCE_IO_EXPIRED) {
		KUNIT_EXPECT_EQ(test, f->lease.fenced_ns, c->now);
		KUNIT_EXPECT_EQ(test, f->lease.fence_reason,
				(u32)QFENCE_REASON_EXPIRED);
	}
}

/* Rule 7: only the first bio latches; later ones just fail. */
static void qfence_map_latch_once_test(struct kunit *test)
{
	struct map_fixture *f = fixture_new(test);

	arm(test, f, T0 - MS(1), T0);
	KUNIT_EXPECT_EQ(test, map_bio(f, T0), QFENCE_IO_EXPIRED);
	KUNIT_EXPECT_EQ(test, map_bio(f, T0 + 1), QFENCE_IO_REFUSE);
	kick(test, f);
	KUNIT_EXPECT_TRUE(test, drained(f, T0 + 2));
	/* Drain recorded: later refusals ask for nothing. */
	KUNIT_EXPECT_EQ(test, map_bio(f, T0 + 2), QFENCE_IO_REFUSE);
	KUNIT_EXPECT_EQ(test, f->lease.fences, 1ULL);
	KUNIT_EXPECT_EQ(test, f->lease.fenced_ns, T0);
	KUNIT_EXPECT_EQ(test, atomic64_read(&f->io.failed), 3LL);
	KUNIT_EXPECT_EQ(test, atomic_read(&f->io.inflight), 0);
}

/* Rule 7: an IO saw the expiry; a renew arriving next must not unfence. */
static void qfence_map_then_renew_test(struct kunit *test)
{
	struct map_fixture *f = fixture_new(test);

	arm(test, f, T0 - MS(1), T0);
	KUNIT_EXPECT_EQ(test, map_bio(f, T0), QFENCE_IO_EXPIRED);
	KUNIT_EXPECT_EQ(test, qfence_lease_renew(&f->lease, T0, T0 + MS(500),
						 GEN, NULL), -ECANCELED);
	KUNIT_EXPECT_EQ(test, map_bio(f, T0 + 1), QFENCE_IO_REFUSE);
	KUNIT_EXPECT_EQ(test, f->lease.state, QFENCE_STATE_FENCED);
}

/* Renewing in time keeps IO flowing past the old deadline. */
static void qfence_map_renewed_test(struct kunit *test)
{
	struct map_fixture *f = fixture_new(test);

	arm(test, f, T0 - MS(1), T0);
	arm(test, f, T0 - 1, T0 + MS(500));
	KUNIT_EXPECT_EQ(test, map_bio(f, T0), QFENCE_IO_ADMIT);
	KUNIT_EXPECT_EQ(test, map_bio(f, T0 + MS(499)), QFENCE_IO_ADMIT);
	KUNIT_EXPECT_EQ(test, map_bio(f, T0 + MS(500)), QFENCE_IO_EXPIRED);
	KUNIT_EXPECT_EQ(test, atomic_read(&f->io.inflight), 2);
}

/* Shortening takes effect for the very next bio. */
static void qfence_map_shortened_test(struct kunit *test)
{
	struct map_fixture *f = fixture_new(test);

	arm(test, f, T0, T0 + MS(900));
	arm(test, f, T0, T0 + MS(10));
	KUNIT_EXPECT_EQ(test, map_bio(f, T0 + MS(9)), QFENCE_IO_ADMIT);
	KUNIT_EXPECT_EQ(test, map_bio(f, T0 + MS(10)), QFENCE_IO_EXPIRED);
}

/*
 * The fence side's accounting: a bio admitted before the latch is still
 * counted after it (the settle bound waits for it), and its completion
 * asks for the drain check.
 */
static void qfence_map_inflight_at_fence_test(struct kunit *test)
{
	struct map_fixture *f = fixture_new(test);

	arm(test, f, T0 - MS(1), T0 + MS(100));
	KUNIT_EXPECT_EQ(test, map_bio(f, T0), QFENCE_IO_ADMIT);
	KUNIT_EXPECT_EQ(test, map_bio(f, T0 + 1), QFENCE_IO_ADMIT);
	KUNIT_EXPECT_TRUE(test, qfence_lease_expire(&f->lease, T0 + MS(100)));
	KUNIT_EXPECT_EQ(test, atomic_read(&f->io.inflight), 2);
	KUNIT_EXPECT_EQ(test, map_bio(f, T0 + MS(101)), QFENCE_IO_REFUSE);
	KUNIT_EXPECT_EQ(test, atomic_read(&f->io.inflight), 2);
	/* The first completion leaves one in flight: no drain yet. */
	KUNIT_EXPECT_FALSE(test, qfence_io_done(&f->lease, &f->io));
	/* The last one drains. */
	KUNIT_EXPECT_TRUE(test, qfence_io_done(&f->lease, &f->io));
	KUNIT_EXPECT_EQ(test, atomic_read(&f->io.inflight), 0);
}

/*
 * Rule F: the drain must not be lost. A bio that found the lease ARMED is
 * counted, and the fence latches before it reads the state again; if the
 * last admitted bio completes in that moment, its completion does not see
 * zero, so the refused bio's undo must ask for the drain check.
 */
static void qfence_map_refused_last_test(struct kunit *test)
{
	struct map_fixture *f = fixture_new(test);
	bool counted;

	arm(test, f, T0 - MS(1), T0 + MS(100));
	KUNIT_EXPECT_EQ(test, map_bio(f, T0), QFENCE_IO_ADMIT);
	counted = qfence_io_enter(&f->lease, &f->io);	/* the racing bio */
	KUNIT_EXPECT_TRUE(test, counted);
	KUNIT_ASSERT_EQ(test, qfence_lease_fence(&f->lease, T0 + 1), 1);
	KUNIT_EXPECT_EQ(test, kick(test, f), 2ULL);
	KUNIT_EXPECT_FALSE(test, qfence_io_done(&f->lease, &f->io));
	KUNIT_EXPECT_EQ(test, qfence_io_decide(&f->lease, &f->io, counted,
					       T0 + 2),
			QFENCE_IO_REFUSE_DRAIN);
	KUNIT_EXPECT_EQ(test, atomic_read(&f->io.inflight), 0);
	KUNIT_EXPECT_TRUE(test, drained(f, T0 + 3));
	KUNIT_EXPECT_EQ(test, f->lease.drained_ns, T0 + 3);
}

/*
 * Rule 8 and no boot loop: a bio refused on a never-armed lease is not
 * counted in flight, even in the middle of its map(), so a LEASE_FENCE at
 * boot finds nothing in flight and schedules no reboot or panic.
 */
static void qfence_map_refused_boot_fence(struct kunit *test)
{
	struct map_fixture *f = fixture_new(test);
	bool counted;
	u64 inflight;

	counted = qfence_io_enter(&f->lease, &f->io);	/* the refused bio */
	KUNIT_ASSERT_EQ(test, qfence_lease_fence(&f->lease, T0), 1);
	inflight = kick(test, f);
	KUNIT_EXPECT_EQ(test, inflight, 0ULL);
	KUNIT_EXPECT_FALSE(test, qfence_lease_fence_acts(&f->lease, inflight));
	KUNIT_EXPECT_EQ(test, qfence_io_decide(&f->lease, &f->io, counted, T0),
			QFENCE_IO_REFUSE);
	KUNIT_EXPECT_EQ(test, atomic64_read(&f->io.failed), 1LL);
	KUNIT_EXPECT_TRUE(test, drained(f, T0 + 1));
}

/*
 * Rule F: a bio refused after the fence does not hold the settle bound.
 * The admitted IO has drained while a refused bio is in its map(): the
 * settle timer, reading the in-flight count now, must see zero.
 */
static void qfence_map_refused_settle(struct kunit *test)
{
	struct map_fixture *f = fixture_new(test);
	bool counted;

	arm(test, f, T0 - MS(1), T0 + MS(100));
	KUNIT_EXPECT_EQ(test, map_bio(f, T0), QFENCE_IO_ADMIT);
	KUNIT_ASSERT_TRUE(test, qfence_lease_expire(&f->lease, T0 + MS(100)));
	KUNIT_EXPECT_EQ(test, kick(test, f), 1ULL);
	counted = qfence_io_enter(&f->lease, &f->io);	/* the refused bio */
	KUNIT_EXPECT_TRUE(test, qfence_io_done(&f->lease, &f->io));
	KUNIT_EXPECT_EQ(test, qfence_inflight(&f->lease), 0ULL);
	KUNIT_EXPECT_EQ(test, qfence_io_decide(&f->lease, &f->io, counted,
					       T0 + MS(101)),
			QFENCE_IO_REFUSE);
	KUNIT_EXPECT_TRUE(test, drained(f, T0 + MS(102)));
}

/* Step-by-step scenarios, named by the rule they keep. */
struct scenario {
	const char *desc;
	void (*run)(struct kunit *test);
};

static const struct scenario map_scenarios[] = {
	{ "rule 8: a bio refused on a never-armed lease is not in flight",
	  qfence_map_refused_boot_fence },
	{ "rule F: a bio refused after the fence does not hold the settle bound",
	  qfence_map_refused_settle },
};

static void scenario_desc(const struct scenario *c, char *desc)
{
	strscpy(desc, c->desc, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(map_scenarios, map_scenarios, scenario_desc);

static void qfence_map_scenario_test(struct kunit *test)
{
	const struct scenario *c = test->param_value;

	c->run(test);
}

/* Completions while the lease is valid never ask for a drain check. */
static void qfence_map_done_armed_test(struct kunit *test)
{
	struct map_fixture *f = fixture_new(test);

	arm(test, f, T0 - MS(1), T0 + MS(100));
	KUNIT_EXPECT_EQ(test, map_bio(f, T0), QFENCE_IO_ADMIT);
	KUNIT_EXPECT_FALSE(test, qfence_io_done(&f->lease, &f->io));
	KUNIT_EXPECT_EQ(test, atomic_read(&f->io.inflight), 0);
	KUNIT_EXPECT_EQ(test, atomic64_read(&f->io.failed), 0LL);
}

/*
 * design.md §3: an admitted bio the storage refused with a reservation
 * conflict latches the lease FENCED (reason STORAGE) as an expiry would,
 * and its completion asks for the kick and, being the last, the drain.
 */
static void qfence_map_nexus_latches_test(struct kunit *test)
{
	struct map_fixture *f = fixture_new(test);
	unsigned int todo;

	arm(test, f, T0 - MS(1), T0 + MS(500));
	KUNIT_ASSERT_EQ(test, map_bio(f, T0), QFENCE_IO_ADMIT);
	todo = qfence_io_complete(&f->lease, &f->io, GEN, BLK_STS_NEXUS,
				  T0 + MS(1));
	KUNIT_EXPECT_EQ(test, todo, QFENCE_DONE_KICK | QFENCE_DONE_DRAIN);
	KUNIT_EXPECT_EQ(test, f->lease.state, QFENCE_STATE_FENCED);
	KUNIT_EXPECT_EQ(test, f->lease.fence_reason,
			(u32)QFENCE_REASON_STORAGE);
	KUNIT_EXPECT_EQ(test, f->lease.fence_gen, (u64)GEN);
	KUNIT_EXPECT_EQ(test, f->lease.fenced_ns, T0 + MS(1));
	/* A lease in force was fenced: the actions apply (as on expiry). */
	KUNIT_EXPECT_TRUE(test, qfence_lease_fence_acts(&f->lease, 0));
	KUNIT_EXPECT_EQ(test, atomic_read(&f->io.inflight), 0);
	/* From then on IO is refused, though the deadline is ahead. */
	KUNIT_EXPECT_EQ(test, map_bio(f, T0 + MS(2)), QFENCE_IO_REFUSE);
	KUNIT_EXPECT_EQ(test, kick(test, f), 0ULL);
	KUNIT_EXPECT_TRUE(test, drained(f, T0 + MS(3)));
}

/* Any other error, or success, leaves the lease to its deadline. */
static void qfence_map_other_error_test(struct kunit *test)
{
	static const blk_status_t sts[] = {
		BLK_STS_OK, BLK_STS_IOERR, BLK_STS_TARGET, BLK_STS_TRANSPORT,
		BLK_STS_MEDIUM, BLK_STS_AGAIN,
	};
	struct map_fixture *f = fixture_new(test);
	unsigned int i;

	arm(test, f, T0 - MS(1), T0 + MS(500));
	for (i = 0; i < ARRAY_SIZE(sts); i++) {
		KUNIT_ASSERT_EQ(test, map_bio(f, T0 + i), QFENCE_IO_ADMIT);
		KUNIT_EXPECT_EQ(test, qfence_io_complete(&f->lease, &f->io, GEN,
							 sts[i], T0 + i),
				0U);
		KUNIT_EXPECT_EQ(test, f->lease.state, QFENCE_STATE_ARMED);
	}
	KUNIT_EXPECT_EQ(test, f->lease.fences, 0ULL);
}

/*
 * design.md §3: a conflict earned under an older generation never fences
 * the lease's new incarnation (the key of the old one was preempted, the
 * rejoin registered a new key).
 */
static void qfence_map_nexus_old_gen_test(struct kunit *test)
{
	struct map_fixture *f = fixture_new(test);

	arm(test, f, T0 - MS(1), T0 + MS(500));
	KUNIT_ASSERT_EQ(test, map_bio(f, T0), QFENCE_IO_ADMIT);
	KUNIT_EXPECT_EQ(test, qfence_io_complete(&f->lease, &f->io, GEN - 1,
						 BLK_STS_NEXUS, T0 + 1),
			0U);
	KUNIT_EXPECT_EQ(test, f->lease.state, QFENCE_STATE_ARMED);
	KUNIT_EXPECT_EQ(test, f->lease.fences, 0ULL);
}

/*
 * A conflict on a lease already fenced (it expired while the bio was in
 * flight) is no second fence: reason, time and count stay the expiry's,
 * and the completion still asks for the drain.
 */
static void qfence_map_nexus_after_expiry_test(struct kunit *test)
{
	struct map_fixture *f = fixture_new(test);

	arm(test, f, T0 - MS(1), T0 + MS(100));
	KUNIT_ASSERT_EQ(test, map_bio(f, T0), QFENCE_IO_ADMIT);
	KUNIT_ASSERT_TRUE(test, qfence_lease_expire(&f->lease, T0 + MS(100)));
	KUNIT_EXPECT_EQ(test, kick(test, f), 1ULL);
	KUNIT_EXPECT_EQ(test, qfence_io_complete(&f->lease, &f->io, GEN,
						 BLK_STS_NEXUS, T0 + MS(101)),
			QFENCE_DONE_DRAIN);
	KUNIT_EXPECT_EQ(test, f->lease.fence_reason,
			(u32)QFENCE_REASON_EXPIRED);
	KUNIT_EXPECT_EQ(test, f->lease.fenced_ns, T0 + MS(100));
	KUNIT_EXPECT_EQ(test, f->lease.fences, 1ULL);
}

/*
 * The rejoin: fenced by the storage, drained, unfenced to GEN + 1 and
 * armed again. A bio of the new incarnation that meets a conflict fences
 * it (its key was preempted too); the check is by generation, not once.
 */
static void qfence_map_nexus_rejoin_test(struct kunit *test)
{
	struct map_fixture *f = fixture_new(test);

	arm(test, f, T0 - MS(1), T0 + MS(500));
	KUNIT_ASSERT_EQ(test, map_bio(f, T0), QFENCE_IO_ADMIT);
	KUNIT_ASSERT_EQ(test, qfence_io_complete(&f->lease, &f->io, GEN,
						 BLK_STS_NEXUS, T0 + 1),
			QFENCE_DONE_KICK | QFENCE_DONE_DRAIN);
	kick(test, f);
	KUNIT_ASSERT_TRUE(test, drained(f, T0 + 2));
	KUNIT_ASSERT_EQ(test, qfence_lease_unfence(&f->lease, GEN + 1, NULL), 0);
	KUNIT_ASSERT_EQ(test, qfence_lease_renew(&f->lease, T0 + 3, T0 + MS(500),
						 GEN + 1, NULL), 0);
	KUNIT_ASSERT_EQ(test, map_bio(f, T0 + 4), QFENCE_IO_ADMIT);
	/* A late conflict reported for the old generation: ignored. */
	KUNIT_EXPECT_EQ(test, qfence_io_complete(&f->lease, &f->io, GEN,
						 BLK_STS_NEXUS, T0 + 5),
			0U);
	KUNIT_EXPECT_EQ(test, f->lease.state, QFENCE_STATE_ARMED);
	KUNIT_ASSERT_EQ(test, map_bio(f, T0 + 6), QFENCE_IO_ADMIT);
	KUNIT_EXPECT_EQ(test, qfence_io_complete(&f->lease, &f->io, GEN + 1,
						 BLK_STS_NEXUS, T0 + 7),
			QFENCE_DONE_KICK | QFENCE_DONE_DRAIN);
	KUNIT_EXPECT_EQ(test, f->lease.fence_gen, (u64)(GEN + 1));
	KUNIT_EXPECT_EQ(test, f->lease.fences, 2ULL);
}

/* Which admitted bios map() moves to the device's offset. */
struct sector_case {
	const char *desc;
	blk_opf_t opf;
	unsigned int bytes;
	bool moved;
};

static const struct sector_case sector_cases[] = {
	{ "write with data: remapped", REQ_OP_WRITE, 4096, true },
	{ "read with data: remapped", REQ_OP_READ, 512, true },
	{ "discard: remapped", REQ_OP_DISCARD, 1 << 20, true },
	{ "empty flush: no sector", REQ_OP_WRITE | REQ_PREFLUSH, 0, false },
	{ "zone reset (no length): remapped", REQ_OP_ZONE_RESET, 0, true },
	{ "zone open (no length): remapped", REQ_OP_ZONE_OPEN, 0, true },
	{ "zone close (no length): remapped", REQ_OP_ZONE_CLOSE, 0, true },
	{ "zone finish (no length): remapped", REQ_OP_ZONE_FINISH, 0, true },
};

static void sector_desc(const struct sector_case *c, char *desc)
{
	strscpy(desc, c->desc, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(sector, sector_cases, sector_desc);

static void qfence_map_sector_test(struct kunit *test)
{
	const struct sector_case *c = test->param_value;
	struct bio bio = {};

	bio.bi_opf = c->opf;
	bio.bi_iter.bi_size = c->bytes;
	KUNIT_EXPECT_EQ(test, qfence_bio_has_sector(&bio), c->moved);
}

static struct kunit_case qfence_map_cases[] = {
	KUNIT_CASE_PARAM(qfence_map_decide_test, map_gen_params),
	KUNIT_CASE(qfence_map_latch_once_test),
	KUNIT_CASE(qfence_map_then_renew_test),
	KUNIT_CASE(qfence_map_renewed_test),
	KUNIT_CASE(qfence_map_shortened_test),
	KUNIT_CASE(qfence_map_inflight_at_fence_test),
	KUNIT_CASE(qfence_map_refused_last_test),
	KUNIT_CASE_PARAM(qfence_map_scenario_test, map_scenarios_gen_params),
	KUNIT_CASE_PARAM(qfence_map_sector_test, sector_gen_params),
	KUNIT_CASE(qfence_map_done_armed_test),
	KUNIT_CASE(qfence_map_nexus_latches_test),
	KUNIT_CASE(qfence_map_other_error_test),
	KUNIT_CASE(qfence_map_nexus_old_gen_test),
	KUNIT_CASE(qfence_map_nexus_after_expiry_test),
	KUNIT_CASE(qfence_map_nexus_rejoin_test),
	{}
};

static struct kunit_suite qfence_map_suite = {
	.name = "qfence_map",
	.test_cases = qfence_map_cases,
};

kunit_test_suite(qfence_map_suite);
