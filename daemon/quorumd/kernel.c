// SPDX-License-Identifier: MIT
/*
 * The kernel lease (qfence.ko) over generic netlink, with libmnl.
 *
 * Two sockets: `cmd` for synchronous requests (each answered by an ack
 * before the next is sent; the module answers at once, there is nothing to
 * wait for), `ev` subscribed to the "events" group and watched by the loop.
 *
 * What the daemon does with the lease (DESIGN §2, §3):
 *   start     LEASE_NEW with this node's generation; -EEXIST: adopt the
 *             lease as it is (LEASE_GET). A FENCED lease stays fenced and
 *             the core is told (qf_raft_lapsed): rule 7, latched.
 *   grant     LEASE_RENEW with the core's absolute deadline (the core's
 *             now is CLOCK_BOOTTIME, the kernel's clock), only while the
 *             clock guard agrees.
 *   fenced    LEASE_FENCE when NODE_FENCED(self) is committed.
 *   rejoin    LEASE_UNFENCE only with the larger generation of a committed
 *             NODE_JOIN (the core hands it out only then).
 *   leave     LEASE_DISARM (refused under NOWAYOUT: the lease then runs
 *             out and fences, as the operator asked).
 *   events    EXPIRED / FENCED of our lease: stop renewing, tell the core
 *             (its acks then carry LAPSED, the leader fences us in the
 *             log), run on_lease_lost. Never un-fence by ourselves.
 *
 * kernel = none (--no-kernel) is a TEST-ONLY mode for host tests without
 * the module: the lease is emulated here (deadline, expiry, latch) and
 * only logged. It must never protect real storage.
 */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>

#include "uapi/qfence.h"
#include "quorumd.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

static const char *state_name(uint32_t s)
{
	static const char *const n[] = { "disarmed", "armed", "fenced" };

	return s <= QFENCE_STATE_FENCED ? n[s] : "?";
}

/* Send the message in k->buf and wait for its ack; -errno or 0. When
 * reply is set, the first non-ack answer is copied there (LEASE_GET). */
static int request(struct qd_kernel *k, size_t len, void *reply,
		   size_t *reply_len)
{
	uint32_t seq = ((struct nlmsghdr *)k->buf)->nlmsg_seq;
	char msg[128];
	ssize_t n;

	if (mnl_socket_sendto(k->cmd, k->buf, len) < 0)
		return -errno;
	for (;;) {
		n = mnl_socket_recvfrom(k->cmd, k->buf, sizeof(k->buf));
		if (n < 0)
			return errno == EAGAIN ? -ETIMEDOUT : -errno;
		for (struct nlmsghdr *h = (struct nlmsghdr *)k->buf;
		     mnl_nlmsg_ok(h, (int)n); h = mnl_nlmsg_next(h, (int *)&n)) {
			int rc = qd_nl_ack(h, h->nlmsg_len, seq, msg, sizeof(msg));

			if (rc == 1 && h->nlmsg_seq == seq && reply &&
			    h->nlmsg_len <= KERN_BUF) {
				memcpy(reply, h, h->nlmsg_len);
				*reply_len = h->nlmsg_len;
				continue;
			}
			if (rc == 1)
				continue;
			if (rc < 0 && msg[0])
				LOG(WARN, "kernel: %s", msg);
			return rc;
		}
	}
}

static struct mnl_socket *open_sock(uint32_t *portid)
{
	struct mnl_socket *s = mnl_socket_open2(NETLINK_GENERIC, SOCK_CLOEXEC);
	struct timeval tv = { .tv_sec = 2 };
	int one = 1;

