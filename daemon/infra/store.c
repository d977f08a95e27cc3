// SPDX-License-Identifier: MIT
/*
 * qfence daemon: durable store (see store.h for the contract).
 *
 * On-disk formats, little-endian, every structure followed by a 16-byte
 * BLAKE2b (libsodium crypto_generichash) of the bytes before it:
 *
 *   hardstate  "QFHS" version term vote reserved          32 + 16 bytes
 *   snapshot   "QFSN" version index term len reserved data 32 + len + 16
 *   log        header "QFLG" version base reserved        24 + 16 bytes,
 *              then records:
 *              "QFRC" len index term type pos count payload 32 + len + 16
 *              (pos, count: u16, the record's place in its append batch)
 *
 * Why a checksum per record and a length before it: a crash in the middle
 * of an append leaves a short record or one whose bytes never reached the
 * disk (zeros); both fail the checksum and are cut. One append is one
 * write + one fdatasync, and the disk may persist its pages in any order,
 * so a torn batch can show a bad record with good ones after it; pos and
 * count name each record's batch. A bad record followed by a valid record
 * of a LATER batch was complete and synced once: that is damage, not a
 * torn write, and dropping it could drop a committed entry, so open
 * refuses.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "ilog.h"
#include "storepriv.h"

/* ---- hard state ---- */

void qs_hs_encode(uint8_t b[HS_SIZE], const struct qf_hardstate *hs)
{
	memset(b, 0, HS_SIZE);
	qs_put32(b, HS_MAGIC);
	qs_put32(b + 4, VERSION);
	qs_put64(b + 8, hs->term);
	qs_put64(b + 16, hs->vote);
	qs_sum(b + 32, b, 32);
}

int qs_load_hardstate(struct qf_store *s, char *err, size_t errlen)
{
	uint8_t *b;
	size_t len;
	int rc = qs_slurp(s, "hardstate", &b, &len, HS_SIZE);

	if (rc == -ENOENT)
		return 0;	/* fresh directory: term 0, no vote */
	if (rc) {
		ierr(err, errlen, "hardstate: %s", rc == -EFBIG ?
		     "larger than a hard state record" : strerror(-rc));
		return rc;
	}
	if (len != HS_SIZE || qs_get32(b) != HS_MAGIC || qs_get32(b + 4) != VERSION ||
	    !qs_sum_ok(b, 32)) {
		/* Rule 4: without the durable term and vote this node could
		 * vote twice in a term. Never guess. */
		ierr(err, errlen, "hardstate: corrupt (%zu bytes, checksum or "
		     "header wrong); refusing to start: term and vote are "
		     "unknown", len);
		free(b);
		return -EUCLEAN;
	}
	s->hs.term = qs_get64(b + 8);
	s->hs.vote = qs_get64(b + 16);
	free(b);
	return 0;
}

void qf_store_hardstate(const struct qf_store *s, struct qf_hardstate *hs)
{
	*hs = s->hs;
}

int qf_store_save_hardstate(struct qf_store *s, const struct qf_hardstate *hs)
{
	uint8_t b[HS_SIZE];
	int rc;

	if (s->failed)
		return -EIO;
	if (hs->term < s->hs.term)
		return -EINVAL;		/* terms never go back */
	if (hs->term == s->hs.term && s->hs.vote && hs->vote != s->hs.vote)
		return -EINVAL;		/* one vote per term (rule 4) */
	if (hs->term == s->hs.term && hs->vote == s->hs.vote)
		return 0;
	qs_hs_encode(b, hs);
	rc = qs_replace_file(s, "hardstate", b, sizeof(b),
			  QF_STORE_CRASH_HS_BEFORE_RENAME);
	if (!rc)
		s->hs = *hs;
	return rc;
}

/* ---- snapshot ---- */

int qs_load_snapshot(struct qf_store *s, char *err, size_t errlen)
{
	uint8_t *b;
	size_t len;
	uint32_t dlen;
	int rc = qs_slurp(s, "snapshot", &b, &len,
		       SNAP_HDR + QF_STORE_MAX_SNAPSHOT + SUM_LEN);

	if (rc == -ENOENT)
		return 0;
	if (rc) {
		ierr(err, errlen, "snapshot: %s", strerror(-rc));
		return rc;
	}
	dlen = len >= SNAP_HDR ? qs_get32(b + 24) : 0;
	if (len < SNAP_HDR + SUM_LEN || qs_get32(b) != SN_MAGIC ||
	    qs_get32(b + 4) != VERSION || len != SNAP_HDR + dlen + SUM_LEN ||
	    !qs_sum_ok(b, SNAP_HDR + dlen)) {
		ierr(err, errlen, "snapshot: corrupt (%zu bytes); refusing to "
		     "start: the committed state it holds is gone", len);
		free(b);
		return -EUCLEAN;
	}
	s->has_snap = true;
	s->snap_index = qs_get64(b + 8);
	s->snap_term = qs_get64(b + 16);
	s->snap_len = dlen;
	free(b);
	return 0;
}

