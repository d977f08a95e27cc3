// SPDX-License-Identifier: MIT
/*
 * qfence-sim: command line and the seed loop.
 *
 *   qfence-sim --seeds N --nodes K [--seed-start S] [--mutate NAME]
 *              [--clocks random|extreme] [--profile default|fast]
 *              [--scenario NAME] [--duration-ms MS] [--steps N]
 *              [--rho-ppm P] [--no-wire-checks] [--all] [--verbose] [--trace]
 *              [--slow-clocks] [--kernel-boottime]
 *
 * The last line printed is exactly "seeds=N steps=S violations=V", V being
 * the number of seeds that broke an invariant (a seed stops at its first
 * violation, and prints it with the seed and its last events).
 *
 * Exit status: without --mutate, 0 if V = 0, else 1. With --mutate (the
 * core's deliberate protocol break), 0 if the break was caught (V > 0),
 * 1 if it was not; the run then stops at the first catch unless --all.
 * 2: bad usage.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"

struct sim_world W;

#define SEED_STEP_BUDGET 5000000ULL

void sim_push(int64_t t, int kind, int node, uint32_t arg, uint64_t gen)
{
	struct sim_event ev = {
		.t = t, .kind = (uint8_t)kind, .node = (uint8_t)node,
		.arg = arg, .gen = gen,
	};

	if (t < W.now) {
		inv_violation("simulator: event scheduled in the past", kind,
			      (uint64_t)node);
		ev.t = W.now;
	}
	if (queue_push(&W.q, ev) != 0)
		inv_violation("simulator: event queue full", W.q.len, 0);
}

struct sim_node *sim_node_by_id(uint32_t id)
{
	if (id == 0 || id > (uint32_t)W.n)
		return NULL;
	return &W.node[id - 1];
}

/*
 * The simulator has no storage model yet (design.md rule 13): nothing in
 * it preempts or registers, so breaking who may preempt or the
 * registration lifecycle changes no run. qfcore-test-mut catches those
 * (daemon/tests/main.c, unit_kills); pr-no-record is caught here, as it
 * lets NODE_FENCED commit before W. Nor does its network replay a
 * recorded datagram (the wire is modelled apart, daemon/infra): a REJOIN
 * always names the fence it ends, so rejoin-any-fence changes no run.
 * A follower on a bad clock that still accepts grants (guard-spares-
 * follower) changes no verdict here either: on a fast clock it lapses
 * early, and on a slow one its kernel converts what is left of the
 * deadline to the raw clock at once (kmod/clock.h), so the grant's bound
 * holds but for the slew over the renew's own latency.
 */
static int sim_models(int m)
{
	return m != QF_MUT_PR_MINORITY_PREEMPT && m != QF_MUT_PR_REREGISTER &&
	       m != QF_MUT_REJOIN_ANY_FENCE &&
	       m != QF_MUT_GUARD_SPARES_FOLLOWER;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: qfence-sim --seeds N --nodes K [--seed-start S] [--mutate NAME]\n"
		"                  [--clocks random|extreme] [--profile default|fast]\n"
		"                  [--scenario NAME] [--duration-ms MS] [--steps N]\n"
		"                  [--rho-ppm P] [--election-ms MIN-MAX] [--no-wire-checks]\n"
		"                  [--slow-clocks] [--kernel-boottime]\n"
		"                  [--send-before-fsync] [--all] [--verbose] [--trace]\n"
		"scenarios:");
	for (int i = 0; i < SC__MAX; i++)
		fprintf(f, " %s", scenario_names[i]);
	fprintf(f, "\nmutations:");
	for (int i = 1; i < __QF_MUT_LAST; i++)
		if (sim_models(i))
			fprintf(f, " %s", qf_mutation_name((enum qf_mutation)i));
	fprintf(f, "\nnot modelled (core tests catch them):");
	for (int i = 1; i < __QF_MUT_LAST; i++)
		if (!sim_models(i))
			fprintf(f, " %s", qf_mutation_name((enum qf_mutation)i));
	fprintf(f, "\n");
}

