// SPDX-License-Identifier: MIT
/*
 * Formatting of quorumd's status and results. Values the daemon marks as
 * unknown (QFCTL_MF_LEASE_KNOWN, QFCTL_MF_ACK_KNOWN, lease_known, leader-
 * only fields) print as "-" for people and null in JSON: nothing shown is
 * invented by the tool. Lease times are the daemon's, taken from its own
 * clock at the moment it answered.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "wire.h"
#include "addr.h"
#include "clfmt.h"
#include "format.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

_Static_assert(__QF_WIRE_VERDICT_MAX <= QFCTL_MAX_DROPS,
	       "every wire verdict has a drop counter");

static const char *const raft_states[] = {
	[QFCTL_STATE_FOLLOWER] = "follower",
	[QFCTL_STATE_PRECANDIDATE] = "precandidate",
	[QFCTL_STATE_CANDIDATE] = "candidate",
	[QFCTL_STATE_LEADER] = "leader",
};

static const char *const kernel_states[] = {
	[QFCTL_KERNEL_DISARMED] = "disarmed",
	[QFCTL_KERNEL_ARMED] = "armed",
	[QFCTL_KERNEL_FENCED] = "fenced",
};

static const char *const roles[] = {
	[QFCTL_ROLE_VOTER] = "voter",
	[QFCTL_ROLE_WITNESS] = "witness",
};

static const char *const reasons[] = {
	[QFCTL_FR_SILENT] = "silent",
	[QFCTL_FR_ADMIN] = "admin",
	[QFCTL_FR_REMOVED] = "removed",
	[QFCTL_FR_LAPSED] = "lapsed",
};

/* Indexed by the daemon's own verdicts (daemon/infra/wire.h). */
static const char *const drops[] = {
	[QF_WIRE_OVERSIZE] = "oversize",
	[QF_WIRE_TRUNCATED] = "truncated",
	[QF_WIRE_BAD_HEADER] = "bad_header",
	[QF_WIRE_WRONG_CLUSTER] = "wrong_cluster",
	[QF_WIRE_WRONG_RECEIVER] = "wrong_receiver",
	[QF_WIRE_UNKNOWN_SENDER] = "unknown_sender",
	[QF_WIRE_BAD_MAC] = "bad_mac",
	[QF_WIRE_REPLAY] = "replay",
	[QF_WIRE_STALE] = "stale",
	[QF_WIRE_OLD_BOOT] = "old_boot",
	[QF_WIRE_OLD_VERSION] = "old_version",
	[QF_WIRE_NOT_DURABLE] = "not_durable",
};

static const char *lookup(const char *const *names, size_t n, unsigned int v)
{
	return v < n ? names[v] : NULL;
}

const char *qc_raft_state_name(uint8_t s)
{
	return lookup(raft_states, ARRAY_SIZE(raft_states), s);
}

const char *qc_kernel_state_name(uint8_t s)
{
	if (s == QFCTL_KERNEL_NONE)
		return "none";
	return lookup(kernel_states, ARRAY_SIZE(kernel_states), s);
}

const char *qc_role_name(uint8_t r)
{
	return lookup(roles, ARRAY_SIZE(roles), r);
}

const char *qc_fence_reason_name(uint8_t r)
{
	return lookup(reasons, ARRAY_SIZE(reasons), r);
}

const char *qc_drop_name(unsigned int v)
{
	return lookup(drops, ARRAY_SIZE(drops), v);
}

/* A name, or "unknown(N)" for a value added after this tool was built. */
static const char *named(const char *name, unsigned int v, char *buf, size_t len)
{
	if (name)
		return name;
	snprintf(buf, len, "unknown(%u)", v);
	return buf;
}

static void addr_str(const struct qfctl_addr *in, char *buf, size_t len)
{
	struct qc_addr a = { .family = in->family, .port = in->port };

	memcpy(a.ip, in->ip, sizeof(a.ip));
	qc_addr_str(&a, buf, len);
}

