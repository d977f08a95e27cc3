// SPDX-License-Identifier: MIT
/*
 * Tests of rejoinprobe.c (design.md §2.11) on fake /proc and /sys trees:
 * the boot id digest (two boots differ, one boot is stable, a malformed
 * file is refused) and the when-idle verdict (each failing condition named;
 * an unreadable mount table is not idle).
 */
#include <stdio.h>
#include <sys/stat.h>

#include "../rejoinprobe.h"
#include "unit.h"

static void mkdirs(const char *rel)
{
	char path[512], *p;

	snprintf(path, sizeof(path), "%s/%s", ut_dir, rel);
	for (p = path + strlen(ut_dir) + 1; *p; p++)
		if (*p == '/') {
			*p = '\0';
			mkdir(path, 0700);
			*p = '/';
		}
	mkdir(path, 0700);
}

static int put(const char *rel, const char *text)
{
	return ut_write_file(ut_path(rel), text, strlen(text));
}

static void kboot_digest_and_read(void)
{
	uint32_t a = 0, b = 0;
	char why[256];

	mkdirs("proc/sys/kernel/random");
	UT_ASSERT(put("proc/sys/kernel/random/boot_id",
		      "0f3c2a8e-6a5b-4c1d-9e2f-0123456789ab\n") == 0);
	UT_ASSERTF(qf_kboot_read(ut_dir, &a, why, sizeof(why)) == 0, "%s", why);
	UT_ASSERT(a != 0);
	UT_EQ(a, qf_kboot_digest("0f3c2a8e-6a5b-4c1d-9e2f-0123456789ab"));
	UT_ASSERT(put("proc/sys/kernel/random/boot_id",
		      "0f3c2a8e-6a5b-4c1d-9e2f-0123456789ac\n") == 0);
	UT_ASSERT(qf_kboot_read(ut_dir, &b, why, sizeof(why)) == 0);
	UT_ASSERT(b != a);	/* another boot, another digest */
	UT_ASSERT(put("proc/sys/kernel/random/boot_id", "not-a-boot-id\n") == 0);
	b = 7;
	UT_ASSERT(qf_kboot_read(ut_dir, &b, why, sizeof(why)) == -1);
	UT_CONTAINS(why, "does not hold a boot id");
	UT_EQ(b, 7);		/* untouched */
	UT_ASSERT(qf_kboot_read("/nonexistent", &b, why, sizeof(why)) == -1);
	UT_CONTAINS(why, "cannot read");
}

static const char mounts[] =
	"22 1 0:21 / /proc rw,nosuid - proc proc rw\n"
	"30 1 8:1 / / rw,relatime - ext4 /dev/sda1 rw\n";

static void idle_verdict(void)
{
	struct qf_fence_dev d[2] = {
		{ .name = "shared", .major = 253, .minor = 0 },
		{ .name = "logs", .major = 253, .minor = 1 },
	};
	char why[256] = "";
	char line[256];

	mkdirs("proc/self");
	UT_ASSERT(qf_idle_verdict(ut_dir, d, 2, why, sizeof(why)) == -1);
	UT_CONTAINS(why, "cannot read");	/* idle must be shown */
	UT_ASSERT(put("proc/self/mountinfo", mounts) == 0);
	UT_ASSERTF(qf_idle_verdict(ut_dir, d, 2, why, sizeof(why)) == 0, "%s",
		   why);

	d[1].open_count = 2;
	UT_ASSERT(qf_idle_verdict(ut_dir, d, 2, why, sizeof(why)) == -1);
	UT_CONTAINS(why, "device logs is open (2 openers)");
	d[1].open_count = 0;

	snprintf(line, sizeof(line), "%s40 30 253:1 / /srv rw - xfs "
		 "/dev/mapper/logs rw\n", mounts);
	UT_ASSERT(put("proc/self/mountinfo", line) == 0);
	UT_ASSERT(qf_idle_verdict(ut_dir, d, 2, why, sizeof(why)) == -1);
	UT_CONTAINS(why, "device logs is mounted on /srv");
	UT_ASSERT(put("proc/self/mountinfo", mounts) == 0);

	mkdirs("sys/dev/block/253:0/holders/dm-7");
	UT_ASSERT(qf_idle_verdict(ut_dir, d, 2, why, sizeof(why)) == -1);
	UT_CONTAINS(why, "device shared is held by dm-7");
}

const struct ut_case rejoinprobe_cases[] = {
	{ "rejoin_kboot_digest_and_read", kboot_digest_and_read },
	{ "rejoin_idle_verdict", idle_verdict },
	{ NULL, NULL },
};
