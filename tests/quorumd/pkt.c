// SPDX-License-Identifier: MIT
/*
 * qfpkt: the bad-input cases of tests/quorumd/vm.sh. It records a real
 * peer datagram off the wire and sends it back changed, so that every
 * layer below the daemon (Ethernet, IP, UDP) is valid and only the
 * daemon's own checks stand between the bytes and the Raft state.
 *
 *   qfpkt capture IFACE DST_IP PORT OUT TIMEOUT_MS [SENDER [rejoin]]
 *       save the first Ethernet frame seen on IFACE that carries a UDP
 *       datagram to DST_IP:PORT starting with the wire magic "QFW1"; with
 *       SENDER (a node id, 0 any) only one whose wire header names that
 *       sender, with "rejoin" only a forwarded REJOIN (its payload's first
 *       byte 2: daemon/quorumd/quorumd.h QD_PKT_REJOIN). OUT.ready appears
 *       once it listens.
 *   qfpkt inject IFACE IN MODE
 *       transmit the saved frame on IFACE, after MODE:
 *         replay    unchanged (the receiver saw it already)
 *         badmac    a sequence number far ahead, and the last byte of
 *                   the tag flipped (a forged datagram)
 *         truncate  cut to 24 bytes of payload (shorter than the header)
 *         badmagic  first byte of the magic changed
 *   qfpkt oversize DST_IP PORT SIZE
 *       one UDP datagram of SIZE bytes that starts with "QFW1"
 *
 * Every injected frame carries UDP checksum 0 (none, legal over IPv4); a
 * shortened one a recomputed IPv4 header checksum.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/ip.h>
#include <netinet/udp.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define ETH_HLEN_ 14

static int die(const char *what)
{
	fprintf(stderr, "qfpkt: %s: %s\n", what, errno ? strerror(errno) :
		"invalid");
	return 1;
}

static int raw_socket(const char *ifname, struct sockaddr_ll *sll)
{
	int fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ALL));

	if (fd < 0)
		return -1;
	memset(sll, 0, sizeof(*sll));
	sll->sll_family = AF_PACKET;
	sll->sll_protocol = htons(ETH_P_ALL);
	sll->sll_ifindex = (int)if_nametoindex(ifname);
	if (!sll->sll_ifindex ||
	    bind(fd, (struct sockaddr *)sll, sizeof(*sll)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* The IPv4/UDP headers of a frame, or NULL if it is not one of ours. */
static struct udphdr *udp_of(uint8_t *f, size_t n, struct iphdr **ip)
{
	struct udphdr *u;

	if (n < ETH_HLEN_ + sizeof(**ip) + sizeof(*u) + 4 ||
	    f[12] != 0x08 || f[13] != 0x00)
		return NULL;
	*ip = (struct iphdr *)(f + ETH_HLEN_);
	if ((*ip)->version != 4 || (*ip)->protocol != IPPROTO_UDP ||
	    n < ETH_HLEN_ + (*ip)->ihl * 4u + sizeof(*u) + 4)
		return NULL;
	u = (struct udphdr *)(f + ETH_HLEN_ + (*ip)->ihl * 4u);
	return memcmp(u + 1, "QFW1", 4) ? NULL : u;
}

static uint64_t now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000 + (uint64_t)t.tv_nsec / 1000000;
}

/* Wire header (daemon/infra/wire.h): sender id at 16, payload at 40. */
static bool wanted(const struct udphdr *u, unsigned long sender, bool rejoin)
{
	const uint8_t *w = (const uint8_t *)(u + 1);
	size_t n = ntohs(u->len) - sizeof(*u);
	uint32_t from;

	if (n < 41 + 32)
		return !sender && !rejoin;
	from = (uint32_t)w[16] << 24 | (uint32_t)w[17] << 16 |
	       (uint32_t)w[18] << 8 | w[19];
	if (sender && from != sender)
		return false;
	return !rejoin || w[40] == 2;
}

/* OUT.ready: the socket listens, a case may now cause the datagram. */
static int ready(const char *out)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s.ready", out);
	f = fopen(path, "w");
	return !f || fclose(f);
}

