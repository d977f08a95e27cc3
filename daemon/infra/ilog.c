// SPDX-License-Identifier: MIT
/*
 * qfence daemon infrastructure: logging sink (see ilog.h).
 */
#include <stdio.h>

#include "ilog.h"

static ilog_sink cur_sink;
static void *cur_ctx;

static const char *sev_name(enum ilog_severity sev)
{
	switch (sev) {
	case ILOG_ERR:
		return "error";
	case ILOG_WARN:
		return "warning";
	case ILOG_INFO:
		return "info";
	default:
		return "debug";
	}
}

void ilog_set_sink(ilog_sink sink, void *ctx)
{
	cur_sink = sink;
	cur_ctx = ctx;
}

void ilog(enum ilog_severity sev, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (cur_sink)
		cur_sink(cur_ctx, sev, msg);
	else
		fprintf(stderr, "quorumd: %s: %s\n", sev_name(sev), msg);
}

void ierr(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (!buf || !len)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, len, fmt, ap);
	va_end(ap);
}
