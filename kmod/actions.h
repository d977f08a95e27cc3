/* SPDX-License-Identifier: GPL-2.0 */
/*
 * qfence actions: what follows a fence besides refusing IO. The settle
 * bound (design.md §2, F) and the optional reboot or panic.
 */
#ifndef _QFENCE_ACTIONS_H
#define _QFENCE_ACTIONS_H

#include "lease.h"

extern bool qfence_log_only;

void qfence_actions_init(struct qfence_lease *l);
void qfence_actions_start(struct qfence_lease *l, u64 inflight);
void qfence_actions_drained(struct qfence_lease *l);
void qfence_actions_cancel(struct qfence_lease *l);
void qfence_actions_log(const struct qfence_ev_rec *ev);

#endif /* _QFENCE_ACTIONS_H */
