/* SPDX-License-Identifier: MIT */
/*
 * The storage fence in quorumd (design.md rule 13, §2.9).
 *
 *   prjob.c   the jobs, over an ops table (unit-tested with a fake
 *             backend): probe, register, read back, preempt
 *   prdev.c   the real backend: <linux/pr.h> ioctls on the SCSI path
 *             device, PERSISTENT RESERVE IN through libsgutils2
 *   prwork.c  one worker thread (PR commands block for seconds on a dead
 *             path), its hand-over to the event loop by an eventfd, and
 *             the decisions: when to register, when to preempt, when to
 *             propose PREEMPTED
 *
 * Every command goes to the path devices of [node] pr_device, never
 * through device-mapper: dm turns PREEMPT AND ABORT into a plain PREEMPT.
 */
#ifndef QD_PRFENCE_H
#define QD_PRFENCE_H

#include <stdbool.h>
#include <stdint.h>

#include "conf.h"
#include "prin.h"

#define QD_PR_WHY 160

/* One device's backend. Each returns 0 or -1 with a sentence in why. */
struct qd_pr_ops {
	int (*open)(void *ctx, const char *path, char *why);
	void (*close)(void *ctx, int fd);
	/* PERSISTENT RESERVE IN service action sa (0 keys, 1 reservation,
	 * 2 capabilities) into buf (len bytes asked; all bytes are given to
	 * the decoder, zeroed beforehand) */
	int (*in)(void *ctx, int fd, int sa, uint8_t *buf, size_t len,
		  char *why);
	/* REGISTER AND IGNORE EXISTING KEY: this nexus's key becomes key */
	int (*reg)(void *ctx, int fd, uint64_t key, char *why);
	/* RESERVE, Write Exclusive - All Registrants */
	int (*reserve)(void *ctx, int fd, uint64_t key, char *why);
	/* PREEMPT AND ABORT victim's registrations, type WEAR */
	int (*preempt_abort)(void *ctx, int fd, uint64_t mine, uint64_t victim,
			     char *why);
};
extern const struct qd_pr_ops qd_pr_dev_ops;	/* prdev.c */

/* What one device showed, for status (quorumctl) and the logs. */
struct qd_pr_view {
	bool ok;			/* keys and reservation read */
	struct qf_pr_keys keys;
	struct qf_pr_resv resv;
	char why[QD_PR_WHY];		/* the error when !ok */
};

/* ---- prjob.c ---- */
/* Answers PR IN and offers Write Exclusive - All Registrants? */
int qd_pr_probe(const struct qd_pr_ops *o, void *ctx, const char *path,
		char *why);
/* Read keys and reservation of one device. */
int qd_pr_read(const struct qd_pr_ops *o, void *ctx, const char *path,
	       struct qd_pr_view *v);
/* Register key on every device (replacing this node's previous key),
 * reserve WEAR where nobody holds a reservation, read back the key.
 * Returns the number of devices done; why names the first failure. */
unsigned int qd_pr_register_all(const struct qd_pr_ops *o, void *ctx,
				const char (*paths)[QF_CONF_PATH_LEN],
				unsigned int n, uint64_t key, char *why);
/* Is key registered on every device? 1 yes, 0 no (on one at least),
 * -1 a device could not be read (why). */
int qd_pr_present_all(const struct qd_pr_ops *o, void *ctx,
		      const char (*paths)[QF_CONF_PATH_LEN], unsigned int n,
		      uint64_t key, char *why);
/* PREEMPT AND ABORT victim with mine on every device where victim is
 * registered, then read back: returns the devices where victim is gone
 * (n = all: the fence holds, rule 13); why names the first failure. */
unsigned int qd_pr_fence_all(const struct qd_pr_ops *o, void *ctx,
			     const char (*paths)[QF_CONF_PATH_LEN],
			     unsigned int n, uint64_t mine, uint64_t victim,
			     char *why);

#endif /* QD_PRFENCE_H */
