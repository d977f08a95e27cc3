// SPDX-License-Identifier: MIT
/*
 * qfcheck: the host-side checker of the multi-VM split-brain test.
 *
 *   qfcheck [-t NODE:TRACE]... IMAGE CLOCKS FENCES KLOG [FIRSTS]
 *   qfcheck --craft DIR clean|stale|interleave|overwrite|rule6|early|
 *                       late|marker|untraced
 *
 * IMAGE   the shared raw disk after the run (qfrec.h layout)
 * CLOCKS  "ID h0 h1 boot real vmboot" clock samples of every VM (qfcall
 *         --clockloop): the guest read (boot, real) between host times h0
 *         and h1 (host CLOCK_REALTIME ns)
 * FENCES  "X G NODE REAL_MS VMBOOT [pr]": NODE_FENCED(X, G) applied on
 *         NODE (the leader or a follower), stamped with NODE's
 *         CLOCK_REALTIME in ms (quorumd's log line, printed before that
 *         node runs its hooks); "pr": committed on a storage fence
 *         (method=pr), not after W
 * TRACE   the QEMU block trace log of one QEMU process of NODE (qftrace.h):
 *         when each write reached the image, on the host's clock. NODE 0
 *         is the storage's own QEMU (tests/pr: the LIO target VM, whose
 *         backing file is IMAGE): it writes for every initiator, so its
 *         latest landing on a slot is the landing of the record the slot
 *         holds, whichever node wrote it
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
 *      the commit is "unproven": it neither passes nor is hidden -- but
 *      for a fence committed on a storage fence with traces: there X may
 *      issue writes until the commit (its lease has not run out, design.md
 *      rule 13), and only where the write landed decides (check 4).
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
 *   4. late (with TRACE): every record in the image is dated by when it
 *      reached the image on the host (its last traced write), not by the
 *      guest clock that stamped it before submission: a write queued below
 *      the guest (QEMU throttling, a storage queue) that lands after the
 *      commit is stale although it was issued in time. The commit window
 *      [lo, hi] on the host: lo is the earliest line of any node that
 *      applied NODE_FENCED(X, G) (no node recovers X's resources before it
 *      logged the record: quorumd logs it before its on_fenced hook), hi the
 *      earliest of those lines' upper bounds and of the landing of the
 *      takeover's first contested write (the marker: the new owner writes
 *      only after the hook, so it landed after the commit). lo may use the
 *      elapsed guest time since the sample before the line, scaled down by
 *      1 + QC_RHO: a guest clock may stop (a paused VM) but not run faster
 *      than the host's by more than QC_RHO; the samples are checked for it
 *      and a series that breaks it falls back to the sample's own h0.
 *      A landing after hi is stale ("STALE late"), one in [lo, hi] and a
 *      record without a traced landing, or landed by another node's QEMU,
 *      are unproven.
 * Prints the facts, then "stale_writes=N interleave=N early=N unproven=N
 * late=N" (stale_writes includes interleave and late); exit 0 only when all
 * are 0.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "qfrec.h"
#include "qftrace.h"

#define INF UINT64_MAX
/* a guest clock runs at most this much faster than the host's (check 4) */
#define QC_RHO_PPM 10000ULL

struct sample { uint64_t h0, h1, boot, real; };
struct series {
	uint32_t node;
	uint64_t vmboot;
	size_t n, cap;
	struct sample *s;
	int fast;		/* ran faster than QC_RHO between two samples */
};
/* one NODE_FENCED(x, g), merged over every node's line (check 4) */
struct fence {
	uint32_t x, leader;
	uint64_t g, real_ms, vmboot, lo, hi, marker;
	int have;
	int pr;		/* committed on a storage fence (method=pr) */
};
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
static struct qt_landings land;
static uint32_t *last_at;	/* per image slot: latest landing + 1 */
static int traced;

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

/*
 * Lower bound of guest time t on the host, using that the guest clock does
 * not run faster than the host's by more than QC_RHO (check 4): after the
 * sample (h0, v), t - v of guest time took at least (t - v) / (1 + QC_RHO)
 * of host time. Falls back to map()'s bound for a series that broke it.
 */
