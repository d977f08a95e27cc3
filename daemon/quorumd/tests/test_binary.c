// SPDX-License-Identifier: MIT
/* The quorumd binary: --check-config on the example and on bad files. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

static void example_ok(void)
{
	char args[512];

	snprintf(args, sizeof(args), "--check-config -c %s", EXAMPLE_CONF);
	CHECK(run(args) == 0);
	CHECK(strstr(out, "W = "));
	CHECK(strstr(out, "OK"));
	/* one validator: the W printed is the core's (design.md rule 5) */
	CHECK(strstr(out, "OK, W = 2506 ms"));
	/* rule 9: the digest an operator compares across nodes */
	CHECK(strstr(out, "timing digest "));
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
	{ "binary/check_config_kernel_limit", kernel_limit_refused },
	{ "binary/check_config_malformed_file_line", malformed },
	{ "binary/check_config_unsafe_timing", unsafe_timing },
	{ "binary/bad_arguments", bad_args },
	{ 0 }
};
