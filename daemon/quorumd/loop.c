// SPDX-License-Identifier: MIT
/*
 * The event loop: one epoll set over a timerfd (CLOCK_BOOTTIME, the
 * clock of the core and of the kernel lease), a signalfd, the UDP sockets,
 * the kernel's event socket and the control socket with its clients.
 *
 * After every event the core's ready batches are handled in the order
 * raft.h prescribes: 1. persist (durable before anything leaves, rule 4),
 * 2. send, 3. apply committed entries (fence records: hooks, waiting
 * clients), 4. the kernel lease (fence / unfence / renew).
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "uapi/qfence.h"
#include "quorumd.h"

enum { EV_TIMER = 1, EV_SIGNAL, EV_UDP, EV_KERNEL, EV_CTL, EV_CLIENT, EV_PR };
#define TAG(kind, i) (((uint64_t)(kind) << 32) | (uint32_t)(i))

qf_ns qd_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_BOOTTIME, &ts);
	return (qf_ns)ts.tv_sec * 1000000000ULL + (qf_ns)ts.tv_nsec;
}

static int watch(struct qd *d, int fd, int kind, int i)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = TAG(kind, i) };

	if (epoll_ctl(d->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		LOG(ERR, "epoll_ctl: %s", strerror(errno));
		return -1;
	}
	return 0;
}

void loop_watch_client(struct qd *d, int slot)
{
	if (watch(d, d->cli[slot].fd, EV_CLIENT, slot) < 0) {
		close(d->cli[slot].fd);
		d->cli[slot].fd = -1;
	}
}

/*
 * Before a watched descriptor is closed. An epoll registration belongs to
 * the open file, not to the descriptor number (epoll(7), Q6): while any
 * other descriptor still refers to the file -- a hook's child between its
 * fork and its exec holds a copy of every one -- close() alone leaves it
 * registered, and a client's EOF is reported again and again for a slot
 * nobody reads. The loop then spins at its RT priority and starves that
 * very child (and ksoftirqd: no datagram is received), for up to the RT
 * throttling limit: heartbeats stop and a healthy cluster elects again
 * (issue 15). Deregistered explicitly, it cannot.
 */
void loop_unwatch(struct qd *d, int fd)
{
	if (fd >= 0 && d->epfd >= 0 &&
	    epoll_ctl(d->epfd, EPOLL_CTL_DEL, fd, NULL) < 0 && errno != ENOENT)
		LOG(WARN, "epoll_ctl DEL: %s", strerror(errno));
}

/* see fenced_hook */
#define HOOKS_FENCED_FILE "hooks-fenced-index"

int loop_init(struct qd *d)
{
	sigset_t set;

	d->hooks_fenced_index = qd_num_load(d, HOOKS_FENCED_FILE);
	d->hooks_start_index = d->hooks_fenced_index;
	loop_fence_log_init(d);

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGUSR2);
	sigaddset(&set, SIGPIPE);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return -1;
	d->sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	d->tfd = timerfd_create(CLOCK_BOOTTIME, TFD_NONBLOCK | TFD_CLOEXEC);
	d->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (d->sigfd < 0 || d->tfd < 0 || d->epfd < 0) {
		LOG(ERR, "loop: %s", strerror(errno));
		return -1;
	}
	if (watch(d, d->tfd, EV_TIMER, 0) || watch(d, d->sigfd, EV_SIGNAL, 0))
		return -1;
	for (unsigned int i = 0; i < d->udp.nlinks; i++)
		if (watch(d, d->udp.fd[i], EV_UDP, (int)i))
			return -1;
	if (kern_event_fd(d) >= 0 && watch(d, kern_event_fd(d), EV_KERNEL, 0))
		return -1;
	if (watch(d, d->ctl_fd, EV_CTL, 0))
		return -1;
	if (qd_pr_efd(d) >= 0 && watch(d, qd_pr_efd(d), EV_PR, 0))
		return -1;
	return 0;
}

void loop_fini(struct qd *d)
{
	if (d->epfd >= 0)
		close(d->epfd);
	if (d->tfd >= 0)
		close(d->tfd);
	if (d->sigfd >= 0)
		close(d->sigfd);
	d->epfd = d->tfd = d->sigfd = -1;
}

