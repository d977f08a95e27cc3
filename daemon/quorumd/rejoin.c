// SPDX-License-Identifier: MIT
/*
 * The node's side of design.md §2.11's rejoin policies: its evidence, its
 * request to the leader, and the leader's side of a request.
 *
 * While this node's committed state shows it fenced and it knows a leader,
 * a node with `rejoin = after-reboot` or `when-idle` asks every two
 * heartbeats (one datagram can be lost; a duplicate at the leader is
 * refused as pending or not fenced). It sends what it knows: its kernel
 * boot (read at start), the kernel boot it last armed a lease in (its
 * durable record, data_dir/armed-boot, written before the first arm of
 * each daemon start), whether its kernel lease is fresh. when-idle checks
 * and drops the page cache right before each request. The leader decides
 * (daemon/core/rejoin.c); a condition that fails here or there is logged
 * once per change and shown by `quorumctl status`.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/dm-ioctl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>

#include "quorumd.h"
#include "rejoinprobe.h"

#define ARMED_BOOT_FILE "armed-boot"
#define DM_CONTROL "/dev/mapper/control"
#define MAX_DEVS 16

/* At start: this boot, and the boot the last arm happened in. */
void rejoin_init(struct qd *d)
{
	char why[256];

	memset(&d->rj, 0, sizeof(d->rj));
	d->rj.armed_boot = (uint32_t)qd_num_load(d, ARMED_BOOT_FILE);
	if (qf_kboot_read("", &d->rj.kboot, why, sizeof(why))) {
		d->rj.kboot = 0;	/* after-reboot will be refused */
		LOG(WARN, "rejoin: %s: no after-reboot evidence", why);
	}
}

/* kernel.c: a lease created by this daemon start (fresh, design.md §2.11). */
void rejoin_lease_created(struct qd *d)
{
	d->rj.lease_fresh = true;
	d->rj.armed_max = 0;
}

/*
 * kernel.c, before the renew that arms the lease: the record that a lease
 * was armed in this boot is durable first, or the arm does not happen (a
 * crash in between must not leave a record of an older boot).
 */
int rejoin_before_arm(struct qd *d, uint64_t gen)
{
	if (gen > d->rj.armed_max)
		d->rj.armed_max = gen;
	if (d->rj.armed_saved || !d->rj.kboot)
		return 0;
	if (qd_num_save(d, ARMED_BOOT_FILE, d->rj.kboot)) {
		LOG(ERR, "rejoin: cannot save %s: lease not armed",
		    ARMED_BOOT_FILE);
		return -1;
	}
	d->rj.armed_saved = true;
	return 0;
}

static void say(struct qd *d, const char *why)
{
	if (!strcmp(d->rj.why, why))
		return;
	snprintf(d->rj.why, sizeof(d->rj.why), "%s", why);
	if (why[0])
		LOG(WARN, "rejoin (%s): stays fenced: %s",
		    qf_conf_rejoin_name(d->conf.rejoin), why);
}

/* The qfence tables naming our lease: DM_LIST_DEVICES, DM_TABLE_STATUS. */
static int dm_call(int fd, unsigned long cmd, struct dm_ioctl *io, size_t sz,
		   const char *name)
{
	memset(io, 0, sz);
	io->version[0] = DM_VERSION_MAJOR;
	io->data_size = (uint32_t)sz;
	io->data_start = sizeof(*io);
	if (name)
		snprintf(io->name, sizeof(io->name), "%s", name);
	if (cmd == DM_TABLE_STATUS)
		io->flags = DM_STATUS_TABLE_FLAG;	/* the table line */
	return ioctl(fd, cmd, io);
}

/*
 * Does a DM_TABLE_STATUS reply hold a qfence target naming `lease' (any
 * target of the table, not only the first)? 1 yes, 0 no, -1 if the reply
 * is truncated or malformed: the when-idle verdict then fails closed
 * (design.md §2.11: a device we could not read may be one of ours).
 */
int qd_dm_table_names_lease(const struct dm_ioctl *io, size_t sz,
			    const char *lease)
{
	const char *base = (const char *)io, *data;
	size_t room, off = 0;

	if (sz < sizeof(*io) || io->data_size > sz ||
	    io->data_start < sizeof(*io) || io->data_start > io->data_size ||
	    (io->flags & DM_BUFFER_FULL_FLAG))
		return -1;
	data = base + io->data_start;
	room = io->data_size - io->data_start;
	for (uint32_t i = 0; i < io->target_count; i++) {
		const struct dm_target_spec *t = (const void *)(data + off);
		const char *params, *sp;

		if (off > room || room - off < sizeof(*t) + 1 ||
		    !memchr(data + off + sizeof(*t), 0,
			    room - off - sizeof(*t)))
			return -1;
		params = (const char *)(t + 1);
		sp = strchr(params, ' ');	/* "<device> <lease>" */
		if (!strncmp(t->target_type, "qfence", sizeof(t->target_type)) &&
		    sp && !strcmp(sp + 1, lease))
			return 1;
		if (t->next <= off && i + 1 < io->target_count)
			return -1;		/* must move forward */
		off = t->next;
	}
	return 0;
}

