/* SPDX-License-Identifier: MIT */
/*
 * qfence daemon: boot identities that only move forward (design.md rule 11;
 * the reasons are in wire.h).
 *
 * Two small text files in the data directory, each written as NAME.tmp,
 * fsync, rename, fsync of the directory, so a crash leaves the old content
 * or the new one:
 *
 *   boot-id      this node's boot of its latest start: one decimal number.
 *   peer-boots   the newest authentic boot of each peer, one
 *                "<node id> <boot>" line each; '#' lines are comments.
 *
 * A file that is there but does not parse is refused with file:line: it is
 * never silently replaced (a missing one is normal: a first start).
 */
#ifndef QF_INFRA_BOOTID_H
#define QF_INFRA_BOOTID_H

#include <stddef.h>
#include <stdint.h>

#include "wire.h"

#define QF_BOOT_FILE		"boot-id"
#define QF_PEER_BOOTS_FILE	"peer-boots"

/* Microseconds since the epoch (CLOCK_REALTIME): the fallback when the
 * boot-id file is lost. */
uint64_t qf_boot_clock_us(void);

/*
 * This start's boot: max(stored + 1, now_us), durable in dir/boot-id
 * before it returns 0 (call it before the first datagram is sent).
 * Negative errno with a sentence in err otherwise; *boot unchanged.
 */
int qf_boot_next(const char *dir, uint64_t now_us, uint64_t *boot,
		 char *err, size_t errlen);

/* Read dir/peer-boots into w (qf_wire_remember_boot for each line). */
int qf_boot_peers_load(const char *dir, struct qf_wire *w, char *err,
		       size_t errlen);

/* Write every known peer boot of w to dir/peer-boots, durably. */
int qf_boot_peers_save(const char *dir, const struct qf_wire *w, char *err,
		       size_t errlen);

#endif /* QF_INFRA_BOOTID_H */