static uint64_t map_lo_rate(const struct series *s, int real, uint64_t t)
{
	uint64_t lo, hi;

	map(s, real, t, &lo, &hi);
	if (!s || s->fast)
		return lo;
	for (size_t i = 0; i < s->n; i++) {
		uint64_t v = real ? s->s[i].real : s->s[i].boot, b;

		if (v > t || v == INF)
			continue;
		b = s->s[i].h0 + (t - v) / (1000000ULL + QC_RHO_PPM) * 1000000ULL;
		if (b > lo)
			lo = b;
	}
	return lo;
}

/* Does any pair of consecutive samples show the guest clock faster than
 * QC_RHO? (guest elapsed > host elapsed, the widest host span, * (1+rho)) */
static void check_rates(void)
{
	for (size_t k = 0; k < nser; k++) {
		struct series *s = &ser[k];

		for (size_t i = 1; i < s->n && !s->fast; i++) {
			const struct sample *a = &s->s[i - 1], *b = &s->s[i];
			uint64_t dh = b->h1 > a->h0 ? b->h1 - a->h0 : 0;

			if (b->real == INF || b->boot < a->boot || b->real < a->real)
				continue;
			if (b->real - a->real > dh + dh / 1000000ULL * QC_RHO_PPM ||
			    b->boot - a->boot > dh + dh / 1000000ULL * QC_RHO_PPM)
				s->fast = 1;
		}
		if (s->fast)
			printf("note: node %u boot %" PRIx64 ": its clock ran faster "
			       "than the host's by more than %llu ppm; commit "
			       "times on it use the samples only\n", s->node,
			       s->vmboot, QC_RHO_PPM);
	}
}

/* the host window of one "NODE_FENCED committed" line */
static void fence_window(struct fence *e)
{
	const struct series *s = series_of(e->leader, e->vmboot, 0);
	uint64_t lo, hi;

	e->lo = map_lo_rate(s, 1, e->real_ms * 1000000ULL);
	/* the stamp is truncated to ms: the line is within +1 ms */
	map(s, 1, e->real_ms * 1000000ULL + 999999ULL, &lo, &hi);
	e->hi = hi;
	e->marker = INF;
	e->have = e->lo > 0 && e->hi != INF;
}

/*
 * One entry per (x, g): every node that applied the record logged it before
 * running its hooks, so the earliest lower bound of those lines bounds the
 * first moment anyone could act on it, and each line's upper bound is
 * after the commit.
 */
static int load_fences(const char *path)
{
	FILE *f = fopen(path, "r");
	char line[256];

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f) && nfen < 256) {
		struct fence e = { .pr = 0 }, *m = NULL;
		char how[8] = "";

		if (sscanf(line, "%" SCNu32 " %" SCNu64 " %" SCNu32 " %" SCNu64
			   " %" SCNx64 " %7s", &e.x, &e.g, &e.leader, &e.real_ms,
			   &e.vmboot, how) < 5)
			continue;
		e.pr = !strcmp(how, "pr");
		fence_window(&e);
		for (size_t i = 0; i < nfen; i++)
			if (fen[i].x == e.x && fen[i].g == e.g)
				m = &fen[i];
		if (m)
			m->pr |= e.pr;
		if (!m) {
			fen[nfen++] = e;
		} else if (e.have && !m->have) {
			e.pr |= m->pr;
			*m = e;
		} else if (e.have) {
			if (e.lo < m->lo) {
				m->lo = e.lo;
				m->leader = e.leader;
			}
			if (e.hi < m->hi)
				m->hi = e.hi;
		}
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

static struct fence *fence_of(uint32_t x, uint64_t g)
{
	for (size_t i = 0; i < nfen; i++)
		if (fen[i].x == x && fen[i].g == g)
			return &fen[i];
	return NULL;
}

/* the latest traced landing on the slot at image offset off, or NULL */
static const struct qt_landing *landing_at(uint64_t off)
{
	uint64_t slot = off / QR_SLOT;

	if (!traced || slot >= QR_IMAGE_BYTES / QR_SLOT || !last_at[slot])
		return NULL;
	return &land.v[last_at[slot] - 1];
}

static uint64_t rec_off(const struct qfrec *r)
{
	return r->kind == QR_KIND_OWN ? qr_oslot_off(r->node, r->seq) :
	       qr_cslot_off(r->seq);
}

static double ms(uint64_t a, uint64_t b)
{
	return ((double)a - (double)b) / 1e6;
}

static unsigned stale, inter, early, unproven, late;

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
	} else if (hi >= f->lo && !(f->pr && traced)) {
		printf("UNPROVEN %s node=%u gen=%" PRIu64 " seq=%" PRIu64
		       ": write [%.1f, %.1f] ms vs commit [0, %.1f] ms\n", what,
		       r->node, r->gen, r->seq, ms(lo, f->lo),
		       hi == INF ? 1e9 : ms(hi, f->lo), ms(f->hi, f->lo));
		unproven++;
	}
}

