// SPDX-License-Identifier: MIT
/*
 * The cluster commands end to end against a fake quorumd: a thread that
 * listens on a temporary Unix socket, records every request and answers
 * canned replies built with ctl_proto.h's structs (or misbehaves: half a
 * reply, silence, a foreign version). The commands run exactly as main()
 * runs them, through the real socket code; only the daemon is fake.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cluster.h"
#include "ctlmsg.h"
#include "canned.h"
#include "tap.h"

enum act {
	A_REPLY,	/* the canned reply */
	A_BAD_SEQ,	/* the reply with another sequence number */
	A_BAD_VER,	/* a header of protocol version 2 */
	A_HALF,		/* 10 bytes of the reply, then close */
	A_SILENT,	/* no answer until the client gives up */
};

struct step {
	enum act act;
	uint16_t code;
	int32_t status;
	const void *body;
	size_t len;
};

#define MAX_STEPS 4

struct server {
	char dir[64], path[108];
	int lfd;
	bool no_accept;
	const struct step *steps;
	size_t nsteps;
	pthread_t th;
	/* what the client sent */
	size_t nreq;
	struct {
		struct qfctl_hdr h;
		unsigned char body[64];
	} req[MAX_STEPS];
};

static int read_full(int fd, void *buf, size_t len)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	char *b = buf;
	ssize_t n;

	while (len) {
		if (poll(&p, 1, 10000) <= 0)
			return -1;
		n = read(fd, b, len);
		if (n <= 0)
			return -1;
		b += n;
		len -= (size_t)n;
	}
	return 0;
}

static void answer(int fd, const struct step *st, const struct qfctl_hdr *req)
{
	static char buf[QFCTL_MAX_MSG];
	uint32_t seq = req->seq + (st->act == A_BAD_SEQ);
	size_t n = canned_msg(buf, sizeof(buf), st->code, seq, st->status,
			      st->body, st->len);
	struct qfctl_hdr h;

	if (st->act == A_BAD_VER) {
		memcpy(&h, buf, sizeof(h));
		h.version = 2;
		memcpy(buf, &h, sizeof(h));
	}
	if (st->act == A_HALF)
		n = 10;
	if (write(fd, buf, n) != (ssize_t)n)
		return;
}

/* Serve one connection: one step per request, then wait for the close. */
static void *serve(void *arg)
{
	struct server *s = arg;
	struct pollfd p = { .fd = s->lfd, .events = POLLIN };
	struct qfctl_hdr h;
	char sink[64];
	size_t i;
	int fd;

	if (poll(&p, 1, 10000) <= 0)
		return NULL;
	fd = accept(s->lfd, NULL, NULL);
	if (fd < 0)
		return NULL;
	for (i = 0; i < s->nsteps; i++) {
		if (read_full(fd, &h, sizeof(h)) || h.len < sizeof(h) ||
		    h.len > sizeof(h) + sizeof(s->req[0].body))
			break;
		s->req[i].h = h;
		if (read_full(fd, s->req[i].body, h.len - sizeof(h)))
			break;
		s->nreq++;
		if (s->steps[i].act == A_SILENT)
			break;
		answer(fd, &s->steps[i], &h);
		if (s->steps[i].act == A_HALF) {
			close(fd);
			return NULL;
		}
	}
	/* Until the client closes (it must, on success and on failure). */
	p.fd = fd;
	while (poll(&p, 1, 10000) > 0 && read(fd, sink, sizeof(sink)) > 0)
		;
	close(fd);
	return NULL;
}

static void srv_listen(struct server *s, const struct step *steps, size_t n)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	memset(s, 0, sizeof(*s));
	snprintf(s->dir, sizeof(s->dir), "/tmp/qc-ctlsrv-XXXXXX");
	if (!mkdtemp(s->dir)) {
		perror("mkdtemp");
		exit(1);
	}
	snprintf(s->path, sizeof(s->path), "%s/quorumd.sock", s->dir);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", s->path);
	s->steps = steps;
	s->nsteps = n;
	s->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s->lfd < 0 || bind(s->lfd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    listen(s->lfd, 4)) {
		perror("fake quorumd socket");
		exit(1);
	}
}

static void srv_start(struct server *s, const struct step *steps, size_t n)
{
	srv_listen(s, steps, n);
	if (pthread_create(&s->th, NULL, serve, s)) {
		perror("pthread_create");
		exit(1);
	}
}

