/* SPDX-License-Identifier: MIT */
/*
 * qftrace: when each write reached the shared image, on the host's clock.
 *
 * Every QEMU of tests/cluster runs with `-trace events=... -D LOG -msg
 * timestamp=on`; its log backend then writes lines such as
 *
 *   5311@1796298700.429577:bdrv_open_common bs 0x55.. filename "/x/shared.img" flags 0x2a002 format_name "file"
 *   5311@1796298700.456026:bdrv_co_pwritev_part bs 0x55.. offset 4096 bytes 512 flags 0x0
 *
 * (thread id @ host CLOCK_REALTIME seconds.microseconds). bdrv_open_common
 * names the block nodes; bdrv_co_pwritev_part on the protocol ("file") node
 * of the shared image is the write going to the image file, after any
 * throttling and after the format layer: the data reaches the file no
 * earlier than this line's time. One trace file belongs to one QEMU
 * process, so to one node: that is how a landed write is mapped back to the
 * VM that wrote it.
 */
#ifndef QFTRACE_H
#define QFTRACE_H

#include <stddef.h>
#include <stdint.h>

struct qt_landing {
	uint32_t node;		/* the node whose QEMU wrote it */
	uint64_t off, bytes;	/* byte range in the image */
	uint64_t host_ns;	/* host CLOCK_REALTIME of the trace line */
};

struct qt_landings {
	size_t n, cap;
	struct qt_landing *v;
	size_t files;		/* trace files read */
};

/*
 * Append the writes to IMAGE found in the trace log PATH of NODE's QEMU.
 * IMAGE is compared with the traced filename after realpath() of both.
 * Returns 0, or -1 with errno set (unreadable file, no memory).
 */
int qt_load(struct qt_landings *t, const char *path, uint32_t node,
	    const char *image);

/*
 * Index the landings by 512-byte slot: *last[slot] becomes the index + 1
 * of the latest landing (largest host_ns) covering that slot, 0 if none.
 * `slots` is the image size in slots. Returns 0 or -1 (no memory).
 */
int qt_index(const struct qt_landings *t, uint64_t slots, uint32_t **last);

#endif