static void remember_fence(struct qd *d, const struct qf_fence_decision *f)
{
	size_t n = d->n_recent < QD_RECENT_FENCES ? d->n_recent + 1 :
		QD_RECENT_FENCES;

	memmove(&d->recent[1], &d->recent[0], (n - 1) * sizeof(d->recent[0]));
	memmove(&d->recent_at[1], &d->recent_at[0],
		(n - 1) * sizeof(d->recent_at[0]));
	d->recent[0] = (struct qfctl_fence){
		.node = f->node, .reason = f->reason, .gen = f->gen,
		.index = f->index, .method = f->method,
	};
	d->recent_at[0] = qd_now();
	d->n_recent = n;
}

/* How the record was made safe (design.md rules 5, 13); the harness greps. */
static const char *method_name(int m)
{
	return m == QF_FENCE_BY_PR ? "pr" : m == QF_FENCE_BY_WAIT ? "wait" :
	       "unknown";
}

static const char *reason_name(int r)
{
	static const char *const n[] = { "?", "silent", "admin", "removed",
					 "lapsed" };

	return r >= 1 && r <= 4 ? n[r] : "?";
}

/*
 * Rule 5, measured: on the leader, how long since its election and since
 * its last grant to the node when the record committed. Both must be >= W;
 * the host cluster test reads this line. at_ns (CLOCK_BOOTTIME) lets a test
 * on one kernel compare the commit with the fenced lease's kernel events.
 */
/*
 * A restart replays the committed records, and their lines would look
 * like new fences to whatever reads the log (a hook, a test, an operator).
 * The index of the newest record whose line was written is durable; a
 * record at or below its value at this start is printed as "(replayed)".
 * Against the value at start only: the fences of one installed snapshot
 * all carry its index, and each is new the first time. A daemon that dies
 * between the line and the save prints it once more unmarked (a fresh
 * record is never marked replayed).
 */
#define FENCED_LOGGED_FILE "log-fenced-index"
/* the same for every other record's line (NODE_JOIN, membership, ...) */
#define COMMITTED_LOGGED_FILE "log-committed-index"

void loop_fence_log_init(struct qd *d)
{
	d->fenced_logged_index = qd_num_load(d, FENCED_LOGGED_FILE);
	d->fenced_logged_start = d->fenced_logged_index;
	d->committed_logged_index = qd_num_load(d, COMMITTED_LOGGED_FILE);
	d->committed_logged_start = d->committed_logged_index;
}

void loop_log_committed(struct qd *d, const struct qf_entry *e)
{
	bool old = e->index <= d->committed_logged_start;

	if (e->type == QF_ENT_NOOP || e->type == QF_ENT_NODE_FENCED)
		return;		/* nothing to say / loop_log_fence says it */
	LOG(INFO, "committed%s %" PRIu64 ": %s node %" PRIu32 " generation %"
	    PRIu64, old ? " (replayed)" : "", e->index,
	    qf_entry_type_name(e->type), e->node, e->gen);
	if (e->index > d->committed_logged_index) {
		d->committed_logged_index = e->index;
		qd_num_save(d, COMMITTED_LOGGED_FILE, e->index);
	}
}

void loop_log_fence(struct qd *d, const struct qf_fence_decision *f)
{
	static struct qf_status st;
	qf_ns now = qd_now();
	int64_t since_grant = -1;

	if (f->index <= d->fenced_logged_start) {
		LOG(WARN, "NODE_FENCED committed (replayed): node %" PRIu32
		    " generation %" PRIu64 " index %" PRIu64 " reason %s: "
		    "committed before this start", f->node, f->gen, f->index,
		    reason_name(f->reason));
		return;
	}
	qf_raft_status(&d->raft, &st);
	for (size_t i = 0; i < st.n_progress; i++)
		if (st.progress[i].id == f->node && st.progress[i].last_grant)
			since_grant = (int64_t)(now - st.progress[i].last_grant) /
				1000;
	if (st.state == QF_LEADER)
		LOG(WARN, "NODE_FENCED committed: node %" PRIu32 " generation %"
		    PRIu64 " index %" PRIu64 " reason %s; leader measures "
		    "since_last_grant_us=%" PRId64 " since_election_us=%"
		    PRId64 " wait_us=%" PRId64 " at_ns=%" PRIu64 " method=%s",
		    f->node, f->gen, f->index, reason_name(f->reason),
		    since_grant, (int64_t)(now - st.e_el) / 1000,
		    (int64_t)(d->raft.wait + 999) / 1000, now,
		    method_name(f->method));
	else
		LOG(WARN, "NODE_FENCED committed: node %" PRIu32 " generation %"
		    PRIu64 " index %" PRIu64 " reason %s at_ns=%" PRIu64
		    " method=%s", f->node, f->gen, f->index,
		    reason_name(f->reason), now, method_name(f->method));
	if (f->index > d->fenced_logged_index) {
		d->fenced_logged_index = f->index;
		qd_num_save(d, FENCED_LOGGED_FILE, f->index);
	}
}

