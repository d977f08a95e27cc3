/* SPDX-License-Identifier: MIT */
/*
 * qfence: control protocol between quorumd and quorumctl.
 *
 * Transport: a Unix stream socket (default QFCTL_SOCKET_DEFAULT, the
 * daemon's `control_socket` setting), mode 0600, root only; the daemon also
 * checks the peer's credentials (SO_PEERCRED uid 0). The socket's
 * permissions are the authority: there is no further authentication.
 *
 * One exchange = one request, one reply, on one connection (the client may
 * send several requests in sequence on one connection). Every message is a
 * struct qfctl_hdr followed by exactly hdr.len - sizeof(hdr) bytes of a
 * fixed-size body selected by hdr.code. Integers are in host byte order (the
 * socket never leaves the machine); all structs have explicit padding and
 * fixed sizes (checked by _Static_assert below), so a reader can refuse any
 * length other than the expected one.
 *
 * Requests (client -> daemon), body in parentheses:
 *   QFCTL_REQ_STATUS          (none)                     -> QFCTL_RPY_STATUS
 *   QFCTL_REQ_MEMBER_ADD      (struct qfctl_req_member)  -> QFCTL_RPY_RESULT
 *   QFCTL_REQ_MEMBER_REMOVE   (struct qfctl_req_node)    -> QFCTL_RPY_RESULT
 *   QFCTL_REQ_FENCE           (struct qfctl_req_fence)   -> QFCTL_RPY_RESULT
 *   QFCTL_REQ_REJOIN          (struct qfctl_req_node)    -> QFCTL_RPY_RESULT
 *   QFCTL_REQ_TRANSFER_LEADER (struct qfctl_req_node)    -> QFCTL_RPY_RESULT
 *   QFCTL_REQ_LEAVE           (none)                     -> QFCTL_RPY_RESULT
 *   QFCTL_REQ_PR_STATUS       (none)                     -> QFCTL_RPY_PR_STATUS
 *
 * Every reply carries hdr.status (QFCTL_ST_*); when it is not QFCTL_ST_OK
 * the body is still the one named above (a RESULT carrying the leader's id
 * for QFCTL_ST_NOT_LEADER), except for QFCTL_ST_BAD_VERSION and
 * QFCTL_ST_BAD_REQUEST, which are answered with a RESULT whatever the
 * request. hdr.seq is echoed.
 *
 * Semantics:
 *   MEMBER_ADD/REMOVE, FENCE, TRANSFER_LEADER are proposals to the leader.
 *     On another node the reply is QFCTL_ST_NOT_LEADER with result.leader
 *     set (0 if unknown). OK means the entry was appended (MEMBER_*,
 *     FENCE without the wait flag) or the transfer started.
 *   FENCE with QFCTL_FENCE_WAIT: the reply comes only once NODE_FENCED
 *     (node, gen) is committed (result.gen, result.index set), or with
 *     QFCTL_ST_TIMEOUT after timeout_ms (0: the daemon's default, 4 W).
 *     The record is not undone by a timeout: it commits later.
 *   REJOIN node (0 = this node): asks the leader to commit NODE_JOIN with a
 *     new, larger generation for a fenced node (design.md §2 rule 7). It is
 *     the operator's way back; the other is the node's own rejoin policy
 *     (design.md §2.11, shown in the status), never mere talking. On a
 *     follower the daemon forwards the request to the leader it knows and
 *     answers OK with result.flags QFCTL_RES_FORWARDED (the kernel is
 *     unfenced once the rejoin is committed and reaches this node); with
 *     no known leader the answer is QFCTL_ST_NOT_LEADER.
 *     (`quorumctl rejoin --wait` then reads STATUS until the new
 *     generation is committed in this node's state.)
 *   FENCE on a follower: forwarded to the leader it knows, naming the
 *     generation committed here (design.md rule 11); OK with
 *     QFCTL_RES_FORWARDED, or with the wait flag the same wait as on the
 *     leader, judged on this node's own committed state. Refused on the
 *     follower at once: an unknown node, the leader itself.
 *   LEAVE: this node leaves the cluster, exactly as on SIGTERM (a leader
 *     hands leadership over first; the kernel lease is disarmed unless it
 *     is NOWAYOUT or IO stays in flight; the leader is told, and the
 *     leaving daemon waits until NODE_FENCED(self, gen) is in its log),
 *     and then the daemon exits. The reply comes once the leave has run,
 *     just before the exit: QFCTL_ST_OK with QFCTL_RES_DISARMED when the
 *     lease was disarmed (or there is none), QFCTL_ST_NOT_DISARMED when it
 *     was not (it stays armed and expires and fences, as after a crash:
 *     the daemon exits all the same, as SIGTERM does). QFCTL_RES_RECORDED:
 *     the leader put NODE_FENCED in its log (it commits after W, rule 5);
 *     QFCTL_RES_HANDED_OVER: this node led and handed leadership over.
 *     result.node is this node, result.gen the generation it left with.
 *     A second LEAVE (or SIGTERM) during the leave cuts it short, as a
 *     second SIGTERM does. Accepted while leaving, unlike the mutations.
 *
 * Stability: version 1. Changes are additions only (new codes, new status
 * values, new flag bits, fields taken from reserved space), listed here:
 *   - TRANSFER_LEADER with node 0: the daemon picks the most up-to-date
 *     active, unfenced voter (result.node names it).
 *   - qfctl_counters.bad_payload, from reserved space (was reserved[0]).
 *   - qfctl_counters.renew_latency_{max_us,sum_us,count}, from reserved
 *     space (was reserved[1..3]): grant received -> LEASE_RENEW acked.
 *   - LEAVE (code 7), status QFCTL_ST_NOT_DISARMED (14), result flags
 *     QFCTL_RES_DISARMED, QFCTL_RES_RECORDED, QFCTL_RES_HANDED_OVER.
 *   - qfctl_fence.method, from reserved space (was pad[0]): QFCTL_FM_*.
 *   - PR_STATUS (code 8) -> PR_STATUS reply (code 3, struct
 *     qfctl_pr_status): the storage fence's view of every pr_device
 *     (design.md rule 13); n = 0 when the node has none.
 *   - FENCE_COUNTS (code 9) -> FENCE_COUNTS reply (code 4, struct
 *     qfctl_fence_counts): the committed NODE_FENCED records by reason
 *     and the committed PREEMPTED records, from the replicated state
 *     (every node that applied the same log answers the same numbers).
 *     A daemon from before answers QFCTL_ST_BAD_REQUEST.
 *   - FENCE on a follower is forwarded (see FENCE above).
 *   - TIMING_SET (code 10, struct qfctl_req_timing) -> RESULT: the leader
 *     proposes the committed timing change (design.md §2.10,
 *     TIMING_BEGIN); OK once it is appended (result.index). A follower
 *     answers QFCTL_ST_NOT_LEADER naming the leader (result.leader): the
 *     change is not forwarded. A refused timing is QFCTL_ST_BAD_REQUEST
 *     with the validator's reason in result.message (truncated);
 *     QFCTL_ST_BUSY a change of timing or membership is in progress,
 *     QFCTL_ST_EXISTS it is already the cluster's timing.
 *   - TIMING_STATUS (code 11) -> TIMING reply (code 5, struct
 *     qfctl_timing): the cluster's recorded timing, the change in
 *     progress if any, this node's own timing and, per member, whether
 *     it applied the change (QFCTL_TF_APPLIED).
 */
