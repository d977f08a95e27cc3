// SPDX-License-Identifier: MIT
/* A daemon state with a bootstrapped core, for the tests (fixture.h). */
#include <stdio.h>
#include <string.h>

#include "fixture.h"

static uint64_t rand0(void *arg)
{
	(void)arg;
	return 0;
}

int t_qd_boot(struct qd *d, uint32_t id, const char *dir, const char *extra,
	      uint64_t seed)
{
	static struct qf_snapshot snap;
	struct qf_persist ps = { 0 };
	char conf[1024], err[256];

	snprintf(conf, sizeof(conf),
		 "[cluster]\nname = c\nkey_file = /k\n"
		 "peer = 1 127.0.0.1:1\npeer = 2 127.0.0.1:2\n"
		 "peer = 3 127.0.0.1:3\n"
		 "[node]\nid = %u\nlease_name = l%u\ndata_dir = %s\n%s",
		 id, id, dir, extra ? extra : "");
	if (qf_conf_load_string(&d->conf, "t.conf", conf, err, sizeof(err)) ||
	    qd_core_config(&d->conf, &d->core_cfg, err, sizeof(err)) ||
	    qd_bootstrap(&d->conf, &snap)) {
		fprintf(stderr, "fixture: %s\n", err);
		return -1;
	}
	ps.snap = snap;
	return qf_raft_init(&d->raft, &d->core_cfg, &ps, seed, rand0, NULL) ?
	       -1 : 0;
}
