/* SPDX-License-Identifier: MIT */
/*
 * The durable store's insides, shared by its parts (store.h is the
 * contract): store.c the hard state, the snapshot and the log; storefile.c
 * the byte order, the checksums and the file primitives; storeopen.c the
 * directory, open, recovery and close. The formats are in store.c.
 */
#ifndef QF_STOREPRIV_H
#define QF_STOREPRIV_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "store.h"

#define VERSION		1
#define SUM_LEN		16
#define HS_MAGIC	0x53484651U	/* "QFHS" */
#define SN_MAGIC	0x4e534651U	/* "QFSN" */
#define LG_MAGIC	0x474c4651U	/* "QFLG" */
#define RC_MAGIC	0x43524651U	/* "QFRC" */
#define HS_SIZE		(32 + SUM_LEN)
#define LOG_HDR		(24 + SUM_LEN)
#define REC_HDR		32
#define SNAP_HDR	32
#define MAX_LOG_BYTES	(256ULL << 20)	/* open refuses larger logs */

struct ent {
	uint64_t term;
	uint64_t off;		/* of the record in the log file */
	uint32_t len;
	uint32_t type;
};

struct qf_store {
	int dirfd;
	int lockfd;
	int logfd;
	struct qf_hardstate hs;
	uint64_t base;		/* index of ents[0] */
	size_t n;
	size_t cap;
	struct ent *ents;
	uint64_t end;		/* end of the valid log */
	bool has_snap;
	uint64_t snap_index, snap_term;
	uint32_t snap_len;
	bool failed;		/* see store.h: refuse after an IO error */
	enum qf_store_crash crash_at;
	uint8_t *wbuf;		/* append buffer, kept between calls */
	size_t wcap;
	struct qf_store_recovery rec;
};

void qs_put32(uint8_t *p, uint32_t v);
void qs_put16(uint8_t *p, uint16_t v);
void qs_put64(uint8_t *p, uint64_t v);
uint32_t qs_get32(const uint8_t *p);
uint16_t qs_get16(const uint8_t *p);
uint64_t qs_get64(const uint8_t *p);
void qs_sum(uint8_t out[SUM_LEN], const uint8_t *p, size_t len);
bool qs_sum_ok(const uint8_t *p, size_t len);
int qs_write_all(int fd, const void *buf, size_t len, uint64_t off);
ssize_t qs_read_all(int fd, void *buf, size_t len, uint64_t off);
int qs_io_fail(struct qf_store *s, int err, const char *what);
bool qs_crash_here(struct qf_store *s, enum qf_store_crash where);
int qs_sync_dir(struct qf_store *s);
int qs_replace_file(struct qf_store *s, const char *name, const void *buf,
		    size_t len, enum qf_store_crash crash);
int qs_slurp(struct qf_store *s, const char *name, uint8_t **buf,
	     size_t *len, uint64_t max);
int qs_ensure_cap(struct qf_store *s, size_t need);
void qs_hs_encode(uint8_t b[HS_SIZE], const struct qf_hardstate *hs);
int qs_load_hardstate(struct qf_store *s, char *err, size_t errlen);
int qs_load_snapshot(struct qf_store *s, char *err, size_t errlen);
int qs_load_log(struct qf_store *s, bool fresh, char *err, size_t errlen);
int qs_log_rewrite(struct qf_store *s, uint64_t new_base, uint64_t keep);

#endif
