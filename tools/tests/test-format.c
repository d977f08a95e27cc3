// SPDX-License-Identifier: MIT
/* Names, escaping, remaining time, and the exact table/JSON output. */
#include <stdint.h>

#include "qfence.h"
#include "format.h"
#include "tap.h"

#define SET(in, attr, field, v) ((in)->field = (v), (in)->present |= 1ULL << (attr))

/* A lease as the kernel would describe it, every attribute present. */
static struct qc_info full_lease(const char *name)
{
	struct qc_info in = { 0 };

	snprintf(in.name, sizeof(in.name), "%s", name);
	in.present |= 1ULL << QFENCE_A_NAME;
	SET(&in, QFENCE_A_STATE, state, QFENCE_STATE_ARMED);
	SET(&in, QFENCE_A_GENERATION, generation, 7);
	SET(&in, QFENCE_A_DEADLINE_NS, deadline_ns, 6500000000ULL);
	SET(&in, QFENCE_A_NOW_NS, now_ns, 5000000000ULL);
	SET(&in, QFENCE_A_MAX_LEASE_MS, max_lease_ms, 1500);
	SET(&in, QFENCE_A_ACTIONS, actions, QFENCE_ACTION_IO | QFENCE_ACTION_REBOOT);
	SET(&in, QFENCE_A_REBOOT_DELAY_MS, reboot_delay_ms, 0);
	SET(&in, QFENCE_A_SETTLE_MS, settle_ms, 1000);
	SET(&in, QFENCE_A_FLAGS, flags, QFENCE_F_NOWAYOUT);
	SET(&in, QFENCE_A_RENEWALS, renewals, 42);
	SET(&in, QFENCE_A_FENCES, fences, 1);
	SET(&in, QFENCE_A_IOS_FAILED, ios_failed, 3);
	SET(&in, QFENCE_A_IOS_INFLIGHT, ios_inflight, 2);
	SET(&in, QFENCE_A_DEVICES, devices, 1);
	SET(&in, QFENCE_A_FENCED_NS, fenced_ns, 0);
	SET(&in, QFENCE_A_DRAINED_NS, drained_ns, 0);
	SET(&in, QFENCE_A_FENCE_REASON, fence_reason, QFENCE_REASON_NONE);
	return in;
}

static void test_names(void)
{
	char buf[64];

	CHECK_STR("state armed", qc_state_name(QFENCE_STATE_ARMED), "armed");
	CHECK_STR("state fenced", qc_state_name(QFENCE_STATE_FENCED), "fenced");
	CHECK("state unknown is NULL", qc_state_name(3) == NULL, "named");
	CHECK_STR("event drained", qc_event_name(QFENCE_EVENT_DRAINED), "drained");
	CHECK("event 0 is unnamed", qc_event_name(QFENCE_EVENT_UNSPEC) == NULL, "named");
	CHECK_STR("reason manual", qc_reason_name(QFENCE_REASON_MANUAL), "manual");
	CHECK_STR("reason storage", qc_reason_name(QFENCE_REASON_STORAGE), "storage");
	CHECK_STR("cause settle", qc_cause_name(QFENCE_CAUSE_SETTLE), "settle");
	CHECK_STR("attr name", qc_attr_name(QFENCE_A_IOS_INFLIGHT), "ios_inflight");
	CHECK("attr -1 is unnamed", qc_attr_name(-1) == NULL, "named");
	qc_actions_str(QFENCE_ACTION_IO | QFENCE_ACTION_PANIC | QFENCE_ACTION_LOG_ONLY,
		       buf, sizeof(buf));
	CHECK_STR("actions string", buf, "io,panic,log-only");
	qc_actions_str(QFENCE_ACTION_IO | (1U << 5), buf, sizeof(buf));
	CHECK_STR("actions unknown bit", buf, "io,bit5");
	qc_flags_str(0, buf, sizeof(buf));
	CHECK_STR("flags empty", buf, "-");
	qc_flags_str(QFENCE_F_NOWAYOUT | QFENCE_F_SETTLE_WAIT, buf, sizeof(buf));
	CHECK_STR("flags both", buf, "nowayout,settle-wait");
	qc_actions_str(0xffffffff, buf, 12);
	CHECK("actions string truncates safely", strlen(buf) < 12, "len %zu", strlen(buf));
}

static void test_escape(void)
{
	char *out = NULL, safe[64];

	CAPTURE(out, qc_json_str(f, "a\"b\\c\n\x01\x7f"));
	CHECK_STR("json escapes quote, backslash, controls", out,
		  "\"a\\\"b\\\\c\\u000a\\u0001\\u007f\"");
	free(out);
	CAPTURE(out, qc_json_str(f, "caf\xc3\xa9 \xf0\x9f\x94\x92"));
	CHECK_STR("json keeps valid UTF-8", out, "\"caf\xc3\xa9 \xf0\x9f\x94\x92\"");
	free(out);
	CAPTURE(out, qc_json_str(f, "x\xff" "y\xc0\xaf" "z\xed\xa0\x80" "w\xe2\x82"));
	CHECK_STR("json replaces invalid UTF-8", out,
		  "\"x\\ufffdy\\ufffd\\ufffdz\\ufffd\\ufffd\\ufffdw\\ufffd\\ufffd\"");
	free(out);
	qc_safe_name("db\x1b[2J\\", safe, sizeof(safe));
	CHECK_STR("table names cannot drive the terminal", safe, "db\\x1b[2J\\x5c");
	qc_safe_name("\x01\x02\x03\x04", safe, 8);
	CHECK("safe name truncates safely", strlen(safe) < 8, "len %zu", strlen(safe));
}

