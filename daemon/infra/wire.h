/* SPDX-License-Identifier: MIT */
/*
 * qfence daemon: datagram framing, authentication and replay protection
 * (DESIGN §4 "Transport"). No sockets here: bytes in, bytes out.
 *
 * Datagram (integers big-endian):
 *
 *   0  u32 magic "QFW1"      16 u32 sender id
 *   4  u8  version (1)       20 u32 receiver id
 *   5  u8  flags (0)         24 u64 sender boot_id (random per start)
 *   6  u16 payload length    32 u64 sequence (per boot, from 1, +1 each)
 *   8  u64 cluster id hash   40 payload ... then a 32-byte tag
 *
 * tag = HMAC-SHA512-256(K, header || payload), K derived from the cluster
 * key. Authenticity is what the protocol needs; the payload (terms,
 * indexes, lease durations) is not secret, and a MAC has no nonce that
 * could ever repeat (an AEAD's nonce reuse after a duplicated boot_id would
 * be catastrophic, a MAC's worst case is nothing), and the traffic stays
 * readable in a packet capture.
 *
 * Replay protection per (sender, boot_id): a 1024-entry sliding window
 * over sequence numbers. A new boot_id resets the sender's window only
 * when the datagram is authentic, and boot_ids seen before from that
 * sender are refused, so an old boot's recorded traffic cannot be
 * replayed after a restart. The receiver id binds each datagram to one
 * destination, so traffic to one node cannot be replayed to another.
 */
#ifndef QF_INFRA_WIRE_H
#define QF_INFRA_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define QF_WIRE_KEY_LEN		32
#define QF_WIRE_HDR_LEN		40
#define QF_WIRE_TAG_LEN		32
/* Ethernet MTU 1500 - IPv6 40 - UDP 8: never fragmented on a LAN. */
#define QF_WIRE_MAX_DGRAM	1452
#define QF_WIRE_MAX_PAYLOAD	(QF_WIRE_MAX_DGRAM - QF_WIRE_HDR_LEN - \
				 QF_WIRE_TAG_LEN)
#define QF_WIRE_WINDOW		1024
#define QF_WIRE_MAX_PEERS	16
#define QF_WIRE_BOOT_HISTORY	8

/* Why a datagram was dropped; 0 is "accepted". */
enum qf_wire_verdict {
	QF_WIRE_OK = 0,
	QF_WIRE_OVERSIZE,	/* longer than QF_WIRE_MAX_DGRAM */
	QF_WIRE_TRUNCATED,	/* shorter than header + tag, or than declared */
	QF_WIRE_BAD_HEADER,	/* magic, version, flags, length, seq 0 */
	QF_WIRE_WRONG_CLUSTER,	/* another cluster's id hash */
	QF_WIRE_WRONG_RECEIVER,	/* addressed to another node */
	QF_WIRE_UNKNOWN_SENDER,	/* not a configured peer (or ourselves) */
	QF_WIRE_BAD_MAC,	/* forged, corrupted or another key */
	QF_WIRE_REPLAY,		/* seen already: a replay, or the copy of a
				 * redundant link */
	QF_WIRE_STALE,		/* older than the window */
	QF_WIRE_OLD_BOOT,	/* from a boot_id the sender has left */
	__QF_WIRE_VERDICT_MAX
};

struct qf_wire_stats {
	uint64_t sent;
	uint64_t accepted;
	uint64_t drops[__QF_WIRE_VERDICT_MAX];	/* [0] unused */
};

struct qf_wire_peer {
	uint32_t id;
	bool have_boot;
	uint64_t boot_id;
	uint64_t top;				/* highest accepted seq */
	uint64_t window[QF_WIRE_WINDOW / 64];	/* bit (seq % WINDOW) */
	uint64_t old_boots[QF_WIRE_BOOT_HISTORY];
	unsigned int n_old;
	uint64_t restarts;			/* boot_id changes seen */
};

struct qf_wire {
	uint8_t mac_key[QF_WIRE_KEY_LEN];
	uint64_t cluster_hash;
	uint32_t self;
	uint64_t boot_id;
	uint64_t seq;			/* last sequence sent */
	unsigned int npeers;
	struct qf_wire_peer peers[QF_WIRE_MAX_PEERS];
	struct qf_wire_stats stats;
};

/* An accepted datagram; payload points into the caller's buffer. */
struct qf_wire_msg {
	uint32_t from;
	uint64_t boot_id;
	uint64_t seq;
	bool new_boot;		/* first datagram of a (re)started sender */
	const uint8_t *payload;
	size_t len;
};

/*
 * Key file: exactly 32 raw bytes, or 64 hex digits (surrounding blanks
 * allowed). It must be a regular file owned by root or by us, with no
 * permission for group or others; anything else is refused.
 */
int qf_wire_key_load(const char *path, uint8_t key[QF_WIRE_KEY_LEN],
		     char *err, size_t errlen);
int qf_wire_key_parse(const uint8_t *buf, size_t len,
		      uint8_t key[QF_WIRE_KEY_LEN]);

/* A fresh random non-zero boot_id (DESIGN §2 rule 3: one per start). */
uint64_t qf_wire_new_boot_id(void);

int qf_wire_init(struct qf_wire *w, const uint8_t key[QF_WIRE_KEY_LEN],
		 const char *cluster, uint32_t self, uint64_t boot_id);
void qf_wire_fini(struct qf_wire *w);	/* wipes the key */
int qf_wire_add_peer(struct qf_wire *w, uint32_t id);
int qf_wire_remove_peer(struct qf_wire *w, uint32_t id);
const struct qf_wire_peer *qf_wire_peer(const struct qf_wire *w, uint32_t id);

/*
 * Frame payload for node `to` into out (cap bytes) with the next sequence
 * number. Returns the datagram length, or -EMSGSIZE (payload too large),
 * -ENOBUFS (cap too small), -EINVAL (unknown receiver).
 */
ssize_t qf_wire_seal(struct qf_wire *w, uint32_t to, const void *payload,
		     size_t len, uint8_t *out, size_t cap);

/*
 * Check a received datagram. QF_WIRE_OK fills *msg and advances the
 * sender's window; any other verdict is counted in w->stats and changes
 * nothing else. Sizes are checked before any cryptography.
 */
enum qf_wire_verdict qf_wire_open(struct qf_wire *w, const uint8_t *pkt,
				  size_t len, struct qf_wire_msg *msg);

const char *qf_wire_verdict_name(int v);

#endif /* QF_INFRA_WIRE_H */
