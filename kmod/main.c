// SPDX-License-Identifier: GPL-2.0
/*
 * qfence: quorum leases and an IO fence for storage clusters.
 *
 * A lease (lease.c, registry.c) is kept alive over generic netlink
 * (netlink.c) by a daemon that holds a quorum; the device-mapper target
 * (target.c) refuses IO the moment the lease is not valid, and actions.c
 * bounds how long IO admitted before the fence may still run.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>

#include "actions.h"
#include "netlink.h"
#include "registry.h"
#include "target.h"

static int __init qfence_init(void)
{
	int ret;

	ret = qfence_registry_init();
	if (ret)
		goto err_registry;
	ret = qfence_target_init();
	if (ret)
		goto err_target;
	ret = qfence_nl_init();
	if (ret)
		goto err_netlink;

	pr_info("loaded%s\n", qfence_log_only ? " (log-only actions)" : "");
	return 0;

err_netlink:
	qfence_target_exit();
err_target:
	qfence_registry_exit();
err_registry:
	return ret;
}

static void __exit qfence_exit(void)
{
	qfence_nl_exit();
	qfence_target_exit();
	qfence_registry_exit();
}

module_init(qfence_init);
module_exit(qfence_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("qfence: quorum lease watchdog and IO fence");
MODULE_AUTHOR("The qfence authors");
MODULE_VERSION(QFENCE_VERSION);
