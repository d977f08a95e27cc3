// SPDX-License-Identifier: MIT
/*
 * runtime.c: the loop must never be asked to wake at a moment that has
 * already been handled. A due time at or before `now' after the tick ran
 * means epoll_wait returns at once, forever: a SCHED_RR busy loop that
 * starves the node's other daemons and lapses their leases.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/watchdog.h>

#include "uapi/qfence.h"
#include "quorumd.h"
#include "test.h"

static const int states[] = {
	QFENCE_STATE_DISARMED, QFENCE_STATE_ARMED, QFENCE_STATE_FENCED,
};

static void no_past_wakeup(void)
{
	struct qd *d = calloc(1, sizeof(*d));
	const qf_ns now = 50000 * QF_MS;
	const qf_ns offs[] = { 0, 1, 99 * QF_MS, 100 * QF_MS, 10000 * QF_MS };
	bool bad = false;

	CHECK(d);
	d->wdt_fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (d->wdt_fd < 0) {
		free(d);
		CHECK(!"open /dev/null");
	}
	for (size_t s = 0; s < sizeof(states) / sizeof(states[0]); s++)
		for (size_t a = 0; a < 5; a++)
			for (size_t b = 0; b < 5; b++) {
				qf_ns t;

				d->k.state = states[s];
				d->k.deadline = now - 5000 * QF_MS + 2 * offs[a];
				d->wdt_last = now - offs[b];
				runtime_on_tick(d, now);
				t = runtime_next(d, now);
				if (t && t <= now)
					bad = true;
			}
	close(d->wdt_fd);
	free(d);
	CHECK(!bad);
}

/* ---- the hardware watchdog's timeout (design.md rule 12) ---- */

extern int (*qd_wdt_ioctl)(int fd, unsigned long req, int *arg);

static struct {
	int set_calls, get_calls;
	int set_to;		/* value SETTIMEOUT was given */
	int set_err, get_err;	/* errno to fail with, 0: succeed */
	int round_to;		/* what the device takes (0: as asked) */
} fake;

static int fake_ioctl(int fd, unsigned long req, int *arg)
{
	(void)fd;
	if (req == WDIOC_SETTIMEOUT) {
		fake.set_calls++;
		fake.set_to = *arg;
		if (fake.set_err) {
			errno = fake.set_err;
			return -1;
		}
		*arg = fake.round_to ? fake.round_to : *arg;
		return 0;
	}
	if (req == WDIOC_GETTIMEOUT) {
		fake.get_calls++;
		if (fake.get_err) {
			errno = fake.get_err;
			return -1;
		}
		*arg = fake.round_to ? fake.round_to : fake.set_to;
		return 0;
	}
	errno = ENOTTY;
	return -1;
}

/* runtime_init on a watchdog device (/dev/null behind the fake ioctls),
 * timeout 2 s, settle 3000 ms; its result, the daemon closed again */
static int wdt_start(void)
{
	struct qd *d = calloc(1, sizeof(*d));
	int rc;

	if (!d)
		return -100;
	snprintf(d->conf.watchdog_device, sizeof(d->conf.watchdog_device),
		 "/dev/null");
	d->conf.watchdog_timeout_s = 2;
	d->conf.timing.settle_ms = 3000;
	qd_wdt_ioctl = fake_ioctl;
	rc = runtime_init(d);
	if (!rc && d->wdt_fd < 0)
		rc = -101;
	if (rc && d->wdt_fd >= 0)
		rc = -102;	/* a refusal leaves nothing open */
	if (d->wdt_fd >= 0)
		close(d->wdt_fd);
	free(d);
	return rc;
}

/* The configured timeout is set on the device and read back. */
static void wdt_timeout_set_and_read_back(void)
{
	memset(&fake, 0, sizeof(fake));
	CHECK(wdt_start() == 0);
	CHECK(fake.set_calls == 1 && fake.set_to == 2);
	CHECK(fake.get_calls == 1);
}

/* A device that cannot take the timeout, or reports another value than
 * asked (a driver that rounds), or cannot say: the daemon refuses. */
static void wdt_timeout_mismatch_refused(void)
{
	memset(&fake, 0, sizeof(fake));
	fake.set_err = EINVAL;
	CHECK(wdt_start() == -1 && fake.set_calls == 1);
	memset(&fake, 0, sizeof(fake));
	fake.round_to = 4;
	CHECK(wdt_start() == -1 && fake.get_calls == 1);
	memset(&fake, 0, sizeof(fake));
	fake.round_to = 1;
	CHECK(wdt_start() == -1);
	memset(&fake, 0, sizeof(fake));
	fake.get_err = ENOTTY;
	CHECK(wdt_start() == -1 && fake.set_calls == 1);
}

const struct t_case t_runtime[] = {
	{ "runtime/watchdog_never_due_in_the_past", no_past_wakeup },
	{ "runtime/watchdog_timeout_set_and_read_back",
	  wdt_timeout_set_and_read_back },
	{ "runtime/watchdog_timeout_mismatch_refused",
	  wdt_timeout_mismatch_refused },
	{ 0 }
};
