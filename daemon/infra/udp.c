// SPDX-License-Identifier: MIT
/*
 * qfence daemon: UDP sockets of the cluster transport (see udp.h).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ilog.h"
#include "udp.h"

/* DSCP CS6 (network control): heartbeats and grants before bulk traffic,
 * because a late heartbeat costs a lease. */
#define TOS_CS6		0xc0

static void set_priority(int fd, int family)
{
	int tos = TOS_CS6, prio = 6;

	if (family == AF_INET)
		setsockopt(fd, IPPROTO_IP, IP_TOS, &tos, sizeof(tos));
	else
		setsockopt(fd, IPPROTO_IPV6, IPV6_TCLASS, &tos, sizeof(tos));
	setsockopt(fd, SOL_SOCKET, SO_PRIORITY, &prio, sizeof(prio));
}

static void addr_text(struct qf_conf_addr *a)
{
	char ip[INET6_ADDRSTRLEN] = "?";
	const struct sockaddr_in *s4 = (const struct sockaddr_in *)&a->sa;
	const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)&a->sa;

	if (a->sa.ss_family == AF_INET) {
		inet_ntop(AF_INET, &s4->sin_addr, ip, sizeof(ip));
		snprintf(a->text, sizeof(a->text), "%s:%u", ip,
			 ntohs(s4->sin_port));
	} else {
		inet_ntop(AF_INET6, &s6->sin6_addr, ip, sizeof(ip));
		snprintf(a->text, sizeof(a->text), "[%s]:%u", ip,
			 ntohs(s6->sin6_port));
	}
}

static int open_link(struct qf_udp *u, unsigned int i,
		     const struct qf_conf_addr *a, char *err, size_t errlen)
{
	int one = 1, fam = a->sa.ss_family;
	int fd = socket(fam, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0) {
		ierr(err, errlen, "%s: socket: %s", a->text, strerror(errno));
		return -errno;
	}
	/* An IPv6 link is that address only, never v4-mapped traffic. */
	if (fam == AF_INET6 &&
	    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)))
		ILOG(WARN, "udp: %s: IPV6_V6ONLY: %s", a->text, strerror(errno));
	if (bind(fd, (const struct sockaddr *)&a->sa, a->len)) {
		int e = errno;

		ierr(err, errlen, "%s: bind: %s", a->text, strerror(e));
		close(fd);
		return -e;
	}
	set_priority(fd, fam);
	u->local[i].len = sizeof(u->local[i].sa);
	getsockname(fd, (struct sockaddr *)&u->local[i].sa, &u->local[i].len);
	addr_text(&u->local[i]);
	u->fd[i] = fd;
	return 0;
}

int qf_udp_open(struct qf_udp *u, const struct qf_conf_addr *addrs,
		unsigned int n, char *err, size_t errlen)
{
	int rc;

	memset(u, 0, sizeof(*u));
	for (unsigned int i = 0; i < QF_UDP_MAX_LINKS; i++)
		u->fd[i] = -1;
	if (!n || n > QF_UDP_MAX_LINKS) {
		ierr(err, errlen, "udp: %u addresses (1..%d)", n,
		     QF_UDP_MAX_LINKS);
		return -EINVAL;
	}
	for (unsigned int i = 0; i < n; i++) {
		rc = open_link(u, i, &addrs[i], err, errlen);
		if (rc) {
			qf_udp_close(u);
			return rc;
		}
		u->nlinks++;
	}
	return 0;
}

void qf_udp_close(struct qf_udp *u)
{
	for (unsigned int i = 0; i < QF_UDP_MAX_LINKS; i++) {
		if (u->fd[i] >= 0)
			close(u->fd[i]);
		u->fd[i] = -1;
	}
	u->nlinks = 0;
}

/* Link i for address i; else the first link of the same family. */
static int pick_link(const struct qf_udp *u, unsigned int i, int family)
{
	if (i < u->nlinks && u->local[i].sa.ss_family == family)
		return (int)i;
	for (unsigned int j = 0; j < u->nlinks; j++)
		if (u->local[j].sa.ss_family == family)
			return (int)j;
	return -1;
}

int qf_udp_send(struct qf_udp *u, const struct qf_conf_addr *to,
		unsigned int n, const void *buf, size_t len)
{
	int sent = 0;

	for (unsigned int i = 0; i < n; i++) {
		int l = pick_link(u, i, to[i].sa.ss_family);
		ssize_t w;

		if (l < 0)
			continue;
		do {
			w = sendto(u->fd[l], buf, len, 0,
				   (const struct sockaddr *)&to[i].sa, to[i].len);
		} while (w < 0 && errno == EINTR);
		/* A full buffer or a dead route is loss, which Raft and the
		 * lease rules already tolerate: count it, never block. */
		if (w < 0)
			u->send_errors[l]++;
		else
			sent++;
	}
	return sent;
}

int qf_udp_send_msg(struct qf_udp *u, struct qf_wire *w,
		    const struct qf_conf_peer *peer, const void *payload,
		    size_t len)
{
	uint8_t buf[QF_WIRE_MAX_DGRAM];
	ssize_t n = qf_wire_seal(w, peer->id, payload, len, buf, sizeof(buf));

	if (n < 0)
		return (int)n;
	return qf_udp_send(u, peer->addr, peer->naddrs, buf, (size_t)n);
}

int qf_udp_receive(struct qf_udp *u, unsigned int link, struct qf_wire *w,
		   qf_udp_deliver cb, void *ctx, unsigned int budget)
{
	uint8_t buf[QF_WIRE_MAX_DGRAM + 1];
	unsigned int got = 0;

	if (link >= u->nlinks)
		return -EINVAL;
	while (got < budget) {
		struct qf_conf_addr from = { .len = sizeof(from.sa) };
		struct iovec iov = { buf, sizeof(buf) };
		struct msghdr mh = {
			.msg_name = &from.sa, .msg_namelen = from.len,
			.msg_iov = &iov, .msg_iovlen = 1,
		};
		struct qf_wire_msg m;
		ssize_t n = recvmsg(u->fd[link], &mh, MSG_TRUNC);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n < 0) {
			/* ICMP errors of earlier sends surface here. */
			u->recv_errors[link]++;
			break;
		}
		got++;
		if ((size_t)n > QF_WIRE_MAX_DGRAM) {
			w->stats.drops[QF_WIRE_OVERSIZE]++;	/* cut by the kernel */
			continue;
		}
		if (qf_wire_open(w, buf, (size_t)n, &m) == QF_WIRE_OK && cb) {
			from.len = mh.msg_namelen;
			addr_text(&from);
			cb(ctx, &m, link, &from);
		}
	}
	return (int)got;
}
