// SPDX-License-Identifier: MIT
/*
 * runtime.c: the loop must never be asked to wake at a moment that has
 * already been handled. A due time at or before `now' after the tick ran
 * means epoll_wait returns at once, forever: a SCHED_RR busy loop that
 * starves the node's other daemons and lapses their leases.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

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

const struct t_case t_runtime[] = {
	{ "runtime/watchdog_never_due_in_the_past", no_past_wakeup },
	{ 0 }
};
