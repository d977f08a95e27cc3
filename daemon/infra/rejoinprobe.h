/* SPDX-License-Identifier: MIT */
/*
 * qfence daemon: the node-side evidence of design.md §2.11's rejoin
 * policies, read from /proc and /sys under a root directory (""
 * for the real one; tests pass a fake tree).
 *
 *   after-reboot  the kernel's boot id (proc/sys/kernel/random/boot_id) as
 *                 a 32-bit digest, never 0; only equality is ever tested,
 *                 and a collision refuses a rejoin (availability, never
 *                 safety).
 *   when-idle     no fence device open (its dm open count), none mounted
 *                 (proc/self/mountinfo), none used by another block device
 *                 stacked on it (sys/dev/block/MAJ:MIN/holders).
 */
#ifndef QF_INFRA_REJOINPROBE_H
#define QF_INFRA_REJOINPROBE_H

#include <stddef.h>
#include <stdint.h>

/* FNV-1a of the 36 characters of a boot id; 0 maps to 1. */
uint32_t qf_kboot_digest(const char *uuid);

/* 0 and the digest of root's boot id, or -1 and why (missing, not a
 * boot id). */
int qf_kboot_read(const char *root, uint32_t *out, char *why, size_t len);

struct qf_fence_dev {
	char name[128];			/* /dev/mapper/NAME */
	unsigned int major, minor;
	int open_count;			/* from the dm device status */
};

/*
 * design.md §2.11 when-idle: 0 if no device is open, mounted or held by
 * another block device; otherwise -1 and why names the first device and
 * condition that failed ("device shared is open (2 openers)", "... is
 * mounted on /srv", "... is held by dm-7"). An unreadable mount table
 * fails too: idle must be shown, not assumed.
 */
int qf_idle_verdict(const char *root, const struct qf_fence_dev *d, size_t n,
		    char *why, size_t len);

#endif /* QF_INFRA_REJOINPROBE_H */