#ifndef QFENCE_CTL_PROTO_H
#define QFENCE_CTL_PROTO_H

#include <stdint.h>

#define QFCTL_SOCKET_DEFAULT	"/run/qfence/quorumd.sock"
#define QFCTL_MAGIC		0x4c434651U	/* "QFCL" little-endian */
#define QFCTL_VERSION		1

#define QFCTL_MAX_MEMBERS	16	/* = QF_MAX_MEMBERS of the core */
#define QFCTL_MAX_FENCES	16	/* recent committed NODE_FENCED records */
#define QFCTL_MAX_ADDRS		2
#define QFCTL_NAME_LEN		64	/* cluster name */
#define QFCTL_LEASE_NAME_LEN	32	/* = QFENCE_NAME_LEN */
#define QFCTL_MAX_DROPS		16	/* wire drop counters by verdict */

/* hdr.code of requests */
enum qfctl_req {
	QFCTL_REQ_STATUS = 1,
	QFCTL_REQ_MEMBER_ADD = 2,
	QFCTL_REQ_MEMBER_REMOVE = 3,
	QFCTL_REQ_FENCE = 4,
	QFCTL_REQ_REJOIN = 5,
	QFCTL_REQ_TRANSFER_LEADER = 6,
	QFCTL_REQ_LEAVE = 7,
	QFCTL_REQ_PR_STATUS = 8,
	QFCTL_REQ_FENCE_COUNTS = 9,
	QFCTL_REQ_TIMING_SET = 10,
	QFCTL_REQ_TIMING_STATUS = 11,
};

