// SPDX-License-Identifier: MIT
/* control.c: request framing, error mapping, status filling. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "uapi/qfence.h"
#include "quorumd.h"
#include "test.h"

static struct qfctl_hdr hdr(uint16_t code, size_t body)
{
	return (struct qfctl_hdr){
		.magic = QFCTL_MAGIC, .version = QFCTL_VERSION, .code = code,
		.len = (uint32_t)(sizeof(struct qfctl_hdr) + body), .seq = 1,
	};
}

static void request_framing(void)
{
	struct qfctl_hdr h = hdr(QFCTL_REQ_FENCE, sizeof(struct qfctl_req_fence));

	CHECK(qd_ctl_check_request(&h, 3) == 1);	/* partial header */
	CHECK(qd_ctl_check_request(&h, sizeof(h)) == 1);	/* partial body */
	CHECK(qd_ctl_check_request(&h, h.len) == 0);
	h.len += 4;	/* wrong length for the code */
	CHECK(qd_ctl_check_request(&h, h.len) == -QFCTL_ST_BAD_REQUEST);
	h = hdr(QFCTL_REQ_STATUS, 0);
	CHECK(qd_ctl_check_request(&h, sizeof(h)) == 0);
	h.version = 2;
	CHECK(qd_ctl_check_request(&h, sizeof(h)) == -QFCTL_ST_BAD_VERSION);
	h = hdr(QFCTL_REQ_STATUS, 0);
	h.magic ^= 1;
	CHECK(qd_ctl_check_request(&h, sizeof(h)) == -QFCTL_ST_BAD_VERSION);
	h = hdr(99, 0);
	CHECK(qd_ctl_check_request(&h, sizeof(h)) == -QFCTL_ST_BAD_REQUEST);
	h = hdr(QFCTL_REQ_STATUS, 0);
	h.reserved = 1;
	CHECK(qd_ctl_check_request(&h, sizeof(h)) == -QFCTL_ST_BAD_REQUEST);
	/* a huge declared length is refused, never waited for */
	h = hdr(QFCTL_REQ_MEMBER_ADD, 1u << 30);
	CHECK(qd_ctl_check_request(&h, sizeof(h)) == -QFCTL_ST_BAD_REQUEST);
}

static void body_lengths(void)
{
	CHECK(qd_ctl_body_len(QFCTL_REQ_STATUS) == 0);
	CHECK(qd_ctl_body_len(QFCTL_REQ_MEMBER_ADD) == 48);
	CHECK(qd_ctl_body_len(QFCTL_REQ_MEMBER_REMOVE) == 8);
	CHECK(qd_ctl_body_len(QFCTL_REQ_REJOIN) == 8);
	CHECK(qd_ctl_body_len(QFCTL_REQ_TRANSFER_LEADER) == 8);
	CHECK(qd_ctl_body_len(QFCTL_REQ_FENCE) == 16);
	CHECK(qd_ctl_body_len(QFCTL_REQ_LEAVE) == 0);
	CHECK(qd_ctl_body_len(0) == SIZE_MAX);
	CHECK(qd_ctl_body_len(QFCTL_REQ_PR_STATUS) == 0);
	CHECK(qd_ctl_body_len(QFCTL_REQ_FENCE_COUNTS) == 0);
	CHECK(qd_ctl_body_len(QFCTL_REQ_TIMING_SET) == 32);
	CHECK(qd_ctl_body_len(QFCTL_REQ_TIMING_STATUS) == 0);
	CHECK(qd_ctl_body_len(QFCTL_REQ_TIMING_STATUS + 1) == SIZE_MAX);
	/* every request fits the client buffer */
	for (uint16_t c = 1; c <= QFCTL_REQ_TIMING_STATUS; c++)
		CHECK(sizeof(struct qfctl_hdr) + qd_ctl_body_len(c) <=
		      sizeof(((struct qd_ctl_client *)0)->in));
}

/* LEAVE is a header alone; a body is refused. */
static void leave_framing(void)
{
	struct qfctl_hdr h = hdr(QFCTL_REQ_LEAVE, 0);

	CHECK(qd_ctl_check_request(&h, sizeof(h)) == 0);
	h = hdr(QFCTL_REQ_LEAVE, sizeof(struct qfctl_req_node));
	CHECK(qd_ctl_check_request(&h, h.len) == -QFCTL_ST_BAD_REQUEST);
}

