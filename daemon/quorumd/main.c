// SPDX-License-Identifier: MIT
/*
 * quorumd: the qfence quorum daemon.
 *
 *   quorumd [-f] [-v] [-c FILE]         run (foreground with -f)
 *   quorumd --check-config [-c FILE]    validate FILE, the key file, the
 *                                       data directory, print W, exit
 *   quorumd --no-kernel ...             TEST ONLY: no kernel module
 *
 * Modules are started in order and stopped in reverse (chrony's shape).
 * Signals arrive through a signalfd in the loop: SIGTERM/SIGINT (and
 * `quorumctl leave`, the control socket's LEAVE) is a clean leave (hand leadership over, disarm the kernel lease unless NOWAYOUT,
 * stop the hardware watchdog), SIGHUP reloads what can change safely (the
 * hooks), SIGUSR1 toggles debug logging, SIGUSR2 exits for a restart
 * without leaving (the lease stays; hitless within L), SIGCHLD reaps hooks.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "bootid.h"
#include "quorumd.h"

#define DEFAULT_CONF "/etc/qfence/quorumd.conf"

struct qd *qd_global;

static uint64_t rand64(void *arg)
{
	uint64_t v;

	(void)arg;
	randombytes_buf(&v, sizeof(v));
	return v;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: quorumd [-f] [-v] [-c FILE]\n"
		"       quorumd --check-config [-c FILE]\n"
		"       quorumd --version\n"
		"  -c, --config FILE   configuration (default " DEFAULT_CONF ")\n"
		"  -f, --foreground    do not detach (systemd: Type=notify)\n"
		"  -v, --verbose       debug logging (SIGUSR1 toggles it)\n"
		"  signals: TERM leave the cluster (as quorumctl leave); USR2\n"
		"           exit for a restart without leaving (hitless\n"
		"           within L); HUP reload\n"
		"      --check-config  validate FILE, the key file and data_dir,\n"
		"                      look for the module, print W, exit\n"
		"      --no-kernel     TEST ONLY: run without qfence.ko; the\n"
		"                      lease is emulated and protects nothing\n"
		"      --allow-log-only  TEST ONLY: accept qfence.ko loaded\n"
		"                      with log_only=Y (F is not enforced)\n");
}

static int load(struct qd *d)
{
	uint8_t key[QF_WIRE_KEY_LEN];
	char err[512];
	int rc;

	if (qf_conf_load(&d->conf, d->conf_path, err, sizeof(err))) {
		LOG(ERR, "%s", err);
		return -1;
	}
	for (unsigned int i = 0; i < d->conf.nwarn; i++)
		LOG(WARN, "%s", d->conf.warn[i]);
	if (qd_core_config(&d->conf, &d->core_cfg, err, sizeof(err))) {
		LOG(ERR, "%s: timing refused: %s", d->conf_path, err);
		return -1;
	}
	if (qf_wire_key_load(d->conf.key_file, key, err, sizeof(err))) {
		LOG(ERR, "%s", err);
		return -1;
	}
	/* The boot comes in start_core, durable under the store's lock. */
	rc = qf_wire_init(&d->wire, key, d->conf.name, d->conf.node_id, 0);
	sodium_memzero(key, sizeof(key));
	return rc ? -1 : 0;
}

/*
 * This start's boot_id: one value per start (design.md rule 3) that only
 * grows and is durable before the first datagram is sent (rule 11, infra
 * bootid.h). After the store is open: its LOCK keeps a second daemon on
 * this data directory away.
 */
static int boot_init(struct qd *d)
{
	char err[512];

	if (qf_boot_next(d->conf.data_dir, qf_boot_clock_us(), &d->boot_id,
			 err, sizeof(err))) {
		LOG(ERR, "%s", err);
		return -1;
	}
	return qf_wire_set_boot(&d->wire, d->boot_id) ? -1 : 0;
}

static int start_core(struct qd *d)
{
	struct qf_persist ps;
	int rc;

	if (persist_init(d, &ps))
		return -1;
	if (boot_init(d))
		return -1;
	rc = qf_raft_init(&d->raft, &d->core_cfg, &ps, d->boot_id, rand64,
			  NULL);
	persist_loaded_done();
	if (rc) {
		LOG(ERR, "core refused the persisted state: %s",
		    qf_strerror(rc));
		return -1;
	}
	LOG(INFO, "node %" PRIu32 " of cluster %s, boot_id %016" PRIx64
	    ", W = %" PRId64 " ms", d->conf.node_id, d->conf.name, d->boot_id,
	    NS_MS(d->raft.wait));
	return 0;
}

/* ---- main ---- */

static int parse_args(struct qd *d, int argc, char **argv, bool *check)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "foreground", no_argument, NULL, 'f' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "check-config", no_argument, NULL, 'C' },
		{ "no-kernel", no_argument, NULL, 'N' },
		{ "allow-log-only", no_argument, NULL, 'L' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ 0 }
	};
	int o;

	d->conf_path = DEFAULT_CONF;
	while ((o = getopt_long(argc, argv, "c:fvh", opts, NULL)) != -1) {
		switch (o) {
		case 'c': d->conf_path = optarg; break;
		case 'f': d->foreground = true; break;
		case 'v': qd_log_level = LOG_DEBUG_; break;
		case 'C': *check = true; break;
		case 'N': d->no_kernel = true; break;
		case 'L': d->allow_log_only = true; break;
		case 'h': usage(stdout); exit(0);
		case 'V': printf("quorumd %s\n", QFENCE_VERSION); exit(0);
		default: usage(stderr); return -1;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "quorumd: unexpected argument '%s'\n",
			argv[optind]);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct qd *d = calloc(1, sizeof(*d));
	bool check = false;
	int rc = 1;

	if (!d || parse_args(d, argc, argv, &check))
		return 2;
	if (check)
		return qd_check_config(d->conf_path, d->no_kernel);
	qd_global = d;
	d->epfd = d->tfd = d->sigfd = d->ctl_fd = d->wdt_fd = -1;
	qd_log_init();
	if (sodium_init() < 0) {
		LOG(ERR, "libsodium init failed");
		return 1;
	}
	d->started = qd_now();
	if (load(d))
		goto out;
	if (!d->foreground && daemon(0, 1) < 0) {
		LOG(ERR, "daemon: %s", strerror(errno));
		goto out;
	}
	if (start_core(d))
		goto out_wire;
	rejoin_init(d);		/* before the kernel: its lease's freshness */
	if (kern_init(d))
		goto out_store;
	if (net_init(d))
		goto out_kern;
	if (ctl_init(d))
		goto out_net;
	if (runtime_init(d))
		goto out_ctl;
	if (qd_pr_init(d, &qd_pr_dev_ops, NULL))
		goto out_runtime;
	if (loop_init(d))
		goto out_pr;
	runtime_ready(d);
	rc = loop_run(d) ? 1 : 0;
	LOG(INFO, "exiting%s", rc ? " after an error" : "");
	loop_fini(d);
out_pr:
	qd_pr_fini(d);
out_runtime:
	runtime_fini(d);
out_ctl:
	ctl_fini(d);
out_net:
	net_fini(d);
out_kern:
	kern_fini(d);
out_store:
	persist_fini(d);
out_wire:
	qf_wire_fini(&d->wire);
out:
	free(d);
	return rc;
}
