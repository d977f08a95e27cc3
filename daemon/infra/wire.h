/* SPDX-License-Identifier: MIT */
/*
 * qfence daemon: datagram framing, authentication and replay protection
 * (design.md §4 "Transport"). No sockets here: bytes in, bytes out.
 *
 * Datagram (integers big-endian):
 *
 *   0  u32 magic "QFW1"      16 u32 sender id
 *   4  u8  version (2)       20 u32 receiver id
 *   5  u8  flags (0)         24 u64 sender boot (grows at every start)
 *   6  u16 payload length    32 u64 sequence (per boot, from 1, +1 each)
 *   8  u64 cluster id hash   40 payload ... then a 32-byte tag
 *
 * Version 2 changed only the meaning of the boot field: version 1 sent a
 * random boot_id, which cannot be ordered. A version-1 datagram is dropped
 * as OLD_VERSION (a mixed cluster is not supported: upgrade all nodes).
 *
 * tag = HMAC-SHA512-256(K, header || payload), K derived from the cluster
 * key. Authenticity is what the protocol needs; the payload (terms,
 * indexes, lease durations) is not secret, and a MAC has no nonce that
 * could ever repeat (an AEAD's nonce reuse after a duplicated boot_id would
 * be catastrophic, a MAC's worst case is nothing), and the traffic stays
 * readable in a packet capture.
 *
 * Replay protection (design.md rule 11, "identity only moves forward"):
 *
 * - The boot only grows. Each start takes max(stored + 1, microseconds of
 *   CLOCK_REALTIME) and makes it durable in the data directory before the
 *   first datagram is sent (bootid.h). The file keeps it growing when the
 *   wall clock steps back, the clock when the file is lost (both at once
 *   is the one case not covered: an operator who wipes a node's data
 *   directory also resets its clock at his own risk). WireGuard's TAI64N
 *   handshake timestamp is the same idea: a value an attacker cannot
 *   advance (it needs the key) and the owner never repeats. It stays one
 *   value per daemon start, which is all design.md rule 3 asks of boot_id.
 * - The receiver keeps, per peer, the newest authentic boot. A smaller
 *   boot is refused before any cryptography (OLD_BOOT) and changes
 *   nothing; only an authentic datagram with a larger boot moves it
 *   forward. Ordering, not a list of boots seen: a list is empty after the
 *   receiver restarts and forgets once it wraps, and then one recorded
 *   datagram of an old boot would displace the live boot and make every
 *   live datagram drop (the leader would fence a healthy peer as silent).
 *   With ordering an old boot can never displace a newer one at all.
 * - The receiver's newest boots are durable (boot_moved below, written
 *   only at a peer's restart and before the datagram is acted on), so
 *   after the receiver restarts an old boot's recorded traffic is still
 *   refused. What a receiver restart does forget is the sequence window of
 *   the live boot: a recording of the live boot can then be delivered once
 *   more. Such datagrams are the live peer's own current messages, and the
 *   restarted receiver has a new boot itself, so grants recorded before
 *   are foreign to it (rule 3) and terms have moved on (rule 4).
 * - Per (sender, boot): a 1024-entry sliding window over sequence
 *   numbers (REPLAY, STALE). The receiver id binds each datagram to one
 *   destination, so traffic to one node cannot be replayed to another.
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
	QF_WIRE_OLD_BOOT,	/* a boot older than the sender's newest */
	QF_WIRE_OLD_VERSION,	/* version 1: an unordered random boot_id */
	QF_WIRE_NOT_DURABLE,	/* a newer boot that could not be saved */
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
	uint64_t boot_id;			/* newest authentic boot */
	uint64_t top;				/* highest accepted seq */
	uint64_t window[QF_WIRE_WINDOW / 64];	/* bit (seq % WINDOW) */
	uint64_t restarts;			/* boot moves seen */
};

struct qf_wire;
/*
 * Called when an authentic datagram moves peer's boot forward, after
 * w->peers already holds the new boot and before the datagram is
 * accepted: save every peer's boot durably. Nonzero: the datagram is
 * dropped as NOT_DURABLE and the peer keeps its previous boot.
 */
typedef int (*qf_wire_boot_moved_fn)(void *ctx, const struct qf_wire *w);

struct qf_wire {
	uint8_t mac_key[QF_WIRE_KEY_LEN];
	uint64_t cluster_hash;
	uint32_t self;
	uint64_t boot_id;		/* ours; 0: not durable yet */
	uint64_t seq;			/* last sequence sent */
	qf_wire_boot_moved_fn boot_moved;	/* NULL: memory only */
	void *boot_ctx;
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

/*
 * boot_id 0: none yet; qf_wire_seal refuses until qf_wire_set_boot gives
 * the durable one (bootid.h), so no datagram leaves before it is saved.
 */
int qf_wire_init(struct qf_wire *w, const uint8_t key[QF_WIRE_KEY_LEN],
		 const char *cluster, uint32_t self, uint64_t boot_id);
int qf_wire_set_boot(struct qf_wire *w, uint64_t boot_id);
/*
 * The receiver's durable memory of peer id's newest boot, at start: adds
 * the peer if needed; only ever moves the boot forward. -EINVAL for id 0,
 * ourselves or boot 0; -ENOSPC when the peer table is full.
 */
int qf_wire_remember_boot(struct qf_wire *w, uint32_t id, uint64_t boot);
void qf_wire_fini(struct qf_wire *w);	/* wipes the key */
int qf_wire_add_peer(struct qf_wire *w, uint32_t id);
int qf_wire_remove_peer(struct qf_wire *w, uint32_t id);
const struct qf_wire_peer *qf_wire_peer(const struct qf_wire *w, uint32_t id);

/*
 * Frame payload for node `to` into out (cap bytes) with the next sequence
 * number. Returns the datagram length, or -EMSGSIZE (payload too large),
 * -ENOBUFS (cap too small), -EINVAL (unknown receiver, no boot yet).
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
