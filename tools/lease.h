/* SPDX-License-Identifier: MIT */
/* The `quorumctl lease` subcommands and the helpers they share. */
#ifndef QC_LEASE_H
#define QC_LEASE_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "quorumctl.h"
#include "genl.h"

/* "lease renew NAME" with the name escaped: room for 4 bytes per char. */
#define QC_WHAT_LEN 192

extern volatile sig_atomic_t lease_quit;
void lease_catch_signals(void);

int lease_name_arg(struct qc_ctx *ctx, const char *name);
void lease_what(char *buf, size_t len, const char *verb, const char *name);
struct nl_msg *lease_req(struct qc_nl *nl, uint8_t cmd, const char *name,
			 int flags);
int lease_send(struct qc_ctx *ctx, struct qc_nl *nl, struct nl_msg *msg,
	       const char *what, qc_reply_fn fn, void *arg);

int lease_renew_main(int argc, char **argv, struct qc_ctx *ctx);
int lease_renew_loop_main(int argc, char **argv, struct qc_ctx *ctx);
int lease_bench_renew_main(int argc, char **argv, struct qc_ctx *ctx);
int lease_events_main(int argc, char **argv, struct qc_ctx *ctx);

#endif /* QC_LEASE_H */
