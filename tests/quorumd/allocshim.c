// SPDX-License-Identifier: MIT
/*
 * LD_PRELOAD shim for tests/quorumd/cluster.sh: counts malloc, calloc,
 * realloc and aligned allocations made while the process runs in its
 * steady state, i.e. between QD_ALLOC_FROM_S and QD_ALLOC_TO_S seconds
 * after it started (CLOCK_MONOTONIC), and prints the count on stderr at
 * exit: "allocshim: N allocations in the steady-state window".
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static double t0, from_s = 1e9, to_s = 1e9;
static unsigned long count;
static void *(*real_malloc)(size_t);
static void *(*real_calloc)(size_t, size_t);
static void *(*real_realloc)(void *, size_t);
static int (*real_memalign)(void **, size_t, size_t);

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void note(void)
{
	double t;

	if (!t0)
		return;
	t = now() - t0;
	if (t >= from_s && t < to_s)
		__atomic_add_fetch(&count, 1, __ATOMIC_RELAXED);
}

__attribute__((constructor)) static void init(void)
{
	const char *f = getenv("QD_ALLOC_FROM_S"), *t = getenv("QD_ALLOC_TO_S");

	if (f)
		from_s = atof(f);
	if (t)
		to_s = atof(t);
	t0 = now();
}

__attribute__((destructor)) static void fini(void)
{
	char msg[96];
	int n = snprintf(msg, sizeof(msg),
			 "allocshim: %lu allocations in the steady-state window\n",
			 count);

	if (write(2, msg, (size_t)n) < 0)
		return;
}

/* dlsym may call calloc itself: serve it from a static buffer */
static char boot[4096];
static size_t boot_used;

static void *boot_alloc(size_t n)
{
	void *p = boot + boot_used;

	boot_used += (n + 15) & ~(size_t)15;
	return boot_used <= sizeof(boot) ? p : NULL;
}

void *malloc(size_t n)
{
	if (!real_malloc)
		real_malloc = dlsym(RTLD_NEXT, "malloc");
	note();
	return real_malloc(n);
}

void *calloc(size_t a, size_t b)
{
	if (!real_calloc) {
		static int busy;

		if (busy)
			return boot_alloc(a * b);
		busy = 1;
		real_calloc = dlsym(RTLD_NEXT, "calloc");
		busy = 0;
	}
	note();
	return real_calloc(a, b);
}

void *realloc(void *p, size_t n)
{
	if (!real_realloc)
		real_realloc = dlsym(RTLD_NEXT, "realloc");
	note();
	return real_realloc(p, n);
}

void free(void *p)
{
	static void (*real_free)(void *);

	if ((char *)p >= boot && (char *)p < boot + sizeof(boot))
		return;
	if (!real_free)
		real_free = dlsym(RTLD_NEXT, "free");
	real_free(p);
}

int posix_memalign(void **p, size_t al, size_t n)
{
	if (!real_memalign)
		real_memalign = dlsym(RTLD_NEXT, "posix_memalign");
	note();
	return real_memalign(p, al, n);
}
