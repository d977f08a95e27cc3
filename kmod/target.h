/* SPDX-License-Identifier: GPL-2.0 */
/*
 * qfence device-mapper target "qfence": the IO fence.
 */
#ifndef _QFENCE_TARGET_H
#define _QFENCE_TARGET_H

#include <linux/bio.h>
#include <linux/blk_types.h>

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

int qfence_target_init(void);
void qfence_target_exit(void);

#endif /* _QFENCE_TARGET_H */