/* check 4: when the record reached the image, on the host's clock */
static void check_landing(const struct qfrec *r, const char *what)
{
	const struct qt_landing *l = landing_at(rec_off(r));
	const struct fence *f = fence_of(r->node, r->gen);
	uint64_t after, lo, hi;

	if (!traced)
		return;
	if (!l || (l->node && l->node != r->node)) {
		printf("UNPROVEN %s node=%u gen=%" PRIu64 " seq=%" PRIu64 ": %s\n",
		       what, r->node, r->gen, r->seq, l ? "landed from another "
		       "node's QEMU" : "no traced landing");
		unproven++;
		return;
	}
	if (!f || !f->have)
		return;		/* check_record reports the unmappable fence */
	after = f->marker < f->hi ? f->marker : f->hi;
	map(series_of(r->node, r->vmboot, 0), 0, r->boot_ns, &lo, &hi);
	if (l->host_ns > after) {
		printf("STALE late %s node=%u gen=%" PRIu64 " seq=%" PRIu64
		       " landed >= %.1f ms after NODE_FENCED committed (issued"
		       " %.1f ms before the commit window)\n", what, r->node,
		       r->gen, r->seq, ms(l->host_ns, after),
		       hi == INF ? -1e9 : ms(f->lo, hi));
		late++;
	} else if (l->host_ns >= f->lo) {
		printf("UNPROVEN %s node=%u gen=%" PRIu64 " seq=%" PRIu64
		       ": landed %.1f ms into the commit window [0, %.1f] ms\n",
		       what, r->node, r->gen, r->seq, ms(l->host_ns, f->lo),
		       ms(after, f->lo));
		unproven++;
	}
}

/*
 * The first contested write of each takeover is a marker on the host's
 * clock: its writer took over only after its on_fenced hook for the old
 * owner's NODE_FENCED ran, so it landed after that commit (check 4). One
 * that landed before the commit window is an early takeover, not a marker.
 */
