// SPDX-License-Identifier: MIT
/*
 * The kernel lease (qfence.ko) over generic netlink, with libmnl.
 *
 * Two sockets: `cmd` for synchronous requests (each answered by an ack
 * before the next is sent; the module answers at once, there is nothing to
 * wait for), `ev` subscribed to the "events" group and watched by the loop.
 *
 * What the daemon does with the lease (design.md §2, §3):
 *   start     refuse qfence log_only=Y (F not enforced) unless
 *             --allow-log-only (TEST ONLY). LEASE_NEW with this node's
 *             generation; -EEXIST: adopt the lease (LEASE_GET) if its
 *             MAX_LEASE_MS, ACTIONS, SETTLE_MS, FLAGS are the configured
 *             ones (else recreate it if DISARMED and unused, else refuse),
 *             and, if ARMED, its generation is this node's. A FENCED
 *             lease stays fenced and the core is told (qf_raft_lapsed):
 *             rule 7, latched. DEVICES == 0 is warned about loudly.
 *   grant     LEASE_RENEW with the core's absolute deadline (the core's
 *             now is CLOCK_BOOTTIME, the kernel's clock), only while the
 *             clock guard agrees.
 *   fenced    LEASE_FENCE when NODE_FENCED(self) is committed.
 *   rejoin    LEASE_UNFENCE only with the larger generation of a committed
 *             NODE_JOIN (the core hands it out only then); -EBUSY (not
 *             drained since the fence) is retried from the loop's timer.
 *             A DISARMED lease of an older generation is moved the same
 *             way (no LEASE_DEL: a dm table may hold the lease).
 *   leave     LEASE_DISARM (refused under NOWAYOUT: the lease then runs
 *             out and fences, as the operator asked; -EBUSY with IO in
 *             flight: retried for up to F, then left ARMED).
 *   events    EXPIRED / FENCED of our lease's current generation: stop
 *             renewing, tell the core (its acks then carry LAPSED, the
 *             leader fences us in the log), run on_lease_lost. Events of
 *             other generations are history and ignored. Never un-fence
 *             by ourselves. An unexpected -EINVAL/-ESTALE/-ECANCELED is
 *             followed by LEASE_GET (the local view was wrong).
 *   origin    only the kernel speaks for qfence.ko: a message whose
 *             sender port id is not 0 (a process with CAP_NET_ADMIN in
 *             our netns), or not of the qfence family (or an ack to our
 *             request, with its seq), is counted and ignored, logged
 *             rate-limited: a forged FENCED or refusal fences nothing.
 *   requests  time out after 2 s (the loop is single-threaded: a stuck
 *             request holds it; not bounded by L yet, see the README).
 *
 * kernel = none (--no-kernel) is a TEST-ONLY mode for host tests without
 * the module: the lease is emulated here (deadline, expiry, latch) and
 * only logged. It must never protect real storage.
 */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>

#include "uapi/qfence.h"
#include "kernpriv.h"

int kern_event_fd(const struct qd *d)
{
	return d->k.ev ? mnl_socket_get_fd(d->k.ev) : -1;
}

/*
 * What an event means for this daemon. Events are sent after the fact and
 * carry the generation recorded at the latch: a FENCED of generation 1
 * delivered after the unfence to 2 is history, not news. Only events of
 * the lease's current generation are applied. UNFENCED never changes the
 * local view (the daemon unfences itself and knows it; an UNFENCED
 * delivered late must not turn an ARMED lease into DISARMED here).
 */
enum qd_ev_act qd_event_decide(const char *lease_name, uint64_t cur_gen,
			       const struct qd_event *ev)
{
	if (strcmp(ev->name, lease_name) || ev->gen != cur_gen)
		return QD_EV_IGNORE;
	switch (ev->event) {
	case QFENCE_EVENT_EXPIRED:
	case QFENCE_EVENT_FENCED:
		return QD_EV_LAPSED;
	default:
		return QD_EV_LOG;
	}
}

/* After an answer the local view did not predict: ask the kernel. */
static void reconcile(struct qd *d, const char *why)
{
	struct qd_kernel *k = &d->k;
	uint32_t was = k->state;
	struct qd_lease_info li;
	int rc;

	if (k->none)
		return;
	rc = kern_refresh(d, &li);
	if (rc) {
		LOG(ERR, "kernel: LEASE_GET after %s: %s", why, strerror(-rc));
		return;
	}
	LOG(WARN, "kernel lease '%s' after %s: %s, generation %" PRIu64
	    " (was %s)", d->conf.lease_name, why, kn_state_name(li.state), li.gen,
	    kn_state_name(was));
	if (li.state == QFENCE_STATE_FENCED)
		kn_lapsed(d, li.gen, why);
}

