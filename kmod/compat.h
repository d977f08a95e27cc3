/* SPDX-License-Identifier: GPL-2.0 */
/*
 * qfence: kernel API differences between the kernels the module builds on.
 *
 * The module is written against Debian's 6.1 kernel. Where a later kernel
 * moved an API, the difference is absorbed here, once, so that the rest of
 * the code calls one name and carries no version tests of its own. Add an
 * entry only for an API the module really uses, with the version that
 * changed it.
 */
#ifndef QFENCE_COMPAT_H
#define QFENCE_COMPAT_H

#include <linux/hrtimer.h>

/*
 * Each QFENCE_HAVE_* is detected by Kbuild in the headers being built
 * against (a feature test, not a version test: distribution kernels
 * backport).
 *
 * hrtimer_setup() (6.13) sets the callback together with the clock and mode;
 * hrtimer_init() was removed in 6.15.
 */
static inline void qfence_hrtimer_setup(struct hrtimer *t,
					enum hrtimer_restart (*fn)(struct hrtimer *),
					clockid_t clock, enum hrtimer_mode mode)
{
#ifdef QFENCE_HAVE_HRTIMER_SETUP
	hrtimer_setup(t, fn, clock, mode);
#else
	hrtimer_init(t, clock, mode);
	t->function = fn;
#endif
}

#endif /* QFENCE_COMPAT_H */
