// SPDX-License-Identifier: MIT
/*
 * qfence daemon: what the configuration must satisfy once the whole file
 * is read (conf.h): the timing (one validator, the core's), the actions,
 * the rejoin policy, the watchdog, the storage fence and the peers.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "confparse.h"

void qf_conf_timing_profile(struct qf_conf_timing *t, enum qf_conf_profile pr)
{
	if (pr == QF_CONF_PROFILE_FAST)
		*t = (struct qf_conf_timing){ 50, 150, 300, 500, 300, 1000, 50 };
	else
		*t = (struct qf_conf_timing){ 100, 400, 800, 1500, 1000, 1000,
					      100 };
}

/* The file's milliseconds as the core's timing (fence_after aside). */
void qf_conf_timing_core(const struct qf_conf_timing *t, struct qf_timing *out)
{
	*out = (struct qf_timing){
		.heartbeat = t->heartbeat_ms * QF_MS,
		.election_min = t->election_min_ms * QF_MS,
		.election_max = t->election_max_ms * QF_MS,
		.lease = t->lease_ms * QF_MS,
		.settle = t->settle_ms * QF_MS,
		.rho_ppm = t->rho_ppm,
		.margin = t->margin_ms * QF_MS,
	};
}

/*
 * One validator for the whole project: the core's (design.md §2 liveness
 * rule, rule 5, the kernel's limits), so that the file, --check-config and
 * the running core agree on what is safe and on W.
 */
int qf_conf_timing_check(const struct qf_conf_timing *t, uint64_t *wait_ms,
			 char *why, size_t len)
{
	struct qf_timing ct;

	qf_conf_timing_core(t, &ct);
	if (qf_timing_validate(&ct, why, len))
		return -1;
	if (wait_ms)
		*wait_ms = (qf_timing_wait(&ct) + QF_MS - 1) / QF_MS;
	return 0;
}

static int check_actions(struct parse *p)
{
	struct qf_conf *c = &p->c;

	if (!(c->actions & QFENCE_ACTION_IO))
		return fail_at(p, K_ACTIONS, "actions", "'io' is required: "
			       "the IO fence always fires at expiry (rule 6); "
			       "reboot or panic come on top of it");
	if ((c->actions & QFENCE_ACTION_REBOOT) &&
	    (c->actions & QFENCE_ACTION_PANIC))
		return fail_at(p, K_ACTIONS, "actions", "'reboot' and 'panic' "
			       "exclude each other");
	/* log-only never gets here: p_actions refuses it (design.md rule 12) */
	return 0;
}

/*
 * design.md §2.11: the default is after-reboot where a lapse reboots (or
 * panics) the node, manual on an io-only node; when-idle is for io-only
 * nodes (with a reboot action the lapse reboots, and after-reboot is the
 * policy whose evidence that reboot gives).
 */
static int check_rejoin(struct parse *p)
{
	struct qf_conf *c = &p->c;
	bool reboots = c->actions & (QFENCE_ACTION_REBOOT | QFENCE_ACTION_PANIC);

	if (c->rejoin == QF_CONF_REJOIN_UNSET)
		c->rejoin = reboots ? QF_CONF_REJOIN_AFTER_REBOOT :
				      QF_CONF_REJOIN_MANUAL;
	if (c->rejoin == QF_CONF_REJOIN_WHEN_IDLE && reboots)
		return fail_at(p, K_REJOIN, "rejoin", "when-idle is for io-only "
			       "nodes (actions = io): with reboot or panic a "
			       "lapse reboots the node, use after-reboot");
	return 0;
}

const char *qf_conf_rejoin_name(enum qf_conf_rejoin r)
{
	static const char *const n[] = {
		[QF_CONF_REJOIN_UNSET] = "unset",
		[QF_CONF_REJOIN_MANUAL] = "manual",
		[QF_CONF_REJOIN_AFTER_REBOOT] = "after-reboot",
		[QF_CONF_REJOIN_WHEN_IDLE] = "when-idle",
	};

	return (unsigned int)r < sizeof(n) / sizeof(n[0]) ? n[r] : "?";
}

static bool same_addr(const struct qf_conf_addr *x,
		      const struct qf_conf_addr *y)
{
	return x->len == y->len && !memcmp(&x->sa, &y->sa, x->len);
}

/* Two links of one cluster on one socket address is a typo, never a plan. */
static int dup_addr(struct parse *p, const struct qf_conf_peer *a)
{
	const struct qf_conf *c = &p->c;

	for (const struct qf_conf_peer *b = c->peers; b <= a; b++) {
		for (unsigned int i = 0; i < a->naddrs; i++) {
			unsigned int j0 = b == a ? i + 1 : 0;

			for (unsigned int j = j0; j < b->naddrs; j++) {
				if (!same_addr(&a->addr[i], &b->addr[j]))
					continue;
				return conf_fail_line(p, a->line, "peer", "address "
						 "%s of peer %" PRIu32 " is also "
						 "used by peer %" PRIu32
						 " (line %d)", a->addr[i].text,
						 a->id, b->id, b->line);
			}
		}
	}
	return 0;
}

/*
 * design.md §2: with a hardware watchdog, F = max(E + D_io, W_hw + R). The
 * watchdog fires W_hw after the last pet, so settle_ms must cover it.
 */