static int parse_u64(const char *s, uint64_t lo, uint64_t hi, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (!s || !*s || *s == '-')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

static int num(const char *opt, const char *s, uint64_t lo, uint64_t hi,
	       uint64_t *out)
{
	if (parse_u64(s, lo, hi, out) == 0)
		return 0;
	fprintf(stderr, "qfence-sim: %s needs a number in [%" PRIu64 ", %" PRIu64
		"], not '%s'\n", opt, lo, hi, s ? s : "");
	return -1;
}

static int pick(const char *opt, const char *s, const char *const *names,
		int n, int *out)
{
	for (int k = 0; s && k < n; k++) {
		if (names[k] && !strcmp(s, names[k])) {
			*out = k;
			return 0;
		}
	}
	fprintf(stderr, "qfence-sim: bad value '%s' for %s\n", s ? s : "", opt);
	return -1;
}

static int parse_args(int argc, char **argv, struct sim_opts *o)
{
	static const char *const clocks[] = { "random", "extreme" };
	static const char *const profiles[] = { "default", "fast" };
	uint64_t v;
	int k;

	memset(o, 0, sizeof(*o));
	o->seeds = 1;
	o->nodes = 5;
	o->wire = 1;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v1 = i + 1 < argc ? argv[i + 1] : NULL;
		int e = 0, takes = 1;

		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			usage(stdout);
			exit(0);
		} else if (!strcmp(a, "--seeds")) {
			e = num(a, v1, 1, UINT64_MAX / 2, &o->seeds);
		} else if (!strcmp(a, "--nodes")) {
			e = num(a, v1, 1, SIM_MAX_NODES - 1, &v);
			o->nodes = (int)v;
		} else if (!strcmp(a, "--seed-start")) {
			e = num(a, v1, 0, UINT64_MAX / 2, &o->seed_start);
		} else if (!strcmp(a, "--steps")) {
			e = num(a, v1, 1, UINT64_MAX / 2, &o->max_steps);
		} else if (!strcmp(a, "--duration-ms")) {
			e = num(a, v1, 1000, 86400000, &v);
			o->duration = MS(v);
		} else if (!strcmp(a, "--rho-ppm")) {
			e = num(a, v1, 1, 100000, &v);
			o->rho_ppm = (uint32_t)v;
		} else if (!strcmp(a, "--election-ms")) {
			/* MIN-MAX: override the profile's election timeout */
			uint64_t lo, hi;
			const char *dash = v1 ? strchr(v1, '-') : NULL;
			char buf[32];

			e = -1;
			if (dash && (size_t)(dash - v1) < sizeof(buf)) {
				memcpy(buf, v1, (size_t)(dash - v1));
				buf[dash - v1] = 0;
				if (!num(a, buf, 1, 60000, &lo) &&
				    !num(a, dash + 1, lo + 1, 60000, &hi)) {
					o->election_min = lo;
					o->election_max = hi;
					e = 0;
				}
			}
			if (e)
				fprintf(stderr, "qfence-sim: --election-ms takes MIN-MAX in ms\n");
		} else if (!strcmp(a, "--mutate")) {
			o->mutation = v1 ? qf_mutation_parse(v1) : -1;
			if (o->mutation <= 0) {
				fprintf(stderr, "qfence-sim: unknown mutation '%s'\n",
					v1 ? v1 : "");
				e = -1;
			}
		} else if (!strcmp(a, "--clocks")) {
			e = pick(a, v1, clocks, 2, &o->extreme);
		} else if (!strcmp(a, "--profile")) {
			e = pick(a, v1, profiles, 2, &o->fast);
		} else if (!strcmp(a, "--scenario")) {
			e = pick(a, v1, scenario_names, SC__MAX, &k);
			o->scenario = k;
		} else {
			takes = 0;
			if (!strcmp(a, "--no-wire-checks"))
				o->wire = 0;
			else if (!strcmp(a, "--send-before-fsync"))
				o->send_early = 1;
			else if (!strcmp(a, "--slow-clocks"))
				o->slow_clocks = 1;
			else if (!strcmp(a, "--kernel-boottime"))
				o->kernel_boottime = 1;
			else if (!strcmp(a, "--all"))
				o->all = 1;
			else if (!strcmp(a, "--verbose") || !strcmp(a, "-v"))
				o->verbose = 1;
			else if (!strcmp(a, "--trace"))
				o->trace = 1;
			else {
				fprintf(stderr, "qfence-sim: unknown argument '%s'\n", a);
				e = -1;
			}
		}
		if (e) {
			usage(stderr);
			return 2;
		}
		i += takes;
	}
	return 0;
}

