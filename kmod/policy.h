/* SPDX-License-Identifier: GPL-2.0 */
/*
 * qfence netlink attribute policy: the nla_policy tables of each command
 * and the checks a policy table cannot express (required attributes,
 * defaults, combinations, name syntax). Pure: netlink.c and the KUnit
 * suite qfence_policy share them.
 */
#ifndef _QFENCE_POLICY_H
#define _QFENCE_POLICY_H

#include <net/netlink.h>

#include "lease.h"

extern const struct nla_policy qfence_policy_new[QFENCE_A_MAX + 1];
extern const struct nla_policy qfence_policy_renew[QFENCE_A_MAX + 1];
extern const struct nla_policy qfence_policy_update[QFENCE_A_MAX + 1];
extern const struct nla_policy qfence_policy_name[QFENCE_A_MAX + 1];
extern const struct nla_policy qfence_policy_unfence[QFENCE_A_MAX + 1];

int qfence_policy_check_name(struct nlattr **tb,
			     struct netlink_ext_ack *extack,
			     const char **name);
int qfence_policy_check_new(struct nlattr **tb,
			    struct netlink_ext_ack *extack, bool log_only,
			    struct qfence_lease_cfg *cfg);
int qfence_policy_check_renew(struct nlattr **tb,
			      struct netlink_ext_ack *extack,
			      u64 *deadline, u64 *generation);
int qfence_policy_check_unfence(struct nlattr **tb,
				struct netlink_ext_ack *extack,
				u64 *generation);
int qfence_policy_check_update(struct nlattr **tb,
			       struct netlink_ext_ack *extack,
			       u64 *generation, u32 *max_ms, u32 *settle_ms);

#endif /* _QFENCE_POLICY_H */
