// SPDX-License-Identifier: GPL-2.0
/*
 * qfence device-mapper target: pass IO to one device while the lease is
 * valid, fail it otherwise.
 *
 * The hot path is qfence_map(): four plain loads, one atomic increment
 * and a full barrier, one clock read, no lock, no allocation (the
 * protocol is in lease.h); a bio that finds the lease not armed is
 * refused after one load, uncounted. qfence_end_io() is one atomic
 * decrement. Only the bio that first sees an expiry, or the first that the
 * storage refuses with a reservation conflict (design.md §3), does more,
 * once per fence: a cmpxchg and a lock-free irq_work_queue().
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/device-mapper.h>
#include <linux/ktime.h>
#include <linux/module.h>
#include <linux/preempt.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "clock.h"
#include "registry.h"
#include "target.h"

#define DM_MSG_PREFIX "qfence"

struct qfence_target {
	struct qfence_io io;		/* written by every bio */
	struct qfence_lease *lease;
	struct dm_dev *dev;
};

/*
 * Per-bio data: end_io undoes only what map counted, and a reservation
 * conflict fences only the generation the bio was admitted under.
 */
struct qfence_bio {
	bool admitted;
	u64 gen;
};

/*
 * The table line: <dev_path> <lease_name> [<#features>] (none defined yet).
 * On success @devname and @leasename point into @argv.
 */
static int qfence_parse_args(struct dm_target *ti, unsigned int argc,
			     char **argv, const char **devname,
			     const char **leasename)
{
	static const struct dm_arg feature_args[] = {
		{0, 0, "Invalid number of feature args: none are defined"},
	};
	struct dm_arg_set as = { .argc = argc, .argv = argv };
	unsigned int nfeatures;
	int ret;

	if (argc < 2) {
		ti->error = "Invalid argument count: <dev_path> <lease_name> expected";
		return -EINVAL;
	}
	*devname = dm_shift_arg(&as);
	*leasename = dm_shift_arg(&as);
	if (as.argc) {
		ret = dm_read_arg_group(feature_args, &as, &nfeatures, &ti->error);
		if (ret)
			return ret;
	}
	if (as.argc) {
		ti->error = "Too many arguments";
		return -EINVAL;
	}
	if (strlen(*leasename) >= QFENCE_NAME_LEN) {
		ti->error = "Lease name too long";
		return -EINVAL;
	}
	return 0;
}

/*
 * Construct a fence: <dev_path> <lease_name> [<#feature args> [<arg>]*]
 *
 * No feature arguments are defined yet; a count other than 0 is refused.
 * The lease must exist; the target holds it (LEASE_DEL refuses while any
 * target uses it) until the destructor.
 */
static int qfence_ctr(struct dm_target *ti, unsigned int argc, char **argv)
{
	struct qfence_target *tc;
	struct qfence_lease *l;
	const char *devname, *leasename;
	int ret;

	ret = qfence_parse_args(ti, argc, argv, &devname, &leasename);
	if (ret)
		return ret;
	tc = kzalloc(sizeof(*tc), GFP_KERNEL);
	if (!tc) {
		ti->error = "Cannot allocate context";
		return -ENOMEM;
	}
	ret = dm_get_device(ti, devname, dm_table_get_mode(ti->table), &tc->dev);
	if (ret) {
		ti->error = "Device lookup failed";
		goto err_free;
	}

	mutex_lock(&qfence_mutex);
	l = qfence_find(leasename);
	if (l)
		qfence_attach(l, &tc->io);
	mutex_unlock(&qfence_mutex);
	if (!l) {
		ti->error = "No such lease";
		ret = -ENOENT;
		goto err_put;
	}
	tc->lease = l;

	/* Flushes, discards and write-zeroes reach map() like any bio. */
	ti->num_flush_bios = 1;
	ti->num_discard_bios = 1;
	ti->num_secure_erase_bios = 1;
	ti->num_write_zeroes_bios = 1;
	ti->per_io_data_size = sizeof(struct qfence_bio);
	ti->private = tc;
	return 0;

err_put:
	dm_put_device(ti, tc->dev);
err_free:
	kfree(tc);
	return ret;
}

static void qfence_dtr(struct dm_target *ti)
{
	struct qfence_target *tc = ti->private;

	mutex_lock(&qfence_mutex);
	qfence_detach(tc->lease, &tc->io);
	mutex_unlock(&qfence_mutex);
	dm_put_device(ti, tc->dev);
	kfree(tc);
}

