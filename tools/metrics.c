// SPDX-License-Identifier: MIT
/*
 * `quorumctl metrics`: the status reply in Prometheus text format.
 *
 * Names follow Prometheus conventions (base units: seconds; counters end
 * in _total; one # HELP and # TYPE per family). Label sets are fixed:
 * verdict and reason take only the names of the daemon's own enums, node
 * only member ids, so a scrape never grows a new series by surprise.
 * Times quorumd gives in milliseconds are printed as seconds with three
 * decimals (exact). A value quorumd marks unknown (a follower's view of
 * other members' leases, a lease that is not armed) is not printed at
 * all: an absent series is the truth, a 0 would be a made-up number (the
 * same rule as status --json's null).
 */
#include <inttypes.h>
#include <stdlib.h>

#include "clfmt.h"
#include "metrics.h"
#include "quorumctl.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static void head(FILE *f, const char *name, const char *type,
		 const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void u64(FILE *f, const char *name, const char *type,
		const char *help, uint64_t v)
{
	head(f, name, type, help);
	fprintf(f, "%s %" PRIu64 "\n", name, v);
}

/* milliseconds -> "S.mmm", exact, sign kept */
static void ms_value(FILE *f, int64_t ms)
{
	uint64_t a = ms < 0 ? -(uint64_t)ms : (uint64_t)ms;

	fprintf(f, "%s%" PRIu64 ".%03" PRIu64 "\n", ms < 0 ? "-" : "",
		a / 1000, a % 1000);
}

static void seconds(FILE *f, const char *name, const char *help, int64_t ms)
{
	head(f, name, "gauge", help);
	fprintf(f, "%s ", name);
	ms_value(f, ms);
}

/* A label value: backslash, double quote and newline escaped. */
static void label_value(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\' || *s == '"')
			fprintf(f, "\\%c", *s);
		else if (*s == '\n')
			fputs("\\n", f);
		else
			fputc(*s, f);
	}
}

static void info(FILE *f, const struct qfctl_status *st)
{
	const char *rs = qc_raft_state_name(st->state);
	const char *ks = qc_kernel_state_name(st->kernel_state);

	head(f, "qfence_info", "gauge",
	     "Always 1; labels: cluster, lease name, this node, Raft state, kernel lease state.");
	fputs("qfence_info{cluster=\"", f);
	label_value(f, st->cluster);
	fputs("\",lease=\"", f);
	label_value(f, st->lease_name);
	fprintf(f, "\",node=\"%" PRIu32 "\",state=\"%s\",kernel=\"%s\"} 1\n",
		st->self, rs ? rs : "unknown", ks ? ks : "unknown");
}

static void raft(FILE *f, const struct qfctl_status *st)
{
	u64(f, "qfence_term", "gauge", "Current Raft term.", st->term);
	u64(f, "qfence_leader", "gauge",
	    "Node id of the leader this node knows (0: none known).", st->leader);
	u64(f, "qfence_is_leader", "gauge", "1 if this node leads.",
	    st->state == QFCTL_STATE_LEADER);
	u64(f, "qfence_commit_index", "gauge", "Highest committed log index.",
	    st->commit);
	u64(f, "qfence_last_index", "gauge", "Last log index.", st->last_index);
	u64(f, "qfence_generation", "gauge",
	    "This node's generation (0: not a member).", st->gen);
	seconds(f, "qfence_wait_seconds",
		"W: how long after a node's last grant NODE_FENCED may commit (design.md rule 5).",
		(int64_t)st->wait_ms);
	seconds(f, "qfence_lease_duration_seconds", "L: the lease length.",
		(int64_t)st->lease_ms);
	u64(f, "qfence_fenced", "gauge",
	    "1 if NODE_FENCED for this node's generation is applied here.",
	    !!(st->flags & QFCTL_SF_FENCED));
	u64(f, "qfence_lapsed", "gauge", "1 if this node's own lease lapsed.",
	    !!(st->flags & QFCTL_SF_LAPSED));
	if (st->lease_known)
		seconds(f, "qfence_lease_remaining_seconds",
			"This node's lease: deadline minus now, on quorumd's clock (negative: expired).",
			st->lease_remaining_ms);
	seconds(f, "qfence_uptime_seconds", "Time since quorumd started.",
		(int64_t)st->uptime_ms);
}

static void renew(FILE *f, const struct qfctl_counters *k)
{
	u64(f, "qfence_renewals_total", "counter",
	    "Kernel lease renewals sent by quorumd.", k->renewals);
	u64(f, "qfence_renew_errors_total", "counter",
	    "Kernel lease renewals the kernel refused.", k->renew_errors);
	u64(f, "qfence_renew_refused_clock_total", "counter",
	    "Renewals the clock guard refused (design.md rule 10).",
	    k->renew_refused_clock);
	/* a summary without quantiles: quorumd keeps the sum and count */
	head(f, "qfence_renew_latency_seconds", "summary",
	     "From a grant's arrival to the kernel renew done.");
	fprintf(f, "qfence_renew_latency_seconds_sum %" PRIu64 ".%06" PRIu64 "\n",
		k->renew_latency_sum_us / 1000000,
		k->renew_latency_sum_us % 1000000);
	fprintf(f, "qfence_renew_latency_seconds_count %" PRIu64 "\n",
		k->renew_latency_count);
	head(f, "qfence_renew_latency_max_seconds", "gauge",
	     "Longest grant-to-renew time since quorumd started.");
	fprintf(f, "qfence_renew_latency_max_seconds %" PRIu64 ".%06" PRIu64 "\n",
		k->renew_latency_max_us / 1000000,
		k->renew_latency_max_us % 1000000);
}

