// SPDX-License-Identifier: MIT
/*
 * The kernel lease over generic netlink, with libmnl (kernel.c): the
 * family resolved, synchronous requests on the `cmd` socket, and the
 * origin check of every answer and event (only the kernel speaks for
 * qfence.ko).
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
#include "kernpriv.h"

const char *kn_state_name(uint32_t s)
{
	static const char *const n[] = { "disarmed", "armed", "fenced" };

	return s <= QFENCE_STATE_FENCED ? n[s] : "?";
}

/*
 * Only the kernel speaks for qfence.ko: anything else is counted and
 * ignored, logged at most every 10 s (a flood must not flood the journal).
 */
bool kn_trusted(struct qd_kernel *k, const struct sockaddr_nl *from,
		const struct nlmsghdr *h, uint16_t type, bool ack_ok)
{
	qf_ns now;

	if (qd_nl_from_kernel(from, h, type, ack_ok))
		return true;
	k->foreign++;
	now = qd_now();
	if (!k->foreign_logged || now - k->foreign_logged >= 10000 * QF_MS) {
		k->foreign_logged = now;
		LOG(WARN, "kernel: ignored a netlink message that is not "
		    "qfence.ko's (sender port %" PRIu32 ", type %u, expected "
		    "port 0 and type %u; %" PRIu64 " so far): a process with "
		    "CAP_NET_ADMIN in this network namespace is writing to "
		    "quorumd's netlink sockets", from ? from->nl_pid : 0,
		    h->nlmsg_type, type, k->foreign);
	}
	return false;
}

/*
 * One datagram of the command socket while the request (seq, its
 * nlmsg_type) waits: 1 while the answer is still to come, else its
 * result (-errno or 0). A non-ack answer of the request is copied to
 * reply when it is set (LEASE_GET).
 */
int kern_reply_input(struct qd_kernel *k, const void *buf, size_t len,
		     const struct sockaddr_nl *from, uint32_t seq,
		     uint16_t type, void *reply, size_t *reply_len)
{
	int n = (int)len;
	char msg[128];

	for (const struct nlmsghdr *h = buf; mnl_nlmsg_ok(h, n);
	     h = mnl_nlmsg_next(h, &n)) {
		int rc;

		if (!kn_trusted(k, from, h, type, true))
			continue;
		rc = qd_nl_ack(h, h->nlmsg_len, seq, msg, sizeof(msg));

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
	return 1;
}

/* Send the message in k->buf and wait for its ack; -errno or 0. When
 * reply is set, the first non-ack answer is copied there (LEASE_GET). */
int kn_request(struct qd_kernel *k, size_t len, void *reply,
	       size_t *reply_len)
{
	const struct nlmsghdr *req = (const struct nlmsghdr *)k->buf;
	uint32_t seq = req->nlmsg_seq;
	uint16_t type = req->nlmsg_type;
	struct sockaddr_nl from;
	socklen_t fromlen;
	ssize_t n;
	int rc;

	if (mnl_socket_sendto(k->cmd, k->buf, len) < 0)
		return -errno;
	for (;;) {
		fromlen = sizeof(from);
		memset(&from, 0, sizeof(from));
		n = recvfrom(mnl_socket_get_fd(k->cmd), k->buf, sizeof(k->buf),
			     0, (struct sockaddr *)&from, &fromlen);
		if (n < 0)
			return errno == EAGAIN ? -ETIMEDOUT : -errno;
		rc = kern_reply_input(k, k->buf, (size_t)n, &from, seq, type,
				      reply, reply_len);
		if (rc != 1)
			return rc;
	}
}

/*
 * Generic netlink runs the module's handler inside sendmsg(): the reply
 * is queued before the request call returns, so a receive only waits when
 * the reply was lost (a full socket buffer). The single-threaded loop then
 * stalls for the timeout, and with it the heartbeats: bounded by one
 * heartbeat (at least 20 ms), never more than 2 s, so that even a lost
 * reply on the fast profile (L 500 ms) costs one heartbeat, not a lease.
 */
uint32_t kn_nl_timeout_ms(const struct qd *d)
{
	uint64_t hb = d->core_cfg.timing.heartbeat / QF_MS;

	return hb < 20 ? 20U : hb > 2000 ? 2000U : (uint32_t)hb;
}

struct mnl_socket *kn_open_sock(uint32_t *portid, uint32_t timeout_ms)
{
	struct mnl_socket *s = mnl_socket_open2(NETLINK_GENERIC, SOCK_CLOEXEC);
	struct timeval tv = {
		.tv_sec = timeout_ms / 1000,
		.tv_usec = (timeout_ms % 1000) * 1000,
	};
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

int kn_resolve(struct qd_kernel *k)
{
	static uint8_t reply[KERN_BUF];
	size_t rlen = 0;
	int rc;

	rc = kn_request(k, qd_nl_getfamily(k->buf, ++k->seq), reply, &rlen);
	if (rc == -ENOENT)
		return -ENOENT;
	if (rc)
		return rc;
	return qd_nl_parse_family(reply, rlen, &k->family, &k->mcgrp);
}

/*
 * --check-config: is the generic netlink family "qfence" there (the module
 * loaded)? 0 yes, -ENOENT no, another -errno if the kernel was not asked.
 */
int kern_probe_family(void)
{
	static struct qd_kernel k;
	int rc;

	memset(&k, 0, sizeof(k));
	k.cmd = kn_open_sock(&k.portid, 1000);
	if (!k.cmd)
		return errno ? -errno : -EIO;
	rc = kn_resolve(&k);
	mnl_socket_close(k.cmd);
	return rc;
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
	rc = kn_request(k, qd_nl_lease_cmd(k->buf, k->family, ++k->seq,
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
