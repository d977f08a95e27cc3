// SPDX-License-Identifier: MIT
/*
 * Tests of udp.c over loopback (ephemeral ports): roundtrip through the
 * wire layer, redundant links (one copy accepted, the other counted as a
 * replay; one dead link does not stop traffic), garbage and oversize
 * datagrams, IPv6, and bind errors leaving nothing open.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../udp.h"
#include "unit.h"

static const uint8_t key[32] = "udp-test-key-udp-test-key-udp-t";
static struct qf_wire wa, wb;
static struct qf_udp ua, ub;
static struct qf_wire_msg got;
static char got_payload[64];
static unsigned int got_link, ncalls;
static char got_from[80];

static void deliver(void *ctx, const struct qf_wire_msg *m, unsigned int link,
		    const struct qf_conf_addr *from)
{
	(void)ctx;
	got = *m;
	snprintf(got_payload, sizeof(got_payload), "%.*s", (int)m->len,
		 (const char *)m->payload);
	got_link = link;
	snprintf(got_from, sizeof(got_from), "%s", from->text);
	ncalls++;
}

/* Block until fd is readable (a wait, not a timing assertion). */
static int readable(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, 5000) == 1 ? 0 : -1;
}

/* "ip:0": the config refuses port 0, sockets take it as "any port". */
static int any_port(const char *s, struct qf_conf_addr *a, char *why,
		    size_t len)
{
	char tmp[64];

	snprintf(tmp, sizeof(tmp), "%.*s1", (int)strlen(s) - 1, s);
	if (qf_conf_parse_addr(tmp, a, why, len))
		return -1;
	if (a->sa.ss_family == AF_INET)
		((struct sockaddr_in *)&a->sa)->sin_port = 0;
	else
		((struct sockaddr_in6 *)&a->sa)->sin6_port = 0;
	return 0;
}

static int bind_pair(const char *a0, const char *a1, const char *b0,
		     const char *b1)
{
	struct qf_conf_addr la[2], lb[2];
	unsigned int n = a1 ? 2 : 1;
	char why[160];

	ncalls = 0;
	if (any_port(a0, &la[0], why, sizeof(why)) ||
	    any_port(b0, &lb[0], why, sizeof(why)))
		return -1;
	if (n == 2 && (any_port(a1, &la[1], why, sizeof(why)) ||
		       any_port(b1, &lb[1], why, sizeof(why))))
		return -1;
	if (qf_udp_open(&ua, la, n, why, sizeof(why)) ||
	    qf_udp_open(&ub, lb, n, why, sizeof(why)))
		return -1;
	if (qf_wire_init(&wa, key, "udp", 1, 0xa) ||
	    qf_wire_init(&wb, key, "udp", 2, 0xb) ||
	    qf_wire_add_peer(&wa, 2) || qf_wire_add_peer(&wb, 1))
		return -1;
	return 0;
}

/* Peer 2 as node 1 sees it: b's bound addresses. */
static void peer_b(struct qf_conf_peer *p)
{
	memset(p, 0, sizeof(*p));
	p->id = 2;
	p->naddrs = ub.nlinks;
	for (unsigned int i = 0; i < ub.nlinks; i++)
		p->addr[i] = ub.local[i];
}

static void udp_loopback_roundtrip(void)
{
	struct qf_conf_peer pb;
	char want[32];

	UT_EQ(bind_pair("127.0.0.1:0", NULL, "127.0.0.1:0", NULL), 0);
	peer_b(&pb);
	UT_ASSERT(ub.local[0].text[0] && strcmp(ub.local[0].text, "127.0.0.1:0"));
	UT_EQ(qf_udp_send_msg(&ua, &wa, &pb, "heartbeat", 9), 1);
	UT_EQ(readable(ub.fd[0]), 0);
	UT_EQ(qf_udp_receive(&ub, 0, &wb, deliver, NULL, QF_UDP_BUDGET), 1);
	UT_EQ(ncalls, 1);
	UT_ASSERT(!strcmp(got_payload, "heartbeat"));
	UT_ASSERT(got.from == 1 && got.seq == 1 && got.new_boot);
	snprintf(want, sizeof(want), "%s", ua.local[0].text);
	UT_ASSERT(!strcmp(got_from, want));
	/* Nothing more to read: the drain stops without blocking. */
	UT_EQ(qf_udp_receive(&ub, 0, &wb, deliver, NULL, QF_UDP_BUDGET), 0);
	UT_EQ(qf_udp_receive(&ub, 5, &wb, deliver, NULL, QF_UDP_BUDGET),
	      -EINVAL);
	qf_udp_close(&ua);
	qf_udp_close(&ub);
}

