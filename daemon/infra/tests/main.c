// SPDX-License-Identifier: MIT
/*
 * Runner of the daemon/infra unit tests. Prints "ok NAME" or
 * "FAIL NAME: why" per test and, as its last line, "N passed, N failed".
 * Usage: infra-test [-p PREFIX] [-v] [FILTER]
 */
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../ilog.h"
#include "unit.h"

char ut_dir[256];
char ut_log[8192];
static char fail_msg[1024];
static bool failed;
static bool verbose;

void ut_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (failed)
		return;
	failed = true;
	n = snprintf(fail_msg, sizeof(fail_msg), "%s:%d: ", file, line);
	va_start(ap, fmt);
	vsnprintf(fail_msg + n, sizeof(fail_msg) - n, fmt, ap);
	va_end(ap);
}

bool ut_failed(void)
{
	return failed;
}

const char *ut_path(const char *name)
{
	static char bufs[4][512];
	static int i;

	i = (i + 1) % 4;
	snprintf(bufs[i], sizeof(bufs[i]), "%s/%s", ut_dir, name);
	return bufs[i];
}

int ut_write_file(const char *path, const void *buf, size_t len)
{
	FILE *f = fopen(path, "w");
	int rc = 0;

	if (!f)
		return -1;
	if (len && fwrite(buf, 1, len, f) != len)
		rc = -1;
	if (fclose(f))
		rc = -1;
	return rc;
}

long ut_read_file(const char *path, void *buf, size_t cap)
{
	FILE *f = fopen(path, "r");
	size_t n;

	if (!f)
		return -1;
	n = fread(buf, 1, cap, f);
	fclose(f);
	return (long)n;
}

static void capture(void *ctx, enum ilog_severity sev, const char *msg)
{
	size_t used = strlen(ut_log);

	(void)ctx;
	snprintf(ut_log + used, sizeof(ut_log) - used, "%d %s\n", sev, msg);
	if (verbose)
		fprintf(stderr, "  log %d: %s\n", sev, msg);
}

static int rm_one(const char *p, const struct stat *sb, int flag, struct FTW *f)
{
	(void)sb;
	(void)flag;
	(void)f;
	return remove(p);
}

static int run_one(const char *prefix, const struct ut_case *c)
{
	const char *tmp = getenv("TMPDIR");

	failed = false;
	fail_msg[0] = ut_log[0] = '\0';
	snprintf(ut_dir, sizeof(ut_dir), "%s/qfinfra.XXXXXX", tmp ? tmp : "/tmp");
	if (!mkdtemp(ut_dir)) {
		printf("FAIL %s%s: cannot create a temporary directory\n",
		       prefix, c->name);
		return 1;
	}
	c->fn();
	nftw(ut_dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	if (failed) {
		printf("FAIL %s%s: %s\n", prefix, c->name, fail_msg);
		return 1;
	}
	printf("ok %s%s\n", prefix, c->name);
	return 0;
}

int main(int argc, char **argv)
{
	const struct ut_case *suites[] = {
		conf_cases, store_cases, wire_cases, bootid_cases, udp_cases,
		clock_cases, prin_cases, rejoinprobe_cases,
	};
	const char *prefix = "", *filter = NULL;
	int pass = 0, fail = 0, opt;

	while ((opt = getopt(argc, argv, "p:v")) != -1) {
		if (opt == 'p')
			prefix = optarg;
		else if (opt == 'v')
			verbose = true;
		else
			return 2;
	}
	if (optind < argc)
		filter = argv[optind];
	setvbuf(stdout, NULL, _IOLBF, 0);
	ilog_set_sink(capture, NULL);
	for (size_t s = 0; s < sizeof(suites) / sizeof(suites[0]); s++) {
		for (const struct ut_case *c = suites[s]; c->name; c++) {
			if (filter && !strstr(c->name, filter))
				continue;
			if (run_one(prefix, c))
				fail++;
			else
				pass++;
		}
	}
	printf("%d passed, %d failed\n", pass, fail);
	return fail ? 1 : 0;
}