/* hdr.code of replies */
enum qfctl_rpy {
	QFCTL_RPY_RESULT = 1,		/* struct qfctl_result */
	QFCTL_RPY_STATUS = 2,		/* struct qfctl_status */
	QFCTL_RPY_PR_STATUS = 3,	/* struct qfctl_pr_status */
	QFCTL_RPY_FENCE_COUNTS = 4,	/* struct qfctl_fence_counts */
	QFCTL_RPY_TIMING = 5,		/* struct qfctl_timing */
};

/* hdr.status of replies (0 in requests) */
enum qfctl_status_code {
	QFCTL_ST_OK = 0,
	QFCTL_ST_BAD_VERSION = 1,	/* magic or version not understood */
	QFCTL_ST_BAD_REQUEST = 2,	/* unknown code, wrong length, bad field */
	QFCTL_ST_NOT_LEADER = 3,	/* result.leader: who is (0 unknown) */
	QFCTL_ST_BUSY = 4,		/* a membership change/transfer pending */
	QFCTL_ST_AGAIN = 5,		/* new leader has not committed yet */
	QFCTL_ST_FULL = 6,		/* log full: no majority reachable */
	QFCTL_ST_EXISTS = 7,		/* already member / already fenced */
	QFCTL_ST_NO_SUCH_NODE = 8,
	QFCTL_ST_NOT_FENCED = 9,	/* rejoin needs a committed NODE_FENCED */
	QFCTL_ST_TIMEOUT = 10,		/* fence --wait ran out (still pending) */
	QFCTL_ST_INTERNAL = 11,		/* daemon-side failure, see its log */
	QFCTL_ST_SHUTTING_DOWN = 12,	/* the daemon is leaving */
	QFCTL_ST_DENIED = 13,		/* peer credentials not root */
	QFCTL_ST_NOT_DISARMED = 14,	/* LEAVE: exited, lease still armed */
	__QFCTL_ST_MAX
};

struct qfctl_hdr {
	uint32_t magic;		/* QFCTL_MAGIC */
	uint16_t version;	/* QFCTL_VERSION */
	uint16_t code;		/* enum qfctl_req / enum qfctl_rpy */
	uint32_t len;		/* whole message, header included */
	uint32_t seq;		/* chosen by the client, echoed */
	int32_t status;		/* enum qfctl_status_code (replies) */
	uint32_t reserved;	/* 0 */
};

/* An address: family 4 or 6 (0 unused), port host order, ip network order */
struct qfctl_addr {
	uint8_t family;
	uint8_t pad;
	uint16_t port;
	uint8_t ip[16];
};

/* ---- request bodies ---- */

struct qfctl_req_node {
	uint32_t node;		/* REJOIN: 0 = this node */
	uint32_t reserved;
};

#define QFCTL_ROLE_VOTER	1	/* = QF_ROLE_VOTER */
#define QFCTL_ROLE_WITNESS	2	/* = QF_ROLE_WITNESS */

struct qfctl_req_member {
	uint32_t node;
	uint8_t role;		/* QFCTL_ROLE_*; REMOVE ignores it */
	uint8_t n_addrs;	/* 1..QFCTL_MAX_ADDRS for ADD */
	uint16_t reserved;
	struct qfctl_addr addrs[QFCTL_MAX_ADDRS];
};

#define QFCTL_FENCE_WAIT	0x01	/* reply once NODE_FENCED committed */

struct qfctl_req_fence {
	uint32_t node;
	uint32_t flags;		/* QFCTL_FENCE_* */
	uint32_t timeout_ms;	/* with WAIT; 0 = default */
	uint32_t reserved;
};

/* TIMING_SET and the TIMING reply: design.md §5's values, ms (rho ppm);
 * wait_ms 0 = W derived from the others. */