/* A socket that never accepts (a frozen daemon): connect succeeds on the
 * backlog, nobody answers. */
static void srv_start_deaf(struct server *s)
{
	srv_listen(s, NULL, 0);
	s->no_accept = true;
}

static void srv_stop(struct server *s)
{
	if (!s->no_accept)
		pthread_join(s->th, NULL);
	close(s->lfd);
	unlink(s->path);
	rmdir(s->dir);
}

static struct qc_err last_err;
static char *out;

typedef int (*cmd_fn_t)(int, char **, struct qc_ctx *);

static cmd_fn_t cmd_fn(const char *name)
{
	if (!strcmp(name, "status"))
		return cluster_status_main;
	if (!strcmp(name, "member"))
		return cluster_member_main;
	if (!strcmp(name, "fence"))
		return cluster_fence_main;
	if (!strcmp(name, "rejoin"))
		return cluster_rejoin_main;
	if (!strcmp(name, "leave"))
		return cluster_leave_main;
	return cluster_transfer_main;
}

/* Run one command as main() would, against @path, stdout captured. */
static int run_at(const char *path, int timeout_ms, int argc, char **argv)
{
	struct qc_ctx ctx = { .socket = path, .ctl_timeout_ms = timeout_ms,
			      .usage = "quorumctl ..." };
	size_t len;
	int code;

	free(out);
	out = NULL;
	ctx.out = open_memstream(&out, &len);
	code = cmd_fn(argv[0])(argc, argv, &ctx);
	fclose(ctx.out);
	last_err = ctx.err;
	return code;
}

#define RUN(s, tmo, ...) run_at((s)->path, tmo, \
	(int)(sizeof((char *[]){ __VA_ARGS__ }) / sizeof(char *)), (char *[]){ __VA_ARGS__ })
#define RUN_AT(p, tmo, ...) run_at(p, tmo, \
	(int)(sizeof((char *[]){ __VA_ARGS__ }) / sizeof(char *)), (char *[]){ __VA_ARGS__ })

#define EXPECT(name, got, code, needle)					\
	CHECK(name, (got) == (code) && strstr(last_err.msg, (needle)),	\
	      "exit %d \"%s\", want exit %d with \"%s\"", (got),		\
	      last_err.msg, (code), (needle))

static struct qfctl_status leader_st, follower_st;
static struct qfctl_result ok_res;

static int req_is(const struct server *s, size_t i, uint16_t code, size_t body)
{
	return s->nreq > i && s->req[i].h.magic == QFCTL_MAGIC &&
	       s->req[i].h.version == QFCTL_VERSION && s->req[i].h.code == code &&
	       s->req[i].h.len == sizeof(struct qfctl_hdr) + body &&
	       s->req[i].h.status == 0 && s->req[i].h.reserved == 0;
}

static void test_status(void)
{
	struct step ok[] = { { A_REPLY, QFCTL_RPY_STATUS, 0, &leader_st, sizeof(leader_st) } };
	struct server s;
	int r;

	srv_start(&s, ok, 1);
	r = RUN(&s, 2000, "status");
	srv_stop(&s);
	CHECK("status: exit 0, the page printed", r == 0 && strstr(out, "  cluster      prod-a\n") &&
	      strstr(out, "\nmembers:\nID  ROLE"), "exit %d %s", r, last_err.msg);
	CHECK("status: one STATUS request without body", s.nreq == 1 &&
	      req_is(&s, 0, QFCTL_REQ_STATUS, 0), "nreq %zu", s.nreq);

	srv_start(&s, ok, 1);
	r = RUN(&s, 2000, "status", "--json");
	srv_stop(&s);
	CHECK("status --json: one object", r == 0 && !strncmp(out, "{\"schema\":1,\"cluster\":\"prod-a\",", 31) &&
	      out[strlen(out) - 2] == '}' && !strchr(out, '\n')[1], "exit %d out %.60s", r, out);
}

