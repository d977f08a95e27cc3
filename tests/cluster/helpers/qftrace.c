// SPDX-License-Identifier: MIT
/* qftrace: QEMU block trace logs -> landing times of writes (qftrace.h). */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qftrace.h"

#define QT_MAXNODES 64

struct qt_file {
	void *bs[QT_MAXNODES];	/* protocol nodes of the image in this QEMU */
	size_t nbs;
};

static int same_file(const char *a, const char *b)
{
	char ra[PATH_MAX], rb[PATH_MAX];

	if (!strcmp(a, b))
		return 1;
	return realpath(a, ra) && realpath(b, rb) && !strcmp(ra, rb);
}

/* "bs 0x.. filename "..." flags 0x.. format_name "file"" */
static void on_open(struct qt_file *f, const char *args, const char *image)
{
	char name[PATH_MAX], fmt[32];
	void *bs;

	if (sscanf(args, "bs %p filename \"%4095[^\"]\" flags %*x format_name "
		   "\"%31[^\"]\"", &bs, name, fmt) != 3)
		return;
	/* only the protocol node: the format node above it would count
	 * every write twice, and its time is before the format layer */
	if (strcmp(fmt, "file") || !same_file(name, image) || f->nbs == QT_MAXNODES)
		return;
	f->bs[f->nbs++] = bs;
}

static int push(struct qt_landings *t, const struct qt_landing *l)
{
	if (t->n == t->cap) {
		size_t cap = t->cap ? 2 * t->cap : 4096;
		struct qt_landing *v = realloc(t->v, cap * sizeof(*v));

		if (!v)
			return -1;
		t->v = v;
		t->cap = cap;
	}
	t->v[t->n++] = *l;
	return 0;
}

static int on_write(struct qt_landings *t, const struct qt_file *f,
		    const char *args, uint32_t node, uint64_t host_ns)
{
	struct qt_landing l = { .node = node, .host_ns = host_ns };
	void *bs;

	if (sscanf(args, "bs %p offset %" SCNu64 " bytes %" SCNu64, &bs,
		   &l.off, &l.bytes) != 3)
		return 0;
	for (size_t i = 0; i < f->nbs; i++)
		if (f->bs[i] == bs)
			return push(t, &l);
	return 0;
}

int qt_load(struct qt_landings *t, const char *path, uint32_t node,
	    const char *image)
{
	struct qt_file tf = { .nbs = 0 };
	FILE *f = fopen(path, "r");
	char line[8192];
	int rc = 0;

	if (!f)
		return -1;
	while (rc == 0 && fgets(line, sizeof(line), f)) {
		unsigned long long sec, usec;
		char ev[64];
		int pos = 0;

		if (sscanf(line, "%*d@%llu.%llu:%63s %n", &sec, &usec, ev,
			   &pos) != 3 || !pos)
			continue;
		if (!strcmp(ev, "bdrv_open_common"))
			on_open(&tf, line + pos, image);
		else if (!strcmp(ev, "bdrv_co_pwritev_part"))
			rc = on_write(t, &tf, line + pos, node,
				      sec * 1000000000ULL + usec * 1000ULL);
	}
	fclose(f);
	if (rc)
		errno = ENOMEM;
	else
		t->files++;
	return rc;
}

int qt_index(const struct qt_landings *t, uint64_t slots, uint32_t **last)
{
	uint32_t *x = calloc(slots ? slots : 1, sizeof(*x));

	if (!x)
		return -1;
	for (size_t i = 0; i < t->n; i++) {
		const struct qt_landing *l = &t->v[i];

		for (uint64_t s = l->off / 512; s * 512 < l->off + l->bytes &&
		     s < slots; s++)
			if (!x[s] || t->v[x[s] - 1].host_ns <= l->host_ns)
				x[s] = (uint32_t)i + 1;
	}
	*last = x;
	return 0;
}