/* What the log says a lapse was: the storage refusing an admitted bio
 * (a reservation conflict, design.md §3) is not an expiry. */
static const char *lapse_why(const struct qd_event *ev)
{
	if (ev->event != QFENCE_EVENT_FENCED)
		return "expired";
	if (ev->reason == QFENCE_REASON_MANUAL)
		return "manual LEASE_FENCE";
	if (ev->reason == QFENCE_REASON_STORAGE)
		return "reservation conflict at the storage";
	return "expired";
}

void kern_apply_event(struct qd *d, const struct qd_event *ev)
{
	switch (qd_event_decide(d->conf.lease_name, d->k.gen, ev)) {
	case QD_EV_IGNORE:
		if (!strcmp(ev->name, d->conf.lease_name))
			LOG(DEBUG, "kernel event %" PRIu32 " of generation %"
			    PRIu64 " ignored (lease is at %" PRIu64 ")",
			    ev->event, ev->gen, d->k.gen);
		return;
	case QD_EV_LAPSED:
		kn_lapsed(d, ev->gen, lapse_why(ev));
		return;
	case QD_EV_LOG:
		break;
	}
	if (ev->event == QFENCE_EVENT_DRAINED && d->k.unfence_gen)
		d->k.unfence_next = 0;	/* retry the unfence now */
	LOG(INFO, "kernel event %" PRIu32 " on lease '%s', generation %"
	    PRIu64, ev->event, ev->name, ev->gen);
}

/* One datagram of the events socket, sent by `from'. */
void kern_event_input(struct qd *d, const void *buf, size_t len,
		      const struct sockaddr_nl *from)
{
	int n = (int)len;
	struct qd_event ev;

	for (const struct nlmsghdr *h = buf; mnl_nlmsg_ok(h, n);
	     h = mnl_nlmsg_next(h, &n))
		if (kn_trusted(&d->k, from, h, d->k.family, false) &&
		    !qd_nl_parse_event(h, h->nlmsg_len, &ev))
			kern_apply_event(d, &ev);
}

void kern_on_event(struct qd *d)
{
	struct qd_kernel *k = &d->k;
	struct sockaddr_nl from;
	socklen_t fromlen;
	ssize_t n;

	for (;;) {
		fromlen = sizeof(from);
		memset(&from, 0, sizeof(from));
		n = recvfrom(mnl_socket_get_fd(k->ev), k->buf, sizeof(k->buf),
			     MSG_DONTWAIT, (struct sockaddr *)&from, &fromlen);
		if (n < 0) {
			if (errno == ENOBUFS) {
				/* events lost: ask the kernel directly */
				struct qd_lease_info li;

				LOG(WARN, "kernel: event queue overrun");
				if (!kern_refresh(d, &li) &&
				    li.state == QFENCE_STATE_FENCED)
					kn_lapsed(d, li.gen, "seen after overrun");
				continue;
			}
			return;
		}
		kern_event_input(d, k->buf, (size_t)n, &from);
	}
}

void kern_fence(struct qd *d, const char *why)
{
	struct qd_kernel *k = &d->k;
	int rc = 0;

	if (k->state == QFENCE_STATE_FENCED)
		return;
	if (!k->none)
		rc = kn_request(k, qd_nl_lease_cmd(k->buf, k->family, ++k->seq,
						QFENCE_CMD_LEASE_FENCE,
						d->conf.lease_name), NULL, NULL);
	if (rc) {
		LOG(ERR, "kernel: LEASE_FENCE '%s': %s", d->conf.lease_name,
		    strerror(-rc));
		if (rc == -EINVAL || rc == -ESTALE || rc == -ECANCELED)
			reconcile(d, "a refused LEASE_FENCE");
	} else
		kn_lapsed(d, k->gen, why);
}

/*
 * LEASE_UNFENCE to the committed generation: clears a FENCED latch, or
 * moves a DISARMED lease to the larger generation (a dm table may hold
 * it: no LEASE_DEL). -EBUSY: the lease has not drained since the fence;
 * kept pending and retried from kern_tick (and at the DRAINED event).
 */
