/* SPDX-License-Identifier: MIT */
/*
 * The generic netlink side: one libnl socket bound to the "qfence" family,
 * requests that wait for their ack or dump end, the kernel's extended ack,
 * and the events multicast group.
 */
#ifndef QC_GENL_H
#define QC_GENL_H

#include <stddef.h>
#include <stdint.h>
#include <linux/netlink.h>

#include "quorumctl.h"

struct nl_sock;
struct nl_msg;

struct qc_nl {
	struct nl_sock *sk;
	int family;
};

/* Called for each reply message; a non-zero return is kept as the error. */
typedef int (*qc_reply_fn)(const struct nlmsghdr *nlh, void *arg);

int qc_nl_open(struct qc_nl *nl, struct qc_err *err);
void qc_nl_close(struct qc_nl *nl);
struct nl_msg *qc_nl_msg(struct qc_nl *nl, uint8_t cmd, int flags);
int qc_nl_send(struct qc_nl *nl, struct nl_msg *msg, const char *what,
	       qc_reply_fn fn, void *arg, struct qc_err *err);
int qc_nl_subscribe(struct qc_nl *nl, const char *group, struct qc_err *err);
int qc_nl_fd(const struct qc_nl *nl);
int qc_nl_recv_events(struct qc_nl *nl, qc_reply_fn fn, void *arg,
		      struct qc_err *err);

struct qc_extack {
	char msg[QC_MSG_LEN];
	int miss_type;		/* missing attribute, -1 if not reported */
	long offs;		/* offset of the refused attribute, -1 if none */
	int bad_attr;		/* its type, from our request; -1 if unknown */
};

int qc_extack_parse(const struct nlmsghdr *nlh, struct qc_extack *ext);
int qc_extack_attr(const struct nlmsghdr *req, long offs);
void qc_extack_str(const struct qc_extack *ext, char *buf, size_t len);

#endif /* QC_GENL_H */
