// SPDX-License-Identifier: MIT
/*
 * quorumd --check-config: everything a start would refuse, found before
 * the start (the unit's ExecStartPre), and nothing changed. The file and
 * its timing (the core's validator, so the W printed is the one the
 * daemon uses: DESIGN rule 5), the key file (the daemon's own loader:
 * present, regular, root's or ours, no group/other bits, a key's length),
 * the data directory (there or creatable, a directory, writable: the
 * durable term and vote of rule 4 live there), and, as a warning, whether
 * the qfence module is loaded (--no-kernel skips that: TEST ONLY).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "prwork.h"
#include "quorumd.h"

static int check_key(const char *path, const struct qf_conf *c)
{
	uint8_t key[QF_WIRE_KEY_LEN];
	char err[512];
	int rc = qf_wire_key_load(c->key_file, key, err, sizeof(err));

	sodium_memzero(key, sizeof(key));
	if (rc)
		fprintf(stderr, "%s: key_file: %s\n", path, err);
	return rc ? 1 : 0;
}

/* The store creates the directory itself (one level, mode 0700). */
static int check_data_dir(const char *path, const char *dir)
{
	char parent[sizeof(((struct qf_conf *)0)->data_dir)];
	const char *why;
	struct stat st;

	if (stat(dir, &st) == 0) {
		if (!S_ISDIR(st.st_mode)) {
			fprintf(stderr, "%s: data_dir %s: not a directory\n",
				path, dir);
			return 1;
		}
		if (access(dir, W_OK | X_OK)) {
			fprintf(stderr, "%s: data_dir %s: not writable: %s\n",
				path, dir, strerror(errno));
			return 1;
		}
		return 0;
	}
	if (errno != ENOENT) {
		fprintf(stderr, "%s: data_dir %s: %s\n", path, dir,
			strerror(errno));
		return 1;
	}
	qf_store_parent_dir(dir, parent, sizeof(parent));
	if (stat(parent, &st))
		why = strerror(errno);
	else if (!S_ISDIR(st.st_mode))
		why = "not a directory";
	else if (access(parent, W_OK | X_OK))
		why = strerror(errno);
	else
		return 0;
	fprintf(stderr, "%s: data_dir %s does not exist and cannot be created "
		"(%s: %s)\n", path, dir, parent, why);
	return 1;
}

/* A missing module is a warning: modules-load.d may load it before start. */
static void check_module(bool no_kernel)
{
	int rc;

	if (no_kernel) {
		printf("warning: --no-kernel (TEST ONLY): the qfence module "
		       "was not looked for\n");
		return;
	}
	rc = kern_probe_family();
	if (rc == -ENOENT)
		printf("warning: the qfence module is not loaded (no generic "
		       "netlink family \"qfence\"): quorumd will not start "
		       "until it is (modprobe qfence)\n");
	else if (rc)
		printf("warning: could not ask the kernel for the qfence "
		       "module: %s\n", strerror(-rc));
}

int qd_check_config(const char *path, bool no_kernel)
{
	static struct qf_conf c;
	struct qf_config cc;
	char err[512];

	if (qf_conf_load(&c, path, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	if (qd_core_config(&c, &cc, err, sizeof(err))) {
		fprintf(stderr, "%s: timing refused: %s\n", path, err);
		return 1;
	}
	if (check_key(path, &c) || check_data_dir(path, c.data_dir))
		return 1;
	/* design.md §2.9: every pr_device answers PR IN and offers WEAR */
	if (qd_pr_check(&c, &qd_pr_dev_ops, NULL, err, sizeof(err))) {
		fprintf(stderr, "%s: storage fence: %s\n", path, err);
		return 1;
	}
	qf_conf_dump(&c, stdout);
	for (unsigned int i = 0; i < c.nwarn; i++)
		printf("warning: %s\n", c.warn[i]);
	check_module(no_kernel);
	/* design.md rule 9: every node of a cluster must print the same digest */
	printf("timing digest %08" PRIx32 " (must be the same on every node)\n",
	       qf_timing_digest(&cc.timing));
	printf("%s: OK, W = %" PRIu64 " ms\n", path, c.wait_ms);
	return 0;
}