static int setup_timing(void)
{
	char why[256];

	if (W.o.fast)
		qf_timing_fast(&W.tm);
	else
		qf_timing_default(&W.tm);
	if (W.o.rho_ppm)
		W.tm.rho_ppm = W.o.rho_ppm;
	if (W.o.election_max) {
		W.tm.election_min = W.o.election_min * QF_MS;
		W.tm.election_max = W.o.election_max * QF_MS;
	}
	if (qf_timing_validate(&W.tm, why, sizeof(why)) != 0) {
		fprintf(stderr, "qfence-sim: timing refused: %s\n", why);
		return 2;
	}
	W.wait = qf_timing_wait(&W.tm);	/* tm.wait stays 0: the core derives W */
	W.rule5_wait = W.wait;
	W.lease_max = W.tm.lease;
	if (!W.o.duration)
		W.o.duration = MS(120000);
	return 0;
}

static void dispatch(const struct sim_event *ev)
{
	switch (ev->kind) {
	case EV_DELIVER:
		net_deliver(ev);
		break;
	case EV_NEMESIS:
		nemesis_step(ev->arg);
		break;
	case EV_RESTART:
		nemesis_restart(ev);
		break;
	case EV_CRASH:
		nemesis_crash(ev);
		break;
	case EV_END:
		W.done = 1;
		break;
	default:
		node_event(ev);
	}
}

