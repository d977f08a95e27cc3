// SPDX-License-Identifier: MIT
/* Reading the kernel's extended ack out of NLMSG_ERROR and NLMSG_DONE. */
#include <limits.h>
#include <errno.h>
#include <stdint.h>
#include <linux/netlink.h>

#include <netlink/attr.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>

#include "qfence.h"
#include "genl.h"
#include "tap.h"

/* Messages are built in a heap buffer of exactly nlmsg_len bytes, so that
 * ASan catches any read past the end. */
struct buf {
	char b[512];
	size_t len;
};

static void put(struct buf *m, const void *p, size_t n)
{
	memcpy(m->b + m->len, p, n);
	m->len += NLMSG_ALIGN(n);
}

static void put_tlv(struct buf *m, uint16_t type, const void *p, size_t n)
{
	struct nlattr a = { .nla_len = (uint16_t)(NLA_HDRLEN + n), .nla_type = type };

	memcpy(m->b + m->len, &a, sizeof(a));
	memcpy(m->b + m->len + NLA_HDRLEN, p, n);
	m->len += NLA_ALIGN(NLA_HDRLEN + n);
}

static void start_err(struct buf *m, int error, uint16_t flags, size_t echo)
{
	struct nlmsghdr h = { .nlmsg_type = NLMSG_ERROR, .nlmsg_flags = flags };
	struct nlmsgerr e = { .error = error };

	memset(m, 0, sizeof(*m));
	e.msg.nlmsg_len = (uint32_t)(NLMSG_HDRLEN + echo);
	put(m, &h, sizeof(h));
	put(m, &e, sizeof(e));
	m->len += NLMSG_ALIGN(echo);	/* the echoed request payload */
}

/* Copy into an exact-size heap block; returns it (free it). */
static struct nlmsghdr *finish(struct buf *m)
{
	struct nlmsghdr *h = malloc(m->len);

	((struct nlmsghdr *)m->b)->nlmsg_len = (uint32_t)m->len;
	memcpy(h, m->b, m->len);
	return h;
}

static int parse(struct buf *m, struct qc_extack *ext)
{
	struct nlmsghdr *h = finish(m);
	int r = qc_extack_parse(h, ext);

	free(h);
	return r;
}

static void test_error(void)
{
	static const char msg[] = "deadline beyond max_lease_ms";
	struct qc_extack ext;
	uint32_t miss = QFENCE_A_GENERATION;
	char s[QC_MSG_LEN];
	struct buf m;
	int r;

	start_err(&m, -ERANGE, NLM_F_CAPPED | NLM_F_ACK_TLVS, 0);
	put_tlv(&m, NLMSGERR_ATTR_MSG, msg, sizeof(msg));
	r = parse(&m, &ext);
	CHECK("extack: capped error", r == ERANGE && !strcmp(ext.msg, msg),
	      "ret %d msg \"%s\"", r, ext.msg);

	start_err(&m, -EINVAL, NLM_F_ACK_TLVS, 28);
	put_tlv(&m, NLMSGERR_ATTR_OFFS, &miss, sizeof(miss));
	put_tlv(&m, NLMSGERR_ATTR_MSG, msg, sizeof(msg));
	r = parse(&m, &ext);
	CHECK("extack: error echoing the request", r == EINVAL && !strcmp(ext.msg, msg),
	      "ret %d msg \"%s\"", r, ext.msg);

	start_err(&m, -EINVAL, NLM_F_CAPPED | NLM_F_ACK_TLVS, 0);
	put_tlv(&m, NLMSGERR_ATTR_MISS_TYPE, &miss, sizeof(miss));
	r = parse(&m, &ext);
	qc_extack_str(&ext, s, sizeof(s));
	CHECK_STR("extack: missing attribute named", s, "missing attribute generation");

	start_err(&m, -EPERM, NLM_F_CAPPED, 0);
	put_tlv(&m, NLMSGERR_ATTR_MSG, msg, sizeof(msg));
	r = parse(&m, &ext);
	CHECK("extack: TLVs ignored without NLM_F_ACK_TLVS", r == EPERM && !ext.msg[0],
	      "ret %d msg \"%s\"", r, ext.msg);

	start_err(&m, 0, NLM_F_CAPPED, 0);
	r = parse(&m, &ext);
	CHECK("extack: plain ack is 0", r == 0 && !ext.msg[0] && ext.miss_type == -1,
	      "ret %d", r);
}

