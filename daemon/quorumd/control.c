// SPDX-License-Identifier: MIT
/*
 * The control socket for quorumctl (protocol: ctl_proto.h).
 *
 * A Unix stream socket created under umask 077 and chmod 0600: only root
 * can connect, and each connection's peer credentials are checked again
 * (SO_PEERCRED uid 0). Requests are fixed-size; handlers are
 * handle_<cmd>(d, req, reply). A FENCE with the wait flag parks the client
 * until the NODE_FENCED record commits (ctl_on_fence_committed) or its
 * timeout passes (ctl_on_tick); a LEAVE parks the client until the leave
 * has run and the daemon exits (ctl_leave_reply). Nothing is allocated per
 * request.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "uapi/qfence.h"
#include "quorumd.h"

/* ---- socket ---- */

/* /run/qfence/quorumd.sock: create /run/qfence (root only) if missing. */
static void make_parent(const char *path)
{
	char dir[sizeof(((struct sockaddr_un *)0)->sun_path)];
	char *slash;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return;
	*slash = '\0';
	if (mkdir(dir, 0700) == 0)
		LOG(INFO, "created %s for the control socket", dir);
}

int ctl_init(struct qd *d)
{
	const char *path = d->conf.control_socket;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	mode_t old;
	int fd;

	for (int i = 0; i < QD_CTL_CLIENTS; i++)
		d->cli[i].fd = -1;
	if (strlen(path) >= sizeof(sa.sun_path)) {
		LOG(ERR, "control socket path too long: %s", path);
		return -1;
	}
	strcpy(sa.sun_path, path);
	make_parent(path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	unlink(path);
	old = umask(077);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    chmod(path, 0600) < 0 || listen(fd, 8) < 0) {
		umask(old);
		LOG(ERR, "control socket %s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	umask(old);
	d->ctl_fd = fd;
	LOG(INFO, "control socket %s", path);
	return 0;
}

void ctl_fini(struct qd *d)
{
	ctl_leave_reply(d);
	for (int i = 0; i < QD_CTL_CLIENTS; i++)
		if (d->cli[i].fd >= 0)
			close(d->cli[i].fd);
	if (d->ctl_fd >= 0) {
		close(d->ctl_fd);
		unlink(d->conf.control_socket);
	}
	d->ctl_fd = -1;
}

static void drop(struct qd *d, int slot)
{
	loop_unwatch(d, d->cli[slot].fd);
	close(d->cli[slot].fd);
	memset(&d->cli[slot], 0, sizeof(d->cli[slot]));
	d->cli[slot].fd = -1;
}

void ctl_on_listen(struct qd *d)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);
	int fd, slot = -1;

	fd = accept4(d->ctl_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0)
		return;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0 ||
	    cred.uid != 0) {
		LOG(WARN, "control: refused a client (uid %d, pid %d)",
		    (int)cred.uid, (int)cred.pid);
		close(fd);
		return;
	}
	for (int i = 0; i < QD_CTL_CLIENTS && slot < 0; i++)
		if (d->cli[i].fd < 0)
			slot = i;
	if (slot < 0) {
		close(fd);
		return;
	}
	d->cli[slot].fd = fd;
	loop_watch_client(d, slot);
}

static int reply(struct qd *d, int slot, uint32_t seq, uint16_t code,
		 int status, const void *body, size_t len)
{
	struct qfctl_hdr h = {
		.magic = QFCTL_MAGIC, .version = QFCTL_VERSION, .code = code,
		.len = (uint32_t)(sizeof(h) + len), .seq = seq, .status = status,
	};

	memcpy(d->ctlbuf, &h, sizeof(h));
	memcpy(d->ctlbuf + sizeof(h), body, len);
	if (send(d->cli[slot].fd, d->ctlbuf, h.len, MSG_NOSIGNAL |
		 MSG_DONTWAIT) != (ssize_t)h.len) {
		drop(d, slot);
		return -1;
	}
	return 0;
}

static int result(struct qd *d, int slot, uint32_t seq, int status,
		  struct qfctl_result *r)
{
	r->leader = d->raft.leader;
	r->term = d->raft.term;
	return reply(d, slot, seq, QFCTL_RPY_RESULT, status, r, sizeof(*r));
}