static int capture(int argc, char **a)
{
	unsigned long sender = argc > 5 ? strtoul(a[5], NULL, 10) : 0;
	bool rejoin = argc > 6 && !strcmp(a[6], "rejoin");
	uint64_t end = now_ms() + strtoull(a[4], NULL, 10);
	unsigned int port = (unsigned int)strtoul(a[2], NULL, 10);
	struct sockaddr_ll sll;
	struct in_addr dst;
	uint8_t f[2048];
	int fd;

	if (inet_pton(AF_INET, a[1], &dst) != 1 || !port || port > 65535) {
		errno = 0;
		return die("capture: bad address or port");
	}
	fd = raw_socket(a[0], &sll);
	if (fd < 0)
		return die(a[0]);
	if (ready(a[3]))
		return die("capture: OUT.ready");
	while (now_ms() < end) {
		struct pollfd p = { fd, POLLIN, 0 };
		struct iphdr *ip;
		struct udphdr *u;
		FILE *o;
		ssize_t n;

		if (poll(&p, 1, 100) <= 0)
			continue;
		n = recv(fd, f, sizeof(f), 0);
		if (n <= 0)
			continue;
		u = udp_of(f, (size_t)n, &ip);
		if (!u || ip->daddr != dst.s_addr || ntohs(u->dest) != port ||
		    !wanted(u, sender, rejoin))
			continue;
		o = fopen(a[3], "w");
		if (!o || fwrite(f, 1, (size_t)n, o) != (size_t)n ||
		    fclose(o))
			return die(a[3]);
		close(fd);
		return 0;
	}
	errno = ETIMEDOUT;
	return die("capture");
}

static void ip_checksum(struct iphdr *ip)
{
	const uint16_t *w = (const uint16_t *)ip;
	uint32_t s = 0;

	ip->check = 0;
	for (unsigned int i = 0; i < ip->ihl * 2u; i++)
		s += w[i];
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	ip->check = (uint16_t)~s;
}

static int inject(char **a)
{
	struct sockaddr_ll sll;
	struct iphdr *ip;
	struct udphdr *u;
	uint8_t f[2048];
	size_t n;
	FILE *in = fopen(a[1], "r");
	int fd;

	if (!in)
		return die(a[1]);
	n = fread(f, 1, sizeof(f), in);
	fclose(in);
	u = udp_of(f, n, &ip);
	if (!u) {
		errno = 0;
		return die("inject: not a saved wire frame");
	}
	/*
	 * The saved frame may carry a partial checksum (veth offload), and
	 * every mode changes bytes: "no checksum" lets the datagram reach
	 * the daemon, which must judge it on its own.
	 */
	u->check = 0;
	if (!strcmp(a[2], "badmac")) {
		/*
		 * A sequence number never used yet, so that the replay window
		 * (checked first) lets it through to the MAC check.
		 */
		uint8_t *seq = (uint8_t *)(u + 1) + 32;

		seq[1] ^= 0x40;
		f[n - 1] ^= 0x01;
	} else if (!strcmp(a[2], "badmagic")) {
		((uint8_t *)(u + 1))[0] ^= 0x20;
	} else if (!strcmp(a[2], "truncate")) {
		size_t keep = 24;

		u->len = htons((uint16_t)(sizeof(*u) + keep));
		ip->tot_len = htons((uint16_t)(ip->ihl * 4u + sizeof(*u) +
					       keep));
		ip_checksum(ip);
		n = ETH_HLEN_ + ip->ihl * 4u + sizeof(*u) + keep;
	} else if (strcmp(a[2], "replay")) {
		errno = 0;
		return die("inject: MODE is replay, badmac, truncate or badmagic");
	}
	fd = raw_socket(a[0], &sll);
	if (fd < 0)
		return die(a[0]);
	sll.sll_halen = ETH_ALEN;
	memcpy(sll.sll_addr, f, ETH_ALEN);
	if (sendto(fd, f, n, 0, (struct sockaddr *)&sll, sizeof(sll)) !=
	    (ssize_t)n)
		return die("inject: sendto");
	close(fd);
	return 0;
}

static int oversize(char **a)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	size_t n = strtoul(a[2], NULL, 10);
	unsigned long port = strtoul(a[1], NULL, 10);
	uint8_t *b;
	int fd;

	if (inet_pton(AF_INET, a[0], &sin.sin_addr) != 1 || !port ||
	    port > 65535 || n < 4 || n > 65507) {
		errno = 0;
		return die("oversize: bad address, port or size");
	}
	sin.sin_port = htons((uint16_t)port);
	b = calloc(1, n);
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (!b || fd < 0)
		return die("oversize");
	memcpy(b, "QFW1", 4);
	if (sendto(fd, b, n, 0, (struct sockaddr *)&sin, sizeof(sin)) !=
	    (ssize_t)n)
		return die("oversize: sendto");
	free(b);
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 7 && argc <= 9 && !strcmp(argv[1], "capture"))
		return capture(argc - 2, argv + 2);
	if (argc == 5 && !strcmp(argv[1], "inject"))
		return inject(argv + 2);
	if (argc == 5 && !strcmp(argv[1], "oversize"))
		return oversize(argv + 2);
	fprintf(stderr, "usage: qfpkt capture IFACE DST_IP PORT OUT TIMEOUT_MS "
		"[SENDER [rejoin]]\n"
		"       qfpkt inject IFACE IN replay|badmac|truncate|badmagic\n"
		"       qfpkt oversize DST_IP PORT SIZE\n");
	return 2;
}
