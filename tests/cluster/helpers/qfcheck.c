// SPDX-License-Identifier: MIT
/*
 * qfcheck: the host-side checker of the multi-VM split-brain test.
 *
 *   qfcheck IMAGE CLOCKS FENCES KLOG [FIRSTS]
 *   qfcheck --craft DIR clean|stale|interleave|overwrite|rule6|early
 *
 * IMAGE   the shared raw disk after the run (qfrec.h layout)
 * CLOCKS  "ID h0 h1 boot real vmboot" clock samples of every VM (qfcall
 *         --clockloop): the guest read (boot, real) between host times h0
 *         and h1 (host CLOCK_REALTIME ns)
 * FENCES  "X G LEADER REAL_MS VMBOOT": NODE_FENCED(X, G) committed on LEADER,
 *         stamped with the leader's CLOCK_REALTIME in ms (quorumd's log)
 * KLOG    "X G VMBOOT FENCED_BOOT_NS": when X's kernel fenced generation G,
 *         on X's own CLOCK_BOOTTIME
 * FIRSTS  "E C": the owner of epoch E wrote its first contested record at
 *         cseq C, and that write succeeded (the writer's log)
 *
 * Mapping a guest timestamp t to host time, conservatively and without any
 * assumption on clock rates (a paused VM freezes its clock): with samples
 * of the same VM boot, t happened after h0 of the last sample whose guest
 * reading is <= t, and before h1 of the first sample whose reading is >= t.
 * So every guest event gets a host interval [lo, hi] that surely holds it.
 * A closing sample (guest readings UINT64_MAX, h0 = h1 = the host time at
 * which that VM's QEMU was gone) bounds the writes of a crashed VM made
 * after its last real sample.
 *
 * What it proves (design.md §2, rules 5 and 6):
 *   1. stale: a record of (X, G) whose interval lies wholly after the
 *      NODE_FENCED(X, G) commit interval. A record whose interval overlaps
 *      the commit is "unproven": it neither passes nor is hidden.
 *   2. rule 6 on X's own clock: no record of (X, G) was issued after X's
 *      kernel fenced G (same clock, no mapping needed).
 *   3. contested region: along cseq the ownership epoch never goes back
 *      and each epoch has one (node, generation); an older epoch's record
 *      after a newer one means two owners interleaved. Each takeover
 *      follows a committed NODE_FENCED of the previous owner, and its first
 *      write does not precede that commit. With FIRSTS: every slot from
 *      an epoch's first write on holds that epoch or a later one; an older
 *      epoch there overwrote the new owner (a stale write whose own clock
 *      may say nothing, e.g. a VM that was paused).
 * Prints the facts, then "stale_writes=N interleave=N early=N unproven=N";
 * exit 0 only when all are 0.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "qfrec.h"

#define INF UINT64_MAX

struct sample { uint64_t h0, h1, boot, real; };
struct series { uint32_t node; uint64_t vmboot; size_t n, cap; struct sample *s; };
struct fence { uint32_t x, leader; uint64_t g, real_ms, vmboot, lo, hi; int have; };
struct kfence { uint32_t x; uint64_t g, vmboot, boot; };

static struct series ser[64];
static size_t nser;
static struct fence fen[256];
static size_t nfen;
static struct kfence kf[256];
static size_t nkf;
static struct qfrec *own, *con;
static size_t nown, ncon;
static struct { uint64_t epoch, cseq; } firsts[1024];
static size_t nfirsts;

static struct series *series_of(uint32_t node, uint64_t vmboot, int add)
{
	for (size_t i = 0; i < nser; i++)
		if (ser[i].node == node && ser[i].vmboot == vmboot)
			return &ser[i];
	if (!add || nser == 64)
		return NULL;
	ser[nser].node = node;
	ser[nser].vmboot = vmboot;
	return &ser[nser++];
}

/* host interval of guest time t on field (0 boot, 1 real) */
static void map(const struct series *s, int real, uint64_t t, uint64_t *lo,
		uint64_t *hi)
{
	*lo = 0;
	*hi = INF;
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++) {
		uint64_t v = real ? s->s[i].real : s->s[i].boot;

		if (v <= t && s->s[i].h0 > *lo)
			*lo = s->s[i].h0;
		if (v >= t && s->s[i].h1 < *hi)
			*hi = s->s[i].h1;
	}
}