static int handle_pr_status(struct qd *d, int slot, uint32_t seq)
{
	static struct qfctl_pr_status s;

	qd_pr_fill_status(d, &s);
	return reply(d, slot, seq, QFCTL_RPY_PR_STATUS, QFCTL_ST_OK, &s,
		     sizeof(s));
}

/* From the committed state only (core msg.h, qf_state.fenced). */
void qd_ctl_fill_fence_counts(const struct qf_state *st,
			      struct qfctl_fence_counts *out)
{
	memset(out, 0, sizeof(*out));
	for (int i = 1; i < QF_FENCE_REASONS && i < QFCTL_FENCE_REASONS; i++)
		out->by_reason[i] = st->fenced[i];
	out->preempted = st->preempted;
}

static int handle_fence_counts(struct qd *d, int slot, uint32_t seq)
{
	struct qfctl_fence_counts fc;

	qd_ctl_fill_fence_counts(&d->raft.st, &fc);
	return reply(d, slot, seq, QFCTL_RPY_FENCE_COUNTS, QFCTL_ST_OK, &fc,
		     sizeof(fc));
}

static int handle_timing_status(struct qd *d, int slot, uint32_t seq)
{
	struct qfctl_timing t;

	qd_ctl_fill_timing(d, &t);
	return reply(d, slot, seq, QFCTL_RPY_TIMING, QFCTL_ST_OK, &t,
		     sizeof(t));
}

static int handle_status(struct qd *d, int slot, uint32_t seq)
{
	static struct qfctl_status s;

	qd_ctl_fill_status(d, qd_now(), &s);
	return reply(d, slot, seq, QFCTL_RPY_STATUS, QFCTL_ST_OK, &s,
		     sizeof(s));
}

static int handle_member(struct qd *d, int slot, uint32_t seq, uint16_t code,
			 const struct qfctl_req_member *rq,
			 struct qfctl_result *r)
{
	struct qf_addr addrs[QF_MAX_ADDRS];
	int rc;

	r->node = rq->node;
	if (code == QFCTL_REQ_MEMBER_REMOVE) {
		rc = qf_raft_propose_remove(&d->raft, qd_now(), rq->node);
	} else {
		if (!rq->n_addrs || rq->n_addrs > QF_MAX_ADDRS ||
		    (rq->role != QF_ROLE_VOTER && rq->role != QF_ROLE_WITNESS))
			return result(d, slot, seq, QFCTL_ST_BAD_REQUEST, r);
		memset(addrs, 0, sizeof(addrs));
		for (int i = 0; i < rq->n_addrs; i++) {
			if (rq->addrs[i].family != 4 && rq->addrs[i].family != 6)
				return result(d, slot, seq,
					      QFCTL_ST_BAD_REQUEST, r);
			addrs[i].family = rq->addrs[i].family;
			addrs[i].port = rq->addrs[i].port;
			memcpy(addrs[i].ip, rq->addrs[i].ip, 16);
		}
		rc = qf_raft_propose_add(&d->raft, qd_now(), rq->node,
					 rq->role, addrs, rq->n_addrs);
	}
	if (rc)
		snprintf(r->message, sizeof(r->message), "%s",
			 qf_strerror(rc));
	LOG(INFO, "control: member %s %" PRIu32 ": %s",
	    code == QFCTL_REQ_MEMBER_ADD ? "add" : "remove", rq->node,
	    rc ? qf_strerror(rc) : "proposed");
	return result(d, slot, seq, qd_ctl_status_from_err(rc), r);
}

/* Park client slot until (node, gen) commits here, or timeout_ms (0: 4 W). */
static void park(struct qd *d, int slot, uint32_t seq, uint32_t node,
		 uint64_t gen, uint32_t timeout_ms)
{
	struct qd_ctl_client *c = &d->cli[slot];

	c->waiting = true;
	c->seq = seq;
	c->node = node;
	c->gen = gen;
	c->wait_until = qd_now() + (timeout_ms ? timeout_ms * QF_MS :
				    4 * d->raft.wait);
}

static bool following(const struct qd *d)
{
	return d->raft.state != QF_LEADER && d->raft.leader &&
	       d->raft.leader != d->conf.node_id;
}