struct qfctl_timing_vals {
	uint32_t heartbeat_ms, election_min_ms, election_max_ms, margin_ms;
	uint32_t lease_ms, settle_ms, rho_ppm, wait_ms;
};

struct qfctl_req_timing {
	struct qfctl_timing_vals t;
};

/* ---- reply bodies ---- */

#define QFCTL_RES_FORWARDED	0x01	/* REJOIN / FENCE sent on to the leader */
#define QFCTL_RES_COMMITTED	0x02	/* --wait: the record committed (here) */
#define QFCTL_RES_DISARMED	0x04	/* LEAVE: kernel lease disarmed */
#define QFCTL_RES_RECORDED	0x08	/* LEAVE: NODE_FENCED in the leader's log */
#define QFCTL_RES_HANDED_OVER	0x10	/* LEAVE: leadership handed over */

struct qfctl_result {
	uint32_t leader;	/* known leader (0 = none) */
	uint32_t flags;		/* QFCTL_RES_* */
	uint32_t node;		/* the node concerned */
	uint32_t reserved;
	uint64_t gen;		/* FENCE: fenced generation */
	uint64_t index;		/* log index of the entry (0 unknown) */
	uint64_t term;
	char message[96];	/* human detail, NUL-terminated, may be "" */
};

#define QFCTL_TF_APPLIED	0x01	/* the member runs the change's timing */

struct qfctl_timing_member {
	uint32_t id;
	uint32_t flags;		/* QFCTL_TF_* */
};

struct qfctl_timing {
	uint32_t cluster;	/* the recorded timing's digest (0: none) */
	uint32_t next;		/* the change in progress (0: none) */
	uint32_t self;		/* the timing this node runs */
	uint32_t n_members;
	struct qfctl_timing_vals cur;	/* cluster's */
	struct qfctl_timing_vals nxt;	/* next's (0 without a change) */
	struct qfctl_timing_member m[QFCTL_MAX_MEMBERS];
};

/* qfctl_status.state: the node's Raft role (= enum qf_state_kind) */
enum qfctl_raft_state {
	QFCTL_STATE_FOLLOWER = 0,
	QFCTL_STATE_PRECANDIDATE = 1,
	QFCTL_STATE_CANDIDATE = 2,
	QFCTL_STATE_LEADER = 3,
};

/* qfctl_status.kernel_state */
enum qfctl_kernel_state {
	QFCTL_KERNEL_DISARMED = 0,	/* = QFENCE_STATE_DISARMED */
	QFCTL_KERNEL_ARMED = 1,		/* = QFENCE_STATE_ARMED */
	QFCTL_KERNEL_FENCED = 2,	/* = QFENCE_STATE_FENCED */
	QFCTL_KERNEL_NONE = 255,	/* no kernel lease (test mode, witness) */
};

/* qfctl_status.flags */
#define QFCTL_SF_NO_KERNEL	0x01	/* TEST-ONLY mode kernel = none */
#define QFCTL_SF_FENCED		0x02	/* NODE_FENCED(self, gen) applied */
#define QFCTL_SF_LAPSED		0x04	/* own lease lapsed (kernel latched) */
#define QFCTL_SF_CLOCK_BAD	0x08	/* clock guard refusing renewals */
#define QFCTL_SF_LEAVING	0x10	/* SIGTERM or LEAVE received */
#define QFCTL_SF_WITNESS	0x20	/* this node is a witness */
#define QFCTL_SF_TIMING_BAD	0x40	/* local timing is not the cluster's:
					 * serving nothing (design.md rule 9) */

/* qfctl_member.flags */
#define QFCTL_MF_IN_CONFIG	0x01	/* votes (and, as a voter, leases) */
#define QFCTL_MF_FENCED		0x02	/* fenced_gen >= gen */
#define QFCTL_MF_SELF		0x04
#define QFCTL_MF_LEADER		0x08
#define QFCTL_MF_ACTIVE		0x10	/* leader: acked since CheckQuorum */
#define QFCTL_MF_LAPSED		0x20	/* leader: reported its lease lapsed */
#define QFCTL_MF_LEASE_KNOWN	0x40	/* lease_remaining_ms is meaningful */
#define QFCTL_MF_ACK_KNOWN	0x80	/* last_ack_age_ms is meaningful */

