/* SPDX-License-Identifier: MIT */
/*
 * The byte transport to quorumd's control socket (a Unix stream socket,
 * root only): connect, send a whole request, read a whole reply, each
 * bounded by a deadline so that a frozen daemon cannot hang the tool.
 * What the bytes mean is ctlmsg.c's business.
 */
#ifndef QC_CTL_H
#define QC_CTL_H

#include <stddef.h>
#include <stdint.h>

#include "quorumctl.h"

#define QC_CTL_TIMEOUT_MS 5000	/* per request: connect, send, reply */

struct qc_ctl {
	int fd;
	const char *path;
	int timeout_ms;
};

int qc_ctl_check_path(const char *path);
int qc_ctl_open(struct qc_ctl *c, const char *path, int timeout_ms,
		struct qc_err *err);
void qc_ctl_close(struct qc_ctl *c);
int qc_ctl_send(struct qc_ctl *c, const void *buf, size_t len,
		struct qc_err *err);
int qc_ctl_recv(struct qc_ctl *c, void *buf, size_t len, struct qc_err *err);

#endif /* QC_CTL_H */