static void test_malformed(void)
{
	struct qc_extack ext;
	struct nlattr big = { .nla_len = 200, .nla_type = NLMSGERR_ATTR_MSG };
	struct buf m;
	int r;

	start_err(&m, -EINVAL, NLM_F_CAPPED | NLM_F_ACK_TLVS, 0);
	put(&m, &big, sizeof(big));
	put(&m, "abcd", 4);
	r = parse(&m, &ext);
	CHECK("extack: attribute longer than the message", r == EINVAL && !ext.msg[0],
	      "ret %d msg \"%s\"", r, ext.msg);

	start_err(&m, -EINVAL, NLM_F_CAPPED | NLM_F_ACK_TLVS, 0);
	put_tlv(&m, NLMSGERR_ATTR_MSG, "abcd", 4);
	r = parse(&m, &ext);
	CHECK("extack: message without NUL ignored", r == EINVAL && !ext.msg[0],
	      "msg \"%s\"", ext.msg);

	start_err(&m, -EINVAL, NLM_F_ACK_TLVS, 0);
	put_tlv(&m, NLMSGERR_ATTR_MSG, "abc", 4);
	((struct nlmsgerr *)(m.b + NLMSG_HDRLEN))->msg.nlmsg_len = NLMSG_HDRLEN + 400;
	r = parse(&m, &ext);
	CHECK("extack: echo longer than the message", r == EINVAL && !ext.msg[0],
	      "ret %d msg \"%s\"", r, ext.msg);

	start_err(&m, -EINVAL, NLM_F_ACK_TLVS, 0);
	put_tlv(&m, NLMSGERR_ATTR_MSG, "abc", 4);
	((struct nlmsgerr *)(m.b + NLMSG_HDRLEN))->msg.nlmsg_len = 0xffffffff;
	r = parse(&m, &ext);
	CHECK("extack: echo length near 2^32", r == EINVAL && !ext.msg[0],
	      "ret %d msg \"%s\"", r, ext.msg);

	/* Found by tests/fuzz/nlreply: the kernel's message is printed on the
	 * operator's terminal, so a control byte in it is shown escaped. */
	start_err(&m, -EINVAL, NLM_F_CAPPED | NLM_F_ACK_TLVS, 0);
	put_tlv(&m, NLMSGERR_ATTR_MSG, "bad\x1b[2J\nline", 13);
	r = parse(&m, &ext);
	CHECK_STR("extack: control bytes in the message escaped", ext.msg,
		  "bad\\x1b[2J\\x0aline");

	/* Found by tests/fuzz/nlreply: a code no kernel sends (INT_MIN was
	 * negated, undefined behaviour) is a protocol error, as is a
	 * positive one or one beyond the errno range. */
	start_err(&m, INT_MIN, NLM_F_CAPPED, 0);
	r = parse(&m, &ext);
	CHECK("extack: error INT_MIN is EPROTO", r == EPROTO, "ret %d", r);
	start_err(&m, 5, NLM_F_CAPPED, 0);
	r = parse(&m, &ext);
	CHECK("extack: positive error is EPROTO", r == EPROTO, "ret %d", r);
	start_err(&m, -5000, NLM_F_CAPPED, 0);
	r = parse(&m, &ext);
	CHECK("extack: error beyond 4095 is EPROTO", r == EPROTO, "ret %d", r);

	memset(&m, 0, sizeof(m));
	((struct nlmsghdr *)m.b)->nlmsg_type = NLMSG_ERROR;
	m.len = NLMSG_HDRLEN + 4;
	r = parse(&m, &ext);
	CHECK("extack: truncated error is EPROTO", r == EPROTO, "ret %d", r);
}

