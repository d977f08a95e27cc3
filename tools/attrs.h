/* SPDX-License-Identifier: MIT */
/*
 * One lease reply or one event, decoded from its netlink attributes. A bit
 * in `present` per QFENCE_A_* tells which attributes the kernel sent, so
 * that output never invents a value it did not receive.
 */
#ifndef QC_ATTRS_H
#define QC_ATTRS_H

#include <stdint.h>
#include <linux/netlink.h>

#include "qfence.h"

struct qc_info {
	uint64_t present;		/* 1 << QFENCE_A_* */
	uint8_t cmd;			/* genl command of the message */
	char name[QFENCE_NAME_LEN];
	uint32_t state, max_lease_ms, actions, reboot_delay_ms, settle_ms;
	uint32_t flags, devices, fence_reason, event, action, action_cause;
	uint64_t generation, deadline_ns, now_ns, renewals, fences;
	uint64_t ios_failed, ios_inflight, fenced_ns, drained_ns;
	uint64_t timestamp_ns, action_at_ns;
};

#define QC_HAS(info, attr) (((info)->present >> (attr)) & 1)

int qc_info_parse(const struct nlmsghdr *nlh, struct qc_info *info);
uint64_t qc_info_num(const struct qc_info *info, int attr);

#endif /* QC_ATTRS_H */
