// SPDX-License-Identifier: MIT
/*
 * The status page and results, byte for byte: a table a person reads and
 * JSON a program parses must both show exactly what quorumd said, with
 * unknown values as "-" / null, never invented.
 */
#include <stdint.h>

#include "clfmt.h"
#include "canned.h"
#include "tap.h"

static const char want_human[] =
	"  cluster      prod-a\n"
	"  node         1 (leader), term 7, leader 1\n"
	"  flags        -\n"
	"  lease        db0, generation 1, kernel armed, 1402 ms remaining\n"
	"  log          commit 42, last 43\n"
	"  timing       L 1500 ms, heartbeat 100 ms, W 2505 ms\n"
	"  boot_id      0123456789abcdef, up 3600000 ms\n"
	"  datagrams    sent 1000, accepted 990\n"
	"  dropped      oversize 0, truncated 0, bad_header 0, wrong_cluster 0, wrong_receiver 0, unknown_sender 0, bad_mac 3, replay 2, stale 0, old_boot 0, old_version 0, not_durable 0\n"
	"  renewals     500, refused by the kernel 0, refused by the clock guard 0\n"
	"  core         messages dropped 0 (ready batch full)\n"
	"\n"
	"members:\n"
	"ID  ROLE     STATE                  GEN  FENCED_GEN  LEASE_MS  LAST_ACK_MS  MATCH  ADDRESSES\n"
	"1   voter    leader,self,active     1    -           1402      0            43     10.0.0.1:7000\n"
	"2   voter    active                 3    2           1399      12           43     10.0.0.2:7000,[fd00::2]:7001\n"
	"3   witness  active                 1    -           -         15           42     10.0.0.3:7000\n"
	"4   voter    lapsed,fenced,removed  1    1           -         -            30     10.0.0.4:7000\n"
	"\n"
	"fence records (committed, newest first):\n"
	"NODE  GEN  REASON  INDEX  AGE_MS  METHOD\n"
	"4     1    silent  40     1200    pr\n"
	"2     2    admin   21     90000   wait\n";

static const char want_json[] =
	"{\"schema\":1,\"cluster\":\"prod-a\",\"self\":1,\"leader\":1,\"term\":7,\"state\":\"leader\",\"commit\":42,\"last_index\":43,\"flags\":[],\"lease_name\":\"db0\",\"generation\":1,\"kernel_state\":\"armed\",\"lease_remaining_ms\":1402,\"lease_ms\":1500,\"heartbeat_ms\":100,\"wait_ms\":2505,\"boot_id\":\"0123456789abcdef\",\"uptime_ms\":3600000,\"rejoin\":null,\"members\":["
	"{\"id\":1,\"role\":\"voter\",\"generation\":1,\"fenced_generation\":null,\"fence_reason\":null,\"in_config\":true,\"flags\":[\"leader\",\"self\",\"active\"],\"lease_remaining_ms\":1402,\"last_ack_age_ms\":0,\"match\":43,\"rejoin_reason\":null,\"automatic_rejoins\":0,\"addresses\":[\"10.0.0.1:7000\"]},"
	"{\"id\":2,\"role\":\"voter\",\"generation\":3,\"fenced_generation\":2,\"fence_reason\":\"admin\",\"in_config\":true,\"flags\":[\"active\"],\"lease_remaining_ms\":1399,\"last_ack_age_ms\":12,\"match\":43,\"rejoin_reason\":null,\"automatic_rejoins\":0,\"addresses\":[\"10.0.0.2:7000\",\"[fd00::2]:7001\"]},"
	"{\"id\":3,\"role\":\"witness\",\"generation\":1,\"fenced_generation\":null,\"fence_reason\":null,\"in_config\":true,\"flags\":[\"active\"],\"lease_remaining_ms\":null,\"last_ack_age_ms\":15,\"match\":42,\"rejoin_reason\":null,\"automatic_rejoins\":0,\"addresses\":[\"10.0.0.3:7000\"]},"
	"{\"id\":4,\"role\":\"voter\",\"generation\":1,\"fenced_generation\":1,\"fence_reason\":\"silent\",\"in_config\":false,\"flags\":[\"lapsed\",\"fenced\"],\"lease_remaining_ms\":null,\"last_ack_age_ms\":null,\"match\":30,\"rejoin_reason\":null,\"automatic_rejoins\":0,\"addresses\":[\"10.0.0.4:7000\"]}],\"fences\":["
	"{\"node\":4,\"generation\":1,\"reason\":\"silent\",\"index\":40,\"age_ms\":1200,\"method\":\"pr\"},"
	"{\"node\":2,\"generation\":2,\"reason\":\"admin\",\"index\":21,\"age_ms\":90000,\"method\":\"wait\"}],"
	"\"counters\":{\"sent\":1000,\"accepted\":990,\"drops\":{\"oversize\":0,\"truncated\":0,\"bad_header\":0,\"wrong_cluster\":0,\"wrong_receiver\":0,\"unknown_sender\":0,\"bad_mac\":3,\"replay\":2,\"stale\":0,\"old_boot\":0,\"old_version\":0,\"not_durable\":0,\"other\":0},\"renewals\":500,\"renew_errors\":0,\"renew_refused_clock\":0,\"msgs_dropped\":0}}"
	"\n";