/*
 * On a follower: forward to the leader, naming the generation committed
 * here (design.md rule 11, fwdfence.c). The answer, with --wait, comes
 * from this node's own committed state: NODE_FENCED(node, gen) applied
 * here, or a timeout; never the leader's word. Refused here what the
 * leader would refuse for sure: an unknown node, the leader itself.
 */
static int fence_forward(struct qd *d, int slot, uint32_t seq,
			 const struct qfctl_req_fence *rq,
			 struct qfctl_result *r)
{
	const struct qf_member *s = qf_state_find(&d->raft.st, rq->node);
	int rc = !s ? -QF_ENOENT : rq->node == d->raft.leader ? -QF_EINVAL : 0;

	if (rc) {
		snprintf(r->message, sizeof(r->message), "%s", rc == -QF_EINVAL ?
			 "that node leads: it hands over first (transfer-leader)" :
			 qf_strerror(rc));
		return result(d, slot, seq, qd_ctl_status_from_err(rc), r);
	}
	r->gen = s->gen;
	if (s->fenced_gen >= s->gen) {
		r->gen = s->fenced_gen;
		r->flags = QFCTL_RES_COMMITTED;
		return result(d, slot, seq, QFCTL_ST_OK, r);
	}
	fwd_fence_add(d, rq->node, s->gen, qd_now());
	LOG(INFO, "control: fence of %" PRIu32 " generation %" PRIu64
	    " forwarded to leader %" PRIu32, rq->node, s->gen, d->raft.leader);
	if (!(rq->flags & QFCTL_FENCE_WAIT)) {
		r->flags = QFCTL_RES_FORWARDED;
		return result(d, slot, seq, QFCTL_ST_OK, r);
	}
	park(d, slot, seq, rq->node, s->gen, rq->timeout_ms);
	return 0;
}

static int handle_fence(struct qd *d, int slot, uint32_t seq,
			const struct qfctl_req_fence *rq,
			struct qfctl_result *r)
{
	const struct qf_member *s = qf_state_find(&d->raft.st, rq->node);
	int rc;

	r->node = rq->node;
	if (rq->flags & ~QFCTL_FENCE_WAIT || rq->reserved)
		return result(d, slot, seq, QFCTL_ST_BAD_REQUEST, r);
	if (following(d))
		return fence_forward(d, slot, seq, rq, r);
	rc = qf_raft_propose_fence(&d->raft, qd_now(), rq->node,
				   QF_FENCE_ADMIN);
	LOG(INFO, "control: fence %" PRIu32 ": %s", rq->node,
	    rc ? qf_strerror(rc) : "proposed; commit waits out W (rule 5)");
	if (s)
		r->gen = s->gen;
	if (rc == -QF_EEXIST && s && s->fenced_gen >= s->gen) {
		r->gen = s->fenced_gen;
		r->flags = QFCTL_RES_COMMITTED;
		return result(d, slot, seq, QFCTL_ST_OK, r);
	}
	if ((rc && rc != -QF_EEXIST) || !(rq->flags & QFCTL_FENCE_WAIT)) {
		if (rc)
			snprintf(r->message, sizeof(r->message), "%s",
				 qf_strerror(rc));
		return result(d, slot, seq, qd_ctl_status_from_err(rc), r);
	}
	park(d, slot, seq, rq->node, r->gen, rq->timeout_ms);
	return 0;
}

/* The fence an operator's rejoin ends: the committed one (rule 11). */
static uint64_t rejoin_gen(const struct qd *d, uint32_t node)
{
	const struct qf_member *s = qf_state_find(&d->raft.st, node);

	return s ? s->fenced_gen : 0;
}

static int handle_rejoin(struct qd *d, int slot, uint32_t seq,
			 const struct qfctl_req_node *rq,
			 struct qfctl_result *r)
{
	uint32_t node = rq->node ? rq->node : d->conf.node_id;
	int rc;

