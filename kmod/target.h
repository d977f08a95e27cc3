/* SPDX-License-Identifier: GPL-2.0 */
/*
 * qfence device-mapper target "qfence": the IO fence.
 */
#ifndef _QFENCE_TARGET_H
#define _QFENCE_TARGET_H

int qfence_target_init(void);
void qfence_target_exit(void);

#endif /* _QFENCE_TARGET_H */