static void test_remaining(void)
{
	struct qc_info in = full_lease("r");
	int64_t ms = 99;

	CHECK("remaining: deadline - now", qc_remaining_ms(&in, &ms) && ms == 1500,
	      "got %lld", (long long)ms);
	in.deadline_ns = in.now_ns + 999999;
	CHECK("remaining: rounds down", qc_remaining_ms(&in, &ms) && ms == 0,
	      "got %lld", (long long)ms);
	in.deadline_ns = in.now_ns - 1;
	CHECK("remaining: 1 ns late is -1 ms", qc_remaining_ms(&in, &ms) && ms == -1,
	      "got %lld", (long long)ms);
	in.deadline_ns = in.now_ns - 2000000;
	CHECK("remaining: 2 ms late", qc_remaining_ms(&in, &ms) && ms == -2,
	      "got %lld", (long long)ms);
	in.deadline_ns = 0;
	CHECK("remaining: no deadline", !qc_remaining_ms(&in, &ms), "got %lld", (long long)ms);
	in = full_lease("r");
	in.state = QFENCE_STATE_FENCED;
	CHECK("remaining: only while armed", !qc_remaining_ms(&in, &ms), "got %lld", (long long)ms);
	in = full_lease("r");
	in.present &= ~(1ULL << QFENCE_A_NOW_NS);
	CHECK("remaining: never from a missing NOW_NS", !qc_remaining_ms(&in, &ms),
	      "got %lld", (long long)ms);
}

static const char lease_json[] =
	"{\"schema\":1,\"name\":\"db0\",\"state\":\"armed\",\"generation\":7,\"remaining_ms\":1500,"
	"\"deadline_ns\":6500000000,\"now_ns\":5000000000,\"max_lease_ms\":1500,"
	"\"actions\":[\"io\",\"reboot\"],\"reboot_delay_ms\":0,\"settle_ms\":1000,"
	"\"flags\":[\"nowayout\"],\"renewals\":42,\"fences\":1,\"ios_failed\":3,"
	"\"ios_inflight\":2,\"devices\":1,\"fenced_ns\":0,\"drained_ns\":0,"
	"\"fence_reason\":\"none\"}";

static void test_lease_json(void)
{
	struct qc_info l[2] = { full_lease("db0"), full_lease("q\"x") };
	char *out = NULL, want[2048];

	CAPTURE(out, qc_print_lease_json(f, &l[0]));
	CHECK_STR("lease json", out, lease_json);
	free(out);
	l[1].state = QFENCE_STATE_DISARMED;
	l[1].flags = 0;
	CAPTURE(out, qc_print_lease_json(f, &l[1]));
	CHECK("lease json: no deadline gives null, empty flags []",
	      strstr(out, "\"name\":\"q\\\"x\"") &&
	      strstr(out, "\"state\":\"disarmed\"") &&
	      strstr(out, "\"remaining_ms\":null") && strstr(out, "\"flags\":[]"),
	      "got %s", out);
	free(out);
	l[1] = full_lease("db0");
	l[1].present = 1ULL << QFENCE_A_NAME | 1ULL << QFENCE_A_STATE;
	l[1].state = 9;
	CAPTURE(out, qc_print_lease_json(f, &l[1]));
	CHECK_STR("lease json: only attributes the kernel sent", out,
		  "{\"schema\":1,\"name\":\"db0\",\"state\":\"unknown(9)\",\"remaining_ms\":null}");
	free(out);
	CAPTURE(out, qc_print_lease_list_json(f, NULL, 0));
	CHECK_STR("list json: empty", out, "[]\n");
	free(out);
	l[1] = full_lease("db0");
	CAPTURE(out, qc_print_lease_list_json(f, l, 2));
	snprintf(want, sizeof(want), "[\n %s,\n %s\n]\n", lease_json, lease_json);
	CHECK_STR("list json: two leases", out, want);
	free(out);
}

