/* SPDX-License-Identifier: GPL-2.0 */
/*
 * qnl: the smallest generic netlink client of the qfence family (libmnl),
 * for the VM test helpers. It sends whatever it is asked to send, including
 * messages that no well-behaved client would build.
 */
#ifndef QNL_H
#define QNL_H

#include <stdint.h>
#include <libmnl/libmnl.h>
#include "../../../kmod/uapi/qfence.h"

struct qnl {
	struct mnl_socket *sk;
	uint16_t family;
	uint32_t events_group;	/* multicast group id of "events" */
	uint32_t seq;
	char extack[256];	/* the kernel's message for the last error */
	char buf[16384];
};

struct qlease {
	char name[64];
	uint32_t state, max_lease_ms, actions, reboot_delay_ms, settle_ms;
	uint32_t flags, devices, reason;
	uint64_t generation, deadline_ns, now_ns, renewals, fences;
	uint64_t ios_failed, ios_inflight, fenced_ns, drained_ns;
};

int qnl_open(struct qnl *q);
void qnl_close(struct qnl *q);
uint64_t qnl_now(void);		/* CLOCK_BOOTTIME ns */
/* Start a request in q->buf; add attributes with libmnl's mnl_attr_put*. */
struct nlmsghdr *qnl_req(struct qnl *q, uint8_t cmd, uint16_t flags);
/* Send, read the answer; returns 0 or a negative errno. cb sees each reply. */
int qnl_talk(struct qnl *q, struct nlmsghdr *nlh, mnl_cb_t cb, void *data);
int qnl_get(struct qnl *q, const char *name, struct qlease *l);
int qnl_count(struct qnl *q);	/* leases in a dump, or a negative errno */
int qnl_renew(struct qnl *q, const char *name, uint64_t deadline, uint64_t gen);
int qnl_simple(struct qnl *q, uint8_t cmd, const char *name);
int qnl_unfence(struct qnl *q, const char *name, uint64_t gen);
int qnl_parse_lease(const struct nlmsghdr *m, struct qlease *l);

#endif