static void addrs_str(const struct qfctl_member *m, char *buf, size_t len)
{
	char one[QC_ADDR_STRLEN];
	size_t used = 0, i;

	buf[0] = '\0';
	for (i = 0; i < m->n_addrs && used < len; i++) {
		addr_str(&m->addrs[i], one, sizeof(one));
		used += (size_t)snprintf(buf + used, len - used, "%s%s",
					 i ? "," : "", one);
	}
	if (!m->n_addrs)
		snprintf(buf, len, "-");
}

/* Names of the set bits of @mask, comma-separated; "-" for none. */
struct flag_name {
	uint32_t bit;
	const char *name;
};

static const struct flag_name status_flags[] = {
	{ QFCTL_SF_NO_KERNEL, "no-kernel" },
	{ QFCTL_SF_FENCED, "fenced" },
	{ QFCTL_SF_LAPSED, "lapsed" },
	{ QFCTL_SF_CLOCK_BAD, "clock-bad" },
	{ QFCTL_SF_LEAVING, "leaving" },
	{ QFCTL_SF_WITNESS, "witness" },
	{ QFCTL_SF_TIMING_BAD, "timing-mismatch" },
};

static const struct flag_name member_flags[] = {
	{ QFCTL_MF_LEADER, "leader" },
	{ QFCTL_MF_SELF, "self" },
	{ QFCTL_MF_ACTIVE, "active" },
	{ QFCTL_MF_LAPSED, "lapsed" },
	{ QFCTL_MF_FENCED, "fenced" },
};

static void flags_str(const struct flag_name *fl, size_t n, uint32_t mask,
		      char *buf, size_t len)
{
	size_t used = 0, i;

	buf[0] = '\0';
	for (i = 0; i < n && used < len; i++)
		if (mask & fl[i].bit)
			used += (size_t)snprintf(buf + used, len - used, "%s%s",
						 used ? "," : "", fl[i].name);
	if (!used)
		snprintf(buf, len, "-");
}

/* A member's state: its flags, and "removed" once out of the configuration. */
static void member_state(const struct qfctl_member *m, char *buf, size_t len)
{
	size_t used;

	flags_str(member_flags, ARRAY_SIZE(member_flags), m->flags, buf, len);
	if (m->flags & QFCTL_MF_IN_CONFIG)
		return;
	used = strcmp(buf, "-") ? strlen(buf) : 0;
	snprintf(buf + used, len - used, "%sremoved", used ? "," : "");
}

/* ---- tables ---- */

#define CELL 96

struct table {
	size_t ncol, nrow;
	const char *const *head;
	char (*cell)[CELL];	/* nrow * ncol */
};

static void table_print(FILE *f, const struct table *t)
{
	size_t w[16] = { 0 }, r, c;

	for (c = 0; c < t->ncol; c++)
		w[c] = strlen(t->head[c]);
	for (r = 0; r < t->nrow; r++)
		for (c = 0; c < t->ncol; c++)
			if (strlen(t->cell[r * t->ncol + c]) > w[c])
				w[c] = strlen(t->cell[r * t->ncol + c]);
	for (r = 0; r <= t->nrow; r++)
		for (c = 0; c < t->ncol; c++) {
			const char *s = r ? t->cell[(r - 1) * t->ncol + c] : t->head[c];

			if (c + 1 < t->ncol)
				fprintf(f, "%-*s  ", (int)w[c], s);
			else
				fprintf(f, "%s\n", s);
		}
}

static const char *const member_head[] = {
	"ID", "ROLE", "STATE", "GEN", "FENCED_GEN", "LEASE_MS", "LAST_ACK_MS",
	"MATCH", "ADDRESSES",
};

static void member_row(const struct qfctl_status *st,
		       const struct qfctl_member *m, char (*c)[CELL])
{
	char buf[32];

	snprintf(c[0], CELL, "%u", m->id);
	snprintf(c[1], CELL, "%s", named(qc_role_name(m->role), m->role, buf, sizeof(buf)));
	member_state(m, c[2], CELL);
	snprintf(c[3], CELL, "%" PRIu64, m->gen);
	if (m->fenced_gen)
		snprintf(c[4], CELL, "%" PRIu64, m->fenced_gen);
	else
		snprintf(c[4], CELL, "-");
	if (m->flags & QFCTL_MF_LEASE_KNOWN)
		snprintf(c[5], CELL, "%" PRId64, m->lease_remaining_ms);
	else
		snprintf(c[5], CELL, "-");
	if (m->flags & QFCTL_MF_ACK_KNOWN)
		snprintf(c[6], CELL, "%" PRId64, m->last_ack_age_ms);
	else
		snprintf(c[6], CELL, "-");
	if (st->state == QFCTL_STATE_LEADER)
		snprintf(c[7], CELL, "%" PRIu64, m->match);
	else
		snprintf(c[7], CELL, "-");
	addrs_str(m, c[8], CELL);
}

