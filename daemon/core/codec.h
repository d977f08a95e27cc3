/* SPDX-License-Identifier: MIT */
/*
 * Wire encoding of struct qf_msg for the daemon's transport: big-endian,
 * fixed field order, versioned, and strictly checked on decode (a datagram
 * that does not decode to a well-formed message changes nothing). The
 * transport adds authentication and replay protection around it.
 *
 * Layout (all integers big-endian):
 *   u8 magic 'Q', u8 magic 'F', u8 version (3), u8 type, u8 flags,
 *   u8 n_entries, u16 zero, u32 from, u32 to, u32 timing (the cluster's
 *   timing digest as the sender knows it, design.md rule 9; version 2),
 *   u32 timing_own (the sender's own timing during a timing change,
 *   design.md §2.10; zero otherwise),
 *   u64 term, index, log_term, commit, round, boot_id, a, gen, r,
 *   then for APPEND n_entries entries, for SNAPSHOT the state:
 *   entry:  u64 term, u64 index, u8 type, u8 role, u8 reason, u8 n_addrs,
 *           u32 node, u64 gen, QF_MAX_ADDRS addresses,
 *           u8 auto_joins, 3 zero bytes, u32 boot, u32 window_s (version 3)
 *   member: u32 id, u8 role, u8 flags, u8 fence_reason, u8 n_addrs,
 *           u64 gen, u64 fenced_gen, QF_MAX_ADDRS addresses,
 *           u8 join_reason, u8 auto_joins, u32 join_boot, u32 window_s
 *           (version 3)
 *   state:  QF_MAX_MEMBERS members, u64 max_gen, u32 timing,
 *           u32 timing_next (a timing change in progress, design.md
 *           §2.10; zero otherwise),
 *           u32 heartbeat_ms, election_min_ms, election_max_ms, margin_ms,
 *           lease_ms, settle_ms, rho_ppm, wait_ms (the recorded values),
 *           then only when timing_next is not zero its eight values,
 *           then u32 fenced[1..4] (committed NODE_FENCED by reason) and
 *           u32 preempted (committed PREEMPTED), version 3
 *   TIMING_BEGIN entries carry the new timing's eight u32 values and six
 *   zero bytes where other entries have their addresses; member flags may
 *   include QF_MF_TIMING_APPLIED.
 *
 * Version 1 lacked both timing fields; its datagrams are refused (a node
 * that cannot show its timing is not acted upon, rule 9). Version 2 lacked
 * the rejoin fields of design.md §2.11 (why a generation was issued, the
 * flapping guard's count); it is refused too: a node that would drop them
 * from its state would disagree with the others about the guard. A
 * cluster moves from 2 to 3 by stopping every daemon (the disk records
 * are migrated, daemon/quorumd/codec.c).
 *   address: u8 family (0, 4, 6), u16 port, 16 bytes ip (version 3: the
 *   zero byte of version 2 is gone, so that a whole state, with the rejoin
 *   fields and a timing change in progress, still fits one datagram)
 */
#ifndef QF_CORE_CODEC_H
#define QF_CORE_CODEC_H

#include "msg.h"

#define QF_WIRE_VERSION	3
#define QF_WIRE_HDR	(8 + 8 + 8 + 9 * 8)
#define QF_WIRE_ADDR	19
#define QF_WIRE_ENTRY	(8 + 8 + 4 + 4 + 8 + QF_MAX_ADDRS * QF_WIRE_ADDR + 12)
#define QF_WIRE_MEMBER	(4 + 4 + 8 + 8 + QF_MAX_ADDRS * QF_WIRE_ADDR + 10)
#define QF_WIRE_FENCE_COUNTS	((QF_FENCE_REASONS - 1) * 4 + 4)
#define QF_WIRE_STATE	(QF_MAX_MEMBERS * QF_WIRE_MEMBER + 8 + 8 + 32 + \
			 QF_WIRE_FENCE_COUNTS)
#define QF_WIRE_STATE_NEXT	32	/* timing_next's values, during a change */
#define QF_WIRE_MAX	(QF_WIRE_HDR + QF_WIRE_STATE + QF_WIRE_STATE_NEXT)

/* Encoded length, or 0 if buf is too small or m is malformed. */
size_t qf_msg_encode(const struct qf_msg *m, uint8_t *buf, size_t len);
/* 0, or -1 if buf is not exactly one well-formed message (m untouched). */
int qf_msg_decode(struct qf_msg *m, const uint8_t *buf, size_t len);

#endif /* QF_CORE_CODEC_H */
