// SPDX-License-Identifier: MIT
/*
 * qfnlforge: the forged-kernel-message case of tests/quorumd/vm.sh. A
 * process with CAP_NET_ADMIN in a daemon's network namespace can send to
 * that daemon's netlink ports; this one sends what a FENCED event of the
 * daemon's lease looks like, so that only quorumd's own origin check (the
 * sender's port id must be 0, the kernel's) stands between it and a fence.
 *
 *   qfnlforge PID LEASE GEN
 *       for every generic netlink socket of process PID (found through
 *       /proc/PID/fd and /proc/net/netlink, run it in PID's namespace):
 *       a QFENCE_EVENT_FENCED of LEASE at GEN (reason manual) with the
 *       qfence family id, and one with another family id. Prints how
 *       many messages were sent; exit 1 if none could be.
 */
#include <dirent.h>
#include <errno.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "uapi/qfence.h"

#define MAX_PORTS 16

static uint8_t buf[4096];

static void put_attr(struct nlmsghdr *h, uint16_t type, const void *v,
		     uint16_t len)
{
	struct nlattr *a = (struct nlattr *)((uint8_t *)h +
					     NLMSG_ALIGN(h->nlmsg_len));

	a->nla_type = type;
	a->nla_len = (uint16_t)(NLA_HDRLEN + len);
	memcpy((uint8_t *)a + NLA_HDRLEN, v, len);
	h->nlmsg_len = NLMSG_ALIGN(h->nlmsg_len) + NLA_ALIGN(a->nla_len);
}

static struct nlmsghdr *genl_msg(uint16_t type, uint8_t cmd, uint16_t flags)
{
	struct nlmsghdr *h = (struct nlmsghdr *)buf;
	struct genlmsghdr *g = NLMSG_DATA(h);

	memset(buf, 0, sizeof(buf));
	h->nlmsg_len = NLMSG_LENGTH(GENL_HDRLEN);
	h->nlmsg_type = type;
	h->nlmsg_flags = flags;
	h->nlmsg_seq = 1;
	g->cmd = cmd;
	g->version = QFENCE_GENL_VERSION;
	return h;
}

/* The qfence family id, asked from the kernel's generic netlink control. */
static int family_id(int fd)
{
	struct nlmsghdr *h = genl_msg(GENL_ID_CTRL, CTRL_CMD_GETFAMILY,
				      NLM_F_REQUEST);
	struct sockaddr_nl k = { .nl_family = AF_NETLINK };
	ssize_t n;

	put_attr(h, CTRL_ATTR_FAMILY_NAME, QFENCE_GENL_NAME,
		 sizeof(QFENCE_GENL_NAME));
	if (sendto(fd, h, h->nlmsg_len, 0, (struct sockaddr *)&k,
		   sizeof(k)) < 0)
		return -1;
	n = recv(fd, buf, sizeof(buf), 0);
	h = (struct nlmsghdr *)buf;
	if (n < (ssize_t)NLMSG_LENGTH(GENL_HDRLEN) || !NLMSG_OK(h, n) ||
	    h->nlmsg_type != GENL_ID_CTRL)
		return -1;
	for (size_t off = NLMSG_LENGTH(GENL_HDRLEN); off + NLA_HDRLEN <=
	     h->nlmsg_len;) {
		struct nlattr *a = (struct nlattr *)(buf + off);

		if (a->nla_len < NLA_HDRLEN)
			break;
		if (a->nla_type == CTRL_ATTR_FAMILY_ID)
			return *(uint16_t *)((uint8_t *)a + NLA_HDRLEN);
		off += NLA_ALIGN(a->nla_len);
	}
	return -1;
}

/* Is socket inode `ino' one of PID's open files? */
static int owned_by(const char *pid, unsigned long ino)
{
	char dir[64], path[400], link[64], want[64];
	struct dirent *e;
	DIR *d;
	int hit = 0;

	snprintf(dir, sizeof(dir), "/proc/%s/fd", pid);
	snprintf(want, sizeof(want), "socket:[%lu]", ino);
	d = opendir(dir);
	if (!d)
		return 0;
	while (!hit && (e = readdir(d))) {
		ssize_t n;

		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		n = readlink(path, link, sizeof(link) - 1);
		if (n > 0) {
			link[n] = '\0';
			hit = !strcmp(link, want);
		}
	}
	closedir(d);
	return hit;
}

/* PID's generic netlink port ids, from this namespace's table. */
static int ports_of(const char *pid, uint32_t *ports)
{
	FILE *f = fopen("/proc/net/netlink", "re");
	char line[256];
	int n = 0;

	if (!f)
		return 0;
	while (n < MAX_PORTS && fgets(line, sizeof(line), f)) {
		unsigned long ino;
		unsigned int port;
		int proto;

		if (sscanf(line, "%*s %d %u %*s %*s %*s %*s %*s %*s %lu",
			   &proto, &port, &ino) != 3)
			continue;	/* the header line */
		if (proto == NETLINK_GENERIC && port && owned_by(pid, ino))
			ports[n++] = port;
	}
	fclose(f);
	return n;
}

static int send_fenced(int fd, uint32_t port, uint16_t family,
		       const char *lease, uint64_t gen)
{
	struct nlmsghdr *h = genl_msg(family, QFENCE_CMD_EVENT, 0);
	struct sockaddr_nl to = { .nl_family = AF_NETLINK, .nl_pid = port };
	uint32_t ev = QFENCE_EVENT_FENCED, reason = QFENCE_REASON_MANUAL;
	uint64_t ts = 1;

	put_attr(h, QFENCE_A_EVENT, &ev, sizeof(ev));
	put_attr(h, QFENCE_A_NAME, lease, (uint16_t)(strlen(lease) + 1));
	put_attr(h, QFENCE_A_GENERATION, &gen, sizeof(gen));
	put_attr(h, QFENCE_A_TIMESTAMP_NS, &ts, sizeof(ts));
	put_attr(h, QFENCE_A_FENCE_REASON, &reason, sizeof(reason));
	return sendto(fd, h, h->nlmsg_len, 0, (struct sockaddr *)&to,
		      sizeof(to)) < 0 ? -1 : 0;
}

int main(int argc, char **argv)
{
	uint32_t ports[MAX_PORTS];
	int fd, fam, n, sent = 0;
	uint64_t gen;

	if (argc != 4 || strlen(argv[2]) >= 32) {
		fprintf(stderr, "usage: qfnlforge PID LEASE GEN\n");
		return 2;
	}
	gen = strtoull(argv[3], NULL, 10);
	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	fam = fd < 0 ? -1 : family_id(fd);
	if (fam < 0) {
		fprintf(stderr, "qfnlforge: no qfence family: %s\n",
			strerror(errno));
		return 1;
	}
	n = ports_of(argv[1], ports);
	for (int i = 0; i < n; i++) {
		if (!send_fenced(fd, ports[i], (uint16_t)fam, argv[2], gen))
			sent++;
		if (!send_fenced(fd, ports[i], (uint16_t)(fam + 1), argv[2],
				 gen))
			sent++;
	}
	printf("sent %d forged FENCED events to %d ports of %s\n", sent, n,
	       argv[1]);
	close(fd);
	return sent ? 0 : 1;
}
