// SPDX-License-Identifier: MIT
/*
 * prin.c: crafted PERSISTENT RESERVE IN replies. A reply that is not what
 * SPC-3 describes is an error with a sentence and changes nothing; above
 * all it never reads as "the victim's key is gone" (design.md rule 13).
 */
#include <stdint.h>

#include "../prin.h"
#include "unit.h"

static uint8_t b[QF_PRIN_KEYS_LEN + 16];
static char why[256];

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24; p[1] = v >> 16; p[2] = v >> 8; p[3] = v;
}

static void put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)(v >> 32));
	put32(p + 4, (uint32_t)v);
}

/* Header with generation 9 and n keys 0x11.., 0x22.., ... */
static size_t keys_reply(unsigned int n)
{
	memset(b, 0, sizeof(b));
	put32(b, 9);
	put32(b + 4, 8 * n);
	for (unsigned int i = 0; i < n; i++)
		put64(b + 8 + 8 * i, 0x1111111111111111ULL * (i + 1));
	return 8 + 8 * n;
}

static void prin_keys_good(void)
{
	struct qf_pr_keys k;

	UT_ASSERT(qf_prin_keys(b, keys_reply(2), &k, why, sizeof(why)) == 0);
	UT_EQ(k.generation, 9);
	UT_EQ(k.n, 2);
	UT_ASSERT(qf_pr_keys_has(&k, 0x2222222222222222ULL));
	UT_ASSERT(!qf_pr_keys_has(&k, 0x3333333333333333ULL));
	/* none registered; trailing buffer space beyond the list is fine */
	UT_ASSERT(qf_prin_keys(b, keys_reply(0), &k, why, sizeof(why)) == 0);
	UT_EQ(k.n, 0);
	keys_reply(1);
	UT_ASSERT(qf_prin_keys(b, QF_PRIN_KEYS_LEN, &k, why, sizeof(why)) == 0);
	UT_EQ(k.n, 1);
}

static void prin_keys_bad(void)
{
	struct qf_pr_keys k = { .n = 77 };

	UT_ASSERT(qf_prin_keys(b, 7, &k, why, sizeof(why)) == -1);
	UT_CONTAINS(why, "shorter than its 8-byte header");
	/* the additional length lies: 3 keys claimed, 2 arrived */
	keys_reply(3);
	UT_ASSERT(qf_prin_keys(b, 8 + 16, &k, why, sizeof(why)) == -1);
	UT_CONTAINS(why, "additional length 24, but only 16 bytes");
	keys_reply(1);
	put32(b + 4, 12);
	UT_ASSERT(qf_prin_keys(b, 24, &k, why, sizeof(why)) == -1);
	UT_CONTAINS(why, "not a multiple of 8");
	put32(b + 4, 8 * (QF_PR_MAX_KEYS + 1));
	UT_ASSERT(qf_prin_keys(b, QF_PRIN_KEYS_LEN, &k, why, sizeof(why)) == -1);
	UT_CONTAINS(why, "more than the 64 read");
	UT_ASSERT(qf_prin_keys(b, QF_PRIN_KEYS_LEN + 8, &k, why,
			       sizeof(why)) == -1);
	UT_CONTAINS(why, "more than the 520 asked for");
	keys_reply(2);
	put64(b + 16, 0);
	UT_ASSERT(qf_prin_keys(b, 24, &k, why, sizeof(why)) == -1);
	UT_CONTAINS(why, "key 0 (entry 2 of 2)");
	UT_EQ(k.n, 77);		/* untouched */
}

static size_t resv_reply(uint64_t key, uint8_t scope_type)
{
	memset(b, 0, sizeof(b));
	put32(b, 4);
	put32(b + 4, 16);
	put64(b + 8, key);
	b[21] = scope_type;
	return 24;
}

static void prin_resv(void)
{
	struct qf_pr_resv r = { .key = 5 };

	UT_ASSERT(qf_prin_resv(b, resv_reply(0xabc, 7), &r, why,
			       sizeof(why)) == 0);
	UT_ASSERT(r.held && r.type == QF_PR_TYPE_WR_EX_AR && r.key == 0xabc);
	UT_ASSERT(!strcmp(qf_pr_type_name(r.type),
			  "write-exclusive-all-registrants"));
	memset(b, 0, 8);
	UT_ASSERT(qf_prin_resv(b, 8, &r, why, sizeof(why)) == 0);
	UT_ASSERT(!r.held && r.type == 0);
	r.key = 5;
	UT_ASSERT(qf_prin_resv(b, resv_reply(1, 2), &r, why, sizeof(why)) == -1);
	UT_CONTAINS(why, "unknown type 2");
	UT_ASSERT(qf_prin_resv(b, resv_reply(1, 0x17), &r, why,
			       sizeof(why)) == -1);
	UT_CONTAINS(why, "scope 1");
	resv_reply(1, 7);
	put32(b + 4, 8);
	UT_ASSERT(qf_prin_resv(b, 24, &r, why, sizeof(why)) == -1);
	UT_CONTAINS(why, "additional length 8 (0 or 16 expected)");
	resv_reply(1, 7);
	UT_ASSERT(qf_prin_resv(b, 20, &r, why, sizeof(why)) == -1);
	UT_CONTAINS(why, "only 12 bytes arrived");
	UT_ASSERT(qf_prin_resv(b, 3, &r, why, sizeof(why)) == -1);
	UT_EQ(r.key, 5);	/* untouched */
}

static void prin_caps(void)
{
	struct qf_pr_caps c = { 0 };

	memset(b, 0, 8);
	b[1] = 8;
	b[3] = 0x81;		/* TMV, PTPL_A */
	b[4] = 0x80;		/* WR_EX_AR */
	UT_ASSERT(qf_prin_caps(b, 8, &c, why, sizeof(why)) == 0);
	UT_ASSERT(c.tmv && c.wr_ex_ar && c.ptpl_a);
	b[4] = 0x02;		/* WR_EX only */
	UT_ASSERT(qf_prin_caps(b, 8, &c, why, sizeof(why)) == 0);
	UT_ASSERT(c.tmv && !c.wr_ex_ar);
	b[1] = 9;
	UT_ASSERT(qf_prin_caps(b, 8, &c, why, sizeof(why)) == -1);
	UT_CONTAINS(why, "length 9, not 8");
	UT_ASSERT(qf_prin_caps(b, 4, &c, why, sizeof(why)) == -1);
}

const struct ut_case prin_cases[] = {
	{ "prin_keys_good", prin_keys_good },
	{ "prin_keys_bad", prin_keys_bad },
	{ "prin_resv", prin_resv },
	{ "prin_caps", prin_caps },
	{ NULL, NULL },
};