/* The answer to LEAVE, from how far the SIGTERM path got. */
static void leave_result(void)
{
	struct qd_leave lv = { .gen = 3, .disarm_done = true,
			       .tell = QD_TELL_RECORDED };
	struct qfctl_result r = { 0 };

	CHECK(qd_leave_result(&lv, false, &r) == QFCTL_ST_OK);
	CHECK(r.gen == 3 && r.flags == (QFCTL_RES_DISARMED | QFCTL_RES_RECORDED));
	CHECK(strstr(r.message, "disarmed, leader told"));
	/* NOWAYOUT: the kernel refuses the disarm; the daemon still exits */
	lv.disarm_rc = -EBUSY;
	lv.tell = QD_TELL_NONE;
	memset(&r, 0, sizeof(r));
	CHECK(qd_leave_result(&lv, true, &r) == QFCTL_ST_NOT_DISARMED);
	CHECK(!(r.flags & QFCTL_RES_DISARMED) && strstr(r.message, "NOWAYOUT"));
	CHECK(qd_leave_result(&lv, false, &r) == QFCTL_ST_NOT_DISARMED);
	CHECK(strstr(r.message, "IO still in flight"));
	lv.disarm_rc = -ECANCELED;
	CHECK(qd_leave_result(&lv, false, &r) == QFCTL_ST_NOT_DISARMED);
	CHECK(strstr(r.message, "already fenced"));
	/* the daemon quit before the leave ran (a fatal error) */
	lv = (struct qd_leave){ .gen = 3 };
	CHECK(qd_leave_result(&lv, false, &r) == QFCTL_ST_NOT_DISARMED);
	CHECK(strstr(r.message, "before the leave ran"));
	/* disarmed, nobody to tell; a leader that handed over */
	lv = (struct qd_leave){ .disarm_done = true, .handed_to = 2,
				.handed_over = true };
	memset(&r, 0, sizeof(r));
	CHECK(qd_leave_result(&lv, false, &r) == QFCTL_ST_OK);
	CHECK(r.flags == (QFCTL_RES_DISARMED | QFCTL_RES_HANDED_OVER));
	CHECK(strstr(r.message, "fenced as silent"));
	lv.tell = QD_TELL_NO_ANSWER;
	CHECK(qd_leave_result(&lv, false, &r) == QFCTL_ST_OK);
	CHECK(strstr(r.message, "did not record it in time"));
}

static void error_mapping(void)
{
	CHECK(qd_ctl_status_from_err(0) == QFCTL_ST_OK);
	CHECK(qd_ctl_status_from_err(-QF_ENOTLEADER) == QFCTL_ST_NOT_LEADER);
	CHECK(qd_ctl_status_from_err(-QF_EBUSY) == QFCTL_ST_BUSY);
	CHECK(qd_ctl_status_from_err(-QF_EAGAIN) == QFCTL_ST_AGAIN);
	CHECK(qd_ctl_status_from_err(-QF_EFULL) == QFCTL_ST_FULL);
	CHECK(qd_ctl_status_from_err(-QF_EEXIST) == QFCTL_ST_EXISTS);
	CHECK(qd_ctl_status_from_err(-QF_ENOENT) == QFCTL_ST_NO_SUCH_NODE);
	CHECK(qd_ctl_status_from_err(-QF_ENOTFENCED) == QFCTL_ST_NOT_FENCED);
	CHECK(qd_ctl_status_from_err(-QF_EWRONGGEN) == QFCTL_ST_NOT_FENCED);
	CHECK(qd_ctl_status_from_err(-QF_EINVAL) == QFCTL_ST_BAD_REQUEST);
	CHECK(qd_ctl_status_from_err(-QF_ECORRUPT) == QFCTL_ST_INTERNAL);
}

static uint64_t rand0(void *arg)
{
	(void)arg;
	return 0;
}

