/* SPDX-License-Identifier: MIT */
/*
 * quorumd: the daemon around the pure Raft core (design.md §4).
 *
 * One process, one epoll loop (loop.c); one more thread only for the
 * storage fence's blocking PR commands (prwork.c). Modules, each a file
 * with an init/fini pair called in order from main.c and in reverse at exit:
 *
 *   log.c      LOG() to stderr (the journal picks it up)
 *   persist.c  the core's durable state on the infra store
 *   net.c      UDP sockets, one per own address (redundant links)
 *   kernel.c   the kernel lease over generic netlink (libmnl)
 *   clock.c    clock guard: adjtimex rate vs ρ before every renew
 *   timing.c   one cluster timing (rule 9): log lines and status
 *   control.c  the quorumctl socket (ctl_proto.h)
 *   lifecycle.c  clean leave (SIGTERM, LEAVE), SIGHUP reload
 *   checkconf.c  --check-config
 *   hooks.c    on_fenced / on_lease_lost, fork/exec, reaped by SIGCHLD,
 *              killed after hook_timeout_ms
 *   runtime.c  mlockall, SCHED_RR, sd_notify, /dev/watchdog
 *   prjob.c, prdev.c, prwork.c, prinit.c  the storage fence (SCSI-3 PR,
 *              design.md rule 13): the one worker thread, see prfence.h
 *
 * Steady state allocates nothing: every buffer lives in struct qd, which
 * main() allocates once.
 */
#ifndef QUORUMD_H
#define QUORUMD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "raft.h"
#include "conf.h"
#include "wire.h"
#include "store.h"
#include "ctl_proto.h"
#include "udp.h"
#include "prfence.h"