/* The qfence devices naming our lease, or -1 and why: a failed or
 * truncated listing is not "no device" (fail closed, design.md §2.11). */
static int fence_devs(struct qd *d, int fd, struct qf_fence_dev *out,
		      char *why, size_t len)
{
	static uint64_t list[4096], st[1024];
	struct dm_ioctl *io = (void *)list, *s = (void *)st;
	struct dm_name_list *nl;
	size_t off;
	int n = 0, r;

	if (dm_call(fd, DM_LIST_DEVICES, io, sizeof(list), NULL) ||
	    (io->flags & DM_BUFFER_FULL_FLAG) || io->data_size > sizeof(list)) {
		snprintf(why, len, "cannot list the device-mapper devices: "
			 "idle not shown");
		return -1;
	}
	if (io->data_size <= io->data_start)
		return 0;
	off = io->data_start;
	do {
		nl = (void *)((char *)io + off);
		if (off + sizeof(*nl) > io->data_size)
			break;
		if (!nl->dev)
			break;
		if (dm_call(fd, DM_TABLE_STATUS, s, sizeof(st), nl->name))
			r = errno == ENXIO ? 0 : -1;	/* removed meanwhile */
		else
			r = qd_dm_table_names_lease(s, sizeof(st),
						    d->conf.lease_name);
		if (r < 0) {
			snprintf(why, len, "cannot read the table of %s: idle "
				 "not shown", nl->name);
			return -1;
		}
		if (r && n == MAX_DEVS) {
			snprintf(why, len, "more than %d fence devices: idle "
				 "not shown", MAX_DEVS);
			return -1;
		}
		if (r) {
			snprintf(out[n].name, sizeof(out[n].name), "%s",
				 nl->name);
			out[n].major = (unsigned int)(s->dev >> 8) & 0xfff;
			out[n].minor = (unsigned int)((s->dev & 0xff) |
						      ((s->dev >> 12) & 0xfff00));
			out[n].open_count = s->open_count;
			n++;
		}
		off += nl->next;
	} while (nl->next);
	return n;
}

/* BLKFLSBUF on every device: clean pages read under the fenced
 * generation must not be read by the next opener (design.md §2.11). */
static int drop_caches(const struct qf_fence_dev *v, size_t n, char *why,
		       size_t len)
{
	char path[192];

	for (size_t i = 0; i < n; i++) {
		int fd;

		snprintf(path, sizeof(path), "/dev/mapper/%s", v[i].name);
		fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
		if (fd < 0 || ioctl(fd, BLKFLSBUF, 0)) {
			snprintf(why, len, "cannot drop the page cache of %s: "
				 "%s", path, strerror(errno));
			if (fd >= 0)
				close(fd);
			return -1;
		}
		close(fd);
	}
	return 0;
}

static int idle_check(struct qd *d, char *why, size_t len)
{
	struct qf_fence_dev v[MAX_DEVS];
	int fd = open(DM_CONTROL, O_RDWR | O_CLOEXEC);
	int n;

	if (fd < 0) {
		snprintf(why, len, "cannot open %s: %s: idle not shown",
			 DM_CONTROL, strerror(errno));
		return -1;
	}
	n = fence_devs(d, fd, v, why, len);
	close(fd);
	if (n < 0 || qf_idle_verdict("", v, (size_t)n, why, len))
		return -1;
	return drop_caches(v, (size_t)n, why, len);
}

/* The node's own view of after-reboot (the leader judges again). */
static int reboot_check(const struct qd *d, uint64_t fenced_gen, char *why,
			size_t len)
{
	const struct qf_member *s = qf_state_find(&d->raft.st,
						  d->conf.node_id);

	if (!d->rj.kboot)
		snprintf(why, len, "the kernel's boot id is unknown");
	else if (d->rj.kboot == d->rj.armed_boot ||
		 (s && d->rj.kboot == s->join_boot))
		snprintf(why, len, "no new kernel boot since the lease was "
			 "armed (reboot the node, or quorumctl rejoin)");
	else if (!d->rj.lease_fresh || d->rj.armed_max >= fenced_gen)
		snprintf(why, len, "the kernel lease is not fresh (it was "
			 "armed with the fenced generation in this boot)");
	else
		return 0;
	return -1;
}