static void print_members(FILE *f, const struct qfctl_status *st)
{
	char cells[QFCTL_MAX_MEMBERS * ARRAY_SIZE(member_head)][CELL];
	struct table t = { ARRAY_SIZE(member_head), st->n_members, member_head, cells };
	size_t i;

	for (i = 0; i < st->n_members; i++)
		member_row(st, &st->members[i], &cells[i * t.ncol]);
	table_print(f, &t);
}

static const char *const fence_head[] = { "NODE", "GEN", "REASON", "INDEX", "AGE_MS",
					  "METHOD" };

/* design.md rules 5, 13: W waited out, or preempted at the storage */
static const char *fence_method_name(uint8_t m)
{
	return m == QFCTL_FM_PR ? "pr" : m == QFCTL_FM_WAIT ? "wait" : "unknown";
}

static void print_fences(FILE *f, const struct qfctl_status *st)
{
	char cells[QFCTL_MAX_FENCES * ARRAY_SIZE(fence_head)][CELL];
	struct table t = { ARRAY_SIZE(fence_head), st->n_fences, fence_head, cells };
	const struct qfctl_fence *fr;
	char (*c)[CELL], buf[32];
	size_t i;

	for (i = 0; i < st->n_fences; i++) {
		fr = &st->fences[i];
		c = &cells[i * t.ncol];
		snprintf(c[0], CELL, "%u", fr->node);
		snprintf(c[1], CELL, "%" PRIu64, fr->gen);
		snprintf(c[2], CELL, "%s",
			 named(qc_fence_reason_name(fr->reason), fr->reason, buf, sizeof(buf)));
		snprintf(c[3], CELL, "%" PRIu64, fr->index);
		snprintf(c[4], CELL, "%" PRId64, fr->age_ms);
		snprintf(c[5], CELL, "%s", fence_method_name(fr->method));
	}
	table_print(f, &t);
}

/* ---- the human page ---- */

static void print_counters(FILE *f, const struct qfctl_counters *k)
{
	char buf[32];
	unsigned int v;
	int any = 0;

	fprintf(f, "  %-12s sent %" PRIu64 ", accepted %" PRIu64 "\n",
		"datagrams", k->sent, k->accepted);
	fprintf(f, "  %-12s ", "dropped");
	for (v = 1; v < QFCTL_MAX_DROPS; v++) {
		if (!k->drops[v] && !qc_drop_name(v))
			continue;
		snprintf(buf, sizeof(buf), "verdict%u", v);
		fprintf(f, "%s%s %" PRIu64, any++ ? ", " : "",
			qc_drop_name(v) ? qc_drop_name(v) : buf, k->drops[v]);
	}
	fputc('\n', f);
	fprintf(f, "  %-12s %" PRIu64 ", refused by the kernel %" PRIu64
		", refused by the clock guard %" PRIu64 "\n", "renewals",
		k->renewals, k->renew_errors, k->renew_refused_clock);
	fprintf(f, "  %-12s messages dropped %" PRIu64 " (ready batch full)\n", "core",
		k->msgs_dropped);
}

static void print_lease_line(FILE *f, const struct qfctl_status *st)
{
	char buf[32], name[4 * QFCTL_LEASE_NAME_LEN + 1];

	qc_safe_name(st->lease_name, name, sizeof(name));
	fprintf(f, "  %-12s %s, generation %" PRIu64 ", kernel %s", "lease",
		name[0] ? name : "-", st->gen,
		named(qc_kernel_state_name(st->kernel_state), st->kernel_state,
		      buf, sizeof(buf)));
	if (st->lease_known)
		fprintf(f, ", %" PRId64 " ms remaining", st->lease_remaining_ms);
	fputc('\n', f);
}

