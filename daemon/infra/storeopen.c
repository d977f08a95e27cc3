// SPDX-License-Identifier: MIT
/*
 * qfence daemon: the durable store's directory (checked, locked), open
 * with recovery (a torn tail cut, an interrupted compaction finished, a
 * store that contradicts itself refused), and close (store.h).
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

/* ---- open / close ---- */

void qf_store_parent_dir(const char *dir, char *parent, size_t len)
{
	char *slash;

	snprintf(parent, len, "%s", dir);
	for (size_t n = strlen(parent); n > 1 && parent[n - 1] == '/'; n--)
		parent[n - 1] = '\0';	/* "/var/lib/qfence/" */
	slash = strrchr(parent, '/');
	if (slash == parent)
		slash[1] = '\0';
	else if (slash)
		*slash = '\0';
	else
		snprintf(parent, len, ".");
}

/* A new directory's own entry must be durable too. */
static void sync_parent(const char *dir)
{
	char parent[PATH_MAX];
	int fd;

	qf_store_parent_dir(dir, parent, sizeof(parent));
	fd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
}

/* Whoever can write here can rewrite this node's vote (rule 4). */
static int dir_safe(int fd, const char *dir, char *err, size_t errlen)
{
	struct stat st;

	if (fstat(fd, &st)) {
		ierr(err, errlen, "%s: %s", dir, strerror(errno));
		return -errno;
	}
	if (st.st_mode & 022) {
		ierr(err, errlen, "%s: mode %04o lets group or others write "
		     "the term and vote; chmod 700 it", dir,
		     (unsigned int)(st.st_mode & 07777));
		return -EACCES;
	}
	return 0;
}

