// SPDX-License-Identifier: MIT
/*
 * The core's durable state (raft.h step 1) on the infra store (store.h):
 * hard state (term, vote), snapshot, log. Every call is durable (fsync)
 * when it returns; design.md §2 rule 4: term and vote are on disk before the
 * batch's messages leave. A store failure is fatal: after a failed sync the
 * page cache cannot be trusted, so the daemon exits and the kernel lease
 * runs out (the safe direction).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "quorumd.h"

#define REC_ENTRY 1

static struct qf_entry *loaded;	/* start-up only, freed after init */

/*
 * A new node: the configured members as the core's bootstrap snapshot
 * (index 1, term 1), made durable first so that the log mirror starts
 * where the core's log does.
 */
static int bootstrap(struct qd *d, struct qf_persist *ps)
{
	struct qf_hardstate hs;
	ssize_t n;
	int rc;

	if (qd_bootstrap(&d->conf, &ps->snap)) {
		LOG(ERR, "bootstrap membership refused by the core");
		return -1;
	}
	qf_store_hardstate(d->store, &hs);
	if (hs.term < ps->snap.term) {
		hs.term = ps->snap.term;
		hs.vote = 0;
		rc = qf_store_save_hardstate(d->store, &hs);
		if (rc)
			goto fail;
	}
	n = qd_enc_snapshot(&ps->snap, d->diskbuf, sizeof(d->diskbuf));
	rc = n < 0 ? -EINVAL : qf_store_snapshot(d->store, ps->snap.index,
						 ps->snap.term, d->diskbuf,
						 (size_t)n);
	if (!rc) {
		LOG(INFO, "new node: bootstrap configuration of %u members "
		    "written", d->conf.npeers);
		return 0;
	}
fail:
	LOG(ERR, "store: bootstrap: %s", strerror(-rc));
	return -1;
}

/* The log after the snapshot, every entry decoded and checked. */
static int load_entries(struct qd *d, struct qf_persist *ps)
{
	uint64_t first = qf_store_first_index(d->store);
	uint64_t last = qf_store_last_index(d->store);
	int rc;

	if (last >= first && last - first + 1 > QD_LOAD_MAX) {
		LOG(ERR, "store: %" PRIu64 " log entries, more than %d",
		    last - first + 1, QD_LOAD_MAX);
		return -1;
	}
	if (last >= first) {
		loaded = calloc(last - first + 1, sizeof(*loaded));
		if (!loaded)
			return -1;
	}
	for (uint64_t i = first; i <= last; i++) {
		struct qf_store_entry e;

		rc = qf_store_read(d->store, i, &e, d->diskbuf,
				   sizeof(d->diskbuf));
		if (rc || e.type != REC_ENTRY ||
		    qd_dec_entry(e.data, e.len, &loaded[i - first]) ||
		    loaded[i - first].index != i) {
			LOG(ERR, "store: log entry %" PRIu64 " unreadable", i);
			return -1;
		}
	}
	ps->entries = loaded;
	ps->n_entries = last >= first ? last - first + 1 : 0;
	return 0;
}

int persist_init(struct qd *d, struct qf_persist *ps)
{
	const struct qf_store_recovery *rec;
	struct qf_hardstate hs;
	uint64_t idx, term;
	char err[256];
	size_t len;
	int rc;

	memset(ps, 0, sizeof(*ps));
	if (qf_store_open(&d->store, d->conf.data_dir, err, sizeof(err))) {
		LOG(ERR, "store %s: %s", d->conf.data_dir, err);
		return -1;
	}
	rec = qf_store_recovery(d->store);
	if (rec->cut_bytes)
		LOG(ERR, "store: CORRUPT OR TORN LOG TAIL cut at offset %"
		    PRIu64 " (%" PRIu64 " bytes): %s", rec->cut_offset,
		    rec->cut_bytes, rec->why);
	qf_store_hardstate(d->store, &hs);
	ps->hs.term = hs.term;
	ps->hs.vote = (uint32_t)hs.vote;
	rc = qf_store_snapshot_read(d->store, &idx, &term, d->diskbuf,
				    sizeof(d->diskbuf), &len);
	if (rc == -ENOENT) {
		if (bootstrap(d, ps))
			return -1;
		qf_store_hardstate(d->store, &hs);
		ps->hs.term = hs.term;
	} else if (rc || qd_dec_snapshot(d->diskbuf, len, &ps->snap) ||
		   ps->snap.index != idx || ps->snap.term != term) {
		LOG(ERR, "store: snapshot unreadable (%s)",
		    rc ? strerror(-rc) : "bad encoding");
		return -1;
	}
	ps->hs.commit = ps->snap.index;
	if (load_entries(d, ps))
		return -1;
	LOG(INFO, "store %s: term %" PRIu64 ", vote %" PRIu32 ", snapshot %"
	    PRIu64 ", entries %zu", d->conf.data_dir, ps->hs.term,
	    ps->hs.vote, ps->snap.index, ps->n_entries);
	return 0;
}