/* design.md §2.11: the names of a node's rejoin policy and of the reason
 * of a member's last rejoin (text and --json). */
static const char *const rejoin_policy_names[] = {
	[QFCTL_RJ_MANUAL] = "manual",
	[QFCTL_RJ_AFTER_REBOOT] = "after-reboot",
	[QFCTL_RJ_WHEN_IDLE] = "when-idle",
};
static const char *const join_reason_names[] = {
	[QFCTL_JR_ADMIN] = "admin",
	[QFCTL_JR_AFTER_REBOOT] = "after-reboot",
	[QFCTL_JR_WHEN_IDLE] = "when-idle",
};
#define POLICY_NAME(v) \
	lookup(rejoin_policy_names, ARRAY_SIZE(rejoin_policy_names), (v))
#define JOIN_REASON_NAME(v) \
	lookup(join_reason_names, ARRAY_SIZE(join_reason_names), (v))

/* The policy, and why the node stays fenced. */
static void print_rejoin(FILE *f, const struct qfctl_status *st)
{
	char buf[96];

	if (!st->rejoin_policy)
		return;		/* a daemon from before policies */
	fprintf(f, "  %-12s %s", "rejoin",
		named(POLICY_NAME(st->rejoin_policy), st->rejoin_policy, buf,
		      sizeof(buf)));
	if (st->flapping)
		fputs(", flapping: left fenced (quorumctl rejoin)", f);
	else if (st->rejoin_why[0])
		fprintf(f, ", stays fenced: %.*s",
			(int)sizeof(st->rejoin_why), st->rejoin_why);
	fputc('\n', f);
}

/* Each member's last rejoin, when automatic (rule 7: always a new
 * generation committed by the majority; design.md §2.11). */
static void print_rejoins(FILE *f, const struct qfctl_status *st)
{
	char buf[48];

	for (unsigned int i = 0; i < st->n_members && i < QFCTL_MAX_MEMBERS; i++)
		if (st->join_reason[i] || st->auto_joins[i])
			fprintf(f, "  node %u: generation %" PRIu64 " by rejoin "
				"%s, %u automatic in the guard's window\n",
				st->members[i].id, st->members[i].gen,
				named(JOIN_REASON_NAME(st->join_reason[i]),
				      st->join_reason[i], buf, sizeof(buf)),
				st->auto_joins[i]);
}

void qc_print_status(FILE *f, const struct qfctl_status *st)
{
	char buf[96], name[4 * QFCTL_NAME_LEN + 1];

	qc_safe_name(st->cluster, name, sizeof(name));
	fprintf(f, "  %-12s %s\n", "cluster", name[0] ? name : "-");
	fprintf(f, "  %-12s %u (%s), term %" PRIu64 ", leader ", "node", st->self,
		named(qc_raft_state_name(st->state), st->state, buf, sizeof(buf)),
		st->term);
	if (st->leader)
		fprintf(f, "%u\n", st->leader);
	else
		fputs("unknown\n", f);
	flags_str(status_flags, ARRAY_SIZE(status_flags), st->flags, buf, sizeof(buf));
	fprintf(f, "  %-12s %s\n", "flags", buf);
	print_lease_line(f, st);
	print_rejoin(f, st);
	fprintf(f, "  %-12s commit %" PRIu64 ", last %" PRIu64 "\n", "log",
		st->commit, st->last_index);
	fprintf(f, "  %-12s L %u ms, heartbeat %u ms, W %" PRIu64 " ms\n",
		"timing", st->lease_ms, st->heartbeat_ms, st->wait_ms);
	fprintf(f, "  %-12s %016" PRIx64 ", up %" PRIu64 " ms\n", "boot_id",
		st->boot_id, st->uptime_ms);
	print_counters(f, &st->counters);
	fputs("\nmembers:\n", f);
	print_members(f, st);
	print_rejoins(f, st);
	fputs("\nfence records (committed, newest first):\n", f);
	if (st->n_fences)
		print_fences(f, st);
	else
		fputs("none\n", f);
}