/* best estimate (for latencies, never for verdicts): nearest sample */
static uint64_t estimate(const struct series *s, int real, uint64_t t)
{
	uint64_t best = INF, est = 0;

	if (!s)
		return 0;
	for (size_t i = 0; i < s->n; i++) {
		uint64_t v = real ? s->s[i].real : s->s[i].boot;
		uint64_t d = v > t ? v - t : t - v;

		if (d < best) {
			best = d;
			est = (s->s[i].h0 / 2 + s->s[i].h1 / 2) + t - v;
		}
	}
	return est;
}

static int load_clocks(const char *path)
{
	FILE *f = fopen(path, "r");
	char line[256];

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		struct sample sm;
		uint32_t node;
		uint64_t vb;
		struct series *s;

		if (sscanf(line, "%" SCNu32 " %" SCNu64 " %" SCNu64 " %" SCNu64
			   " %" SCNu64 " %" SCNx64, &node, &sm.h0, &sm.h1,
			   &sm.boot, &sm.real, &vb) != 6)
			continue;
		s = series_of(node, vb, 1);
		if (!s)
			continue;
		if (s->n == s->cap) {
			s->cap = s->cap ? 2 * s->cap : 1024;
			s->s = realloc(s->s, s->cap * sizeof(*s->s));
			if (!s->s)
				return -1;
		}
		s->s[s->n++] = sm;
	}
	fclose(f);
	return 0;
}

static int load_fences(const char *path)
{
	FILE *f = fopen(path, "r");
	char line[256];

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f) && nfen < 256) {
		struct fence *e = &fen[nfen];

		if (sscanf(line, "%" SCNu32 " %" SCNu64 " %" SCNu32 " %" SCNu64
			   " %" SCNx64, &e->x, &e->g, &e->leader, &e->real_ms,
			   &e->vmboot) != 5)
			continue;
		map(series_of(e->leader, e->vmboot, 0), 1, e->real_ms * 1000000ULL,
		    &e->lo, &e->hi);
		/* the stamp is truncated to ms: the commit is within +1 ms */
		{
			uint64_t lo2, hi2;

			map(series_of(e->leader, e->vmboot, 0), 1,
			    e->real_ms * 1000000ULL + 999999ULL, &lo2, &hi2);
			e->hi = hi2;
		}
		e->have = e->lo > 0 && e->hi != INF;
		nfen++;
	}
	fclose(f);
	return 0;
}

static int load_klog(const char *path)
{
	FILE *f = fopen(path, "r");
	char line[256];

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f) && nkf < 256) {
		struct kfence *k = &kf[nkf];

		if (sscanf(line, "%" SCNu32 " %" SCNu64 " %" SCNx64 " %" SCNu64,
			   &k->x, &k->g, &k->vmboot, &k->boot) == 4)
			nkf++;
	}
	fclose(f);
	return 0;
}

static int load_firsts(const char *path)
{
	FILE *f = fopen(path, "r");
	char line[128];

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f) && nfirsts < 1024)
		if (sscanf(line, "%" SCNu64 " %" SCNu64, &firsts[nfirsts].epoch,
			   &firsts[nfirsts].cseq) == 2)
			nfirsts++;
	fclose(f);
	return 0;
}

static int load_image(const char *path)
{
	int fd = open(path, O_RDONLY);
	struct qfrec r;
	uint64_t off;

	if (fd < 0)
		return -1;
	own = calloc(QR_MAXNODES * QR_OSLOTS, sizeof(*own));
	con = calloc(QR_CSLOTS, sizeof(*con));
	if (!own || !con)
		return -1;
	for (uint64_t i = 0; i < QR_CSLOTS; i++) {
		off = QR_COFF + i * QR_SLOT;
		if (pread(fd, &r, sizeof(r), (off_t)off) == sizeof(r) &&
		    qr_valid(&r) && r.kind == QR_KIND_CONTESTED)
			con[ncon++] = r;
	}
	for (uint32_t n = 1; n <= QR_MAXNODES; n++)
		for (uint64_t i = 0; i < QR_OSLOTS; i++) {
			off = QR_OOFF(n) + i * QR_SLOT;
			if (pread(fd, &r, sizeof(r), (off_t)off) == sizeof(r) &&
			    qr_valid(&r) && r.kind == QR_KIND_OWN && r.node == n)
				own[nown++] = r;
		}
	close(fd);
	return 0;
}

