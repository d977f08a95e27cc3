// SPDX-License-Identifier: MIT
/*
 * Formatting of leases, events and benchmark results. Remaining time is
 * always deadline - NOW_NS of the same kernel reply: the local clock of the
 * tool never enters (it may be read at another moment, or be another clock).
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "format.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static const char *const state_names[] = {
	[QFENCE_STATE_DISARMED] = "disarmed",
	[QFENCE_STATE_ARMED] = "armed",
	[QFENCE_STATE_FENCED] = "fenced",
};

static const char *const event_names[] = {
	[QFENCE_EVENT_EXPIRED] = "expired",
	[QFENCE_EVENT_FENCED] = "fenced",
	[QFENCE_EVENT_DRAINED] = "drained",
	[QFENCE_EVENT_ACTION] = "action",
	[QFENCE_EVENT_UNFENCED] = "unfenced",
};

static const char *const reason_names[] = {
	[QFENCE_REASON_NONE] = "none",
	[QFENCE_REASON_EXPIRED] = "expired",
	[QFENCE_REASON_MANUAL] = "manual",
	[QFENCE_REASON_STORAGE] = "storage",
};

static const char *const cause_names[] = {
	[QFENCE_CAUSE_ACTION] = "action",
	[QFENCE_CAUSE_SETTLE] = "settle",
};

/* Bit i of a mask is named names[i]. */
static const char *const action_bits[] = { "io", "reboot", "panic", "log-only" };
static const char *const flag_bits[] = { "nowayout", "settle-wait" };

static const char *const attr_names[] = {
	[QFENCE_A_NAME] = "name",
	[QFENCE_A_GENERATION] = "generation",
	[QFENCE_A_MAX_LEASE_MS] = "max_lease_ms",
	[QFENCE_A_ACTIONS] = "actions",
	[QFENCE_A_REBOOT_DELAY_MS] = "reboot_delay_ms",
	[QFENCE_A_SETTLE_MS] = "settle_ms",
	[QFENCE_A_FLAGS] = "flags",
	[QFENCE_A_DEADLINE_NS] = "deadline_ns",
	[QFENCE_A_STATE] = "state",
	[QFENCE_A_NOW_NS] = "now_ns",
	[QFENCE_A_RENEWALS] = "renewals",
	[QFENCE_A_FENCES] = "fences",
	[QFENCE_A_IOS_FAILED] = "ios_failed",
	[QFENCE_A_IOS_INFLIGHT] = "ios_inflight",
	[QFENCE_A_DEVICES] = "devices",
	[QFENCE_A_FENCED_NS] = "fenced_ns",
	[QFENCE_A_DRAINED_NS] = "drained_ns",
	[QFENCE_A_FENCE_REASON] = "fence_reason",
	[QFENCE_A_EVENT] = "event",
	[QFENCE_A_TIMESTAMP_NS] = "timestamp_ns",
	[QFENCE_A_ACTION] = "action",
	[QFENCE_A_ACTION_AT_NS] = "action_at_ns",
	[QFENCE_A_ACTION_CAUSE] = "action_cause",
};

static const char *lookup(const char *const *names, size_t n, uint32_t v)
{
	return v < n ? names[v] : NULL;
}

const char *qc_state_name(uint32_t v)
{
	return lookup(state_names, ARRAY_SIZE(state_names), v);
}

const char *qc_event_name(uint32_t v)
{
	return lookup(event_names, ARRAY_SIZE(event_names), v);
}

const char *qc_reason_name(uint32_t v)
{
	return lookup(reason_names, ARRAY_SIZE(reason_names), v);
}

const char *qc_cause_name(uint32_t v)
{
	return lookup(cause_names, ARRAY_SIZE(cause_names), v);
}

const char *qc_attr_name(int attr)
{
	return attr >= 0 ? lookup(attr_names, ARRAY_SIZE(attr_names), attr) : NULL;
}

/* "io,reboot"; unknown bits as "bit7"; "-" for an empty mask. */
static void mask_str(const char *const *names, size_t n, uint32_t mask,
		     char *buf, size_t len)
{
	size_t used = 0;
	unsigned int i;
	int w;

	buf[0] = '\0';
	for (i = 0; i < 32 && used < len; i++) {
		if (!(mask & (1U << i)))
			continue;
		if (i < n)
			w = snprintf(buf + used, len - used, "%s%s",
				     used ? "," : "", names[i]);
		else
			w = snprintf(buf + used, len - used, "%sbit%u",
				     used ? "," : "", i);
		used += (size_t)w;
	}
	if (!mask)
		snprintf(buf, len, "-");
}

void qc_actions_str(uint32_t mask, char *buf, size_t len)
{
	mask_str(action_bits, ARRAY_SIZE(action_bits), mask, buf, len);
}

