/* SPDX-License-Identifier: MIT */
/*
 * qfence daemon: configuration file (quorumd.conf).
 *
 * INI syntax, parsed with inih. Sections and keys are documented in
 * quorumd.conf.example. Every error names file:line and the key, unknown
 * sections and keys are errors, values are range-checked, and the timing is
 * checked against design.md §2 (liveness rule, safety inequality) before the
 * file is accepted. A file that fails leaves the caller's struct unchanged,
 * so a reload (SIGHUP) with a broken file keeps the running configuration.
 */
#ifndef QF_INFRA_CONF_H
#define QF_INFRA_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>

#include "config.h"		/* the core's struct qf_timing, validator */
#include "uapi/qfence.h"

#define QF_CONF_MAX_PEERS	9	/* members; = QF_MAX_VOTERS of the core */
#define QF_CONF_MAX_ADDRS	2	/* links per node; = QF_MAX_ADDRS */
#define QF_CONF_MAX_ID		65535U
#define QF_CONF_NAME_LEN	64
#define QF_CONF_PATH_LEN	192
#define QF_CONF_CMD_LEN		192
#define QF_CONF_MAX_WARN	4

enum qf_conf_profile {
	QF_CONF_PROFILE_DEFAULT,	/* design.md §5, first column */
	QF_CONF_PROFILE_FAST,		/* design.md §5, fast profile */
};

/* design.md §2.11: the node's rejoin policy. */
enum qf_conf_rejoin {
	QF_CONF_REJOIN_UNSET,		/* resolved by the loader */
	QF_CONF_REJOIN_MANUAL,		/* only quorumctl rejoin */
	QF_CONF_REJOIN_AFTER_REBOOT,	/* a new kernel boot, a fresh lease */
	QF_CONF_REJOIN_WHEN_IDLE,	/* io-only: no opener, no mount */
};

/* Timing knobs of design.md §5, in milliseconds (rho in ppm). */
struct qf_conf_timing {
	uint32_t heartbeat_ms;
	uint32_t election_min_ms;
	uint32_t election_max_ms;
	uint32_t lease_ms;		/* L */
	uint32_t settle_ms;		/* F */
	uint32_t rho_ppm;		/* ρ */
	uint32_t margin_ms;		/* round-trip margin of the liveness rule */
};

struct qf_conf_addr {
	struct sockaddr_storage sa;	/* AF_INET or AF_INET6, port set */
	socklen_t len;
	char text[80];			/* as written, for messages */
};

struct qf_conf_peer {
	uint32_t id;
	bool witness;			/* votes, holds no lease (design.md §4) */
	unsigned int naddrs;
	struct qf_conf_addr addr[QF_CONF_MAX_ADDRS];
	int line;			/* where it was defined */
};

#define QF_CONF_MAX_PR 8		/* pr_device lines */

struct qf_conf {
	char file[QF_CONF_PATH_LEN];
	/* [cluster] */
	char name[QF_CONF_NAME_LEN];
	char key_file[QF_CONF_PATH_LEN];
	enum qf_conf_profile profile;
	struct qf_conf_timing timing;
	uint32_t fence_after_ms;	/* 0: the core's default */
	uint32_t pr_fence_after_ms;	/* with pr_device; 0: election_max */
	uint32_t flap_max;		/* design.md §2.11; 0: the core's */
	uint32_t flap_window_s;		/* default (3 in 3600 s) */
	/* [node] */
	uint32_t node_id;
	char lease_name[QFENCE_NAME_LEN];
	uint32_t actions;		/* QFENCE_ACTION_* */
	uint32_t reboot_delay_ms;
	bool nowayout;
	char data_dir[QF_CONF_PATH_LEN];
	char control_socket[QF_CONF_PATH_LEN];
	bool mlockall;
	int sched_rr_priority;		/* 0: normal scheduling */
	char watchdog_device[QF_CONF_PATH_LEN];	/* "": none */
	uint32_t watchdog_timeout_s;	/* required with a device */
	char on_fenced[QF_CONF_CMD_LEN];	/* "": none */
#define QF_CONF_HOOK_TIMEOUT_MS 10000
	char on_lease_lost[QF_CONF_CMD_LEN];
	/* design.md rule 13: every SCSI path device of every fenced LUN */
	unsigned int n_pr_devices;
	char pr_devices[QF_CONF_MAX_PR][QF_CONF_PATH_LEN];
	bool require_pr;		/* refuse to start without working PR */
	uint32_t hook_timeout_ms;	/* a hook running longer is killed */
	enum qf_conf_rejoin rejoin;	/* never UNSET after a load */
	/* [peer.N] sections and peer = lines */
	unsigned int npeers;
	struct qf_conf_peer peers[QF_CONF_MAX_PEERS];
	/* Derived */
	uint64_t wait_ms;		/* W = (L+F)(1+ρ)/(1−ρ), rounded up */
	unsigned int nwarn;		/* accepted, but worth telling */
	char warn[QF_CONF_MAX_WARN][200];
};

/*
 * Load and validate a file. On success fills *c and returns 0. On failure
 * returns -1 with "file:line: key: reason" in err, and *c is untouched.
 */
int qf_conf_load(struct qf_conf *c, const char *path, char *err, size_t errlen);

/* The same from a string; fname names it in messages. */
int qf_conf_load_string(struct qf_conf *c, const char *fname, const char *text,
			char *err, size_t errlen);

/* The design.md §5 values of a profile. */
void qf_conf_timing_profile(struct qf_conf_timing *t, enum qf_conf_profile p);

/* The file's timing in the core's units (fence_after and wait left 0). */
void qf_conf_timing_core(const struct qf_conf_timing *t, struct qf_timing *out);

/*
 * design.md §2 timing check, usable on its own: the core's one validator
 * (qf_timing_validate, daemon/core/config.c) on the file's values. Returns
 * 0 and the core's W, rounded up to ms, in *wait_ms (may be NULL) if t is
 * safe and live; otherwise -1 and in why a sentence naming the rule broken
 * and what to change.
 */
int qf_conf_timing_check(const struct qf_conf_timing *t, uint64_t *wait_ms,
			 char *why, size_t len);

/* Parse "A.B.C.D:PORT" or "[v6addr]:PORT" (numeric only, no DNS). */
int qf_conf_parse_addr(const char *s, struct qf_conf_addr *a,
		       char *why, size_t len);

const struct qf_conf_peer *qf_conf_peer(const struct qf_conf *c, uint32_t id);
const struct qf_conf_peer *qf_conf_self(const struct qf_conf *c);

const char *qf_conf_rejoin_name(enum qf_conf_rejoin r);

/* Print the effective configuration and the derived W (--check-config). */
void qf_conf_dump(const struct qf_conf *c, FILE *f);

#endif /* QF_INFRA_CONF_H */
