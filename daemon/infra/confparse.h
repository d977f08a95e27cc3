/* SPDX-License-Identifier: MIT */
/*
 * The configuration parser's state, shared by its parts: conf.c (the
 * keys and their values), confcheck.c (what must hold once the whole file
 * is read) and confaddr.c (addresses). Not part of conf.h's interface.
 */
#ifndef QF_CONFPARSE_H
#define QF_CONFPARSE_H

#include "conf.h"

/* Keys whose line we remember, for duplicates and cross-key errors. */
enum key_id {
	K_NAME, K_KEY_FILE, K_PROFILE, K_HEARTBEAT, K_EMIN, K_EMAX, K_LEASE,
	K_SETTLE, K_RHO, K_MARGIN, K_FENCE_AFTER, K_PR_FENCE_AFTER,
	K_ID, K_LEASE_NAME, K_ACTIONS, K_REBOOT_DELAY, K_NOWAYOUT, K_DATA_DIR,
	K_CONTROL_SOCKET, K_MLOCKALL, K_SCHED_RR, K_WATCHDOG, K_WATCHDOG_TIMEOUT,
	K_ON_FENCED,
	K_ON_LEASE_LOST,
	K_REQUIRE_PR,
	K_HOOK_TIMEOUT,
	K_REJOIN, K_FLAP_MAX, K_FLAP_WINDOW,
	K_COUNT,
	K_PEER = K_COUNT,	/* repeatable: no duplicate tracking */
	K_PR_DEVICE,		/* repeatable, duplicates refused itself */
};

struct parse;
typedef int (*key_parser)(struct parse *p, const char *key, const char *v,
			  void *dst, uint32_t min, uint32_t max);

struct key_def {
	const char *section;
	const char *name;
	enum key_id id;
	key_parser parse;
	size_t off;		/* into struct qf_conf */
	uint32_t min, max;	/* numbers: range; strings: max length */
};

struct parse {
	struct qf_conf c;
	const char *file;
	/* Input: a FILE or a string */
	FILE *f;
	const char *s;
	int line;
	/* First error */
	int err_line;
	char err[512];
	/* Where each key was set (0 = not set) */
	int key_line[K_COUNT];
	/* The [peer.N] section the previous key came from, to catch repeats */
	char last_section[40];
};

/* The first error, at the line being parsed; inih's handler result (0). */
int conf_fail(struct parse *p, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* An error found after parsing, at a given line (0: none known); -1. */
int conf_fail_line(struct parse *p, int line, const char *key,
		   const char *fmt, ...) __attribute__((format(printf, 4, 5)));
#define fail_at(p, k, key, ...) \
	conf_fail_line(p, (k) < K_COUNT ? (p)->key_line[k] : 0, key, \
		       __VA_ARGS__)
void conf_warn(struct qf_conf *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Decimal digits only, no sign, no blank, within 32 bits: 0, or -1. */
int conf_parse_u32(const char *v, uint32_t *out);

/* confcheck.c: the whole file read, is it a configuration? 0 or -1. */
int conf_validate(struct parse *p);

#endif
