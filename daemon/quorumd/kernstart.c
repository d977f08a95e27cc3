// SPDX-License-Identifier: MIT
/*
 * The kernel lease at start and stop (kernel.c): log_only refused, the
 * lease created or adopted (rule 7: a FENCED one stays fenced), the
 * emulated lease of kernel = none loaded, and the sockets closed.
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

/* The lease this node's core expects: its committed generation. */
static uint64_t member_gen(struct qd *d)
{
	const struct qf_member *m = qf_state_find(&d->raft.st, d->conf.node_id);

	return m && m->gen ? m->gen : 1;
}

/*
 * kernel = none: the emulated lease outlives the daemon in a file of the
 * data directory, as the kernel's lease does, so that restarts can be
 * tested on the host (adopt, latch, hitless restart).
 */
void kn_emu_save(struct qd *d)
{
	char path[QF_CONF_PATH_LEN + 32], tmp[QF_CONF_PATH_LEN + 40];
	char line[80];
	int fd, n;

	if (!d->k.none)
		return;
	snprintf(path, sizeof(path), "%s/emulated-lease", d->conf.data_dir);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	n = snprintf(line, sizeof(line), "%" PRIu32 " %" PRIu64 " %" PRIu64
		     "\n", d->k.state, d->k.gen, d->k.deadline);
	/* no stdio here: the steady state allocates nothing; renamed into
	 * place, so that a kill -9 mid-write never leaves a torn file */
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return;
	if (write(fd, line, (size_t)n) != n || rename(tmp, path))
		LOG(WARN, "emulated lease: not saved");
	close(fd);
}

static bool emu_load(struct qd *d)
{
	char path[QF_CONF_PATH_LEN + 32];
	uint32_t state;
	uint64_t gen, deadline;
	FILE *f;
	int n;

	snprintf(path, sizeof(path), "%s/emulated-lease", d->conf.data_dir);
	f = fopen(path, "re");
	if (!f)
		return false;
	n = fscanf(f, "%" SCNu32 " %" SCNu64 " %" SCNu64, &state, &gen,
		   &deadline);
	fclose(f);
	if (n != 3 || state > QFENCE_STATE_FENCED || !gen)
		return false;
	d->k.state = state;
	d->k.gen = gen;
	d->k.deadline = deadline;
	return true;
}

void kn_lapsed(struct qd *d, uint64_t gen, const char *why)
{
	struct qd_kernel *k = &d->k;
	struct qd_hook_event ev = { .what = "on_lease_lost",
		.cluster = d->conf.name, .reason = "lapsed", .desc = why,
		.node = d->conf.node_id, .gen = gen };

	k->state = QFENCE_STATE_FENCED;
	kn_emu_save(d);
	LOG(ERR, "kernel lease '%s' generation %" PRIu64 " is FENCED (%s): "
	    "no renewals until a committed rejoin (`quorumctl rejoin`)",
	    d->conf.lease_name, gen, why);
	qf_raft_lapsed(&d->raft, qd_now(), gen);
	if (!d->lease_lost_reported) {
		d->lease_lost_reported = true;
		hooks_run(d, d->conf.on_lease_lost, &ev);
	}
}

/*
 * The generation this node last armed its lease with, in the data
 * directory: durable state that knows an ARMED lease found at start is
 * this node's own (the committed state replayed at start may lag it).
 * Written only when the lease becomes ARMED, not on every renew.
 */

static int create_lease(struct qd *d, uint64_t gen)
{
	struct qd_kernel *k = &d->k;
	uint32_t flags = d->conf.nowayout ? QFENCE_F_NOWAYOUT : 0;

	return kn_request(k, qd_nl_lease_new(k->buf, k->family, ++k->seq,
					  d->conf.lease_name, gen,
					  d->conf.timing.lease_ms + 1,
					  d->conf.actions,
					  d->conf.reboot_delay_ms,
					  d->conf.timing.settle_ms, flags),
		       NULL, NULL);
}

static uint32_t conf_flags(const struct qf_conf *c)
{
	return c->nowayout ? QFENCE_F_NOWAYOUT : 0;
}

/*
 * May this node adopt the lease LEASE_GET showed? W is derived from the
 * configured L and F: a lease created with other parameters (an older
 * configuration) does not give the bound the cluster assumes. Such a lease
 * is recreated when nothing depends on it (DISARMED, no device), else the
 * daemon refuses to start. An ARMED lease of a generation this node's
 * durable state does not know is someone else's (two daemons with one
 * lease_name on one kernel): refused too.
 */
