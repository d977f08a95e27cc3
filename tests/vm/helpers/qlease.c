// SPDX-License-Identifier: GPL-2.0
/*
 * qlease: read the kernel's view of a lease for the guest test scripts,
 * straight from the uapi (independent of quorumctl's output format).
 *
 *   qlease get NAME                      key=value lines (state by name)
 *   qlease count                         number of leases (a dump)
 *   qlease names                         their names, one a line
 *   qlease wait NAME STATE TIMEOUT_MS    poll until STATE; exit 1 on timeout
 *   qlease events TIMEOUT_MS COUNT READY [NAME]
 *                                        print COUNT events (one line each) of
 *                                        lease NAME (default: any), touching
 *                                        file READY once subscribed; exit 1
 *                                        if fewer arrived in time
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include "qnl.h"

static const char *const attr_names[] = {
	[QFENCE_A_NAME] = "name",
	[QFENCE_A_GENERATION] = "generation",
	[QFENCE_A_MAX_LEASE_MS] = "max_lease_ms",
	[QFENCE_A_ACTIONS] = "actions",
	[QFENCE_A_REBOOT_DELAY_MS] = "reboot_delay_ms",
	[QFENCE_A_SETTLE_MS] = "settle_ms",
	[QFENCE_A_FLAGS] = "flags",
	[QFENCE_A_DEADLINE_NS] = "deadline_ns",
	[QFENCE_A_STATE] = "state",
	[QFENCE_A_NOW_NS] = "now_ns",
	[QFENCE_A_RENEWALS] = "renewals",
	[QFENCE_A_FENCES] = "fences",
	[QFENCE_A_IOS_FAILED] = "ios_failed",
	[QFENCE_A_IOS_INFLIGHT] = "ios_inflight",
	[QFENCE_A_DEVICES] = "devices",
	[QFENCE_A_FENCED_NS] = "fenced_ns",
	[QFENCE_A_DRAINED_NS] = "drained_ns",
	[QFENCE_A_FENCE_REASON] = "fence_reason",
	[QFENCE_A_EVENT] = "event",
	[QFENCE_A_TIMESTAMP_NS] = "timestamp_ns",
	[QFENCE_A_ACTION] = "action",
	[QFENCE_A_ACTION_AT_NS] = "action_at_ns",
	[QFENCE_A_ACTION_CAUSE] = "action_cause",
};

static const char *const states[] = { "disarmed", "armed", "fenced" };
static const char *const events[] = {
	"unspec", "expired", "fenced", "drained", "action", "unfenced"
};

struct out {
	char sep;
};

static int print_attr(const struct nlattr *a, void *data)
{
	struct out *o = data;
	uint16_t t = mnl_attr_get_type(a), len = mnl_attr_get_payload_len(a);
	const char *k = t <= QFENCE_A_MAX ? attr_names[t] : NULL;
	uint64_t v;

	if (!k)
		return MNL_CB_OK;
	if (t == QFENCE_A_NAME) {
		printf("%s=%.*s%c", k, (int)strnlen(mnl_attr_get_payload(a), len),
		       (const char *)mnl_attr_get_payload(a), o->sep);
		return MNL_CB_OK;
	}
	v = len == 8 ? mnl_attr_get_u64(a) : len == 4 ? mnl_attr_get_u32(a) : 0;
	if (t == QFENCE_A_STATE && v < 3)
		printf("%s=%s%c", k, states[v], o->sep);
	else if (t == QFENCE_A_EVENT && v < 6)
		printf("%s=%s%c", k, events[v], o->sep);
	else
		printf("%s=%llu%c", k, (unsigned long long)v, o->sep);
	return MNL_CB_OK;
}

static int print_msg(const struct nlmsghdr *m, void *data)
{
	mnl_attr_parse(m, sizeof(struct genlmsghdr), print_attr, data);
	return MNL_CB_OK;
}

static int cmd_get(struct qnl *q, const char *name)
{
	struct nlmsghdr *nlh = qnl_req(q, QFENCE_CMD_LEASE_GET, NLM_F_ACK);
	struct out o = { '\n' };
	int ret;

	mnl_attr_put_strz(nlh, QFENCE_A_NAME, name);
	ret = qnl_talk(q, nlh, print_msg, &o);
	if (ret) {
		fprintf(stderr, "qlease: %s: %s %s\n", name,
			strerrorname_np(-ret), q->extack);
		return 1;
	}
	return 0;
}

static int name_line(const struct nlmsghdr *m, void *data)
{
	struct qlease l;

	(void)data;
	qnl_parse_lease(m, &l);
	printf("%s\n", l.name);
	return MNL_CB_OK;
}

static int cmd_names(struct qnl *q)
{
	struct nlmsghdr *nlh = qnl_req(q, QFENCE_CMD_LEASE_GET, NLM_F_DUMP);

	return qnl_talk(q, nlh, name_line, NULL) ? 1 : 0;
}

static int cmd_wait(struct qnl *q, const char *name, const char *state,
		    long timeout_ms)
{
	uint64_t end = qnl_now() + timeout_ms * 1000000ULL;
	struct qlease l;
	int ret;

	for (;;) {
		ret = qnl_get(q, name, &l);
		if (!ret && l.state < 3 && !strcmp(states[l.state], state))
			return 0;
		if (qnl_now() > end)
			break;
		usleep(10000);
	}
	fprintf(stderr, "qlease: %s: still %s after %ld ms (wanted %s)\n", name,
		ret ? strerrorname_np(-ret) : l.state < 3 ? states[l.state] : "?",
		timeout_ms, state);
	return 1;
}

static int name_cb(const struct nlattr *a, void *data)
{
	if (mnl_attr_get_type(a) == QFENCE_A_NAME &&
	    mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0)
		*(const char **)data = mnl_attr_get_str(a);
	return MNL_CB_OK;
}

static int event_of(const struct nlmsghdr *m, const char *name)
{
	const char *n = NULL;

	if (!name)
		return 1;
	mnl_attr_parse(m, sizeof(struct genlmsghdr), name_cb, &n);
	return n && !strcmp(n, name);
}

static int cmd_events(struct qnl *q, long timeout_ms, int count,
		      const char *ready, const char *name)
{
	uint64_t end = qnl_now() + timeout_ms * 1000000ULL;
	struct out o = { ' ' };
	char buf[8192];
	int fd, got = 0;
	FILE *f;

	if (!q->events_group ||
	    mnl_socket_setsockopt(q->sk, NETLINK_ADD_MEMBERSHIP,
				  &q->events_group, sizeof(q->events_group))) {
		fprintf(stderr, "qlease: cannot join the events group\n");
		return 1;
	}
	f = fopen(ready, "w");
	if (f)
		fclose(f);
	fd = mnl_socket_get_fd(q->sk);
	while (got < count) {
		struct pollfd p = { fd, POLLIN, 0 };
		uint64_t now = qnl_now();
		const struct nlmsghdr *m = (const void *)buf;
		int n;

		if (now >= end)
			break;
		if (poll(&p, 1, (int)((end - now) / 1000000) + 1) <= 0)
			continue;
		n = (int)recv(fd, buf, sizeof(buf), 0);
		for (; n > 0 && mnl_nlmsg_ok(m, n); m = mnl_nlmsg_next(m, &n)) {
			if (m->nlmsg_type != q->family || !event_of(m, name))
				continue;
			print_msg(m, &o);
			printf("\n");
			fflush(stdout);
			got++;
		}
	}
	if (got < count)
		fprintf(stderr, "qlease: %d of %d events in %ld ms\n", got,
			count, timeout_ms);
	return got < count;
}

int main(int argc, char **argv)
{
	struct qnl q;
	int ret;

	if (argc == 2 && !strcmp(argv[1], "names"))
		return qnl_open(&q) ? 1 : cmd_names(&q);
	if (argc == 2 && !strcmp(argv[1], "count")) {
		if (qnl_open(&q) || (ret = qnl_count(&q)) < 0)
			return 1;
		printf("%d\n", ret);
		return 0;
	}
	if (argc < 3) {
		fprintf(stderr, "usage: qlease get NAME | count | names | wait NAME STATE MS | "
			"events MS COUNT READYFILE\n");
		return 2;
	}
	ret = qnl_open(&q);
	if (ret) {
		fprintf(stderr, "qlease: family %s: %s\n", QFENCE_GENL_NAME,
			strerrorname_np(-ret));
		return 3;
	}
	if (!strcmp(argv[1], "get"))
		return cmd_get(&q, argv[2]);
	if (!strcmp(argv[1], "wait") && argc == 5)
		return cmd_wait(&q, argv[2], argv[3], atol(argv[4]));
	if (!strcmp(argv[1], "events") && (argc == 5 || argc == 6))
		return cmd_events(&q, atol(argv[2]), atoi(argv[3]), argv[4],
				  argc == 6 ? argv[5] : NULL);
	fprintf(stderr, "qlease: bad arguments\n");
	return 2;
}
