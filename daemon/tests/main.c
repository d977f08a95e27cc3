// SPDX-License-Identifier: MIT
/*
 * Test runner: unit tests, then the data-driven files of testdata/.
 *
 * Built with -DQF_MUTATIONS (against libqfcore-mut.a) it instead proves
 * that the rule tests have teeth: every mutation of mutation.h must make
 * at least one of its targeted files fail.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "mutation.h"
#include "test.h"

bool test_failed;
static char test_why[1024];

int datadriven_file(const char *path, bool rewrite, char *why, size_t len);
int datadriven_list(const char *dir, char ***names);

void test_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (test_failed)
		return;
	test_failed = true;
	n = snprintf(test_why, sizeof(test_why), "%s:%d: ", file, line);
	va_start(ap, fmt);
	vsnprintf(test_why + n, sizeof(test_why) - n, fmt, ap);
	va_end(ap);
}

static int passed, failed;

static void report(const char *name, bool ok, const char *why)
{
	if (ok) {
		printf("ok %s\n", name);
		passed++;
	} else {
		printf("FAIL %s: %s\n", name, why);
		failed++;
	}
}

static void run_table(const char *group, const struct test_case *t)
{
	for (; t->name; t++) {
		char name[128];

		test_failed = false;
		test_why[0] = 0;
		t->fn();
		snprintf(name, sizeof(name), "%s/%s", group, t->name);
		report(name, !test_failed, test_why);
	}
}

#ifndef QF_MUTATIONS
static void run_datadriven(void)
{
	bool rewrite = getenv("REWRITE") && *getenv("REWRITE") == '1';
	char **names, why[1024];
	int n = datadriven_list("testdata", &names);

	if (n <= 0)
		report("datadriven", false, "no testdata/*.txt found");
	for (int i = 0; i < n; i++) {
		int bad = datadriven_file(names[i], rewrite, why, sizeof(why));

		report(names[i], bad == 0, why);
		free(names[i]);
	}
	free(names);
}

int main(void)
{
	run_table("quorum", quorum_tests);
	run_table("config", config_tests);
	run_table("log", log_tests);
	run_table("state", state_tests);
	run_table("lease", lease_tests);
	run_table("raft", raft_tests);
	run_table("cluster", cluster_tests);
	run_table("codec", codec_tests);
	run_table("pr", pr_tests);
	run_datadriven();
	printf("%d passed, %d failed\n", passed, failed);
	return failed != 0;
}
#else
/* Mutation -> the rule tests that must catch it. */
static const struct {
	enum qf_mutation m;
	const char *file;
} kills[] = {
	{ QF_MUT_ANCHOR_ON_RECEIPT, "testdata/rule1_anchor.txt" },
	{ QF_MUT_SKIP_WAIT, "testdata/rule5_wait_grant.txt" },
	{ QF_MUT_SKIP_WAIT, "testdata/rule5_wait_inherited.txt" },
	{ QF_MUT_GRANT_WITHOUT_QUORUM, "testdata/rule2_no_majority.txt" },
	{ QF_MUT_ACK_AFTER_VOTE, "testdata/rule4_no_old_acks.txt" },
	{ QF_MUT_ACK_BY_ARRIVAL, "testdata/rule2_echo_round.txt" },
	{ QF_MUT_NO_BOOT_NONCE, "testdata/rule3_boot.txt" },
	{ QF_MUT_GRANT_TO_FENCED, "testdata/rule3_no_grant_fenced.txt" },
	{ QF_MUT_FENCE_CHECK_ON_PROPOSE_ONLY, "testdata/rule5_wait_inherited.txt" },
	{ QF_MUT_W_WITHOUT_DRIFT, "testdata/rule5_drift.txt" },
	{ QF_MUT_GUARD_SPARES_LEADER, "testdata/rule10_guard_leader.txt" },
	{ QF_MUT_SKIP_TIMING_CHECK, "testdata/rule9_timing.txt" },
	{ QF_MUT_TIMING_NO_COVER, "testdata/timing_change_wait.txt" },
	{ QF_MUT_TIMING_EARLY_DONE, "testdata/timing_change.txt" },
	{ QF_MUT_TIMING_EARLY_DONE, "testdata/timing_change_restart.txt" },
	{ QF_MUT_REJOIN_NO_REBOOT_CHECK, "testdata/rejoin_policy.txt" },
	{ QF_MUT_REJOIN_NO_GUARD, "testdata/rejoin_policy.txt" },
	{ QF_MUT_REJOIN_ANY_FENCE, "testdata/rule11_rejoin_gen.txt" },
	{ QF_MUT_GUARD_SPARES_FOLLOWER, "testdata/rule10_guard_follower.txt" },
};