static struct qf_join_req request_of(const struct qd *d, uint64_t fenced_gen)
{
	return (struct qf_join_req){
		.node = d->conf.node_id,
		.reason = d->conf.rejoin == QF_CONF_REJOIN_WHEN_IDLE ?
			  QF_JOIN_WHEN_IDLE : QF_JOIN_AFTER_REBOOT,
		.lease_fresh = d->rj.lease_fresh &&
			       d->rj.armed_max < fenced_gen,
		.fenced_gen = fenced_gen,
		.boot = d->rj.kboot,
		.armed_boot = d->rj.armed_boot,
	};
}

static void ask(struct qd *d, qf_ns now, const struct qf_join_req *q)
{
	int rc;

	if (d->raft.state != QF_LEADER) {
		net_send_auto_rejoin(d, d->raft.leader, q);
		return;
	}
	rc = qf_raft_propose_auto_join(&d->raft, now, (uint64_t)time(NULL), q);
	say(d, rc && rc != -QF_EEXIST ? qf_strerror(rc) : "");
}

static bool asks(const struct qd *d)
{
	const struct qf_member *s = qf_state_find(&d->raft.st,
						  d->conf.node_id);

	/* an operator's fence: nothing to ask for (only an operator's
	 * rejoin ends it), so no wake-up either: a timer due at once, with
	 * nothing done when it fires, spins the loop at its RT priority */
	return (d->conf.rejoin == QF_CONF_REJOIN_AFTER_REBOOT ||
		d->conf.rejoin == QF_CONF_REJOIN_WHEN_IDLE) &&
	       s && s->fenced_gen >= s->gen &&
	       s->fence_reason != QF_FENCE_ADMIN && d->raft.leader &&
	       !d->leaving;
}

/* The loop's timer must wake for the next request: a follower's core
 * asks for a tick only at its election deadline. */
qf_ns rejoin_next(const struct qd *d)
{
	if (!asks(d))
		return 0;
	return d->rj.next ? d->rj.next : 1;
}

void rejoin_tick(struct qd *d, qf_ns now)
{
	const struct qf_member *s = qf_state_find(&d->raft.st,
						  d->conf.node_id);
	struct qf_join_req q;
	char why[256];

	if (d->conf.rejoin != QF_CONF_REJOIN_AFTER_REBOOT &&
	    d->conf.rejoin != QF_CONF_REJOIN_WHEN_IDLE)
		return;
	if (!s || s->fenced_gen < s->gen) {
		say(d, "");		/* not fenced: nothing to ask */
		return;
	}
	if (s->fence_reason == QF_FENCE_ADMIN) {
		/* an operator's fence: only an operator's rejoin ends it
		 * (design.md §2.11); the leader would refuse, so ask not */
		say(d, qf_strerror(-QF_EOPFENCED));
		return;
	}
	if (now < d->rj.next || !d->raft.leader || d->leaving)
		return;
	d->rj.next = now + 2 * d->core_cfg.timing.heartbeat;
	if (qf_raft_flapping(&d->raft, d->conf.node_id, (uint64_t)time(NULL))) {
		say(d, qf_strerror(-QF_EFLAPPING));
		return;
	}
	if (d->conf.rejoin == QF_CONF_REJOIN_WHEN_IDLE ?
	    (d->k.none ? 0 : idle_check(d, why, sizeof(why))) :
	    reboot_check(d, s->fenced_gen, why, sizeof(why))) {
		say(d, why);
		return;
	}
	q = request_of(d, s->fenced_gen);
	ask(d, now, &q);
}

/* The leader's side: only the node itself may ask for its own rejoin. */
void rejoin_on_request(struct qd *d, uint32_t from, const uint8_t *p,
		       size_t len)
{
	struct qf_join_req q;
	int rc;

	if (qd_dec_auto_rejoin(p, len, &q) || q.node != from) {
		d->bad_payload++;
		LOG(WARN, "automatic rejoin request from %" PRIu32 " refused: "
		    "malformed or not its own", from);
		return;
	}
	rc = qf_raft_propose_auto_join(&d->raft, qd_now(), (uint64_t)time(NULL),
				       &q);
	if (rc == -QF_EEXIST || rc == -QF_ENOTFENCED)
		return;		/* a resend while pending, or just after */
	if (rc)
		LOG(WARN, "automatic rejoin (%s) of node %" PRIu32 " gen %"
		    PRIu64 " refused: %s", qf_join_reason_name(q.reason),
		    q.node, q.fenced_gen, qf_strerror(rc));
	else
		LOG(INFO, "automatic rejoin (%s) of node %" PRIu32 " gen %"
		    PRIu64 ": proposed", qf_join_reason_name(q.reason), q.node,
		    q.fenced_gen);
}
