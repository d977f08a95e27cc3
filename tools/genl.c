// SPDX-License-Identifier: MIT
/*
 * libnl-genl-3 plumbing. libnl 3.7 has no accessor for the extended ack,
 * so the socket gets NETLINK_EXT_ACK (and NETLINK_CAP_ACK, so that errors
 * do not echo our request) and a custom error callback reads
 * NLMSGERR_ATTR_MSG / NLMSGERR_ATTR_MISS_TYPE from the TLVs that follow
 * struct nlmsgerr (or the error code of NLMSG_DONE, for dumps).
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/netlink.h>

#include "qfence.h"
#include "format.h"
#include "genl.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

static uint32_t u32_at(const char *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static void tlv_walk(const char *p, size_t len, struct qc_extack *ext)
{
	const struct nlattr *a;
	size_t alen, slen;

	while (len >= NLA_HDRLEN) {
		a = (const struct nlattr *)p;
		alen = a->nla_len;
		if (alen < NLA_HDRLEN || alen > len)
			return;
		slen = alen - NLA_HDRLEN;
		if ((a->nla_type & NLA_TYPE_MASK) == NLMSGERR_ATTR_MSG && slen &&
		    memchr(p + NLA_HDRLEN, '\0', slen))
			/* shown on a terminal: control bytes escaped */
			qc_safe_name(p + NLA_HDRLEN, ext->msg, sizeof(ext->msg));
		else if ((a->nla_type & NLA_TYPE_MASK) == NLMSGERR_ATTR_MISS_TYPE &&
			 slen == sizeof(uint32_t))
			memcpy(&ext->miss_type, p + NLA_HDRLEN, sizeof(uint32_t));
		else if ((a->nla_type & NLA_TYPE_MASK) == NLMSGERR_ATTR_OFFS &&
			 slen == sizeof(uint32_t))
			ext->offs = (long)u32_at(p + NLA_HDRLEN);
		alen = NLA_ALIGN(alen);
		if (alen >= len)
			return;
		p += alen;
		len -= alen;
	}
}

/* The errno of a netlink error code: 0 for an ack, 1..4095 for the
 * kernel's -errno; anything else no kernel sends, so EPROTO (INT_MIN
 * cannot even be negated). */
static int errno_of(int code)
{
	if (code == 0)
		return 0;
	return code < 0 && code >= -4095 ? -code : EPROTO;
}

/*
 * @nlh is an NLMSG_ERROR or NLMSG_DONE message of nlh->nlmsg_len bytes.
 * Returns the errno it reports (0 for an ack) and fills @ext.
 */
int qc_extack_parse(const struct nlmsghdr *nlh, struct qc_extack *ext)
{
	const char *base = (const char *)nlh;
	const struct nlmsgerr *e;
	size_t off, echo;
	int code;

	ext->msg[0] = '\0';
	ext->miss_type = -1;
	ext->offs = -1;
	ext->bad_attr = -1;
	if (nlh->nlmsg_type == NLMSG_DONE) {
		if (nlh->nlmsg_len < NLMSG_HDRLEN + sizeof(int))
			return 0;
		memcpy(&code, base + NLMSG_HDRLEN, sizeof(code));
		off = NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(int));
	} else {
		if (nlh->nlmsg_len < NLMSG_HDRLEN + sizeof(*e))
			return EPROTO;
		e = (const struct nlmsgerr *)(base + NLMSG_HDRLEN);
		code = e->error;
		off = NLMSG_HDRLEN + sizeof(*e);
		if (!(nlh->nlmsg_flags & NLM_F_CAPPED)) {
			/* The request is echoed: the TLVs follow it. */
			echo = e->msg.nlmsg_len;
			if (echo < NLMSG_HDRLEN || echo > nlh->nlmsg_len)
				return errno_of(code);
			off += ((echo + NLMSG_ALIGNTO - 1) & ~(size_t)(NLMSG_ALIGNTO - 1)) -
			       NLMSG_HDRLEN;
		}
	}
	if ((nlh->nlmsg_flags & NLM_F_ACK_TLVS) && off < nlh->nlmsg_len)
		tlv_walk(base + off, nlh->nlmsg_len - off, ext);
	return errno_of(code);
}

/*
 * NLMSGERR_ATTR_OFFS is a byte offset into our own request: the type of
 * the attribute found there, or -1 when the offset does not point at one.
 */
