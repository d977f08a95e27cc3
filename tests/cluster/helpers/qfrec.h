/* SPDX-License-Identifier: MIT */
/*
 * qfrec: the on-disk record of the multi-VM split-brain test, shared by the
 * guest writer (qfwriter), the host checker (qfcheck) and the crafted-image
 * generator of the checker's self-test.
 *
 * Shared disk layout (512-byte slots, one record per slot):
 *
 *   [0, 1 MiB)                 unused
 *   [1 MiB, 9 MiB)             contested region: QR_CSLOTS slots; the slot
 *                              of a record is cseq % QR_CSLOTS. Only the
 *                              current owner writes it.
 *   [16 MiB + (n-1) * 8 MiB)   node n's own region (n = 1..QR_MAXNODES),
 *                              QR_OSLOTS slots, slot = seq % QR_OSLOTS.
 *
 * A record carries the writer's own clocks (CLOCK_BOOTTIME, CLOCK_REALTIME)
 * read just before the write was submitted, and the VM's boot identity so
 * that the host maps each timestamp with the clock samples of that boot.
 */
#ifndef QFREC_H
#define QFREC_H

#include <stdint.h>
#include <stddef.h>

#define QR_MAGIC	0x3176434552465100ULL	/* "\0QFRECv1" */
#define QR_SLOT		512
#define QR_KIND_OWN	1
#define QR_KIND_CONTESTED 2
#define QR_MAXNODES	5
#define QR_COFF		(1ULL << 20)
#define QR_CSLOTS	16384ULL
#define QR_OOFF(n)	((16ULL << 20) + ((uint64_t)(n) - 1) * (8ULL << 20))
#define QR_OSLOTS	16384ULL
#define QR_IMAGE_BYTES	(QR_OOFF(QR_MAXNODES + 1))

struct qfrec {
	uint64_t magic;
	uint32_t node;
	uint32_t kind;
	uint64_t gen;		/* the node's lease generation */
	uint64_t seq;		/* own: per-node sequence; contested: cseq */
	uint64_t epoch;		/* contested: ownership epoch; own: 0 */
	uint64_t boot_ns;	/* CLOCK_BOOTTIME before submission */
	uint64_t real_ns;	/* CLOCK_REALTIME before submission */
	uint64_t vmboot;	/* the VM's boot identity (boot_id, 64 bits) */
	uint32_t pad;
	uint32_t crc;		/* crc32 of the bytes before it */
};

static inline uint32_t qr_crc32(const void *p, size_t n)
{
	const uint8_t *b = p;
	uint32_t c = 0xffffffffu;

	while (n--) {
		c ^= *b++;
		for (int k = 0; k < 8; k++)
			c = (c >> 1) ^ (0xedb88320u & -(c & 1));
	}
	return ~c;
}

static inline void qr_seal(struct qfrec *r)
{
	r->crc = qr_crc32(r, offsetof(struct qfrec, crc));
}

static inline int qr_valid(const struct qfrec *r)
{
	return r->magic == QR_MAGIC &&
	       r->crc == qr_crc32(r, offsetof(struct qfrec, crc));
}

static inline uint64_t qr_cslot_off(uint64_t cseq)
{
	return QR_COFF + (cseq % QR_CSLOTS) * QR_SLOT;
}

static inline uint64_t qr_oslot_off(uint32_t node, uint64_t seq)
{
	return QR_OOFF(node) + (seq % QR_OSLOTS) * QR_SLOT;
}

#endif
