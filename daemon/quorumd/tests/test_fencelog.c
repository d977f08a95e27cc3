// SPDX-License-Identifier: MIT
/*
 * loop.c's "NODE_FENCED committed" line: a restart replays the committed
 * records, and a replayed record's line must say so, or a reader of the
 * log (a hook, a test, an operator) takes an old fence for a new one.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "quorumd.h"
#include "fixture.h"
#include "test.h"

static struct qd d;
static char dir[64], logpath[96];

/* A daemon start on the data directory `dir' (kept between starts). */
static int start(void)
{
	memset(&d, 0, sizeof(d));
	if (t_qd_boot(&d, 1, dir, NULL, 5))
		return -1;
	loop_fence_log_init(&d);
	return 0;
}

/* The line loop_log_fence writes for f (or loop_log_committed for e),
 * read back from stderr. */
static const char *line_of(const struct qf_fence_decision *f,
			   const struct qf_entry *e)
{
	static char line[600];
	int saved = dup(2), fd;
	FILE *in;

	line[0] = '\0';
	fflush(stderr);
	fd = open(logpath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (saved < 0 || fd < 0 || dup2(fd, 2) < 0) {
		if (fd >= 0)
			close(fd);
		if (saved >= 0)
			close(saved);
		return line;
	}
	close(fd);
	qd_log_level = LOG_INFO_;
	if (f)
		loop_log_fence(&d, f);
	else
		loop_log_committed(&d, e);
	qd_log_level = 0;
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	in = fopen(logpath, "r");
	if (in) {
		if (!fgets(line, sizeof(line), in))
			line[0] = '\0';
		fclose(in);
	}
	return line;
}

static const char *line_for(const struct qf_fence_decision *f)
{
	return line_of(f, NULL);
}

static void replayed_lines_marked(void)
{
	struct qf_fence_decision f = { .node = 2, .gen = 1, .index = 5,
				       .reason = 1 };
	char cmd[128];

	snprintf(dir, sizeof(dir), "/tmp/quorumd-fencelog-XXXXXX");
	CHECK(mkdtemp(dir));
	snprintf(logpath, sizeof(logpath), "%s/stderr", dir);
	CHECK(start() == 0);
	CHECK(strstr(line_for(&f), "NODE_FENCED committed: node 2 "
		     "generation 1 index 5 "));
	/* the restart replays index 5: marked; index 6 is new */
	CHECK(start() == 0);
	CHECK(strstr(line_for(&f), "NODE_FENCED committed (replayed): node 2 "
		     "generation 1 index 5 "));
	CHECK(!strstr(line_for(&f), "NODE_FENCED committed: "));
	f.index = 6;
	f.gen = 2;
	CHECK(strstr(line_for(&f), "NODE_FENCED committed: node 2 "
		     "generation 2 index 6 "));
	/* the fences of one snapshot share its index: a snapshot installed
	 * after the start is new, all of it, until the next start */
	f.node = 3;
	CHECK(strstr(line_for(&f), "NODE_FENCED committed: node 3 "));
	CHECK(start() == 0);
	CHECK(strstr(line_for(&f), "NODE_FENCED committed (replayed): node 3 "));
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	CHECK(system(cmd) == 0);
}

/* Issue 9 hole 10: every committed record's line, not only NODE_FENCED. */
static void replayed_join_marked(void)
{
	struct qf_entry e = { .type = QF_ENT_NODE_JOIN, .node = 2, .gen = 2,
			      .index = 7 };
	char cmd[128];

	snprintf(dir, sizeof(dir), "/tmp/quorumd-fencelog-XXXXXX");
	CHECK(mkdtemp(dir));
	snprintf(logpath, sizeof(logpath), "%s/stderr", dir);
	CHECK(start() == 0);
	CHECK(strstr(line_of(NULL, &e), "committed 7: NODE_JOIN node 2 "
		     "generation 2"));
	CHECK(start() == 0);		/* the restart replays index 7 */
	CHECK(strstr(line_of(NULL, &e), "committed (replayed) 7: NODE_JOIN "
		     "node 2 generation 2"));
	e.index = 8;
	e.gen = 3;
	CHECK(strstr(line_of(NULL, &e), "committed 8: NODE_JOIN node 2 "));
	e.type = QF_ENT_NOOP;		/* said nothing of */
	e.index = 9;
	CHECK(line_of(NULL, &e)[0] == '\0');
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	CHECK(system(cmd) == 0);
}

const struct t_case t_fencelog[] = {
	{ "fencelog/replayed_join_marked", replayed_join_marked },
	{ "fencelog/replayed_lines_marked", replayed_lines_marked },
	{ 0 }
};