enum qd_adopt qd_adopt_decide(const struct qd_lease_info *li,
			      const struct qf_conf *c, uint64_t known_gen,
			      char *why, size_t len)
{
	uint32_t max_ms = c->timing.lease_ms + 1;

	if ((li->have_params & QD_LI_ALL) != QD_LI_ALL) {
		snprintf(why, len, "LEASE_GET did not report the lease's "
			 "parameters (module too old?)");
		return QD_ADOPT_REFUSE;
	}
	if (li->max_lease_ms != max_ms || li->actions != c->actions ||
	    li->settle_ms != c->timing.settle_ms ||
	    li->flags != conf_flags(c)) {
		snprintf(why, len, "lease has max_lease_ms %" PRIu32
			 " actions %#" PRIx32 " settle_ms %" PRIu32 " flags %#"
			 PRIx32 ", the configuration wants %" PRIu32 " %#"
			 PRIx32 " %" PRIu32 " %#" PRIx32, li->max_lease_ms,
			 li->actions, li->settle_ms, li->flags, max_ms,
			 c->actions, c->timing.settle_ms, conf_flags(c));
		if (li->state == QFENCE_STATE_DISARMED && !li->devices)
			return QD_ADOPT_RECREATE;
		return QD_ADOPT_REFUSE;
	}
	if (li->state == QFENCE_STATE_ARMED && li->gen != known_gen) {
		snprintf(why, len, "lease is ARMED with generation %" PRIu64
			 ", which this node's committed state does not know "
			 "(its generation is %" PRIu64 "): another daemon "
			 "with the same lease_name on this kernel?", li->gen,
			 known_gen);
		return QD_ADOPT_REFUSE;
	}
	why[0] = 0;
	return QD_ADOPT_OK;
}

/* log_only=Y: a fence only logs, the settle bound F is not enforced. */
int qd_log_only_check(const char *val, bool allowed)
{
	if (!val || (val[0] != 'Y' && val[0] != 'y' && val[0] != '1'))
		return 0;
	return allowed ? 0 : -1;
}

static int check_log_only(struct qd *d)
{
	char val[8] = "";
	FILE *f = fopen("/sys/module/qfence/parameters/log_only", "re");
	bool have = false;

	if (f) {
		have = fgets(val, sizeof(val), f) != NULL;
		fclose(f);
	}
	if (!qd_log_only_check(have ? val : NULL, d->allow_log_only)) {
		if (have && qd_log_only_check(val, false))
			LOG(WARN, "*** qfence log_only=Y: TEST ONLY. Reboot and "
			    "panic actions and the settle bound are only "
			    "logged: W does not hold. ***");
		return 0;
	}
	LOG(ERR, "qfence.ko is loaded with log_only=Y: the settle bound F "
	    "would not be enforced and W would not hold. Reload it without "
	    "log_only (rmmod qfence; modprobe qfence), or pass "
	    "--allow-log-only (TEST ONLY)");
	return -1;
}

static void warn_no_devices(const struct qd_lease_info *li, const char *name)
{
	if (!li->devices)
		LOG(WARN, "*** kernel lease '%s' has no device (DEVICES = 0): "
		    "nothing is fenced by it. Load the qfence dm tables of "
		    "the shared storage. ***", name);
}

static int adopt(struct qd *d)
{
	struct qd_lease_info li;
	char why[256];
	int rc = kern_refresh(d, &li);

	if (rc) {
		LOG(ERR, "kernel: LEASE_GET '%s': %s", d->conf.lease_name,
		    strerror(-rc));
		return rc;
	}
	LOG(WARN, "kernel lease '%s' exists: adopting it (state %s, "
	    "generation %" PRIu64 ", %s)", d->conf.lease_name,
	    kn_state_name(li.state), li.gen,
	    li.state == QFENCE_STATE_ARMED && li.deadline > li.now ?
	    "still valid" : "not valid");
	switch (qd_adopt_decide(&li, &d->conf,
				li.gen == qd_num_load(d, ARMED_GEN_FILE) ? li.gen :
				member_gen(d), why, sizeof(why))) {
	case QD_ADOPT_REFUSE:
		LOG(ERR, "kernel lease '%s' cannot be adopted: %s. Refusing "
		    "to start (W assumes the configured L and F).",
		    d->conf.lease_name, why);
		return -1;
	case QD_ADOPT_RECREATE:
		LOG(WARN, "kernel lease '%s': %s; disarmed and unused: "
		    "recreating it", d->conf.lease_name, why);
		rc = kn_request(&d->k, qd_nl_lease_cmd(d->k.buf, d->k.family,
						    ++d->k.seq,
						    QFENCE_CMD_LEASE_DEL,
						    d->conf.lease_name),
			     NULL, NULL);
		if (!rc)
			rc = create_lease(d, member_gen(d));
		if (!rc)
			rejoin_lease_created(d);
		if (rc) {
			LOG(ERR, "kernel: recreating lease '%s': %s",
			    d->conf.lease_name, strerror(-rc));
			return -1;
		}
		return kern_refresh(d, &li) ? -1 : 0;
	case QD_ADOPT_OK:
		break;
	}
	warn_no_devices(&li, d->conf.lease_name);
	if (li.state == QFENCE_STATE_FENCED) {
		kn_lapsed(d, li.gen, "found fenced at start");
		return 0;
	}
	/*
	 * A DISARMED lease of another generation (the committed state may
	 * not be replayed yet): kept as it is; kern_apply_lease moves it to
	 * the core's generation (LEASE_UNFENCE) once it is known, and a renew
	 * of another generation is never sent.
	 */
	return 0;
}