int qc_extack_attr(const struct nlmsghdr *req, long offs)
{
	struct nlattr a;

	if (offs < (long)(NLMSG_HDRLEN + GENL_HDRLEN) ||
	    (size_t)offs + NLA_HDRLEN > req->nlmsg_len)
		return -1;
	memcpy(&a, (const char *)req + offs, sizeof(a));
	if (a.nla_len < NLA_HDRLEN || (size_t)offs + a.nla_len > req->nlmsg_len)
		return -1;
	return a.nla_type & NLA_TYPE_MASK;
}

static void attr_label(int attr, char *buf, size_t len)
{
	const char *an = qc_attr_name(attr);

	if (an)
		snprintf(buf, len, "%s", an);
	else
		snprintf(buf, len, "%d", attr);
}

/* "integer out of range (attribute generation)", "missing attribute name" */
void qc_extack_str(const struct qc_extack *ext, char *buf, size_t len)
{
	char bad[24] = "", miss[24] = "";

	if (ext->bad_attr >= 0)
		attr_label(ext->bad_attr, bad, sizeof(bad));
	if (ext->miss_type >= 0)
		attr_label(ext->miss_type, miss, sizeof(miss));
	snprintf(buf, len, "%s%s%s%s%s%s%s", ext->msg,
		 bad[0] ? (ext->msg[0] ? " (attribute " : "attribute ") : "", bad,
		 bad[0] && ext->msg[0] ? ")" : "",
		 miss[0] && (ext->msg[0] || bad[0]) ? "; " : "",
		 miss[0] ? "missing attribute " : "", miss);
}

struct txn {
	qc_reply_fn fn;
	void *arg;
	int done, kerrno, fn_err;
	struct qc_extack ext;
};

static int on_valid(struct nl_msg *msg, void *arg)
{
	struct txn *t = arg;
	int r;

	if (t->fn) {
		r = t->fn(nlmsg_hdr(msg), t->arg);
		if (r && !t->fn_err)
			t->fn_err = r;
	}
	return NL_OK;
}

static int on_ack(struct nl_msg *msg, void *arg)
{
	struct txn *t = arg;

	(void)msg;
	t->done = 1;
	return NL_STOP;
}

static int on_finish(struct nl_msg *msg, void *arg)
{
	struct txn *t = arg;

	t->kerrno = qc_extack_parse(nlmsg_hdr(msg), &t->ext);
	t->done = 1;
	return NL_STOP;
}

static int on_error(struct sockaddr_nl *who, struct nlmsgerr *e, void *arg)
{
	/* libnl hands us nlmsg_data() of the error message: step back. */
	const struct nlmsghdr *nlh =
		(const struct nlmsghdr *)((const char *)e - NLMSG_HDRLEN);
	struct txn *t = arg;

	(void)who;
	t->kerrno = qc_extack_parse(nlh, &t->ext);
	if (!t->kerrno)
		t->kerrno = EPROTO;
	t->done = 1;
	return NL_STOP;
}

static int seq_ok(struct nl_msg *msg, void *arg)
{
	(void)msg;
	(void)arg;
	return NL_OK;
}

int qc_nl_open(struct qc_nl *nl, struct qc_err *err)
{
	int one = 1, r, fd;

	nl->family = -1;
	nl->sk = nl_socket_alloc();
	if (!nl->sk)
		return qc_fail(err, QC_EXIT_OTHER, "out of memory");
	r = genl_connect(nl->sk);
	if (r < 0)
		return qc_fail(err, QC_EXIT_OTHER,
			       "cannot open a generic netlink socket: %s",
			       nl_geterror(r));
	/* Kernels before 4.12 lack these options: errors then come bare. */
	fd = nl_socket_get_fd(nl->sk);
	setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	nl->family = genl_ctrl_resolve(nl->sk, QFENCE_GENL_NAME);
	if (nl->family == -NLE_OBJ_NOTFOUND)
		return qc_fail(err, QC_EXIT_NOMOD,
			       "qfence kernel module not loaded: modprobe qfence / insmod qfence.ko");
	if (nl->family < 0)
		return qc_fail(err, QC_EXIT_OTHER,
			       "cannot resolve the generic netlink family \"%s\": %s",
			       QFENCE_GENL_NAME, nl_geterror(nl->family));
	return 0;
}

void qc_nl_close(struct qc_nl *nl)
{
	if (nl->sk)
		nl_socket_free(nl->sk);
	nl->sk = NULL;
}

int qc_nl_fd(const struct qc_nl *nl)
{
	return nl_socket_get_fd(nl->sk);
}

/* A request for @cmd; NULL only when out of memory. */
struct nl_msg *qc_nl_msg(struct qc_nl *nl, uint8_t cmd, int flags)
{
	struct nl_msg *msg = nlmsg_alloc();

