// SPDX-License-Identifier: MIT
/*
 * qfence daemon: one ADDR:PORT of a peer line (conf.h), IPv4 or IPv6 with
 * an optional scope.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "confparse.h"
#include "ilog.h"

/* Host part: strict inet_pton (no "1.2.3" shorthands), IPv6 scope allowed. */
static int fill_addr(const char *host, bool v6, uint16_t port,
		     struct qf_conf_addr *a)
{
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&a->sa;
	struct sockaddr_in *s4 = (struct sockaddr_in *)&a->sa;
	char ip[64];
	const char *scope = v6 ? strchr(host, '%') : NULL;

	snprintf(ip, sizeof(ip), "%.*s", scope ? (int)(scope - host) : 63, host);
	memset(a, 0, sizeof(*a));
	if (!v6) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		a->len = sizeof(*s4);
		return inet_pton(AF_INET, ip, &s4->sin_addr) == 1 ? 0 : -1;
	}
	s6->sin6_family = AF_INET6;
	s6->sin6_port = htons(port);
	a->len = sizeof(*s6);
	if (inet_pton(AF_INET6, ip, &s6->sin6_addr) != 1)
		return -1;
	if (scope) {
		uint32_t idx;

		/* A link-local scope: an interface name or its index. */
		idx = if_nametoindex(scope + 1);
		if (!idx && conf_parse_u32(scope + 1, &idx))
			return -1;
		s6->sin6_scope_id = idx;
	}
	return 0;
}

int qf_conf_parse_addr(const char *s, struct qf_conf_addr *a,
		       char *why, size_t len)
{
	char host[80];
	const char *port;
	uint32_t pnum;
	bool v6 = s[0] == '[';

	if (strlen(s) >= sizeof(a->text)) {
		ierr(why, len, "address '%s' is too long", s);
		return -1;
	}
	if (v6) {
		const char *close = strchr(s, ']');

		if (!close || close[1] != ':') {
			ierr(why, len, "'%s': IPv6 addresses are written "
			     "[ADDR]:PORT", s);
			return -1;
		}
		snprintf(host, sizeof(host), "%.*s", (int)(close - s - 1), s + 1);
		port = close + 2;
	} else {
		const char *colon = strrchr(s, ':');

		if (!colon || strchr(s, ':') != colon) {
			ierr(why, len, "'%s' is not ADDR:PORT (IPv6: [ADDR]:PORT)",
			     s);
			return -1;
		}
		snprintf(host, sizeof(host), "%.*s", (int)(colon - s), s);
		port = colon + 1;
	}
	if (conf_parse_u32(port, &pnum) || pnum < 1 || pnum > 65535) {
		ierr(why, len, "'%s': port must be 1..65535", s);
		return -1;
	}
	if (fill_addr(host, v6, (uint16_t)pnum, a)) {
		ierr(why, len, "'%s': '%s' is not a numeric IPv%c address", s,
		     host, v6 ? '6' : '4');
		return -1;
	}
	snprintf(a->text, sizeof(a->text), "%s", s);
	return 0;
}