static int open_kernel(struct qd *d)
{
	struct qd_kernel *k = &d->k;
	uint64_t gen = member_gen(d);
	char err[256];
	int rc;

	k->lock_fd = qd_lease_lock(QD_LEASE_LOCK_DIR, d->conf.lease_name, err,
				   sizeof(err));
	if (k->lock_fd < 0) {
		LOG(ERR, "kernel: %s", err);
		return -1;
	}
	k->timeout_ms = kn_nl_timeout_ms(d);
	k->cmd = kn_open_sock(&k->portid, k->timeout_ms);
	k->ev = kn_open_sock(NULL, k->timeout_ms);
	if (!k->cmd || !k->ev) {
		LOG(ERR, "kernel: netlink socket: %s", strerror(errno));
		return -1;
	}
	rc = kn_resolve(k);
	if (rc) {
		LOG(ERR, "kernel: generic netlink family '%s' %s: is qfence.ko "
		    "loaded? (modprobe qfence)", QFENCE_GENL_NAME,
		    rc == -ENOENT ? "not found" : strerror(-rc));
		return -1;
	}
	if (mnl_socket_setsockopt(k->ev, NETLINK_ADD_MEMBERSHIP, &k->mcgrp,
				  sizeof(k->mcgrp)) < 0) {
		LOG(ERR, "kernel: join group '%s': %s", QFENCE_MCGRP_EVENTS,
		    strerror(errno));
		return -1;
	}
	if (check_log_only(d))
		return -1;
	rc = create_lease(d, gen);
	if (rc == -EEXIST)
		return adopt(d);
	if (rc) {
		LOG(ERR, "kernel: LEASE_NEW '%s': %s", d->conf.lease_name,
		    strerror(-rc));
		return -1;
	}
	k->state = QFENCE_STATE_DISARMED;
	k->gen = gen;
	rejoin_lease_created(d);
	LOG(INFO, "kernel lease '%s' created, generation %" PRIu64
	    " (disarmed: IO refused until the first grant)",
	    d->conf.lease_name, gen);
	/*
	 * No device yet is the normal state of a new lease: a qfence dm table
	 * names its lease, so it can only be loaded once the lease exists.
	 * Said once at INFO; an adopted lease still without devices warns.
	 */
	LOG(INFO, "kernel lease '%s' has no device yet: load the qfence dm "
	    "tables of the shared storage now (`quorumctl lease show %s` "
	    "shows DEVICES)", d->conf.lease_name, d->conf.lease_name);
	return 0;
}

int kern_init(struct qd *d)
{
	struct qd_kernel *k = &d->k;

	k->none = d->no_kernel;
	k->lock_fd = -1;
	if (!k->none)
		return open_kernel(d);
	LOG(WARN, "*** kernel = none: TEST-ONLY MODE. No kernel lease, no IO "
	    "fence: this node protects NOTHING. Lease deadlines are only "
	    "emulated and logged. ***");
	k->state = QFENCE_STATE_DISARMED;
	k->gen = member_gen(d);
	if (emu_load(d)) {
		LOG(WARN, "emulated lease '%s' exists: adopting it (state %s, "
		    "generation %" PRIu64 ")", d->conf.lease_name,
		    kn_state_name(k->state), k->gen);
		if (k->state == QFENCE_STATE_FENCED)
			kn_lapsed(d, k->gen, "found fenced at start");
		else
			kern_emulate(d, qd_now());
	}
	kn_emu_save(d);
	return 0;
}

void kern_fini(struct qd *d)
{
	if (d->k.cmd)
		mnl_socket_close(d->k.cmd);
	if (d->k.ev)
		mnl_socket_close(d->k.ev);
	d->k.cmd = d->k.ev = NULL;
	if (d->k.lock_fd >= 0)
		close(d->k.lock_fd);	/* releases the flock */
	d->k.lock_fd = -1;
}
