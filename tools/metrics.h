/* SPDX-License-Identifier: MIT */
/*
 * quorumd's status as Prometheus text exposition (format 0.0.4, what
 * node_exporter's textfile collector and `promtool check metrics` read).
 * Every value is one quorumd reported in the same status reply; a value it
 * marks unknown is left out, never written as 0.
 */
#ifndef QC_METRICS_H
#define QC_METRICS_H

#include <stdio.h>

#include "ctl_proto.h"

/* fc: the committed fence counts, NULL if the daemon has none to give */
void qc_print_metrics(FILE *f, const struct qfctl_status *st,
		      const struct qfctl_fence_counts *fc);

#endif /* QC_METRICS_H */