void qc_flags_str(uint32_t mask, char *buf, size_t len)
{
	mask_str(flag_bits, ARRAY_SIZE(flag_bits), mask, buf, len);
}

/* Printable ASCII as is, anything else as \xNN, so a name cannot drive
 * the terminal. @len >= 4 * strlen(s) + 1 never truncates.
 */
void qc_safe_name(const char *s, char *out, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t used = 0;

	for (; *p && used + 5 <= len; p++) {
		if (*p >= 0x20 && *p < 0x7f && *p != '\\')
			out[used++] = (char)*p;
		else
			used += (size_t)snprintf(out + used, len - used, "\\x%02x", *p);
	}
	out[used < len ? used : len - 1] = '\0';
}

/* Length of the valid UTF-8 sequence at @s, or 0 (RFC 3629). */
static size_t utf8_len(const unsigned char *s)
{
	unsigned char lo = 0x80, hi = 0xbf;
	size_t n, i;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4;
	else
		return 0;
	if (s[0] == 0xe0)
		lo = 0xa0;
	else if (s[0] == 0xed)
		hi = 0x9f;
	else if (s[0] == 0xf0)
		lo = 0x90;
	else if (s[0] == 0xf4)
		hi = 0x8f;
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < n; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return n;
}

/* A JSON string; invalid UTF-8 bytes become U+FFFD. */
void qc_json_str(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n;

	fputc('"', f);
	while (*p) {
		if (*p == '"' || *p == '\\') {
			fprintf(f, "\\%c", *p++);
		} else if (*p < 0x20 || *p == 0x7f) {
			fprintf(f, "\\u%04x", *p++);
		} else if ((n = utf8_len(p)) != 0) {
			fwrite(p, 1, n, f);
			p += n;
		} else {
			fputs("\\ufffd", f);
			p++;
		}
	}
	fputc('"', f);
}

/* Floor of (deadline - now) in ms, from one reply; only for an armed lease. */
bool qc_remaining_ms(const struct qc_info *in, int64_t *ms)
{
	uint64_t late;

	if (!QC_HAS(in, QFENCE_A_STATE) || in->state != QFENCE_STATE_ARMED ||
	    !QC_HAS(in, QFENCE_A_DEADLINE_NS) || !QC_HAS(in, QFENCE_A_NOW_NS) ||
	    !in->deadline_ns)
		return false;
	if (in->deadline_ns >= in->now_ns) {
		*ms = (int64_t)((in->deadline_ns - in->now_ns) / 1000000);
	} else {
		late = in->now_ns - in->deadline_ns;
		*ms = -(int64_t)(late / 1000000 + (late % 1000000 != 0));
	}
	return true;
}

/*
 * Key/value output shared by `lease show`, the JSON objects and event
 * lines: each field is printed only if the kernel sent it.
 */
enum style { KV_LINES, KV_WORDS, KV_JSON };

static const int lease_fields[] = {
	QFENCE_A_NAME, QFENCE_A_STATE, QFENCE_A_GENERATION,
	-1 /* remaining_ms */, QFENCE_A_DEADLINE_NS, QFENCE_A_NOW_NS,
	QFENCE_A_MAX_LEASE_MS, QFENCE_A_ACTIONS, QFENCE_A_REBOOT_DELAY_MS,
	QFENCE_A_SETTLE_MS, QFENCE_A_FLAGS, QFENCE_A_RENEWALS, QFENCE_A_FENCES,
	QFENCE_A_IOS_FAILED, QFENCE_A_IOS_INFLIGHT, QFENCE_A_DEVICES,
	QFENCE_A_FENCED_NS, QFENCE_A_DRAINED_NS, QFENCE_A_FENCE_REASON,
};

static const int event_fields[] = {
	QFENCE_A_EVENT, QFENCE_A_NAME, QFENCE_A_GENERATION,
	QFENCE_A_TIMESTAMP_NS, QFENCE_A_DEADLINE_NS, QFENCE_A_FENCE_REASON,
	QFENCE_A_IOS_INFLIGHT, QFENCE_A_DRAINED_NS, QFENCE_A_ACTION,
	QFENCE_A_ACTION_AT_NS, QFENCE_A_ACTION_CAUSE,
};

static void put_enum(FILE *f, const char *name, uint32_t v, enum style st)
{
	char buf[32];

	if (!name) {
		snprintf(buf, sizeof(buf), "unknown(%u)", v);
		name = buf;
	}
	if (st == KV_JSON)
		qc_json_str(f, name);
	else
		fputs(name, f);
}

