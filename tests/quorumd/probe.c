// SPDX-License-Identifier: MIT
/*
 * quorumd-probe: a minimal control-socket client for the host cluster test
 * (tests/quorumd/cluster.sh). It speaks ctl_proto.h directly and prints
 * plain key=value lines a shell script can grep. The operator's tool is
 * quorumctl; this exists so that the daemon's test does not depend on it.
 *
 *   quorumd-probe SOCK status
 *   quorumd-probe SOCK fence NODE [--wait [MS]]
 *   quorumd-probe SOCK rejoin [NODE]
 *   quorumd-probe SOCK transfer NODE
 *   quorumd-probe SOCK remove NODE
 *   quorumd-probe SOCK add NODE IPV4 PORT [witness]
 *   quorumd-probe SOCK raw HEXBYTES       (send arbitrary bytes: bad input)
 *   quorumd-probe - now                   CLOCK_REALTIME in ms (the clock
 *                                         of quorumd's log stamps)
 *   quorumd-probe - boottime              CLOCK_BOOTTIME in ns (the kernel
 *                                         lease clock, event timestamps)
 *
 * Exit: 0 OK, 10 + hdr.status for a refused request, 2 usage, 3 no daemon.
 */
#include <arpa/inet.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "ctl_proto.h"

static int conn(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		perror(path);
		exit(3);
	}
	return fd;
}

static size_t readn(int fd, void *buf, size_t n)
{
	size_t got = 0;

	while (got < n) {
		ssize_t r = read(fd, (char *)buf + got, n - got);

		if (r <= 0)
			break;
		got += (size_t)r;
	}
	return got;
}

static int exchange(int fd, uint16_t code, const void *body, size_t len,
		    struct qfctl_hdr *rh, void *rbody, size_t rcap)
{
	uint8_t out[256];
	struct qfctl_hdr h = {
		.magic = QFCTL_MAGIC, .version = QFCTL_VERSION, .code = code,
		.len = (uint32_t)(sizeof(h) + len), .seq = 7,
	};

	memcpy(out, &h, sizeof(h));
	memcpy(out + sizeof(h), body, len);
	if (write(fd, out, h.len) != (ssize_t)h.len)
		return -1;
	if (readn(fd, rh, sizeof(*rh)) != sizeof(*rh) ||
	    rh->len < sizeof(*rh) || rh->len - sizeof(*rh) > rcap ||
	    readn(fd, rbody, rh->len - sizeof(*rh)) != rh->len - sizeof(*rh)) {
		fprintf(stderr, "short reply\n");
		return -1;
	}
	return 0;
}

static void print_result(const struct qfctl_hdr *h, const struct qfctl_result *r)
{
	printf("status=%d leader=%" PRIu32 " node=%" PRIu32 " flags=%" PRIu32
	       " gen=%" PRIu64 " index=%" PRIu64 " term=%" PRIu64
	       " message=%s\n", h->status, r->leader, r->node, r->flags,
	       r->gen, r->index, r->term, r->message);
}

static void print_status(const struct qfctl_status *s)
{
	printf("self=%" PRIu32 "\nleader=%" PRIu32 "\nterm=%" PRIu64
	       "\nstate=%u\nkernel=%u\nflags=%" PRIu32 "\ngen=%" PRIu64
	       "\nlease_known=%u\nlease_remaining_ms=%" PRId64
	       "\nwait_ms=%" PRIu64 "\ncommit=%" PRIu64 "\nboot_id=%016" PRIx64
	       "\naccepted=%" PRIu64 "\nrenewals=%" PRIu64 "\n"
	       "renew_latency_max_us=%" PRIu64 "\nrenew_latency_sum_us=%" PRIu64
	       "\nrenew_latency_count=%" PRIu64 "\n",
	       s->self, s->leader, s->term, s->state, s->kernel_state,
	       s->flags, s->gen, s->lease_known, s->lease_remaining_ms,
	       s->wait_ms, s->commit, s->boot_id, s->counters.accepted,
	       s->counters.renewals, s->counters.renew_latency_max_us,
	       s->counters.renew_latency_sum_us,
	       s->counters.renew_latency_count);
	for (int i = 0; i < QFCTL_MAX_DROPS; i++)
		if (s->counters.drops[i])
			printf("drop%d=%" PRIu64 "\n", i, s->counters.drops[i]);
	for (int i = 0; i < s->n_members; i++) {
		const struct qfctl_member *m = &s->members[i];

		printf("member id=%" PRIu32 " role=%u flags=%u gen=%" PRIu64
		       " fenced_gen=%" PRIu64 " lease_ms=%" PRId64
		       " ack_age_ms=%" PRId64 "\n", m->id, m->role, m->flags,
		       m->gen, m->fenced_gen, m->lease_remaining_ms,
		       m->last_ack_age_ms);
	}
	for (int i = 0; i < s->n_fences; i++)
		printf("fence node=%" PRIu32 " gen=%" PRIu64 " reason=%u index=%"
		       PRIu64 "\n", s->fences[i].node, s->fences[i].gen,
		       s->fences[i].reason, s->fences[i].index);
}

