// SPDX-License-Identifier: MIT
/*
 * Lifecycle signals handled by the loop: SIGTERM/SIGINT is a clean leave
 * (a leader hands leadership to the most up-to-date active voter first; then
 * the kernel lease is disarmed unless NOWAYOUT, and the hardware watchdog
 * is stopped with its magic close only if the disarm succeeded), SIGHUP
 * reloads what can change safely (the hooks).
 */
#include <inttypes.h>
#include <string.h>

#include "quorumd.h"

/* ---- clean leave (SIGTERM) ---- */

/* The most up-to-date active, unfenced voter other than this node. */
uint32_t qd_transferee(struct qd *d)
{
	static struct qf_status st;
	uint32_t best = 0;
	uint64_t match = 0;

	qf_raft_status(&d->raft, &st);
	for (size_t i = 0; i < st.n_progress; i++) {
		const struct qf_progress *p = &st.progress[i];
		const struct qf_member *m = qf_state_find(&d->raft.cfg, p->id);

		if (p->id == d->conf.node_id || !p->active || !m ||
		    m->role != QF_ROLE_VOTER || m->fenced_gen >= m->gen)
			continue;
		if (!best || p->match > match) {
			best = p->id;
			match = p->match;
		}
	}
	return best;
}

static void leave_finish(struct qd *d)
{
	if (!kern_disarm(d))
		runtime_watchdog_close(d);
	d->quit = true;
}

void leave_start(struct qd *d)
{
	uint32_t to;

	if (d->leaving) {
		LOG(WARN, "second stop signal: leaving now");
		leave_finish(d);
		return;
	}
	d->leaving = true;
	LOG(INFO, "clean leave requested");
	sd_notify_stopping();
	if (d->raft.state == QF_LEADER && (to = qd_transferee(d)) &&
	    !qf_raft_transfer(&d->raft, qd_now(), to)) {
		LOG(INFO, "handing leadership to node %" PRIu32, to);
		d->leave_deadline = qd_now() + d->core_cfg.timing.election_max +
			d->core_cfg.timing.heartbeat;
		return;
	}
	leave_finish(d);
}

void leave_check(struct qd *d)
{
	if (d->quit)
		return;
	if (d->raft.state != QF_LEADER || qd_now() >= d->leave_deadline)
		leave_finish(d);
}

/* ---- SIGHUP ---- */

void reload(struct qd *d)
{
	static struct qf_conf c;
	char err[512];

	if (qf_conf_load(&c, d->conf_path, err, sizeof(err))) {
		LOG(ERR, "reload refused, keeping the running configuration: "
		    "%s", err);
		return;
	}
	memcpy(d->conf.on_fenced, c.on_fenced, sizeof(c.on_fenced));
	memcpy(d->conf.on_lease_lost, c.on_lease_lost,
	       sizeof(c.on_lease_lost));
	if (memcmp(&c.timing, &d->conf.timing, sizeof(c.timing)) ||
	    c.npeers != d->conf.npeers || c.node_id != d->conf.node_id ||
	    strcmp(c.lease_name, d->conf.lease_name))
		LOG(WARN, "reload: timing, peers, node id and lease changes "
		    "need a restart (membership changes: quorumctl member)");
	LOG(INFO, "reloaded hooks from %s", d->conf_path);
}