/* After qf_raft_init copied what it needs. */
void persist_loaded_done(void)
{
	free(loaded);
	loaded = NULL;
}

void persist_fini(struct qd *d)
{
	persist_loaded_done();
	if (d->store)
		qf_store_close(d->store);
	d->store = NULL;
}

static int save_entries(struct qd *d, const struct qf_ready *rd)
{
	static struct qf_store_entry recs[QF_LOG_CAP];
	static uint8_t bufs[QF_LOG_CAP][128];
	uint64_t first = rd->entries[0].index;
	int rc;

	if (rd->n_entries > QF_LOG_CAP)
		return -EINVAL;
	if (first <= qf_store_last_index(d->store)) {
		rc = qf_store_truncate(d->store, first - 1);
		if (rc)
			return rc;
	}
	for (size_t i = 0; i < rd->n_entries; i++) {
		ssize_t n = qd_enc_entry(&rd->entries[i], bufs[i],
					 sizeof(bufs[i]));

		if (n < 0)
			return -EINVAL;
		recs[i] = (struct qf_store_entry){
			.index = rd->entries[i].index,
			.term = rd->entries[i].term,
			.type = REC_ENTRY, .len = (uint32_t)n, .data = bufs[i],
		};
	}
	return qf_store_append(d->store, recs, rd->n_entries);
}

static int persist_batch(struct qd *d, const struct qf_ready *rd)
{
	struct qf_hardstate hs = { rd->hs.term, rd->hs.vote };
	int rc = 0;

	if (rd->hs_changed) {
		struct qf_hardstate cur;

		qf_store_hardstate(d->store, &cur);
		if (cur.term != hs.term || cur.vote != hs.vote)
			rc = qf_store_save_hardstate(d->store, &hs);
		if (rc)
			goto fail;
	}
	if (rd->snap_changed) {
		ssize_t n = qd_enc_snapshot(rd->snap, d->diskbuf,
					    sizeof(d->diskbuf));

		rc = n < 0 ? -EINVAL :
			qf_store_snapshot(d->store, rd->snap->index,
					  rd->snap->term, d->diskbuf, (size_t)n);
		if (rc)
			goto fail;
	}
	if (rd->n_entries) {
		rc = save_entries(d, rd);
		if (rc)
			goto fail;
	}
	return 0;
fail:
	LOG(ERR, "store: write failed: %s: exiting (the lease will run out)",
	    strerror(-rc));
	return rc;
}

/*
 * A disk that stalls holds the whole event loop: no renewal leaves while
 * the daemon waits, and the lease runs out (the safe direction, design.md
 * §2.6). Every write under data_dir says so, loudly, when it took more than
 * half the lease, so that the operator looks at the disk and not at the
 * network (tests/quorumd/diskfault.sh stalls a sync longer than L).
 */
void qd_disk_took(const struct qd *d, const char *what, qf_ns since)
{
	qf_ns took = qd_now() - since;

	if (took > (qf_ns)d->conf.timing.lease_ms * QF_MS / 2)
		LOG(ERR, "store: the disk under %s held a write (%s) for %"
		    PRIu64 " ms, more than half the lease (%u ms): the lease "
		    "may have run out while the daemon waited",
		    d->conf.data_dir, what, (uint64_t)(took / QF_MS),
		    d->conf.timing.lease_ms);
}

int persist_ready(struct qd *d, const struct qf_ready *rd)
{
	qf_ns t0 = qd_now();
	int rc = persist_batch(d, rd);

	qd_disk_took(d, "term, vote and entries", t0);
	return rc;
}