static int open_dir(struct qf_store *s, const char *dir, char *err,
		    size_t errlen)
{
	int rc;

	if (mkdir(dir, 0700) == 0)
		sync_parent(dir);
	else if (errno != EEXIST) {
		ierr(err, errlen, "%s: cannot create: %s", dir, strerror(errno));
		return -errno;
	}
	s->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (s->dirfd < 0) {
		ierr(err, errlen, "%s: %s", dir, strerror(errno));
		return -errno;
	}
	rc = dir_safe(s->dirfd, dir, err, errlen);
	if (rc)
		return rc;
	s->lockfd = openat(s->dirfd, "LOCK", O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (s->lockfd < 0) {
		ierr(err, errlen, "%s/LOCK: %s", dir, strerror(errno));
		return -errno;
	}
	if (flock(s->lockfd, LOCK_EX | LOCK_NB)) {
		int e = errno;

		ierr(err, errlen, "%s: %s", dir, e == EWOULDBLOCK ?
		     "in use by another quorumd (LOCK is held)" : strerror(e));
		return e == EWOULDBLOCK ? -EBUSY : -e;
	}
	return 0;
}

/* Leftovers of an atomic replace that did not reach its rename. */
static void remove_tmps(struct qf_store *s)
{
	static const char *const tmps[] = {
		"hardstate.tmp", "snapshot.tmp", "log.tmp",
	};

	for (size_t i = 0; i < sizeof(tmps) / sizeof(tmps[0]); i++) {
		if (unlinkat(s->dirfd, tmps[i], 0) == 0) {
			ILOG(WARN, "store: removed %s left by an interrupted "
			     "write; the previous version stays in force",
			     tmps[i]);
			s->rec.tmp_removed++;
		}
	}
}

static int check_consistency(struct qf_store *s, char *err, size_t errlen)
{
	uint64_t last_term = s->n ? s->ents[s->n - 1].term : s->snap_term;
	uint64_t first_term = s->n ? s->ents[0].term : s->snap_term;

	if (s->has_snap && s->base > s->snap_index + 1) {
		ierr(err, errlen, "log starts at index %" PRIu64 " but the "
		     "snapshot ends at %" PRIu64 ": entries are missing",
		     s->base, s->snap_index);
		return -EUCLEAN;
	}
	if (!s->has_snap && s->base != 1) {
		ierr(err, errlen, "log starts at index %" PRIu64 " without a "
		     "snapshot: entries are missing", s->base);
		return -EUCLEAN;
	}
	if (first_term < s->snap_term || last_term > s->hs.term) {
		ierr(err, errlen, "terms disagree: snapshot %" PRIu64 ", log %"
		     PRIu64 "..%" PRIu64 ", hard state %" PRIu64 "; refusing "
		     "to start", s->snap_term, first_term, last_term,
		     s->hs.term);
		return -EUCLEAN;
	}
	return 0;
}

/* A crash between the snapshot's rename and the log's: finish the job. */
static int finish_compaction(struct qf_store *s)
{
	uint64_t t;

	if (!s->has_snap || s->base > s->snap_index)
		return 0;
	s->rec.compaction_finished = 1;
	ILOG(WARN, "store: finishing a compaction interrupted at index %"
	     PRIu64, s->snap_index);
	if (qf_store_term(s, s->snap_index, &t) || t != s->snap_term)
		return qs_log_rewrite(s, s->snap_index + 1, UINT64_MAX);
	return qs_log_rewrite(s, s->snap_index + 1, s->snap_index + 1);
}

/*
 * Which kind of directory this is (design.md rule 4). A fresh one has
 * neither a hard state nor a log: its hard state (term 0, no vote) is made
 * durable first, so that from then on a missing hard state is a loss, never
 * a fresh start. A node that lost it may have voted in a term it would
 * vote in again; it is refused, and said how to come back.
 */
static int classify(struct qf_store *s, bool *fresh, char *err, size_t errlen)
{
	struct stat st;
	bool no_hs = fstatat(s->dirfd, "hardstate", &st, 0) != 0;
	bool no_log = fstatat(s->dirfd, "log", &st, 0) != 0;
	bool no_snap = fstatat(s->dirfd, "snapshot", &st, 0) != 0;
	uint8_t b[HS_SIZE];

	*fresh = no_hs && no_log && no_snap;
	if (no_hs && !*fresh) {
		ierr(err, errlen, "hardstate: missing while the %s exists; "
		     "refusing to start: this node's term and vote are lost "
		     "and it could vote twice in one term (design.md rule 4). "
		     "Remove the node from the cluster, empty its data "
		     "directory and add it again (docs/runbook.md, "
		     "\"Replace a node\")", no_log ? "snapshot" : "log");
		return -EUCLEAN;
	}
	if (!*fresh)
		return 0;
	qs_hs_encode(b, &s->hs);
	return qs_replace_file(s, "hardstate", b, sizeof(b),
			    QF_STORE_CRASH_HS_BEFORE_RENAME);
}

int qf_store_open(struct qf_store **out, const char *dir, char *err,
		  size_t errlen)
{
	struct qf_store *s = calloc(1, sizeof(*s));
	bool fresh;
	int rc;

	if (!s || sodium_init() < 0) {
		free(s);
		ierr(err, errlen, "%s: out of memory", dir);
		return -ENOMEM;
	}
	s->dirfd = s->lockfd = s->logfd = -1;
	if (err && errlen)
		err[0] = '\0';
	rc = open_dir(s, dir, err, errlen);
	if (rc)
		goto fail;
	remove_tmps(s);
	rc = classify(s, &fresh, err, errlen);
	if (!rc)
		rc = qs_load_hardstate(s, err, errlen);
	if (!rc)
		rc = qs_load_snapshot(s, err, errlen);
	if (!rc)
		rc = qs_load_log(s, fresh, err, errlen);
	if (!rc && s->has_snap && s->base <= s->snap_index)
		rc = finish_compaction(s);
	if (!rc)
		rc = check_consistency(s, err, errlen);
	if (rc && err && !err[0])
		ierr(err, errlen, "%s: %s", dir, strerror(-rc));
	if (rc)
		goto fail;
	*out = s;
	return 0;
fail:
	s->failed = true;
	qf_store_close(s);
	return rc;
}

void qf_store_close(struct qf_store *s)
{
	if (!s)
		return;
	if (s->logfd >= 0)
		close(s->logfd);
	if (s->lockfd >= 0)
		close(s->lockfd);	/* releases the flock */
	if (s->dirfd >= 0)
		close(s->dirfd);
	free(s->ents);
	free(s->wbuf);
	free(s);
}

const struct qf_store_recovery *qf_store_recovery(const struct qf_store *s)
{
	return &s->rec;
}

void qf_store_inject_crash(struct qf_store *s, enum qf_store_crash where)
{
	s->crash_at = where;
}