struct qfctl_member {
	uint32_t id;
	uint8_t role;		/* QFCTL_ROLE_* */
	uint8_t flags;		/* QFCTL_MF_* */
	uint8_t fence_reason;	/* last NODE_FENCED applied (QFCTL_FR_*) */
	uint8_t n_addrs;
	uint64_t gen;		/* current generation */
	uint64_t fenced_gen;	/* last generation fenced, 0 = never */
	/*
	 * Self: own deadline - now. Others, on the leader: the bound of
	 * their lease (q + L - now, design.md §2 rule 3), while it granted them
	 * in this term. Negative: expired. Valid with QFCTL_MF_LEASE_KNOWN.
	 */
	int64_t lease_remaining_ms;
	int64_t last_ack_age_ms;	/* leader only, QFCTL_MF_ACK_KNOWN */
	uint64_t match;		/* leader only: replicated through */
	struct qfctl_addr addrs[QFCTL_MAX_ADDRS];
};

/* Fence reasons (= enum qf_fence_reason) */
#define QFCTL_FR_SILENT		1
#define QFCTL_FR_ADMIN		2
#define QFCTL_FR_REMOVED	3
#define QFCTL_FR_LAPSED		4

/* A committed NODE_FENCED this daemon has applied since it started. */
/* qfctl_fence.method (design.md rules 5, 13); 0: not known (a snapshot) */
enum { QFCTL_FM_WAIT = 1, QFCTL_FM_PR = 2 };

struct qfctl_fence {
	uint32_t node;
	uint8_t reason;		/* QFCTL_FR_* */
	uint8_t method;		/* QFCTL_FM_*: how it was made safe */
	uint8_t pad[2];
	uint64_t gen;
	uint64_t index;		/* log index */
	int64_t age_ms;		/* since this daemon applied it */
};

struct qfctl_counters {
	uint64_t sent;				/* datagrams */
	uint64_t accepted;
	uint64_t drops[QFCTL_MAX_DROPS];	/* by verdict (infra wire.h
						 * enum qf_wire_verdict) */
	uint64_t renewals;			/* kernel renews sent */
	uint64_t renew_errors;			/* refused by the kernel */
	uint64_t renew_refused_clock;		/* refused by the clock guard */
	uint64_t msgs_dropped;			/* core batch overflow */
	uint64_t bad_payload;			/* authentic datagrams that
						 * are not a message (added) */
	/* follower: from a grant's arrival to the kernel renew done (added) */
	uint64_t renew_latency_max_us;
	uint64_t renew_latency_sum_us;
	uint64_t renew_latency_count;
};

struct qfctl_status {
	uint32_t self;
	uint32_t leader;	/* 0 = unknown */
	uint64_t term;
	uint64_t commit;
	uint64_t last_index;
	uint8_t state;		/* enum qfctl_raft_state */
	uint8_t kernel_state;	/* enum qfctl_kernel_state */
	uint8_t n_members;
	uint8_t n_fences;
	uint32_t flags;		/* QFCTL_SF_* */
	uint64_t gen;		/* own generation (0 = not a member) */
	int64_t lease_remaining_ms;	/* own lease; valid if lease_known */
	uint8_t lease_known;
	uint8_t pad[7];
	uint64_t boot_id;
	uint64_t wait_ms;	/* W */
	uint32_t lease_ms;	/* L */
	uint32_t heartbeat_ms;
	uint64_t uptime_ms;
	char cluster[QFCTL_NAME_LEN];
	char lease_name[QFCTL_LEASE_NAME_LEN];
	struct qfctl_member members[QFCTL_MAX_MEMBERS];
	struct qfctl_fence fences[QFCTL_MAX_FENCES];	/* newest first */
	struct qfctl_counters counters;
	/* design.md §2.11 (added): this node's rejoin policy and the
	 * condition that keeps it fenced ("": none); by member (same index
	 * as members[]), the reason of its last NODE_JOIN and its automatic
	 * rejoins counted by the flapping guard */
	uint8_t rejoin_policy;			/* QFCTL_RJ_* */
	uint8_t flapping;			/* this node: the guard tripped */
	uint8_t pad2[6];
	char rejoin_why[160];
	uint8_t join_reason[QFCTL_MAX_MEMBERS];	/* QFCTL_JR_* */
	uint8_t auto_joins[QFCTL_MAX_MEMBERS];
};

