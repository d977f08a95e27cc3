// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: the configuration parser (daemon/infra/conf.c).
 *
 * Invariants (conf.h): a refused file leaves the caller's struct untouched
 * (a reload keeps the running configuration) and says why; an accepted
 * one names this node among its peers, has no more peers or links than
 * allowed and a timing that passes design.md §2's check; and the same text
 * always gives the same configuration.
 */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct qf_conf c, d, untouched;
	char err[256], why[256];
	char *text;
	int rc;

	if (size > 64 * 1024)
		return 0;
	text = malloc(size + 1);
	assert(text);
	memcpy(text, data, size);
	text[size] = '\0';
	memset(&c, 0x5c, sizeof(c));
	untouched = c;
	memset(err, 0, sizeof(err));
	rc = qf_conf_load_string(&c, "fuzz.conf", text, err, sizeof(err));
	if (rc) {
		assert(rc == -1);
		assert(!memcmp(&c, &untouched, sizeof(c)));
		assert(err[0] && memchr(err, '\0', sizeof(err)));
		free(text);
		return 0;
	}
	assert(c.npeers >= 1 && c.npeers <= QF_CONF_MAX_PEERS);
	assert(qf_conf_self(&c) && qf_conf_self(&c)->id == c.node_id);
	for (unsigned int i = 0; i < c.npeers; i++)
		assert(c.peers[i].naddrs <= QF_CONF_MAX_ADDRS);
	assert(qf_conf_timing_check(&c.timing, NULL, why, sizeof(why)) == 0);
	memset(&d, 0x5c, sizeof(d));
	assert(qf_conf_load_string(&d, "fuzz.conf", text, err, sizeof(err)) == 0);
	assert(!memcmp(&c, &d, sizeof(c)));
	free(text);
	return 0;
}
