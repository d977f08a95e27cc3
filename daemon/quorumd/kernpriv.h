/* SPDX-License-Identifier: MIT */
/*
 * The kernel lease's parts (kernel.c describes what the daemon does with
 * the lease): kernnl.c the netlink requests and the trust in their
 * answers, kernstart.c start (create or adopt) and stop, kernel.c events,
 * grants, fence, rejoin, timing and leave.
 */
#ifndef QD_KERNPRIV_H
#define QD_KERNPRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libmnl/libmnl.h>

#include "quorumd.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

/* the generation the kernel armed last, for a restart's adoption */
#define ARMED_GEN_FILE "lease-armed-gen"

const char *kn_state_name(uint32_t s);
bool kn_trusted(struct qd_kernel *k, const struct sockaddr_nl *from,
		const struct nlmsghdr *h, uint16_t type, bool ack_ok);
int kn_request(struct qd_kernel *k, size_t len, void *reply,
	       size_t *reply_len);
uint32_t kn_nl_timeout_ms(const struct qd *d);
struct mnl_socket *kn_open_sock(uint32_t *portid, uint32_t timeout_ms);
int kn_resolve(struct qd_kernel *k);
void kn_emu_save(struct qd *d);
void kn_lapsed(struct qd *d, uint64_t gen, const char *why);

#endif
