// SPDX-License-Identifier: MIT
/*
 * UDP transport: one socket per own address (redundant links, DESIGN §4).
 * A message to a peer goes out once per link: socket i to the peer's
 * address i; the copy that arrives second is dropped by the wire replay
 * window (counted as a replay). Each datagram is sealed with the cluster
 * key (infra wire.c); the payload is the codec.c encoding.
 *
 * Peer addresses come from the committed state (a member added at run time
 * carries its addresses) and fall back to the configuration file.
 *
 * (daemon/infra/udp.c is meant to hold the socket part; until it does, the
 * daemon keeps its own here.)
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "codec.h"
#include "quorumd.h"

_Static_assert(QF_WIRE_MAX <= QD_PAYLOAD_MAX,
	       "a core message must fit one datagram");

int net_init(struct qd *d)
{
	const struct qf_conf_peer *self = qf_conf_self(&d->conf);

	d->nsock = 0;
	for (unsigned int i = 0; i < self->naddrs; i++) {
		const struct qf_conf_addr *a = &self->addr[i];
		int fd = socket(a->sa.ss_family, SOCK_DGRAM | SOCK_NONBLOCK |
				SOCK_CLOEXEC, 0);

		if (fd < 0 || bind(fd, (const void *)&a->sa, a->len) < 0) {
			LOG(ERR, "bind %s: %s", a->text, strerror(errno));
			if (fd >= 0)
				close(fd);
			return -1;
		}
		d->sock[d->nsock++] = fd;
		LOG(INFO, "listening on %s (link %u)", a->text, i);
	}
	for (unsigned int i = 0; i < d->conf.npeers; i++)
		if (d->conf.peers[i].id != d->conf.node_id)
			qf_wire_add_peer(&d->wire, d->conf.peers[i].id);
	return 0;
}

void net_fini(struct qd *d)
{
	for (int i = 0; i < d->nsock; i++)
		close(d->sock[i]);
	d->nsock = 0;
}

/* Address of link `i` of node id, or -1. */
static int peer_addr(struct qd *d, uint32_t id, int i, struct qf_conf_addr *a)
{
	const struct qf_member *m = qf_state_find(&d->raft.cfg, id);
	const struct qf_conf_peer *p;

	if (m && i < m->n_addrs && m->addrs[i].family)
		return qd_addr_from_core(&m->addrs[i], a);
	p = qf_conf_peer(&d->conf, id);
	if (!p || i >= (int)p->naddrs)
		return -1;
	*a = p->addr[i];
	return 0;
}

static void send_payload(struct qd *d, uint32_t to, size_t len)
{
	const struct qf_conf_peer *self = qf_conf_self(&d->conf);
	struct qf_conf_addr a;
	ssize_t n;

	if (!qf_wire_peer(&d->wire, to) && qf_wire_add_peer(&d->wire, to))
		return;
	for (int i = 0; i < d->nsock; i++) {
		if (peer_addr(d, to, i, &a) ||
		    a.sa.ss_family != self->addr[i].sa.ss_family)
			continue;
		/* a fresh sequence number per copy: the window drops the
		 * second copy as a replay of the same message */
		n = qf_wire_seal(&d->wire, to, d->payload, len, d->pkt,
				 sizeof(d->pkt));
		if (n < 0)
			return;
		if (sendto(d->sock[i], d->pkt, (size_t)n, 0,
			   (const void *)&a.sa, a.len) < 0)
			LOG(DEBUG, "send to %" PRIu32 " via %s: %s", to, a.text,
			    strerror(errno));
	}
}

void net_send_msg(struct qd *d, const struct qf_msg *m)
{
	size_t n = qf_msg_encode(m, d->payload, sizeof(d->payload));

	if (!n) {
		LOG(ERR, "message %s to %" PRIu32 " does not fit a datagram",
		    qf_msg_type_name(m->type), m->to);
		return;
	}
	send_payload(d, m->to, n);
}

void net_send_rejoin(struct qd *d, uint32_t to, uint32_t node)
{
	d->payload[0] = QD_PKT_REJOIN;
	memcpy(d->payload + 1, &node, 4);
	send_payload(d, to, 5);
}

static void on_rejoin(struct qd *d, uint32_t from, const uint8_t *p,
		      size_t len)
{
	uint32_t node;
	int rc;

	if (len != 5)
		return;
	memcpy(&node, p + 1, 4);
	rc = qf_raft_propose_join(&d->raft, qd_now(), node);
	LOG(INFO, "rejoin of node %" PRIu32 " forwarded by %" PRIu32 ": %s",
	    node, from, rc ? qf_strerror(rc) : "proposed");
}

void net_on_readable(struct qd *d, int sock)
{
	static struct qf_msg m;
	struct qf_wire_msg wm;
	ssize_t n;

	for (int budget = 64; budget > 0; budget--) {
		n = recv(sock, d->pkt, sizeof(d->pkt), MSG_DONTWAIT |
			 MSG_TRUNC);
		if (n < 0)
			return;
		if (n > QF_WIRE_MAX_DGRAM)
			n = QF_WIRE_MAX_DGRAM + 1;	/* counted: oversize */
		if (qf_wire_open(&d->wire, d->pkt, (size_t)n, &wm) != QF_WIRE_OK)
			continue;
		if (wm.len >= 1 && wm.payload[0] == QD_PKT_REJOIN) {
			on_rejoin(d, wm.from, wm.payload, wm.len);
			continue;
		}
		if (qf_msg_decode(&m, wm.payload, wm.len) || m.from != wm.from ||
		    m.to != d->conf.node_id) {
			d->wire.stats.drops[QF_WIRE_BAD_HEADER]++;
			continue;
		}
		qf_raft_step(&d->raft, qd_now(), &m);
	}
}
