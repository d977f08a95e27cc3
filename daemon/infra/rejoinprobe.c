// SPDX-License-Identifier: MIT
/* The node-side evidence of design.md §2.11's rejoin policies (see
 * rejoinprobe.h). */
#include <ctype.h>
#include <dirent.h>
#include <stdio.h>
#include <string.h>

#include "rejoinprobe.h"

#define BOOT_ID_LEN 36	/* 8-4-4-4-12 hex digits */

uint32_t qf_kboot_digest(const char *uuid)
{
	uint32_t h = 2166136261u;

	for (int i = 0; i < BOOT_ID_LEN && uuid[i]; i++) {
		h ^= (uint8_t)uuid[i];
		h *= 16777619u;
	}
	return h ? h : 1;
}

static int is_boot_id(const char *s)
{
	for (int i = 0; i < BOOT_ID_LEN; i++) {
		int dash = i == 8 || i == 13 || i == 18 || i == 23;

		if (dash ? s[i] != '-' : !isxdigit((unsigned char)s[i]))
			return 0;
	}
	return s[BOOT_ID_LEN] == '\n' || s[BOOT_ID_LEN] == '\0';
}

int qf_kboot_read(const char *root, uint32_t *out, char *why, size_t len)
{
	char path[512], buf[64] = "";
	FILE *f;

	snprintf(path, sizeof(path), "%s/proc/sys/kernel/random/boot_id",
		 root);
	f = fopen(path, "r");
	if (!f) {
		snprintf(why, len, "cannot read %s", path);
		return -1;
	}
	if (!fgets(buf, sizeof(buf), f) || !is_boot_id(buf)) {
		fclose(f);
		snprintf(why, len, "%s does not hold a boot id", path);
		return -1;
	}
	fclose(f);
	*out = qf_kboot_digest(buf);
	return 0;
}

/* Field 3 of a mountinfo line is MAJ:MIN, field 5 the mount point. */
static int mounted_on(FILE *f, const struct qf_fence_dev *d, char *where,
		      size_t len)
{
	char line[4096], mp[1024];
	unsigned int maj, min;

	rewind(f);
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%*s %*s %u:%u %*s %1023s", &maj, &min, mp) != 3)
			continue;
		if (maj == d->major && min == d->minor) {
			snprintf(where, len, "%s", mp);
			return 1;
		}
	}
	return 0;
}

/* The first holder of d (a dm or md device stacked on it), if any. */
static int held_by(const char *root, const struct qf_fence_dev *d,
		   char *who, size_t len)
{
	char path[512];
	struct dirent *e;
	DIR *dir;
	int held = 0;

	snprintf(path, sizeof(path), "%s/sys/dev/block/%u:%u/holders", root,
		 d->major, d->minor);
	dir = opendir(path);
	if (!dir)
		return 0;	/* no holders directory: nothing stacked */
	while (!held && (e = readdir(dir)))
		if (e->d_name[0] != '.') {
			snprintf(who, len, "%s", e->d_name);
			held = 1;
		}
	closedir(dir);
	return held;
}

static int one_busy(const char *root, FILE *mi, const struct qf_fence_dev *d,
		    char *why, size_t len)
{
	char what[1024];

	if (d->open_count > 0) {
		snprintf(why, len, "device %s is open (%d opener%s)", d->name,
			 d->open_count, d->open_count == 1 ? "" : "s");
		return 1;
	}
	if (mounted_on(mi, d, what, sizeof(what))) {
		snprintf(why, len, "device %s is mounted on %s", d->name, what);
		return 1;
	}
	if (held_by(root, d, what, sizeof(what))) {
		snprintf(why, len, "device %s is held by %s", d->name, what);
		return 1;
	}
	return 0;
}

int qf_idle_verdict(const char *root, const struct qf_fence_dev *d, size_t n,
		    char *why, size_t len)
{
	char path[512];
	FILE *mi;
	int busy = 0;

	snprintf(path, sizeof(path), "%s/proc/self/mountinfo", root);
	mi = fopen(path, "r");
	if (!mi) {
		snprintf(why, len, "cannot read %s: idle not shown", path);
		return -1;
	}
	for (size_t i = 0; i < n && !busy; i++)
		busy = one_busy(root, mi, &d[i], why, len);
	fclose(mi);
	return busy ? -1 : 0;
}