static void test_page(void)
{
	struct qfctl_status st;
	char *out = NULL;

	canned_status(&st);
	CAPTURE(out, qc_print_status(f, &st));
	CHECK_STR("status: human page", out, want_human);
	free(out);
	CAPTURE(out, qc_print_status_json(f, &st));
	CHECK_STR("status: JSON", out, want_json);
	free(out);
}

/* A follower that knows little: every unknown is "-" or null. */
static void follower(struct qfctl_status *st)
{
	canned_status(st);
	st->self = 2;
	st->leader = 0;
	st->state = QFCTL_STATE_CANDIDATE;
	st->kernel_state = QFCTL_KERNEL_FENCED;
	st->lease_known = 0;
	st->flags = QFCTL_SF_FENCED | QFCTL_SF_LAPSED | QFCTL_SF_CLOCK_BAD |
		    QFCTL_SF_TIMING_BAD;
	st->n_fences = 0;
	st->members[0].flags = QFCTL_MF_IN_CONFIG;
	st->members[1].flags = QFCTL_MF_IN_CONFIG | QFCTL_MF_SELF;
}

static void has(const char *name, const char *out, const char *needle)
{
	CHECK(name, strstr(out, needle) != NULL, "no \"%s\" in:\n%s", needle, out);
}

static void test_follower(void)
{
	struct qfctl_status st;
	char *out = NULL;

	follower(&st);
	CAPTURE(out, qc_print_status(f, &st));
	has("follower: no leader known", out, "  node         2 (candidate), term 7, leader unknown\n");
	has("follower: flags named", out, "  flags        fenced,lapsed,clock-bad,timing-mismatch\n");
	has("follower: no remaining time without a lease", out,
	    "  lease        db0, generation 1, kernel fenced\n");
	has("follower: leader-only columns are -", out,
	    "1   voter    -                      1    -           -         -            -      10.0.0.1:7000\n");
	has("follower: self marked", out, "2   voter    self ");
	has("follower: no fence records", out, "fence records (committed, newest first):\nnone\n");
	free(out);
	CAPTURE(out, qc_print_status_json(f, &st));
	has("follower json: leader null", out, "\"leader\":null,");
	has("follower json: lease unknown", out, "\"kernel_state\":\"fenced\",\"lease_remaining_ms\":null,");
	has("follower json: flags", out, "\"flags\":[\"fenced\",\"lapsed\",\"clock-bad\",\"timing-mismatch\"]");
	has("follower json: match null", out,
	    "\"lease_remaining_ms\":null,\"last_ack_age_ms\":null,\"match\":null,");
	has("follower json: empty fences", out, "\"fences\":[],");
	free(out);
}

/* design.md §2.11: the policy, why the node stays fenced, the guard, and
 * each automatic rejoin's reason. */
static void test_rejoin(void)
{
	struct qfctl_status st;
	char *out = NULL;

	follower(&st);
	st.rejoin_policy = QFCTL_RJ_AFTER_REBOOT;
	snprintf(st.rejoin_why, sizeof(st.rejoin_why), "no new kernel boot");
	st.join_reason[0] = QFCTL_JR_WHEN_IDLE;
	st.auto_joins[0] = 2;
	CAPTURE(out, qc_print_status(f, &st));
	has("rejoin: policy and condition", out,
	    "  rejoin       after-reboot, stays fenced: no new kernel boot\n");
	has("rejoin: member's reason", out, "  node 1: generation 1 by rejoin "
	    "when-idle, 2 automatic in the guard's window\n");
	free(out);
	st.flapping = 1;
	CAPTURE(out, qc_print_status(f, &st));
	has("rejoin: flapping", out, "  rejoin       after-reboot, flapping: "
	    "left fenced (quorumctl rejoin)\n");
	free(out);
	CAPTURE(out, qc_print_status_json(f, &st));
	has("rejoin json: policy, condition, guard", out,
	    ",\"rejoin\":{\"policy\":\"after-reboot\",\"stays_fenced\":"
	    "\"no new kernel boot\",\"flapping\":true},\"members\":[");
	has("rejoin json: member's reason and count", out,
	    ",\"rejoin_reason\":\"when-idle\",\"automatic_rejoins\":2,");
	free(out);
	st.flapping = 0;
	st.rejoin_why[0] = 0;
	memset(st.join_reason, 0, sizeof(st.join_reason));
	CAPTURE(out, qc_print_status_json(f, &st));
	has("rejoin json: nothing keeps it", out,
	    "\"stays_fenced\":null,\"flapping\":false}");
	has("rejoin json: no reason recorded", out,
	    ",\"rejoin_reason\":null,\"automatic_rejoins\":2,");
	free(out);
	st.rejoin_policy = 0;
	CAPTURE(out, qc_print_status_json(f, &st));
	has("rejoin json: a daemon from before policies", out,
	    ",\"rejoin\":null,");
	free(out);
}