static int unfence(struct qd *d, uint64_t gen)
{
	struct qd_kernel *k = &d->k;
	int rc = 0;

	k->unfence_gen = gen;
	if (!k->none)
		rc = kn_request(k, qd_nl_lease_gen(k->buf, k->family, ++k->seq,
						QFENCE_CMD_LEASE_UNFENCE,
						d->conf.lease_name, gen),
			     NULL, NULL);
	if (rc == -EBUSY) {
		k->unfence_busy++;
		k->unfence_next = qd_now() + d->core_cfg.timing.heartbeat;
		LOG(WARN, "kernel: LEASE_UNFENCE '%s' to generation %" PRIu64
		    ": not drained since the fence (IO in flight); retrying",
		    d->conf.lease_name, gen);
		return rc;
	}
	if (rc) {
		LOG(ERR, "kernel: LEASE_UNFENCE '%s' to generation %" PRIu64
		    ": %s", d->conf.lease_name, gen, strerror(-rc));
		k->unfence_gen = 0;
		if (rc == -EINVAL || rc == -ESTALE || rc == -ECANCELED)
			reconcile(d, "a refused LEASE_UNFENCE");
		return rc;
	}
	LOG(INFO, "kernel lease '%s' %s with generation %" PRIu64,
	    d->conf.lease_name, k->state == QFENCE_STATE_FENCED ?
	    "unfenced (rejoin committed)" : "moved", gen);
	k->unfence_gen = 0;
	k->state = QFENCE_STATE_DISARMED;
	k->gen = gen;
	d->lease_lost_reported = false;
	kn_emu_save(d);
	return 0;
}

/* Retries that wait for the kernel (called from the loop's timer). */
void kern_tick(struct qd *d, qf_ns now)
{
	struct qd_kernel *k = &d->k;

	if (k->unfence_gen && now >= k->unfence_next &&
	    k->unfence_gen > k->gen)
		unfence(d, k->unfence_gen);
}

/* The max lease the kernel lease has: LEASE_NEW's, or the last update's. */
static qf_ns kern_max_ns(const struct qd *d)
{
	return (qf_ns)(d->kern_max_ms ? d->kern_max_ms :
		       d->conf.timing.lease_ms + 1) * QF_MS;
}

static void renew(struct qd *d, qf_ns deadline, uint64_t gen)
{
	struct qd_kernel *k = &d->k;
	qf_ns now = qd_now();
	int rc = 0;

	if (k->state == QFENCE_STATE_FENCED || gen != k->gen)
		return;		/* latched (rule 7), or not ours yet */
	if (!clock_ok_to_renew(d))
		return;
	if (k->state != QFENCE_STATE_ARMED && rejoin_before_arm(d, gen))
		return;		/* design.md §2.11: the record first */
	if (!k->none)
		rc = kn_request(k, qd_nl_lease_renew(k->buf, k->family, ++k->seq,
						  d->conf.lease_name, deadline,
						  gen), NULL, NULL);
	else
		rc = deadline <= now || deadline - now > kern_max_ns(d) ?
		     -ERANGE : 0;
	if (rc == -ECANCELED) {
		kn_lapsed(d, gen, "renew refused: fenced");
		return;
	}
	if (rc) {
		k->renew_errors++;
		if (rc == -ESTALE || rc == -EINVAL)
			reconcile(d, "a refused LEASE_RENEW");
		LOG(WARN, "kernel: LEASE_RENEW to %+" PRId64 " ms: %s",
		    NS_MS((int64_t)(deadline - now)), strerror(-rc));
		return;
	}
	if (k->state != QFENCE_STATE_ARMED) {
		LOG(INFO, "kernel lease '%s' armed, generation %" PRIu64
		    "%s", d->conf.lease_name, gen,
		    k->none ? " (emulated, TEST ONLY)" : "");
		if (!k->none)
			qd_num_save(d, ARMED_GEN_FILE, gen);
	}
	k->state = QFENCE_STATE_ARMED;
	k->deadline = deadline;
	k->renewals++;
	kn_emu_save(d);
	if (d->grant_rx) {	/* grant received -> renew acked */
		uint64_t us = (qd_now() - d->grant_rx) / 1000;

		d->lat_max_us = us > d->lat_max_us ? us : d->lat_max_us;
		d->lat_sum_us += us;
		d->lat_count++;
		d->grant_rx = 0;
	}
	LOG(DEBUG, "lease renewed to now%+" PRId64 " ms", NS_MS((int64_t)
	    (deadline - now)));
}

void kern_apply_lease(struct qd *d, const struct qf_ready *rd)
{
	struct qd_kernel *k = &d->k;

	d->lease_gen = rd->lease_gen;
	if (d->leave_telling)
		return;	/* disarmed by a clean leave: nothing re-arms it */
	if (rd->lease_fenced) {
		d->self_fenced = true;
		kern_fence(d, "NODE_FENCED of this node committed");
		return;
	}
	d->self_fenced = false;
	/* FENCED: a committed rejoin; DISARMED of an older generation
	 * (found at start): LEASE_UNFENCE moves both to the committed one */
	if (rd->lease_gen > k->gen && k->state != QFENCE_STATE_ARMED &&
	    unfence(d, rd->lease_gen))
		return;
	/* Rule 13: no lease while a registration may still be in flight. */
	if (rd->lease_deadline && qd_pr_lease_allowed(d, rd->lease_gen))
		renew(d, rd->lease_deadline, rd->lease_gen);
}

