// SPDX-License-Identifier: MIT
/* leaselock.c: a second holder of one lease name is refused. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "quorumd.h"
#include "test.h"

static void second_holder_refused(void)
{
	char dir[] = "/tmp/qd-leaselock-XXXXXX", sub[64], err[256] = "";
	int a, b, c;

	CHECK(mkdtemp(dir));
	snprintf(sub, sizeof(sub), "%s/run", dir);	/* created on demand */
	a = qd_lease_lock(sub, "node1", err, sizeof(err));
	b = qd_lease_lock(sub, "node1", err, sizeof(err));
	c = qd_lease_lock(sub, "node2", err + 128, sizeof(err) - 128);
	if (a >= 0)
		close(a);
	if (c >= 0)
		close(c);
	/* once the holder is gone, the name is free again */
	b = b < 0 ? qd_lease_lock(sub, "node1", err + 200, 56) : -2;
	if (b >= 0)
		close(b);
	snprintf(sub, sizeof(sub), "rm -rf %s", dir);
	if (system(sub))
		err[0] = 0;
	CHECK(a >= 0);
	CHECK(strstr(err, "already held by another quorumd"));
	CHECK(c >= 0);
	CHECK(b >= 0);
}

const struct t_case t_leaselock[] = {
	{ "leaselock/second_holder_refused", second_holder_refused },
	{ 0 }
};