static void put_mask(FILE *f, const char *const *names, size_t n,
		     uint32_t mask, enum style st)
{
	char buf[256];
	unsigned int i;
	int first = 1;

	if (st != KV_JSON) {
		mask_str(names, n, mask, buf, sizeof(buf));
		fputs(buf, f);
		return;
	}
	fputc('[', f);
	for (i = 0; i < 32; i++) {
		if (!(mask & (1U << i)))
			continue;
		snprintf(buf, sizeof(buf), "bit%u", i);
		fputs(first ? "" : ",", f);
		qc_json_str(f, i < n ? names[i] : buf);
		first = 0;
	}
	fputc(']', f);
}

static void put_value(FILE *f, const struct qc_info *in, int attr, enum style st)
{
	char buf[4 * QFENCE_NAME_LEN + 1];

	switch (attr) {
	case QFENCE_A_NAME:
		if (st == KV_JSON) {
			qc_json_str(f, in->name);
		} else {
			qc_safe_name(in->name, buf, sizeof(buf));
			fputs(buf, f);
		}
		break;
	case QFENCE_A_STATE:
		put_enum(f, qc_state_name(in->state), in->state, st);
		break;
	case QFENCE_A_EVENT:
		put_enum(f, qc_event_name(in->event), in->event, st);
		break;
	case QFENCE_A_FENCE_REASON:
		put_enum(f, qc_reason_name(in->fence_reason), in->fence_reason, st);
		break;
	case QFENCE_A_ACTION_CAUSE:
		put_enum(f, qc_cause_name(in->action_cause), in->action_cause, st);
		break;
	case QFENCE_A_ACTION:
		mask_str(action_bits, ARRAY_SIZE(action_bits), in->action, buf, sizeof(buf));
		put_enum(f, buf, in->action, st);
		break;
	case QFENCE_A_ACTIONS:
		put_mask(f, action_bits, ARRAY_SIZE(action_bits), in->actions, st);
		break;
	case QFENCE_A_FLAGS:
		put_mask(f, flag_bits, ARRAY_SIZE(flag_bits), in->flags, st);
		break;
	default:
		fprintf(f, "%" PRIu64, qc_info_num(in, attr));
	}
}

static void put_key(FILE *f, const char *key, enum style st, int *n)
{
	if (st == KV_JSON)
		fprintf(f, "%s\"%s\":", (*n)++ ? "," : "", key);
	else if (st == KV_WORDS)
		fprintf(f, "%s%s=", (*n)++ ? " " : "", key);
	else
		fprintf(f, "  %-16s ", key);
}

static void put_remaining(FILE *f, const struct qc_info *in, enum style st, int *n)
{
	int64_t ms;
	bool ok = qc_remaining_ms(in, &ms);

	if (!ok && st != KV_JSON)
		return;
	put_key(f, "remaining_ms", st, n);
	if (ok)
		fprintf(f, "%" PRId64, ms);
	else
		fputs("null", f);
	if (st == KV_LINES)
		fputc('\n', f);
}

/* n: fields already written (a JSON object's "schema" counts) */
static void put_fields(FILE *f, const struct qc_info *in, const int *attrs,
		       size_t nattrs, enum style st, int n)
{
	size_t i;

	for (i = 0; i < nattrs; i++) {
		if (attrs[i] < 0) {
			put_remaining(f, in, st, &n);
			continue;
		}
		if (!QC_HAS(in, attrs[i]))
			continue;
		put_key(f, qc_attr_name(attrs[i]), st, &n);
		put_value(f, in, attrs[i], st);
		if (st == KV_LINES)
			fputc('\n', f);
	}
}

void qc_print_lease_show(FILE *f, const struct qc_info *in)
{
	put_fields(f, in, lease_fields, ARRAY_SIZE(lease_fields), KV_LINES, 0);
}

void qc_print_lease_json(FILE *f, const struct qc_info *in)
{
	fputs("{\"schema\":" QC_JSON_SCHEMA, f);
	put_fields(f, in, lease_fields, ARRAY_SIZE(lease_fields), KV_JSON, 1);
	fputc('}', f);
}

void qc_print_lease_list_json(FILE *f, const struct qc_info *leases, size_t n)
{
	size_t i;

	fputc('[', f);
	for (i = 0; i < n; i++) {
		fputs(i ? ",\n " : "\n ", f);
		qc_print_lease_json(f, &leases[i]);
	}
	fputs(n ? "\n]\n" : "]\n", f);
}

/* One line per event; JSON: one object per line. */
void qc_print_event(FILE *f, const struct qc_info *in, bool json)
{
	if (json)
		fputs("{\"schema\":" QC_JSON_SCHEMA, f);
	put_fields(f, in, event_fields, ARRAY_SIZE(event_fields),
		   json ? KV_JSON : KV_WORDS, json);
	fputs(json ? "}\n" : "\n", f);
}

/* The table of `lease list`: one row per lease, columns sized to fit. */
#define NCOL 12
#define CELL 48

