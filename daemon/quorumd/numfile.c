// SPDX-License-Identifier: MIT
/*
 * Small durable numbers in the data directory, next to the store: the
 * generation this node last armed its lease with (kernel.c) and the index
 * of the newest NODE_FENCED whose on_fenced hook was started (loop.c).
 * Both are read at start, when the committed state replayed from the
 * snapshot may lag them. Written as NAME.tmp, fsync, rename: a crash
 * leaves the old value or the new one, never a torn file.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "quorumd.h"

int qd_num_save(const struct qd *d, const char *name, uint64_t v)
{
	char path[QF_CONF_PATH_LEN + 64], tmp[QF_CONF_PATH_LEN + 72];
	char line[32];
	int fd, n, rc = 0;
	qf_ns t0 = qd_now();

	snprintf(path, sizeof(path), "%s/%s", d->conf.data_dir, name);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	n = snprintf(line, sizeof(line), "%" PRIu64 "\n", v);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, line, (size_t)n) != n || fsync(fd) ||
	    rename(tmp, path))
		rc = -1;
	if (fd >= 0)
		close(fd);
	if (rc)
		LOG(WARN, "%s: not saved: %s", path, strerror(errno));
	qd_disk_took(d, name, t0);
	return rc;
}

uint64_t qd_num_load(const struct qd *d, const char *name)
{
	char path[QF_CONF_PATH_LEN + 64];
	uint64_t v = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", d->conf.data_dir, name);
	f = fopen(path, "re");
	if (!f)
		return 0;
	if (fscanf(f, "%" SCNu64, &v) != 1)
		v = 0;
	fclose(f);
	return v;
}
