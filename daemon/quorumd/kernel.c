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
#include "quorumd.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

static const char *state_name(uint32_t s)
{
	static const char *const n[] = { "disarmed", "armed", "fenced" };

	return s <= QFENCE_STATE_FENCED ? n[s] : "?";
}

/*
 * Only the kernel speaks for qfence.ko: anything else is counted and
 * ignored, logged at most every 10 s (a flood must not flood the journal).
 */
static bool trusted(struct qd_kernel *k, const struct sockaddr_nl *from,
		    const struct nlmsghdr *h, uint16_t type, bool ack_ok)
{
	qf_ns now;

	if (qd_nl_from_kernel(from, h, type, ack_ok))
		return true;
	k->foreign++;
	now = qd_now();
	if (!k->foreign_logged || now - k->foreign_logged >= 10000 * QF_MS) {
		k->foreign_logged = now;
		LOG(WARN, "kernel: ignored a netlink message that is not "
		    "qfence.ko's (sender port %" PRIu32 ", type %u, expected "
		    "port 0 and type %u; %" PRIu64 " so far): a process with "
		    "CAP_NET_ADMIN in this network namespace is writing to "
		    "quorumd's netlink sockets", from ? from->nl_pid : 0,
		    h->nlmsg_type, type, k->foreign);
	}
	return false;
}

/*
 * One datagram of the command socket while the request (seq, its
 * nlmsg_type) waits: 1 while the answer is still to come, else its
 * result (-errno or 0). A non-ack answer of the request is copied to
 * reply when it is set (LEASE_GET).
 */
int kern_reply_input(struct qd_kernel *k, const void *buf, size_t len,
		     const struct sockaddr_nl *from, uint32_t seq,
		     uint16_t type, void *reply, size_t *reply_len)
{
	int n = (int)len;
	char msg[128];

	for (const struct nlmsghdr *h = buf; mnl_nlmsg_ok(h, n);
	     h = mnl_nlmsg_next(h, &n)) {
		int rc;

		if (!trusted(k, from, h, type, true))
			continue;
		rc = qd_nl_ack(h, h->nlmsg_len, seq, msg, sizeof(msg));

		if (rc == 1 && h->nlmsg_seq == seq && reply &&
		    h->nlmsg_len <= KERN_BUF) {
			memcpy(reply, h, h->nlmsg_len);
			*reply_len = h->nlmsg_len;
			continue;
		}
		if (rc == 1)
			continue;
		if (rc < 0 && msg[0])
			LOG(WARN, "kernel: %s", msg);
		return rc;
	}
	return 1;
}

/* Send the message in k->buf and wait for its ack; -errno or 0. When
 * reply is set, the first non-ack answer is copied there (LEASE_GET). */
static int request(struct qd_kernel *k, size_t len, void *reply,
		   size_t *reply_len)
{
	const struct nlmsghdr *req = (const struct nlmsghdr *)k->buf;
	uint32_t seq = req->nlmsg_seq;
	uint16_t type = req->nlmsg_type;
	struct sockaddr_nl from;
	socklen_t fromlen;
	ssize_t n;
	int rc;

	if (mnl_socket_sendto(k->cmd, k->buf, len) < 0)
		return -errno;
	for (;;) {
		fromlen = sizeof(from);
		memset(&from, 0, sizeof(from));
		n = recvfrom(mnl_socket_get_fd(k->cmd), k->buf, sizeof(k->buf),
			     0, (struct sockaddr *)&from, &fromlen);
		if (n < 0)
			return errno == EAGAIN ? -ETIMEDOUT : -errno;
		rc = kern_reply_input(k, k->buf, (size_t)n, &from, seq, type,
				      reply, reply_len);
		if (rc != 1)
			return rc;
	}
}

/*
 * Generic netlink runs the module's handler inside sendmsg(): the reply
 * is queued before the request call returns, so a receive only waits when
 * the reply was lost (a full socket buffer). The single-threaded loop then
 * stalls for the timeout, and with it the heartbeats: bounded by one
 * heartbeat (at least 20 ms), never more than 2 s, so that even a lost
 * reply on the fast profile (L 500 ms) costs one heartbeat, not a lease.
 */
