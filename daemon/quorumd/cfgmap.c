// SPDX-License-Identifier: MIT
/*
 * From the configuration file (infra conf.h) to the core's configuration
 * and bootstrap membership. Pure, unit-tested.
 */
#include <arpa/inet.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "quorumd.h"

int qd_core_config(const struct qf_conf *c, struct qf_config *out,
		   char *why, size_t len)
{
	struct qf_timing *t = &out->timing;
	qf_ns fence_after;

	qf_config_default(out, c->node_id);
	if (c->profile == QF_CONF_PROFILE_FAST)
		qf_timing_fast(t);
	else
		qf_timing_default(t);
	fence_after = t->fence_after;
	t->heartbeat = c->timing.heartbeat_ms * QF_MS;
	t->election_min = c->timing.election_min_ms * QF_MS;
	t->election_max = c->timing.election_max_ms * QF_MS;
	t->lease = c->timing.lease_ms * QF_MS;
	t->settle = c->timing.settle_ms * QF_MS;
	t->rho_ppm = c->timing.rho_ppm;
	t->margin = c->timing.margin_ms * QF_MS;
	t->wait = 0;	/* derived: W = (L+F)(1+ρ)/(1−ρ) */
	/* 0 in the file: the core's default, but never below L */
	t->fence_after = c->fence_after_ms ? c->fence_after_ms * QF_MS :
		(fence_after > t->lease ? fence_after : t->lease);
	/*
	 * design.md rule 13: with the storage fence the commit waits for the
	 * preempt, not W, so the silence before a member is declared lost is
	 * the takeover time: by default the election timeout's upper bound,
	 * the silence after which a follower gives up on its leader.
	 */
	if (c->n_pr_devices) {
		out->pr_fence_after = c->pr_fence_after_ms ?
			c->pr_fence_after_ms * QF_MS : t->election_max;
		if (out->pr_fence_after < t->election_min) {
			if (why)
				snprintf(why, len, "pr_fence_after_ms %" PRIu32
					 " is below election_min_ms %llu: a "
					 "member would be declared lost before "
					 "a follower gives up on its leader",
					 c->pr_fence_after_ms,
					 (unsigned long long)(t->election_min /
							      QF_MS));
			return -1;
		}
	}
	/*
	 * design.md §2 rule 7 and the admin contract: a fenced node comes back
	 * only through `quorumctl rejoin`, or through its own request with
	 * its policy's evidence (§2.11, daemon/quorumd/rejoin.c), never
	 * because it talks again.
	 */
	out->flags &= ~QF_CFG_AUTO_REJOIN;
	out->flap_max = c->flap_max;		/* 0: the core's defaults */
	out->flap_window_s = c->flap_window_s;
	return qf_timing_validate(t, why, len);
}

void qd_addr_to_core(const struct qf_conf_addr *a, struct qf_addr *out)
{
	memset(out, 0, sizeof(*out));
	if (a->sa.ss_family == AF_INET) {
		const struct sockaddr_in *s = (const void *)&a->sa;

		out->family = 4;
		out->port = ntohs(s->sin_port);
		memcpy(out->ip, &s->sin_addr, 4);
	} else if (a->sa.ss_family == AF_INET6) {
		const struct sockaddr_in6 *s = (const void *)&a->sa;

		out->family = 6;
		out->port = ntohs(s->sin6_port);
		memcpy(out->ip, &s->sin6_addr, 16);
	}
}

int qd_addr_from_core(const struct qf_addr *a, struct qf_conf_addr *out)
{
	memset(out, 0, sizeof(*out));
	if (a->family == 4) {
		struct sockaddr_in *s = (void *)&out->sa;

		s->sin_family = AF_INET;
		s->sin_port = htons(a->port);
		memcpy(&s->sin_addr, a->ip, 4);
		out->len = sizeof(*s);
		inet_ntop(AF_INET, a->ip, out->text, sizeof(out->text));
	} else if (a->family == 6) {
		struct sockaddr_in6 *s = (void *)&out->sa;

		s->sin6_family = AF_INET6;
		s->sin6_port = htons(a->port);
		memcpy(&s->sin6_addr, a->ip, 16);
		out->len = sizeof(*s);
		inet_ntop(AF_INET6, a->ip, out->text, sizeof(out->text));
	} else {
		return -1;
	}
	snprintf(out->text + strlen(out->text),
		 sizeof(out->text) - strlen(out->text), ":%u", a->port);
	return 0;
}

/* A new node's starting point: the configured peers, generation 1. */
int qd_bootstrap(const struct qf_conf *c, struct qf_snapshot *snap)
{
	uint32_t ids[QF_CONF_MAX_PEERS];
	uint8_t roles[QF_CONF_MAX_PEERS];
	struct qf_timing t;
	int rc;

	for (unsigned int i = 0; i < c->npeers; i++) {
		ids[i] = c->peers[i].id;
		roles[i] = c->peers[i].witness ? QF_ROLE_WITNESS : QF_ROLE_VOTER;
	}
	rc = qf_bootstrap(snap, ids, roles, c->npeers);
	if (rc)
		return rc;
	/* design.md rule 9: the timing is a fact of the replicated state. The
	 * digest matches qd_core_config's timing (fence_after is not in it). */
	qf_conf_timing_core(&c->timing, &t);
	qf_bootstrap_timing(snap, &t);
	for (unsigned int i = 0; i < c->npeers; i++) {
		struct qf_member *m = NULL;

		for (unsigned int j = 0; j < QF_MAX_MEMBERS; j++)
			if (snap->state.m[j].id == c->peers[i].id)
				m = &snap->state.m[j];
		if (!m)
			return -QF_EINVAL;
		m->n_addrs = (uint8_t)c->peers[i].naddrs;
		for (unsigned int k = 0; k < c->peers[i].naddrs; k++)
			qd_addr_to_core(&c->peers[i].addr[k], &m->addrs[k]);
	}
	return 0;
}
