// SPDX-License-Identifier: GPL-2.0
/*
 * qfence_splat: a test-only module that makes the kernel print one real
 * WARNING ("WARNING: CPU: N PID: P at ...", with its trace) when loaded,
 * so that tests/vm can show that the console check of every VM suite
 * (tests/lib/console.sh) fails a boot with a splat. It does nothing else;
 * qfence.ko is not involved.
 *
 *   insmod qfence_splat.ko && rmmod qfence_splat
 */
#include <linux/module.h>
#include <linux/bug.h>

static int __init qsplat_init(void)
{
	WARN(1, "qfence_splat: a provoked warning for the console check\n");
	return 0;
}

static void __exit qsplat_exit(void)
{
}

module_init(qsplat_init);
module_exit(qsplat_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("qfence test-only: one WARNING at load (tests/vm)");
