// SPDX-License-Identifier: MIT
/*
 * The real PR backend (prfence.h): PERSISTENT RESERVE OUT through the
 * block layer's <linux/pr.h> ioctls on the SCSI path device, PERSISTENT
 * RESERVE IN through SG_IO by libsgutils2 (6.1 has no ioctl to read keys).
 * Never on a device-mapper device: dm sends PREEMPT AND ABORT as a plain
 * PREEMPT (design.md §2.9), so open refuses anything but a SCSI disk.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include <stdbool.h>
#include <stdint.h>
#include <linux/pr.h>
#include <scsi/sg_lib.h>
#include <scsi/sg_cmds_extra.h>

#include "prfence.h"

#define SCSI_DISK0_MAJOR 8	/* sd: 8, 65..71, 128..135 */

static bool scsi_disk_major(unsigned int m)
{
	return m == SCSI_DISK0_MAJOR || (m >= 65 && m <= 71) ||
	       (m >= 128 && m <= 135);
}

static int dev_open(void *ctx, const char *path, char *why)
{
	struct stat st;
	int fd;

	(void)ctx;
	fd = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		snprintf(why, QD_PR_WHY, "cannot open: %s", strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) || !S_ISBLK(st.st_mode) ||
	    !scsi_disk_major(major(st.st_rdev))) {
		snprintf(why, QD_PR_WHY, "not a SCSI disk (sd) block device; "
			 "name the path device, not device-mapper");
		close(fd);
		return -1;
	}
	return fd;
}

static void dev_close(void *ctx, int fd)
{
	(void)ctx;
	close(fd);
}

static int dev_in(void *ctx, int fd, int sa, uint8_t *buf, size_t len,
		  char *why)
{
	char s[80];
	int rc;

	(void)ctx;
	rc = sg_ll_persistent_reserve_in(fd, sa, buf, (int)len, false, 0);
	if (!rc)
		return 0;
	sg_get_category_sense_str(rc, sizeof(s), s, 0);
	snprintf(why, QD_PR_WHY, "PERSISTENT RESERVE IN (%s): %s",
		 sa == 0 ? "READ KEYS" : sa == 1 ? "READ RESERVATION" :
		 "REPORT CAPABILITIES", s);
	return -1;
}

/* A positive ioctl return is the SCSI status (0x18 RESERVATION CONFLICT). */
static int pr_result(int rc, const char *what, char *why)
{
	if (rc == 0)
		return 0;
	if (rc < 0)
		snprintf(why, QD_PR_WHY, "%s: %s", what, strerror(errno));
	else
		snprintf(why, QD_PR_WHY, "%s: SCSI status 0x%02x%s", what, rc,
			 rc == 0x18 ? " (reservation conflict)" : "");
	return -1;
}

static int dev_reg(void *ctx, int fd, uint64_t key, char *why)
{
	struct pr_registration r = { .old_key = 0, .new_key = key,
				     .flags = PR_FL_IGNORE_KEY };

	(void)ctx;
	return pr_result(ioctl(fd, IOC_PR_REGISTER, &r),
			 "REGISTER AND IGNORE EXISTING KEY", why);
}

static int dev_reserve(void *ctx, int fd, uint64_t key, char *why)
{
	struct pr_reservation r = { .key = key,
				    .type = PR_WRITE_EXCLUSIVE_ALL_REGS };

	(void)ctx;
	return pr_result(ioctl(fd, IOC_PR_RESERVE, &r), "RESERVE", why);
}

static int dev_preempt_abort(void *ctx, int fd, uint64_t mine,
			     uint64_t victim, char *why)
{
	struct pr_preempt p = { .old_key = mine, .new_key = victim,
				.type = PR_WRITE_EXCLUSIVE_ALL_REGS };

	(void)ctx;
	return pr_result(ioctl(fd, IOC_PR_PREEMPT_ABORT, &p),
			 "PREEMPT AND ABORT", why);
}

const struct qd_pr_ops qd_pr_dev_ops = {
	.open = dev_open, .close = dev_close, .in = dev_in, .reg = dev_reg,
	.reserve = dev_reserve, .preempt_abort = dev_preempt_abort,
};