/*
 * LEASE_UPDATE (design.md §2.10): the kernel lease's max lease and/or
 * settle time (0 keeps a value). The emulated lease (--no-kernel) does what
 * the module does: refused on a FENCED lease, a smaller max lease clamps
 * the deadline in force and never extends it. 0 or -errno; on an error
 * nothing changed.
 */
int kern_update(struct qd *d, uint32_t max_lease_ms, uint32_t settle_ms)
{
	struct qd_kernel *k = &d->k;
	qf_ns now = qd_now(), cap;
	int rc;

	if (!k->none) {
		rc = kn_request(k, qd_nl_lease_update(k->buf, k->family, ++k->seq,
						   d->conf.lease_name, k->gen,
						   max_lease_ms, settle_ms),
			     NULL, NULL);
		if (rc == -ECANCELED)
			kn_lapsed(d, k->gen, "LEASE_UPDATE refused: fenced");
		else if (rc == -ESTALE)
			reconcile(d, "a refused LEASE_UPDATE");
		return rc;
	}
	if (k->state == QFENCE_STATE_FENCED)
		return -ECANCELED;
	if (k->state == QFENCE_STATE_ARMED && now >= k->deadline) {
		kn_lapsed(d, k->gen, "expired (emulated)");
		return -ECANCELED;
	}
	cap = now + (qf_ns)max_lease_ms * QF_MS;
	if (max_lease_ms && k->state == QFENCE_STATE_ARMED && k->deadline > cap)
		k->deadline = cap;
	kn_emu_save(d);
	return 0;
}

/* TEST-ONLY emulation of the kernel's expiry timer. */
void kern_emulate(struct qd *d, qf_ns now)
{
	struct qd_kernel *k = &d->k;

	if (k->none && k->state == QFENCE_STATE_ARMED && now >= k->deadline)
		kn_lapsed(d, k->gen, "expired (emulated)");
}

/*
 * Clean leave. The module refuses with -EBUSY under NOWAYOUT, and while IO
 * is in flight (a disarm has no settle bound): the lease then stays ARMED.
 * Retried for up to F, polling LEASE_GET; 0 only if the kernel disarmed
 * it (the caller magic-closes the watchdog only then).
 */
int kern_disarm(struct qd *d)
{
	struct qd_kernel *k = &d->k;
	qf_ns until = qd_now() + (qf_ns)d->conf.timing.settle_ms * QF_MS;
	struct timespec pause = { .tv_nsec = 10 * 1000000L };
	struct qd_lease_info li;
	bool told = false;
	int rc = 0;

	if (k->none) {
		if (k->state == QFENCE_STATE_FENCED)
			return -ECANCELED;
		goto done;
	}
	for (;;) {
		rc = kn_request(k, qd_nl_lease_cmd(k->buf, k->family, ++k->seq,
						QFENCE_CMD_LEASE_DISARM,
						d->conf.lease_name), NULL, NULL);
		if (rc != -EBUSY)
			break;
		if (d->conf.nowayout) {
			LOG(WARN, "kernel lease '%s' is NOWAYOUT: not disarmed, "
			    "it will expire and fence", d->conf.lease_name);
			return rc;
		}
		if (kern_refresh(d, &li) || li.state != QFENCE_STATE_ARMED) {
			reconcile(d, "a refused LEASE_DISARM");
			return rc;
		}
		if (qd_now() >= until) {
			LOG(ERR, "kernel lease '%s': IO still in flight (%"
			    PRIu64 ") after %" PRIu32 " ms: not disarmed, it "
			    "stays ARMED and will expire and fence",
			    d->conf.lease_name, li.inflight,
			    d->conf.timing.settle_ms);
			return rc;
		}
		if (!told) {
			told = true;
			LOG(WARN, "kernel lease '%s': IO in flight (%" PRIu64
			    "), disarm refused; retrying for up to %" PRIu32
			    " ms", d->conf.lease_name, li.inflight,
			    d->conf.timing.settle_ms);
		}
		nanosleep(&pause, NULL);
	}
	if (rc) {
		LOG(ERR, "kernel: LEASE_DISARM: %s", strerror(-rc));
		if (rc == -ECANCELED || rc == -EINVAL || rc == -ESTALE)
			reconcile(d, "a refused LEASE_DISARM");
		return rc;
	}
done:
	k->state = QFENCE_STATE_DISARMED;
	kn_emu_save(d);
	LOG(INFO, "kernel lease '%s' disarmed (clean leave)",
	    d->conf.lease_name);
	return 0;
}
