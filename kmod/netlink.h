/* SPDX-License-Identifier: GPL-2.0 */
/*
 * qfence generic netlink family "qfence": commands and events.
 */
#ifndef _QFENCE_NETLINK_H
#define _QFENCE_NETLINK_H

#include "lease.h"

int qfence_nl_init(void);
void qfence_nl_exit(void);

/* Process context, without qfence_mutex. */
void qfence_nl_send(const struct qfence_ev_rec *ev);
bool qfence_nl_is_live(void);

#endif /* _QFENCE_NETLINK_H */
