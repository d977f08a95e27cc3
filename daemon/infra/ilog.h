/* SPDX-License-Identifier: MIT */
/*
 * qfence daemon infrastructure: logging.
 *
 * The infrastructure modules report through ILOG() so that the daemon can
 * route their messages (stderr, journal) and the tests can capture them.
 * The default sink writes "quorumd: <severity>: <message>" to stderr.
 */
#ifndef QF_INFRA_ILOG_H
#define QF_INFRA_ILOG_H

#include <stdarg.h>

enum ilog_severity {
	ILOG_ERR = 3,		/* syslog numbering, for the journal */
	ILOG_WARN = 4,
	ILOG_INFO = 6,
	ILOG_DEBUG = 7,
};

typedef void (*ilog_sink)(void *ctx, enum ilog_severity sev, const char *msg);

/* Route messages to sink (NULL restores the stderr sink). */
void ilog_set_sink(ilog_sink sink, void *ctx);

void ilog(enum ilog_severity sev, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define ILOG(sev, ...) ilog(ILOG_##sev, __VA_ARGS__)

/* snprintf into an error buffer, tolerating buf == NULL or len == 0. */
void ierr(char *buf, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif /* QF_INFRA_ILOG_H */