static void test_human(void)
{
	struct qc_info l[2] = { full_lease("db0"), full_lease("long-lease-name") };
	char *out = NULL;

	l[1].state = QFENCE_STATE_FENCED;
	l[1].flags = 0;
	l[1].renewals = 1234567;
	CAPTURE(out, qc_print_lease_table(f, l, 2));
	CHECK_STR("lease table", out,
		  "NAME             STATE   GENERATION  REMAINING_MS  MAX_LEASE_MS  ACTIONS    FLAGS     RENEWALS  FENCES  IOS_FAILED  INFLIGHT  DEVICES\n"
		  "db0              armed   7           1500          1500          io,reboot  nowayout  42        1       3           2         1\n"
		  "long-lease-name  fenced  7           -             1500          io,reboot  -         1234567   1       3           2         1\n");
	free(out);
	CAPTURE(out, qc_print_lease_table(f, NULL, 0));
	CHECK("lease table: empty has the header only",
	      !strncmp(out, "NAME  STATE", 11) && strchr(out, '\n') == out + strlen(out) - 1,
	      "got %s", out);
	free(out);
	CAPTURE(out, qc_print_lease_show(f, &l[0]));
	CHECK_STR("lease show", out,
		  "  name             db0\n"
		  "  state            armed\n"
		  "  generation       7\n"
		  "  remaining_ms     1500\n"
		  "  deadline_ns      6500000000\n"
		  "  now_ns           5000000000\n"
		  "  max_lease_ms     1500\n"
		  "  actions          io,reboot\n"
		  "  reboot_delay_ms  0\n"
		  "  settle_ms        1000\n"
		  "  flags            nowayout\n"
		  "  renewals         42\n"
		  "  fences           1\n"
		  "  ios_failed       3\n"
		  "  ios_inflight     2\n"
		  "  devices          1\n"
		  "  fenced_ns        0\n"
		  "  drained_ns       0\n"
		  "  fence_reason     none\n");
	free(out);
}

static void test_events(void)
{
	struct qc_info ev = { 0 };
	char *out = NULL;

	snprintf(ev.name, sizeof(ev.name), "db0");
	ev.present |= 1ULL << QFENCE_A_NAME;
	SET(&ev, QFENCE_A_EVENT, event, QFENCE_EVENT_FENCED);
	SET(&ev, QFENCE_A_GENERATION, generation, 4);
	SET(&ev, QFENCE_A_TIMESTAMP_NS, timestamp_ns, 123);
	SET(&ev, QFENCE_A_DEADLINE_NS, deadline_ns, 100);
	SET(&ev, QFENCE_A_FENCE_REASON, fence_reason, QFENCE_REASON_EXPIRED);
	SET(&ev, QFENCE_A_IOS_INFLIGHT, ios_inflight, 0);
	CAPTURE(out, qc_print_event(f, &ev, false));
	CHECK_STR("event line", out,
		  "event=fenced name=db0 generation=4 timestamp_ns=123 deadline_ns=100 fence_reason=expired ios_inflight=0\n");
	free(out);
	CAPTURE(out, qc_print_event(f, &ev, true));
	CHECK_STR("event json", out,
		  "{\"schema\":1,\"event\":\"fenced\",\"name\":\"db0\",\"generation\":4,\"timestamp_ns\":123,\"deadline_ns\":100,\"fence_reason\":\"expired\",\"ios_inflight\":0}\n");
	free(out);
	ev.present = 0;
	SET(&ev, QFENCE_A_EVENT, event, QFENCE_EVENT_ACTION);
	SET(&ev, QFENCE_A_ACTION, action, QFENCE_ACTION_REBOOT);
	SET(&ev, QFENCE_A_ACTION_AT_NS, action_at_ns, 900);
	SET(&ev, QFENCE_A_ACTION_CAUSE, action_cause, QFENCE_CAUSE_SETTLE);
	CAPTURE(out, qc_print_event(f, &ev, true));
	CHECK_STR("action event json", out,
		  "{\"schema\":1,\"event\":\"action\",\"action\":\"reboot\",\"action_at_ns\":900,\"action_cause\":\"settle\"}\n");
	free(out);
}

static void test_bench(void)
{
	uint64_t s[100], one = 7000, three[3] = { 3000, 1000, 2000 };
	char *out = NULL;
	int i;

	for (i = 0; i < 100; i++)
		s[i] = (uint64_t)i + 1;
	CHECK("p50 of 1..100", qc_percentile(s, 100, 50) == 50, "got %llu",
	      (unsigned long long)qc_percentile(s, 100, 50));
	CHECK("p99 of 1..100", qc_percentile(s, 100, 99) == 99, "got %llu",
	      (unsigned long long)qc_percentile(s, 100, 99));
	CHECK("p100 of 1..100", qc_percentile(s, 100, 100) == 100, "wrong");
	CHECK("p99 of 1..10 is the max", qc_percentile(s, 10, 99) == 10, "wrong");
	CHECK("p50 of one sample", qc_percentile(&one, 1, 50) == 7000, "wrong");
	CAPTURE(out, qc_print_bench(f, "db0", three, 3, true));
	CHECK_STR("bench json (sorted, microseconds)", out,
		  "{\"schema\":1,\"bench\":\"renew\",\"name\":\"db0\",\"count\":3,\"p50_us\":2.0,\"p99_us\":3.0,\"min_us\":1.0,\"max_us\":3.0,\"mean_us\":2.0}\n");
	free(out);
	CAPTURE(out, qc_print_bench(f, "db0", three, 3, false));
	CHECK("bench text", strstr(out, "p50 2.0 us, p99 3.0 us") != NULL, "got %s", out);
	free(out);
}

int main(void)
{
	test_names();
	test_escape();
	test_remaining();
	test_lease_json();
	test_human();
	test_events();
	test_bench();
	return TAP_DONE();
}