static int qfence_map(struct dm_target *ti, struct bio *bio)
{
	struct qfence_target *tc = ti->private;
	struct qfence_bio *pb = dm_per_bio_data(bio, sizeof(*pb));
	enum qfence_io_verdict verdict;
	bool counted;

	/*
	 * A bio counted and then refused inflates the in-flight count for
	 * as long as it sits between the two steps: keep that moment short,
	 * so that a settle timer firing later never mistakes it for an
	 * admitted bio (lease.h).
	 */
	preempt_disable();
	counted = qfence_io_enter(tc->lease, &tc->io);
	verdict = qfence_io_decide(tc->lease, &tc->io, counted,
				   qfence_now());
	preempt_enable();
	pb->admitted = verdict == QFENCE_IO_ADMIT;
	if (likely(pb->admitted)) {
		pb->gen = READ_ONCE(tc->lease->cfg.generation);
		bio_set_dev(bio, tc->dev->bdev);
		if (qfence_bio_has_sector(bio))
			bio->bi_iter.bi_sector =
				dm_target_offset(ti, bio->bi_iter.bi_sector);
		return DM_MAPIO_REMAPPED;
	}
	if (verdict == QFENCE_IO_EXPIRED || verdict == QFENCE_IO_REFUSE_DRAIN)
		qfence_fence_kick_async(tc->lease);
	return DM_MAPIO_KILL;
}

static int qfence_end_io(struct dm_target *ti, struct bio *bio,
			 blk_status_t *error)
{
	struct qfence_target *tc = ti->private;
	struct qfence_bio *pb = dm_per_bio_data(bio, sizeof(*pb));
	unsigned int todo;

	if (pb->admitted) {
		pb->admitted = false;
		/*
		 * A node preempted at the storage (PREEMPT AND ABORT of its
		 * key) learns it at its first refused IO (design.md §3).
		 */
		todo = qfence_io_complete(tc->lease, &tc->io, pb->gen, *error,
					  qfence_now());
		if (todo & QFENCE_DONE_KICK)
			qfence_fence_kick_async(tc->lease);
		if (todo & QFENCE_DONE_DRAIN)
			qfence_drain_check(tc->lease);
	}
	return DM_ENDIO_DONE;
}

static void qfence_status(struct dm_target *ti, status_type_t type,
			  unsigned int status_flags, char *result,
			  unsigned int maxlen)
{
	struct qfence_target *tc = ti->private;
	unsigned int sz = 0;

	switch (type) {
	case STATUSTYPE_INFO:
		DMEMIT("%s %llu %u",
		       qfence_state_name(qfence_lease_state(tc->lease)),
		       (unsigned long long)atomic64_read(&tc->io.failed),
		       atomic_read(&tc->io.inflight));
		break;
	case STATUSTYPE_TABLE:
		DMEMIT("%s %s", tc->dev->name, tc->lease->cfg.name);
		break;
	case STATUSTYPE_IMA:
		DMEMIT_TARGET_NAME_VERSION(ti->type);
		DMEMIT(",device_name=%s,lease_name=%s;", tc->dev->name,
		       tc->lease->cfg.name);
		break;
	}
}

static int qfence_iterate_devices(struct dm_target *ti,
				  iterate_devices_callout_fn fn, void *data)
{
	struct qfence_target *tc = ti->private;

	return fn(ti, tc->dev, 0, ti->len, data);
}

/*
 * No prepare_ioctl: an ioctl passed through to the device (SCSI
 * pass-through above all) would write around the fence. Persistent
 * reservation register/reserve/release/preempt still reach the device:
 * dm's pr_ops walk iterate_devices, and 6.1 offers a target no hook to
 * refuse them (see uapi/qfence.h).
 *
 * DM_TARGET_IMMUTABLE: a table reload cannot swap the fence out. 6.1's
 * table_load() (dm-ioctl.c) refuses to replace a live table of an
 * immutable type by one of another type unless the new table holds a
 * wildcard target, and `error` is the only one (DM_TARGET_WILDCARD): an
 * operator can always fail the device. dm_table_add_target() also refuses to mix
 * qfence with other types in one table. A reload never reaches the old
 * table's target, so no target can refuse it only while its lease is
 * armed or fenced: the device stays qfence (or error) whatever the
 * lease's state, and is removed and created anew to change its type.
 */
static struct target_type qfence_target = {
	.name = "qfence",
	.version = {1, 1, 0},
	.features = DM_TARGET_NOWAIT | DM_TARGET_PASSES_INTEGRITY |
		    DM_TARGET_PASSES_CRYPTO | DM_TARGET_IMMUTABLE,
	.module = THIS_MODULE,
	.ctr = qfence_ctr,
	.dtr = qfence_dtr,
	.map = qfence_map,
	.end_io = qfence_end_io,
	.status = qfence_status,
	.iterate_devices = qfence_iterate_devices,
};

int __init qfence_target_init(void)
{
	int ret = dm_register_target(&qfence_target);

	if (ret)
		DMERR("register failed %d", ret);
	return ret;
}

void qfence_target_exit(void)
{
	dm_unregister_target(&qfence_target);
}

/* dm loads "dm-<target>" on demand when a table names the target. */
MODULE_ALIAS("dm-qfence");
