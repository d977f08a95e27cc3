/* SPDX-License-Identifier: MIT */
/*
 * qfence daemon: durable store (design.md §4 "Persistence").
 *
 * A data directory holds
 *   hardstate   term and vote, replaced atomically (rule 4: they are durable
 *               before a vote is sent);
 *   log         an append-only file of opaque records (type, index, term,
 *               payload), each with its length and a BLAKE2b checksum;
 *   snapshot    the replicated state at some index, replaced atomically;
 *   LOCK        flock()ed while a store is open: one daemon per directory.
 *
 * Every change is on disk (fdatasync, and the directory fsynced after a
 * create or rename) before the call returns. On open, a torn or corrupt
 * tail of the log is cut and logged loudly, never used; a corrupt record
 * followed by valid ones, a corrupt hard state or snapshot, or an
 * inconsistent set of files refuses to open. After a failed write or sync
 * the store refuses every further change (-EIO): the page cache can no
 * longer be trusted, the daemon must restart and re-read the disk.
 *
 * Functions return 0 or a negative errno; -EINVAL for a request that would
 * break the log's invariants, which then changes nothing.
 */
#ifndef QF_INFRA_STORE_H
#define QF_INFRA_STORE_H

#include <stddef.h>
#include <stdint.h>

#define QF_STORE_MAX_ENTRY	65536		/* payload bytes */
#define QF_STORE_MAX_SNAPSHOT	(1U << 20)
#define QF_STORE_REC_OVERHEAD	48		/* header + checksum */

struct qf_store;

struct qf_hardstate {
	uint64_t term;
	uint64_t vote;		/* node id voted for in term, 0 = none */
};

struct qf_store_entry {
	uint64_t index;
	uint64_t term;
	uint32_t type;
	uint32_t len;
	const void *data;
};

/* What open() found and repaired. */
struct qf_store_recovery {
	uint64_t cut_offset;	/* where the log was cut */
	uint64_t cut_bytes;	/* 0: nothing was cut */
	char why[160];
	unsigned int tmp_removed;	/* leftovers of interrupted replaces */
	int compaction_finished;	/* a crash between snapshot and log */
};

int qf_store_open(struct qf_store **out, const char *dir,
		  char *err, size_t errlen);
void qf_store_close(struct qf_store *s);
const struct qf_store_recovery *qf_store_recovery(const struct qf_store *s);

/* Hard state: term never decreases, a vote never changes within a term. */
void qf_store_hardstate(const struct qf_store *s, struct qf_hardstate *hs);
int qf_store_save_hardstate(struct qf_store *s, const struct qf_hardstate *hs);

/*
 * Log. first_index is snapshot index + 1; last_index is the snapshot index
 * when the log is empty. term() also answers for the snapshot index.
 */
uint64_t qf_store_first_index(const struct qf_store *s);
uint64_t qf_store_last_index(const struct qf_store *s);
int qf_store_term(const struct qf_store *s, uint64_t index, uint64_t *term);
/* Copy entry index into buf (cap bytes); e->data points into buf. The
 * checksum is verified again on every read (-EIO if the disk changed). */
int qf_store_read(struct qf_store *s, uint64_t index,
		  struct qf_store_entry *e, void *buf, size_t cap);
/* Append n entries (indexes last+1..., terms non-decreasing and not above
 * the hard state's term) with one write and one fdatasync. */
int qf_store_append(struct qf_store *s, const struct qf_store_entry *e,
		    size_t n);
/* Raft log conflict: drop every entry after last_kept (>= snapshot index). */
int qf_store_truncate(struct qf_store *s, uint64_t last_kept);

/*
 * Snapshot at (index, term): written atomically, then the log restarts at
 * index + 1, keeping the entries after index when the entry at index has
 * that term (else the whole log goes: it conflicts with the snapshot).
 */
int qf_store_snapshot(struct qf_store *s, uint64_t index, uint64_t term,
		      const void *data, size_t len);
/* -ENOENT when there is none; *len is set even when -ENOBUFS. */
int qf_store_snapshot_read(const struct qf_store *s, uint64_t *index,
			   uint64_t *term, void *buf, size_t cap, size_t *len);

/*
 * Tests only: make the next operation stop at a point as if the process
 * died there (it returns -EINTR and the store refuses everything after).
 */
enum qf_store_crash {
	QF_STORE_CRASH_NONE,
	QF_STORE_CRASH_HS_BEFORE_RENAME,	/* hardstate.tmp written */
	QF_STORE_CRASH_SNAP_BEFORE_RENAME,	/* snapshot.tmp written */
	QF_STORE_CRASH_SNAP_BEFORE_LOG,		/* snapshot in, log not */
	QF_STORE_CRASH_LOG_BEFORE_RENAME,	/* log.tmp written */
};
void qf_store_inject_crash(struct qf_store *s, enum qf_store_crash where);

/* The directory that holds dir ("/" for "/x", "." for "x"; trailing
 * slashes ignored): where a new data directory's entry is made. */
void qf_store_parent_dir(const char *dir, char *parent, size_t len);

#endif /* QF_INFRA_STORE_H */