static void test_bad_daemon(void)
{
	struct qfctl_status big = leader_st;
	struct step ver[] = { { A_BAD_VER, QFCTL_RPY_STATUS, 0, &leader_st, sizeof(leader_st) } };
	struct step seq[] = { { A_BAD_SEQ, QFCTL_RPY_STATUS, 0, &leader_st, sizeof(leader_st) } };
	struct step half[] = { { A_HALF, QFCTL_RPY_STATUS, 0, &leader_st, sizeof(leader_st) } };
	struct step mute[] = { { A_SILENT, 0, 0, NULL, 0 } };
	struct step many[] = { { A_REPLY, QFCTL_RPY_STATUS, 0, &big, sizeof(big) } };
	struct server s;
	int r;

	srv_start(&s, ver, 1);
	r = RUN(&s, 2000, "status");
	srv_stop(&s);
	EXPECT("daemon: another protocol version", r, 4,
	       "quorumd speaks control protocol version 2, this quorumctl version 1");
	srv_start(&s, seq, 1);
	r = RUN(&s, 2000, "status");
	srv_stop(&s);
	EXPECT("daemon: sequence not echoed", r, 4, "sequence number not echoed");
	srv_start(&s, half, 1);
	r = RUN(&s, 2000, "status");
	srv_stop(&s);
	EXPECT("daemon: half a reply, then closed", r, 5,
	       "closed the connection on");
	CHECK("daemon: half a reply prints nothing", out && !out[0], "printed %s", out);
	srv_start(&s, mute, 1);
	r = RUN(&s, 200, "status");
	srv_stop(&s);
	EXPECT("daemon: accepted, never answers", r, 5, "did not answer within 200 ms");
	srv_start_deaf(&s);
	r = RUN(&s, 200, "status");
	srv_stop(&s);
	EXPECT("daemon: frozen (never accepts)", r, 5, "did not answer within 200 ms");
	big.n_members = 17;
	srv_start(&s, many, 1);
	r = RUN(&s, 2000, "status");
	srv_stop(&s);
	EXPECT("daemon: 17 members refused", r, 4, "malformed reply from quorumd: 17 members");
	CHECK("daemon: a malformed status prints nothing", out && !out[0], "printed %s", out);
}

static void test_absent(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char dir[] = "/tmp/qc-stale-XXXXXX", path[96];
	int fd, r;

	if (!mkdtemp(dir))
		exit(1);
	snprintf(path, sizeof(path), "%s/quorumd.sock", dir);
	r = RUN_AT(path, 200, "status");
	EXPECT("absent: no socket", r, 5, "quorumd is not running (no socket at /tmp/qc-stale-");
	/* A socket file nobody listens on: a daemon that died. */
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)))
		exit(1);
	close(fd);
	r = RUN_AT(path, 200, "status");
	EXPECT("absent: stale socket", r, 5, "exists but nobody listens");
	unlink(path);
	/* Parsing comes first: a usage error never reaches the (absent) daemon. */
	r = RUN_AT(path, 200, "fence", "0");
	EXPECT("absent: usage error before connecting", r, 2, "bad node id");
	r = RUN_AT(path, 200, "transfer-leader", "1", "2");
	EXPECT("absent: transfer-leader takes one ID", r, 2, "unexpected argument \"2\"");
	r = RUN_AT(path, 200, "member", "add", "4");
	EXPECT("absent: member add needs addresses", r, 2, "missing argument (ADDR:PORT)");
	r = RUN_AT(path, 200, "member", "frob");
	EXPECT("absent: unknown member subcommand", r, 2, "unknown member subcommand \"frob\"");
	rmdir(dir);
}

/*
 * The socket is root's (0600): another user is refused by the kernel at
 * connect. As root, a child drops to nobody; otherwise the test user
 * takes its own write permission away.
 */
static void test_permission(void)
{
	struct server s;
	char msg[QC_MSG_LEN] = "";
	int pfd[2], st = 0, r;
	pid_t pid;

	srv_start_deaf(&s);
	chmod(s.dir, 0755);
	chmod(s.path, geteuid() == 0 ? 0600 : 0000);
	if (pipe(pfd))
		exit(1);
	pid = fork();
	if (pid == 0) {
		close(pfd[0]);
		if (geteuid() == 0 && (setgid(65534) || setuid(65534)))
			_exit(99);
		r = RUN(&s, 200, "status");
		if (write(pfd[1], last_err.msg, strlen(last_err.msg)) < 0)
			_exit(98);
		_exit(r);
	}
	close(pfd[1]);
	if (read(pfd[0], msg, sizeof(msg) - 1) < 0)
		msg[0] = '\0';
	close(pfd[0]);
	waitpid(pid, &st, 0);
	srv_stop(&s);
	CHECK("permission: denied is exit 1 with a reason",
	      WIFEXITED(st) && WEXITSTATUS(st) == 1 &&
	      strstr(msg, "permission denied on /tmp/qc-ctlsrv-") &&
	      strstr(msg, "run quorumctl as root"),
	      "exit %d \"%s\"", WIFEXITED(st) ? WEXITSTATUS(st) : -1, msg);
}

