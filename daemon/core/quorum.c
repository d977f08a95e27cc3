// SPDX-License-Identifier: MIT
/* Majority arithmetic (see quorum.h). */
#include "quorum.h"

size_t qf_quorum_size(size_t n)
{
	return n / 2 + 1;
}

bool qf_quorum_has(size_t count, size_t n)
{
	return n > 0 && count >= qf_quorum_size(n);
}

/* Insertion sort, descending: n is at most a few dozen. */
static void sort_desc(uint64_t *v, size_t n)
{
	for (size_t i = 1; i < n; i++) {
		uint64_t x = v[i];
		size_t j = i;

		while (j > 0 && v[j - 1] < x) {
			v[j] = v[j - 1];
			j--;
		}
		v[j] = x;
	}
}

uint64_t qf_quorum_index(const uint64_t *vals, size_t n)
{
	uint64_t v[32];

	if (n == 0 || n > 32)
		return 0;
	for (size_t i = 0; i < n; i++)
		v[i] = vals[i];
	sort_desc(v, n);
	/* The quorum_size()-th largest value is held by a majority. */
	return v[qf_quorum_size(n) - 1];
}

enum qf_vote_result qf_quorum_vote(size_t yes, size_t no, size_t n)
{
	if (qf_quorum_has(yes, n))
		return QF_VOTE_WON;
	/* Lost once the outstanding votes cannot make a majority any more. */
	if (n == 0 || n - no < qf_quorum_size(n))
		return QF_VOTE_LOST;
	return QF_VOTE_PENDING;
}
