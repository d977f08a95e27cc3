// SPDX-License-Identifier: GPL-2.0
/*
 * dropuid: run a command as an unprivileged user.
 *
 *   dropuid UID COMMAND [ARG]...
 *
 * Clears the supplementary groups, sets gid and uid to UID (all three of
 * real, effective, saved), which also drops every capability, then execs.
 * busybox's setpriv cannot change uids, hence this helper.
 */
#define _GNU_SOURCE
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	unsigned long id;
	char *end;

	if (argc < 3) {
		fprintf(stderr, "usage: dropuid UID COMMAND [ARG]...\n");
		return 2;
	}
	id = strtoul(argv[1], &end, 10);
	if (*end || id == 0) {
		fprintf(stderr, "dropuid: need a non-zero numeric uid\n");
		return 2;
	}
	if (setgroups(0, NULL) || setresgid(id, id, id) || setresuid(id, id, id)) {
		perror("dropuid");
		return 2;
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)) {
		perror("dropuid: no_new_privs");
		return 2;
	}
	execvp(argv[2], argv + 2);
	perror(argv[2]);
	return 127;
}
