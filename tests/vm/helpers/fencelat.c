// SPDX-License-Identifier: GPL-2.0
/*
 * fencelat: how long after a lease's deadline the first bio is refused.
 *
 *   fencelat DEVICE LEASE REPS LEASE_MS
 *
 * DEVICE is a qfence target over a RAM disk, LEASE its lease (IO action
 * only). Each repetition: unfence with the next generation if fenced,
 * renew to deadline = now + LEASE_MS, then issue 4 KiB O_DIRECT reads in a
 * tight loop, each bracketed by clock_gettime(CLOCK_BOOTTIME), until one
 * fails. The sample is (end of the first failed read) - deadline: an upper
 * bound of the deadline-to-refusal latency.
 *
 * It also checks rule 6 on every read: a read that started at or after the
 * deadline must not succeed ("late" count), and none may fail before the
 * deadline ("early" count). Prints one JSON object; exit 1 if late or early
 * is non-zero or a step failed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "qnl.h"

#define BLK 4096
#define MAXREPS 1000

static int cmp(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

static int64_t pct(const int64_t *v, int n, int p)
{
	int i = (n * p + 99) / 100 - 1;

	return v[i < 0 ? 0 : i];
}

/* One repetition; returns the latency in ns, or -1. */
static int64_t one(struct qnl *q, int fd, void *buf, const char *lease,
		   int lease_ms, long *late, long *early, long *reads)
{
	struct qlease l;
	uint64_t deadline, ts, te;
	int ret;

	ret = qnl_get(q, lease, &l);
	if (!ret && l.state == QFENCE_STATE_FENCED) {
		l.generation++;
		ret = qnl_unfence(q, lease, l.generation);
	}
	deadline = qnl_now() + (uint64_t)lease_ms * 1000000ULL;
	if (!ret)
		ret = qnl_renew(q, lease, deadline, l.generation);
	if (ret) {
		fprintf(stderr, "fencelat: %s: %s %s\n", lease,
			strerrorname_np(-ret), q->extack);
		return -1;
	}
	for (;;) {
		ssize_t n;

		ts = qnl_now();
		n = pread(fd, buf, BLK, 0);
		te = qnl_now();
		++*reads;
		if (n == BLK) {
			if (ts >= deadline)
				++*late;
			continue;
		}
		if (errno != EIO) {
			fprintf(stderr, "fencelat: read: %s\n", strerror(errno));
			return -1;
		}
		if (te < deadline)
			++*early;
		return (int64_t)(te - deadline);
	}
}

static int watch(const char *dev, uint64_t deadline)
{
	long late = 0, early = 0, reads = 0;
	uint64_t ts, te;
	void *buf;
	int fd;

	fd = open(dev, O_RDONLY | O_DIRECT);
	if (fd < 0 || posix_memalign(&buf, BLK, BLK)) {
		perror("fencelat");
		return 2;
	}
	for (;;) {
		ts = qnl_now();
		if (pread(fd, buf, BLK, 0) == BLK) {
			te = qnl_now();
			reads++;
			late += ts >= deadline;
			continue;
		}
		te = qnl_now();
		reads++;
		if (errno != EIO) {
			perror("fencelat: read");
			return 2;
		}
		early += te < deadline;
		break;
	}
	printf("{\"reads\": %ld, \"late_successes\": %ld, \"early_failures\": %ld, "
	       "\"fail_ns\": %llu, \"latency_us\": %.1f}\n", reads, late, early,
	       (unsigned long long)te, ((int64_t)(te - deadline)) / 1e3);
	return late || early ? 1 : 0;
}

int main(int argc, char **argv)
{
	static int64_t lat[MAXREPS];
	long late = 0, early = 0, reads = 0;
	int reps, lease_ms, fd, i;
	struct qnl q;
	void *buf;

	if (argc == 4 && !strcmp(argv[1], "-w"))
		return watch(argv[2], strtoull(argv[3], NULL, 10));
	if (argc != 5) {
		fprintf(stderr, "usage: fencelat DEVICE LEASE REPS LEASE_MS | -w DEVICE DEADLINE_NS\n");
		return 2;
	}
	reps = atoi(argv[3]);
	lease_ms = atoi(argv[4]);
	if (reps < 1 || reps > MAXREPS || lease_ms < 1)
		return 2;
	fd = open(argv[1], O_RDONLY | O_DIRECT);
	if (fd < 0 || posix_memalign(&buf, BLK, BLK) || qnl_open(&q)) {
		perror("fencelat");
		return 1;
	}
	for (i = 0; i < reps; i++) {
		lat[i] = one(&q, fd, buf, argv[2], lease_ms, &late, &early, &reads);
		if (lat[i] < 0 && !early)
			return 1;
	}
	qsort(lat, reps, sizeof(lat[0]), cmp);
	printf("{\"samples\": %d, \"p50\": %.1f, \"p99\": %.1f, \"max\": %.1f, "
	       "\"reads\": %ld, \"late_successes\": %ld, \"early_failures\": %ld, "
	       "\"distribution\": [", reps, pct(lat, reps, 50) / 1e3,
	       pct(lat, reps, 99) / 1e3, lat[reps - 1] / 1e3, reads, late, early);
	for (i = 0; i < reps; i++)
		printf("%s%.1f", i ? ", " : "", lat[i] / 1e3);
	printf("]}\n");
	return late || early ? 1 : 0;
}