int qf_store_snapshot_read(const struct qf_store *s, uint64_t *index,
			   uint64_t *term, void *buf, size_t cap, size_t *len)
{
	size_t total = SNAP_HDR + s->snap_len + SUM_LEN;
	uint8_t *b;
	ssize_t r;
	int fd, rc = 0;

	if (!s->has_snap)
		return -ENOENT;
	*len = s->snap_len;
	if (cap < s->snap_len)
		return -ENOBUFS;
	fd = openat(s->dirfd, "snapshot", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	b = malloc(total);
	r = b ? qs_read_all(fd, b, total, 0) : -ENOMEM;
	close(fd);
	if (r >= 0 && ((size_t)r != total || !qs_sum_ok(b, total - SUM_LEN)))
		rc = -EIO;	/* changed under us since open */
	else if (r < 0)
		rc = (int)r;
	if (!rc) {
		*index = s->snap_index;
		*term = s->snap_term;
		memcpy(buf, b + SNAP_HDR, s->snap_len);
	}
	free(b);
	return rc;
}

/* ---- log scanning ---- */

enum rec_status { REC_OK, REC_SHORT, REC_BAD };

struct rec {
	uint64_t index, term;
	uint32_t len, type;
	uint16_t pos, count;	/* place in its append batch */
	size_t size;
};

static enum rec_status rec_parse(const uint8_t *p, size_t avail, struct rec *r)
{
	if (avail < REC_HDR)
		return REC_SHORT;
	r->len = qs_get32(p + 4);
	if (qs_get32(p) != RC_MAGIC || r->len > QF_STORE_MAX_ENTRY)
		return REC_BAD;
	r->size = REC_HDR + (size_t)r->len + SUM_LEN;
	if (avail < r->size)
		return REC_SHORT;
	if (!qs_sum_ok(p, REC_HDR + r->len))
		return REC_BAD;
	r->index = qs_get64(p + 8);
	r->term = qs_get64(p + 16);
	r->type = qs_get32(p + 24);
	r->pos = qs_get16(p + 28);
	r->count = qs_get16(p + 30);
	if (r->pos >= r->count || r->pos >= r->index)
		return REC_BAD;
	return REC_OK;
}

/*
 * Is there a valid record at or after from that belongs to a batch started
 * after index want (the bad record's)? Then want's batch was synced before
 * it, and the bad record is damage. Returns its offset, or 0.
 */
static size_t later_batch_after(const uint8_t *b, size_t size, size_t from,
				uint64_t want)
{
	struct rec r;

	for (size_t q = from; q + REC_HDR + SUM_LEN <= size; q++)
		if (qs_get32(b + q) == RC_MAGIC &&
		    rec_parse(b + q, size - q, &r) == REC_OK &&
		    r.index - r.pos > want)
			return q;
	return 0;
}

/* Cut the log at off: a torn or corrupt tail, logged loudly. */
static int cut_tail(struct qf_store *s, size_t off, size_t size,
		    const char *why)
{
	s->rec.cut_offset = off;
	s->rec.cut_bytes = size - off;
	snprintf(s->rec.why, sizeof(s->rec.why), "%s", why);
	ILOG(ERR, "store: log: cutting %zu bytes at offset %zu (from index %"
	     PRIu64 " on): %s in the last write; those entries are dropped",
	     size - off, off, s->base + s->n, why);
	if (ftruncate(s->logfd, (off_t)off) || fdatasync(s->logfd))
		return -errno;
	return 0;
}

static int scan_records(struct qf_store *s, const uint8_t *b, size_t size,
			char *err, size_t errlen)
{
	size_t off = LOG_HDR;
	uint64_t prev_term = 0;

	while (off < size) {
		struct rec r;
		enum rec_status st = rec_parse(b + off, size - off, &r);
		uint64_t want = s->base + s->n;

		if (st != REC_OK) {
			size_t q = later_batch_after(b, size, off + 1, want);

			if (q) {
				ierr(err, errlen, "log: record at offset %zu "
				     "(index %" PRIu64 ") is corrupt and a later "
				     "write follows it at offset %zu; refusing "
				     "to start rather than drop committed "
				     "entries", off, want, q);
				return -EUCLEAN;
			}
			return cut_tail(s, off, size, st == REC_SHORT ?
					"short record (torn write)" :
					"bad length or checksum");
		}
		if (r.index != want || r.term < prev_term) {
			ierr(err, errlen, "log: record at offset %zu has index "
			     "%" PRIu64 " term %" PRIu64 ", expected index %"
			     PRIu64 " and term >= %" PRIu64 "; refusing to "
			     "start", off, r.index, r.term, want, prev_term);
			return -EUCLEAN;
		}
		if (qs_ensure_cap(s, s->n + 1))
			return -ENOMEM;
		s->ents[s->n++] = (struct ent){ r.term, off, r.len, r.type };
		prev_term = r.term;
		off += r.size;
	}
	return 0;
}

static void log_header(uint8_t h[LOG_HDR], uint64_t base)
{
	memset(h, 0, LOG_HDR);
	qs_put32(h, LG_MAGIC);
	qs_put32(h + 4, VERSION);
	qs_put64(h + 8, base);
	qs_sum(h + 24, h, 24);
}

/* Create an empty log starting at base (atomically: tmp + rename). */
static int create_log(struct qf_store *s, uint64_t base)
{
	uint8_t h[LOG_HDR];
	int rc;

	log_header(h, base);
	rc = qs_replace_file(s, "log", h, sizeof(h), QF_STORE_CRASH_NONE);
	if (rc)
		return rc;
	s->logfd = openat(s->dirfd, "log", O_RDWR | O_CLOEXEC);
	if (s->logfd < 0)
		return -errno;
	s->base = base;
	s->n = 0;
	s->end = LOG_HDR;
	return 0;
}

int qs_load_log(struct qf_store *s, bool fresh, char *err, size_t errlen)
{
	uint8_t *b;
	size_t size;
	int rc = qs_slurp(s, "log", &b, &size, MAX_LOG_BYTES);

	/* A hard state of term 0 without a log: the first open stopped
	 * between the two files. Term 0 means no leader was ever followed,
	 * so no entry was acknowledged and the log may be created. */
	if (rc == -ENOENT && (fresh || s->has_snap ||
			      (!s->hs.term && !s->hs.vote)))
		return create_log(s, s->has_snap ? s->snap_index + 1 : 1);
	if (rc == -ENOENT) {
		ierr(err, errlen, "log: missing while the hard state exists "
		     "(term %" PRIu64 "); refusing to start: entries this node "
		     "acknowledged would be lost", s->hs.term);
		return -EUCLEAN;
	}
	if (rc) {
		ierr(err, errlen, "log: %s", strerror(-rc));
		return rc;
	}
	if (size < LOG_HDR || qs_get32(b) != LG_MAGIC || qs_get32(b + 4) != VERSION ||
	    !qs_sum_ok(b, 24)) {
		ierr(err, errlen, "log: header corrupt; refusing to start");
		free(b);
		return -EUCLEAN;
	}
	s->base = qs_get64(b + 8);
	s->logfd = openat(s->dirfd, "log", O_RDWR | O_CLOEXEC);
	rc = s->logfd < 0 ? -errno : scan_records(s, b, size, err, errlen);
	if (!rc)
		s->end = s->n ? s->ents[s->n - 1].off + REC_HDR +
			 s->ents[s->n - 1].len + SUM_LEN : LOG_HDR;
	free(b);
	return rc;
}

/* ---- log rewrite (compaction) ---- */

static int copy_range(struct qf_store *s, int to, uint64_t from, uint64_t end,
		      uint64_t dst)
{
	uint8_t buf[8192];

	while (from < end) {
		size_t chunk = end - from < sizeof(buf) ? end - from : sizeof(buf);
		ssize_t r = qs_read_all(s->logfd, buf, chunk, from);
		int rc;

		if (r != (ssize_t)chunk)
			return r < 0 ? (int)r : -EIO;
		rc = qs_write_all(to, buf, chunk, dst);
		if (rc)
			return rc;
		from += chunk;
		dst += chunk;
	}
	return 0;
}

/* New log at new_base holding the current entries from index keep on
 * (keep > last: none). */
int qs_log_rewrite(struct qf_store *s, uint64_t new_base, uint64_t keep)
{
	size_t k = keep >= s->base ? (size_t)(keep - s->base) : s->n;
	uint64_t from = k < s->n ? s->ents[k].off : s->end;
	uint8_t h[LOG_HDR];
	int fd, rc;

	log_header(h, new_base);
	fd = openat(s->dirfd, "log.tmp", O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC,
		    0600);
	if (fd < 0)
		return qs_io_fail(s, -errno, "log.tmp");
	rc = qs_write_all(fd, h, sizeof(h), 0);
	if (!rc)
		rc = copy_range(s, fd, from, s->end, LOG_HDR);
	if (!rc && fdatasync(fd))
		rc = -errno;
	if (rc) {
		close(fd);
		return qs_io_fail(s, rc, "log.tmp");
	}
	if (qs_crash_here(s, QF_STORE_CRASH_LOG_BEFORE_RENAME)) {
		close(fd);
		return -EINTR;
	}
	if (renameat(s->dirfd, "log.tmp", s->dirfd, "log") || qs_sync_dir(s)) {
		close(fd);
		return qs_io_fail(s, -errno, "log");
	}
	close(s->logfd);
	s->logfd = fd;
	for (size_t i = k; i < s->n; i++) {
		s->ents[i - k] = s->ents[i];
		s->ents[i - k].off = s->ents[i].off - from + LOG_HDR;
	}
	s->n -= k < s->n ? k : s->n;
	s->base = new_base;
	s->end = s->end - from + LOG_HDR;
	return 0;
}

/* ---- log access ---- */

uint64_t qf_store_first_index(const struct qf_store *s)
{
	return s->base;
}

uint64_t qf_store_last_index(const struct qf_store *s)
{
	return s->base + s->n - 1;
}

int qf_store_term(const struct qf_store *s, uint64_t index, uint64_t *term)
{
	if (index + 1 == s->base) {
		*term = s->has_snap ? s->snap_term : 0;
		return 0;
	}
	if (index < s->base || index - s->base >= s->n)
		return -ENOENT;
	*term = s->ents[index - s->base].term;
	return 0;
}

int qf_store_read(struct qf_store *s, uint64_t index, struct qf_store_entry *e,
		  void *buf, size_t cap)
{
	uint8_t hdr[REC_HDR], tail[SUM_LEN], got[SUM_LEN];
	crypto_generichash_state st;
	const struct ent *en;

	if (index < s->base || index - s->base >= s->n)
		return -ENOENT;
	en = &s->ents[index - s->base];
	if (cap < en->len)
		return -ENOBUFS;
	if (qs_read_all(s->logfd, hdr, REC_HDR, en->off) != REC_HDR ||
	    qs_read_all(s->logfd, buf, en->len, en->off + REC_HDR) != en->len ||
	    qs_read_all(s->logfd, tail, SUM_LEN, en->off + REC_HDR + en->len) !=
	    SUM_LEN)
		return -EIO;
	crypto_generichash_init(&st, NULL, 0, SUM_LEN);
	crypto_generichash_update(&st, hdr, REC_HDR);
	crypto_generichash_update(&st, buf, en->len);
	crypto_generichash_final(&st, got, SUM_LEN);
	if (memcmp(got, tail, SUM_LEN) || qs_get64(hdr + 8) != index) {
		ILOG(ERR, "store: log entry %" PRIu64 " changed on disk since "
		     "it was written", index);
		return -EIO;
	}
	*e = (struct qf_store_entry){ index, en->term, en->type, en->len, buf };
	return 0;
}

/* Entries must extend the log: next index, non-decreasing terms (>= 1)
 * not above the durable term (save the hard state first), bounded
 * payloads. */
static int check_batch(const struct qf_store *s, const struct qf_store_entry *e,
		       size_t n, size_t *bytes)
{
	uint64_t next = s->base + s->n, term = 0;

	qf_store_term(s, next - 1, &term);
	*bytes = 0;
	for (size_t i = 0; i < n; i++) {
		if (e[i].index != next + i || e[i].term < term || !e[i].term ||
		    e[i].term > s->hs.term || e[i].len > QF_STORE_MAX_ENTRY ||
		    (e[i].len && !e[i].data))
			return -EINVAL;
		term = e[i].term;
		*bytes += QF_STORE_REC_OVERHEAD + e[i].len;
	}
	return n && n <= UINT16_MAX ? 0 : -EINVAL;
}

static size_t encode_rec(uint8_t *p, const struct qf_store_entry *e,
			 size_t pos, size_t count)
{
	memset(p, 0, REC_HDR);
	qs_put32(p, RC_MAGIC);
	qs_put32(p + 4, e->len);
	qs_put64(p + 8, e->index);
	qs_put64(p + 16, e->term);
	qs_put32(p + 24, e->type);
	qs_put16(p + 28, (uint16_t)pos);
	qs_put16(p + 30, (uint16_t)count);
	if (e->len)
		memcpy(p + REC_HDR, e->data, e->len);
	qs_sum(p + REC_HDR + e->len, p, REC_HDR + e->len);
	return REC_HDR + e->len + SUM_LEN;
}

int qf_store_append(struct qf_store *s, const struct qf_store_entry *e,
		    size_t n)
{
	size_t bytes, off = 0;
	int rc;

	if (s->failed)
		return -EIO;
	rc = check_batch(s, e, n, &bytes);
	if (rc)
		return rc;
	if (qs_ensure_cap(s, s->n + n))
		return -ENOMEM;
	if (bytes > s->wcap) {
		uint8_t *w = realloc(s->wbuf, bytes);

		if (!w)
			return -ENOMEM;
		s->wbuf = w;
		s->wcap = bytes;
	}
	for (size_t i = 0; i < n; i++)
		off += encode_rec(s->wbuf + off, &e[i], i, n);
	rc = qs_write_all(s->logfd, s->wbuf, bytes, s->end);
	if (!rc && fdatasync(s->logfd))
		rc = -errno;
	if (rc) {
		/* Try to leave the file as it was; the store is poisoned
		 * either way, and the next open cuts what remains. */
		if (ftruncate(s->logfd, (off_t)s->end))
			ILOG(ERR, "store: log: cannot cut a failed append");
		return qs_io_fail(s, rc, "log append");
	}
	off = 0;
	for (size_t i = 0; i < n; i++) {
		s->ents[s->n++] = (struct ent){ e[i].term, s->end + off,
						e[i].len, e[i].type };
		off += QF_STORE_REC_OVERHEAD + e[i].len;
	}
	s->end += bytes;
	return 0;
}

int qf_store_truncate(struct qf_store *s, uint64_t last_kept)
{
	uint64_t cut;

	if (s->failed)
		return -EIO;
	if (last_kept + 1 < s->base)
		return -EINVAL;		/* into the snapshot: committed */
	if (last_kept >= qf_store_last_index(s))
		return 0;
	cut = s->ents[last_kept + 1 - s->base].off;
	if (ftruncate(s->logfd, (off_t)cut) || fdatasync(s->logfd))
		return qs_io_fail(s, -errno, "log truncate");
	s->n = (size_t)(last_kept + 1 - s->base);
	s->end = cut;
	return 0;
}

int qf_store_snapshot(struct qf_store *s, uint64_t index, uint64_t term,
		      const void *data, size_t len)
{
	uint64_t t = 0;
	uint8_t *b;
	bool keep;
	int rc;

	if (s->failed)
		return -EIO;
	if (len > QF_STORE_MAX_SNAPSHOT || (len && !data) || index == 0 ||
	    term > s->hs.term || index < (s->has_snap ? s->snap_index : 0) ||
	    (s->has_snap && index == s->snap_index && term != s->snap_term))
		return -EINVAL;
	b = malloc(SNAP_HDR + len + SUM_LEN);
	if (!b)
		return -ENOMEM;
	memset(b, 0, SNAP_HDR);
	qs_put32(b, SN_MAGIC);
	qs_put32(b + 4, VERSION);
	qs_put64(b + 8, index);
	qs_put64(b + 16, term);
	qs_put32(b + 24, (uint32_t)len);
	if (len)
		memcpy(b + SNAP_HDR, data, len);
	qs_sum(b + SNAP_HDR + len, b, SNAP_HDR + len);
	keep = !qf_store_term(s, index, &t) && t == term;
	rc = qs_replace_file(s, "snapshot", b, SNAP_HDR + len + SUM_LEN,
			  QF_STORE_CRASH_SNAP_BEFORE_RENAME);
	free(b);
	if (rc)
		return rc;
	s->has_snap = true;
	s->snap_index = index;
	s->snap_term = term;
	s->snap_len = (uint32_t)len;
	if (qs_crash_here(s, QF_STORE_CRASH_SNAP_BEFORE_LOG))
		return -EINTR;
	return qs_log_rewrite(s, index + 1, keep ? index + 1 : UINT64_MAX);
}
