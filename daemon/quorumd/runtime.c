// SPDX-License-Identifier: MIT
/*
 * Runtime: memory locking and real-time scheduling (so paging or a busy CPU
 * does not delay renewals), systemd notification (READY=1, WATCHDOG=1 when
 * the unit sets WatchdogSec), and the optional hardware watchdog.
 *
 * The hardware watchdog is petted only while the kernel lease is valid:
 * state ARMED and deadline in the future (design.md §4). When the lease runs
 * out the petting stops and the watchdog resets the machine after its own
 * timeout (W_hw + R of design.md §2, part of F). A clean leave closes it with
 * the magic 'V' so that it stops. Its timeout is set on the device and
 * read back at start (design.md rule 12).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/watchdog.h>
#include <systemd/sd-daemon.h>

#include "uapi/qfence.h"
#include "quorumd.h"

static int real_wdt_ioctl(int fd, unsigned long req, int *arg)
{
	return ioctl(fd, req, arg);
}

int (*qd_wdt_ioctl)(int fd, unsigned long req, int *arg) = real_wdt_ioctl;

/*
 * design.md rule 12: the watchdog's timeout W_hw is part of F, and the
 * configuration check proved settle_ms >= watchdog_timeout_s. That only
 * holds if the device runs with that timeout, not its driver's default
 * (softdog: 60 s): set it, read it back, and refuse anything else (a
 * driver that cannot take it, or that rounds it to another value).
 */
static int watchdog_timeout(struct qd *d)
{
	int want = (int)d->conf.watchdog_timeout_s, t = want;

	if (qd_wdt_ioctl(d->wdt_fd, WDIOC_SETTIMEOUT, &t) < 0) {
		LOG(ERR, "watchdog %s cannot take a timeout of %d s "
		    "(WDIOC_SETTIMEOUT: %s): F would rest on the driver's "
		    "default. Refusing to start; use a device that takes "
		    "watchdog_timeout_s, or none", d->conf.watchdog_device,
		    want, strerror(errno));
		return -1;
	}
	if (qd_wdt_ioctl(d->wdt_fd, WDIOC_GETTIMEOUT, &t) < 0) {
		LOG(ERR, "watchdog %s: WDIOC_GETTIMEOUT: %s: its timeout "
		    "cannot be checked. Refusing to start",
		    d->conf.watchdog_device, strerror(errno));
		return -1;
	}
	if (t != want) {
		LOG(ERR, "watchdog %s runs with a timeout of %d s, not the "
		    "configured watchdog_timeout_s = %d (the driver rounds "
		    "it): settle_ms was checked against %d s. Refusing to "
		    "start; set watchdog_timeout_s = %d if settle_ms covers "
		    "it (design.md rule 12)", d->conf.watchdog_device, t, want,
		    want, t);
		return -1;
	}
	LOG(INFO, "hardware watchdog %s: timeout %d s set and read back",
	    d->conf.watchdog_device, t);
	return 0;
}

/*
 * A refusal closes the device again. With the magic 'V' (it stops) when
 * the kernel lease is not armed: nothing depends on it yet, and a wrong
 * configuration must not reset the node. An armed (adopted) lease keeps
 * it running, as after a crash: the node must not outlive its lease.
 */
static int watchdog_open(struct qd *d)
{
	d->wdt_fd = open(d->conf.watchdog_device, O_WRONLY | O_CLOEXEC);
	if (d->wdt_fd < 0) {
		LOG(ERR, "watchdog %s: %s", d->conf.watchdog_device,
		    strerror(errno));
		return -1;
	}
	if (watchdog_timeout(d)) {
		if (d->k.state != QFENCE_STATE_ARMED &&
		    write(d->wdt_fd, "V", 1) != 1)
			LOG(WARN, "watchdog magic close: %s", strerror(errno));
		close(d->wdt_fd);
		d->wdt_fd = -1;
		return -1;
	}
	LOG(INFO, "hardware watchdog %s open: petted only while the lease "
	    "is valid", d->conf.watchdog_device);
	return 0;
}

