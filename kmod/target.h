/* SPDX-License-Identifier: GPL-2.0 */
/*
 * qfence device-mapper target "qfence": the IO fence.
 */
#ifndef _QFENCE_TARGET_H
#define _QFENCE_TARGET_H

#include <linux/bio.h>
#include <linux/blk_types.h>

#include "lease.h"

/*
 * Does map() move this admitted bio's sector to the device's offset? Every
 * bio with data, and the zone-management bios (reset, open, close, finish)
 * that carry a sector but no length, as dm-linear does; an empty flush has
 * no sector to move.
 */
static inline bool qfence_bio_has_sector(struct bio *bio)
{
	return bio_sectors(bio) || op_is_zone_mgmt(bio_op(bio));
}

/* What end_io must do after qfence_io_complete(). */
enum {
	QFENCE_DONE_KICK = 1U << 0,	/* a latch: qfence_fence_kick_async() */
	QFENCE_DONE_DRAIN = 1U << 1,	/* qfence_drain_check() */
};

/*
 * The completion of a bio that map() admitted under generation @gen, with
 * the status the device gave it. A reservation conflict (BLK_STS_NEXUS:
 * the storage fenced this node, design.md §3) latches the lease first,
 * while the bio still pins the generation (qfence_io_nexus()); then the
 * bio leaves the in-flight count.
 *
 * Return: QFENCE_DONE_* bits.
 */
static inline unsigned int qfence_io_complete(struct qfence_lease *l,
					      struct qfence_io *io, u64 gen,
					      blk_status_t status, u64 now)
{
	unsigned int todo = 0;

	if (unlikely(status == BLK_STS_NEXUS) && qfence_io_nexus(l, gen, now))
		todo |= QFENCE_DONE_KICK;
	if (qfence_io_done(l, io))
		todo |= QFENCE_DONE_DRAIN;
	return todo;
}

int qfence_target_init(void);
void qfence_target_exit(void);

#endif /* _QFENCE_TARGET_H */
