// SPDX-License-Identifier: MIT
/*
 * The event queue: a binary min-heap on (time, sequence). The sequence
 * number breaks ties in insertion order, so equal-time events run in a
 * deterministic order. Its storage is allocated once per process.
 */
#include <stdio.h>
#include <stdlib.h>

#include "sim.h"

static int ev_before(const struct sim_event *a, const struct sim_event *b)
{
	if (a->t != b->t)
		return a->t < b->t;
	return a->seq < b->seq;
}

void queue_init(struct sim_queue *q, uint32_t cap)
{
	q->ev = calloc(cap, sizeof(*q->ev));
	if (!q->ev) {
		fprintf(stderr, "qfence-sim: out of memory\n");
		exit(2);
	}
	q->cap = cap;
	q->len = 0;
	q->seq = 0;
}

void queue_reset(struct sim_queue *q)
{
	q->len = 0;
	q->seq = 0;
}

int queue_push(struct sim_queue *q, struct sim_event ev)
{
	uint32_t i;

	if (q->len == q->cap)
		return -1;
	ev.seq = q->seq++;
	i = q->len++;
	while (i > 0) {
		uint32_t p = (i - 1) / 2;

		if (!ev_before(&ev, &q->ev[p]))
			break;
		q->ev[i] = q->ev[p];
		i = p;
	}
	q->ev[i] = ev;
	return 0;
}

int queue_pop(struct sim_queue *q, struct sim_event *out)
{
	struct sim_event last;
	uint32_t i = 0;

	if (q->len == 0)
		return -1;
	*out = q->ev[0];
	last = q->ev[--q->len];
	for (;;) {
		uint32_t l = 2 * i + 1, m = i;

		if (l >= q->len)
			break;
		m = l;
		if (l + 1 < q->len && ev_before(&q->ev[l + 1], &q->ev[l]))
			m = l + 1;
		if (!ev_before(&q->ev[m], &last))
			break;
		q->ev[i] = q->ev[m];
		i = m;
	}
	q->ev[i] = last;
	return 0;
}
