// SPDX-License-Identifier: MIT
/* hooks.c: argv and environment, no shell. */
#include <string.h>

#include "quorumd.h"
#include "test.h"

static void argv_env(void)
{
	struct qd_hook_args h;

	qd_hook_build(&h, "/usr/lib/qfence/recover; rm -rf /", 42,
		      18446744073709551615ULL);
	/* the command is one argv[0], never split or given to a shell */
	CHECK(!strcmp(h.argv[0], "/usr/lib/qfence/recover; rm -rf /"));
	CHECK(!strcmp(h.argv[1], "42"));
	CHECK(!strcmp(h.argv[2], "18446744073709551615"));
	CHECK(h.argv[3] == NULL);
	CHECK(!strcmp(h.envp[0], "QFENCE_NODE=42"));
	CHECK(!strcmp(h.envp[1], "QFENCE_GENERATION=18446744073709551615"));
	CHECK(h.envp[3] == NULL);
}

const struct t_case t_hooks[] = {
	{ "hooks/argv_env_no_shell", argv_env },
	{ 0 }
};
