// SPDX-License-Identifier: MIT
/*
 * qfence daemon: datagram framing, authentication, replay window
 * (see wire.h for the format and the reasons).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "ilog.h"
#include "wire.h"

#define MAGIC		0x51465731U	/* "QFW1" */
#define VERSION		2	/* 2: the boot only grows (wire.h) */
#define KEY_FILE_MAX	130		/* 64 hex digits and blanks */

_Static_assert(QF_WIRE_TAG_LEN == crypto_auth_hmacsha512256_BYTES,
	       "tag length");
_Static_assert(QF_WIRE_WINDOW % 64 == 0, "window of whole words");

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static void put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)(v >> 32));
	put32(p + 4, (uint32_t)v);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static uint64_t get64(const uint8_t *p)
{
	return (uint64_t)get32(p) << 32 | get32(p + 4);
}

/* ---- key ---- */

static int hexval(uint8_t c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static bool blank(uint8_t c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

int qf_wire_key_parse(const uint8_t *buf, size_t len,
		      uint8_t key[QF_WIRE_KEY_LEN])
{
	size_t a = 0, b = len;

	if (len == QF_WIRE_KEY_LEN) {
		memcpy(key, buf, QF_WIRE_KEY_LEN);
		return 0;
	}
	while (a < b && blank(buf[a]))
		a++;
	while (b > a && blank(buf[b - 1]))
		b--;
	if (b - a != 2 * QF_WIRE_KEY_LEN)
		return -EINVAL;
	for (size_t i = 0; i < QF_WIRE_KEY_LEN; i++) {
		int hi = hexval(buf[a + 2 * i]), lo = hexval(buf[a + 2 * i + 1]);

		if (hi < 0 || lo < 0) {
			sodium_memzero(key, QF_WIRE_KEY_LEN);
			return -EINVAL;
		}
		key[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

/* The key authenticates the whole cluster: nobody else may read it. */
static int key_file_ok(int fd, const char *path, char *err, size_t errlen)
{
	struct stat st;

	if (fstat(fd, &st)) {
		ierr(err, errlen, "%s: %s", path, strerror(errno));
		return -errno;
	}
	if (!S_ISREG(st.st_mode)) {
		ierr(err, errlen, "%s: not a regular file", path);
		return -EINVAL;
	}
	if (st.st_mode & 077) {
		ierr(err, errlen, "%s: mode %04o gives group or others access "
		     "to the cluster key; chmod 600 it", path,
		     (unsigned int)(st.st_mode & 07777));
		return -EACCES;
	}
	if (st.st_uid != 0 && st.st_uid != geteuid()) {
		ierr(err, errlen, "%s: owned by uid %u, neither root nor us",
		     path, (unsigned int)st.st_uid);
		return -EACCES;
	}
	return 0;
}

int qf_wire_key_load(const char *path, uint8_t key[QF_WIRE_KEY_LEN],
		     char *err, size_t errlen)
{
	uint8_t buf[KEY_FILE_MAX + 1];
	ssize_t n;
	int rc, fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0) {
		ierr(err, errlen, "%s: %s", path, strerror(errno));
		return -errno;
	}
	rc = key_file_ok(fd, path, err, errlen);
	if (rc) {
		close(fd);
		return rc;
	}
	n = read(fd, buf, sizeof(buf));
	close(fd);
	if (n < 0 || n > KEY_FILE_MAX) {
		ierr(err, errlen, "%s: %s", path, n < 0 ? strerror(errno) :
		     "too long for a key (32 raw bytes or 64 hex digits)");
		rc = -EINVAL;
	} else if (qf_wire_key_parse(buf, (size_t)n, key)) {
		ierr(err, errlen, "%s: not a key: expected 32 raw bytes or 64 "
		     "hex digits, found %zd bytes", path, n);
		rc = -EINVAL;
	}
	sodium_memzero(buf, sizeof(buf));
	return rc;
}

/* ---- setup ---- */

int qf_wire_init(struct qf_wire *w, const uint8_t key[QF_WIRE_KEY_LEN],
		 const char *cluster, uint32_t self, uint64_t boot_id)
{
	static const char ctx[] = "qfence wire v1 hmac-sha512-256";
	uint8_t h[8];

	if (sodium_init() < 0)
		return -ENOSYS;
	if (!self || !cluster || !cluster[0])
		return -EINVAL;
	memset(w, 0, sizeof(*w));
	/* Domain separation: the MAC key is not the file's key itself. */
	crypto_generichash(w->mac_key, sizeof(w->mac_key), (const uint8_t *)ctx,
			   sizeof(ctx) - 1, key, QF_WIRE_KEY_LEN);
	crypto_generichash(h, sizeof(h), (const uint8_t *)cluster,
			   strlen(cluster), NULL, 0);
	w->cluster_hash = get64(h);
	w->self = self;
	w->boot_id = boot_id;
	return 0;
}

int qf_wire_set_boot(struct qf_wire *w, uint64_t boot_id)
{
	if (!boot_id || boot_id <= w->boot_id)
		return -EINVAL;	/* rule 11: ours only grows as well */
	w->boot_id = boot_id;
	w->seq = 0;
	return 0;
}

void qf_wire_fini(struct qf_wire *w)
{
	sodium_memzero(w->mac_key, sizeof(w->mac_key));
}

static struct qf_wire_peer *find(struct qf_wire *w, uint32_t id)
{
	for (unsigned int i = 0; i < w->npeers; i++)
		if (w->peers[i].id == id)
			return &w->peers[i];
	return NULL;
}

const struct qf_wire_peer *qf_wire_peer(const struct qf_wire *w, uint32_t id)
{
	return find((struct qf_wire *)w, id);
}

int qf_wire_add_peer(struct qf_wire *w, uint32_t id)
{
	if (!id || id == w->self)
		return -EINVAL;
	if (find(w, id))
		return -EEXIST;
	if (w->npeers >= QF_WIRE_MAX_PEERS)
		return -ENOSPC;
	memset(&w->peers[w->npeers], 0, sizeof(w->peers[0]));
	w->peers[w->npeers++].id = id;
	return 0;
}

int qf_wire_remember_boot(struct qf_wire *w, uint32_t id, uint64_t boot)
{
	struct qf_wire_peer *p;
	int rc;

	if (!boot)
		return -EINVAL;
	rc = qf_wire_add_peer(w, id);
	if (rc && rc != -EEXIST)
		return rc;
	p = find(w, id);
	if (!p->have_boot || boot > p->boot_id) {
		p->have_boot = true;
		p->boot_id = boot;
		p->top = 0;
		memset(p->window, 0, sizeof(p->window));
	}
	return 0;
}

int qf_wire_remove_peer(struct qf_wire *w, uint32_t id)
{
	struct qf_wire_peer *p = find(w, id);

	if (!p)
		return -ENOENT;
	*p = w->peers[--w->npeers];
	return 0;
}

/* ---- sealing ---- */

static void mac(const struct qf_wire *w, const uint8_t *msg, size_t len,
		uint8_t tag[QF_WIRE_TAG_LEN])
{
	crypto_auth_hmacsha512256(tag, msg, len, w->mac_key);
}

ssize_t qf_wire_seal(struct qf_wire *w, uint32_t to, const void *payload,
		     size_t len, uint8_t *out, size_t cap)
{
	size_t total = QF_WIRE_HDR_LEN + len + QF_WIRE_TAG_LEN;

	if (len > QF_WIRE_MAX_PAYLOAD)
		return -EMSGSIZE;
	if (cap < total)
		return -ENOBUFS;
	if (!find(w, to) || !w->boot_id)
		return -EINVAL;	/* no datagram before our boot is durable */
	put32(out, MAGIC);
	out[4] = VERSION;
	out[5] = 0;
	out[6] = (uint8_t)(len >> 8);
	out[7] = (uint8_t)len;
	put64(out + 8, w->cluster_hash);
	put32(out + 16, w->self);
	put32(out + 20, to);
	put64(out + 24, w->boot_id);
	put64(out + 32, ++w->seq);
	if (len)
		memcpy(out + QF_WIRE_HDR_LEN, payload, len);
	mac(w, out, QF_WIRE_HDR_LEN + len, out + QF_WIRE_HDR_LEN + len);
	w->stats.sent++;
	return (ssize_t)total;
}

/* ---- replay window (sequence numbers of one sender boot) ---- */

static bool bit_get(const struct qf_wire_peer *p, uint64_t seq)
{
	uint64_t i = seq % QF_WIRE_WINDOW;

	return p->window[i / 64] >> (i % 64) & 1;
}

static void bit_set(struct qf_wire_peer *p, uint64_t seq, bool on)
{
	uint64_t i = seq % QF_WIRE_WINDOW, m = 1ULL << (i % 64);

	if (on)
		p->window[i / 64] |= m;
	else
		p->window[i / 64] &= ~m;
}

static enum qf_wire_verdict window_check(const struct qf_wire_peer *p,
					 uint64_t seq)
{
	if (seq > p->top)
		return QF_WIRE_OK;
	if (p->top - seq >= QF_WIRE_WINDOW)
		return QF_WIRE_STALE;
	return bit_get(p, seq) ? QF_WIRE_REPLAY : QF_WIRE_OK;
}

static void window_accept(struct qf_wire_peer *p, uint64_t seq)
{
	if (seq > p->top) {
		/* Slide: the slots of top+1..seq now mean new numbers. */
		if (seq - p->top >= QF_WIRE_WINDOW)
			memset(p->window, 0, sizeof(p->window));
		else
			for (uint64_t s = p->top + 1; s < seq; s++)
				bit_set(p, s, false);
		p->top = seq;
	}
	bit_set(p, seq, true);
}

/*
 * A sender restarted: its boot moves forward (never back, design.md rule
 * 11), durably when a boot_moved hook is set, and its window starts
 * fresh. Nothing changes when the hook fails.
 */
static int new_boot(struct qf_wire *w, struct qf_wire_peer *p,
		    uint64_t boot_id)
{
	struct qf_wire_peer before = *p;

	p->have_boot = true;
	p->boot_id = boot_id;
	if (w->boot_moved && w->boot_moved(w->boot_ctx, w)) {
		*p = before;
		return -1;
	}
	if (before.have_boot)
		p->restarts++;
	p->top = 0;
	memset(p->window, 0, sizeof(p->window));
	return 0;
}

/* ---- opening ---- */

/* Everything that needs no key and no state: sizes first. */
static enum qf_wire_verdict check_header(const struct qf_wire *w,
					 const uint8_t *pkt, size_t len)
{
	size_t plen;

	if (len > QF_WIRE_MAX_DGRAM)
		return QF_WIRE_OVERSIZE;
	if (len < QF_WIRE_HDR_LEN + QF_WIRE_TAG_LEN)
		return QF_WIRE_TRUNCATED;
	if (get32(pkt) == MAGIC && pkt[4] == 1)
		return QF_WIRE_OLD_VERSION;
	if (get32(pkt) != MAGIC || pkt[4] != VERSION || pkt[5] != 0)
		return QF_WIRE_BAD_HEADER;
	plen = (size_t)pkt[6] << 8 | pkt[7];
	if (QF_WIRE_HDR_LEN + plen + QF_WIRE_TAG_LEN > len)
		return QF_WIRE_TRUNCATED;
	if (QF_WIRE_HDR_LEN + plen + QF_WIRE_TAG_LEN < len ||
	    get64(pkt + 32) == 0)
		return QF_WIRE_BAD_HEADER;
	if (get64(pkt + 8) != w->cluster_hash)
		return QF_WIRE_WRONG_CLUSTER;
	if (get32(pkt + 20) != w->self)
		return QF_WIRE_WRONG_RECEIVER;
	return QF_WIRE_OK;
}

static enum qf_wire_verdict verdict(struct qf_wire *w, const uint8_t *pkt,
				    size_t len, struct qf_wire_peer **pp)
{
	enum qf_wire_verdict v = check_header(w, pkt, len);
	uint8_t tag[QF_WIRE_TAG_LEN];
	struct qf_wire_peer *p;
	uint64_t boot, seq;

	if (v)
		return v;
	p = find(w, get32(pkt + 16));
	if (!p)
		return QF_WIRE_UNKNOWN_SENDER;
	boot = get64(pkt + 24);
	seq = get64(pkt + 32);
	/* Cheap refusals first; they change nothing (rule 11: an older boot
	 * is refused whether or not it is authentic). */
	if (p->have_boot && boot < p->boot_id)
		return QF_WIRE_OLD_BOOT;
	if (p->have_boot && boot == p->boot_id && (v = window_check(p, seq)))
		return v;
	mac(w, pkt, len - QF_WIRE_TAG_LEN, tag);
	if (sodium_memcmp(tag, pkt + len - QF_WIRE_TAG_LEN, sizeof(tag)))
		return QF_WIRE_BAD_MAC;
	*pp = p;
	return QF_WIRE_OK;
}

enum qf_wire_verdict qf_wire_open(struct qf_wire *w, const uint8_t *pkt,
				  size_t len, struct qf_wire_msg *msg)
{
	struct qf_wire_peer *p = NULL;
	enum qf_wire_verdict v = verdict(w, pkt, len, &p);
	uint64_t boot, seq;
	bool fresh;

	if (v) {
		w->stats.drops[v]++;
		return v;
	}
	boot = get64(pkt + 24);
	seq = get64(pkt + 32);
	/* Only an authentic datagram may move a window or a boot. */
	fresh = !p->have_boot || boot > p->boot_id;
	if (fresh && new_boot(w, p, boot)) {
		w->stats.drops[QF_WIRE_NOT_DURABLE]++;
		return QF_WIRE_NOT_DURABLE;
	}
	window_accept(p, seq);
	w->stats.accepted++;
	*msg = (struct qf_wire_msg){
		.from = p->id, .boot_id = boot, .seq = seq, .new_boot = fresh,
		.payload = pkt + QF_WIRE_HDR_LEN,
		.len = len - QF_WIRE_HDR_LEN - QF_WIRE_TAG_LEN,
	};
	return QF_WIRE_OK;
}

const char *qf_wire_verdict_name(int v)
{
	static const char *const names[] = {
		[QF_WIRE_OK] = "ok",
		[QF_WIRE_OVERSIZE] = "oversize",
		[QF_WIRE_TRUNCATED] = "truncated",
		[QF_WIRE_BAD_HEADER] = "bad header",
		[QF_WIRE_WRONG_CLUSTER] = "wrong cluster",
		[QF_WIRE_WRONG_RECEIVER] = "wrong receiver",
		[QF_WIRE_UNKNOWN_SENDER] = "unknown sender",
		[QF_WIRE_BAD_MAC] = "bad MAC",
		[QF_WIRE_REPLAY] = "replay",
		[QF_WIRE_STALE] = "stale",
		[QF_WIRE_OLD_BOOT] = "old boot",
		[QF_WIRE_OLD_VERSION] = "old version",
		[QF_WIRE_NOT_DURABLE] = "boot not durable",
	};

	if (v < 0 || v >= __QF_WIRE_VERDICT_MAX)
		return "?";
	return names[v];
}