/* Rejoin policies and NODE_JOIN reasons (design.md §2.11) */
enum { QFCTL_RJ_MANUAL = 1, QFCTL_RJ_AFTER_REBOOT, QFCTL_RJ_WHEN_IDLE };
enum { QFCTL_JR_ADMIN = 0, QFCTL_JR_AFTER_REBOOT, QFCTL_JR_WHEN_IDLE };

/* FENCE_COUNTS: counted as the records are applied (design.md rule 5's
 * NODE_FENCED; rule 13's PREEMPTED), carried in snapshots, so a restart
 * neither loses nor double counts them. */
#define QFCTL_FENCE_REASONS	8
struct qfctl_fence_counts {
	uint32_t by_reason[QFCTL_FENCE_REASONS];	/* [QFCTL_FR_*]; [0]
							 * unused */
	uint32_t preempted;	/* committed PREEMPTED records */
	uint32_t reserved[7];
};

/*
 * The storage fence (design.md rule 13): the daemon's last read of every
 * pr_device (at most about a second old). keys lists up to
 * QFCTL_MAX_PR_KEYS of the n_keys registered; ok = 0: why says what
 * failed (nothing else is meaningful).
 */
#define QFCTL_MAX_PR_DEVS	8
#define QFCTL_MAX_PR_KEYS	16
#define QFCTL_PR_PATH_LEN	128
#define QFCTL_PR_WHY_LEN	160

struct qfctl_pr_dev {
	char path[QFCTL_PR_PATH_LEN];
	uint8_t ok;
	uint8_t resv_held;
	uint8_t resv_type;	/* SCSI type: 7 write-exclusive-all-registrants */
	uint8_t pad;
	uint32_t n_keys;	/* registered; listed: min(n_keys, MAX) */
	uint64_t resv_key;	/* holder (any registrant for type 7, 8) */
	uint64_t keys[QFCTL_MAX_PR_KEYS];
	char why[QFCTL_PR_WHY_LEN];
};

#define QFCTL_PR_REGISTERED	0x01	/* self_key is on every device */
#define QFCTL_PR_READ		0x02	/* the devices were read at least once */

struct qfctl_pr_status {
	uint32_t n;		/* pr_devices; 0: no storage fence */
	uint32_t flags;		/* QFCTL_PR_* */
	uint64_t self_key;	/* this node's key (0: none registered) */
	uint64_t lost_gen;	/* newest generation whose key was removed */
	uint64_t reserved;
	struct qfctl_pr_dev dev[QFCTL_MAX_PR_DEVS];
};

/* The largest message either side sends. */
#define QFCTL_MAX_MSG	(sizeof(struct qfctl_hdr) + \
			 (sizeof(struct qfctl_pr_status) > sizeof(struct qfctl_status) ? \
			  sizeof(struct qfctl_pr_status) : sizeof(struct qfctl_status)))

_Static_assert(sizeof(struct qfctl_hdr) == 24, "qfctl_hdr size");
_Static_assert(sizeof(struct qfctl_addr) == 20, "qfctl_addr size");
_Static_assert(sizeof(struct qfctl_req_node) == 8, "qfctl_req_node size");
_Static_assert(sizeof(struct qfctl_fence_counts) == 64, "qfctl_fence_counts");
_Static_assert(sizeof(struct qfctl_req_member) == 48, "qfctl_req_member");
_Static_assert(sizeof(struct qfctl_req_fence) == 16, "qfctl_req_fence");
_Static_assert(sizeof(struct qfctl_result) == 136, "qfctl_result size");
_Static_assert(sizeof(struct qfctl_member) == 88, "qfctl_member size");
_Static_assert(sizeof(struct qfctl_fence) == 32, "qfctl_fence size");
_Static_assert(sizeof(struct qfctl_counters) == 208, "qfctl_counters");
_Static_assert(sizeof(struct qfctl_status) == 2520, "qfctl_status size");
_Static_assert(sizeof(struct qfctl_pr_dev) == 432, "qfctl_pr_dev size");
_Static_assert(sizeof(struct qfctl_pr_status) == 3488, "qfctl_pr_status");

#endif /* QFENCE_CTL_PROTO_H */
