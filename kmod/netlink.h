/* SPDX-License-Identifier: GPL-2.0 */
/*
 * qfence generic netlink family "qfence": commands and events.
 */
#ifndef _QFENCE_NETLINK_H
#define _QFENCE_NETLINK_H

#include "lease.h"

int qfence_nl_init(void);
void qfence_nl_exit(void);

/* Process context, caller holds qfence_mutex. */
void qfence_nl_event(struct qfence_lease *l, u32 event, u64 ts, u32 cause);

#endif /* _QFENCE_NETLINK_H */