static void test_done(void)
{
	struct nlmsghdr h = { .nlmsg_type = NLMSG_DONE, .nlmsg_flags = NLM_F_ACK_TLVS };
	static const char msg[] = "dump refused";
	struct qc_extack ext;
	int code = -EPERM, r;
	struct buf m;

	memset(&m, 0, sizeof(m));
	put(&m, &h, sizeof(h));
	put(&m, &code, sizeof(code));
	put_tlv(&m, NLMSGERR_ATTR_MSG, msg, sizeof(msg));
	r = parse(&m, &ext);
	CHECK("extack: dump error in NLMSG_DONE", r == EPERM && !strcmp(ext.msg, msg),
	      "ret %d msg \"%s\"", r, ext.msg);

	memset(&m, 0, sizeof(m));
	h.nlmsg_flags = 0;
	code = 0;
	put(&m, &h, sizeof(h));
	put(&m, &code, sizeof(code));
	r = parse(&m, &ext);
	CHECK("extack: clean NLMSG_DONE", r == 0 && !ext.msg[0], "ret %d", r);
}

/* The kernel names a refused attribute by its offset in our request. */
static void test_offset(void)
{
	struct nl_msg *req = nlmsg_alloc();
	struct nlmsghdr *h;
	struct qc_extack ext;
	uint32_t offs;
	char s[QC_MSG_LEN];
	struct buf m;
	long gen_off;

	genlmsg_put(req, 0, 1, 0x20, 0, 0, QFENCE_CMD_LEASE_NEW, 1);
	nla_put_string(req, QFENCE_A_NAME, "db0");
	nla_put_u64(req, QFENCE_A_GENERATION, 0);
	h = nlmsg_hdr(req);
	gen_off = NLMSG_HDRLEN + GENL_HDRLEN + NLA_ALIGN(NLA_HDRLEN + 4);
	CHECK("offset: names the attribute", qc_extack_attr(h, gen_off) ==
	      QFENCE_A_GENERATION, "got %d", qc_extack_attr(h, gen_off));
	CHECK("offset: first attribute", qc_extack_attr(h, NLMSG_HDRLEN + GENL_HDRLEN) ==
	      QFENCE_A_NAME, "got %d", qc_extack_attr(h, NLMSG_HDRLEN + GENL_HDRLEN));
	CHECK("offset: inside the headers is unknown", qc_extack_attr(h, 4) == -1 &&
	      qc_extack_attr(h, -1) == -1, "accepted");
	CHECK("offset: past the end is unknown",
	      qc_extack_attr(h, (long)h->nlmsg_len - 2) == -1 &&
	      qc_extack_attr(h, (long)h->nlmsg_len) == -1 &&
	      qc_extack_attr(h, 1L << 40) == -1, "accepted");
	nlmsg_free(req);

	offs = (uint32_t)gen_off;
	start_err(&m, -ERANGE, NLM_F_CAPPED | NLM_F_ACK_TLVS, 0);
	put_tlv(&m, NLMSGERR_ATTR_MSG, "integer out of range", 21);
	put_tlv(&m, NLMSGERR_ATTR_OFFS, &offs, sizeof(offs));
	CHECK("offset: parsed from the ack", parse(&m, &ext) == ERANGE &&
	      ext.offs == gen_off && ext.bad_attr == -1, "offs %ld", ext.offs);
	ext.bad_attr = QFENCE_A_GENERATION;
	qc_extack_str(&ext, s, sizeof(s));
	CHECK_STR("offset: message names the attribute", s,
		  "integer out of range (attribute generation)");
	ext.msg[0] = '\0';
	qc_extack_str(&ext, s, sizeof(s));
	CHECK_STR("offset: attribute without a message", s, "attribute generation");
	ext.bad_attr = 77;
	ext.miss_type = QFENCE_A_NAME;
	snprintf(ext.msg, sizeof(ext.msg), "bad");
	qc_extack_str(&ext, s, sizeof(s));
	CHECK_STR("offset: unknown attribute number and a missing one", s,
		  "bad (attribute 77); missing attribute name");
}

int main(void)
{
	test_offset();
	test_error();
	test_malformed();
	test_done();
	return TAP_DONE();
}
