// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: quorumctl's decoding of the kernel's netlink replies
 * and events (tools/attrs.c qc_info_parse, tools/genl.c qc_extack_parse)
 * and the formatters that print a decoded lease (tools/format.c).
 *
 * Input: a whole netlink message, in a heap block of exactly its length;
 * nlmsg_len is set to that length (libnl hands over only messages whose
 * length fits what was received). Byte 0 of the input also picks the
 * message type for the extended-ack decoder (NLMSG_ERROR or NLMSG_DONE).
 *
 * Invariants: an accepted lease message has a NUL-terminated name when it
 * has one, marks present only attributes this header knows, and prints
 * (show, JSON, event) without control bytes; the ack decoder returns a
 * non-negative errno, a terminated message and an offset inside the
 * message or -1.
 */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "format.h"
#include "genl.h"
#include "outcheck.h"

static void check_info(const struct qc_info *in)
{
	for (int a = 0; a < 64; a++)
		if (QC_HAS(in, a))
			assert(a <= QFENCE_A_MAX);
	if (QC_HAS(in, QFENCE_A_NAME))
		assert(memchr(in->name, '\0', sizeof(in->name)));
	OUTCHECK(0, qc_print_lease_show(f, in));
	OUTCHECK(1, qc_print_lease_json(f, in));
	OUTCHECK(0, qc_print_event(f, in, 0));
	OUTCHECK(1, qc_print_event(f, in, 1));
	OUTCHECK(0, qc_print_lease_table(f, in, 1));
}

static void check_ack(struct nlmsghdr *nlh, uint8_t sel)
{
	struct qc_extack ext;
	char line[512];
	int e;

	nlh->nlmsg_type = sel & 1 ? NLMSG_DONE : NLMSG_ERROR;
	e = qc_extack_parse(nlh, &ext);
	assert(e >= 0);
	assert(memchr(ext.msg, '\0', sizeof(ext.msg)));
	assert(ext.offs == -1 || (ext.offs >= 0 && ext.offs <= UINT32_MAX));
	qc_extack_str(&ext, line, sizeof(line));
	assert(memchr(line, '\0', sizeof(line)));
	/* printed after "quorumctl: ...: " on the operator's terminal */
	for (const char *c = line; *c; c++)
		assert((unsigned char)*c >= 0x20 && *c != 0x7f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct qc_info info;
	struct nlmsghdr *nlh;
	uint8_t sel;

	if (size < 1 + sizeof(*nlh) || size > 1 + 65536)
		return 0;
	sel = data[0];
	data++, size--;
	nlh = malloc(size);
	assert(nlh);
	memcpy(nlh, data, size);
	nlh->nlmsg_len = (uint32_t)size;
	if (qc_info_parse(nlh, &info) == 0)
		check_info(&info);
	check_ack(nlh, sel);
	free(nlh);
	return 0;
}
