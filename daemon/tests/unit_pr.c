// SPDX-License-Identifier: MIT
/* The storage fence's pure parts (pr.h): keys, registration lifecycle
 * (design.md rule 13, §2.9). */
#include "pr.h"
#include "raft.h"
#include "test.h"

/* cluster 16 | node 16 | generation 32, never 0; what does not fit is
 * refused rather than truncated into another node's key. */
static void keys(void)
{
	uint64_t k = 0;
	uint16_t c = qf_pr_cluster_hash("prod");

	CHECK(c != 0);
	CHECK_EQ(c, qf_pr_cluster_hash("prod"));	/* stable */
	CHECK(c != qf_pr_cluster_hash("prod2"));
	CHECK(qf_pr_cluster_hash("") != 0);
	CHECK_EQ(qf_pr_key(0x1234, 3, 7, &k), 0);
	CHECK_EQ(k, 0x1234000300000007ULL);
	CHECK_EQ(qf_pr_key_gen(k), 7);
	CHECK_EQ(qf_pr_key(0xffff, 0xffff, 0xffffffffULL, &k), 0);
	CHECK_EQ(k, UINT64_MAX);
	k = 5;
	CHECK_EQ(qf_pr_key(0x1234, 3, 1ULL << 32, &k), -QF_EINVAL);
	CHECK_EQ(qf_pr_key(0x1234, 1 << 16, 1, &k), -QF_EINVAL);
	CHECK_EQ(qf_pr_key(0x1234, 0, 1, &k), -QF_EINVAL);
	CHECK_EQ(qf_pr_key(0x1234, 3, 0, &k), -QF_EINVAL);
	CHECK_EQ(qf_pr_key(0, 3, 1, &k), -QF_EINVAL);
	CHECK_EQ(k, 5);		/* unchanged on refusal */
}

/*
 * Register at the committed generation; a new generation replaces the
 * key; once the storage removed the key, nothing of that generation (or
 * older) is registered again - only a newer committed one.
 */
static void reg_lifecycle(void)
{
	struct qf_pr_reg reg = { 0 };
	uint64_t want;

	CHECK_EQ(qf_pr_reg_step(&reg, 9, 3, 0, false, &want), QF_PR_NOTHING);
	CHECK_EQ(qf_pr_reg_step(&reg, 9, 3, 1, false, &want), QF_PR_REGISTER);
	CHECK_EQ(want, 0x0009000300000001ULL);
	reg.key = want;
	CHECK_EQ(qf_pr_reg_step(&reg, 9, 3, 1, true, &want), QF_PR_NOTHING);
	/* preempted: the key is gone */
	CHECK_EQ(qf_pr_reg_step(&reg, 9, 3, 1, false, &want), QF_PR_LOST);
	CHECK_EQ(reg.key, 0);
	CHECK_EQ(reg.lost_gen, 1);
	CHECK_EQ(qf_pr_reg_step(&reg, 9, 3, 1, false, &want), QF_PR_NOTHING);
	CHECK_EQ(want, 0);
	/* a rejoin committed generation 4: a new key */
	CHECK_EQ(qf_pr_reg_step(&reg, 9, 3, 4, false, &want), QF_PR_REGISTER);
	CHECK_EQ(want, 0x0009000300000004ULL);
	reg.key = want;
	/* moving on to 5 replaces the key of 4 */
	CHECK_EQ(qf_pr_reg_step(&reg, 9, 3, 5, true, &want), QF_PR_REGISTER);
	CHECK_EQ(want, 0x0009000300000005ULL);
	/* a generation beyond 32 bits: no key at all */
	reg = (struct qf_pr_reg){ 0 };
	CHECK_EQ(qf_pr_reg_step(&reg, 9, 3, 1ULL << 32, false, &want),
		 QF_PR_NOTHING);
}

const struct test_case pr_tests[] = {
	{ "keys", keys },
	{ "reg-lifecycle", reg_lifecycle },
	{ 0 },
};
