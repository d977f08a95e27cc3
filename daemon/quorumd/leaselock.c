// SPDX-License-Identifier: MIT
/*
 * One daemon per kernel lease. Leases are kernel-global (uapi/qfence.h): two
 * quorumd on one kernel configured with the same lease_name would each
 * adopt and renew the one lease, so a node the cluster fenced would keep
 * its IO alive on the other daemon's grants (rule 7 undone without a
 * rejoin). The data_dir lock cannot catch this: the two daemons have their
 * own directories. The first daemon holds an flock on
 * DIR/lease-NAME.lock for its whole life (the kernel drops it when the
 * process dies, however it dies); a second one refuses to start.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "quorumd.h"

int qd_lease_lock(const char *dir, const char *name, char *err,
		  size_t errlen)
{
	char path[512];
	int fd;

	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		return -1;
	}
	/* lease names are [A-Za-z0-9._-] (conf), never a path */
	snprintf(path, sizeof(path), "%s/lease-%s.lock", dir, name);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	/*
	 * A daemon killed just before (kill -9, then start) may still hold
	 * it for a moment while the kernel tears the process down: retry
	 * for about a second before refusing.
	 */
	for (int i = 0; i < 50 && flock(fd, LOCK_EX | LOCK_NB) < 0 &&
	     errno == EWOULDBLOCK; i++)
		usleep(20000);
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		int e = errno;

		close(fd);
		if (e == EWOULDBLOCK)
			snprintf(err, errlen, "lease '%s' is already held by "
				 "another quorumd on this kernel (%s): two "
				 "daemons must never renew one lease; give each "
				 "node its own lease_name", name, path);
		else
			snprintf(err, errlen, "%s: %s", path, strerror(e));
		return -1;
	}
	return fd;
}