static void test_member(void)
{
	struct step ok[] = { { A_REPLY, QFCTL_RPY_RESULT, 0, &ok_res, sizeof(ok_res) } };
	struct qfctl_req_member m;
	struct qfctl_req_node n;
	struct server s;
	int r;

	srv_start(&s, ok, 1);
	r = RUN(&s, 2000, "member", "add", "4", "10.0.0.4:7000,[fd00::4]:7001", "--witness");
	srv_stop(&s);
	memcpy(&m, s.req[0].body, sizeof(m));
	CHECK("member add: exit 0, silent", r == 0 && out && !out[0], "exit %d %s", r, last_err.msg);
	CHECK("member add: the request", req_is(&s, 0, QFCTL_REQ_MEMBER_ADD, sizeof(m)) &&
	      m.node == 4 && m.role == QFCTL_ROLE_WITNESS && m.n_addrs == 2 &&
	      m.addrs[0].family == 4 && m.addrs[0].port == 7000 && m.addrs[0].ip[3] == 4 &&
	      m.addrs[1].family == 6 && m.addrs[1].port == 7001 && m.addrs[1].ip[15] == 4,
	      "nreq %zu code %u node %u role %u", s.nreq, s.req[0].h.code, m.node, m.role);

	srv_start(&s, ok, 1);
	r = RUN(&s, 2000, "member", "remove", "4", "--json");
	srv_stop(&s);
	memcpy(&n, s.req[0].body, sizeof(n));
	CHECK("member remove: the request", r == 0 &&
	      req_is(&s, 0, QFCTL_REQ_MEMBER_REMOVE, sizeof(n)) && n.node == 4 && !n.reserved,
	      "exit %d nreq %zu code %u len %u", r, s.nreq, s.req[0].h.code, s.req[0].h.len);
	CHECK("member remove --json: the result", !strncmp(out, "{\"schema\":1,\"node\":3,\"leader\":1,", 32),
	      "out %s", out);
}

static void test_fence(void)
{
	struct qfctl_result nl = { .leader = 2, .message = "not the leader" };
	struct qfctl_result done = ok_res, late = { .node = 3 };
	struct step notleader[] = { { A_REPLY, QFCTL_RPY_RESULT, QFCTL_ST_NOT_LEADER, &nl, sizeof(nl) } };
	struct step wait[] = {
		{ A_REPLY, QFCTL_RPY_STATUS, 0, &leader_st, sizeof(leader_st) },
		{ A_REPLY, QFCTL_RPY_RESULT, 0, &done, sizeof(done) },
	};
	struct step timeout[] = { { A_REPLY, QFCTL_RPY_RESULT, QFCTL_ST_TIMEOUT, &late, sizeof(late) } };
	struct step uncommitted[] = { { A_REPLY, QFCTL_RPY_RESULT, 0, &late, sizeof(late) } };
	struct qfctl_req_fence f;
	struct server s;
	int r;

	srv_start(&s, notleader, 1);
	r = RUN(&s, 2000, "fence", "3");
	srv_stop(&s);
	memcpy(&f, s.req[0].body, sizeof(f));
	EXPECT("fence: on a follower names the leader", r, 1,
	       "fence 3: this node is not the leader; node 2 is");
	CHECK("fence: not-leader detail not repeated", !last_err.extack[0],
	      "extack %s", last_err.extack);
	CHECK("fence: request without wait", req_is(&s, 0, QFCTL_REQ_FENCE, sizeof(f)) &&
	      f.node == 3 && f.flags == 0 && f.timeout_ms == 0, "flags %u", f.flags);

	done.flags = QFCTL_RES_COMMITTED;
	snprintf(done.message, sizeof(done.message), "committed");
	srv_start(&s, wait, 2);
	r = RUN(&s, 2000, "fence", "3", "--wait");
	srv_stop(&s);
	memcpy(&f, s.req[1].body, sizeof(f));
	CHECK("fence --wait: committed, exit 0",
	      r == 0 && !strcmp(out, "node 3 generation 2 fenced: NODE_FENCED committed at index 41 (term 7)\n"),
	      "exit %d %s out %s", r, last_err.msg, out);
	CHECK("fence --wait: asks W first, then waits with the daemon's default",
	      req_is(&s, 0, QFCTL_REQ_STATUS, 0) && req_is(&s, 1, QFCTL_REQ_FENCE, sizeof(f)) &&
	      f.node == 3 && f.flags == QFCTL_FENCE_WAIT && f.timeout_ms == 0,
	      "nreq %zu flags %u timeout %u", s.nreq, f.flags, f.timeout_ms);

	srv_start(&s, timeout, 1);
	r = RUN(&s, 2000, "fence", "3", "--wait", "--timeout-ms", "100");
	srv_stop(&s);
	memcpy(&f, s.req[0].body, sizeof(f));
	EXPECT("fence --wait: timeout is exit 6", r, 6, "commits once a majority");
	CHECK("fence --wait --timeout-ms: passed on, no status asked",
	      s.nreq == 1 && f.flags == QFCTL_FENCE_WAIT && f.timeout_ms == 100,
	      "nreq %zu timeout %u", s.nreq, f.timeout_ms);
	CHECK("fence --wait: timeout prints nothing", out && !out[0], "printed %s", out);

	srv_start(&s, timeout, 1);
	r = RUN(&s, 2000, "fence", "3", "--wait", "--timeout", "7");
	srv_stop(&s);
	memcpy(&f, s.req[0].body, sizeof(f));
	CHECK("fence --wait --timeout S: passed on in ms",
	      r == 6 && s.nreq == 1 && f.flags == QFCTL_FENCE_WAIT && f.timeout_ms == 7000,
	      "exit %d nreq %zu timeout %u", r, s.nreq, f.timeout_ms);

	srv_start(&s, uncommitted, 1);
	r = RUN(&s, 2000, "fence", "3", "--wait", "--timeout-ms", "100");
	srv_stop(&s);
	EXPECT("fence --wait: OK without a committed record is refused", r, 4,
	       "without a committed record");
}

