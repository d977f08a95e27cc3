// SPDX-License-Identifier: MIT
/*
 * qfwriter: the guest-side writer of the multi-VM split-brain test.
 *
 *   qfwriter DEV NODE LEASE CLAIMFILE PERIOD_MS [initial]
 *
 * Every PERIOD_MS, through the node's qfence device DEV (O_DIRECT):
 *   - reads the kernel's view of LEASE (state, generation, deadline);
 *   - writes one record to the node's own region (always tried: the kernel
 *     must refuse it while the lease is not armed, rules 6 and 8);
 *   - while it owns the contested region, writes the next contested record,
 *     after checking that its previous one is still there (a foreign record
 *     in its place means two owners interleaved).
 * Ownership: "initial" makes this node the first owner if the contested
 * region is empty. Later the on_fenced hook writes "NODE GEN" to CLAIMFILE:
 * the writer takes over only if the newest contested record belongs to
 * that NODE with a generation <= GEN. An owner whose own write fails (fenced)
 * drops ownership for good: a fenced node gives its resources up.
 *
 * Log lines on stdout: "W <boottime_ns> <realtime_ns> <event> key=value...".
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "qfrec.h"
#include "../../vm/helpers/qnl.h"

static int fd;
static uint32_t self;
static uint64_t vmboot;
static void *buf;
static struct qnl q;

struct owner {
	int own;		/* 1 while this node owns the contested region */
	uint64_t epoch, cseq, first;
};