/* A fresh node: status shows itself, its members, its lease state. */
static void status_fill(void)
{
	static struct qd d;
	static struct qfctl_status s;
	static struct qf_snapshot snap;
	struct qf_persist ps = { 0 };
	char err[256];
	const char *conf =
		"[cluster]\nname = c\nkey_file = /k\n"
		"peer = 1 127.0.0.1:1\npeer = 2 127.0.0.1:2\n"
		"peer = 3 127.0.0.1:3 witness\n"
		"[node]\nid = 2\nlease_name = l2\ndata_dir = /tmp\n";

	memset(&d, 0, sizeof(d));
	CHECK(qf_conf_load_string(&d.conf, "t.conf", conf, err,
				  sizeof(err)) == 0);
	CHECK(qd_core_config(&d.conf, &d.core_cfg, err, sizeof(err)) == 0);
	CHECK(qd_bootstrap(&d.conf, &snap) == 0);
	ps.snap = snap;
	CHECK(qf_raft_init(&d.raft, &d.core_cfg, &ps, 77, rand0, NULL) == 0);
	d.boot_id = 77;
	d.k.state = QFENCE_STATE_ARMED;
	d.k.deadline = 5000 * QF_MS;
	d.started = 1000 * QF_MS;
	qd_ctl_fill_status(&d, 4000 * QF_MS, &s);
	CHECK(s.self == 2 && s.n_members == 3);
	CHECK(s.lease_known && s.lease_remaining_ms == 1000);
	CHECK(s.uptime_ms == 3000 && s.boot_id == 77);
	CHECK(!strcmp(s.cluster, "c") && !strcmp(s.lease_name, "l2"));
	CHECK(s.kernel_state == QFCTL_KERNEL_ARMED);
	CHECK(s.members[1].id == 2 && (s.members[1].flags & QFCTL_MF_SELF));
	CHECK(s.members[2].role == QFCTL_ROLE_WITNESS);
	CHECK(s.wait_ms >= 2500);
}

/* FENCE_COUNTS: no body; the answer is the committed state's counts. */
static void fence_counts(void)
{
	struct qf_state st;
	struct qfctl_fence_counts fc;

	memset(&st, 0, sizeof(st));
	st.fenced[QF_FENCE_SILENT] = 7;
	st.fenced[QF_FENCE_LAPSED] = 2;
	st.preempted = 1;
	qd_ctl_fill_fence_counts(&st, &fc);
	CHECK(qd_ctl_body_len(QFCTL_REQ_FENCE_COUNTS) == 0);
	CHECK(fc.by_reason[QFCTL_FR_SILENT] == 7 &&
	      fc.by_reason[QFCTL_FR_LAPSED] == 2 &&
	      fc.by_reason[QFCTL_FR_ADMIN] == 0 && fc.by_reason[0] == 0 &&
	      fc.preempted == 1 && !fc.reserved[0]);
}

/* A follower (node 2 of 3) that has not heard of a leader. */
static void follower(struct qd *d)
{
	static struct qf_snapshot snap;
	struct qf_persist ps = { 0 };
	char err[256];
	const char *conf =
		"[cluster]\nname = c\nkey_file = /k\n"
		"peer = 1 127.0.0.1:1\npeer = 2 127.0.0.1:2\n"
		"peer = 3 127.0.0.1:3\n"
		"[node]\nid = 2\nlease_name = l2\ndata_dir = /tmp\n";

	memset(d, 0, sizeof(*d));
	CHECK(qf_conf_load_string(&d->conf, "t.conf", conf, err,
				  sizeof(err)) == 0);
	CHECK(qd_core_config(&d->conf, &d->core_cfg, err, sizeof(err)) == 0);
	CHECK(qd_bootstrap(&d->conf, &snap) == 0);
	ps.snap = snap;
	CHECK(qf_raft_init(&d->raft, &d->core_cfg, &ps, 77, rand0, NULL) == 0);
}

/* TIMING_SET: framing, and a follower refuses naming the leader. */
static void timing_set_refused(void)
{
	static struct qd d;
	struct qfctl_hdr h = hdr(QFCTL_REQ_TIMING_SET,
				 sizeof(struct qfctl_req_timing));
	struct qfctl_req_timing rq = { .t = { 50, 150, 300, 20, 500, 300,
					      1000, 0 } };
	struct qfctl_result r = { 0 };
	uint64_t last;

	CHECK(qd_ctl_check_request(&h, h.len) == 0);
	h.len -= 4;
	CHECK(qd_ctl_check_request(&h, h.len) == -QFCTL_ST_BAD_REQUEST);
	follower(&d);
	last = d.raft.log.last;
	CHECK(qd_ctl_timing_set(&d, &rq, &r) == QFCTL_ST_NOT_LEADER);
	CHECK(strstr(r.message, "not the leader") != NULL);
	CHECK(r.node == 2 && r.leader == d.raft.leader);
	CHECK(d.raft.log.last == last && !d.raft.st.timing_next);
}

