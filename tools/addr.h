/* SPDX-License-Identifier: MIT */
/*
 * Peer addresses as an operator types them: "10.0.0.2:7000" or
 * "[fd00::2]:7000", several separated by commas (redundant links).
 * Numeric only: a fencing tool never waits for a name server.
 */
#ifndef QC_ADDR_H
#define QC_ADDR_H

#include <stddef.h>
#include <stdint.h>

/* Longest text form: "[" 39-char IPv6 "]:" 5-digit port. */
#define QC_ADDR_STRLEN 48

struct qc_addr {
	uint8_t family;		/* 4 or 6 */
	uint16_t port;		/* host order, 1..65535 */
	uint8_t ip[16];		/* network order; IPv4 in the first 4 bytes */
};

int qc_parse_addr(const char *s, size_t len, struct qc_addr *a);
int qc_parse_addr_list(const char *s, struct qc_addr *out, size_t max,
		       size_t *n, char *why, size_t whylen);
void qc_addr_str(const struct qc_addr *a, char *buf, size_t len);

#endif /* QC_ADDR_H */