/* Mutation -> the unit tests that must catch it. */
static const struct {
	enum qf_mutation m;
	const struct test_case *table;
	const char *test;
} unit_kills[] = {
	{ QF_MUT_ANCHOR_ON_RECEIPT, lease_tests, "rule1-leader-anchor" },
	{ QF_MUT_ANCHOR_ON_RECEIPT, lease_tests, "rule1-follower-anchor" },
	{ QF_MUT_SKIP_WAIT, lease_tests, "rule5-wait" },
	{ QF_MUT_SKIP_WAIT, lease_tests, "rule5-inherited" },
	{ QF_MUT_FENCE_CHECK_ON_PROPOSE_ONLY, lease_tests, "rule5-inherited" },
	{ QF_MUT_GRANT_WITHOUT_QUORUM, lease_tests, "rule2-no-majority" },
	{ QF_MUT_ACK_AFTER_VOTE, lease_tests, "rule4-no-old-acks" },
	{ QF_MUT_ACK_BY_ARRIVAL, lease_tests, "rule2-echo-round" },
	{ QF_MUT_NO_BOOT_NONCE, lease_tests, "rule3-follower-ignores" },
	{ QF_MUT_NO_BOOT_NONCE, lease_tests, "rule3-newest-echo" },
	{ QF_MUT_GRANT_TO_FENCED, lease_tests, "rule3-no-grant-fenced" },
	{ QF_MUT_W_WITHOUT_DRIFT, config_tests, "w-includes-drift" },
	{ QF_MUT_W_WITHOUT_DRIFT, config_tests, "defaults" },
	{ QF_MUT_PR_NO_RECORD, lease_tests, "rule5-wait" },
	{ QF_MUT_PR_NO_RECORD, lease_tests, "rule13-no-record-waits" },
	{ QF_MUT_PR_MINORITY_PREEMPT, lease_tests, "rule13-minority-no-preempt" },
	{ QF_MUT_PR_REREGISTER, pr_tests, "reg-lifecycle" },
};

static bool unit_fails(const struct test_case *t, const char *name)
{
	for (; t->name; t++)
		if (strcmp(t->name, name) == 0) {
			test_failed = false;
			t->fn();
			return test_failed;
		}
	return false;
}

int main(void)
{
	char why[1024], name[256];

	for (size_t i = 0; i < sizeof(unit_kills) / sizeof(unit_kills[0]); i++) {
		bool caught;

		qf_mutation = unit_kills[i].m;
		caught = unit_fails(unit_kills[i].table, unit_kills[i].test);
		qf_mutation = QF_MUT_NONE;
		snprintf(name, sizeof(name), "mutation/%s caught by unit %s",
			 qf_mutation_name(unit_kills[i].m), unit_kills[i].test);
		report(name, caught, "the test still passes with the mutation");
	}
	/* Without mutation, every unit test passes in this build too. */
	run_table("quorum", quorum_tests);
	run_table("config", config_tests);
	run_table("lease", lease_tests);
	run_table("pr", pr_tests);

	for (size_t i = 0; i < sizeof(kills) / sizeof(kills[0]); i++) {
		int bad;

		qf_mutation = kills[i].m;
		bad = datadriven_file(kills[i].file, false, why, sizeof(why));
		qf_mutation = QF_MUT_NONE;
		snprintf(name, sizeof(name), "mutation/%s caught by %s",
			 qf_mutation_name(kills[i].m), kills[i].file);
		report(name, bad > 0, bad < 0 ? why :
		       "the file still passes with the mutation");
	}
	printf("%d passed, %d failed\n", passed, failed);
	return failed != 0;
}
#endif