static int raw(int fd, const char *hex)
{
	uint8_t b[512], rb[QFCTL_MAX_MSG];
	size_t n = 0;
	ssize_t r;

	while (hex[0] && hex[1] && n < sizeof(b)) {
		unsigned int v;

		sscanf(hex, "%2x", &v);
		b[n++] = (uint8_t)v;
		hex += 2;
	}
	if (write(fd, b, n) != (ssize_t)n)
		return 1;
	shutdown(fd, SHUT_WR);
	r = (ssize_t)readn(fd, rb, sizeof(rb));
	if (r >= (ssize_t)sizeof(struct qfctl_hdr)) {
		struct qfctl_hdr h;

		memcpy(&h, rb, sizeof(h));
		printf("reply code=%u status=%d len=%" PRIu32 "\n", h.code,
		       h.status, h.len);
		return 0;
	}
	printf("reply none\n");
	return 0;
}

int main(int argc, char **argv)
{
	static struct qfctl_status st;
	struct qfctl_hdr rh;
	int fd;

	if (argc < 3)
		return 2;
	if (!strcmp(argv[2], "now")) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		printf("%lld\n", (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
		return 0;
	}
	if (!strcmp(argv[2], "boottime")) {
		struct timespec ts;

		clock_gettime(CLOCK_BOOTTIME, &ts);
		printf("%lld\n", (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec);
		return 0;
	}
	fd = conn(argv[1]);
	if (!strcmp(argv[2], "status")) {
		if (exchange(fd, QFCTL_REQ_STATUS, NULL, 0, &rh, &st,
			     sizeof(st)) || rh.code != QFCTL_RPY_STATUS)
			return 4;
		print_status(&st);
		return 0;
	}
	if (!strcmp(argv[2], "raw") && argc == 4)
		return raw(fd, argv[3]);
	if (!strcmp(argv[2], "fence") && argc >= 4) {
		struct qfctl_req_fence f = { .node = (uint32_t)atoi(argv[3]) };
		struct qfctl_result r;

		if (argc >= 5 && !strcmp(argv[4], "--wait")) {
			f.flags = QFCTL_FENCE_WAIT;
			if (argc >= 6)
				f.timeout_ms = (uint32_t)atoi(argv[5]);
		}
		if (exchange(fd, QFCTL_REQ_FENCE, &f, sizeof(f), &rh, &r,
			     sizeof(r)))
			return 4;
		print_result(&rh, &r);
		return rh.status ? 10 + rh.status : 0;
	}
	if ((!strcmp(argv[2], "rejoin") || !strcmp(argv[2], "transfer")) &&
	    argc >= 3) {
		struct qfctl_req_node n = {
			.node = argc >= 4 ? (uint32_t)atoi(argv[3]) : 0,
		};
		struct qfctl_result r;

		if (exchange(fd, argv[2][0] == 'r' ? QFCTL_REQ_REJOIN :
			     QFCTL_REQ_TRANSFER_LEADER, &n, sizeof(n), &rh,
			     &r, sizeof(r)))
			return 4;
		print_result(&rh, &r);
		return rh.status ? 10 + rh.status : 0;
	}
	if (!strcmp(argv[2], "remove") || !strcmp(argv[2], "add")) {
		struct qfctl_req_member m = { .node = argc >= 4 ?
					      (uint32_t)atoi(argv[3]) : 0 };
		struct qfctl_result r;
		bool add = argv[2][0] == 'a';

		if (add) {
			if (argc < 6 || inet_pton(AF_INET, argv[4],
						  m.addrs[0].ip) != 1)
				return 2;
			m.n_addrs = 1;
			m.addrs[0].family = 4;
			m.addrs[0].port = (uint16_t)atoi(argv[5]);
			m.role = argc >= 7 ? QFCTL_ROLE_WITNESS : QFCTL_ROLE_VOTER;
		}
		struct qfctl_req_node rn = { .node = m.node };

		if (add ? exchange(fd, QFCTL_REQ_MEMBER_ADD, &m, sizeof(m),
				   &rh, &r, sizeof(r)) :
		    exchange(fd, QFCTL_REQ_MEMBER_REMOVE, &rn, sizeof(rn),
			     &rh, &r, sizeof(r)))
			return 4;
		print_result(&rh, &r);
		return rh.status ? 10 + rh.status : 0;
	}
	return 2;
}