/* TIMING_STATUS: the recorded timing, no change, nobody applied. */
static void timing_status_fill(void)
{
	static struct qd d;
	struct qfctl_timing t;

	follower(&d);
	qd_ctl_fill_timing(&d, &t);
	CHECK(t.cluster && t.cluster == d.raft.st.timing && !t.next);
	CHECK(t.self == d.raft.timing && t.n_members == 3);
	CHECK(t.cur.lease_ms == d.conf.timing.lease_ms &&
	      t.cur.settle_ms == d.conf.timing.settle_ms && !t.nxt.lease_ms);
	for (uint32_t i = 0; i < t.n_members; i++)
		CHECK(t.m[i].id && !(t.m[i].flags & QFCTL_TF_APPLIED));
}

/* The emulated lease updates as the module does (design.md §2.10). */
static void timing_update_emulated(void)
{
	static struct qd d;
	qf_ns now;

	follower(&d);
	snprintf(d.conf.data_dir, sizeof(d.conf.data_dir), "/nonexistent");
	d.k.none = true;
	d.k.gen = 1;
	d.k.state = QFENCE_STATE_ARMED;
	now = qd_now();
	d.k.deadline = now + 1400 * QF_MS;
	CHECK(kern_update(&d, 300, 0) == 0);		/* clamps */
	CHECK(d.k.deadline <= qd_now() + 300 * QF_MS &&
	      d.k.deadline > now);
	now = d.k.deadline;
	CHECK(kern_update(&d, 5000, 0) == 0);		/* never extends */
	CHECK(d.k.deadline == now);
	d.k.state = QFENCE_STATE_FENCED;
	CHECK(kern_update(&d, 300, 0) == -ECANCELED);	/* latched */
	CHECK(d.k.deadline == now && d.k.state == QFENCE_STATE_FENCED);
}

/*
 * A client that hangs up is dropped, and its descriptor leaves the epoll
 * set even while a copy of it lives on (a hook's child between fork and
 * exec): else its EOF is reported forever for a slot nobody reads and the
 * loop spins at RT priority (loop_unwatch). Broken, epoll_wait reports it.
 */
static void hangup_unwatched(void)
{
	static struct qd d;
	struct epoll_event ev;
	int sv[2], copy, n;

	follower(&d);
	for (int i = 0; i < QD_CTL_CLIENTS; i++)
		d.cli[i].fd = -1;
	d.epfd = epoll_create1(EPOLL_CLOEXEC);
	CHECK(d.epfd >= 0);
	CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv) == 0);
	d.cli[0].fd = sv[0];
	loop_watch_client(&d, 0);
	CHECK(d.cli[0].fd == sv[0]);
	copy = dup(sv[0]);		/* what a forked child holds */
	close(sv[1]);			/* the client hangs up */
	ctl_on_client(&d, 0);
	n = epoll_wait(d.epfd, &ev, 1, 0);
	close(copy);
	close(d.epfd);
	CHECK(d.cli[0].fd == -1);
	CHECK(n == 0);
}

const struct t_case t_ctl[] = {
	{ "ctl/hangup_unwatched", hangup_unwatched },
	{ "ctl/timing_set_refused", timing_set_refused },
	{ "ctl/timing_status_fill", timing_status_fill },
	{ "ctl/timing_update_emulated", timing_update_emulated },
	{ "ctl/fence_counts", fence_counts },
	{ "ctl/request_framing", request_framing },
	{ "ctl/body_lengths", body_lengths },
	{ "ctl/leave_framing", leave_framing },
	{ "ctl/leave_result", leave_result },
	{ "ctl/error_mapping", error_mapping },
	{ "ctl/status_fill", status_fill },
	{ 0 }
};
