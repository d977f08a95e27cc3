// SPDX-License-Identifier: MIT
/*
 * The bounded in-memory log: entries (snap.index, last] in a ring of
 * QF_LOG_CAP, behind a snapshot of the replicated state at snap.index
 * (thesis §5.1: the state is tiny, so a snapshot is just a copy of it).
 */
#include "internal.h"

void log_reset(struct qf_log *l, const struct qf_snapshot *snap)
{
	l->snap = *snap;
	l->last = snap->index;
	l->stable = snap->index;
	l->commit = snap->index;
	l->reported = snap->index;
}

struct qf_entry *log_at(struct qf_log *l, uint64_t index)
{
	if (index <= l->snap.index || index > l->last)
		return NULL;
	return &l->ring[index % QF_LOG_CAP];
}

const struct qf_entry *log_get(const struct qf_log *l, uint64_t index)
{
	return log_at((struct qf_log *)l, index);
}

/* Term of index; false if it was compacted away or is beyond the end. */
bool log_term(const struct qf_log *l, uint64_t index, uint64_t *term)
{
	const struct qf_entry *e;

	if (index == l->snap.index) {
		*term = l->snap.term;
		return true;
	}
	e = log_get(l, index);
	if (!e)
		return false;
	*term = e->term;
	return true;
}

uint64_t log_last_term(const struct qf_log *l)
{
	uint64_t t = 0;

	log_term(l, l->last, &t);
	return t;
}

bool log_full(const struct qf_log *l)
{
	return l->last - l->snap.index >= QF_LOG_CAP;
}

/* Append e at last + 1 (e->index is set here). */
int log_append(struct qf_log *l, const struct qf_entry *e)
{
	if (log_full(l))
		return -QF_EFULL;
	l->last++;
	l->ring[l->last % QF_LOG_CAP] = *e;
	l->ring[l->last % QF_LOG_CAP].index = l->last;
	return 0;
}

/* Drop entries >= from (never committed ones: the caller checks). */
void log_truncate(struct qf_log *l, uint64_t from)
{
	if (from <= l->snap.index || from > l->last)
		return;
	l->last = from - 1;
	if (l->stable > l->last)
		l->stable = l->last;
}

/* Thesis §3.6.1: is (index, term) at least as up-to-date as our log? */
bool log_up_to_date(const struct qf_log *l, uint64_t index, uint64_t term)
{
	uint64_t lt = log_last_term(l);

	return term > lt || (term == lt && index >= l->last);
}

/* Fold entries through upto (<= commit) into the snapshot. */
void log_compact(struct qf_log *l, uint64_t upto)
{
	if (upto > l->commit)
		upto = l->commit;
	while (l->snap.index < upto) {
		const struct qf_entry *e = log_get(l, l->snap.index + 1);

		state_apply(&l->snap.state, e);
		l->snap.index = e->index;
		l->snap.term = e->term;
	}
}