	if (msg && !genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, nl->family, 0,
				flags, cmd, QFENCE_GENL_VERSION)) {
		nlmsg_free(msg);
		msg = NULL;
	}
	return msg;
}

static struct nl_cb *txn_cb(struct txn *t)
{
	struct nl_cb *cb = nl_cb_alloc(NL_CB_DEFAULT);

	if (!cb)
		return NULL;
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, on_valid, t);
	nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, on_ack, t);
	nl_cb_set(cb, NL_CB_FINISH, NL_CB_CUSTOM, on_finish, t);
	nl_cb_err(cb, NL_CB_CUSTOM, on_error, t);
	return cb;
}

static int txn_result(struct txn *t, int cmd, const char *what,
		      struct qc_err *err)
{
	if (t->kerrno) {
		qc_extack_str(&t->ext, err->extack, sizeof(err->extack));
		return qc_kernel_fail(err, cmd, t->kerrno, what);
	}
	if (t->fn_err == -ENOMEM)
		return qc_fail(err, QC_EXIT_OTHER, "%s: out of memory", what);
	if (t->fn_err)
		return qc_fail(err, QC_EXIT_OTHER,
			       "%s: malformed reply from the kernel", what);
	return 0;
}

/*
 * Send @msg (consumed), pass every reply to @fn, wait for the ack (doit)
 * or NLMSG_DONE (dump). Returns an exit code; @what names the request in
 * error messages.
 */
int qc_nl_send(struct qc_nl *nl, struct nl_msg *msg, const char *what,
	       qc_reply_fn fn, void *arg, struct qc_err *err)
{
	struct txn t = { .fn = fn, .arg = arg };
	int cmd = genlmsg_hdr(nlmsg_hdr(msg))->cmd;
	struct nl_cb *cb = txn_cb(&t);
	int r;

	if (!cb) {
		nlmsg_free(msg);
		return qc_fail(err, QC_EXIT_OTHER, "out of memory");
	}
	r = nl_send_auto(nl->sk, msg);
	while (r >= 0 && !t.done)
		r = nl_recvmsgs(nl->sk, cb);
	nl_cb_put(cb);
	if (t.kerrno)
		t.ext.bad_attr = qc_extack_attr(nlmsg_hdr(msg), t.ext.offs);
	nlmsg_free(msg);
	if (!t.done)
		return qc_fail(err, QC_EXIT_OTHER, "%s: netlink: %s", what,
			       nl_geterror(r));
	return txn_result(&t, cmd, what, err);
}

int qc_nl_subscribe(struct qc_nl *nl, const char *group, struct qc_err *err)
{
	int grp = genl_ctrl_resolve_grp(nl->sk, QFENCE_GENL_NAME, group);
	int r;

	if (grp < 0)
		return qc_fail(err, QC_EXIT_OTHER,
			       "cannot resolve multicast group \"%s\": %s",
			       group, nl_geterror(grp));
	/* A burst of events (many leases fencing at once) must not be lost. */
	nl_socket_set_buffer_size(nl->sk, 1 << 20, 0);
	r = nl_socket_add_membership(nl->sk, grp);
	if (r == 0)
		r = nl_socket_set_nonblocking(nl->sk);
	if (r < 0)
		return qc_fail(err, QC_EXIT_OTHER,
			       "cannot join multicast group \"%s\": %s",
			       group, nl_geterror(r));
	return 0;
}

/* Read what is queued on a subscribed socket; @fn gets each message. */
int qc_nl_recv_events(struct qc_nl *nl, qc_reply_fn fn, void *arg,
		      struct qc_err *err)
{
	struct txn t = { .fn = fn, .arg = arg };
	struct nl_cb *cb = txn_cb(&t);
	int r;

	if (!cb)
		return qc_fail(err, QC_EXIT_OTHER, "out of memory");
	nl_cb_set(cb, NL_CB_SEQ_CHECK, NL_CB_CUSTOM, seq_ok, NULL);
	r = nl_recvmsgs(nl->sk, cb);
	nl_cb_put(cb);
	if (r == -NLE_AGAIN)
		r = 0;
	if (r == -NLE_NOMEM)
		return qc_fail(err, QC_EXIT_OTHER,
			       "events were lost (socket receive buffer overrun)");
	if (r < 0)
		return qc_fail(err, QC_EXIT_OTHER, "events: netlink: %s",
			       nl_geterror(r));
	if (t.fn_err)
		return qc_fail(err, QC_EXIT_OTHER,
			       "events: malformed event from the kernel");
	return 0;
}
