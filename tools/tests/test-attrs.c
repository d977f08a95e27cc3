// SPDX-License-Identifier: MIT
/* Decoding of kernel replies, built here with libnl as the kernel would. */
#include <errno.h>
#include <stdint.h>

#include <netlink/attr.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>

#include "qfence.h"
#include "attrs.h"
#include "tap.h"

static struct nl_msg *reply(uint8_t cmd)
{
	struct nl_msg *msg = nlmsg_alloc();

	genlmsg_put(msg, 0, 1, 0x20, 0, 0, cmd, QFENCE_GENL_VERSION);
	return msg;
}

static void test_full(void)
{
	struct nl_msg *msg = reply(QFENCE_CMD_LEASE_GET);
	struct qc_info in;
	int r;

	nla_put_string(msg, QFENCE_A_NAME, "db0");
	nla_put_u32(msg, QFENCE_A_STATE, QFENCE_STATE_FENCED);
	nla_put_u64(msg, QFENCE_A_GENERATION, 0x1122334455667788ULL);
	nla_put_u64(msg, QFENCE_A_DEADLINE_NS, 5000);
	nla_put_u64(msg, QFENCE_A_NOW_NS, 6000);
	nla_put_u32(msg, QFENCE_A_ACTIONS, QFENCE_ACTION_IO);
	nla_put_u32(msg, QFENCE_A_FENCE_REASON, QFENCE_REASON_EXPIRED);
	nla_put_u64(msg, QFENCE_A_IOS_INFLIGHT, 9);
	nla_put_u32(msg, 200, 1);	/* from a newer kernel: ignored */
	r = qc_info_parse(nlmsg_hdr(msg), &in);
	CHECK("parse: valid reply", r == 0, "ret %d", r);
	CHECK("parse: command", in.cmd == QFENCE_CMD_LEASE_GET, "cmd %u", in.cmd);
	CHECK_STR("parse: name", in.name, "db0");
	CHECK("parse: u32 and u64 values", in.state == QFENCE_STATE_FENCED &&
	      in.generation == 0x1122334455667788ULL && in.deadline_ns == 5000 &&
	      in.now_ns == 6000 && in.ios_inflight == 9 &&
	      in.fence_reason == QFENCE_REASON_EXPIRED,
	      "state %u gen %llx", in.state, (unsigned long long)in.generation);
	CHECK("parse: presence bits", QC_HAS(&in, QFENCE_A_NAME) &&
	      QC_HAS(&in, QFENCE_A_IOS_INFLIGHT) && !QC_HAS(&in, QFENCE_A_RENEWALS) &&
	      !QC_HAS(&in, QFENCE_A_DEVICES), "present %llx",
	      (unsigned long long)in.present);
	CHECK("parse: qc_info_num", qc_info_num(&in, QFENCE_A_GENERATION) ==
	      0x1122334455667788ULL && qc_info_num(&in, QFENCE_A_STATE) == 2 &&
	      qc_info_num(&in, QFENCE_A_NAME) == 0 && qc_info_num(&in, 999) == 0,
	      "wrong value");
	nlmsg_free(msg);
}

static void expect_refused(const char *name, struct nl_msg *msg)
{
	struct qc_info in;
	int r = qc_info_parse(nlmsg_hdr(msg), &in);

	CHECK(name, r == -EINVAL, "ret %d", r);
	nlmsg_free(msg);
}

static void test_malformed(void)
{
	struct nl_msg *msg;
	char name40[40];

	msg = reply(QFENCE_CMD_LEASE_GET);
	nla_put_u64(msg, QFENCE_A_STATE, 1);
	expect_refused("parse: u32 attribute with 8 bytes", msg);
	msg = reply(QFENCE_CMD_LEASE_GET);
	nla_put_u32(msg, QFENCE_A_GENERATION, 1);
	expect_refused("parse: u64 attribute with 4 bytes", msg);
	msg = reply(QFENCE_CMD_LEASE_GET);
	nla_put(msg, QFENCE_A_NAME, 3, "abc");
	expect_refused("parse: name without NUL", msg);
	msg = reply(QFENCE_CMD_LEASE_GET);
	nla_put(msg, QFENCE_A_NAME, 4, "a\0bc");
	expect_refused("parse: name with inner NUL", msg);
	msg = reply(QFENCE_CMD_LEASE_GET);
	nla_put(msg, QFENCE_A_NAME, 1, "");
	expect_refused("parse: empty name", msg);
	memset(name40, 'n', sizeof(name40) - 1);
	name40[39] = '\0';
	msg = reply(QFENCE_CMD_LEASE_GET);
	nla_put_string(msg, QFENCE_A_NAME, name40);
	expect_refused("parse: name longer than QFENCE_NAME_LEN", msg);
	msg = reply(QFENCE_CMD_LEASE_GET);
	nla_put_u64(msg, QFENCE_A_NOW_NS, 1);
	nlmsg_hdr(msg)->nlmsg_len -= 4;	/* cut the last attribute */
	expect_refused("parse: truncated attribute", msg);
	msg = reply(QFENCE_CMD_LEASE_GET);
	nlmsg_hdr(msg)->nlmsg_len = NLMSG_HDRLEN + 2;
	expect_refused("parse: shorter than the genl header", msg);
}

int main(void)
{
	test_full();
	test_malformed();
	return TAP_DONE();
}
