// SPDX-License-Identifier: MIT
/*
 * Lifecycle signals handled by the loop: SIGTERM/SIGINT (or a LEAVE request
 * on the control socket, which runs the same path) is a clean leave
 * (a leader hands leadership to the most up-to-date active voter first; then
 * the kernel lease is disarmed unless NOWAYOUT, the hardware watchdog is
 * stopped with its magic close only if the disarm succeeded, and the
 * leader is told, see tell_start), SIGHUP
 * reloads what can change safely (the hooks). How far a leave got is kept
 * in d->lv: control.c answers a waiting LEAVE client from it at the exit.
 */
#include <inttypes.h>
#include <string.h>

#include "quorumd.h"

/* ---- clean leave (SIGTERM) ---- */

/*
 * The most up-to-date unfenced voter other than this node that acked in
 * this term, within the last election timeout (the core's `active' flags
 * are reset at every CheckQuorum round, so right after one nobody would
 * qualify; last_ack alone starts at the election, dead peers included).
 */
uint32_t qd_transferee(struct qd *d)
{
	static struct qf_status st;
	qf_ns now = qd_now();
	uint32_t best = 0;
	uint64_t match = 0;

	qf_raft_status(&d->raft, &st);
	for (size_t i = 0; i < st.n_progress; i++) {
		const struct qf_progress *p = &st.progress[i];
		const struct qf_member *m = qf_state_find(&d->raft.cfg, p->id);
		bool recent = p->acked_round && p->last_ack &&
			now - p->last_ack < d->core_cfg.timing.election_min;

		if (p->id == d->conf.node_id || !recent || !m ||
		    m->role != QF_ROLE_VOTER || m->fenced_gen >= m->gen)
			continue;
		if (!best || p->match > match) {
			best = p->id;
			match = p->match;
		}
	}
	return best;
}

/*
 * A clean leave tells the cluster. Once the kernel lease is disarmed, this
 * node reports its generation as lapsed in its acks (QF_MF_LAPSED) and
 * stays until the leader has put NODE_FENCED(self, gen) in its log, for at
 * most one election timeout and three heartbeats. The record still commits
 * only after W (rule 5): telling speeds the decision up and names its
 * reason, it never shortens the wait. With no other leader, or no answer
 * in time, the cluster fences this node as silent later, as after a crash.
 */
static bool tell_start(struct qd *d)
{
	const struct qf_member *me = qf_state_find(&d->raft.st,
						   d->conf.node_id);
	qf_ns now = qd_now();

	if (!me || me->role != QF_ROLE_VOTER || !me->gen ||
	    me->fenced_gen >= me->gen || !d->raft.leader ||
	    d->raft.leader == d->conf.node_id)
		return false;
	qf_raft_lapsed(&d->raft, now, me->gen);
	d->lv.tell = QD_TELL_WAITING;
	d->leave_telling = true;
	d->leave_gen = me->gen;
	d->leave_deadline = now + d->core_cfg.timing.election_max +
		3 * d->core_cfg.timing.heartbeat;
	LOG(INFO, "clean leave: telling leader %" PRIu32 " that generation %"
	    PRIu64 " is disarmed", d->raft.leader, me->gen);
	return true;
}

static void leave_finish(struct qd *d)
{
	d->lv.handed_over = d->lv.handed_to && d->raft.state != QF_LEADER;
	d->lv.disarm_rc = kern_disarm(d);
	d->lv.disarm_done = true;
	if (!d->lv.disarm_rc) {
		runtime_watchdog_close(d);
		if (tell_start(d))
			return;
	}
	d->quit = true;
}

void leave_start(struct qd *d)
{
	const struct qf_member *me;
	uint32_t to;

	if (d->leaving) {
		LOG(WARN, "second stop signal: leaving now");
		if (d->leave_telling)
			d->quit = true;
		else
			leave_finish(d);
		return;
	}
	d->leaving = true;
	me = qf_state_find(&d->raft.st, d->conf.node_id);
	d->lv.gen = me ? me->gen : 0;
	LOG(INFO, "clean leave requested");
	sd_notify_stopping();
	if (d->raft.state == QF_LEADER && (to = qd_transferee(d)) &&
	    !qf_raft_transfer(&d->raft, qd_now(), to)) {
		LOG(INFO, "handing leadership to node %" PRIu32, to);
		d->lv.handed_to = to;
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
	if (d->leave_telling) {
		if (qf_raft_fence_in_log(&d->raft, d->conf.node_id,
					 d->leave_gen)) {
			LOG(INFO, "clean leave: the leader recorded it "
			    "(NODE_FENCED of generation %" PRIu64 " in the "
			    "log; it commits after W)", d->leave_gen);
			d->lv.tell = QD_TELL_RECORDED;
			d->quit = true;
		} else if (qd_now() >= d->leave_deadline) {
			LOG(WARN, "clean leave: the leader did not record it "
			    "in time; the cluster will fence this node as "
			    "silent");
			d->lv.tell = QD_TELL_NO_ANSWER;
			d->quit = true;
		}
		return;
	}
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
	d->conf.hook_timeout_ms = c.hook_timeout_ms;
	if (memcmp(&c.timing, &d->conf.timing, sizeof(c.timing)) ||
	    c.npeers != d->conf.npeers || c.node_id != d->conf.node_id ||
	    strcmp(c.lease_name, d->conf.lease_name))
		LOG(WARN, "reload: timing, peers, node id and lease changes "
		    "need a restart (membership changes: quorumctl member)");
	LOG(INFO, "reloaded hooks from %s", d->conf_path);
}