static uint64_t clk(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static void logf_(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void logf_(const char *fmt, ...)
{
	char line[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	printf("W %" PRIu64 " %" PRIu64 " %s\n", clk(CLOCK_BOOTTIME),
	       clk(CLOCK_REALTIME), line);
	fflush(stdout);
}

static uint64_t read_vmboot(void)
{
	char s[64] = "", hex[17];
	FILE *f = fopen("/proc/sys/kernel/random/boot_id", "r");
	int n = 0;

	if (f) {
		if (!fgets(s, sizeof(s), f))
			s[0] = 0;
		fclose(f);
	}
	for (char *p = s; *p && n < 16; p++)
		if (*p != '-' && *p != '\n')
			hex[n++] = *p;
	hex[n] = 0;
	return strtoull(hex, NULL, 16);
}

static int put(uint32_t kind, uint64_t gen, uint64_t seq, uint64_t epoch,
	       uint64_t off)
{
	struct qfrec *r = buf;

	memset(buf, 0, QR_SLOT);
	r->magic = QR_MAGIC;
	r->node = self;
	r->kind = kind;
	r->gen = gen;
	r->seq = seq;
	r->epoch = epoch;
	r->vmboot = vmboot;
	r->boot_ns = clk(CLOCK_BOOTTIME);
	r->real_ns = clk(CLOCK_REALTIME);
	qr_seal(r);
	if (pwrite(fd, buf, QR_SLOT, (off_t)off) != QR_SLOT)
		return -errno ? -errno : -EIO;
	return 0;
}

/* Scan [off, off + slots * 512) for the valid record with the largest seq
 * (of node `only` if non-zero). Returns 1 and fills *best if one exists. */
static int scan(uint64_t off, uint64_t slots, uint32_t only, struct qfrec *best)
{
	const size_t chunk = 1 << 20;
	void *big;
	int found = 0;

	if (posix_memalign(&big, 4096, chunk))
		return -ENOMEM;
	for (uint64_t done = 0; done < slots * QR_SLOT; done += chunk) {
		if (pread(fd, big, chunk, (off_t)(off + done)) != (ssize_t)chunk) {
			free(big);
			return -EIO;
		}
		for (size_t i = 0; i < chunk; i += QR_SLOT) {
			const struct qfrec *r = (const void *)((char *)big + i);

			if (!qr_valid(r) || (only && r->node != only))
				continue;
			if (!found || r->seq > best->seq)
				*best = *r;
			found = 1;
		}
	}
	free(big);
	return found;
}

static void take(struct owner *o, uint64_t epoch, uint64_t cseq,
		 const char *why, uint32_t from, uint64_t fgen)
{
	o->own = 1;
	o->epoch = epoch;
	o->cseq = cseq;
	o->first = cseq;
	logf_("takeover epoch=%" PRIu64 " cseq=%" PRIu64 " from=%" PRIu32
	      " from_gen=%" PRIu64 " why=%s", epoch, cseq, from, fgen, why);
}

static void claim(struct owner *o, uint32_t x, uint64_t g, int initial)
{
	struct qfrec top;
	int rc = scan(QR_COFF, QR_CSLOTS, 0, &top);

	if (rc < 0) {
		logf_("claim-failed from=%" PRIu32 " gen=%" PRIu64 " scan=%d",
		      x, g, rc);
		return;
	}
	if (initial) {
		if (rc == 0)
			take(o, 1, 0, "initial", 0, 0);
		else
			logf_("claim-ignored initial owner=%" PRIu32
			      " epoch=%" PRIu64, top.node, top.epoch);
		return;
	}
	/* A fence of a later generation of the same node also ends the
	 * owner's generation: the kernel lease moved past it. This keeps the
	 * region from staying orphaned when the hook of the owner's own
	 * fence found no claimer (all others fenced at that moment). qfcheck
	 * still demands a committed NODE_FENCED of exactly the owner's
	 * (node, generation) before every takeover. */
	if (rc == 1 && top.node == x && top.gen <= g && x != self)
		take(o, top.epoch + 1, top.seq + 1, "fenced", x, g);
	else
		logf_("claim-ignored from=%" PRIu32 " gen=%" PRIu64
		      " owner=%" PRIu32 " owner_gen=%" PRIu64, x, g,
		      rc ? top.node : 0, rc ? top.gen : 0);
}

static int read_claim(const char *path, uint32_t *x, uint64_t *g)
{
	FILE *f = fopen(path, "r");
	int n;

	if (!f)
		return 0;
	n = fscanf(f, "%" SCNu32 " %" SCNu64, x, g);
	fclose(f);
	unlink(path);
	return n == 2;
}

static void contested(struct owner *o, uint64_t gen)
{
	const struct qfrec *r = buf;
	int rc;

	if (o->cseq > o->first) {
		if (pread(fd, buf, QR_SLOT, (off_t)qr_cslot_off(o->cseq - 1)) ==
		    QR_SLOT && (!qr_valid(r) || r->node != self ||
				r->epoch != o->epoch))
			logf_("overwritten cseq=%" PRIu64 " by_node=%" PRIu32
			      " by_epoch=%" PRIu64 " valid=%d", o->cseq - 1,
			      r->node, r->epoch, qr_valid(r));
	}
	rc = put(QR_KIND_CONTESTED, gen, o->cseq, o->epoch,
		 qr_cslot_off(o->cseq));
	if (rc) {
		logf_("drop epoch=%" PRIu64 " cseq=%" PRIu64 " err=%d",
		      o->epoch, o->cseq, rc);
		o->own = 0;
		return;
	}
	if (o->cseq == o->first)
		logf_("cwrite-first epoch=%" PRIu64 " cseq=%" PRIu64
		      " gen=%" PRIu64, o->epoch, o->cseq, gen);
	o->cseq++;
}

int main(int argc, char **argv)
{
	struct owner o = { 0 };
	struct qlease l, last = { .state = 99 };
	uint64_t seq = 0, period_ns, next_dl = 0;
	int initial, own_ok = -1, seq_known = 0;
	const char *dev, *lease, *claimf;

	if (argc < 6) {
		fprintf(stderr, "usage: qfwriter DEV NODE LEASE CLAIMFILE PERIOD_MS [initial]\n");
		return 2;
	}
	dev = argv[1];
	self = (uint32_t)atoi(argv[2]);
	lease = argv[3];
	claimf = argv[4];
	period_ns = strtoull(argv[5], NULL, 10) * 1000000ULL;
	initial = argc > 6 && !strcmp(argv[6], "initial");
	if (self < 1 || self > QR_MAXNODES || !period_ns) {
		fprintf(stderr, "qfwriter: bad node or period\n");
		return 2;
	}
	vmboot = read_vmboot();
	fd = open(dev, O_RDWR | O_DIRECT);
	if (fd < 0 || posix_memalign(&buf, 4096, 4096) || qnl_open(&q)) {
		fprintf(stderr, "qfwriter: %s: %s\n", dev, strerror(errno));
		return 1;
	}
	logf_("start node=%" PRIu32 " vmboot=%016" PRIx64 " dev=%s", self,
	      vmboot, dev);
	for (;;) {
		uint32_t x;
		uint64_t g;
		int rc;

		memset(&l, 0, sizeof(l));
		if (qnl_get(&q, lease, &l))
			l.state = 9;	/* no such lease (yet) */
		if (l.state != last.state || l.generation != last.generation)
			logf_("lease state=%u gen=%" PRIu64 " deadline=%" PRIu64
			      " fenced_ns=%" PRIu64, l.state, l.generation,
			      l.deadline_ns, l.fenced_ns);
		if (clk(CLOCK_BOOTTIME) >= next_dl) {
			logf_("dl state=%u gen=%" PRIu64 " deadline=%" PRIu64,
			      l.state, l.generation, l.deadline_ns);
			next_dl = clk(CLOCK_BOOTTIME) + 200000000ULL;
		}
		last = l;
		if (!seq_known && l.state == QFENCE_STATE_ARMED) {
			struct qfrec top;

			rc = scan(QR_OOFF(self), QR_OSLOTS, self, &top);
			if (rc >= 0) {
				seq = rc ? top.seq + 1 : 0;
				seq_known = 1;
				logf_("own-seq start=%" PRIu64, seq);
			}
		}
		if (initial && seq_known) {
			claim(&o, 0, 0, 1);
			initial = 0;
		}
		if (read_claim(claimf, &x, &g))
			claim(&o, x, g, 0);
		/* The record carries the generation of the lease only when the
		 * writer saw it armed; otherwise 0: a rejoin may re-arm the
		 * lease with a newer generation between this LEASE_GET and the
		 * write, and a landed write then belongs to that one. Before
		 * the lease was first armed the write goes to a scratch slot in
		 * the unused first MiB. A write that lands although the lease
		 * is still not armed afterwards was admitted by a fenced or
		 * disarmed lease: a rule 6/8 breach, logged and counted. */
		rc = put(QR_KIND_OWN, l.state == QFENCE_STATE_ARMED ?
			 l.generation : 0, seq, 0, seq_known ?
			 qr_oslot_off(self, seq) : self * 8ULL * QR_SLOT);
		if (!rc && l.state != QFENCE_STATE_ARMED) {
			struct qlease after;

			if (!qnl_get(&q, lease, &after) &&
			    after.state != QFENCE_STATE_ARMED)
				logf_("rule8-breach state=%u gen=%" PRIu64,
				      after.state, after.generation);
		}
		if (!rc && seq_known)
			seq++;
		if ((rc == 0) != (own_ok == 1))
			logf_("own %s gen=%" PRIu64 " seq=%" PRIu64 " err=%d"
			      " state=%u seq_known=%d", rc ? "refused" : "ok",
			      l.generation, seq, rc, l.state, seq_known);
		own_ok = rc == 0;
		if (o.own)
			contested(&o, l.state == QFENCE_STATE_ARMED ?
				  l.generation : 0);
		struct timespec ts = { 0, (long)period_ns };
		nanosleep(&ts, NULL);
	}
}