static int by_seq(const void *a, const void *b)
{
	const struct qfrec *x = a, *y = b;

	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static const struct fence *fence_of(uint32_t x, uint64_t g)
{
	const struct fence *best = NULL;

	for (size_t i = 0; i < nfen; i++)
		if (fen[i].x == x && fen[i].g == g && fen[i].have &&
		    (!best || fen[i].lo < best->lo))
			best = &fen[i];
	for (size_t i = 0; !best && i < nfen; i++)
		if (fen[i].x == x && fen[i].g == g)
			best = &fen[i];
	return best;
}

static double ms(uint64_t a, uint64_t b)
{
	return ((double)a - (double)b) / 1e6;
}

static unsigned stale, inter, early, unproven;

/* checks 1 and 2 for one record */
static void check_record(const struct qfrec *r, const char *what)
{
	const struct fence *f = fence_of(r->node, r->gen);
	uint64_t lo, hi;

	for (size_t i = 0; i < nkf; i++)
		if (kf[i].x == r->node && kf[i].g == r->gen &&
		    kf[i].vmboot == r->vmboot && r->boot_ns > kf[i].boot) {
			printf("STALE rule6 %s node=%u gen=%" PRIu64 " seq=%" PRIu64
			       " issued %.3f ms after its kernel fenced\n", what,
			       r->node, r->gen, r->seq, ms(r->boot_ns, kf[i].boot));
			stale++;
		}
	if (!f)
		return;
	map(series_of(r->node, r->vmboot, 0), 0, r->boot_ns, &lo, &hi);
	if (!f->have) {
		printf("UNPROVEN %s node=%u gen=%" PRIu64 " seq=%" PRIu64
		       ": the commit time of its fence is not mappable\n", what,
		       r->node, r->gen, r->seq);
		unproven++;
	} else if (lo > f->hi) {
		printf("STALE %s node=%u gen=%" PRIu64 " seq=%" PRIu64
		       " written >= %.1f ms after NODE_FENCED committed\n", what,
		       r->node, r->gen, r->seq, ms(lo, f->hi));
		stale++;
	} else if (hi >= f->lo) {
		printf("UNPROVEN %s node=%u gen=%" PRIu64 " seq=%" PRIu64
		       ": write [%.1f, %.1f] ms vs commit [0, %.1f] ms\n", what,
		       r->node, r->gen, r->seq, ms(lo, f->lo),
		       hi == INF ? 1e9 : ms(hi, f->lo), ms(f->hi, f->lo));
		unproven++;
	}
}

static void report_fences(void)
{
	for (size_t i = 0; i < nfen; i++) {
		const struct fence *f = &fen[i];
		const struct qfrec *last = NULL;
		uint64_t lo, hi;

		if (f != fence_of(f->x, f->g))
			continue;
		for (size_t k = 0; k < nown; k++)
			if (own[k].node == f->x && own[k].gen == f->g &&
			    (!last || own[k].seq > last->seq))
				last = &own[k];
		printf("fence node=%u gen=%" PRIu64 " leader=%u commit_host_ns=%"
		       PRIu64 "..%" PRIu64, f->x, f->g, f->leader, f->lo, f->hi);
		if (last && f->have) {
			map(series_of(last->node, last->vmboot, 0), 0,
			    last->boot_ns, &lo, &hi);
			printf(" last_own_seq=%" PRIu64 " margin_ms=%.1f", last->seq,
			       hi == INF ? -1e9 : ms(f->lo, hi));
		}
		putchar('\n');
	}
}

/* FIRSTS: a slot at or after an epoch's first write holds an older epoch */
static void check_firsts(void)
{
	for (size_t i = 0; i < ncon; i++)
		for (size_t k = 0; k < nfirsts; k++)
			if (con[i].seq >= firsts[k].cseq &&
			    con[i].epoch < firsts[k].epoch) {
				printf("STALE overwrite cseq=%" PRIu64 " holds epoch %"
				       PRIu64 " (node %u gen %" PRIu64 ") but epoch %"
				       PRIu64 " wrote from cseq %" PRIu64 " on\n",
				       con[i].seq, con[i].epoch, con[i].node,
				       con[i].gen, firsts[k].epoch, firsts[k].cseq);
				inter++;
				break;
			}
}

static void check_contested(void)
{
	uint64_t maxep = 0;
	const struct qfrec *first = NULL, *prev = NULL;

	qsort(con, ncon, sizeof(*con), by_seq);
	for (size_t i = 0; i < ncon; i++) {
		const struct qfrec *r = &con[i];

		if (r->epoch < maxep) {
			printf("STALE interleave cseq=%" PRIu64 " epoch=%" PRIu64
			       " node=%u after epoch %" PRIu64 " began\n", r->seq,
			       r->epoch, r->node, maxep);
			inter++;
			continue;
		}
		if (first && r->epoch == first->epoch &&
		    (r->node != first->node || r->gen != first->gen)) {
			printf("STALE interleave cseq=%" PRIu64 " epoch=%" PRIu64
			       " has two owners: node %u gen %" PRIu64
			       " and node %u gen %" PRIu64 "\n", r->seq, r->epoch,
			       first->node, first->gen, r->node, r->gen);
			inter++;
			continue;
		}
		if (!first || r->epoch > first->epoch) {
			prev = first;
			first = r;
			maxep = r->epoch;
			printf("epoch %" PRIu64 " owner=%u gen=%" PRIu64
			       " first_cseq=%" PRIu64 " first_write_est_ns=%" PRIu64
			       "\n", r->epoch, r->node, r->gen, r->seq,
			       estimate(series_of(r->node, r->vmboot, 0), 0,
					    r->boot_ns));
			if (prev) {
				const struct fence *f = fence_of(prev->node, prev->gen);
				uint64_t lo, hi;

				map(series_of(r->node, r->vmboot, 0), 0,
				    r->boot_ns, &lo, &hi);
				if (!f) {
					printf("EARLY takeover epoch=%" PRIu64
					       " without NODE_FENCED(%u, %" PRIu64
					       ")\n", r->epoch, prev->node, prev->gen);
					early++;
				} else if (f->have && hi < f->lo) {
					printf("EARLY takeover epoch=%" PRIu64
					       " wrote %.1f ms before NODE_FENCED\n",
					       r->epoch, ms(f->lo, hi));
					early++;
				} else {
					printf("takeover epoch=%" PRIu64 " from=%u gen=%"
					       PRIu64 " commit_est_ns=%" PRIu64
					       " first_write_est_ns=%" PRIu64 "\n",
					       r->epoch, prev->node, prev->gen,
					       f->lo / 2 + f->hi / 2,
					       estimate(series_of(r->node, r->vmboot, 0),
							0, r->boot_ns));
				}
			}
		}
	}
}

static int check(int argc, char **argv)
{
	if (load_image(argv[0]) || load_clocks(argv[1]) || load_fences(argv[2]) ||
	    load_klog(argv[3]) || (argc > 4 && load_firsts(argv[4]))) {
		fprintf(stderr, "qfcheck: cannot read the inputs: %s\n", strerror(errno));
		return 2;
	}
	printf("records own=%zu contested=%zu fences=%zu kernel_fences=%zu "
	       "clock_series=%zu\n", nown, ncon, nfen, nkf, nser);
	for (size_t i = 0; i < nfen; i++)
		if (!fen[i].have)
			printf("note: fence node=%u gen=%" PRIu64 " has no mappable "
			       "commit time\n", fen[i].x, fen[i].g);
	report_fences();
	for (size_t i = 0; i < nown; i++)
		check_record(&own[i], "own");
	for (size_t i = 0; i < ncon; i++)
		check_record(&con[i], "contested");
	check_contested();
	check_firsts();
	printf("stale_writes=%u interleave=%u early=%u unproven=%u\n",
	       stale + inter, inter, early, unproven);
	return stale || inter || early || unproven ? 1 : 0;
}

/* ---- crafted inputs for the checker's own test ---- */

static void craft_rec(int fd, uint32_t node, uint32_t kind, uint64_t gen,
		      uint64_t seq, uint64_t epoch, uint64_t t, uint64_t vb)
{
	struct qfrec r = {
		.magic = QR_MAGIC, .node = node, .kind = kind, .gen = gen,
		.seq = seq, .epoch = epoch, .vmboot = vb,
		/* guest clocks: boot = host - 1e18 + node s; real = host + node ms */
		.boot_ns = t - (uint64_t)1000000000000000000 + (uint64_t)node * 1000000000,
		.real_ns = t + (uint64_t)node * 1000000,
	};
	uint64_t off = kind == QR_KIND_OWN ? qr_oslot_off(node, seq) :
		       qr_cslot_off(seq);
	char slot[QR_SLOT] = { 0 };

	qr_seal(&r);
	memcpy(slot, &r, sizeof(r));
	if (pwrite(fd, slot, sizeof(slot), (off_t)off) != sizeof(slot))
		exit(1);
}

static int craft(const char *dir, const char *kind)
{
	const uint64_t T0 = (uint64_t)1700000000000000000, S = 1000000000;
	char p[512];
	FILE *f;
	int fd;

	snprintf(p, sizeof(p), "%s/image", dir);
	fd = open(p, O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || ftruncate(fd, (off_t)QR_IMAGE_BYTES))
		return 1;
	/* node 1 owns epoch 1 for 2 s, node 2 takes over at 5.1 s */
	for (uint64_t i = 0; i < 40; i++) {
		craft_rec(fd, 1, QR_KIND_OWN, 1, i, 0, T0 + i * S / 20, 0xa);
		craft_rec(fd, 1, QR_KIND_CONTESTED, 1, i, 1, T0 + i * S / 20, 0xa);
	}
	for (uint64_t i = 40; i < 80; i++) {
		uint64_t t = T0 + 5 * S + S / 10 + (i - 40) * S / 20;

		if (!strcmp(kind, "early"))
			t -= 2 * S;
		craft_rec(fd, 2, QR_KIND_OWN, 1, i, 0, t, 0xb);
		craft_rec(fd, 2, QR_KIND_CONTESTED, 1, i, 2, t, 0xb);
	}
	if (!strcmp(kind, "stale"))
		craft_rec(fd, 1, QR_KIND_OWN, 1, 40, 0, T0 + 6 * S, 0xa);
	if (!strcmp(kind, "rule6"))
		craft_rec(fd, 1, QR_KIND_OWN, 1, 40, 0, T0 + 5 * S / 2, 0xa);
	if (!strcmp(kind, "interleave"))	/* an old-epoch record, early clock */
		craft_rec(fd, 1, QR_KIND_CONTESTED, 1, 45, 1, T0 + 19 * S / 10, 0xa);
	/* the new owner's first slot overwritten by the old one, whose clock
	 * stood still (a paused VM): only FIRSTS reveals it */
	if (!strcmp(kind, "overwrite"))
		craft_rec(fd, 1, QR_KIND_CONTESTED, 1, 40, 1, T0 + 2 * S, 0xa);
	close(fd);

	snprintf(p, sizeof(p), "%s/clocks", dir);
	f = fopen(p, "w");
	if (!f)
		return 1;
	for (uint64_t t = T0 - S; t < T0 + 10 * S; t += S / 10)
		for (uint32_t n = 1; n <= 2; n++)
			fprintf(f, "%u %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64
				" %x\n", n, t, t + 2000000, t + 1000000 -
				(uint64_t)1000000000000000000 + n * S,
				t + 1000000 + (uint64_t)n * 1000000, n == 1 ? 0xa : 0xb);
	fclose(f);
	snprintf(p, sizeof(p), "%s/fences", dir);
	f = fopen(p, "w");
	if (!f)
		return 1;
	/* committed on leader 2 at host T0 + 5 s (its realtime is +2 ms) */
	fprintf(f, "1 1 2 %" PRIu64 " b\n", (T0 + 5 * S + 2000000) / 1000000);
	fclose(f);
	snprintf(p, sizeof(p), "%s/klog", dir);
	f = fopen(p, "w");
	if (!f)
		return 1;
	fprintf(f, "1 1 a %" PRIu64 "\n", T0 + 2 * S + S / 10 -
		(uint64_t)1000000000000000000 + S);
	fclose(f);
	snprintf(p, sizeof(p), "%s/firsts", dir);
	f = fopen(p, "w");
	if (!f)
		return 1;
	fprintf(f, "1 0\n2 40\n");
	fclose(f);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[1], "--craft"))
		return craft(argv[2], argv[3]);
	if (argc != 5 && argc != 6) {
		fprintf(stderr, "usage: qfcheck IMAGE CLOCKS FENCES KLOG [FIRSTS]\n"
			"       qfcheck --craft DIR clean|stale|interleave|overwrite|rule6|early\n");
		return 2;
	}
	return check(argc - 1, argv + 1);
}
