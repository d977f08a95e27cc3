// SPDX-License-Identifier: MIT
/*
 * PERSISTENT RESERVE IN decoding (see prin.h). The storage fence believes
 * a key gone only when a well-formed READ KEYS says so (design.md rule 13):
 * a reply that is not exactly what SPC-3 describes must never read as
 * "no keys", which would let a fence commit without W.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "prin.h"

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static uint64_t be64(const uint8_t *p)
{
	return (uint64_t)be32(p) << 32 | be32(p + 4);
}

/* Every refusal: a sentence in why, -1, nothing written to out. */
#define BAD(...) (snprintf(why, whylen, __VA_ARGS__), -1)

const char *qf_pr_type_name(uint8_t type)
{
	switch (type) {
	case 0: return "none";
	case QF_PR_TYPE_WR_EX: return "write-exclusive";
	case QF_PR_TYPE_EX_AC: return "exclusive-access";
	case QF_PR_TYPE_WR_EX_RO: return "write-exclusive-registrants-only";
	case QF_PR_TYPE_EX_AC_RO: return "exclusive-access-registrants-only";
	case QF_PR_TYPE_WR_EX_AR: return "write-exclusive-all-registrants";
	case QF_PR_TYPE_EX_AC_AR: return "exclusive-access-all-registrants";
	default: return NULL;
	}
}

int qf_prin_keys(const uint8_t *buf, size_t len, struct qf_pr_keys *out,
		 char *why, size_t whylen)
{
	struct qf_pr_keys k = { 0 };
	uint32_t add;

	if (len < 8)
		return BAD("READ KEYS reply of %zu bytes, "
			   "shorter than its 8-byte header", len);
	if (len > QF_PRIN_KEYS_LEN)
		return BAD("READ KEYS reply of %zu bytes, more "
			   "than the %d asked for", len, QF_PRIN_KEYS_LEN);
	add = be32(buf + 4);
	if (add % 8)
		return BAD("READ KEYS additional length %" PRIu32
			   " is not a multiple of 8", add);
	if (add > 8 * QF_PR_MAX_KEYS)
		return BAD("READ KEYS lists %" PRIu32 " keys, more "
			   "than the %d read", add / 8, QF_PR_MAX_KEYS);
	if (8 + (size_t)add > len)
		return BAD("READ KEYS additional length %" PRIu32
			   ", but only %zu bytes of keys arrived", add,
			   len - 8);
	k.generation = be32(buf);
	k.n = add / 8;
	for (unsigned int i = 0; i < k.n; i++) {
		k.key[i] = be64(buf + 8 + 8 * i);
		if (!k.key[i])
			return BAD("READ KEYS lists key 0 (entry "
				   "%u of %u), which cannot be registered",
				   i + 1, k.n);
	}
	*out = k;
	return 0;
}

int qf_prin_resv(const uint8_t *buf, size_t len, struct qf_pr_resv *out,
		 char *why, size_t whylen)
{
	struct qf_pr_resv r = { 0 };
	uint32_t add;

	if (len < 8)
		return BAD("READ RESERVATION reply of %zu bytes, "
			   "shorter than its 8-byte header", len);
	add = be32(buf + 4);
	if (add != 0 && add != 16)
		return BAD("READ RESERVATION additional length "
			   "%" PRIu32 " (0 or 16 expected)", add);
	if (8 + (size_t)add > len)
		return BAD("READ RESERVATION additional length "
			   "%" PRIu32 ", but only %zu bytes arrived", add,
			   len - 8);
	r.generation = be32(buf);
	if (add == 16) {
		uint8_t scope = buf[21] >> 4, type = buf[21] & 0xf;

		if (scope != 0)
			return BAD("READ RESERVATION scope %u, "
				   "not LU_SCOPE (0)", scope);
		if (!type || !qf_pr_type_name(type))
			return BAD("READ RESERVATION of unknown "
				   "type %u", type);
		r.held = true;
		r.key = be64(buf + 8);
		r.type = type;
	}
	*out = r;
	return 0;
}

/* REPORT CAPABILITIES (SPC-3 6.11.4): length 8, type mask in bytes 4-5. */
int qf_prin_caps(const uint8_t *buf, size_t len, struct qf_pr_caps *out,
		 char *why, size_t whylen)
{
	struct qf_pr_caps c = { 0 };
	unsigned int n;

	if (len < 8)
		return BAD("REPORT CAPABILITIES reply of %zu "
			   "bytes, shorter than 8", len);
	n = (unsigned int)buf[0] << 8 | buf[1];
	if (n != 8)
		return BAD("REPORT CAPABILITIES length %u, not "
			   "8", n);
	c.tmv = buf[3] & 0x80;
	c.ptpl_a = buf[3] & 0x01;
	c.wr_ex_ar = c.tmv && (buf[4] & 0x80);
	*out = c;
	return 0;
}

bool qf_pr_keys_has(const struct qf_pr_keys *k, uint64_t key)
{
	for (unsigned int i = 0; i < k->n; i++)
		if (k->key[i] == key)
			return true;
	return false;
}
