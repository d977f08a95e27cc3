// SPDX-License-Identifier: MIT
/* The quorumd binary: --check-config on the example and on bad files. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "quorumd.h"
#include "test.h"

static char out[8192];

static int run(const char *args)
{
	const char *bin = getenv("QUORUMD_BIN");
	char cmd[1024];
	FILE *p;
	size_t n;
	int st;

	if (!bin)
		return -100;
	snprintf(cmd, sizeof(cmd), "%s %s 2>&1", bin, args);
	p = popen(cmd, "r");
	if (!p)
		return -101;
	n = fread(out, 1, sizeof(out) - 1, p);
	out[n] = '\0';
	st = pclose(p);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -102;
}

/*
 * A scratch directory with a key (mode 0600, @keylen random bytes) and a
 * data directory, and the example configuration pointing at them (or at
 * @key / @dir when given). Returns the configuration's path.
 */
static char scratch[64];
static char conf[128];

static const char *example_with(size_t keylen, const char *key,
				const char *dir)
{
	char kpath[160], dpath[160], line[512];
	FILE *in, *o;
	int fd;

	strcpy(scratch, "/tmp/quorumd-check-XXXXXX");
	if (!mkdtemp(scratch))
		return NULL;
	snprintf(kpath, sizeof(kpath), "%s/cluster.key", scratch);
	snprintf(dpath, sizeof(dpath), "%s/data", scratch);
	snprintf(conf, sizeof(conf), "%s/quorumd.conf", scratch);
	fd = open(kpath, O_WRONLY | O_CREAT | O_EXCL, 0600);
	if (fd < 0 || write(fd, "0123456789abcdef0123456789abcdef0123456789",
			    keylen) != (ssize_t)keylen || close(fd) ||
	    mkdir(dpath, 0700))
		return NULL;
	in = fopen(EXAMPLE_CONF, "r");
	o = fopen(conf, "w");
	if (!in || !o)
		return NULL;
	while (fgets(line, sizeof(line), in)) {
		if (!strncmp(line, "key_file =", 10))
			fprintf(o, "key_file = %s\n", key ? key : kpath);
		else if (!strncmp(line, "data_dir =", 10))
			fprintf(o, "data_dir = %s\n", dir ? dir : dpath);
		else
			fputs(line, o);
	}
	fclose(in);
	return fclose(o) ? NULL : conf;
}

static int run_check(const char *path)
{
	char args[512];
	int rc;

	snprintf(args, sizeof(args), "--check-config -c %s", path);
	rc = run(args);
	snprintf(args, sizeof(args), "rm -rf %s", scratch);
	if (system(args))
		return -103;
	return rc;
}

static void example_ok(void)
{
	const char *p = example_with(32, NULL, NULL);

	CHECK(p);
	CHECK(run_check(p) == 0);
	CHECK(strstr(out, "W = "));
	CHECK(strstr(out, "OK"));
	/* one validator: the W printed is the core's (design.md rule 5) */
	CHECK(strstr(out, "OK, W = 2506 ms"));
	/* rule 9: the digest an operator compares across nodes */
	CHECK(strstr(out, "timing digest "));
}

/* The start's own checks, before the start: each refusal is exit 1. */
static void key_missing(void)
{
	const char *p = example_with(32, "/nonexistent/cluster.key", NULL);

	CHECK(p);
	CHECK(run_check(p) == 1);
	CHECK(strstr(out, "key_file: /nonexistent/cluster.key: No such file"));
}

static void key_mode_0644(void)
{
	const char *p = example_with(32, NULL, NULL);
	char key[160];

	CHECK(p);
	snprintf(key, sizeof(key), "%s/cluster.key", scratch);
	CHECK(chmod(key, 0644) == 0);
	CHECK(run_check(p) == 1);
	CHECK(strstr(out, "mode 0644 gives group or others access"));
}

static void key_wrong_length(void)
{
	const char *p = example_with(16, NULL, NULL);

	CHECK(p);
	CHECK(run_check(p) == 1);
	CHECK(strstr(out, "not a key: expected 32 raw bytes"));
	CHECK(strstr(out, "found 16 bytes"));
}

static void data_dir_is_file(void)
{
	const char *p = example_with(32, NULL, "/etc/passwd");

	CHECK(p);
	CHECK(run_check(p) == 1);
	CHECK(strstr(out, "data_dir /etc/passwd: not a directory"));
}

