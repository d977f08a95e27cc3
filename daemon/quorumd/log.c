// SPDX-License-Identifier: MIT
/*
 * Logging to stderr. Under systemd (JOURNAL_STREAM set) each line starts
 * with the "<N>" priority prefix the journal understands; the
 * infrastructure's ILOG() messages are routed here too.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "ilog.h"
#include "quorumd.h"

int qd_log_level = LOG_INFO_;
static bool journal;

static void vlog(int sev, const char *fmt, va_list ap)
{
	static const char *const names[8] = {
		"emerg", "alert", "crit", "error", "warning", "notice", "info",
		"debug",
	};
	char line[512];
	struct timespec ts;

	vsnprintf(line, sizeof(line), fmt, ap);
	if (journal) {
		fprintf(stderr, "<%d>%s\n", sev, line);
		return;
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	fprintf(stderr, "%ld.%03ld quorumd[%s]: %s\n", (long)ts.tv_sec,
		ts.tv_nsec / 1000000, names[sev & 7], line);
}

void qd_log(int sev, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(sev, fmt, ap);
	va_end(ap);
}

static void sink(void *ctx, enum ilog_severity sev, const char *msg)
{
	(void)ctx;
	if ((int)sev <= qd_log_level)
		qd_log((int)sev, "%s", msg);
}

void qd_log_init(void)
{
	journal = getenv("JOURNAL_STREAM") != NULL;
	setvbuf(stderr, NULL, _IOLBF, 0);
	ilog_set_sink(sink, NULL);
}