	r->node = node;
	if (d->raft.state != QF_LEADER && d->raft.leader &&
	    d->raft.leader != d->conf.node_id) {
		const struct qf_member *s = qf_state_find(&d->raft.st, node);
		qf_ns now = qd_now();

		/*
		 * As the leader would answer: a rejoin needs the member's
		 * NODE_FENCED committed (here: known to be). Refused now,
		 * rather than resent until the fence commits and then
		 * carried out as an automatic rejoin nobody asked for then.
		 */
		if (!s || s->fenced_gen < s->gen) {
			snprintf(r->message, sizeof(r->message), "%s",
				 qf_strerror(s ? -QF_ENOTFENCED : -QF_ENOENT));
			return result(d, slot, seq, s ? QFCTL_ST_NOT_FENCED :
				      QFCTL_ST_NO_SUCH_NODE, r);
		}
		/* Rule 11: it names the fenced generation it ends. */
		net_send_rejoin(d, d->raft.leader, node, s->fenced_gen);
		/* one datagram can be lost: resend until committed */
		d->fwd_rejoin.node = node;
		d->fwd_rejoin.gen = s->gen;
		d->fwd_rejoin.fenced_gen = s->fenced_gen;
		d->fwd_rejoin.next = now + 2 * d->core_cfg.timing.heartbeat;
		d->fwd_rejoin.until = now + 4 * d->raft.wait;
		r->flags = QFCTL_RES_FORWARDED;
		LOG(INFO, "control: rejoin of %" PRIu32 " forwarded to leader %"
		    PRIu32, node, d->raft.leader);
		return result(d, slot, seq, QFCTL_ST_OK, r);
	}
	rc = qf_raft_propose_join(&d->raft, qd_now(), node,
				  rejoin_gen(d, node));
	LOG(INFO, "control: rejoin of %" PRIu32 ": %s", node,
	    rc ? qf_strerror(rc) : "proposed");
	if (rc)
		snprintf(r->message, sizeof(r->message), "%s", qf_strerror(rc));
	return result(d, slot, seq, qd_ctl_status_from_err(rc), r);
}

static int handle_transfer(struct qd *d, int slot, uint32_t seq,
			   const struct qfctl_req_node *rq,
			   struct qfctl_result *r)
{
	uint32_t to = rq->node ? rq->node : qd_transferee(d);
	int rc = qf_raft_transfer(&d->raft, qd_now(), to);

	r->node = to;
	LOG(INFO, "control: transfer leadership to %" PRIu32 ": %s", to,
	    rc ? qf_strerror(rc) : "started");
	if (rc)
		snprintf(r->message, sizeof(r->message), "%s", qf_strerror(rc));
	return result(d, slot, seq, qd_ctl_status_from_err(rc), r);
}

/*
 * The SIGTERM path, asked for by the operator: the client waits for the
 * answer, which ctl_leave_reply sends just before the exit. A LEAVE during
 * a leave is a second stop signal (leave_start cuts the leave short).
 */
static int handle_leave(struct qd *d, int slot, uint32_t seq)
{
	struct qd_ctl_client *c = &d->cli[slot];

	c->waiting = true;
	c->leave = true;
	c->seq = seq;
	LOG(INFO, "control: leave requested");
	leave_start(d);
	return 0;
}

void ctl_leave_reply(struct qd *d)
{
	for (int i = 0; i < QD_CTL_CLIENTS; i++) {
		struct qd_ctl_client *c = &d->cli[i];
		struct qfctl_result r = { 0 };
		int st;

		if (c->fd < 0 || !c->leave)
			continue;
		st = qd_leave_result(&d->lv, d->conf.nowayout, &r);
		r.node = d->conf.node_id;
		c->waiting = c->leave = false;
		result(d, i, c->seq, st, &r);
	}
}

