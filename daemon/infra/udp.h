/* SPDX-License-Identifier: MIT */
/*
 * qfence daemon: UDP sockets of the cluster transport.
 *
 * One non-blocking socket per local address ("link"): link i of this node
 * talks to address i of each peer, like the rings of corosync, so two
 * networks are two independent paths. A datagram is sealed once (wire.c)
 * and sent on every link; the receiver keeps the first copy, its replay
 * window drops the others (counted as replays).
 */
#ifndef QF_INFRA_UDP_H
#define QF_INFRA_UDP_H

#include <stddef.h>
#include <stdint.h>

#include "conf.h"
#include "wire.h"

#define QF_UDP_MAX_LINKS	QF_CONF_MAX_ADDRS
#define QF_UDP_BUDGET		64	/* datagrams per receive call */

struct qf_udp {
	unsigned int nlinks;
	int fd[QF_UDP_MAX_LINKS];
	struct qf_conf_addr local[QF_UDP_MAX_LINKS];	/* as bound */
	uint64_t send_errors[QF_UDP_MAX_LINKS];
	uint64_t recv_errors[QF_UDP_MAX_LINKS];
};

/* An accepted datagram, the link it came in on and its source. */
typedef void (*qf_udp_deliver)(void *ctx, const struct qf_wire_msg *m,
			       unsigned int link,
			       const struct qf_conf_addr *from);

/* Bind one socket per address (port 0: any, see u->local). On failure
 * nothing stays open and err names the address. */
int qf_udp_open(struct qf_udp *u, const struct qf_conf_addr *addrs,
		unsigned int n, char *err, size_t errlen);
void qf_udp_close(struct qf_udp *u);

/* Send buf to every address of a peer; returns how many links took it. */
int qf_udp_send(struct qf_udp *u, const struct qf_conf_addr *to,
		unsigned int n, const void *buf, size_t len);

/* Seal payload for peer and send it on all links. Returns links or -errno. */
int qf_udp_send_msg(struct qf_udp *u, struct qf_wire *w,
		    const struct qf_conf_peer *peer, const void *payload,
		    size_t len);

/*
 * Drain link: recvmsg until it would block or budget datagrams were read,
 * each through qf_wire_open(); accepted ones go to cb. Returns the number
 * of datagrams read (accepted or not), or -errno.
 */
int qf_udp_receive(struct qf_udp *u, unsigned int link, struct qf_wire *w,
		   qf_udp_deliver cb, void *ctx, unsigned int budget);

#endif /* QF_INFRA_UDP_H */
