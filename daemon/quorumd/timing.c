// SPDX-License-Identifier: MIT
/*
 * design.md rule 9 in the daemon: one timing for the whole cluster. The core
 * refuses to act on a message of another timing and, when the replicated
 * state records another timing than this node's, serves nothing; here the
 * operator is told why (rate-limited, naming both sides) and the status
 * shows it (quorumctl status: flag timing-mismatch).
 *
 * design.md §2.10, the committed change on this node: the core says which
 * settle time and ρ the kernel lease and the clock guard must enforce (the
 * stricter of the old and the new timing until the change is done), and
 * when to apply the new timing: the kernel lease's max lease is updated
 * to admit the new L (LEASE_UPDATE) and only then is the change reported
 * applied. A refused update is not reported applied; it is retried.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

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

#define TIMING_RETRY	(1000 * QF_MS)

/* Settle time in ms, rounded down (the stricter), at least 1. */
static uint32_t settle_ms_of(qf_ns settle)
{
	uint64_t ms = settle / QF_MS;

	return ms ? (uint32_t)ms : 1;
}

uint32_t timing_guard_rho(const struct qd *d)
{
	return d->guard_rho_ppm ? d->guard_rho_ppm : d->conf.timing.rho_ppm;
}

/* The settle time the core wants, on the kernel lease; false if refused. */
static bool apply_settle(struct qd *d)
{
	uint32_t cur = d->kern_settle_ms ? d->kern_settle_ms :
		       d->conf.timing.settle_ms;
	int rc;

	if (!d->want_settle_ms || d->want_settle_ms == cur)
		return true;
	rc = kern_update(d, 0, d->want_settle_ms);
	if (rc) {
		LOG(WARN, "timing: LEASE_UPDATE settle_ms %" PRIu32 " refused: "
		    "%s; retrying", d->want_settle_ms, strerror(-rc));
		return false;
	}
	LOG(INFO, "timing: kernel lease settle_ms %" PRIu32 " (design.md "
	    "§2.10)", d->want_settle_ms);
	d->kern_settle_ms = d->want_settle_ms;
	return true;
}

static uint32_t kern_max_ms(const struct qd *d)
{
	return d->kern_max_ms ? d->kern_max_ms : d->conf.timing.lease_ms + 1;
}

/*
 * The kernel lease's max lease (design.md §2.10). While a change is in
 * progress it admits both L (the larger): the core keeps a deadline it
 * already holds, from a grant of the old L, until a new grant reaches
 * past it, and a max lease clamped to the new, shorter L would cut that
 * healthy lease short. Once the change is done every outstanding deadline
 * rests on grants of the cover (the shorter L) for W_c since every member
 * applied, so the max lease shrinks to the new L without cutting any.
 */
static bool set_max(struct qd *d, uint32_t want)
{
	int rc;

	if (want == kern_max_ms(d))
		return true;
	rc = kern_update(d, want, 0);
	if (rc) {
		LOG(WARN, "timing: LEASE_UPDATE max_lease_ms %" PRIu32
		    " refused: %s; retrying", want, strerror(-rc));
		return false;
	}
	d->kern_max_ms = want;
	LOG(INFO, "timing: kernel lease max_lease_ms %" PRIu32 " (design.md "
	    "§2.10)", want);
	return true;
}

/*
 * Before this node says it runs the new timing, its kernel lease and clock
 * guard must already enforce what an applied node enforces until the
 * change is done (design.md §2.10): the stricter of the committed and the
 * new settle time and ρ. TIMING_APPLIED lets the leader close the change
 * W_c later and fence on W_new alone from then on; a kernel lease still
 * settling on the old, longer F would then outlast that W. Reporting first
 * and updating the kernel in a later batch (or never, if the update keeps
 * failing) opened exactly that window.
 */
static bool enforce_stricter(struct qd *d, const struct qf_timing *t)
{
	const struct qf_timing_rec *cur = &d->raft.st.timing_rec;
	qf_ns settle = t->settle;
	uint32_t rho = t->rho_ppm;

	if (cur->settle_ms && (qf_ns)cur->settle_ms * QF_MS < settle)
		settle = (qf_ns)cur->settle_ms * QF_MS;
	if (cur->rho_ppm && cur->rho_ppm < rho)
		rho = cur->rho_ppm;
	d->want_settle_ms = settle_ms_of(settle);
	if (!apply_settle(d))
		return false;
	d->guard_rho_ppm = rho;
	return true;
}

/* Apply the committed change `digest': max lease and settle time first,
 * then report. */
static bool apply_next(struct qd *d, uint32_t digest,
		       const struct qf_timing *t, qf_ns now)
{
	uint32_t max_ms = (uint32_t)(t->lease / QF_MS) + 1;

	if (max_ms < kern_max_ms(d))
		max_ms = kern_max_ms(d);	/* both L, until done */
	if (!set_max(d, max_ms)) {
		LOG(WARN, "timing: %08" PRIx32 " not applied (the kernel "
		    "lease's max lease does not admit its L yet)", digest);
		return false;
	}
	if (!enforce_stricter(d, t)) {
		LOG(WARN, "timing: %08" PRIx32 " not applied (the kernel "
		    "lease does not enforce its settle time yet)", digest);
		return false;
	}
	if (qf_raft_timing_applied(&d->raft, now, digest)) {
		LOG(WARN, "timing: %08" PRIx32 " is not the change in "
		    "progress", digest);
		return false;
	}
	d->timing_applied = digest;
	LOG(INFO, "timing: applied %08" PRIx32 " (L %" PRIu64 " ms, F %"
	    PRIu64 " ms, rho %" PRIu32 " ppm): kernel max lease %" PRIu32
	    " ms", digest, MSV(t->lease), MSV(t->settle), t->rho_ppm, max_ms);
	return true;
}

/* No change in progress: the max lease is this node's own L alone. */
static bool settle_max(struct qd *d)
{
	if (d->raft.st.timing_next || d->raft.timing_bad)
		return true;
	return set_max(d, (uint32_t)(d->raft.own.lease / QF_MS) + 1);
}

/* Step 4 of the ready batch (daemon/core/raft.h), before the lease. */
void timing_apply(struct qd *d, const struct qf_ready *rd, qf_ns now)
{
	bool ok = true;

	if (rd->timing_kernel) {
		d->want_settle_ms = settle_ms_of(rd->timing_settle);
		d->guard_rho_ppm = rd->timing_rho_ppm;
		ok = apply_settle(d);
	}
	if (rd->timing_apply && rd->timing_apply != d->raft.timing)
		ok = apply_next(d, rd->timing_apply, &rd->timing_next, now) &&
		     ok;
	ok = settle_max(d) && ok;
	d->timing_retry_at = ok ? 0 : now + TIMING_RETRY;
}

/* Every tick: a refused settle update is retried (the change itself is
 * offered again in every batch until applied). */
void timing_retry(struct qd *d, qf_ns now)
{
	if (!d->timing_retry_at || now < d->timing_retry_at)
		return;
	d->timing_retry_at = apply_settle(d) && settle_max(d) ? 0 :
			     now + TIMING_RETRY;
}