static uint64_t run_seed(uint64_t seed)
{
	struct sim_event ev;
	uint64_t steps = 0, same = 0;

	rng_seed(&W.rng, seed ^ 0x71666e6365ULL);
	W.seed = seed;
	W.now = 0;
	W.failed = W.done = 0;
	W.fail_what = NULL;
	W.cut_at = W.takeover = W.heal_at = 0;
	W.victim = 0;
	W.no_lapse_mask = 0;
	W.no_lapse_until = 0;
	queue_reset(&W.q);
	net_reset();
	inv_reset();
	trace_reset(W.o.trace);
	for (int i = 0; i < W.n; i++)
		node_seed_init(&W.node[i], W.members0);
	nemesis_start();
	while (!W.failed && !W.done && queue_pop(&W.q, &ev) == 0) {
		if (ev.t != W.now) {
			W.now = ev.t;
			same = 0;
		} else if (++same > 1000000) {
			inv_violation("livelock: a million events at one instant",
				      ev.kind, ev.node);
			break;
		}
		steps++;
		dispatch(&ev);
		if (W.o.max_steps && steps >= W.o.max_steps)
			break;
		if (steps >= SEED_STEP_BUDGET && !W.o.max_steps) {
			/* a healthy seed takes ~10^4 steps */
			inv_violation("livelock: a seed used its whole step budget",
				      steps, 0);
			break;
		}
	}
	return steps;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

static void report_takeover(int64_t *t, uint64_t n)
{
	if (!n)
		return;
	qsort(t, n, sizeof(*t), cmp_i64);
	printf("takeover_ms n=%" PRIu64 " p50=%.1f p99=%.1f max=%.1f\n", n,
	       t[n / 2] / 1e6, t[(n * 99) / 100 < n ? (n * 99) / 100 : n - 1] / 1e6,
	       t[n - 1] / 1e6);
}

static void print_failure(int full)
{
	printf("VIOLATION seed=%" PRIu64 " scenario=%s t=%.3fms: %s (%" PRIu64
	       ", %" PRIu64 ")\n", W.seed, scenario_names[W.scenario],
	       W.now / 1e6, W.fail_what, W.fail_a, W.fail_b);
	if (!full)
		return;
	printf("reproduce: qfence-sim --seeds 1 --seed-start %" PRIu64
	       " --nodes %d%s%s%s%s --scenario %s --trace\n", W.seed, W.o.nodes,
	       W.o.mutation ? " --mutate " : "",
	       W.o.mutation ? qf_mutation_name((enum qf_mutation)W.o.mutation) : "",
	       W.o.extreme ? " --clocks extreme" : "",
	       W.o.fast ? " --profile fast" : "", scenario_names[W.scenario]);
	trace_dump(stdout, W.o.verbose ? 200 : 50);
}

/*
 * A mutated run's violation counts as a catch only if the same seed passes
 * without the mutation; otherwise it is a failure of the unmutated core
 * (reported separately as baseline). The mutated seed is then run again so
 * that its trace is the one printed.
 */
static int baseline_fails(uint64_t s)
{
	int fails;

	qf_mutation = QF_MUT_NONE;
	run_seed(s);
	fails = W.failed;
	if (fails)
		printf("baseline seed=%" PRIu64 " fails without the mutation too: %s\n",
		       s, W.fail_what);
	qf_mutation = (enum qf_mutation)W.o.mutation;
	if (!fails)
		run_seed(s);
	return fails;
}

int main(int argc, char **argv)
{
	uint64_t violations = 0, seeds = 0, n_take = 0, baseline = 0;
	int64_t *take;
	int rc;

	rc = parse_args(argc, argv, &W.o);
	if (rc)
		return rc;
	rc = setup_timing();
	if (rc)
		return rc;
	qf_mutation = (enum qf_mutation)W.o.mutation;
	W.min_slack_floor = INT64_MAX / 4;
	W.members0 = W.o.nodes;
	W.n = W.o.nodes + 1;	/* one spare slot for membership changes */
	for (int i = 0; i < W.n; i++)
		node_alloc(&W.node[i], i);
	queue_init(&W.q, 1u << 16);
	take = calloc(W.o.seeds, sizeof(*take));
	if (!take) {
		fprintf(stderr, "qfence-sim: out of memory\n");
		return 2;
	}
	if (W.o.verbose)
		printf("profile=%s W=%.3fms L=%" PRIu64 "ms F=%" PRIu64
		       "ms rho=%uppm mutation=%s clocks=%s\n",
		       W.o.fast ? "fast" : "default", W.wait / 1e6,
		       W.tm.lease / 1000000, W.tm.settle / 1000000, W.tm.rho_ppm,
		       W.o.mutation ? qf_mutation_name((enum qf_mutation)W.o.mutation) : "none",
		       W.o.extreme ? "extreme" : "random");
	for (uint64_t s = W.o.seed_start; seeds < W.o.seeds; s++) {
		W.steps += run_seed(s);
		seeds++;
		if (W.takeover)
			take[n_take++] = W.takeover;
		if (W.failed && W.o.mutation && baseline_fails(s)) {
			baseline++;
			continue;
		}
		if (W.failed) {
			violations++;
			print_failure(violations == 1 || W.o.verbose);
			if (W.o.mutation && !W.o.all) {
				printf("mutation %s caught at seed %" PRIu64 "\n",
				       qf_mutation_name((enum qf_mutation)W.o.mutation), s);
				break;
			}
		}
	}
	report_takeover(take, n_take);
	if (W.fence_slack_n)
		printf("closest fence: %.3f ms between the last possible IO and NODE_FENCED committed (%u fences)\n",
		       W.fence_slack_min / 1e6, W.fence_slack_n);
	if (W.o.mutation && !violations)
		printf("mutation %s NOT caught\n",
		       qf_mutation_name((enum qf_mutation)W.o.mutation));
	if (baseline)
		printf("baseline failures (seeds failing without the mutation too, not counted): %" PRIu64 "\n",
		       baseline);
	printf("seeds=%" PRIu64 " steps=%" PRIu64 " violations=%" PRIu64 "\n",
	       seeds, W.steps, violations);
	free(take);
	if (W.o.mutation)
		return violations ? 0 : 1;
	return violations ? 1 : 0;
}
