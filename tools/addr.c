// SPDX-License-Identifier: MIT
/*
 * Parsing and printing of peer addresses. Every refusal says which part
 * of the list is wrong, so that `member add` can explain itself before
 * anything reaches the daemon.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "addr.h"
#include "args.h"

static int parse_port(const char *s, size_t len, uint16_t *port)
{
	char buf[8];
	uint64_t v;

	if (len == 0 || len >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (qc_parse_u64(buf, 1, 65535, &v))
		return -EINVAL;
	*port = (uint16_t)v;
	return 0;
}

static int all_zero(const uint8_t *p, size_t n)
{
	while (n--)
		if (*p++)
			return 0;
	return 1;
}

/*
 * One "A.B.C.D:PORT" or "[IPV6]:PORT" of @len bytes. No names, no zone
 * ids, no unspecified address (0.0.0.0, ::): a peer must be reachable.
 */
int qc_parse_addr(const char *s, size_t len, struct qc_addr *a)
{
	char host[INET6_ADDRSTRLEN];
	const char *colon, *hs = s;
	size_t hlen;
	struct qc_addr r = { 0 };

	if (len && s[0] == '[') {
		colon = memchr(s, ']', len);
		if (!colon || (size_t)(colon - s) + 1 >= len || colon[1] != ':')
			return -EINVAL;
		hs = s + 1;
		hlen = (size_t)(colon - hs);
		colon++;
		r.family = 6;
	} else {
		colon = memchr(s, ':', len);
		if (!colon)
			return -EINVAL;
		hlen = (size_t)(colon - s);
		r.family = 4;
	}
	if (hlen == 0 || hlen >= sizeof(host))
		return -EINVAL;
	memcpy(host, hs, hlen);
	host[hlen] = '\0';
	if (inet_pton(r.family == 4 ? AF_INET : AF_INET6, host, r.ip) != 1)
		return -EINVAL;
	if (all_zero(r.ip, sizeof(r.ip)))
		return -EADDRNOTAVAIL;
	if (parse_port(colon + 1, len - (size_t)(colon + 1 - s), &r.port))
		return -EINVAL;
	*a = r;
	return 0;
}

static int same_addr(const struct qc_addr *a, const struct qc_addr *b)
{
	return a->family == b->family && a->port == b->port &&
	       !memcmp(a->ip, b->ip, sizeof(a->ip));
}

/*
 * "ADDR:PORT[,ADDR:PORT]..." into at most @max addresses. On error @why
 * names the offending part and nothing is written to @out or @n.
 */
int qc_parse_addr_list(const char *s, struct qc_addr *out, size_t max,
		       size_t *n, char *why, size_t whylen)
{
	struct qc_addr tmp[8];
	const char *p = s, *comma;
	size_t k = 0, len, j;
	int r;

	if (max > sizeof(tmp) / sizeof(tmp[0]))
		max = sizeof(tmp) / sizeof(tmp[0]);
	for (;;) {
		comma = strchr(p, ',');
		len = comma ? (size_t)(comma - p) : strlen(p);
		if (k == max) {
			snprintf(why, whylen, "more than %zu addresses", max);
			return -E2BIG;
		}
		r = qc_parse_addr(p, len, &tmp[k]);
		if (r == -EADDRNOTAVAIL) {
			snprintf(why, whylen, "\"%.*s\" is the unspecified address",
				 (int)(len > 64 ? 64 : len), p);
			return r;
		}
		if (r) {
			snprintf(why, whylen,
				 "\"%.*s\" is not IPV4:PORT or [IPV6]:PORT (port 1..65535)",
				 (int)(len > 64 ? 64 : len), p);
			return r;
		}
		for (j = 0; j < k; j++)
			if (same_addr(&tmp[j], &tmp[k])) {
				snprintf(why, whylen, "\"%.*s\" given twice",
					 (int)(len > 64 ? 64 : len), p);
				return -EEXIST;
			}
		k++;
		if (!comma)
			break;
		p = comma + 1;
	}
	memcpy(out, tmp, k * sizeof(*out));
	*n = k;
	return 0;
}

void qc_addr_str(const struct qc_addr *a, char *buf, size_t len)
{
	char host[INET6_ADDRSTRLEN];

	if ((a->family != 4 && a->family != 6) ||
	    !inet_ntop(a->family == 4 ? AF_INET : AF_INET6, a->ip, host, sizeof(host))) {
		snprintf(buf, len, "?");
		return;
	}
	if (a->family == 4)
		snprintf(buf, len, "%s:%u", host, a->port);
	else
		snprintf(buf, len, "[%s]:%u", host, a->port);
}
