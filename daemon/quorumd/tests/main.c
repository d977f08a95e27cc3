// SPDX-License-Identifier: MIT
#include <stdio.h>
#include <string.h>

#include "ilog.h"
#include "quorumd.h"
#include "test.h"

char t_why[256];

static void quiet(void *ctx, enum ilog_severity sev, const char *msg)
{
	(void)ctx;
	(void)sev;
	(void)msg;
}

int main(void)
{
	const struct t_case *suites[] = {
		t_codec, t_nlmsg, t_ctl, t_hooks, t_cfgmap, t_kernel,
		t_persist, t_binary, t_runtime, t_leaselock, t_fencelog, t_pr,
		t_rejoin,
	};
	int passed = 0, failed = 0;

	ilog_set_sink(quiet, NULL);
	qd_log_level = 0;	/* tests provoke errors on purpose: quiet */
	for (size_t s = 0; s < sizeof(suites) / sizeof(suites[0]); s++)
		for (const struct t_case *c = suites[s]; c->name; c++) {
			t_why[0] = '\0';
			c->fn();
			if (t_why[0]) {
				printf("FAIL %s: %s\n", c->name, t_why);
				failed++;
			} else {
				printf("ok %s\n", c->name);
				passed++;
			}
		}
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