static int dispatch(struct qd *d, int slot, const struct qfctl_hdr *h,
		    const void *body)
{
	struct qfctl_result r = { 0 };
	union qd_ctl_req rq;

	memcpy(&rq, body, h->len - sizeof(*h));
	if (d->leaving && h->code != QFCTL_REQ_STATUS &&
	    h->code != QFCTL_REQ_PR_STATUS && h->code != QFCTL_REQ_LEAVE &&
	    h->code != QFCTL_REQ_FENCE_COUNTS &&
	    h->code != QFCTL_REQ_TIMING_STATUS)
		return result(d, slot, h->seq, QFCTL_ST_SHUTTING_DOWN, &r);
	switch (h->code) {
	case QFCTL_REQ_STATUS:
		return handle_status(d, slot, h->seq);
	case QFCTL_REQ_PR_STATUS:
		return handle_pr_status(d, slot, h->seq);
	case QFCTL_REQ_FENCE_COUNTS:
		return handle_fence_counts(d, slot, h->seq);
	case QFCTL_REQ_MEMBER_ADD:
	case QFCTL_REQ_MEMBER_REMOVE:
		return handle_member(d, slot, h->seq, h->code, &rq.m, &r);
	case QFCTL_REQ_FENCE:
		return handle_fence(d, slot, h->seq, &rq.f, &r);
	case QFCTL_REQ_REJOIN:
		return handle_rejoin(d, slot, h->seq, &rq.n, &r);
	case QFCTL_REQ_TRANSFER_LEADER:
		return handle_transfer(d, slot, h->seq, &rq.n, &r);
	case QFCTL_REQ_LEAVE:
		return handle_leave(d, slot, h->seq);
	case QFCTL_REQ_TIMING_SET:
		return result(d, slot, h->seq, qd_ctl_timing_set(d, &rq.t, &r),
			      &r);
	case QFCTL_REQ_TIMING_STATUS:
		return handle_timing_status(d, slot, h->seq);
	}
	return result(d, slot, h->seq, QFCTL_ST_BAD_REQUEST, &r);
}

void ctl_on_client(struct qd *d, int slot)
{
	struct qd_ctl_client *c = &d->cli[slot];
	struct qfctl_hdr h = { 0 };
	ssize_t n;
	int rc;

	n = recv(c->fd, c->in + c->have, sizeof(c->in) - c->have,
		 MSG_DONTWAIT);
	if (n == 0 || (n < 0 && errno != EAGAIN)) {
		drop(d, slot);
		return;
	}
	if (n < 0)
		return;
	if (c->waiting) {	/* nothing more is expected while parked */
		drop(d, slot);
		return;
	}
	c->have += (uint32_t)n;
	while (!c->waiting) {
		memcpy(&h, c->in, c->have < sizeof(h) ? 0 : sizeof(h));
		rc = c->have < sizeof(h) ? 1 : qd_ctl_check_request(&h, c->have);
		if (rc == 1)
			return;
		if (rc < 0) {
			struct qfctl_result r = { 0 };

			snprintf(r.message, sizeof(r.message), "%s",
				 rc == -QFCTL_ST_BAD_VERSION ?
				 "protocol version not understood" :
				 "malformed request");
			if (!result(d, slot, h.seq, -rc, &r))
				drop(d, slot);
			return;
		}
		if (dispatch(d, slot, &h, c->in + sizeof(h)) || c->fd < 0)
			return;
		memmove(c->in, c->in + h.len, c->have - h.len);
		c->have -= h.len;
	}
}

/*
 * A forwarded rejoin travels in one unacknowledged datagram (the first one
 * after a link came back is often lost while ARP resolves). Resent to the
 * current leader every two heartbeats until the node's generation moves
 * past the one it had when asked (NODE_JOIN committed), for at most 4 W.
 * A duplicate at the leader is refused by the core (already pending, or
 * not fenced any more): resending is harmless.
 */
static void fwd_rejoin_tick(struct qd *d, qf_ns now)
{
	const struct qf_member *s;

	if (!d->fwd_rejoin.node || now < d->fwd_rejoin.next)
		return;
	s = qf_state_find(&d->raft.st, d->fwd_rejoin.node);
	if (!s || s->gen > d->fwd_rejoin.gen) {
		d->fwd_rejoin.node = 0;		/* committed (or gone) */
		return;
	}
	if (now >= d->fwd_rejoin.until) {
		LOG(ERR, "rejoin of %" PRIu32 " forwarded but not committed "
		    "in 4 W: giving up (ask again)", d->fwd_rejoin.node);
		d->fwd_rejoin.node = 0;
		return;
	}
	d->fwd_rejoin.next = now + 2 * d->core_cfg.timing.heartbeat;
	if (d->raft.state == QF_LEADER) {
		int rc = qf_raft_propose_join(&d->raft, now,
					      d->fwd_rejoin.node,
					      d->fwd_rejoin.fenced_gen);

		LOG(INFO, "rejoin of %" PRIu32 " (forwarded earlier), now as "
		    "leader: %s", d->fwd_rejoin.node,
		    rc ? qf_strerror(rc) : "proposed");
	} else if (d->raft.leader && d->raft.leader != d->conf.node_id) {
		LOG(DEBUG, "rejoin of %" PRIu32 " resent to leader %" PRIu32,
		    d->fwd_rejoin.node, d->raft.leader);
		net_send_rejoin(d, d->raft.leader, d->fwd_rejoin.node,
				d->fwd_rejoin.fenced_gen);
	}
}