int runtime_init(struct qd *d)
{
	d->wdt_fd = -1;
	if (d->conf.mlockall && mlockall(MCL_CURRENT | MCL_FUTURE) < 0) {
		LOG(ERR, "mlockall: %s", strerror(errno));
		return -1;
	}
	if (d->conf.sched_rr_priority > 0) {
		struct sched_param sp = {
			.sched_priority = d->conf.sched_rr_priority,
		};

		if (sched_setscheduler(0, SCHED_RR | SCHED_RESET_ON_FORK,
				       &sp) < 0) {
			LOG(ERR, "SCHED_RR priority %d: %s",
			    d->conf.sched_rr_priority, strerror(errno));
			return -1;
		}
	}
	if (d->conf.watchdog_device[0] && watchdog_open(d))
		return -1;
	if (sd_watchdog_enabled(0, &d->sd_watchdog_usec) <= 0)
		d->sd_watchdog_usec = 0;
	return 0;
}

void runtime_ready(struct qd *d)
{
	(void)d;
	sd_notifyf(0, "READY=1\nSTATUS=node %" PRIu32 " of cluster %s",
		   d->conf.node_id, d->conf.name);
}

static bool lease_valid(const struct qd *d, qf_ns now)
{
	return d->k.state == QFENCE_STATE_ARMED && now < d->k.deadline;
}

void runtime_on_tick(struct qd *d, qf_ns now)
{
	if (d->wdt_fd >= 0 && lease_valid(d, now) &&
	    now - d->wdt_last >= 100 * QF_MS) {
		if (write(d->wdt_fd, "k", 1) != 1)
			LOG(ERR, "watchdog pet: %s", strerror(errno));
		d->wdt_last = now;
	}
	if (d->sd_watchdog_usec &&
	    now - d->sd_last >= d->sd_watchdog_usec * 1000 / 2) {
		sd_notify(0, "WATCHDOG=1");
		d->sd_last = now;
	}
}

/* Clean leave only: 'V' then close stops the watchdog. */
void runtime_watchdog_close(struct qd *d)
{
	if (d->wdt_fd < 0)
		return;
	if (write(d->wdt_fd, "V", 1) != 1)
		LOG(WARN, "watchdog magic close: %s", strerror(errno));
	close(d->wdt_fd);
	d->wdt_fd = -1;
	LOG(INFO, "hardware watchdog stopped (magic close)");
}

void sd_notify_stopping(void)
{
	sd_notify(0, "STOPPING=1");
}

void runtime_fini(struct qd *d)
{
	/* not a clean leave: a plain close keeps the watchdog running */
	if (d->wdt_fd >= 0)
		close(d->wdt_fd);
	d->wdt_fd = -1;
	sd_notify(0, "STOPPING=1");
}

/*
 * Next time runtime_on_tick has something to do (0: nothing). The watchdog
 * is due only while the lease is valid: a fenced or lapsed lease leaves
 * wdt_last in the past for good, and asking for a tick at that moment
 * would spin the loop at SCHED_RR priority and starve every other task of
 * the node (seen as "sched: RT throttling activated" and lapsed leases of
 * healthy daemons in the test VM). A lease that becomes valid again does so
 * through a kernel reply or event, which wakes the loop anyway.
 */
qf_ns runtime_next(const struct qd *d, qf_ns now)
{
	qf_ns t = 0;

	if (d->wdt_fd >= 0 && lease_valid(d, now)) {
		t = d->wdt_last + 100 * QF_MS;
		if (t >= d->k.deadline)
			t = 0;	/* the lease runs out first: no more pets */
	}
	if (d->sd_watchdog_usec) {
		qf_ns s = d->sd_last + d->sd_watchdog_usec * 1000 / 2;

		if (!t || s < t)
			t = s;
	}
	return t;
}