/* ---- JSON ---- */

static void json_enum(FILE *f, const char *key, const char *name, unsigned int v)
{
	char buf[32];

	fprintf(f, ",\"%s\":", key);
	qc_json_str(f, named(name, v, buf, sizeof(buf)));
}

static void json_flags(FILE *f, const char *key, const struct flag_name *fl,
		       size_t n, uint32_t mask)
{
	size_t i;
	int any = 0;

	fprintf(f, ",\"%s\":[", key);
	for (i = 0; i < n; i++)
		if (mask & fl[i].bit)
			fprintf(f, "%s\"%s\"", any++ ? "," : "", fl[i].name);
	fputc(']', f);
}

static void json_opt_i64(FILE *f, const char *key, bool known, int64_t v)
{
	if (known)
		fprintf(f, ",\"%s\":%" PRId64, key, v);
	else
		fprintf(f, ",\"%s\":null", key);
}

/* A member's last rejoin (design.md §2.11): the reason of an automatic
 * one, null for an operator's or none (the bootstrap), and the automatic
 * ones in the flapping guard's window. */
static void json_member_rejoin(FILE *f, const struct qfctl_status *st,
			       size_t idx)
{
	uint8_t r = idx < QFCTL_MAX_MEMBERS ? st->join_reason[idx] : 0;
	uint8_t n = idx < QFCTL_MAX_MEMBERS ? st->auto_joins[idx] : 0;

	if (r)
		json_enum(f, "rejoin_reason", JOIN_REASON_NAME(r), r);
	else
		fputs(",\"rejoin_reason\":null", f);
	fprintf(f, ",\"automatic_rejoins\":%u", n);
}

/* This node's policy, why it stays fenced (null when nothing keeps it)
 * and whether the flapping guard left it fenced. */
static void json_rejoin(FILE *f, const struct qfctl_status *st)
{
	char buf[96], why[sizeof(st->rejoin_why) + 1];

	if (!st->rejoin_policy) {
		fputs(",\"rejoin\":null", f);	/* a daemon from before policies */
		return;
	}
	fputs(",\"rejoin\":{\"policy\":", f);
	qc_json_str(f, named(POLICY_NAME(st->rejoin_policy), st->rejoin_policy,
			     buf, sizeof(buf)));
	fputs(",\"stays_fenced\":", f);
	/* the wire field need not be terminated */
	snprintf(why, sizeof(why), "%.*s", (int)sizeof(st->rejoin_why),
		 st->rejoin_why);
	if (why[0])
		qc_json_str(f, why);
	else
		fputs("null", f);
	fprintf(f, ",\"flapping\":%s}", st->flapping ? "true" : "false");
}

static void json_member(FILE *f, const struct qfctl_status *st,
			const struct qfctl_member *m, size_t idx)
{
	char a[QC_ADDR_STRLEN];
	size_t i;

	fprintf(f, "{\"id\":%u", m->id);
	json_enum(f, "role", qc_role_name(m->role), m->role);
	fprintf(f, ",\"generation\":%" PRIu64, m->gen);
	if (m->fenced_gen) {
		fprintf(f, ",\"fenced_generation\":%" PRIu64, m->fenced_gen);
		json_enum(f, "fence_reason", qc_fence_reason_name(m->fence_reason),
			  m->fence_reason);
	} else {
		fputs(",\"fenced_generation\":null,\"fence_reason\":null", f);
	}
	fprintf(f, ",\"in_config\":%s", m->flags & QFCTL_MF_IN_CONFIG ? "true" : "false");
	json_flags(f, "flags", member_flags, ARRAY_SIZE(member_flags), m->flags);
	json_opt_i64(f, "lease_remaining_ms", m->flags & QFCTL_MF_LEASE_KNOWN,
		     m->lease_remaining_ms);
	json_opt_i64(f, "last_ack_age_ms", m->flags & QFCTL_MF_ACK_KNOWN,
		     m->last_ack_age_ms);
	json_opt_i64(f, "match", st->state == QFCTL_STATE_LEADER, (int64_t)m->match);
	json_member_rejoin(f, st, idx);
	fputs(",\"addresses\":[", f);
	for (i = 0; i < m->n_addrs; i++) {
		addr_str(&m->addrs[i], a, sizeof(a));
		fprintf(f, "%s\"%s\"", i ? "," : "", a);
	}
	fputs("]}", f);
}