/* The committed fence counts in status --json: fixed keys, after "pr". */
static void test_fence_totals(void)
{
	struct qfctl_status st;
	struct qfctl_fence_counts fc = { .preempted = 1 };
	char *out = NULL;

	canned_status(&st);
	fc.by_reason[QFCTL_FR_LAPSED] = 5;
	fc.by_reason[QFCTL_FR_ADMIN] = 2;
	CAPTURE(out, qc_print_status_json_all(f, &st, NULL, &fc));
	has("json: fences_total", out,
	    ",\"fences_total\":{\"silent\":0,\"admin\":2,\"removed\":0,\"lapsed\":5,\"by_reservation\":1}}\n");
	has("json: fences_total keeps the schema", out, "{\"schema\":1,");
	free(out);
	out = NULL;
	CAPTURE(out, qc_print_status_json(f, &st));
	CHECK("json: no fences_total without the counts", !strstr(out, "fences_total"), "%s", out);
	free(out);
}

/* Values added to the protocol after this tool was built, and hostile names. */
static void test_unknown(void)
{
	struct qfctl_status st;
	char *out = NULL;

	canned_status(&st);
	st.state = 9;
	st.kernel_state = QFCTL_KERNEL_NONE;
	st.members[0].role = 7;
	st.fences[0].reason = 42;
	st.counters.drops[14] = 5;
	snprintf(st.cluster, sizeof(st.cluster), "evil\x1b[2J\"");
	CAPTURE(out, qc_print_status(f, &st));
	has("unknown: raft state", out, "1 (unknown(9)), term 7");
	has("unknown: kernel none", out, "kernel none, 1402 ms");
	has("unknown: role", out, "1   unknown(7)  ");
	has("unknown: fence reason", out, "4     1    unknown(42)  40");
	has("unknown: drop verdict by number", out, "not_durable 0, verdict14 5\n");
	has("unknown: cluster name escaped for the terminal", out,
	    "  cluster      evil\\x1b[2J\"\n");
	free(out);
	CAPTURE(out, qc_print_status_json(f, &st));
	has("unknown json: raft state", out, "\"state\":\"unknown(9)\"");
	has("unknown json: kernel none", out, "\"kernel_state\":\"none\"");
	/* JSON keys are fixed: a verdict without a name is counted as "other" */
	has("unknown json: drop verdict by number", out, "\"not_durable\":0,\"other\":5}");
	has("unknown json: cluster name escaped", out,
	    "{\"schema\":1,\"cluster\":\"evil\\u001b[2J\\\"\",");
	free(out);
}

static void test_results(void)
{
	struct qfctl_result r = { .leader = 1, .node = 3, .gen = 2, .index = 41,
				  .term = 7, .flags = QFCTL_RES_COMMITTED };
	char *out = NULL;

	CAPTURE(out, qc_print_result(f, QFCTL_REQ_FENCE, &r, false));
	CHECK_STR("result: fence committed", out,
		  "node 3 generation 2 fenced: NODE_FENCED committed at index 41 (term 7)\n");
	free(out);
	snprintf(r.message, sizeof(r.message), "ok \"x\"");
	CAPTURE(out, qc_print_result(f, QFCTL_REQ_FENCE, &r, true));
	CHECK_STR("result: JSON", out,
		  "{\"schema\":1,\"node\":3,\"leader\":1,\"generation\":2,\"index\":41,\"term\":7,"
		  "\"forwarded\":false,\"committed\":true,\"message\":\"ok \\\"x\\\"\"}\n");
	free(out);
	r.index = 0;
	CAPTURE(out, qc_print_result(f, QFCTL_REQ_FENCE, &r, false));
	CHECK_STR("result: fence committed earlier, index unknown", out,
		  "node 3 generation 2 fenced: NODE_FENCED committed\n");
	free(out);
	r.flags = 0;
	CAPTURE(out, qc_print_result(f, QFCTL_REQ_FENCE, &r, false));
	CHECK_STR("result: a fence only appended prints nothing", out, "");
	free(out);
	r = (struct qfctl_result){ .leader = 5, .node = 2, .flags = QFCTL_RES_FORWARDED };
	CAPTURE(out, qc_print_result(f, QFCTL_REQ_REJOIN, &r, false));
	has("result: forwarded rejoin", out, "rejoin of node 2 sent to the leader (node 5)");
	free(out);
	r.gen = 4;
	CAPTURE(out, qc_print_result(f, QFCTL_REQ_FENCE, &r, false));
	has("result: forwarded fence", out,
	    "fence of node 2 generation 4 sent to the leader (node 5)");
	free(out);
	r.flags |= QFCTL_RES_COMMITTED;
	CAPTURE(out, qc_print_result(f, QFCTL_REQ_REJOIN, &r, false));
	CHECK_STR("result: rejoin --wait committed", out,
		  "node 2 rejoined: generation 4 committed\n");
	free(out);
	r.leader = 0;
	CAPTURE(out, qc_print_result(f, QFCTL_REQ_MEMBER_ADD, &r, true));
	has("result: JSON leader null", out, "\"leader\":null,");
	free(out);
}

