// SPDX-License-Identifier: MIT
/*
 * quorumctl keygen [--force] [FILE]: a new cluster key (default
 * /etc/qfence/cluster.key), 32 random bytes written as 64 hex digits and a
 * newline, the form quorumd's key_file takes.
 *
 * The file is created with mode 0600 (open with O_EXCL and the mode, and
 * fchmod against an odd umask, both before the first byte is written), so
 * the key is never readable by others, not even for a moment. An existing file is refused:
 * replacing the key of a running cluster cuts every node off from the
 * others. --force replaces it atomically (a new 0600 file beside it, fsync,
 * rename), so a crash leaves the old key or the new one, never half of one.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "quorumctl.h"

#define KEY_LEN 32
#define DEFAULT_KEY "/etc/qfence/cluster.key"

static int random_key(unsigned char key[KEY_LEN])
{
	ssize_t n = getrandom(key, KEY_LEN, 0);

	return n == KEY_LEN ? 0 : -1;
}

/* Write the key as hex to a new file at path (O_EXCL, mode 0600). */
static int write_new(const char *path, const unsigned char key[KEY_LEN])
{
	char hex[2 * KEY_LEN + 2];
	int fd, i, e;

	for (i = 0; i < KEY_LEN; i++)
		snprintf(hex + 2 * i, 3, "%02x", key[i]);
	hex[2 * KEY_LEN] = '\n';
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		e = errno;
		explicit_bzero(hex, sizeof(hex));
		return -e;
	}
	errno = 0;
	if (fchmod(fd, 0600) || write(fd, hex, 2 * KEY_LEN + 1) != 2 * KEY_LEN + 1 ||
	    fsync(fd)) {
		e = errno ? errno : EIO;	/* a short write sets none */
		explicit_bzero(hex, sizeof(hex));
		close(fd);
		unlink(path);
		return -e;
	}
	explicit_bzero(hex, sizeof(hex));
	return close(fd) ? -errno : 0;
}

/* The rename is durable only once the directory is on disk too. */
static int sync_dir_of(const char *path)
{
	char dir[4096];
	char *slash;
	int fd, r = 0;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (!slash)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == dir)
		dir[1] = '\0';
	else
		*slash = '\0';
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fsync(fd))
		r = -errno;
	close(fd);
	return r;
}

static int replace(const char *path, const unsigned char key[KEY_LEN])
{
	char tmp[4096];
	int r;

	if (snprintf(tmp, sizeof(tmp), "%s.new", path) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	unlink(tmp);
	r = write_new(tmp, key);
	if (r)
		return r;
	if (rename(tmp, path)) {
		r = -errno;
		unlink(tmp);
		return r;
	}
	return sync_dir_of(path);
}

int keygen_main(int argc, char **argv, struct qc_ctx *ctx)
{
	unsigned char key[KEY_LEN];
	const char *path = NULL;
	bool force = false;
	int i, r;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--force"))
			force = true;
		else if (argv[i][0] == '-' && argv[i][1])
			return qc_usage(ctx, "unknown option %.64s", argv[i]);
		else if (path)
			return qc_usage(ctx, "keygen takes one FILE");
		else
			path = argv[i];
	}
	if (!path)
		path = DEFAULT_KEY;
	if (!*path)
		return qc_usage(ctx, "keygen: empty FILE");
	if (random_key(key))
		return qc_fail(&ctx->err, QC_EXIT_OTHER, "getrandom: %s", strerror(errno));
	r = force ? replace(path, key) : write_new(path, key);
	explicit_bzero(key, sizeof(key));
	if (r == -EEXIST)
		return qc_fail(&ctx->err, QC_EXIT_REFUSED,
			       "%s exists: a new key cuts this node off from the cluster until every node has it (--force replaces it)",
			       path);
	if (r)
		return qc_fail(&ctx->err, QC_EXIT_OTHER, "%s: %s", path, strerror(-r));
	fprintf(ctx->out, "%s: new cluster key (mode 0600); copy it to every node\n", path);
	return QC_EXIT_OK;
}