/* Missing but creatable is fine, and --check-config creates nothing. */
static void data_dir_creatable(void)
{
	char dir[160];
	const char *p;
	struct stat st;

	strcpy(dir, "/tmp/quorumd-check-new-XXXXXX");
	CHECK(mkdtemp(dir) && rmdir(dir) == 0);
	p = example_with(32, NULL, dir);
	CHECK(p);
	CHECK(run_check(p) == 0);
	CHECK(stat(dir, &st) != 0);
	strcat(dir, "/deeper");
	p = example_with(32, NULL, dir);
	CHECK(p);
	CHECK(run_check(p) == 1);
	CHECK(strstr(out, "does not exist and cannot be created"));
}

/* --no-kernel (TEST ONLY) does not look for the module, and says so. */
static void module_skipped(void)
{
	const char *p = example_with(32, NULL, NULL);
	char args[512], rm[128];
	int rc;

	CHECK(p);
	snprintf(args, sizeof(args), "--check-config --no-kernel -c %s", p);
	rc = run(args);
	snprintf(rm, sizeof(rm), "rm -rf %s", scratch);
	CHECK(system(rm) == 0);
	CHECK(rc == 0);
	CHECK(strstr(out, "module was not looked for"));
}

static const char *tmpfile_with(const char *text)
{
	static char path[] = "/tmp/quorumd-test-XXXXXX";
	int fd;

	strcpy(path, "/tmp/quorumd-test-XXXXXX");
	fd = mkstemp(path);
	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		return NULL;
	close(fd);
	return path;
}

/* Issue 9 hole 8: a lease_ms the kernel would refuse at start (its
 * max_lease_ms, lease_ms + 1, above QFENCE_MAX_LEASE_MS_LIMIT). */
static void kernel_limit_refused(void)
{
	const char *p = tmpfile_with(
		"[cluster]\nname = c\nkey_file = /k\n"
		"lease_ms = 600000\n"
		"peer = 1 127.0.0.1:1\npeer = 2 127.0.0.1:2\n"
		"peer = 3 127.0.0.1:3\n"
		"[node]\nid = 1\nlease_name = l1\ndata_dir = /tmp\n");
	char args[512];
	int rc;

	CHECK(p);
	snprintf(args, sizeof(args), "--check-config -c %s", p);
	rc = run(args);
	unlink(p);
	CHECK(rc != 0);
	CHECK(strstr(out, ":4: lease_ms:") && strstr(out, "max_lease_ms"));
}

static void malformed(void)
{
	const char *p = tmpfile_with("[cluster]\nname = c\nbogus_key = 1\n");
	char args[512], want[512];
	int rc;

	CHECK(p);
	snprintf(args, sizeof(args), "--check-config -c %s", p);
	rc = run(args);
	unlink(p);
	CHECK(rc != 0);
	snprintf(want, sizeof(want), "%s:3", p);
	CHECK(strstr(out, want));
}

static void unsafe_timing(void)
{
	const char *p = tmpfile_with(
		"[cluster]\nname = c\nkey_file = /k\n"
		"lease_ms = 900\nelection_max_ms = 800\n"
		"peer = 1 127.0.0.1:1\npeer = 2 127.0.0.1:2\n"
		"peer = 3 127.0.0.1:3\n"
		"[node]\nid = 1\nlease_name = l1\ndata_dir = /tmp\n");
	char args[512];
	int rc;

	CHECK(p);
	snprintf(args, sizeof(args), "--check-config -c %s", p);
	rc = run(args);
	unlink(p);
	CHECK(rc != 0);
	CHECK(strstr(out, ":4") || strstr(out, ":5"));
}

static void bad_args(void)
{
	CHECK(run("--no-such-option") == 2);
	CHECK(run("-c") == 2);
	CHECK(run("--check-config -c /nonexistent/quorumd.conf") != 0);
}

const struct t_case t_binary[] = {
	{ "binary/check_config_example", example_ok },
	{ "binary/check_config_key_missing", key_missing },
	{ "binary/check_config_key_mode_0644", key_mode_0644 },
	{ "binary/check_config_key_wrong_length", key_wrong_length },
	{ "binary/check_config_data_dir_is_file", data_dir_is_file },
	{ "binary/check_config_data_dir_creatable", data_dir_creatable },
	{ "binary/check_config_no_kernel_skips_module", module_skipped },
	{ "binary/check_config_kernel_limit", kernel_limit_refused },
	{ "binary/check_config_malformed_file_line", malformed },
	{ "binary/check_config_unsafe_timing", unsafe_timing },
	{ "binary/bad_arguments", bad_args },
	{ 0 }
};