static void json_fence(FILE *f, const struct qfctl_fence *fr)
{
	fprintf(f, "{\"node\":%u,\"generation\":%" PRIu64, fr->node, fr->gen);
	json_enum(f, "reason", qc_fence_reason_name(fr->reason), fr->reason);
	fprintf(f, ",\"index\":%" PRIu64 ",\"age_ms\":%" PRId64
		",\"method\":\"%s\"}", fr->index, fr->age_ms,
		fence_method_name(fr->method));
}

static void json_counters(FILE *f, const struct qfctl_counters *k)
{
	uint64_t other = 0;
	unsigned int v;

	fprintf(f, ",\"counters\":{\"sent\":%" PRIu64 ",\"accepted\":%" PRIu64
		",\"drops\":{", k->sent, k->accepted);
	/* fixed keys: the named verdicts, then "other" for any newer one */
	for (v = 1; v < QFCTL_MAX_DROPS; v++) {
		if (qc_drop_name(v))
			fprintf(f, "\"%s\":%" PRIu64 ",", qc_drop_name(v),
				k->drops[v]);
		else
			other += k->drops[v];
	}
	fprintf(f, "\"other\":%" PRIu64 "},\"renewals\":%" PRIu64 ",\"renew_errors\":%" PRIu64
		",\"renew_refused_clock\":%" PRIu64 ",\"msgs_dropped\":%" PRIu64 "}",
		other, k->renewals, k->renew_errors, k->renew_refused_clock, k->msgs_dropped);
}

static void json_status_body(FILE *f, const struct qfctl_status *st)
{
	size_t i;

	fputs("{\"schema\":" QC_JSON_SCHEMA ",\"cluster\":", f);
	qc_json_str(f, st->cluster);
	fprintf(f, ",\"self\":%u,\"leader\":", st->self);
	if (st->leader)
		fprintf(f, "%u", st->leader);
	else
		fputs("null", f);
	fprintf(f, ",\"term\":%" PRIu64, st->term);
	json_enum(f, "state", qc_raft_state_name(st->state), st->state);
	fprintf(f, ",\"commit\":%" PRIu64 ",\"last_index\":%" PRIu64,
		st->commit, st->last_index);
	json_flags(f, "flags", status_flags, ARRAY_SIZE(status_flags), st->flags);
	fputs(",\"lease_name\":", f);
	qc_json_str(f, st->lease_name);
	fprintf(f, ",\"generation\":%" PRIu64, st->gen);
	json_enum(f, "kernel_state", qc_kernel_state_name(st->kernel_state),
		  st->kernel_state);
	json_opt_i64(f, "lease_remaining_ms", st->lease_known, st->lease_remaining_ms);
	fprintf(f, ",\"lease_ms\":%u,\"heartbeat_ms\":%u,\"wait_ms\":%" PRIu64
		",\"boot_id\":\"%016" PRIx64 "\",\"uptime_ms\":%" PRIu64,
		st->lease_ms, st->heartbeat_ms, st->wait_ms, st->boot_id, st->uptime_ms);
	json_rejoin(f, st);
	fputs(",\"members\":[", f);
	for (i = 0; i < st->n_members; i++) {
		fputs(i ? "," : "", f);
		json_member(f, st, &st->members[i], i);
	}
	fputs("],\"fences\":[", f);
	for (i = 0; i < st->n_fences; i++) {
		fputs(i ? "," : "", f);
		json_fence(f, &st->fences[i]);
	}
	fputc(']', f);
	json_counters(f, &st->counters);
}

void qc_print_status_json(FILE *f, const struct qfctl_status *st)
{
	qc_print_status_json_all(f, st, NULL, NULL);
}

/* ---- the storage fence (design.md rule 13) ---- */

