// SPDX-License-Identifier: MIT
/*
 * quorumctl metrics: the canned status as Prometheus text, checked by
 * promtool (Debian's prometheus package, scripts/deps.sh) and by content:
 * unknown values are absent, never 0; label values are escaped; every
 * named drop verdict and fence reason has its series.
 */
#include <stdint.h>
#include <sys/wait.h>

#include "canned.h"
#include "metrics.h"
#include "tap.h"

static void has(const char *name, const char *out, const char *needle)
{
	CHECK(name, strstr(out, needle) != NULL, "no \"%s\" in:\n%s", needle, out);
}

static void lacks(const char *name, const char *out, const char *needle)
{
	CHECK(name, strstr(out, needle) == NULL, "\"%s\" printed", needle);
}

/* promtool check metrics reads stdin; its verdict is its exit code. */
static void promtool(const char *name, const char *text)
{
	FILE *p = popen("promtool check metrics 2>&1", "w");
	int rc;

	if (!p) {
		CHECK(name, 0, "cannot run promtool");
		return;
	}
	fputs(text, p);
	rc = pclose(p);
	CHECK(name, rc != -1 && WIFEXITED(rc) && WEXITSTATUS(rc) == 0,
	      "promtool check metrics: exit %d (127: not installed, see scripts/deps.sh)",
	      WIFEXITED(rc) ? WEXITSTATUS(rc) : -1);
}

static void test_leader(void)
{
	static struct qfctl_status st;
	char *out = NULL;

	canned_status(&st);
	CAPTURE(out, qc_print_metrics(f, &st, NULL));
	promtool("metrics: leader passes promtool", out);
	has("metrics: info", out, "qfence_info{cluster=\"prod-a\",lease=\"db0\",node=\"1\",state=\"leader\",kernel=\"armed\"} 1\n");
	has("metrics: term", out, "\nqfence_term 7\n");
	has("metrics: leader", out, "\nqfence_leader 1\n");
	has("metrics: commit", out, "\nqfence_commit_index 42\n");
	has("metrics: W in seconds", out, "\nqfence_wait_seconds 2.505\n");
	has("metrics: own lease", out, "\nqfence_lease_remaining_seconds 1.402\n");
	has("metrics: drops by verdict", out, "\nqfence_drops_total{verdict=\"bad_mac\"} 3\n");
	has("metrics: zero verdicts too", out, "\nqfence_drops_total{verdict=\"stale\"} 0\n");
	has("metrics: fences by reason", out, "\nqfence_recent_fences{reason=\"silent\"} 1\n");
	has("metrics: reasons at 0", out, "\nqfence_recent_fences{reason=\"lapsed\"} 0\n");
	has("metrics: last fence age", out, "\nqfence_last_fence_age_seconds 1.200\n");
	has("metrics: member lease", out, "qfence_member_lease_remaining_seconds{node=\"2\"} 1.399\n");
	lacks("metrics: witness lease unknown", out, "qfence_member_lease_remaining_seconds{node=\"3\"}");
	has("metrics: fenced member", out, "qfence_member_fenced{node=\"4\"} 1\n");
	free(out);
}

/* A follower without a lease: what it does not know is not printed. */
/* The committed fence counts: a counter per reason, all reasons (0 too),
 * and the ones the storage enforced; absent without FENCE_COUNTS. */
static void test_fence_totals(void)
{
	static struct qfctl_status st;
	struct qfctl_fence_counts fc = { .preempted = 2 };
	char *out = NULL;

	canned_status(&st);
	fc.by_reason[QFCTL_FR_SILENT] = 4;
	fc.by_reason[QFCTL_FR_ADMIN] = 1;
	CAPTURE(out, qc_print_metrics(f, &st, &fc));
	promtool("metrics: fence totals pass promtool", out);
	has("metrics: fences total silent", out, "\nqfence_fences_total{reason=\"silent\"} 4\n");
	has("metrics: fences total admin", out, "\nqfence_fences_total{reason=\"admin\"} 1\n");
	has("metrics: fences total lapsed at 0", out, "\nqfence_fences_total{reason=\"lapsed\"} 0\n");
	has("metrics: fences total is a counter", out, "# TYPE qfence_fences_total counter\n");
	has("metrics: fences by reservation", out, "\nqfence_fences_by_reservation_total 2\n");
	free(out);
	out = NULL;
	CAPTURE(out, qc_print_metrics(f, &st, NULL));
	lacks("metrics: no fence totals without the counts", out, "qfence_fences_total");
	free(out);
}

static void test_follower(void)
{
	static struct qfctl_status st;
	char *out = NULL;
	int i;

	canned_status(&st);
	st.state = QFCTL_STATE_FOLLOWER;
	st.leader = 0;
	st.lease_known = 0;
	st.n_fences = 0;
	for (i = 0; i < st.n_members; i++)
		st.members[i].flags &= ~(QFCTL_MF_LEASE_KNOWN | QFCTL_MF_ACK_KNOWN);
	snprintf(st.cluster, sizeof(st.cluster), "a\"b\\c\nd");
	CAPTURE(out, qc_print_metrics(f, &st, NULL));
	promtool("metrics: follower passes promtool", out);
	lacks("metrics: no own lease", out, "\nqfence_lease_remaining_seconds ");
	lacks("metrics: no member lease", out, "qfence_member_lease_remaining_seconds{");
	lacks("metrics: no ack age", out, "qfence_member_last_ack_age_seconds{");
	lacks("metrics: no last fence", out, "qfence_last_fence_age_seconds ");
	has("metrics: no leader is 0", out, "\nqfence_leader 0\n");
	has("metrics: label escaped", out, "cluster=\"a\\\"b\\\\c\\nd\"");
	free(out);
}

static void test_negative(void)
{
	static struct qfctl_status st;
	char *out = NULL;

	canned_status(&st);
	st.lease_remaining_ms = -5;
	st.counters.renew_latency_sum_us = 1234567;
	st.counters.renew_latency_count = 9;
	CAPTURE(out, qc_print_metrics(f, &st, NULL));
	has("metrics: expired lease negative", out, "\nqfence_lease_remaining_seconds -0.005\n");
	has("metrics: latency sum", out, "\nqfence_renew_latency_seconds_sum 1.234567\n");
	has("metrics: latency count", out, "\nqfence_renew_latency_seconds_count 9\n");
	promtool("metrics: negative passes promtool", out);
	free(out);
}

int main(void)
{
	test_leader();
	test_follower();
	test_fence_totals();
	test_negative();
	return TAP_DONE();
}