/*
 * Only once NODE_FENCED is committed may the node's resources be
 * recovered: run on_fenced. A restart replays the committed entries from
 * the snapshot; the index of the newest record whose hook was started is
 * durable, so a hook runs once per record on this node -- or twice, if
 * the daemon dies between starting it and saving the index (at least
 * once: a recovery is never missed; hooks stay idempotent).
 */
static void fenced_hook(struct qd *d, const struct qf_fence_decision *f)
{
	struct qd_hook_event ev;

	if (!d->conf.on_fenced[0])
		return;
	/*
	 * Against the index saved before this start only: the fences of an
	 * installed snapshot all carry the snapshot's index, and each must
	 * run its hook.
	 */
	if (f->index <= d->hooks_start_index) {
		LOG(INFO, "on_fenced for node %" PRIu32 " generation %" PRIu64
		    " (index %" PRIu64 ") ran before this start: not again",
		    f->node, f->gen, f->index);
		return;
	}
	ev = (struct qd_hook_event){ .what = "on_fenced",
		.cluster = d->conf.name, .reason = reason_name(f->reason),
		.desc = "NODE_FENCED committed: its resources may be recovered",
		.node = f->node, .gen = f->gen, .index = f->index };
	if (hooks_run(d, d->conf.on_fenced, &ev)) {
		/* not started: the durable index stops here for this run,
		 * so that a restart runs it (and the ones after) again */
		d->hooks_failed = true;
		return;
	}
	if (!d->hooks_failed && f->index > d->hooks_fenced_index) {
		d->hooks_fenced_index = f->index;
		qd_num_save(d, HOOKS_FENCED_FILE, f->index);
	}
}

static void apply(struct qd *d, const struct qf_ready *rd)
{
	for (size_t i = 0; i < rd->n_committed; i++)
		loop_log_committed(d, &rd->committed[i]);
	for (size_t i = 0; i < rd->n_fences; i++) {
		const struct qf_fence_decision *f = &rd->fences[i];

		loop_log_fence(d, f);
		remember_fence(d, f);
		ctl_on_fence_committed(d, f);
		fenced_hook(d, f);
	}
}

void loop_process(struct qd *d)
{
	static struct qf_ready rd;
	static uint32_t last_leader;
	static uint64_t last_term;

	while (!d->quit && qf_raft_has_ready(&d->raft)) {
		qf_raft_ready(&d->raft, &rd);
		if (persist_ready(d, &rd)) {	/* 1 */
			d->quit = true;
			d->fatal = true;
			return;
		}
		for (size_t i = 0; i < rd.n_msgs; i++)	/* 2 */
			net_send_msg(d, &rd.msgs[i]);
		apply(d, &rd);				/* 3 */
		timing_apply(d, &rd, qd_now());		/* 4: timing first */
		if (rd.lease_changed)			/* 4 */
			kern_apply_lease(d, &rd);
		if (rd.leader != last_leader || d->raft.term != last_term) {
			LOG(INFO, "term %" PRIu64 ": %s, leader %" PRIu32,
			    d->raft.term, qf_state_name(rd.state), rd.leader);
			last_leader = rd.leader;
			last_term = d->raft.term;
		}
		qf_raft_advance(&d->raft);
	}
}

static void arm_timer(struct qd *d)
{
	qf_ns t = qf_raft_next_tick(&d->raft), x;
	struct itimerspec its = { 0 };

	x = ctl_next_timeout(d);
	if (x && x < t)
		t = x;
	x = hooks_next_timeout(d);
	if (x && x < t)
		t = x;
	x = runtime_next(d, qd_now());
	if (x && x < t)
		t = x;
	if (d->k.none && d->k.state == QFENCE_STATE_ARMED && d->k.deadline < t)
		t = d->k.deadline;
	if (d->leaving && d->leave_deadline < t)
		t = d->leave_deadline;
	x = qd_pr_next(d);
	if (x && x < t)
		t = x;
	x = rejoin_next(d);	/* a follower's core may sleep an election */
	if (x && x < t)
		t = x;
	if (!t)
		t = qd_now() + QF_MS;
	its.it_value.tv_sec = (time_t)(t / 1000000000ULL);
	its.it_value.tv_nsec = (long)(t % 1000000000ULL);
	timerfd_settime(d->tfd, TFD_TIMER_ABSTIME, &its, NULL);
}