static const char *const table_head[NCOL] = {
	"NAME", "STATE", "GENERATION", "REMAINING_MS", "MAX_LEASE_MS",
	"ACTIONS", "FLAGS", "RENEWALS", "FENCES", "IOS_FAILED", "INFLIGHT",
	"DEVICES",
};

static void cell_num(char *c, const struct qc_info *in, int attr)
{
	if (QC_HAS(in, attr))
		snprintf(c, CELL, "%" PRIu64, qc_info_num(in, attr));
	else
		snprintf(c, CELL, "-");
}

static void table_row(const struct qc_info *in, char row[NCOL][CELL])
{
	const char *st = qc_state_name(in->state);
	int64_t ms;

	qc_safe_name(in->name, row[0], CELL);
	if (!QC_HAS(in, QFENCE_A_STATE))
		snprintf(row[1], CELL, "-");
	else if (st)
		snprintf(row[1], CELL, "%s", st);
	else
		snprintf(row[1], CELL, "unknown(%u)", in->state);
	cell_num(row[2], in, QFENCE_A_GENERATION);
	if (qc_remaining_ms(in, &ms))
		snprintf(row[3], CELL, "%" PRId64, ms);
	else
		snprintf(row[3], CELL, "-");
	cell_num(row[4], in, QFENCE_A_MAX_LEASE_MS);
	qc_actions_str(in->actions, row[5], CELL);
	qc_flags_str(in->flags, row[6], CELL);
	cell_num(row[7], in, QFENCE_A_RENEWALS);
	cell_num(row[8], in, QFENCE_A_FENCES);
	cell_num(row[9], in, QFENCE_A_IOS_FAILED);
	cell_num(row[10], in, QFENCE_A_IOS_INFLIGHT);
	cell_num(row[11], in, QFENCE_A_DEVICES);
}

static void table_print_row(FILE *f, const char *const *cells, const size_t *w)
{
	int i;

	for (i = 0; i < NCOL; i++)
		if (i < NCOL - 1)
			fprintf(f, "%-*s  ", (int)w[i], cells[i]);
		else
			fprintf(f, "%s\n", cells[i]);
}

void qc_print_lease_table(FILE *f, const struct qc_info *leases, size_t n)
{
	char (*rows)[NCOL][CELL] = calloc(n ? n : 1, sizeof(*rows));
	const char *cells[NCOL];
	size_t w[NCOL], i;
	int c;

	if (!rows)
		return;
	for (c = 0; c < NCOL; c++)
		w[c] = strlen(table_head[c]);
	for (i = 0; i < n; i++) {
		table_row(&leases[i], rows[i]);
		for (c = 0; c < NCOL; c++)
			if (strlen(rows[i][c]) > w[c])
				w[c] = strlen(rows[i][c]);
	}
	table_print_row(f, table_head, w);
	for (i = 0; i < n; i++) {
		for (c = 0; c < NCOL; c++)
			cells[c] = rows[i][c];
		table_print_row(f, cells, w);
	}
	free(rows);
}

/* Nearest-rank percentile of @n sorted samples (n >= 1, 1 <= pct <= 100). */
uint64_t qc_percentile(const uint64_t *sorted, size_t n, unsigned int pct)
{
	size_t rank = ((size_t)pct * n + 99) / 100;

	if (rank < 1)
		rank = 1;
	if (rank > n)
		rank = n;
	return sorted[rank - 1];
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Sorts @samples_ns in place and prints p50/p99 (and more) in microseconds. */
void qc_print_bench(FILE *f, const char *name, uint64_t *samples_ns,
		    size_t n, bool json)
{
	double p50, p99, min, max, sum = 0;
	size_t i;

	if (!n)
		return;
	qsort(samples_ns, n, sizeof(*samples_ns), cmp_u64);
	for (i = 0; i < n; i++)
		sum += (double)samples_ns[i];
	p50 = qc_percentile(samples_ns, n, 50) / 1e3;
	p99 = qc_percentile(samples_ns, n, 99) / 1e3;
	min = samples_ns[0] / 1e3;
	max = samples_ns[n - 1] / 1e3;
	if (json) {
		fputs("{\"schema\":" QC_JSON_SCHEMA ",\"bench\":\"renew\",\"name\":", f);
		qc_json_str(f, name);
		fprintf(f, ",\"count\":%zu,\"p50_us\":%.1f,\"p99_us\":%.1f,\"min_us\":%.1f,\"max_us\":%.1f,\"mean_us\":%.1f}\n",
			n, p50, p99, min, max, sum / n / 1e3);
	} else {
		fprintf(f, "renew round trip, %zu samples: p50 %.1f us, p99 %.1f us (min %.1f, max %.1f, mean %.1f)\n",
			n, p50, p99, min, max, sum / n / 1e3);
	}
}