static void wire(FILE *f, const struct qfctl_counters *k)
{
	unsigned int v;

	u64(f, "qfence_datagrams_sent_total", "counter", "Datagrams sent.",
	    k->sent);
	u64(f, "qfence_datagrams_accepted_total", "counter",
	    "Authentic datagrams accepted.", k->accepted);
	u64(f, "qfence_bad_payload_total", "counter",
	    "Authentic datagrams that are not a message.", k->bad_payload);
	u64(f, "qfence_messages_dropped_total", "counter",
	    "Messages dropped by a full core batch.", k->msgs_dropped);
	head(f, "qfence_drops_total", "counter",
	     "Datagrams dropped, by the wire layer's verdict.");
	/* every named verdict, also at 0, so that rate() sees the series */
	for (v = 1; v < QFCTL_MAX_DROPS; v++)
		if (qc_drop_name(v))
			fprintf(f, "qfence_drops_total{verdict=\"%s\"} %" PRIu64 "\n",
				qc_drop_name(v), k->drops[v]);
}

static void members(FILE *f, const struct qfctl_status *st)
{
	const struct qfctl_member *m;
	int i;

	head(f, "qfence_member_generation", "gauge",
	     "Each member's current generation.");
	for (i = 0; i < st->n_members; i++)
		fprintf(f, "qfence_member_generation{node=\"%" PRIu32 "\"} %" PRIu64 "\n",
			st->members[i].id, st->members[i].gen);
	head(f, "qfence_member_fenced", "gauge",
	     "1 if NODE_FENCED for the member's current generation is applied here.");
	for (i = 0; i < st->n_members; i++)
		fprintf(f, "qfence_member_fenced{node=\"%" PRIu32 "\"} %d\n",
			st->members[i].id,
			!!(st->members[i].flags & QFCTL_MF_FENCED));
	head(f, "qfence_member_lease_remaining_seconds", "gauge",
	     "The leader's bound on a member's lease (only where quorumd knows it).");
	for (i = 0; i < st->n_members; i++) {
		m = &st->members[i];
		if (!(m->flags & QFCTL_MF_LEASE_KNOWN))
			continue;
		fprintf(f, "qfence_member_lease_remaining_seconds{node=\"%" PRIu32 "\"} ",
			m->id);
		ms_value(f, m->lease_remaining_ms);
	}
	head(f, "qfence_member_last_ack_age_seconds", "gauge",
	     "Leader only: time since the member's last ack.");
	for (i = 0; i < st->n_members; i++) {
		m = &st->members[i];
		if (!(m->flags & QFCTL_MF_ACK_KNOWN))
			continue;
		fprintf(f, "qfence_member_last_ack_age_seconds{node=\"%" PRIu32 "\"} ",
			m->id);
		ms_value(f, m->last_ack_age_ms);
	}
}

/*
 * quorumd reports the last QFCTL_MAX_FENCES records it applied, not a
 * counter since it started: the family says so in its name and help, and
 * counts every reason (also 0) of those records.
 */
static void fences(FILE *f, const struct qfctl_status *st)
{
	static const uint8_t reasons[] = { QFCTL_FR_SILENT, QFCTL_FR_ADMIN,
					   QFCTL_FR_REMOVED, QFCTL_FR_LAPSED };
	unsigned int i, j, n;

	head(f, "qfence_recent_fences", "gauge",
	     "Committed NODE_FENCED records among the last 16 this quorumd applied, by reason.");
	for (i = 0; i < ARRAY_SIZE(reasons); i++) {
		for (n = 0, j = 0; j < st->n_fences; j++)
			n += st->fences[j].reason == reasons[i];
		fprintf(f, "qfence_recent_fences{reason=\"%s\"} %u\n",
			qc_fence_reason_name(reasons[i]), n);
	}
	if (!st->n_fences)
		return;
	head(f, "qfence_last_fence_age_seconds", "gauge",
	     "Time since this quorumd applied the newest committed NODE_FENCED.");
	fputs("qfence_last_fence_age_seconds ", f);
	ms_value(f, st->fences[0].age_ms);
	u64(f, "qfence_last_fence_node", "gauge",
	    "Node of the newest committed NODE_FENCED.", st->fences[0].node);
	u64(f, "qfence_last_fence_index", "gauge",
	    "Log index of the newest committed NODE_FENCED.", st->fences[0].index);
}

/*
 * From the committed state (FENCE_COUNTS): every node reports the same
 * totals, and a restart neither resets nor double counts them. Reasons
 * are the daemon's own (silent, admin, removed, lapsed; a leave is
 * lapsed); a record committed by reservation is also counted apart.
 */
static void fence_totals(FILE *f, const struct qfctl_fence_counts *fc)
{
	static const uint8_t reasons[] = { QFCTL_FR_SILENT, QFCTL_FR_ADMIN,
					   QFCTL_FR_REMOVED, QFCTL_FR_LAPSED };

	head(f, "qfence_fences_total", "counter",
	     "Committed NODE_FENCED records in the cluster's log, by reason.");
	for (unsigned int i = 0; i < ARRAY_SIZE(reasons); i++)
		fprintf(f, "qfence_fences_total{reason=\"%s\"} %u\n",
			qc_fence_reason_name(reasons[i]),
			fc->by_reason[reasons[i]]);
	head(f, "qfence_fences_by_reservation_total", "counter",
	     "Committed PREEMPTED records: fences the storage enforced (design.md rule 13).");
	fprintf(f, "qfence_fences_by_reservation_total %u\n", fc->preempted);
}

void qc_print_metrics(FILE *f, const struct qfctl_status *st,
		      const struct qfctl_fence_counts *fc)
{
	info(f, st);
	raft(f, st);
	renew(f, &st->counters);
	wire(f, &st->counters);
	members(f, st);
	fences(f, st);
	if (fc)
		fence_totals(f, fc);
}