static int check_watchdog(struct parse *p)
{
	struct qf_conf *c = &p->c;
	uint64_t need = (uint64_t)c->watchdog_timeout_s * 1000;

	if (!c->watchdog_device[0]) {
		if (p->key_line[K_WATCHDOG_TIMEOUT])
			return fail_at(p, K_WATCHDOG_TIMEOUT,
				       "watchdog_timeout_s", "set, but no "
				       "watchdog_device");
		return 0;
	}
	if (!c->watchdog_timeout_s)
		return fail_at(p, K_WATCHDOG, "watchdog_device", "needs "
			       "watchdog_timeout_s: the fence settle time F "
			       "must cover the watchdog's timeout");
	if (c->timing.settle_ms < need)
		return fail_at(p, K_WATCHDOG_TIMEOUT, "watchdog_timeout_s",
			       "%" PRIu32 " s is longer than settle_ms (%" PRIu32
			       " ms): F must cover the watchdog firing and the "
			       "reset (design.md §2); raise settle_ms to at least "
			       "%" PRIu64 " plus the reset time and the "
			       "watchdog's tolerance", c->watchdog_timeout_s,
			       c->timing.settle_ms, need);
	return 0;
}

/*
 * design.md rule 13: require_pr = yes without a device would start a node
 * that believes it is storage-fenced.
 */
static int check_pr(struct parse *p)
{
	struct qf_conf *c = &p->c;

	if (c->require_pr && !c->n_pr_devices)
		return fail_at(p, K_REQUIRE_PR, "require_pr", "yes, but no "
			       "pr_device is set: list every SCSI path "
			       "device of every fenced LUN");
	return 0;	/* node ids fit 16 bits already (QF_CONF_MAX_ID) */
}

static int check_peers(struct parse *p)
{
	struct qf_conf *c = &p->c;
	const struct qf_conf_peer *self;
	unsigned int voters = 0;

	if (!c->npeers)
		return fail_at(p, K_PEER, "[cluster] peer",
			       "no peers: list every member, this node too");
	for (unsigned int i = 0; i < c->npeers; i++) {
		const struct qf_conf_peer *a = &c->peers[i];

		voters += !a->witness;
		if (!a->naddrs)
			return conf_fail_line(p, a->line, "peer", "peer %" PRIu32
					 " has no address", a->id);
		if (dup_addr(p, a))
			return -1;
	}
	self = qf_conf_self(c);
	if (!self)
		return fail_at(p, K_ID, "id", "node %" PRIu32 " is not among "
			       "the peers: list this node with its own "
			       "addresses (they are the ones it binds)",
			       c->node_id);
	if (!voters)
		return fail_at(p, K_PEER, "peer", "every member is a witness: "
			       "nothing to protect");
	if (c->npeers == 2)
		conf_warn(c, "two members: losing either stops both; add a "
		     "witness as a third member");
	return 0;
}

/* A timing error involves several keys: name the first one the file set
 * (lease_ms first, the usual one to raise), else the profile. */
static int timing_error(struct parse *p, const char *why)
{
	static const struct { enum key_id k; const char *name; } order[] = {
		{ K_LEASE, "lease_ms" }, { K_EMAX, "election_max_ms" },
		{ K_EMIN, "election_min_ms" }, { K_HEARTBEAT, "heartbeat_ms" },
		{ K_MARGIN, "margin_ms" }, { K_SETTLE, "settle_ms" },
		{ K_RHO, "rho_ppm" }, { K_PROFILE, "profile" },
	};

	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++)
		if (p->key_line[order[i].k])
			return fail_at(p, order[i].k, order[i].name, "%s", why);
	return fail_at(p, K_COUNT, "timing", "%s", why);
}

int conf_validate(struct parse *p)
{
	struct qf_conf *c = &p->c;
	struct qf_conf_timing prof;
	char why[400];

	if (!c->name[0])
		return fail_at(p, K_COUNT, "[cluster] name", "is required");
	if (!c->key_file[0])
		return fail_at(p, K_COUNT, "[cluster] key_file", "is required");
	if (!c->node_id)
		return fail_at(p, K_COUNT, "[node] id", "is required");
	/* Profile values fill the timing keys that the file did not set. */
	qf_conf_timing_profile(&prof, c->profile);
#define PROFILE(k, field) \
	do { if (!p->key_line[k]) c->timing.field = prof.field; } while (0)
	PROFILE(K_HEARTBEAT, heartbeat_ms);
	PROFILE(K_EMIN, election_min_ms);
	PROFILE(K_EMAX, election_max_ms);
	PROFILE(K_LEASE, lease_ms);
	PROFILE(K_SETTLE, settle_ms);
	PROFILE(K_RHO, rho_ppm);
#undef PROFILE
	/* One round trip fits in a heartbeat, or acks are late anyway. */
	if (!p->key_line[K_MARGIN])
		c->timing.margin_ms = c->timing.heartbeat_ms;
	if (qf_conf_timing_check(&c->timing, &c->wait_ms, why, sizeof(why)))
		return timing_error(p, why);
	if (check_actions(p) || check_rejoin(p) || check_watchdog(p) ||
	    check_pr(p) || check_peers(p))
		return -1;
	return 0;
}