static void test_rejoin_transfer(void)
{
	struct qfctl_result fwd = { .leader = 1, .node = 2, .flags = QFCTL_RES_FORWARDED };
	struct qfctl_result exists = { .leader = 1 };
	struct step rej[] = { { A_REPLY, QFCTL_RPY_RESULT, 0, &fwd, sizeof(fwd) } };
	struct step dup[] = { { A_REPLY, QFCTL_RPY_RESULT, QFCTL_ST_NOT_FENCED, &exists, sizeof(exists) } };
	struct step tr[] = {
		{ A_REPLY, QFCTL_RPY_STATUS, 0, &leader_st, sizeof(leader_st) },
		{ A_REPLY, QFCTL_RPY_RESULT, 0, &ok_res, sizeof(ok_res) },
	};
	struct step trf[] = { { A_REPLY, QFCTL_RPY_STATUS, 0, &follower_st, sizeof(follower_st) } };
	struct step one[] = { { A_REPLY, QFCTL_RPY_RESULT, 0, &ok_res, sizeof(ok_res) } };
	struct qfctl_req_node n;
	struct server s;
	int r;

	srv_start(&s, rej, 1);
	r = RUN(&s, 2000, "rejoin");
	srv_stop(&s);
	memcpy(&n, s.req[0].body, sizeof(n));
	CHECK("rejoin: this node, forwarded", r == 0 &&
	      req_is(&s, 0, QFCTL_REQ_REJOIN, sizeof(n)) && n.node == 0 &&
	      strstr(out, "rejoin of node 2 sent to the leader (node 1)"),
	      "exit %d %s out %s", r, last_err.msg, out);

	snprintf(exists.message, sizeof(exists.message), "node 4 generation 1 is not fenced");
	srv_start(&s, dup, 1);
	r = RUN(&s, 2000, "rejoin", "4");
	srv_stop(&s);
	memcpy(&n, s.req[0].body, sizeof(n));
	EXPECT("rejoin 4: not fenced is refused", r, 1, "rejoin 4: the node is not fenced");
	CHECK("rejoin 4: quorumd's words kept", n.node == 4 &&
	      !strcmp(last_err.extack, "node 4 generation 1 is not fenced") &&
	      last_err.extack_from && !strcmp(last_err.extack_from, "quorumd"),
	      "node %u extack %s", n.node, last_err.extack);

	srv_start(&s, tr, 2);
	r = RUN(&s, 2000, "transfer-leader");
	srv_stop(&s);
	memcpy(&n, s.req[1].body, sizeof(n));
	CHECK("transfer-leader: picks node 2 from the leader's status", r == 0 &&
	      req_is(&s, 0, QFCTL_REQ_STATUS, 0) &&
	      req_is(&s, 1, QFCTL_REQ_TRANSFER_LEADER, sizeof(n)) && n.node == 2,
	      "exit %d %s nreq %zu node %u", r, last_err.msg, s.nreq, n.node);

	srv_start(&s, trf, 1);
	r = RUN(&s, 2000, "transfer-leader");
	srv_stop(&s);
	EXPECT("transfer-leader: on a follower names the leader", r, 1, "node 3 is: run the command there");
	CHECK("transfer-leader: on a follower sends no transfer", s.nreq == 1, "nreq %zu", s.nreq);

	srv_start(&s, one, 1);
	r = RUN(&s, 2000, "transfer-leader", "3");
	srv_stop(&s);
	memcpy(&n, s.req[0].body, sizeof(n));
	CHECK("transfer-leader 3: one request", r == 0 && s.nreq == 1 &&
	      req_is(&s, 0, QFCTL_REQ_TRANSFER_LEADER, sizeof(n)) && n.node == 3,
	      "exit %d nreq %zu node %u", r, s.nreq, n.node);
}