static void on_timer(struct qd *d)
{
	uint64_t exp;
	qf_ns now;

	if (read(d->tfd, &exp, sizeof(exp)) < 0 && errno != EAGAIN)
		LOG(WARN, "timerfd: %s", strerror(errno));
	now = qd_now();
	clock_guard_tick(d, now);
	timing_tick(d, now);
	timing_retry(d, now);
	qf_raft_tick(&d->raft, now);
	kern_emulate(d, now);
	kern_tick(d, now);
	ctl_on_tick(d, now);
	rejoin_tick(d, now);	/* design.md §2.11 */
	hooks_tick(d, now);
	runtime_on_tick(d, now);
	qd_pr_tick(d, now);
}

static void on_signal(struct qd *d)
{
	struct signalfd_siginfo si;

	while (read(d->sigfd, &si, sizeof(si)) == sizeof(si)) {
		switch (si.ssi_signo) {
		case SIGTERM:
		case SIGINT:
			leave_start(d);
			break;
		case SIGHUP:
			reload(d);
			break;
		case SIGCHLD:
			hooks_reap(d);
			break;
		case SIGUSR2:
			/*
			 * Exit for a restart (an upgrade of quorumd): no
			 * leave, the lease stays as it is and the next start
			 * adopts it. Hitless only within L; later the lease
			 * has expired and fenced, as after a crash.
			 */
			LOG(WARN, "exiting for a restart, without leaving: "
			    "the lease stays %s; start again within L (%"
			    PRIu64 " ms) or it expires and fences",
			    d->k.state == QFENCE_STATE_ARMED ? "armed" :
			    d->k.state == QFENCE_STATE_FENCED ? "fenced" :
			    "disarmed", (uint64_t)(d->core_cfg.timing.lease / QF_MS));
			d->quit = true;
			break;
		case SIGUSR1:
			qd_log_level = qd_log_level >= LOG_DEBUG_ ? LOG_INFO_ :
				LOG_DEBUG_;
			LOG(WARN, "log level now %s", qd_log_level >=
			    LOG_DEBUG_ ? "debug" : "info");
			break;
		}
	}
}

static void dispatch(struct qd *d, uint64_t tag)
{
	int i = (int)(uint32_t)tag;

	switch (tag >> 32) {
	case EV_TIMER:
		on_timer(d);
		break;
	case EV_SIGNAL:
		on_signal(d);
		break;
	case EV_UDP:
		net_on_readable(d, (unsigned int)i);
		break;
	case EV_KERNEL:
		kern_on_event(d);
		break;
	case EV_CTL:
		ctl_on_listen(d);
		break;
	case EV_CLIENT:
		if (d->cli[i].fd >= 0)
			ctl_on_client(d, i);
		break;
	case EV_PR:
		qd_pr_on_done(d);
		break;
	}
}

/*
 * A step of the loop that takes long holds every heartbeat and renewal
 * behind it: at L it lapses the leases of a healthy majority. Say so,
 * with how long, so that a healthy lapse names its cause (issue 15).
 */
static void busy_check(const struct qd *d, qf_ns t0)
{
	qf_ns took = qd_now() - t0;

	if (took > d->core_cfg.timing.lease / 4)
		LOG(WARN, "event loop held for %" PRIu64 " ms (more than L/4): "
		    "heartbeats and renewals waited behind it",
		    (uint64_t)(took / QF_MS));
}

int loop_run(struct qd *d)
{
	struct epoll_event ev[16];
	int n;

	loop_process(d);
	while (!d->quit) {
		arm_timer(d);
		n = epoll_wait(d->epfd, ev, 16, -1);
		if (n < 0 && errno != EINTR) {
			LOG(ERR, "epoll_wait: %s", strerror(errno));
			return -1;
		}
		for (int i = 0; i < n && !d->quit; i++) {
			qf_ns t0 = qd_now();

			dispatch(d, ev[i].data.u64);
			loop_process(d);
			busy_check(d, t0);
		}
		if (d->leaving)
			leave_check(d);
	}
	return d->fatal ? -1 : 0;
}
