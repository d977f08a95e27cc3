// SPDX-License-Identifier: MIT
/* Mutation names (see mutation.h); the global exists only with QF_MUTATIONS. */
#include <string.h>

#include "mutation.h"

#ifdef QF_MUTATIONS
enum qf_mutation qf_mutation = QF_MUT_NONE;
#endif

static const char *const names[__QF_MUT_LAST] = {
	[QF_MUT_NONE] = "none",
	[QF_MUT_ANCHOR_ON_RECEIPT] = "anchor-on-receipt",
	[QF_MUT_SKIP_WAIT] = "skip-wait",
	[QF_MUT_GRANT_WITHOUT_QUORUM] = "grant-without-quorum",
	[QF_MUT_ACK_AFTER_VOTE] = "ack-after-vote",
	[QF_MUT_ACK_BY_ARRIVAL] = "ack-by-arrival",
	[QF_MUT_NO_BOOT_NONCE] = "no-boot-nonce",
	[QF_MUT_GRANT_TO_FENCED] = "grant-to-fenced",
	[QF_MUT_FENCE_CHECK_ON_PROPOSE_ONLY] = "fence-check-on-propose-only",
	[QF_MUT_W_WITHOUT_DRIFT] = "w-without-drift",
	[QF_MUT_GUARD_SPARES_LEADER] = "guard-spares-leader",
	[QF_MUT_SKIP_TIMING_CHECK] = "skip-timing-check",
	[QF_MUT_PR_NO_RECORD] = "pr-no-record",
	[QF_MUT_PR_MINORITY_PREEMPT] = "pr-minority-preempt",
	[QF_MUT_PR_REREGISTER] = "pr-reregister",
	[QF_MUT_TIMING_NO_COVER] = "timing-no-cover",
	[QF_MUT_TIMING_EARLY_DONE] = "timing-early-done",
	[QF_MUT_REJOIN_NO_REBOOT_CHECK] = "rejoin-no-reboot-check",
	[QF_MUT_REJOIN_NO_GUARD] = "rejoin-no-guard",
	[QF_MUT_REJOIN_ANY_FENCE] = "rejoin-any-fence",
	[QF_MUT_GUARD_SPARES_FOLLOWER] = "guard-spares-follower",
};

const char *qf_mutation_name(enum qf_mutation m)
{
	if ((unsigned int)m >= __QF_MUT_LAST)
		return NULL;
	return names[m];
}

int qf_mutation_parse(const char *name)
{
	for (int i = 0; i < __QF_MUT_LAST; i++)
		if (name && strcmp(name, names[i]) == 0)
			return i;
	return -1;
}