	if (!s)
		return NULL;
	if (mnl_socket_bind(s, 0, MNL_SOCKET_AUTOPID) < 0) {
		mnl_socket_close(s);
		return NULL;
	}
	mnl_socket_setsockopt(s, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(s, NETLINK_CAP_ACK, &one, sizeof(one));
	setsockopt(mnl_socket_get_fd(s), SOL_SOCKET, SO_RCVTIMEO, &tv,
		   sizeof(tv));
	if (portid)
		*portid = mnl_socket_get_portid(s);
	return s;
}

static int resolve(struct qd_kernel *k)
{
	static uint8_t reply[KERN_BUF];
	size_t rlen = 0;
	int rc;

	rc = request(k, qd_nl_getfamily(k->buf, ++k->seq), reply, &rlen);
	if (rc == -ENOENT)
		return -ENOENT;
	if (rc)
		return rc;
	return qd_nl_parse_family(reply, rlen, &k->family, &k->mcgrp);
}

int kern_refresh(struct qd *d, struct qd_lease_info *li)
{
	static uint8_t reply[KERN_BUF];
	struct qd_kernel *k = &d->k;
	size_t rlen = 0;
	int rc;

	if (k->none) {
		memset(li, 0, sizeof(*li));
		li->state = k->state;
		li->gen = k->gen;
		li->deadline = k->deadline;
		li->now = qd_now();
		return 0;
	}
	rc = request(k, qd_nl_lease_cmd(k->buf, k->family, ++k->seq,
					QFENCE_CMD_LEASE_GET,
					d->conf.lease_name), reply, &rlen);
	if (rc)
		return rc;
	if (!rlen)
		return -EBADMSG;
	rc = qd_nl_parse_lease(reply, rlen, li);
	if (!rc) {
		k->state = li->state;
		k->gen = li->gen;
		k->deadline = li->deadline;
	}
	return rc;
}

/* The lease this node's core expects: its committed generation. */
static uint64_t member_gen(struct qd *d)
{
	const struct qf_member *m = qf_state_find(&d->raft.st, d->conf.node_id);

	return m && m->gen ? m->gen : 1;
}

/*
 * kernel = none: the emulated lease outlives the daemon in a file of the
 * data directory, as the kernel's lease does, so that restarts can be
 * tested on the host (adopt, latch, hitless restart).
 */
static void emu_save(struct qd *d)
{
	char path[QF_CONF_PATH_LEN + 32], line[80];
	int fd, n;

	if (!d->k.none)
		return;
	snprintf(path, sizeof(path), "%s/emulated-lease", d->conf.data_dir);
	n = snprintf(line, sizeof(line), "%" PRIu32 " %" PRIu64 " %" PRIu64
		     "\n", d->k.state, d->k.gen, d->k.deadline);
	/* no stdio here: the steady state allocates nothing */
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return;
	if (write(fd, line, (size_t)n) != n)
		LOG(WARN, "emulated lease: short write");
	close(fd);
}

static bool emu_load(struct qd *d)
{
	char path[QF_CONF_PATH_LEN + 32];
	uint32_t state;
	uint64_t gen, deadline;
	FILE *f;
	int n;

	snprintf(path, sizeof(path), "%s/emulated-lease", d->conf.data_dir);
	f = fopen(path, "re");
	if (!f)
		return false;
	n = fscanf(f, "%" SCNu32 " %" SCNu64 " %" SCNu64, &state, &gen,
		   &deadline);
	fclose(f);
	if (n != 3 || state > QFENCE_STATE_FENCED || !gen)
		return false;
	d->k.state = state;
	d->k.gen = gen;
	d->k.deadline = deadline;
	return true;
}

static void lapsed(struct qd *d, uint64_t gen, const char *why)
{
	struct qd_kernel *k = &d->k;

	k->state = QFENCE_STATE_FENCED;
	emu_save(d);
	LOG(ERR, "kernel lease '%s' generation %" PRIu64 " is FENCED (%s): "
	    "no renewals until a committed rejoin (`quorumctl rejoin`)",
	    d->conf.lease_name, gen, why);
	qf_raft_lapsed(&d->raft, qd_now(), gen);
	if (!d->lease_lost_reported) {
		d->lease_lost_reported = true;
		hooks_run(d, d->conf.on_lease_lost, "on_lease_lost",
			  d->conf.node_id, gen);
	}
}

static int create_lease(struct qd *d, uint64_t gen)
{
	struct qd_kernel *k = &d->k;
	uint32_t flags = d->conf.nowayout ? QFENCE_F_NOWAYOUT : 0;

	return request(k, qd_nl_lease_new(k->buf, k->family, ++k->seq,
					  d->conf.lease_name, gen,
					  d->conf.timing.lease_ms + 1,
					  d->conf.actions,
					  d->conf.reboot_delay_ms,
					  d->conf.timing.settle_ms, flags),
		       NULL, NULL);
}

static int adopt(struct qd *d)
{
	struct qd_lease_info li;
	int rc = kern_refresh(d, &li);

	if (rc) {
		LOG(ERR, "kernel: LEASE_GET '%s': %s", d->conf.lease_name,
		    strerror(-rc));
		return rc;
	}
	LOG(WARN, "kernel lease '%s' exists: adopting it (state %s, "
	    "generation %" PRIu64 ", %s)", d->conf.lease_name,
	    state_name(li.state), li.gen,
	    li.state == QFENCE_STATE_ARMED && li.deadline > li.now ?
	    "still valid" : "not valid");
	if (li.state == QFENCE_STATE_FENCED) {
		lapsed(d, li.gen, "found fenced at start");
		return 0;
	}
	/*
	 * Another generation (the committed state may not be replayed yet):
	 * keep it as it is; kern_apply_lease moves to the core's generation
	 * once it is known, and a renew of another generation is never sent.
	 */
	return 0;
}

static int open_kernel(struct qd *d)
{
	struct qd_kernel *k = &d->k;
	uint64_t gen = member_gen(d);
	int rc;

	k->cmd = open_sock(&k->portid);
	k->ev = open_sock(NULL);
	if (!k->cmd || !k->ev) {
		LOG(ERR, "kernel: netlink socket: %s", strerror(errno));
		return -1;
	}
	rc = resolve(k);
	if (rc) {
		LOG(ERR, "kernel: generic netlink family '%s' %s: is qfence.ko "
		    "loaded? (modprobe qfence)", QFENCE_GENL_NAME,
		    rc == -ENOENT ? "not found" : strerror(-rc));
		return -1;
	}
	if (mnl_socket_setsockopt(k->ev, NETLINK_ADD_MEMBERSHIP, &k->mcgrp,
				  sizeof(k->mcgrp)) < 0) {
		LOG(ERR, "kernel: join group '%s': %s", QFENCE_MCGRP_EVENTS,
		    strerror(errno));
		return -1;
	}
	rc = create_lease(d, gen);
	if (rc == -EEXIST)
		return adopt(d);
	if (rc) {
		LOG(ERR, "kernel: LEASE_NEW '%s': %s", d->conf.lease_name,
		    strerror(-rc));
		return -1;
	}
	k->state = QFENCE_STATE_DISARMED;
	k->gen = gen;
	LOG(INFO, "kernel lease '%s' created, generation %" PRIu64
	    " (disarmed: IO refused until the first grant)",
	    d->conf.lease_name, gen);
	return 0;
}

int kern_init(struct qd *d)
{
	struct qd_kernel *k = &d->k;

	k->none = d->no_kernel;
	if (!k->none)
		return open_kernel(d);
	LOG(WARN, "*** kernel = none: TEST-ONLY MODE. No kernel lease, no IO "
	    "fence: this node protects NOTHING. Lease deadlines are only "
	    "emulated and logged. ***");
	k->state = QFENCE_STATE_DISARMED;
	k->gen = member_gen(d);
	if (emu_load(d)) {
		LOG(WARN, "emulated lease '%s' exists: adopting it (state %s, "
		    "generation %" PRIu64 ")", d->conf.lease_name,
		    state_name(k->state), k->gen);
		if (k->state == QFENCE_STATE_FENCED)
			lapsed(d, k->gen, "found fenced at start");
		else
			kern_emulate(d, qd_now());
	}
	emu_save(d);
	return 0;
}

void kern_fini(struct qd *d)
{
	if (d->k.cmd)
		mnl_socket_close(d->k.cmd);
	if (d->k.ev)
		mnl_socket_close(d->k.ev);
	d->k.cmd = d->k.ev = NULL;
}

int kern_event_fd(const struct qd *d)
{
	return d->k.ev ? mnl_socket_get_fd(d->k.ev) : -1;
}

static void on_event(struct qd *d, const struct qd_event *ev)
{
	if (strcmp(ev->name, d->conf.lease_name))
		return;		/* another node's lease (same kernel) */
	switch (ev->event) {
	case QFENCE_EVENT_EXPIRED:
		lapsed(d, ev->gen, "expired");
		break;
	case QFENCE_EVENT_FENCED:
		lapsed(d, ev->gen, ev->reason == QFENCE_REASON_MANUAL ?
		       "manual LEASE_FENCE" : "expired");
		break;
	case QFENCE_EVENT_UNFENCED:
		d->k.state = QFENCE_STATE_DISARMED;
		d->k.gen = ev->gen;
		LOG(INFO, "kernel lease unfenced, generation %" PRIu64, ev->gen);
		break;
	default:
		LOG(INFO, "kernel event %" PRIu32 " on lease '%s'", ev->event,
		    ev->name);
	}
}

void kern_on_event(struct qd *d)
{
	struct qd_kernel *k = &d->k;
	struct qd_event ev;
	ssize_t n;

	for (;;) {
		n = recv(mnl_socket_get_fd(k->ev), k->buf, sizeof(k->buf),
			 MSG_DONTWAIT);
		if (n < 0) {
			if (errno == ENOBUFS) {
				/* events lost: ask the kernel directly */
				struct qd_lease_info li;

				LOG(WARN, "kernel: event queue overrun");
				if (!kern_refresh(d, &li) &&
				    li.state == QFENCE_STATE_FENCED)
					lapsed(d, li.gen, "seen after overrun");
				continue;
			}
			return;
		}
		for (struct nlmsghdr *h = (struct nlmsghdr *)k->buf;
		     mnl_nlmsg_ok(h, (int)n); h = mnl_nlmsg_next(h, (int *)&n))
			if (!qd_nl_parse_event(h, h->nlmsg_len, &ev))
				on_event(d, &ev);
	}
}

void kern_fence(struct qd *d, const char *why)
{
	struct qd_kernel *k = &d->k;
	int rc = 0;

	if (k->state == QFENCE_STATE_FENCED)
		return;
	if (!k->none)
		rc = request(k, qd_nl_lease_cmd(k->buf, k->family, ++k->seq,
						QFENCE_CMD_LEASE_FENCE,
						d->conf.lease_name), NULL, NULL);
	if (rc)
		LOG(ERR, "kernel: LEASE_FENCE '%s': %s", d->conf.lease_name,
		    strerror(-rc));
	else
		lapsed(d, k->gen, why);
}

static void unfence(struct qd *d, uint64_t gen)
{
	struct qd_kernel *k = &d->k;
	int rc = 0;

	if (!k->none)
		rc = request(k, qd_nl_lease_gen(k->buf, k->family, ++k->seq,
						QFENCE_CMD_LEASE_UNFENCE,
						d->conf.lease_name, gen),
			     NULL, NULL);
	if (rc) {
		LOG(ERR, "kernel: LEASE_UNFENCE '%s' to generation %" PRIu64
		    ": %s", d->conf.lease_name, gen, strerror(-rc));
		return;
	}
	LOG(INFO, "rejoin committed: kernel lease '%s' unfenced with "
	    "generation %" PRIu64, d->conf.lease_name, gen);
	k->state = QFENCE_STATE_DISARMED;
	k->gen = gen;
	d->lease_lost_reported = false;
	emu_save(d);
}

static void renew(struct qd *d, qf_ns deadline, uint64_t gen)
{
	struct qd_kernel *k = &d->k;
	qf_ns now = qd_now();
	int rc = 0;

	if (k->state == QFENCE_STATE_FENCED || gen != k->gen)
		return;		/* latched (rule 7), or not ours yet */
	if (!clock_ok_to_renew(d))
		return;
	if (!k->none)
		rc = request(k, qd_nl_lease_renew(k->buf, k->family, ++k->seq,
						  d->conf.lease_name, deadline,
						  gen), NULL, NULL);
	else
		rc = deadline <= now ? -ERANGE : 0;
	if (rc == -ECANCELED) {
		lapsed(d, gen, "renew refused: fenced");
		return;
	}
	if (rc) {
		k->renew_errors++;
		LOG(WARN, "kernel: LEASE_RENEW to %+" PRId64 " ms: %s",
		    NS_MS((int64_t)(deadline - now)), strerror(-rc));
		return;
	}
	if (k->state != QFENCE_STATE_ARMED)
		LOG(INFO, "kernel lease '%s' armed, generation %" PRIu64
		    "%s", d->conf.lease_name, gen,
		    k->none ? " (emulated, TEST ONLY)" : "");
	k->state = QFENCE_STATE_ARMED;
	k->deadline = deadline;
	k->renewals++;
	emu_save(d);
	if (d->grant_rx) {	/* grant received -> renew acked */
		uint64_t us = (qd_now() - d->grant_rx) / 1000;

		d->lat_max_us = us > d->lat_max_us ? us : d->lat_max_us;
		d->lat_sum_us += us;
		d->lat_count++;
		d->grant_rx = 0;
	}
	LOG(DEBUG, "lease renewed to now%+" PRId64 " ms", NS_MS((int64_t)
	    (deadline - now)));
}

static int recreate(struct qd *d, uint64_t gen)
{
	struct qd_kernel *k = &d->k;
	int rc;

	rc = request(k, qd_nl_lease_cmd(k->buf, k->family, ++k->seq,
					QFENCE_CMD_LEASE_DEL,
					d->conf.lease_name), NULL, NULL);
	if (!rc)
		rc = create_lease(d, gen);
	if (rc)
		LOG(ERR, "kernel: cannot move disarmed lease '%s' from "
		    "generation %" PRIu64 " to %" PRIu64 ": %s (a device may "
		    "hold it: remove it, or LEASE_DEL by hand)",
		    d->conf.lease_name, k->gen, gen, strerror(-rc));
	return rc;
}

void kern_apply_lease(struct qd *d, const struct qf_ready *rd)
{
	struct qd_kernel *k = &d->k;

	d->lease_gen = rd->lease_gen;
	if (rd->lease_fenced) {
		d->self_fenced = true;
		kern_fence(d, "NODE_FENCED of this node committed");
		return;
	}
	d->self_fenced = false;
	if (rd->lease_gen > k->gen) {
		if (k->state == QFENCE_STATE_FENCED) {
			unfence(d, rd->lease_gen);
		} else if (k->state == QFENCE_STATE_DISARMED) {
			/* a disarmed lease of an older generation (found at
			 * start): recreate it with the committed one */
			if (!k->none && recreate(d, rd->lease_gen))
				return;
			k->gen = rd->lease_gen;
			emu_save(d);
		}
	}
	if (rd->lease_deadline)
		renew(d, rd->lease_deadline, rd->lease_gen);
}

/* TEST-ONLY emulation of the kernel's expiry timer. */
void kern_emulate(struct qd *d, qf_ns now)
{
	struct qd_kernel *k = &d->k;

	if (k->none && k->state == QFENCE_STATE_ARMED && now >= k->deadline)
		lapsed(d, k->gen, "expired (emulated)");
}

int kern_disarm(struct qd *d)
{
	struct qd_kernel *k = &d->k;
	int rc = 0;

	if (k->state != QFENCE_STATE_ARMED)
		return 0;
	if (!k->none)
		rc = request(k, qd_nl_lease_cmd(k->buf, k->family, ++k->seq,
						QFENCE_CMD_LEASE_DISARM,
						d->conf.lease_name), NULL, NULL);
	if (rc == -EBUSY) {
		LOG(WARN, "kernel lease '%s' is NOWAYOUT: not disarmed, it "
		    "will expire and fence", d->conf.lease_name);
		return rc;
	}
	if (rc) {
		LOG(ERR, "kernel: LEASE_DISARM: %s", strerror(-rc));
		return rc;
	}
	k->state = QFENCE_STATE_DISARMED;
	emu_save(d);
	LOG(INFO, "kernel lease '%s' disarmed (clean leave)",
	    d->conf.lease_name);
	return 0;
}