static void mark_takeovers(void)
{
	const struct qfrec *cur = NULL;

	for (size_t i = 0; i < ncon; i++) {
		const struct qfrec *r = &con[i];
		const struct qt_landing *l;
		struct fence *f;

		if (cur && r->epoch <= cur->epoch)
			continue;
		f = cur ? fence_of(cur->node, cur->gen) : NULL;
		l = landing_at(rec_off(r));
		cur = r;
		if (!f || !f->have || !l || l->node != r->node)
			continue;
		if (l->host_ns < f->lo) {
			printf("EARLY takeover epoch=%" PRIu64 " landed %.1f ms "
			       "before NODE_FENCED(%u, %" PRIu64 ")\n", r->epoch,
			       ms(f->lo, l->host_ns), f->x, f->g);
			early++;
		} else if (l->host_ns < f->marker) {
			f->marker = l->host_ns;
		}
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
		printf("fence node=%u gen=%" PRIu64 " first_logged_by=%u "
		       "commit_host_ns=%" PRIu64 "..%" PRIu64, f->x, f->g,
		       f->leader, f->lo, f->hi);
		if (f->marker != INF)
			printf(" marker_ns=%" PRIu64, f->marker);
		if (last && f->have) {
			const struct qt_landing *l = landing_at(rec_off(last));

			map(series_of(last->node, last->vmboot, 0), 0,
			    last->boot_ns, &lo, &hi);
			printf(" last_own_seq=%" PRIu64 " margin_ms=%.1f", last->seq,
			       hi == INF ? -1e9 : ms(f->lo, hi));
			if (l)
				printf(" landing_margin_ms=%.1f", ms(f->lo, l->host_ns));
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

static uint64_t host_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/*
 * The traces are read after the image: a write's trace line is written
 * before its data reaches the file, so every record read has its landing
 * in the trace. A landing traced after the image was read cannot be in it.
 */
static int load_traces(char **traces, size_t ntr, const char *image,
		       uint64_t image_read)
{
	size_t keep = 0;

	for (size_t i = 0; i < ntr; i++) {
		char *end;
		unsigned long node = strtoul(traces[i], &end, 10);

		/* 0 is the storage's QEMU, 1..QR_MAXNODES a node's */
		if (end == traces[i] || *end != ':' || node > QR_MAXNODES) {
			fprintf(stderr, "qfcheck: -t %s: want NODE:FILE\n", traces[i]);
			errno = EINVAL;
			return -1;
		}
		if (qt_load(&land, end + 1, (uint32_t)node, image))
			return -1;
	}
	for (size_t i = 0; i < land.n; i++)
		if (land.v[i].host_ns <= image_read)
			land.v[keep++] = land.v[i];
	land.n = keep;
	traced = ntr > 0;
	return qt_index(&land, QR_IMAGE_BYTES / QR_SLOT, &last_at);
}

static int load_all(char **argv, int argc, char **traces, size_t ntr)
{
	uint64_t t;

	if (load_image(argv[0]))
		return -1;
	t = host_now();
	if (load_traces(traces, ntr, argv[0], t) || load_clocks(argv[1]))
		return -1;
	check_rates();		/* before the fences' windows use it */
	if (load_fences(argv[2]) || load_klog(argv[3]))
		return -1;
	return argc > 4 ? load_firsts(argv[4]) : 0;
}

static int check(char **argv, int argc, char **traces, size_t ntr)
{
	if (load_all(argv, argc, traces, ntr)) {
		fprintf(stderr, "qfcheck: cannot read the inputs: %s\n", strerror(errno));
		return 2;
	}
	printf("records own=%zu contested=%zu fences=%zu kernel_fences=%zu "
	       "clock_series=%zu traces=%zu landings=%zu\n", nown, ncon, nfen,
	       nkf, nser, land.files, land.n);
	for (size_t i = 0; i < nfen; i++)
		if (!fen[i].have)
			printf("note: fence node=%u gen=%" PRIu64 " has no mappable "
			       "commit time\n", fen[i].x, fen[i].g);
	qsort(con, ncon, sizeof(*con), by_seq);
	mark_takeovers();
	report_fences();
	for (size_t i = 0; i < nown; i++) {
		check_record(&own[i], "own");
		check_landing(&own[i], "own");
	}
	for (size_t i = 0; i < ncon; i++) {
		check_record(&con[i], "contested");
		check_landing(&con[i], "contested");
	}
	check_contested();
	check_firsts();
	printf("stale_writes=%u interleave=%u early=%u unproven=%u late=%u\n",
	       stale + inter + late, inter, early, unproven, late);
	return stale || inter || early || unproven || late ? 1 : 0;
}

/* ---- crafted inputs for the checker's own test ---- */

#define CR_T0 ((uint64_t)1700000000000000000)
#define CR_S ((uint64_t)1000000000)
#define CR_MS ((uint64_t)1000000)

static FILE *ctrace[3];		/* the crafted QEMU trace of node 1 and 2 */
static const char *ckind;

/* one write in the trace of NODE's QEMU, as its log backend prints it */
static void craft_trace(uint32_t node, unsigned bs, uint64_t off, uint64_t at)
{
	fprintf(ctrace[node], "%u@%" PRIu64 ".%06" PRIu64 ":bdrv_co_pwritev_part "
		"bs 0x%x offset %" PRIu64 " bytes 512 flags 0x0\n", 4000 + node,
		at / CR_S, at % CR_S / 1000, bs, off);
}

/* a record written at host time t (guest clocks derived from it) that
 * reached the image at host time land (0: 1 ms later) */
static void craft_rec(int fd, uint32_t node, uint32_t kind, uint64_t gen,
		      uint64_t seq, uint64_t epoch, uint64_t t, uint64_t vb,
		      uint64_t land)
{
	struct qfrec r = {
		.magic = QR_MAGIC, .node = node, .kind = kind, .gen = gen,
		.seq = seq, .epoch = epoch, .vmboot = vb,
		/* guest clocks: boot = host - 1e18 + node s; real = host + node ms */
		.boot_ns = t - (uint64_t)1000000000000000000 + (uint64_t)node * CR_S,
		.real_ns = t + (uint64_t)node * CR_MS,
	};
	uint64_t off = kind == QR_KIND_OWN ? qr_oslot_off(node, seq) :
		       qr_cslot_off(seq);
	char slot[QR_SLOT] = { 0 };

	qr_seal(&r);
	memcpy(slot, &r, sizeof(r));
	if (pwrite(fd, slot, sizeof(slot), (off_t)off) != sizeof(slot))
		exit(1);
	land = land ? land : t + CR_MS;
	/* the format node sees it first; only the protocol node counts */
	craft_trace(node, 0x2000 + node, off, land - 5000);
	if (strcmp(ckind, "untraced") || node != 1 || kind != QR_KIND_OWN ||
	    seq != 10)
		craft_trace(node, 0x1000 + node, off, land);
}

/* node 1 owns epoch 1 for 2 s, node 2 takes over at 5.1 s */
static void craft_records(int fd)
{
	const uint64_t T0 = CR_T0, S = CR_S;
	const char *k = ckind;

	for (uint64_t i = 0; i < 40; i++) {
		uint64_t t = T0 + i * S / 20, land = 0;

		/* the last own write queued below the guest lands late */
		if (i == 39 && !strcmp(k, "late"))
			land = T0 + 6 * S;
		if (i == 39 && !strcmp(k, "marker"))
			land = T0 + 5 * S + S / 2;
		craft_rec(fd, 1, QR_KIND_OWN, 1, i, 0, t, 0xa, land);
		craft_rec(fd, 1, QR_KIND_CONTESTED, 1, i, 1, t, 0xa, 0);
	}
	for (uint64_t i = 40; i < 80; i++) {
		uint64_t t = T0 + 5 * S + S / 10 + (i - 40) * S / 20;

		if (!strcmp(k, "early"))
			t -= 2 * S;
		craft_rec(fd, 2, QR_KIND_OWN, 1, i, 0, t, 0xb, 0);
		craft_rec(fd, 2, QR_KIND_CONTESTED, 1, i, 2, t, 0xb, 0);
	}
	if (!strcmp(k, "stale"))
		craft_rec(fd, 1, QR_KIND_OWN, 1, 40, 0, T0 + 6 * S, 0xa, 0);
	if (!strcmp(k, "rule6"))
		craft_rec(fd, 1, QR_KIND_OWN, 1, 40, 0, T0 + 5 * S / 2, 0xa, 0);
	/* an old-epoch record, early clock, landed over node 2's */
	if (!strcmp(k, "interleave"))
		craft_rec(fd, 1, QR_KIND_CONTESTED, 1, 45, 1, T0 + 19 * S / 10,
			  0xa, T0 + 6 * S);
	/* the new owner's first slot overwritten by the old one, whose clock
	 * stood still (a paused VM): only FIRSTS reveals it */
	if (!strcmp(k, "overwrite"))
		craft_rec(fd, 1, QR_KIND_CONTESTED, 1, 40, 1, T0 + 2 * S, 0xa,
			  T0 + 6 * S);
	/* writes the filters must ignore: node 1's own disk and the format
	 * node, at the offset of its last own record, after the commit */
	craft_trace(1, 0x3001, qr_oslot_off(1, 39), T0 + 9 * S);
	craft_trace(1, 0x2001, qr_oslot_off(1, 39), T0 + 9 * S + S / 2);
}

static int craft_traces_open(const char *dir)
{
	char p[512], img[512];

	snprintf(img, sizeof(img), "%s/image", dir);
	for (uint32_t n = 1; n <= 2; n++) {
		snprintf(p, sizeof(p), "%s/trace%u", dir, n);
		ctrace[n] = fopen(p, "w");
		if (!ctrace[n])
			return 1;
		fprintf(ctrace[n], "%u@1699999990.000000:bdrv_open_common bs 0x%x "
			"filename \"%s\" flags 0x2a002 format_name \"file\"\n"
			"%u@1699999990.000001:bdrv_open_common bs 0x%x filename "
			"\"%s\" flags 0x22002 format_name \"raw\"\n"
			"%u@1699999990.000002:bdrv_open_common bs 0x%x filename "
			"\"%s/node%u.img\" flags 0x2a002 format_name \"file\"\n",
			4000 + n, 0x1000 + n, img, 4000 + n, 0x2000 + n, img,
			4000 + n, 0x3000 + n, dir, n);
	}
	return 0;
}

/* marker: node 2's clock samples stop from 4.95 s to 8 s, so that only the
 * takeover's landing bounds the commit from above */
static int craft_clocks(const char *dir)
{
	const uint64_t T0 = CR_T0, S = CR_S;
	char p[512];
	FILE *f;

	snprintf(p, sizeof(p), "%s/clocks", dir);
	f = fopen(p, "w");
	if (!f)
		return 1;
	for (uint64_t t = T0 - S; t < T0 + 10 * S; t += S / 10)
		for (uint32_t n = 1; n <= 2; n++) {
			if (n == 2 && !strcmp(ckind, "marker") &&
			    t > T0 + 49 * S / 10 && t < T0 + 8 * S)
				continue;
			fprintf(f, "%u %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64
				" %x\n", n, t, t + 2 * CR_MS, t + CR_MS -
				(uint64_t)1000000000000000000 + n * S,
				t + CR_MS + (uint64_t)n * CR_MS, n == 1 ? 0xa : 0xb);
		}
	return fclose(f) ? 1 : 0;
}

static int craft_file(const char *dir, const char *name, const char *text)
{
	char p[512];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	f = fopen(p, "w");
	if (!f)
		return 1;
	fputs(text, f);
	return fclose(f) ? 1 : 0;
}

static int craft(const char *dir, const char *kind)
{
	const uint64_t T0 = CR_T0, S = CR_S;
	char p[512], fences[128], klog[128];
	int fd, rc;

	ckind = kind;
	snprintf(p, sizeof(p), "%s/image", dir);
	fd = open(p, O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || ftruncate(fd, (off_t)QR_IMAGE_BYTES) || craft_traces_open(dir))
		return 1;
	craft_records(fd);
	close(fd);
	rc = fclose(ctrace[1]) | fclose(ctrace[2]);
	/* committed on leader 2 at host T0 + 5 s (its realtime is +2 ms) */
	snprintf(fences, sizeof(fences), "1 1 2 %" PRIu64 " b\n",
		 (T0 + 5 * S + 2 * CR_MS) / CR_MS);
	snprintf(klog, sizeof(klog), "1 1 a %" PRIu64 "\n", T0 + 2 * S + S / 10 -
		 (uint64_t)1000000000000000000 + S);
	return rc || craft_clocks(dir) || craft_file(dir, "fences", fences) ||
	       craft_file(dir, "klog", klog) ||
	       craft_file(dir, "firsts", "1 0\n2 40\n");
}

static void usage(void)
{
	fprintf(stderr, "usage: qfcheck [-t NODE:TRACE]... IMAGE CLOCKS FENCES KLOG [FIRSTS]\n"
		"       (NODE 0: the storage's own QEMU, which lands every node's writes)\n"
		"       qfcheck --craft DIR clean|stale|interleave|overwrite|rule6|early|\n"
		"                           late|marker|untraced\n");
}

int main(int argc, char **argv)
{
	char *traces[64];
	size_t ntr = 0;
	int c;

	if (argc == 4 && !strcmp(argv[1], "--craft"))
		return craft(argv[2], argv[3]);
	while ((c = getopt(argc, argv, "t:")) != -1) {
		if (c != 't' || ntr == 64) {
			usage();
			return 2;
		}
		traces[ntr++] = optarg;
	}
	if (argc - optind != 4 && argc - optind != 5) {
		usage();
		return 2;
	}
	return check(argv + optind, argc - optind, traces, ntr);
}
