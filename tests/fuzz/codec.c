// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: the core message decoder (daemon/core/codec.c).
 *
 * Invariants (codec.h): a refused buffer leaves the message untouched;
 * whatever decodes encodes back to the very same bytes (the format has one
 * spelling per message, so no two datagrams mean the same thing), and
 * decode(encode(x)) = x for every message x the decoder can produce.
 */
#include <assert.h>
#include <stdint.h>
#include <string.h>

#include "codec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct qf_msg x, y, untouched;
	static uint8_t buf[QF_WIRE_MAX + 64];
	size_t n;

	memset(&x, 0xa7, sizeof(x));
	untouched = x;
	if (qf_msg_decode(&x, data, size)) {
		assert(!memcmp(&x, &untouched, sizeof(x)));
		return 0;
	}
	n = qf_msg_encode(&x, buf, sizeof(buf));
	assert(n == size && !memcmp(buf, data, size));
	/* one byte short: the encoder refuses rather than cut */
	assert(qf_msg_encode(&x, buf, size - 1) == 0);
	memset(&y, 0, sizeof(y));
	assert(qf_msg_decode(&y, buf, n) == 0);
	assert(qf_msg_encode(&y, buf, sizeof(buf)) == n &&
	       !memcmp(buf, data, size));
	return 0;
}