static uint32_t nl_timeout_ms(const struct qd *d)
{
	uint64_t hb = d->core_cfg.timing.heartbeat / QF_MS;

	return hb < 20 ? 20U : hb > 2000 ? 2000U : (uint32_t)hb;
}

static struct mnl_socket *open_sock(uint32_t *portid, uint32_t timeout_ms)
{
	struct mnl_socket *s = mnl_socket_open2(NETLINK_GENERIC, SOCK_CLOEXEC);
	struct timeval tv = {
		.tv_sec = timeout_ms / 1000,
		.tv_usec = (timeout_ms % 1000) * 1000,
	};
	int one = 1;

	if (!s)
		return NULL;
	if (mnl_socket_bind(s, 0, MNL_SOCKET_AUTOPID) < 0) {
		mnl_socket_close(s);
		return NULL;
	}
	mnl_socket_setsockopt(s, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(s, NETLINK_CAP_ACK, &one, sizeof(one));
	setsockopt(mnl_socket_get_fd(s), SOL_SOCKET, SO_RCVTIMEO, &tv,
		   sizeof(tv));
	if (portid)
		*portid = mnl_socket_get_portid(s);
	return s;
}

static int resolve(struct qd_kernel *k)
{
	static uint8_t reply[KERN_BUF];
	size_t rlen = 0;
	int rc;

	rc = request(k, qd_nl_getfamily(k->buf, ++k->seq), reply, &rlen);
	if (rc == -ENOENT)
		return -ENOENT;
	if (rc)
		return rc;
	return qd_nl_parse_family(reply, rlen, &k->family, &k->mcgrp);
}

/*
 * --check-config: is the generic netlink family "qfence" there (the module
 * loaded)? 0 yes, -ENOENT no, another -errno if the kernel was not asked.
 */
int kern_probe_family(void)
{
	static struct qd_kernel k;
	int rc;

	memset(&k, 0, sizeof(k));
	k.cmd = open_sock(&k.portid, 1000);
	if (!k.cmd)
		return errno ? -errno : -EIO;
	rc = resolve(&k);
	mnl_socket_close(k.cmd);
	return rc;
}

int kern_refresh(struct qd *d, struct qd_lease_info *li)
{
	static uint8_t reply[KERN_BUF];
	struct qd_kernel *k = &d->k;
	size_t rlen = 0;
	int rc;

	if (k->none) {
		memset(li, 0, sizeof(*li));
		li->state = k->state;
		li->gen = k->gen;
		li->deadline = k->deadline;
		li->now = qd_now();
		return 0;
	}
	rc = request(k, qd_nl_lease_cmd(k->buf, k->family, ++k->seq,
					QFENCE_CMD_LEASE_GET,
					d->conf.lease_name), reply, &rlen);
	if (rc)
		return rc;
	if (!rlen)
		return -EBADMSG;
	rc = qd_nl_parse_lease(reply, rlen, li);
	if (!rc) {
		k->state = li->state;
		k->gen = li->gen;
		k->deadline = li->deadline;
	}
	return rc;
}

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
static void emu_save(struct qd *d)
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

static void lapsed(struct qd *d, uint64_t gen, const char *why)
{
	struct qd_kernel *k = &d->k;
	struct qd_hook_event ev = { .what = "on_lease_lost",
		.cluster = d->conf.name, .reason = "lapsed", .desc = why,
		.node = d->conf.node_id, .gen = gen };

	k->state = QFENCE_STATE_FENCED;
	emu_save(d);
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
#define ARMED_GEN_FILE "lease-armed-gen"

static int create_lease(struct qd *d, uint64_t gen)
{
	struct qd_kernel *k = &d->k;
	uint32_t flags = d->conf.nowayout ? QFENCE_F_NOWAYOUT : 0;

	return request(k, qd_nl_lease_new(k->buf, k->family, ++k->seq,
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
	    state_name(li.state), li.gen,
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
		rc = request(&d->k, qd_nl_lease_cmd(d->k.buf, d->k.family,
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
		lapsed(d, li.gen, "found fenced at start");
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
	k->timeout_ms = nl_timeout_ms(d);
	k->cmd = open_sock(&k->portid, k->timeout_ms);
	k->ev = open_sock(NULL, k->timeout_ms);
	if (!k->cmd || !k->ev) {
		LOG(ERR, "kernel: netlink socket: %s", strerror(errno));
		return -1;
	}
	rc = resolve(k);
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
		    state_name(k->state), k->gen);
		if (k->state == QFENCE_STATE_FENCED)
			lapsed(d, k->gen, "found fenced at start");
		else
			kern_emulate(d, qd_now());
	}
	emu_save(d);
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
	    " (was %s)", d->conf.lease_name, why, state_name(li.state), li.gen,
	    state_name(was));
	if (li.state == QFENCE_STATE_FENCED)
		lapsed(d, li.gen, why);
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
		lapsed(d, ev->gen, lapse_why(ev));
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
		if (trusted(&d->k, from, h, d->k.family, false) &&
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
					lapsed(d, li.gen, "seen after overrun");
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
		rc = request(k, qd_nl_lease_cmd(k->buf, k->family, ++k->seq,
						QFENCE_CMD_LEASE_FENCE,
						d->conf.lease_name), NULL, NULL);
	if (rc) {
		LOG(ERR, "kernel: LEASE_FENCE '%s': %s", d->conf.lease_name,
		    strerror(-rc));
		if (rc == -EINVAL || rc == -ESTALE || rc == -ECANCELED)
			reconcile(d, "a refused LEASE_FENCE");
	} else
		lapsed(d, k->gen, why);
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
		rc = request(k, qd_nl_lease_gen(k->buf, k->family, ++k->seq,
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
	emu_save(d);
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
		rc = request(k, qd_nl_lease_renew(k->buf, k->family, ++k->seq,
						  d->conf.lease_name, deadline,
						  gen), NULL, NULL);
	else
		rc = deadline <= now || deadline - now > kern_max_ns(d) ?
		     -ERANGE : 0;
	if (rc == -ECANCELED) {
		lapsed(d, gen, "renew refused: fenced");
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
	emu_save(d);
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
		rc = request(k, qd_nl_lease_update(k->buf, k->family, ++k->seq,
						   d->conf.lease_name, k->gen,
						   max_lease_ms, settle_ms),
			     NULL, NULL);
		if (rc == -ECANCELED)
			lapsed(d, k->gen, "LEASE_UPDATE refused: fenced");
		else if (rc == -ESTALE)
			reconcile(d, "a refused LEASE_UPDATE");
		return rc;
	}
	if (k->state == QFENCE_STATE_FENCED)
		return -ECANCELED;
	if (k->state == QFENCE_STATE_ARMED && now >= k->deadline) {
		lapsed(d, k->gen, "expired (emulated)");
		return -ECANCELED;
	}
	cap = now + (qf_ns)max_lease_ms * QF_MS;
	if (max_lease_ms && k->state == QFENCE_STATE_ARMED && k->deadline > cap)
		k->deadline = cap;
	emu_save(d);
	return 0;
}

/* TEST-ONLY emulation of the kernel's expiry timer. */
void kern_emulate(struct qd *d, qf_ns now)
{
	struct qd_kernel *k = &d->k;

	if (k->none && k->state == QFENCE_STATE_ARMED && now >= k->deadline)
		lapsed(d, k->gen, "expired (emulated)");
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
		rc = request(k, qd_nl_lease_cmd(k->buf, k->family, ++k->seq,
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
	emu_save(d);
	LOG(INFO, "kernel lease '%s' disarmed (clean leave)",
	    d->conf.lease_name);
	return 0;
}