/* leave: asks L first, then LEAVE without a body; the answer is printed. */
static void test_leave(void)
{
	struct qfctl_result left = { .leader = 1, .node = 2, .gen = 3,
		.flags = QFCTL_RES_DISARMED | QFCTL_RES_RECORDED,
		.message = "left: lease disarmed, leader told (NODE_FENCED commits after W)" };
	struct qfctl_result nowayout = { .leader = 1, .node = 2, .gen = 3,
		.message = "left without disarming: the lease is NOWAYOUT, it expires and fences" };
	struct step ok[] = {
		{ A_REPLY, QFCTL_RPY_STATUS, 0, &follower_st, sizeof(follower_st) },
		{ A_REPLY, QFCTL_RPY_RESULT, 0, &left, sizeof(left) },
	};
	struct step refused[] = {
		{ A_REPLY, QFCTL_RPY_STATUS, 0, &follower_st, sizeof(follower_st) },
		{ A_REPLY, QFCTL_RPY_RESULT, QFCTL_ST_NOT_DISARMED, &nowayout, sizeof(nowayout) },
	};
	struct server s;
	int r;

	srv_start(&s, ok, 2);
	r = RUN(&s, 2000, "leave");
	srv_stop(&s);
	CHECK("leave: status, then LEAVE without a body", s.nreq == 2 &&
	      req_is(&s, 0, QFCTL_REQ_STATUS, 0) && req_is(&s, 1, QFCTL_REQ_LEAVE, 0),
	      "nreq %zu", s.nreq);
	CHECK("leave: exit 0, the outcome and the way back printed", r == 0 &&
	      strstr(out, "node 2 generation 3 left: lease disarmed, leader told") &&
	      strstr(out, "then `quorumctl rejoin`"), "exit %d %s out %s", r, last_err.msg, out);

	srv_start(&s, ok, 2);
	r = RUN(&s, 2000, "leave", "--json");
	srv_stop(&s);
	CHECK("leave --json: disarmed and recorded", r == 0 &&
	      strstr(out, "\"disarmed\":true,\"recorded\":true,\"handed_over\":false}"),
	      "exit %d out %s", r, out);

	srv_start(&s, refused, 2);
	r = RUN(&s, 2000, "leave");
	srv_stop(&s);
	EXPECT("leave: not disarmed (NOWAYOUT) is exit 1", r, 1,
	       "leave: quorumd exited without disarming the kernel lease");
	CHECK("leave: NOWAYOUT named by quorumd", strstr(last_err.extack, "NOWAYOUT") &&
	      out && !out[0], "extack %s out %s", last_err.extack, out);

	r = RUN(&s, 2000, "leave", "2");
	CHECK("leave: takes no node", r == 2, "exit %d", r);
}

int main(void)
{
	canned_status(&leader_st);
	canned_status(&follower_st);
	follower_st.self = 2;
	follower_st.leader = 3;
	follower_st.state = QFCTL_STATE_FOLLOWER;
	ok_res = (struct qfctl_result){ .leader = 1, .node = 3, .gen = 2, .index = 41, .term = 7 };
	test_status();
	test_bad_daemon();
	test_absent();
	test_permission();
	test_member();
	test_fence();
	test_rejoin_transfer();
	test_leave();
	free(out);
	return TAP_DONE();
}
