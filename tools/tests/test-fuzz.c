// SPDX-License-Identifier: MIT
/*
 * Robustness of the decoders against hostile bytes: random messages (fixed
 * seed, so runs repeat) fed to the reply and extended-ack parsers, each in
 * a heap block of exactly nlmsg_len bytes so that ASan sees any over-read.
 */
#include <errno.h>
#include <stdint.h>
#include <linux/netlink.h>

#include "qfence.h"
#include "attrs.h"
#include "genl.h"
#include "tap.h"

#define ROUNDS 20000

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static uint32_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)rng;
}

/* Mostly well-formed attribute headers with random lengths and types. */
static struct nlmsghdr *random_msg(uint16_t type)
{
	size_t len = NLMSG_HDRLEN + (next() % 160), off = NLMSG_HDRLEN;
	struct nlmsghdr *h = malloc(len);
	struct nlattr a;
	size_t i;

	for (i = 0; i < len; i++)
		((unsigned char *)h)[i] = (unsigned char)next();
	h->nlmsg_len = (uint32_t)len;
	h->nlmsg_type = type;
	h->nlmsg_flags = (uint16_t)(next() & (NLM_F_CAPPED | NLM_F_ACK_TLVS));
	off += 4 * (next() % 8);
	while (off + NLA_HDRLEN <= len && next() % 4) {
		a.nla_type = (uint16_t)(next() % (QFENCE_A_MAX + 3));
		a.nla_len = (uint16_t)(next() % 24);
		memcpy((char *)h + off, &a, sizeof(a));
		off += NLA_ALIGN(a.nla_len ? a.nla_len : 4);
	}
	return h;
}

int main(void)
{
	struct qc_info in;
	struct qc_extack ext;
	struct nlmsghdr *h;
	int i, bad = 0, parsed = 0, r;
	char s[QC_MSG_LEN];

	for (i = 0; i < ROUNDS; i++) {
		h = random_msg(0x20);
		r = qc_info_parse(h, &in);
		if (r != 0 && r != -EINVAL)
			bad++;
		parsed += r == 0;
		if (r == 0 && in.name[0] && strnlen(in.name, sizeof(in.name)) == sizeof(in.name))
			bad++;
		free(h);
		h = random_msg(i % 2 ? NLMSG_ERROR : NLMSG_DONE);
		r = qc_extack_parse(h, &ext);
		if (r < 0 || strnlen(ext.msg, sizeof(ext.msg)) == sizeof(ext.msg))
			bad++;
		ext.bad_attr = qc_extack_attr(h, (long)(next() % 200) - 20);
		qc_extack_str(&ext, s, sizeof(s));
		free(h);
	}
	CHECK("fuzz: decoders survive random messages", bad == 0,
	      "%d bad results in %d rounds", bad, ROUNDS);
	CHECK("fuzz: some random replies decode (the generator reaches the parser)",
	      parsed > 0, "none of %d decoded", ROUNDS);
	return TAP_DONE();
}
