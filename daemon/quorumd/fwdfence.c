// SPDX-License-Identifier: MIT
/*
 * "Fence X" asked on a follower: forwarded to the leader, because
 * Pacemaker runs its fence agent on whichever node it chooses.
 *
 * The forwarded FENCE names X and the generation the follower sees
 * committed (design.md rule 11): the leader proposes NODE_FENCED for
 * exactly that generation (qf_raft_propose_fence_gen), so a recorded
 * request replayed after X rejoined cannot fence the new generation. It
 * travels sealed with the cluster key like every datagram (infra wire.h).
 * The follower resends it to the current leader every two heartbeats until
 * it sees NODE_FENCED(X, gen) committed in its own state, for at most 4 W
 * (a datagram can be lost; a duplicate at the leader is refused by the
 * core as already pending). What the follower answers its client is taken
 * from its own committed state only (control.c), never from the leader's
 * word.
 */
#include <inttypes.h>

#include "quorumd.h"

/* Done: NODE_FENCED(X, gen) committed here, or X moved past gen (fenced
 * and rejoined meanwhile), or X is gone from the state. */
static bool fwd_done(const struct qd *d, const struct qd_fwd_fence *f)
{
	const struct qf_member *s = qf_state_find(&d->raft.st, f->node);

	return !s || s->fenced_gen >= f->gen || s->gen > f->gen;
}

void fwd_fence_add(struct qd *d, uint32_t node, uint64_t gen, qf_ns now)
{
	struct qd_fwd_fence *slot = NULL;

	for (int i = 0; i < QD_FWD_FENCES; i++) {
		struct qd_fwd_fence *f = &d->fwd_fence[i];

		if (f->node == node || (!slot && !f->node))
			slot = f;
		if (f->node == node)
			break;
	}
	if (!slot) {		/* all busy: the oldest one is given up */
		slot = &d->fwd_fence[0];
		LOG(WARN, "fence of %" PRIu32 " forwarded earlier: no longer "
		    "resent (too many pending)", slot->node);
	}
	net_send_fence(d, d->raft.leader, node, gen);
	*slot = (struct qd_fwd_fence){
		.node = node, .gen = gen,
		.next = now + 2 * d->core_cfg.timing.heartbeat,
		.until = now + 4 * d->raft.wait,
	};
}

static void fwd_one(struct qd *d, struct qd_fwd_fence *f, qf_ns now)
{
	if (fwd_done(d, f)) {
		f->node = 0;
		return;
	}
	if (now >= f->until) {
		LOG(ERR, "fence of %" PRIu32 " generation %" PRIu64 " forwarded "
		    "but not committed in 4 W: giving up (ask again)",
		    f->node, f->gen);
		f->node = 0;
		return;
	}
	f->next = now + 2 * d->core_cfg.timing.heartbeat;
	if (d->raft.state == QF_LEADER) {
		int rc = qf_raft_propose_fence_gen(&d->raft, now, f->node,
						   f->gen, QF_FENCE_ADMIN);

		if (rc != -QF_EEXIST)
			LOG(INFO, "fence of %" PRIu32 " (forwarded earlier), "
			    "now as leader: %s", f->node,
			    rc ? qf_strerror(rc) : "proposed");
		if (rc && rc != -QF_EEXIST)
			f->node = 0;	/* refused: nothing to resend */
	} else if (d->raft.leader && d->raft.leader != d->conf.node_id) {
		LOG(DEBUG, "fence of %" PRIu32 " resent to leader %" PRIu32,
		    f->node, d->raft.leader);
		net_send_fence(d, d->raft.leader, f->node, f->gen);
	}
}

void fwd_fence_tick(struct qd *d, qf_ns now)
{
	for (int i = 0; i < QD_FWD_FENCES; i++)
		if (d->fwd_fence[i].node && now >= d->fwd_fence[i].next)
			fwd_one(d, &d->fwd_fence[i], now);
}

qf_ns fwd_fence_next(const struct qd *d)
{
	qf_ns t = 0;

	for (int i = 0; i < QD_FWD_FENCES; i++)
		if (d->fwd_fence[i].node && (!t || d->fwd_fence[i].next < t))
			t = d->fwd_fence[i].next;
	return t;
}

/*
 * On the leader: propose NODE_FENCED for the generation named, and no
 * other (rule 11). Anything else - a malformed payload, a generation that
 * is not the committed one, not the leader - changes nothing.
 */
void fwd_fence_received(struct qd *d, uint32_t from, const uint8_t *p,
			size_t len)
{
	uint64_t gen;
	uint32_t node;
	int rc;

	if (qd_dec_fence(p, len, &node, &gen)) {
		d->bad_payload++;
		LOG(WARN, "forwarded fence from %" PRIu32 " refused: %zu "
		    "bytes, not a fence naming its generation", from, len);
		return;
	}
	rc = qf_raft_propose_fence_gen(&d->raft, qd_now(), node, gen,
				       QF_FENCE_ADMIN);
	if (rc && rc != -QF_EEXIST)
		LOG(WARN, "fence of node %" PRIu32 " gen %" PRIu64
		    " forwarded by %" PRIu32 " refused: %s", node, gen, from,
		    qf_strerror(rc));
	else
		LOG(INFO, "fence of node %" PRIu32 " gen %" PRIu64
		    " forwarded by %" PRIu32 ": %s", node, gen, from,
		    rc ? qf_strerror(rc) :
		    "proposed; commit waits out W (rule 5)");
}
