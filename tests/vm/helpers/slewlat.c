// SPDX-License-Identifier: GPL-2.0
/*
 * slewlat: a lease lasts what it was given in real time, whatever rate
 * adjtimex gives CLOCK_BOOTTIME (kmod/clock.h: the lease runs on the raw
 * clocksource).
 *
 *   slewlat DEVICE LEASE REPS LEASE_MS TICK_PCT
 *
 * DEVICE is a qfence target over a RAM disk, LEASE its lease (IO action
 * only). The kernel's tick is set to TICK_PCT percent of its value
 * (ADJ_TICK: 90 runs CLOCK_BOOTTIME 10 % slow, as a slew that chrony can
 * apply), and put back before the program ends. Each repetition renews
 * to CLOCK_BOOTTIME now + LEASE_MS, then reads 4 KiB O_DIRECT in a loop,
 * each read bracketed by CLOCK_MONOTONIC_RAW (the real time here), until
 * one fails. Counted against the raw clock:
 *   late   a read that started LEASE_MS after the renew returned and
 *          succeeded: the lease outlived its real length (a slow clock
 *          stretched it past W's margin);
 *   early  a read that failed before LEASE_MS after the renew started.
 * The ratio of CLOCK_BOOTTIME to raw time over the run shows that the
 * tick took effect; a ratio within 2 % of 1 fails the run (it proves
 * nothing). Prints one JSON object; exit 1 on late, early, or no slew.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/timex.h>
#include <time.h>
#include <unistd.h>
#include "qnl.h"

#define BLK 4096

static uint64_t raw_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_RAW, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static int set_tick(long tick)
{
	struct timex tx = { .modes = ADJ_TICK, .tick = tick };

	if (adjtimex(&tx) < 0) {
		perror("slewlat: adjtimex");
		return -1;
	}
	return 0;
}

struct counts {
	long late, early, reads;
	int64_t worst;		/* fail time - (renew + lease), raw ns */
};

/* One repetition; 0 or -1. */
static int one(struct qnl *q, int fd, void *buf, const char *lease,
	       uint64_t lease_ns, struct counts *c)
{
	struct qlease l;
	uint64_t r0, r1, ts, te;
	int ret;

	ret = qnl_get(q, lease, &l);
	if (!ret && l.state == QFENCE_STATE_FENCED) {
		l.generation++;
		ret = qnl_unfence(q, lease, l.generation);
	}
	r0 = raw_now();
	if (!ret)
		ret = qnl_renew(q, lease, qnl_now() + lease_ns, l.generation);
	r1 = raw_now();
	if (ret) {
		fprintf(stderr, "slewlat: %s: %s %s\n", lease,
			strerrorname_np(-ret), q->extack);
		return -1;
	}
	for (;;) {
		ts = raw_now();
		ssize_t n = pread(fd, buf, BLK, 0);

		te = raw_now();
		c->reads++;
		if (n == BLK) {
			c->late += ts >= r1 + lease_ns;
			continue;
		}
		if (errno != EIO) {
			perror("slewlat: read");
			return -1;
		}
		c->early += te < r0 + lease_ns;
		if ((int64_t)(te - (r1 + lease_ns)) > c->worst)
			c->worst = (int64_t)(te - (r1 + lease_ns));
		return 0;
	}
}

int main(int argc, char **argv)
{
	struct counts c = { .worst = INT64_MIN };
	struct timex tx = { .modes = 0 };
	uint64_t b0, r0, lease_ns;
	int reps, pct, fd, i, ret = 0;
	double ratio;
	struct qnl q;
	void *buf;

	if (argc != 6) {
		fprintf(stderr, "usage: slewlat DEVICE LEASE REPS LEASE_MS TICK_PCT\n");
		return 2;
	}
	reps = atoi(argv[3]);
	lease_ns = strtoull(argv[4], NULL, 10) * 1000000ULL;
	pct = atoi(argv[5]);
	if (reps < 1 || reps > 1000 || !lease_ns || pct < 90 || pct > 110)
		return 2;
	fd = open(argv[1], O_RDONLY | O_DIRECT);
	if (fd < 0 || posix_memalign(&buf, BLK, BLK) || qnl_open(&q) ||
	    adjtimex(&tx) < 0) {
		perror("slewlat");
		return 1;
	}
	if (set_tick(tx.tick * pct / 100))
		return 1;
	b0 = qnl_now();
	r0 = raw_now();
	for (i = 0; i < reps && !ret; i++)
		ret = one(&q, fd, buf, argv[2], lease_ns, &c);
	ratio = (double)(qnl_now() - b0) / (double)(raw_now() - r0);
	if (set_tick(tx.tick))
		return 1;
	if (ret)
		return 1;
	printf("{\"tick_pct\": %d, \"boottime_per_raw\": %.4f, \"reads\": %ld, "
	       "\"late_successes\": %ld, \"early_failures\": %ld, "
	       "\"worst_fail_after_raw_deadline_us\": %.1f}\n", pct, ratio,
	       c.reads, c.late, c.early, c.worst / 1e3);
	if (ratio > 0.98 && ratio < 1.02) {
		fprintf(stderr, "slewlat: the tick did not change CLOCK_BOOTTIME's rate\n");
		return 1;
	}
	return c.late || c.early ? 1 : 0;
}