/* ---- log.c ---- */
enum { LOG_ERR_ = 3, LOG_WARN_ = 4, LOG_INFO_ = 6, LOG_DEBUG_ = 7 };
extern int qd_log_level;
void qd_log(int sev, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void qd_log_init(void);
#define LOG(sev, ...) do { if (LOG_##sev##_ <= qd_log_level) \
	qd_log(LOG_##sev##_, __VA_ARGS__); } while (0)

/* ---- time ---- */
qf_ns qd_now(void);		/* CLOCK_BOOTTIME, ns (the kernel's clock) */
#define NS_MS(x) ((int64_t)(x) / (int64_t)QF_MS)

/* ---- kernel.c ---- */
#define KERN_BUF 8192

struct qd_lease_info {
	uint32_t state;			/* QFENCE_STATE_* */
	uint64_t gen;
	uint64_t deadline;
	uint64_t now;
	uint64_t renewals;
	uint32_t max_lease_ms, actions, settle_ms, flags, devices;
	uint64_t inflight, drained_ns;
	uint32_t have_params;		/* bits: max_lease, actions, settle,
					 * flags, devices (QD_LI_ALL: all) */
	bool have_state, have_gen;
};
#define QD_LI_ALL	0x1fU

struct qd_event {
	uint32_t event;			/* QFENCE_EVENT_* */
	char name[32];
	uint64_t gen;
	uint64_t ts;
	uint64_t deadline;
	uint32_t reason;
};

struct qd_kernel {
	bool none;			/* TEST ONLY: no kernel module */
	struct mnl_socket *cmd;
	struct mnl_socket *ev;
	uint16_t family;
	uint32_t mcgrp;
	uint32_t seq;
	uint32_t portid;
	uint32_t state;			/* our view: QFENCE_STATE_* */
	uint64_t gen;			/* generation the kernel lease has */
	uint64_t deadline;		/* last deadline given */
	uint64_t renewals, renew_errors;
	uint64_t unfence_gen;		/* committed rejoin not applied yet */
	uint64_t unfence_busy;		/* LEASE_UNFENCE refused: not drained */
	uint64_t unfence_next;		/* qf_ns: next retry, not before */
	uint32_t timeout_ms;		/* netlink request timeout */
	uint64_t foreign;		/* netlink messages not the kernel's */
	qf_ns foreign_logged;		/* last time one was logged */
	int lock_fd;			/* leaselock.c, held for life */
	uint8_t buf[KERN_BUF];
};

/* leaselock.c: one daemon per kernel lease; the fd, or -1 and err. */
#define QD_LEASE_LOCK_DIR "/run/qfence"
int qd_lease_lock(const char *dir, const char *name, char *err,
		  size_t errlen);

/* Pure decisions of kernel.c (unit-tested). */
enum qd_ev_act { QD_EV_IGNORE, QD_EV_LAPSED, QD_EV_LOG };
enum qd_ev_act qd_event_decide(const char *lease_name, uint64_t cur_gen,
			       const struct qd_event *ev);
enum qd_adopt { QD_ADOPT_OK, QD_ADOPT_RECREATE, QD_ADOPT_REFUSE };
struct qf_conf;
enum qd_adopt qd_adopt_decide(const struct qd_lease_info *li,
			      const struct qf_conf *c, uint64_t known_gen,
			      char *why, size_t len);
/* 0: fine; -1: log_only is on and not allowed (val: sysfs text or NULL) */
int qd_log_only_check(const char *val, bool allowed);


/* Pure builders/parsers (unit-tested without a kernel). Each builder
 * writes one message into buf (KERN_BUF) and returns its length. */
size_t qd_nl_getfamily(void *buf, uint32_t seq);
int qd_nl_parse_family(const void *buf, size_t len, uint16_t *family,
		       uint32_t *mcgrp);
size_t qd_nl_lease_new(void *buf, uint16_t family, uint32_t seq,
		       const char *name, uint64_t gen, uint32_t max_lease_ms,
		       uint32_t actions, uint32_t reboot_delay_ms,
		       uint32_t settle_ms, uint32_t flags);
size_t qd_nl_lease_renew(void *buf, uint16_t family, uint32_t seq,
			 const char *name, uint64_t deadline, uint64_t gen);
size_t qd_nl_lease_update(void *buf, uint16_t family, uint32_t seq,
			  const char *name, uint64_t gen,
			  uint32_t max_lease_ms, uint32_t settle_ms);
size_t qd_nl_lease_gen(void *buf, uint16_t family, uint32_t seq, int cmd,
		       const char *name, uint64_t gen);
size_t qd_nl_lease_cmd(void *buf, uint16_t family, uint32_t seq, int cmd,
		       const char *name);
int qd_nl_parse_lease(const void *buf, size_t len, struct qd_lease_info *li);
int qd_nl_parse_event(const void *buf, size_t len, struct qd_event *ev);
struct sockaddr_nl;
struct nlmsghdr;
/* Sent by the kernel (port id 0), of family `type' (or an ack)? */
bool qd_nl_from_kernel(const struct sockaddr_nl *from,
		       const struct nlmsghdr *h, uint16_t type, bool ack_ok);
/* 0 for an ack, -errno for an error reply, 1 for something else. */
int qd_nl_ack(const void *buf, size_t len, uint32_t seq, char *msg,
	      size_t msglen);

struct qd;
int kern_init(struct qd *d);
void kern_fini(struct qd *d);
int kern_event_fd(const struct qd *d);
void kern_on_event(struct qd *d);
void kern_event_input(struct qd *d, const void *buf, size_t len,
		      const struct sockaddr_nl *from);
int kern_reply_input(struct qd_kernel *k, const void *buf, size_t len,
		     const struct sockaddr_nl *from, uint32_t seq,
		     uint16_t type, void *reply, size_t *reply_len);
void kern_apply_event(struct qd *d, const struct qd_event *ev);
/* Step 4 of the batch order (raft.h). */
void kern_apply_lease(struct qd *d, const struct qf_ready *rd);
void kern_fence(struct qd *d, const char *why);
int kern_disarm(struct qd *d);
int kern_update(struct qd *d, uint32_t max_lease_ms, uint32_t settle_ms);
int kern_refresh(struct qd *d, struct qd_lease_info *li);
void kern_emulate(struct qd *d, qf_ns now);	/* kernel = none only */
void kern_tick(struct qd *d, qf_ns now);	/* retries (unfence) */
int kern_probe_family(void);	/* 0: module loaded, -ENOENT: not */

/* ---- checkconf.c: --check-config ---- */
int qd_check_config(const char *path, bool no_kernel);

/* ---- clock.c ---- */
bool clock_ok_to_renew(struct qd *d);
void clock_guard_tick(struct qd *d, qf_ns now);

/* timing.c: design.md rule 9, the operator's view */
void timing_refused(struct qd *d, qf_ns now, uint32_t from);
void timing_tick(struct qd *d, qf_ns now);
bool timing_mismatch(const struct qd *d, qf_ns now);
void timing_apply(struct qd *d, const struct qf_ready *rd, qf_ns now);
/* ctltiming.c: TIMING_SET and TIMING_STATUS of the control socket. */
int qd_ctl_timing_set(struct qd *d, const struct qfctl_req_timing *rq,
		      struct qfctl_result *r);
void qd_ctl_fill_timing(const struct qd *d, struct qfctl_timing *t);
void timing_retry(struct qd *d, qf_ns now);
uint32_t timing_guard_rho(const struct qd *d);

/* ---- codec.c: entries and snapshots on disk ---- */
/* Datagram payloads: a core message (daemon/core/codec.h, starts with 'Q')
 * or a forwarded REJOIN (this byte, then the node id, 4 bytes, and the
 * fenced generation it ends, 8 bytes; little-endian: design.md rule 11). */
#define QD_PKT_REJOIN	2
#define QD_REJOIN_LEN	13
/* rejoin.c, when-idle: does a DM_TABLE_STATUS reply of sz bytes hold a
 * qfence target naming lease? 1, 0, or -1 if truncated or malformed. */
struct dm_ioctl;
int qd_dm_table_names_lease(const struct dm_ioctl *io, size_t sz,
			    const char *lease);
/* A node's own automatic rejoin request (design.md §2.11): this byte, the
 * node id (4), the fenced generation (8), the reason (1), lease fresh
 * (1: 0 or 1), its kernel boot (4) and the boot it last armed in (4). */
#define QD_PKT_AUTO_REJOIN	3
#define QD_AUTO_REJOIN_LEN	23
struct qf_join_req;
size_t qd_enc_auto_rejoin(const struct qf_join_req *q, uint8_t *buf,
			  size_t cap);
int qd_dec_auto_rejoin(const uint8_t *buf, size_t len, struct qf_join_req *q);
size_t qd_enc_rejoin(uint32_t node, uint64_t fenced_gen, uint8_t *buf,
		     size_t cap);
int qd_dec_rejoin(const uint8_t *buf, size_t len, uint32_t *node,
		  uint64_t *fenced_gen);
/* or a forwarded FENCE (this byte, the node id, 4 bytes, and the
 * generation to fence, 8 bytes, little-endian: design.md rule 11) */
#define QD_PKT_FENCE	4
#define QD_FENCE_LEN	13
size_t qd_enc_fence(uint32_t node, uint64_t gen, uint8_t *buf, size_t cap);
int qd_dec_fence(const uint8_t *buf, size_t len, uint32_t *node,
		 uint64_t *gen);
#define QD_PAYLOAD_MAX	QF_WIRE_MAX_PAYLOAD
ssize_t qd_enc_entry(const struct qf_entry *e, uint8_t *buf, size_t cap);
int qd_dec_entry(const uint8_t *buf, size_t len, struct qf_entry *e);
ssize_t qd_enc_snapshot(const struct qf_snapshot *s, uint8_t *buf, size_t cap);
int qd_dec_snapshot(const uint8_t *buf, size_t len, struct qf_snapshot *s);

/* ---- persist.c ---- */
#define QD_LOAD_MAX	4096	/* entries read back at start */
int persist_init(struct qd *d, struct qf_persist *ps);
void persist_fini(struct qd *d);
void persist_loaded_done(void);
int persist_ready(struct qd *d, const struct qf_ready *rd);

/* ---- net.c ---- */
int net_init(struct qd *d);
void net_fini(struct qd *d);
void net_send_msg(struct qd *d, const struct qf_msg *m);
void net_send_rejoin(struct qd *d, uint32_t to, uint32_t node,
		     uint64_t fenced_gen);
void net_send_fence(struct qd *d, uint32_t to, uint32_t node, uint64_t gen);
void net_on_readable(struct qd *d, unsigned int link);

/* ---- config mapping (cfgmap.c, pure) ---- */
int qd_core_config(const struct qf_conf *c, struct qf_config *out,
		   char *why, size_t len);
int qd_bootstrap(const struct qf_conf *c, struct qf_snapshot *snap);
void qd_addr_to_core(const struct qf_conf_addr *a, struct qf_addr *out);
int qd_addr_from_core(const struct qf_addr *a, struct qf_conf_addr *out);

/* ---- hooks.c ---- */
#define QD_HOOK_ARGV 4
#define QD_HOOK_ENV 18		/* entries of envp, NULL included */
#define QD_HOOKS_MAX 16		/* hooks running at once */
/* What a hook is told: the fields a Pacemaker alert agent gets, and ours. */
struct qd_hook_event {
	const char *what;	/* "on_fenced" / "on_lease_lost" */
	const char *cluster;
	const char *reason;	/* silent, admin, removed, lapsed, ... */
	const char *desc;	/* one human sentence */
	uint32_t node;
	uint64_t gen;
	uint64_t index;		/* log index of the record (0: none) */
	struct timespec when;	/* CLOCK_REALTIME, for the timestamps */
};
struct qd_hook_args {
	char node[16], gen[24];
	char env[QD_HOOK_ENV - 1][160];
	char *argv[QD_HOOK_ARGV];
	char *envp[QD_HOOK_ENV];
};
struct qd_hook_child {
	pid_t pid;		/* 0: free slot */
	bool killed;		/* ran past hook_timeout_ms */
	qf_ns deadline;
	const char *what;
};
/* Pure: argv/envp for `cmd node gen` with the event's environment. */
void qd_hook_build(struct qd_hook_args *h, const char *cmd,
		   const struct qd_hook_event *ev);
int hooks_run(struct qd *d, const char *cmd, struct qd_hook_event *ev);
void hooks_reap(struct qd *d);
void hooks_tick(struct qd *d, qf_ns now);
qf_ns hooks_next_timeout(const struct qd *d);

/* ---- control.c ---- */
#define QD_CTL_CLIENTS 8
/* Any request body: control.c's dispatch copies one into it, and the
 * client's buffer must hold a header and the largest of them (ctl_check.c
 * accepts no other length; tests/fuzz/ctlreq.c checks both). */
union qd_ctl_req {
	struct qfctl_req_member m;
	struct qfctl_req_fence f;
	struct qfctl_req_node n;
	struct qfctl_req_timing t;
};

#define QD_CTL_BODY_MAX 64
_Static_assert(sizeof(union qd_ctl_req) <= QD_CTL_BODY_MAX,
	       "a control request body must fit the client's buffer");

struct qd_ctl_client {
	int fd;
	uint32_t have;			/* bytes of request buffered */
	uint8_t in[sizeof(struct qfctl_hdr) + QD_CTL_BODY_MAX];
	/* FENCE --wait parked here until commit or timeout */
	bool waiting;
	bool leave;			/* parked LEAVE: answered at exit */
	uint32_t seq;
	uint32_t node;
	uint64_t gen;			/* the generation to be fenced */
	qf_ns wait_until;
};
/* fwdfence.c: a fence asked on a follower, forwarded to the leader */
#define QD_FWD_FENCES	4
struct qd_fwd_fence {
	uint32_t node;			/* 0: free */
	uint64_t gen;			/* the generation to fence (rule 11) */
	qf_ns next, until;		/* resend at next; give up at until */
};
void fwd_fence_add(struct qd *d, uint32_t node, uint64_t gen, qf_ns now);
void fwd_fence_tick(struct qd *d, qf_ns now);
qf_ns fwd_fence_next(const struct qd *d);
void fwd_fence_received(struct qd *d, uint32_t from, const uint8_t *p,
			size_t len);
void qd_ctl_fill_fence_counts(const struct qf_state *st,
			      struct qfctl_fence_counts *out);
int ctl_init(struct qd *d);
void ctl_fini(struct qd *d);
void ctl_on_listen(struct qd *d);
void ctl_on_client(struct qd *d, int slot);
void ctl_on_fence_committed(struct qd *d, const struct qf_fence_decision *f);
void ctl_on_tick(struct qd *d, qf_ns now);
qf_ns ctl_next_timeout(const struct qd *d);
void ctl_leave_reply(struct qd *d);	/* before the exit */
/* Pure codec pieces used by control.c and its tests. */
int qd_ctl_check_request(const struct qfctl_hdr *h, size_t have);
size_t qd_ctl_body_len(uint16_t code);
int qd_ctl_status_from_err(int qf_err);
void qd_ctl_fill_status(const struct qd *d, qf_ns now,
			struct qfctl_status *s);
struct qd_leave;
int qd_leave_result(const struct qd_leave *lv, bool nowayout,
		    struct qfctl_result *r);

/* ---- runtime.c ---- */
int runtime_init(struct qd *d);
void runtime_fini(struct qd *d);
void runtime_ready(struct qd *d);
void runtime_on_tick(struct qd *d, qf_ns now);
void runtime_watchdog_close(struct qd *d);
qf_ns runtime_next(const struct qd *d, qf_ns now);
void sd_notify_stopping(void);

/* ---- loop.c ---- */
int loop_init(struct qd *d);
void loop_fini(struct qd *d);
int loop_run(struct qd *d);
void loop_watch_client(struct qd *d, int slot);
void loop_unwatch(struct qd *d, int fd);
void loop_process(struct qd *d);	/* drain the core's ready batches */
void loop_log_fence(struct qd *d, const struct qf_fence_decision *f);
/* "committed N: TYPE node X generation g", "(replayed)" after a restart */
void loop_log_committed(struct qd *d, const struct qf_entry *e);
void loop_fence_log_init(struct qd *d);

/* ---- lifecycle.c ---- */
/* How far a clean leave got: the answer to a LEAVE request. */
enum qd_leave_tell {
	QD_TELL_NONE,			/* no other leader, or not a voter */
	QD_TELL_WAITING,		/* told; cut short before the record */
	QD_TELL_RECORDED,		/* NODE_FENCED(self, gen) in the log */
	QD_TELL_NO_ANSWER,		/* not recorded in time */
};
struct qd_leave {
	uint64_t gen;			/* generation left with */
	uint32_t handed_to;		/* leadership transfer started to */
	bool handed_over;		/* ... and no longer the leader */
	bool disarm_done;		/* kern_disarm ran */
	int disarm_rc;			/* its result, 0 = disarmed */
	enum qd_leave_tell tell;
};
void leave_start(struct qd *d);		/* SIGTERM, LEAVE */
void leave_check(struct qd *d);
void reload(struct qd *d);		/* SIGHUP */
uint32_t qd_transferee(struct qd *d);

/* ---- the daemon ---- */
#define QD_RECENT_FENCES QFCTL_MAX_FENCES

struct qd {
	struct qf_conf conf;
	const char *conf_path;
	bool foreground;
	bool no_kernel;			/* TEST ONLY */
	bool allow_log_only;		/* TEST ONLY: qfence log_only=Y */

	/* core */
	struct qf_raft raft;
	struct qf_config core_cfg;
	uint64_t boot_id;
	qf_ns started;

	/* infra */
	struct qf_store *store;
	struct qf_wire wire;
	struct qd_kernel k;

	/* loop */
	int epfd, tfd, sigfd;
	bool quit;
	bool fatal;
	bool leaving;
	bool leave_telling;		/* disarmed; the leader is being told */
	uint64_t leave_gen;
	qf_ns leave_deadline;
	struct qd_leave lv;		/* the outcome, for LEAVE clients */

	/* net */
	struct qf_udp udp;
	uint64_t bad_payload;		/* authentic, but not a message */
	qf_ns grant_rx;			/* arrival of the newest grant */
	uint64_t lat_max_us, lat_sum_us, lat_count;

	/* control */
	int ctl_fd;
	struct qd_ctl_client cli[QD_CTL_CLIENTS];
	struct {			/* a rejoin forwarded to the leader */
		uint32_t node;		/* 0: none pending */
		uint64_t gen;		/* its generation when asked */
		uint64_t fenced_gen;	/* the fence it ends (rule 11) */
		qf_ns next, until;	/* resend at next; give up at until */
	} fwd_rejoin;
	struct qd_fwd_fence fwd_fence[QD_FWD_FENCES];	/* fwdfence.c */

	/* rejoin.c: the evidence of design.md §2.11 */
	struct {
		uint32_t kboot;		/* this kernel boot (digest), 0: unknown */
		uint32_t armed_boot;	/* durable: boot of the last arm */
		bool armed_saved;	/* this boot's record written */
		bool lease_fresh;	/* created by this daemon start */
		uint64_t armed_max;	/* newest generation armed since */
		qf_ns next;		/* next request */
		char why[160];		/* the condition that failed, "" */
	} rj;

	/* lease bookkeeping */
	uint64_t lease_gen;		/* core's lease generation */
	qf_ns lease_deadline;		/* last renewed deadline */
	bool self_fenced;
	bool lease_lost_reported;
	bool clock_bad;
	uint64_t renew_refused_clock;
	qf_ns timing_seen;		/* last message of another timing */
	qf_ns timing_logged;		/* rate limit of its log line */
	/* design.md §2.10 on this node (timing.c). */
	uint32_t kern_max_ms;		/* the kernel lease's max lease, 0: conf */
	uint32_t kern_settle_ms;	/* its settle_ms, 0: conf's */
	uint32_t want_settle_ms;	/* settle the core wants, 0: none */
	uint32_t guard_rho_ppm;		/* the clock guard's rho, 0: conf's */
	uint32_t timing_applied;	/* last digest applied, for status */
	qf_ns timing_retry_at;		/* next retry of a refused update */

	/* runtime */
	int wdt_fd;
	qf_ns wdt_last;
	uint64_t sd_watchdog_usec;
	qf_ns sd_last;
	int hooks_running;
	struct qd_hook_child hooks[QD_HOOKS_MAX];
	uint64_t hooks_fenced_index;	/* newest NODE_FENCED hooked, durable */
	uint64_t hooks_start_index;	/* its value at start: replays below */
	bool hooks_failed;		/* a hook could not start: index frozen */
	uint64_t fenced_logged_index;	/* newest NODE_FENCED line, durable */
	uint64_t fenced_logged_start;	/* its value at start: "(replayed)" */
	uint64_t committed_logged_index; /* newest other record's line */
	uint64_t committed_logged_start; /* its value at start */

	/* the storage fence (prwork.h); NULL without pr_device */
	struct qd_pr *pr;

	/* recent committed fences, newest first */
	size_t n_recent;
	struct qfctl_fence recent[QD_RECENT_FENCES];
	qf_ns recent_at[QD_RECENT_FENCES];

	/* pre-sized buffers */
	uint8_t pkt[QF_WIRE_MAX_DGRAM + 64];
	uint8_t payload[QD_PAYLOAD_MAX];
	uint8_t diskbuf[QF_STORE_MAX_SNAPSHOT < 8192 ? QF_STORE_MAX_SNAPSHOT : 8192];
	uint8_t ctlbuf[QFCTL_MAX_MSG];
};

extern struct qd *qd_global;

/* prwork.c, prinit.c: the storage fence (design.md rule 13) */
struct qd_pr;
int qd_pr_init(struct qd *d, const struct qd_pr_ops *ops, void *ctx);
void qd_pr_fini(struct qd *d);
void qd_pr_tick(struct qd *d, qf_ns now);
void qd_pr_on_done(struct qd *d);
int qd_pr_efd(const struct qd *d);
qf_ns qd_pr_next(const struct qd *d);	/* next tick it needs, 0: none */
void qd_pr_fill_status(const struct qd *d, struct qfctl_pr_status *s);
bool qd_pr_lease_allowed(const struct qd *d, uint64_t gen);	/* for the ilog sink only */

/* persist.c: a write under data_dir that started at @since and took more
 * than half the lease is reported (the disk stalled) */
void qd_disk_took(const struct qd *d, const char *what, qf_ns since);

/* rejoin.c: design.md §2.11 */
void rejoin_init(struct qd *d);
void rejoin_lease_created(struct qd *d);
int rejoin_before_arm(struct qd *d, uint64_t gen);
void rejoin_tick(struct qd *d, qf_ns now);
qf_ns rejoin_next(const struct qd *d);	/* next request due, 0: none */
void rejoin_on_request(struct qd *d, uint32_t from, const uint8_t *p,
		       size_t len);
void net_send_auto_rejoin(struct qd *d, uint32_t to,
			  const struct qf_join_req *q);

/* numfile.c: small durable numbers in the data directory */
int qd_num_save(const struct qd *d, const char *name, uint64_t v);
uint64_t qd_num_load(const struct qd *d, const char *name);

#endif /* QUORUMD_H */
