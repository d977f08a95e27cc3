// SPDX-License-Identifier: GPL-2.0
/*
 * qfence_freeze: a test-only module that freezes one CPU with interrupts
 * off until a CLOCK_BOOTTIME instant, to play design.md rule 6's "frozen CPU":
 * a lease's expiry timer queued on that CPU cannot fire, so only the clock
 * check at bio admission can refuse IO on the other CPUs.
 *
 *   insmod qfence_freeze.ko cpu=0
 *   echo <CLOCK_BOOTTIME ns> > /sys/module/qfence_freeze/parameters/until_ns
 *
 * The write starts the freeze in an IPI on @cpu and returns at once (the
 * freeze is not started from module init: the loader's own TLB flushes
 * would wait for the frozen CPU). At most 5 s ahead. started_ns and
 * ended_ns tell when the CPU really was frozen.
 */
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/smp.h>
#include <linux/timekeeping.h>
#include <linux/completion.h>

#define QFREEZE_MAX_NS (5ULL * NSEC_PER_SEC)

static int cpu = -1;
module_param(cpu, int, 0444);
MODULE_PARM_DESC(cpu, "CPU to freeze");

static unsigned long long started_ns;
module_param(started_ns, ullong, 0444);
static unsigned long long ended_ns;
module_param(ended_ns, ullong, 0444);

static u64 qfreeze_until;
static atomic_t qfreeze_busy = ATOMIC_INIT(0);
static DECLARE_COMPLETION(qfreeze_done);

/* IPI context: interrupts are already off on this CPU. */
static void qfreeze_spin(void *unused)
{
	u64 now = ktime_get_boottime_ns();

	WRITE_ONCE(started_ns, now);
	while (now < qfreeze_until) {
		cpu_relax();
		now = ktime_get_boottime_ns();
	}
	WRITE_ONCE(ended_ns, now);
	complete(&qfreeze_done);
}

static int qfreeze_set(const char *val, const struct kernel_param *kp)
{
	u64 until, now = ktime_get_boottime_ns();
	int ret;

	ret = kstrtou64(val, 0, &until);
	if (ret)
		return ret;
	if (until <= now || until - now > QFREEZE_MAX_NS)
		return -ERANGE;
	if (cpu < 0 || cpu >= nr_cpu_ids || !cpu_online(cpu))
		return -ENODEV;
	if (atomic_cmpxchg(&qfreeze_busy, 0, 1))
		return -EBUSY;
	qfreeze_until = until;
	if (cpu == get_cpu()) {
		put_cpu();
		atomic_set(&qfreeze_busy, 0);
		return -EDEADLK;
	}
	ret = smp_call_function_single(cpu, qfreeze_spin, NULL, 0);
	put_cpu();
	if (ret)
		atomic_set(&qfreeze_busy, 0);
	return ret;
}

static int qfreeze_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%llu\n", qfreeze_until);
}

static const struct kernel_param_ops qfreeze_ops = {
	.set = qfreeze_set,
	.get = qfreeze_get,
};
module_param_cb(until_ns, &qfreeze_ops, NULL, 0644);
MODULE_PARM_DESC(until_ns, "write: freeze @cpu until this CLOCK_BOOTTIME ns");

static int __init qfreeze_init(void)
{
	return 0;
}

static void __exit qfreeze_exit(void)
{
	if (atomic_read(&qfreeze_busy))
		wait_for_completion(&qfreeze_done);
}

module_init(qfreeze_init);
module_exit(qfreeze_exit);
MODULE_DESCRIPTION("qfence test helper: freeze one CPU with interrupts off");
MODULE_LICENSE("GPL");
