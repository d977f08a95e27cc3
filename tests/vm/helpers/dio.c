// SPDX-License-Identifier: GPL-2.0
/*
 * dio: one O_DIRECT 4 KiB read or write, and the errno by name.
 *
 *   dio r|w DEVICE [OFFSET_BLOCKS]
 *
 * Prints "ok" and exits 0, or prints the errno's name (EIO, EPERM, ...)
 * and exits 1. Tests compare the name, so that "failed" is never taken for
 * "failed with EIO".
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define BLK 4096

int main(int argc, char **argv)
{
	int write_op, fd;
	off_t off = 0;
	ssize_t n;
	void *buf;

	if (argc < 3 || (strcmp(argv[1], "r") && strcmp(argv[1], "w"))) {
		fprintf(stderr, "usage: dio r|w DEVICE [OFFSET_BLOCKS]\n");
		return 2;
	}
	write_op = argv[1][0] == 'w';
	if (argc > 3)
		off = (off_t)strtoull(argv[3], NULL, 0) * BLK;
	if (posix_memalign(&buf, BLK, BLK))
		return 2;
	memset(buf, write_op ? 0x5a : 0, BLK);
	fd = open(argv[2], (write_op ? O_WRONLY : O_RDONLY) | O_DIRECT);
	if (fd < 0) {
		printf("open:%s\n", strerrorname_np(errno));
		return 1;
	}
	n = write_op ? pwrite(fd, buf, BLK, off) : pread(fd, buf, BLK, off);
	if (n != BLK) {
		printf("%s\n", n < 0 ? strerrorname_np(errno) : "short");
		return 1;
	}
	puts("ok");
	return 0;
}