static const char *pr_type_name(uint8_t t)
{
	static const char *const n[] = { "none", "write-exclusive", "?",
		"exclusive-access", "?", "write-exclusive-registrants-only",
		"exclusive-access-registrants-only",
		"write-exclusive-all-registrants",
		"exclusive-access-all-registrants" };

	return t < ARRAY_SIZE(n) ? n[t] : "?";
}

static unsigned int pr_listed(const struct qfctl_pr_dev *d)
{
	return d->n_keys < QFCTL_MAX_PR_KEYS ? d->n_keys : QFCTL_MAX_PR_KEYS;
}

void qc_print_pr_status(FILE *f, const struct qfctl_pr_status *pr)
{
	char why[4 * QFCTL_PR_WHY_LEN + 1], path[4 * QFCTL_PR_PATH_LEN + 1];

	fputs("\nstorage fence (persistent reservations):\n", f);
	if (!pr->n) {
		fputs("none (no pr_device)\n", f);
		return;
	}
	fprintf(f, "  %-12s %016" PRIx64 "%s\n", "self key", pr->self_key,
		pr->flags & QFCTL_PR_REGISTERED ? " (registered)" :
		" (not registered on every device)");
	for (unsigned int i = 0; i < pr->n && i < QFCTL_MAX_PR_DEVS; i++) {
		const struct qfctl_pr_dev *d = &pr->dev[i];

		qc_safe_name(d->path, path, sizeof(path));
		if (!d->ok) {
			qc_safe_name(d->why, why, sizeof(why));
			fprintf(f, "  %s: error: %s\n", path,
				why[0] ? why : "not read yet");
			continue;
		}
		fprintf(f, "  %s: reservation %s", path,
			d->resv_held ? pr_type_name(d->resv_type) : "none");
		if (d->resv_held)
			fprintf(f, " holder %016" PRIx64, d->resv_key);
		fprintf(f, ", %u key(s):", d->n_keys);
		for (unsigned int k = 0; k < pr_listed(d); k++)
			fprintf(f, " %016" PRIx64 "%s", d->keys[k],
				d->keys[k] == pr->self_key ? "(self)" : "");
		fputc('\n', f);
	}
}

static void json_pr_dev(FILE *f, const struct qfctl_pr_dev *d,
			uint64_t self)
{
	fputs("{\"path\":", f);
	qc_json_str(f, d->path);
	if (!d->ok) {
		fputs(",\"error\":", f);
		qc_json_str(f, d->why[0] ? d->why : "not read yet");
		fputc('}', f);
		return;
	}
	fputs(",\"reservation\":", f);
	if (d->resv_held)
		fprintf(f, "{\"type\":\"%s\",\"holder\":\"%016" PRIx64 "\"}",
			pr_type_name(d->resv_type), d->resv_key);
	else
		fputs("null", f);
	fprintf(f, ",\"n_keys\":%u,\"keys\":[", d->n_keys);
	for (unsigned int k = 0; k < pr_listed(d); k++)
		fprintf(f, "%s{\"key\":\"%016" PRIx64 "\",\"self\":%s}",
			k ? "," : "", d->keys[k],
			d->keys[k] == self ? "true" : "false");
	fputs("]}", f);
}

void qc_print_status_json_pr(FILE *f, const struct qfctl_status *st,
			     const struct qfctl_pr_status *pr)
{
	qc_print_status_json_all(f, st, pr, NULL);
}

static void json_pr(FILE *f, const struct qfctl_pr_status *pr)
{
	fprintf(f, ",\"pr\":{\"self_key\":\"%016" PRIx64 "\",\"registered\":%s,"
		"\"lost_generation\":%" PRIu64 ",\"devices\":[", pr->self_key,
		pr->flags & QFCTL_PR_REGISTERED ? "true" : "false", pr->lost_gen);
	for (unsigned int i = 0; i < pr->n && i < QFCTL_MAX_PR_DEVS; i++) {
		fputs(i ? "," : "", f);
		json_pr_dev(f, &pr->dev[i], pr->self_key);
	}
	fputs("]}", f);
}

