/* SPDX-License-Identifier: MIT */
/*
 * Canned quorumd replies for the tests, built with the daemon's own
 * structs from ctl_proto.h: a three-node cluster seen from its leader.
 */
#ifndef QC_TEST_CANNED_H
#define QC_TEST_CANNED_H

#include <string.h>

#include "ctl_proto.h"
#include "ctlmsg.h"
#include "wire.h"

static inline void canned_addr(struct qfctl_addr *a, uint8_t last, uint16_t port)
{
	memset(a, 0, sizeof(*a));
	a->family = 4;
	a->port = port;
	a->ip[0] = 10;
	a->ip[3] = last;
}

/* Node 1 leads term 7; 2 is an active voter with two links; 3 a witness;
 * 4 was fenced (silent) and removed. */
static inline void canned_status(struct qfctl_status *st)
{
	struct qfctl_member *m = st->members;

	memset(st, 0, sizeof(*st));
	snprintf(st->cluster, sizeof(st->cluster), "prod-a");
	snprintf(st->lease_name, sizeof(st->lease_name), "db0");
	st->self = 1;
	st->leader = 1;
	st->term = 7;
	st->commit = 42;
	st->last_index = 43;
	st->state = QFCTL_STATE_LEADER;
	st->kernel_state = QFCTL_KERNEL_ARMED;
	st->gen = 1;
	st->lease_known = 1;
	st->lease_remaining_ms = 1402;
	st->boot_id = 0x0123456789abcdefULL;
	st->wait_ms = 2505;
	st->lease_ms = 1500;
	st->heartbeat_ms = 100;
	st->uptime_ms = 3600000;
	st->n_members = 4;
	m[0] = (struct qfctl_member){ .id = 1, .role = QFCTL_ROLE_VOTER, .n_addrs = 1,
		.flags = QFCTL_MF_IN_CONFIG | QFCTL_MF_SELF | QFCTL_MF_LEADER |
			 QFCTL_MF_ACTIVE | QFCTL_MF_LEASE_KNOWN | QFCTL_MF_ACK_KNOWN,
		.gen = 1, .lease_remaining_ms = 1402, .last_ack_age_ms = 0, .match = 43 };
	canned_addr(&m[0].addrs[0], 1, 7000);
	m[1] = (struct qfctl_member){ .id = 2, .role = QFCTL_ROLE_VOTER, .n_addrs = 2,
		.flags = QFCTL_MF_IN_CONFIG | QFCTL_MF_ACTIVE |
			 QFCTL_MF_LEASE_KNOWN | QFCTL_MF_ACK_KNOWN,
		.gen = 3, .fenced_gen = 2, .fence_reason = QFCTL_FR_ADMIN,
		.lease_remaining_ms = 1399, .last_ack_age_ms = 12, .match = 43 };
	canned_addr(&m[1].addrs[0], 2, 7000);
	m[1].addrs[1].family = 6;
	m[1].addrs[1].port = 7001;
	m[1].addrs[1].ip[0] = 0xfd;
	m[1].addrs[1].ip[15] = 2;
	m[2] = (struct qfctl_member){ .id = 3, .role = QFCTL_ROLE_WITNESS, .n_addrs = 1,
		.flags = QFCTL_MF_IN_CONFIG | QFCTL_MF_ACTIVE | QFCTL_MF_ACK_KNOWN,
		.gen = 1, .last_ack_age_ms = 15, .match = 42 };
	canned_addr(&m[2].addrs[0], 3, 7000);
	m[3] = (struct qfctl_member){ .id = 4, .role = QFCTL_ROLE_VOTER, .n_addrs = 1,
		.flags = QFCTL_MF_FENCED | QFCTL_MF_LAPSED, .gen = 1,
		.fenced_gen = 1, .fence_reason = QFCTL_FR_SILENT, .match = 30 };
	canned_addr(&m[3].addrs[0], 4, 7000);
	st->n_fences = 2;
	st->fences[0] = (struct qfctl_fence){ .node = 4, .reason = QFCTL_FR_SILENT,
		.gen = 1, .index = 40, .age_ms = 1200, .method = QFCTL_FM_PR };
	st->fences[1] = (struct qfctl_fence){ .node = 2, .reason = QFCTL_FR_ADMIN,
		.gen = 2, .index = 21, .age_ms = 90000, .method = QFCTL_FM_WAIT };
	st->counters.sent = 1000;
	st->counters.accepted = 990;
	st->counters.drops[QF_WIRE_BAD_MAC] = 3;
	st->counters.drops[QF_WIRE_REPLAY] = 2;
	st->counters.renewals = 500;
}

/* A whole reply: header (with @status) and body. */
static inline size_t canned_msg(void *buf, size_t cap, uint16_t code, uint32_t seq,
			 int32_t status, const void *body, size_t len)
{
	size_t n = qc_ctl_build(buf, cap, code, seq, body, len);
	struct qfctl_hdr h;

	memcpy(&h, buf, sizeof(h));
	h.status = status;
	memcpy(buf, &h, sizeof(h));
	return n;
}

#endif /* QC_TEST_CANNED_H */
