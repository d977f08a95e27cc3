/* SPDX-License-Identifier: MIT */
/*
 * Output: readable tables and key/value blocks for people, one JSON value
 * per read for programs. All functions write to the FILE they are given.
 */
#ifndef QC_FORMAT_H
#define QC_FORMAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "attrs.h"

const char *qc_state_name(uint32_t state);
const char *qc_event_name(uint32_t event);
const char *qc_reason_name(uint32_t reason);
const char *qc_cause_name(uint32_t cause);
const char *qc_attr_name(int attr);
void qc_actions_str(uint32_t mask, char *buf, size_t len);
void qc_flags_str(uint32_t mask, char *buf, size_t len);
void qc_safe_name(const char *s, char *out, size_t len);

/*
 * Every JSON object the tool prints at top level (and each lease of a
 * list) starts with "schema": this version. Keys are a fixed set; a
 * change that renames or removes one bumps it (docs/man/quorumctl.8).
 */
#define QC_JSON_SCHEMA "1"

void qc_json_str(FILE *f, const char *s);
bool qc_remaining_ms(const struct qc_info *in, int64_t *ms);

void qc_print_lease_show(FILE *f, const struct qc_info *in);
void qc_print_lease_json(FILE *f, const struct qc_info *in);
void qc_print_lease_table(FILE *f, const struct qc_info *leases, size_t n);
void qc_print_lease_list_json(FILE *f, const struct qc_info *leases, size_t n);
void qc_print_event(FILE *f, const struct qc_info *in, bool json);

uint64_t qc_percentile(const uint64_t *sorted, size_t n, unsigned int pct);
void qc_print_bench(FILE *f, const char *name, uint64_t *samples_ns,
		    size_t n, bool json);

#endif /* QC_FORMAT_H */
