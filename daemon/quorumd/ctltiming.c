// SPDX-License-Identifier: MIT
/*
 * The control socket's timing requests (ctl_proto.h): TIMING_SET asks the
 * leader to propose the committed timing change of design.md §2.10 (the
 * core validates it: rule 9's one validator, whole ms, the cover of the
 * current and the new timing); TIMING_STATUS shows the change in progress
 * and who applied it. A follower does not forward TIMING_SET: it names the
 * leader, and the operator asks there.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "quorumd.h"

static void vals_to_rec(const struct qfctl_timing_vals *v,
			struct qf_timing_rec *rec)
{
	rec->heartbeat_ms = v->heartbeat_ms;
	rec->election_min_ms = v->election_min_ms;
	rec->election_max_ms = v->election_max_ms;
	rec->margin_ms = v->margin_ms;
	rec->lease_ms = v->lease_ms;
	rec->settle_ms = v->settle_ms;
	rec->rho_ppm = v->rho_ppm;
	rec->wait_ms = v->wait_ms;
}

static void rec_to_vals(const struct qf_timing_rec *rec,
			struct qfctl_timing_vals *v)
{
	v->heartbeat_ms = rec->heartbeat_ms;
	v->election_min_ms = rec->election_min_ms;
	v->election_max_ms = rec->election_max_ms;
	v->margin_ms = rec->margin_ms;
	v->lease_ms = rec->lease_ms;
	v->settle_ms = rec->settle_ms;
	v->rho_ppm = rec->rho_ppm;
	v->wait_ms = rec->wait_ms;
}

/* A QFCTL_ST_* for the reply; r carries the leader, and the reason. */
int qd_ctl_timing_set(struct qd *d, const struct qfctl_req_timing *rq,
		      struct qfctl_result *r)
{
	struct qf_timing_rec rec;
	struct qf_timing t;
	char why[600] = "";
	int err;

	vals_to_rec(&rq->t, &rec);
	qf_timing_from_rec(&rec, &t);
	/* fence_after is the leader's own policy, not part of rule 9 */
	t.fence_after = d->raft.t.fence_after;
	err = qf_raft_propose_timing(&d->raft, qd_now(), &t, why, sizeof(why));
	r->leader = d->raft.leader;
	r->term = d->raft.term;
	r->node = d->conf.node_id;
	if (err == -QF_ENOTLEADER)
		snprintf(why, sizeof(why), "not the leader: ask node %" PRIu32
			 " (the change is not forwarded)", d->raft.leader);
	snprintf(r->message, sizeof(r->message), "%s", why);
	if (err) {
		LOG(WARN, "control: timing change refused: %s", why[0] ? why :
		    "see the status code");
		return qd_ctl_status_from_err(-err);
	}
	r->gen = qf_timing_digest(&t);
	r->index = d->raft.log.last;
	LOG(INFO, "control: timing change to %08" PRIx64 " proposed (L %"
	    PRIu32 " ms, F %" PRIu32 " ms), log index %" PRIu64, r->gen,
	    rec.lease_ms, rec.settle_ms, r->index);
	return QFCTL_ST_OK;
}

void qd_ctl_fill_timing(const struct qd *d, struct qfctl_timing *out)
{
	const struct qf_state *st = &d->raft.st;

	memset(out, 0, sizeof(*out));
	out->cluster = st->timing;
	out->next = st->timing_next;
	out->self = d->raft.timing;
	rec_to_vals(&st->timing_rec, &out->cur);
	if (st->timing_next)
		rec_to_vals(&st->timing_next_rec, &out->nxt);
	for (int i = 0; i < QF_MAX_MEMBERS && out->n_members < QFCTL_MAX_MEMBERS;
	     i++) {
		const struct qf_member *m = &st->m[i];
		struct qfctl_timing_member *o = &out->m[out->n_members];

		if (!m->id)
			continue;
		o->id = m->id;
		o->flags = st->timing_next && (m->flags & QF_MF_TIMING_APPLIED) ?
			   QFCTL_TF_APPLIED : 0;
		out->n_members++;
	}
}
