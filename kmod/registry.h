/* SPDX-License-Identifier: GPL-2.0 */
/*
 * qfence registry: the kernel-global table of named leases and the kernel
 * side of their state machine (expiry timer, event work, module pinning).
 */
#ifndef _QFENCE_REGISTRY_H
#define _QFENCE_REGISTRY_H

#include <linux/ktime.h>
#include <linux/mutex.h>

#include "lease.h"

/* Serialises the lease table and every control operation. */
extern struct mutex qfence_mutex;
extern struct list_head qfence_leases;

int qfence_registry_init(void);
void qfence_registry_exit(void);

/* The caller holds qfence_mutex for all of these. */
struct qfence_lease *qfence_find(const char *name);
int qfence_create(const struct qfence_lease_cfg *cfg,
		  struct netlink_ext_ack *extack);
int qfence_unlink(struct qfence_lease *l, struct netlink_ext_ack *extack);
int qfence_renew(struct qfence_lease *l, u64 deadline, u64 generation,
		 struct netlink_ext_ack *extack);
void qfence_fence(struct qfence_lease *l);
int qfence_update(struct qfence_lease *l, u64 generation, u32 max_ms,
		  u32 settle_ms, struct netlink_ext_ack *extack);
int qfence_unfence(struct qfence_lease *l, u64 generation,
		   struct netlink_ext_ack *extack);
int qfence_disarm(struct qfence_lease *l, struct netlink_ext_ack *extack);
void qfence_attach(struct qfence_lease *l, struct qfence_io *io);
void qfence_detach(struct qfence_lease *l, struct qfence_io *io);

u64 qfence_failed(struct qfence_lease *l);

/* Without qfence_mutex, any context (qfence_free: process context). */
void qfence_free(struct qfence_lease *l);
void qfence_fence_kick(struct qfence_lease *l);
void qfence_fence_kick_async(struct qfence_lease *l);
void qfence_drain_check(struct qfence_lease *l);
void qfence_queue_work(struct qfence_lease *l);
void qfence_flush_events(void);

#endif /* _QFENCE_REGISTRY_H */