/* The committed fence counts (FENCE_COUNTS), fixed keys. */
static void json_fence_totals(FILE *f, const struct qfctl_fence_counts *fc)
{
	fprintf(f, ",\"fences_total\":{\"silent\":%u,\"admin\":%u,"
		"\"removed\":%u,\"lapsed\":%u,\"by_reservation\":%u}",
		fc->by_reason[QFCTL_FR_SILENT], fc->by_reason[QFCTL_FR_ADMIN],
		fc->by_reason[QFCTL_FR_REMOVED], fc->by_reason[QFCTL_FR_LAPSED],
		fc->preempted);
}

void qc_print_status_json_all(FILE *f, const struct qfctl_status *st,
			      const struct qfctl_pr_status *pr,
			      const struct qfctl_fence_counts *fc)
{
	json_status_body(f, st);
	if (pr)
		json_pr(f, pr);
	if (fc)
		json_fence_totals(f, fc);
	fputs("}\n", f);
}

/* A leave's answer: what happened, and how the node comes back. */
static void print_leave(FILE *f, const struct qfctl_result *r)
{
	char msg[sizeof(r->message)];

	qc_safe_name(r->message, msg, sizeof(msg));
	fprintf(f, "node %u generation %" PRIu64 " %s\n", r->node, r->gen,
		msg[0] ? msg : "left");
	if (r->flags & QFCTL_RES_HANDED_OVER)
		fputs("leadership was handed over first\n", f);
	fputs("quorumd has exited; to come back: start it, then `quorumctl rejoin`\n", f);
}

/*
 * A mutation's result. People get a line only when there is news (a fence
 * that committed, a forwarded rejoin); --json always gets the object.
 */
void qc_print_result(FILE *f, uint16_t req, const struct qfctl_result *r,
		     bool json)
{
	if (json) {
		fprintf(f, "{\"schema\":" QC_JSON_SCHEMA ",\"node\":%u,\"leader\":",
			r->node);
		if (r->leader)
			fprintf(f, "%u", r->leader);
		else
			fputs("null", f);
		fprintf(f, ",\"generation\":%" PRIu64 ",\"index\":%" PRIu64
			",\"term\":%" PRIu64 ",\"forwarded\":%s,\"committed\":%s,\"message\":",
			r->gen, r->index, r->term,
			r->flags & QFCTL_RES_FORWARDED ? "true" : "false",
			r->flags & QFCTL_RES_COMMITTED ? "true" : "false");
		qc_json_str(f, r->message);
		if (req == QFCTL_REQ_LEAVE)
			fprintf(f, ",\"disarmed\":%s,\"recorded\":%s,\"handed_over\":%s",
				r->flags & QFCTL_RES_DISARMED ? "true" : "false",
				r->flags & QFCTL_RES_RECORDED ? "true" : "false",
				r->flags & QFCTL_RES_HANDED_OVER ? "true" : "false");
		fputs("}\n", f);
		return;
	}
	if (req == QFCTL_REQ_LEAVE) {
		print_leave(f, r);
		return;
	}
	if (req == QFCTL_REQ_FENCE && (r->flags & QFCTL_RES_COMMITTED)) {
		/* An earlier fence's record: quorumd may not know its index. */
		fprintf(f, "node %u generation %" PRIu64 " fenced: NODE_FENCED committed",
			r->node, r->gen);
		if (r->index)
			fprintf(f, " at index %" PRIu64 " (term %" PRIu64 ")", r->index, r->term);
		fputc('\n', f);
	} else if (req == QFCTL_REQ_FENCE && (r->flags & QFCTL_RES_FORWARDED))
		fprintf(f, "fence of node %u generation %" PRIu64 " sent to the leader (node %u); NODE_FENCED commits after W (--wait waits for it)\n",
			r->node, r->gen, r->leader);
	else if (req == QFCTL_REQ_REJOIN && (r->flags & QFCTL_RES_COMMITTED))
		fprintf(f, "node %u rejoined: generation %" PRIu64 " committed\n",
			r->node, r->gen);
	else if (req == QFCTL_REQ_REJOIN && (r->flags & QFCTL_RES_FORWARDED))
		fprintf(f, "rejoin of node %u sent to the leader (node %u); the kernel lease is unfenced once NODE_JOIN commits and reaches the node\n",
			r->node, r->leader);
}
