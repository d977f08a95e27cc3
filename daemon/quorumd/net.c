// SPDX-License-Identifier: MIT
/*
 * Cluster transport: core messages (daemon/core/codec.h) and forwarded
 * REJOIN and FENCE requests (fwdfence.c), sealed with the cluster key
 * (infra wire.h) and sent on every link (infra udp.h: one socket per own
 * address, design.md §4 redundant links).
 *
 * Peer addresses come from the committed state (a member added at run time
 * carries its addresses) and fall back to the configuration file.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "bootid.h"
#include "codec.h"
#include "udp.h"
#include "quorumd.h"

_Static_assert(QF_WIRE_MAX <= QD_PAYLOAD_MAX,
	       "a core message must fit one datagram");

/* infra wire.h: a peer's newer boot is durable before its datagram is
 * acted on (design.md rule 11); until it can be saved it is dropped. */
static int save_peer_boots(void *ctx, const struct qf_wire *w)
{
	struct qd *d = ctx;
	char err[512];
	qf_ns t0 = qd_now();
	int rc = 0;

	if (qf_boot_peers_save(d->conf.data_dir, w, err, sizeof(err))) {
		LOG(ERR, "%s: a restarted peer is not heard until its boot "
		    "can be saved", err);
		rc = -1;
	}
	qd_disk_took(d, "peer-boots", t0);
	return rc;
}

/* The newest boot of each peer, remembered across our own restarts. */
static int peer_boots_init(struct qd *d)
{
	char err[512];

	if (qf_boot_peers_load(d->conf.data_dir, &d->wire, err,
			       sizeof(err))) {
		LOG(ERR, "%s", err);
		return -1;
	}
	d->wire.boot_moved = save_peer_boots;
	d->wire.boot_ctx = d;
	return 0;
}

int net_init(struct qd *d)
{
	const struct qf_conf_peer *self = qf_conf_self(&d->conf);
	char err[256];

	if (qf_udp_open(&d->udp, self->addr, self->naddrs, err,
			sizeof(err))) {
		LOG(ERR, "%s", err);
		return -1;
	}
	for (unsigned int i = 0; i < d->udp.nlinks; i++)
		LOG(INFO, "listening on %s (link %u)", d->udp.local[i].text, i);
	for (unsigned int i = 0; i < d->conf.npeers; i++)
		if (d->conf.peers[i].id != d->conf.node_id)
			qf_wire_add_peer(&d->wire, d->conf.peers[i].id);
	if (peer_boots_init(d)) {
		qf_udp_close(&d->udp);
		return -1;
	}
	return 0;
}

void net_fini(struct qd *d)
{
	qf_udp_close(&d->udp);
}

/* Addresses of node id: the committed configuration (members added at
 * run time carry theirs), else the configuration file. */
static unsigned int peer_addrs(struct qd *d, uint32_t id,
			       struct qf_conf_addr *a)
{
	const struct qf_member *m = qf_state_find(&d->raft.cfg, id);
	const struct qf_conf_peer *p;
	unsigned int n = 0;

	if (m && m->n_addrs) {
		for (unsigned int i = 0; i < m->n_addrs && i < QF_MAX_ADDRS; i++)
			if (!qd_addr_from_core(&m->addrs[i], &a[n]))
				n++;
		return n;
	}
	p = qf_conf_peer(&d->conf, id);
	if (!p)
		return 0;
	for (n = 0; n < p->naddrs; n++)
		a[n] = p->addr[n];
	return n;
}

/* Sealed once, sent on every link: the receiver keeps the first copy and
 * its replay window drops the others (infra udp.h). */
static void send_payload(struct qd *d, uint32_t to, size_t len)
{
	struct qf_conf_addr a[QF_CONF_MAX_ADDRS];
	unsigned int n = peer_addrs(d, to, a);
	ssize_t sealed;

	if (!n)
		return;
	if (!qf_wire_peer(&d->wire, to) && qf_wire_add_peer(&d->wire, to))
		return;
	sealed = qf_wire_seal(&d->wire, to, d->payload, len, d->pkt,
			      sizeof(d->pkt));
	if (sealed > 0)
		qf_udp_send(&d->udp, a, n, d->pkt, (size_t)sealed);
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

void net_send_rejoin(struct qd *d, uint32_t to, uint32_t node,
		     uint64_t fenced_gen)
{
	size_t n = qd_enc_rejoin(node, fenced_gen, d->payload,
				 sizeof(d->payload));

	if (n)
		send_payload(d, to, n);
}

void net_send_auto_rejoin(struct qd *d, uint32_t to,
			  const struct qf_join_req *q)
{
	size_t n = qd_enc_auto_rejoin(q, d->payload, sizeof(d->payload));

	if (n)
		send_payload(d, to, n);
}

void net_send_fence(struct qd *d, uint32_t to, uint32_t node, uint64_t gen)
{
	size_t n = qd_enc_fence(node, gen, d->payload, sizeof(d->payload));

	if (n)
		send_payload(d, to, n);
}

/* The leader's core refuses a generation other than the committed fenced
 * one (design.md rule 11): a replayed REJOIN changes nothing. */
static void on_rejoin(struct qd *d, uint32_t from, const uint8_t *p,
		      size_t len)
{
	uint64_t gen;
	uint32_t node;
	int rc;

	if (qd_dec_rejoin(p, len, &node, &gen)) {
		d->bad_payload++;
		LOG(WARN, "forwarded rejoin from %" PRIu32 " refused: %zu "
		    "bytes, not a rejoin naming its fenced generation",
		    from, len);
		return;
	}
	rc = qf_raft_propose_join(&d->raft, qd_now(), node, gen);
	LOG(INFO, "rejoin of node %" PRIu32 " gen %" PRIu64 " forwarded by %"
	    PRIu32 ": %s", node, gen, from, rc ? qf_strerror(rc) : "proposed");
}

static void deliver(void *ctx, const struct qf_wire_msg *wm,
		    unsigned int link, const struct qf_conf_addr *from)
{
	static struct qf_msg m;
	struct qd *d = ctx;

	(void)link;
	(void)from;
	if (wm->len >= 1 && wm->payload[0] == QD_PKT_REJOIN) {
		on_rejoin(d, wm->from, wm->payload, wm->len);
		return;
	}
	if (wm->len >= 1 && wm->payload[0] == QD_PKT_AUTO_REJOIN) {
		rejoin_on_request(d, wm->from, wm->payload, wm->len);
		return;
	}
	if (wm->len >= 1 && wm->payload[0] == QD_PKT_FENCE) {
		fwd_fence_received(d, wm->from, wm->payload, wm->len);
		return;
	}
	if (qf_msg_decode(&m, wm->payload, wm->len) || m.from != wm->from ||
	    m.to != d->conf.node_id) {
		d->bad_payload++;
		return;
	}
	if (m.type == QF_MSG_GRANT)
		d->grant_rx = qd_now();	/* renewal latency starts here */
	/* A leader's grants follow acks: judge its clock before each one
	 * too, not only at ticks (design.md rule 10; adjtimex is cheap). */
	if (d->raft.state == QF_LEADER)
		clock_guard_tick(d, qd_now());
	if (qf_raft_step(&d->raft, qd_now(), &m) == -QF_ETIMING)
		timing_refused(d, qd_now(), m.from);
}

void net_on_readable(struct qd *d, unsigned int link)
{
	qf_udp_receive(&d->udp, link, &d->wire, deliver, d, QF_UDP_BUDGET);
}