/*
 * What parked client c waits for, in this node's own committed state: 1 =
 * NODE_FENCED(node, gen) applied and the node fenced now (its current
 * generation; a lagging follower must not report a node fenced that has
 * meanwhile rejoined with a lease); -1 = the node moved past gen unfenced
 * (a rejoin committed meanwhile: not fenced, ask again); 0 = not yet.
 * Judged on the state, so a record learnt from a snapshot counts too.
 */
static int wait_state(const struct qd *d, const struct qd_ctl_client *c,
		      struct qfctl_result *r)
{
	const struct qf_member *s = qf_state_find(&d->raft.st, c->node);

	if (!s)
		return 0;
	if (s->fenced_gen >= c->gen && s->fenced_gen >= s->gen) {
		r->gen = s->fenced_gen;
		r->flags = QFCTL_RES_COMMITTED;
		return 1;
	}
	if (s->gen > c->gen) {
		r->gen = s->gen;
		snprintf(r->message, sizeof(r->message), "the node rejoined "
			 "with generation %" PRIu64 " meanwhile: not fenced now "
			 "(ask again)", s->gen);
		return -1;
	}
	return 0;
}

/* index: of the NODE_FENCED just applied, for the answer (0: unknown) */
static void wait_tick(struct qd *d, int i, qf_ns now, uint64_t index)
{
	struct qd_ctl_client *c = &d->cli[i];
	struct qfctl_result r = { .node = c->node, .gen = c->gen,
				  .index = index };
	int v = wait_state(d, c, &r);

	if (v) {
		c->waiting = false;
		result(d, i, c->seq, v > 0 ? QFCTL_ST_OK : QFCTL_ST_AGAIN, &r);
		return;
	}
	if (now < c->wait_until)
		return;
	snprintf(r.message, sizeof(r.message), d->raft.state == QF_LEADER ?
		 "NODE_FENCED not committed yet (it still will)" :
		 "NODE_FENCED not committed on this node in time (forwarded "
		 "to the leader; it may still commit)");
	c->waiting = false;
	result(d, i, c->seq, QFCTL_ST_TIMEOUT, &r);
}

/* A NODE_FENCED applied here: answer the clients parked on its node. */
void ctl_on_fence_committed(struct qd *d, const struct qf_fence_decision *f)
{
	for (int i = 0; i < QD_CTL_CLIENTS; i++) {
		struct qd_ctl_client *c = &d->cli[i];

		if (c->fd >= 0 && c->waiting && !c->leave && c->node == f->node)
			wait_tick(d, i, qd_now(), f->index);
	}
}

void ctl_on_tick(struct qd *d, qf_ns now)
{
	fwd_rejoin_tick(d, now);
	fwd_fence_tick(d, now);
	for (int i = 0; i < QD_CTL_CLIENTS; i++)
		if (d->cli[i].fd >= 0 && d->cli[i].waiting && !d->cli[i].leave)
			wait_tick(d, i, now, 0);
}

qf_ns ctl_next_timeout(const struct qd *d)
{
	qf_ns t = d->fwd_rejoin.node ? d->fwd_rejoin.next : 0;
	qf_ns f = fwd_fence_next(d);

	if (f && (!t || f < t))
		t = f;

	for (int i = 0; i < QD_CTL_CLIENTS; i++)
		if (d->cli[i].fd >= 0 && d->cli[i].waiting &&
		    !d->cli[i].leave && (!t || d->cli[i].wait_until < t))
			t = d->cli[i].wait_until;
	return t;
}