static void test_names(void)
{
	CHECK_STR("name: precandidate", qc_raft_state_name(QFCTL_STATE_PRECANDIDATE), "precandidate");
	CHECK_STR("name: witness", qc_role_name(QFCTL_ROLE_WITNESS), "witness");
	CHECK("name: role 0 unnamed", qc_role_name(0) == NULL, "named");
	CHECK_STR("name: lapsed", qc_fence_reason_name(QFCTL_FR_LAPSED), "lapsed");
	CHECK_STR("name: bad_mac", qc_drop_name(QF_WIRE_BAD_MAC), "bad_mac");
	CHECK("name: verdict 0 is no drop", qc_drop_name(0) == NULL, "named");
	CHECK("name: verdict past the table", qc_drop_name(QFCTL_MAX_DROPS) == NULL, "named");
}

/* The storage fence's devices (design.md rule 13): keys with self marked,
 * holder and type, a device's error, and the same in JSON. */
static void test_pr(void)
{
	static struct qfctl_pr_status pr;
	struct qfctl_status st;
	char *out = NULL;

	memset(&pr, 0, sizeof(pr));
	pr.n = 2;
	pr.flags = QFCTL_PR_REGISTERED | QFCTL_PR_READ;
	pr.self_key = 0x1a2b000100000001ULL;
	strcpy(pr.dev[0].path, "/dev/sda");
	pr.dev[0].ok = 1;
	pr.dev[0].resv_held = 1;
	pr.dev[0].resv_type = 7;
	pr.dev[0].resv_key = 0x1a2b000100000001ULL;
	pr.dev[0].n_keys = 2;
	pr.dev[0].keys[0] = 0x1a2b000100000001ULL;
	pr.dev[0].keys[1] = 0x1a2b000200000003ULL;
	strcpy(pr.dev[1].path, "/dev/sdb");
	strcpy(pr.dev[1].why, "PERSISTENT RESERVE IN (READ KEYS): not ready");
	CAPTURE(out, qc_print_pr_status(f, &pr));
	CHECK_STR("pr: human", out,
		  "\nstorage fence (persistent reservations):\n"
		  "  self key     1a2b000100000001 (registered)\n"
		  "  /dev/sda: reservation write-exclusive-all-registrants holder "
		  "1a2b000100000001, 2 key(s): 1a2b000100000001(self) 1a2b000200000003\n"
		  "  /dev/sdb: error: PERSISTENT RESERVE IN (READ KEYS): not ready\n");
	free(out);
	canned_status(&st);
	CAPTURE(out, qc_print_status_json_pr(f, &st, &pr));
	CHECK("pr: JSON ends with the devices", out && strstr(out,
		",\"pr\":{\"self_key\":\"1a2b000100000001\",\"registered\":true,"
		"\"lost_generation\":0,\"devices\":[{\"path\":\"/dev/sda\","
		"\"reservation\":{\"type\":\"write-exclusive-all-registrants\","
		"\"holder\":\"1a2b000100000001\"},\"n_keys\":2,\"keys\":[{\"key\":"
		"\"1a2b000100000001\",\"self\":true},{\"key\":\"1a2b000200000003\","
		"\"self\":false}]},{\"path\":\"/dev/sdb\",\"error\":\"PERSISTENT "
		"RESERVE IN (READ KEYS): not ready\"}]}}\n"), "got %s\n", out);
	free(out);
	memset(&pr, 0, sizeof(pr));
	CAPTURE(out, qc_print_pr_status(f, &pr));
	CHECK_STR("pr: none", out, "\nstorage fence (persistent reservations):\n"
		  "none (no pr_device)\n");
	free(out);
}

int main(void)
{
	test_page();
	test_pr();
	test_follower();
	test_rejoin();
	test_fence_totals();
	test_unknown();
	test_results();
	test_names();
	return TAP_DONE();
}