static void udp_redundant_links(void)
{
	struct qf_conf_peer pb;
	struct qf_conf_addr dead;
	char why[160];

	UT_EQ(bind_pair("127.0.0.1:0", "127.0.0.2:0", "127.0.0.1:0",
			"127.0.0.2:0"), 0);
	peer_b(&pb);
	UT_EQ(qf_udp_send_msg(&ua, &wa, &pb, "grant", 5), 2);
	UT_EQ(readable(ub.fd[0]), 0);
	UT_EQ(readable(ub.fd[1]), 0);
	UT_EQ(qf_udp_receive(&ub, 0, &wb, deliver, NULL, QF_UDP_BUDGET), 1);
	UT_EQ(qf_udp_receive(&ub, 1, &wb, deliver, NULL, QF_UDP_BUDGET), 1);
	UT_EQ(ncalls, 1);
	UT_EQ(wb.stats.accepted, 1);
	UT_EQ(wb.stats.drops[QF_WIRE_REPLAY], 1);
	/* Link 0 dead (nobody listens there): link 1 still carries it. */
	UT_EQ(qf_conf_parse_addr("127.0.0.1:9", &dead, why, sizeof(why)), 0);
	pb.addr[0] = dead;
	UT_ASSERT(qf_udp_send_msg(&ua, &wa, &pb, "grant 2", 7) >= 1);
	UT_EQ(readable(ub.fd[1]), 0);
	UT_EQ(qf_udp_receive(&ub, 1, &wb, deliver, NULL, QF_UDP_BUDGET), 1);
	UT_EQ(ncalls, 2);
	UT_EQ(got_link, 1);
	UT_ASSERT(!strcmp(got_payload, "grant 2"));
	qf_udp_close(&ua);
	qf_udp_close(&ub);
}

static void udp_bad_datagrams(void)
{
	static uint8_t big[3000];
	int raw = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	UT_ASSERT(raw >= 0);
	UT_EQ(bind_pair("127.0.0.1:0", NULL, "127.0.0.1:0", NULL), 0);
	UT_EQ(sendto(raw, "garbage", 7, 0,
		     (const struct sockaddr *)&ub.local[0].sa, ub.local[0].len), 7);
	UT_EQ(sendto(raw, big, sizeof(big), 0,
		     (const struct sockaddr *)&ub.local[0].sa, ub.local[0].len),
	      (ssize_t)sizeof(big));
	/* Loopback queues both before sendto() returns: one drain reads
	 * them both. */
	UT_EQ(readable(ub.fd[0]), 0);
	UT_EQ(qf_udp_receive(&ub, 0, &wb, deliver, NULL, QF_UDP_BUDGET), 2);
	UT_EQ(wb.stats.drops[QF_WIRE_TRUNCATED], 1);
	UT_EQ(wb.stats.drops[QF_WIRE_OVERSIZE], 1);
	UT_EQ(ncalls, 0);
	close(raw);
	qf_udp_close(&ua);
	qf_udp_close(&ub);
}

static void udp_ipv6_loopback(void)
{
	struct qf_conf_peer pb;

	UT_EQ(bind_pair("[::1]:0", NULL, "[::1]:0", NULL), 0);
	peer_b(&pb);
	UT_ASSERT(!strncmp(ub.local[0].text, "[::1]:", 6));
	UT_EQ(qf_udp_send_msg(&ua, &wa, &pb, "v6", 2), 1);
	UT_EQ(readable(ub.fd[0]), 0);
	UT_EQ(qf_udp_receive(&ub, 0, &wb, deliver, NULL, QF_UDP_BUDGET), 1);
	UT_ASSERT(ncalls == 1 && !strcmp(got_payload, "v6"));
	/* No IPv4 link: an IPv4 address of the peer is skipped. */
	UT_EQ(qf_conf_parse_addr("127.0.0.1:9", &pb.addr[0], got_from,
				 sizeof(got_from)), 0);
	UT_EQ(qf_udp_send(&ua, pb.addr, 1, "x", 1), 0);
	qf_udp_close(&ua);
	qf_udp_close(&ub);
}

static void udp_bind_error_leaves_nothing(void)
{
	struct qf_conf_addr la[2];
	char why[160];
	int before, after;

	UT_EQ(any_port("127.0.0.1:0", &la[0], why, sizeof(why)), 0);
	UT_EQ(qf_conf_parse_addr("192.0.2.1:7405", &la[1], why, sizeof(why)), 0);
	before = dup(0);
	close(before);
	UT_ASSERT(qf_udp_open(&ua, la, 2, why, sizeof(why)) < 0);
	UT_CONTAINS(why, "192.0.2.1:7405: bind:");
	UT_EQ(ua.nlinks, 0);
	UT_ASSERT(ua.fd[0] == -1 && ua.fd[1] == -1);
	after = dup(0);
	close(after);
	UT_EQ(after, before);	/* the first socket was closed again */
	UT_ASSERT(qf_udp_open(&ua, la, 0, why, sizeof(why)) == -EINVAL);
}

const struct ut_case udp_cases[] = {
	{ "udp_loopback_roundtrip", udp_loopback_roundtrip },
	{ "udp_redundant_links", udp_redundant_links },
	{ "udp_bad_datagrams", udp_bad_datagrams },
	{ "udp_ipv6_loopback", udp_ipv6_loopback },
	{ "udp_bind_error_leaves_nothing", udp_bind_error_leaves_nothing },
	{ NULL, NULL },
};
