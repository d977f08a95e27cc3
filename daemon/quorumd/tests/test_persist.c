// SPDX-License-Identifier: MIT
/*
 * persist.c on a real store in a temporary directory: a new node writes
 * its bootstrap configuration, a batch is durable and read back at the
 * next start, and a torn tail is cut (never used).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "quorumd.h"
#include "test.h"

static struct qd d;

static int open_node(const char *dir, struct qf_persist *ps)
{
	char err[256];
	const char *fmt =
		"[cluster]\nname = c\nkey_file = /k\n"
		"peer = 1 127.0.0.1:1\npeer = 2 127.0.0.1:2\n"
		"peer = 3 127.0.0.1:3\n"
		"[node]\nid = 1\nlease_name = l1\ndata_dir = ";
	char text[512];

	memset(&d, 0, sizeof(d));
	snprintf(text, sizeof(text), "%s%s\n", fmt, dir);
	if (qf_conf_load_string(&d.conf, "t.conf", text, err, sizeof(err)))
		return -1;
	return persist_init(&d, ps);
}

static void roundtrip(void)
{
	char dir[] = "/tmp/quorumd-persist-XXXXXX";
	struct qf_persist ps;
	struct qf_entry e[2];
	struct qf_ready rd = { 0 };
	char cmd[128];

	CHECK(mkdtemp(dir));
	CHECK(open_node(dir, &ps) == 0);
	CHECK(ps.snap.index == 1 && ps.hs.term >= 1 && ps.n_entries == 0);
	CHECK(qf_state_find(&ps.snap.state, 3));
	memset(e, 0, sizeof(e));
	e[0] = (struct qf_entry){ .term = 2, .index = 2, .type = QF_ENT_NOOP };
	e[1] = (struct qf_entry){ .term = 2, .index = 3,
				  .type = QF_ENT_NODE_FENCED, .node = 3,
				  .gen = 1, .reason = QF_FENCE_ADMIN };
	rd.hs_changed = true;
	rd.hs = (struct qf_hard_state){ .term = 2, .vote = 1 };
	rd.entries = e;
	rd.n_entries = 2;
	CHECK(persist_ready(&d, &rd) == 0);
	/* a conflicting suffix replaces entry 3 */
	e[1].term = 3;
	e[1].reason = QF_FENCE_SILENT;
	rd.hs.term = 3;
	rd.entries = &e[1];
	rd.n_entries = 1;
	CHECK(persist_ready(&d, &rd) == 0);
	persist_fini(&d);
	CHECK(open_node(dir, &ps) == 0);
	CHECK(ps.hs.term == 3 && ps.hs.vote == 1);
	CHECK(ps.snap.index == 1 && ps.n_entries == 2);
	CHECK(memcmp(&ps.entries[0], &e[0], sizeof(e[0])) == 0);
	CHECK(memcmp(&ps.entries[1], &e[1], sizeof(e[1])) == 0);
	persist_fini(&d);
	/* a torn tail: cut, the valid entries stay */
	snprintf(cmd, sizeof(cmd), "printf 'torn' >> %s/log", dir);
	CHECK(system(cmd) == 0);
	CHECK(open_node(dir, &ps) == 0);
	CHECK(ps.n_entries == 2);
	persist_fini(&d);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	CHECK(system(cmd) == 0);
}

const struct t_case t_persist[] = {
	{ "persist/bootstrap_batch_restart_torn_tail", roundtrip },
	{ 0 }
};
