/* SPDX-License-Identifier: MIT */
#ifndef QD_FIXTURE_H
#define QD_FIXTURE_H

#include "quorumd.h"

/*
 * Fill *d (zeroed by the caller, its test hooks set) as a start of node ID
 * of the three-node cluster "c" does: the configuration (data_dir DIR, and
 * EXTRA appended to the [node] section), the core's, the bootstrap
 * snapshot, the core with random seed SEED. 0, or -1 with the reason on
 * stderr.
 */
int t_qd_boot(struct qd *d, uint32_t id, const char *dir, const char *extra,
	      uint64_t seed);

#endif
