/* SPDX-License-Identifier: MIT */
/* The pure parts of the cluster commands, for their tests. */
#ifndef QC_CLUSTER_H
#define QC_CLUSTER_H

#include <stdint.h>

#include "ctl_proto.h"
#include "quorumctl.h"

int qc_node_arg(struct qc_ctx *ctx, const char *s, uint32_t *id);
int qc_member_add_req(struct qc_ctx *ctx, const char *id, const char *addrs,
		      bool witness, struct qfctl_req_member *req);
int qc_pick_transfer(const struct qfctl_status *st, uint32_t *to);

#endif /* QC_CLUSTER_H */
