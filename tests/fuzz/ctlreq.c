// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: quorumd's control-socket request framing
 * (daemon/quorumd/ctl_check.c), run the way control.c's ctl_on_client runs
 * it: bytes arrive in pieces, a request is taken once complete, a refusal
 * ends the connection.
 *
 * Input: byte 0 seeds the sizes of the pieces; the rest is the stream a
 * client sends.
 *
 * Invariants:
 * - an accepted request has the magic, the version, a known code, no
 *   status, no reserved bits, and exactly its code's body, which fits the
 *   dispatcher's union and the client's buffer (quorumd.h);
 * - "need more" is only said of a request that can still complete in the
 *   client's buffer (a header that asks for more than the buffer holds is
 *   refused, never waited for);
 * - a refusal is BAD_VERSION or BAD_REQUEST, and the same header is judged
 *   the same way whatever else is buffered after it;
 * - the check reads only the header: it is given a heap copy of exactly the
 *   header (ASan sees any other read).
 */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "quorumd.h"

#define IN_MAX sizeof(((struct qd_ctl_client *)0)->in)

static int judge(const uint8_t *buf, size_t have)
{
	struct qfctl_hdr *h;
	int rc;

	if (have < sizeof(*h))
		return 1;
	h = malloc(sizeof(*h));
	assert(h);
	memcpy(h, buf, sizeof(*h));
	rc = qd_ctl_check_request(h, have);
	if (rc == 0) {
		size_t body = qd_ctl_body_len(h->code);

		assert(h->magic == QFCTL_MAGIC && h->version == QFCTL_VERSION);
		assert(!h->status && !h->reserved);
		assert(body != SIZE_MAX && h->len == sizeof(*h) + body);
		assert(body <= sizeof(union qd_ctl_req) && h->len <= IN_MAX);
		assert(have >= h->len);
	} else if (rc == 1) {
		assert(h->len > have && h->len <= IN_MAX);
	} else {
		assert(rc == -QFCTL_ST_BAD_VERSION || rc == -QFCTL_ST_BAD_REQUEST);
		/* nothing buffered after a header changes its verdict */
		assert(qd_ctl_check_request(h, (size_t)h->len + 4096) == rc);
	}
	free(h);
	return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t in[IN_MAX];
	size_t have = 0, pos = 1, piece;
	uint32_t rng;
	int rc;

	if (size < 1)
		return 0;
	rng = data[0] * 2654435761u + 1;
	while (pos < size) {
		rng = rng * 1103515245u + 12345u;
		piece = 1 + (rng >> 16) % IN_MAX;
		if (piece > IN_MAX - have)
			piece = IN_MAX - have;
		if (piece > size - pos)
			piece = size - pos;
		if (!piece)
			return 0;	/* full buffer, nothing taken: a drop */
		memcpy(in + have, data + pos, piece);
		have += piece, pos += piece;
		while ((rc = judge(in, have)) == 0) {
			uint32_t len = ((const struct qfctl_hdr *)in)->len;

			memmove(in, in + len, have - len);
			have -= len;
		}
		if (rc < 0)
			return 0;	/* answered, connection closed */
	}
	return 0;
}
