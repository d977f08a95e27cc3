// SPDX-License-Identifier: MIT
/*
 * design.md rule 9 in the daemon: one timing for the whole cluster. The core
 * refuses to act on a message of another timing and, when the replicated
 * state records another timing than this node's, serves nothing; here the
 * operator is told why (rate-limited, naming both sides) and the status
 * shows it (quorumctl status: flag timing-mismatch).
 */
#include <inttypes.h>
#include <stdio.h>

#include "quorumd.h"

#define TIMING_LOG_EVERY	(5000 * QF_MS)	/* one line per 5 s at most */
#define TIMING_RECENT		(10000 * QF_MS)	/* status flag lingers */
#define MSV(x)			((uint64_t)((x) / QF_MS))

static void describe(const struct qd *d, char *buf, size_t len)
{
	const struct qf_timing *t = &d->raft.t;

	snprintf(buf, len, "%08" PRIx32 " (heartbeat %" PRIu64 " ms, election "
		 "%" PRIu64 "..%" PRIu64 " ms, margin %" PRIu64 " ms, L %"
		 PRIu64 " ms, F %" PRIu64 " ms, rho %" PRIu32 " ppm, W %"
		 PRIu64 " ms)", d->raft.timing, MSV(t->heartbeat),
		 MSV(t->election_min), MSV(t->election_max), MSV(t->margin),
		 MSV(t->lease), MSV(t->settle), t->rho_ppm,
		 MSV(d->raft.wait + QF_MS - 1));
}

/* The cluster's values as its replicated state records them. */
static void describe_rec(const struct qf_state *s, char *buf, size_t len)
{
	const struct qf_timing_rec *t = &s->timing_rec;

	snprintf(buf, len, "%08" PRIx32 " (heartbeat %" PRIu32 " ms, election "
		 "%" PRIu32 "..%" PRIu32 " ms, margin %" PRIu32 " ms, L %"
		 PRIu32 " ms, F %" PRIu32 " ms, rho %" PRIu32 " ppm, W %"
		 PRIu32 " ms)", s->timing, t->heartbeat_ms, t->election_min_ms,
		 t->election_max_ms, t->margin_ms, t->lease_ms, t->settle_ms,
		 t->rho_ppm, t->wait_ms);
}

static bool due(struct qd *d, qf_ns now)
{
	if (d->timing_logged && now < d->timing_logged + TIMING_LOG_EVERY)
		return false;
	d->timing_logged = now;
	return true;
}

/* qf_raft_step said -QF_ETIMING for a message from node `from`. */
void timing_refused(struct qd *d, qf_ns now, uint32_t from)
{
	struct qf_status st;
	char mine[256];

	d->timing_seen = now;
	/* A node that is itself off the cluster's timing refuses every
	 * message: timing_tick says that, and this must not use up its
	 * rate-limit slot. */
	if (d->raft.timing_bad || !due(d, now))
		return;
	qf_raft_status(&d->raft, &st);
	describe(d, mine, sizeof(mine));
	LOG(ERR, "TIMING MISMATCH (design.md rule 9): not acting on messages of "
	    "node %" PRIu32 ", whose timing digest is %08" PRIx32 "; this "
	    "node runs %s; every node must run the same [cluster] timing "
	    "(%" PRIu64 " messages refused so far)", from,
	    st.timing_peer_digest, mine, st.timing_refused);
}

/* Every tick: a node whose timing is not the cluster's says so. */
void timing_tick(struct qd *d, qf_ns now)
{
	char mine[256], theirs[256];

	if (!d->raft.timing_bad || !due(d, now))
		return;
	describe(d, mine, sizeof(mine));
	describe_rec(&d->raft.st, theirs, sizeof(theirs));
	LOG(ERR, "TIMING MISMATCH (design.md rule 9): this node runs %s, but the "
	    "cluster's timing recorded in the replicated state is %s; serving "
	    "nothing (no votes, acks or renewals) until this node is "
	    "configured with the cluster's timing again", mine, theirs);
}

bool timing_mismatch(const struct qd *d, qf_ns now)
{
	return d->raft.timing_bad ||
	       (d->timing_seen && now < d->timing_seen + TIMING_RECENT);
}
