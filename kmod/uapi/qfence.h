/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * qfence: quorum leases and an IO fence, controlled over generic netlink.
 *
 * This file is the wire contract between qfence.ko, quorumd and quorumctl.
 * All three include it; nothing else defines these numbers.
 *
 * Family and group
 * ----------------
 * Generic netlink family "qfence" (QFENCE_GENL_NAME), version 1. It is
 * available in every network namespace (daemons of a test cluster may live
 * in separate namespaces of one kernel). Leases are kernel-global: a name
 * means the same lease in every namespace, because the device-mapper target
 * that enforces it is not namespace-aware either.
 *
 * Multicast group "events" (QFENCE_MCGRP_EVENTS) carries QFENCE_CMD_EVENT
 * messages to every namespace (see "Events" below). Joining it needs
 * CAP_NET_ADMIN over the listener's network namespace
 * (GENL_MCAST_CAP_NET_ADMIN); without it the join (NETLINK_ADD_MEMBERSHIP,
 * or bind() with the group) fails with -EPERM. Lease names, generations
 * and fence times are operational information.
 *
 * Commands run in parallel (the family has parallel_ops): a flood of
 * LEASE_GET from any user does not serialise a renew behind it on
 * genl_mutex.
 *
 * Every mutating command needs CAP_NET_ADMIN in the initial user namespace
 * (GENL_ADMIN_PERM; leases are global, so a container's own user namespace
 * grants nothing); without it the kernel answers -EPERM and changes
 * nothing. LEASE_GET (doit and dump) is open to everyone: any local user
 * can read every lease's name, state, generation, deadline and counters.
 *
 * Every attribute is checked by a strict per-command policy: a missing
 * required attribute, an attribute the command does not take, a wrong type
 * or length, an out-of-range value, a name too long or an unknown bit in a
 * mask is refused with -EINVAL and an extended ack message naming the
 * attribute, and changes nothing. One exception comes from the netlink
 * core (NLA_NUL_STRING in Linux 6.1's nla_validate()): a NAME payload
 * longer than QFENCE_NAME_LEN bytes (a final NUL not counted) that has a
 * NUL within its first QFENCE_NAME_LEN bytes, i.e. a short name followed
 * by trailing bytes, is refused with -ERANGE ("Attribute failed policy
 * validation"), still naming the attribute and changing nothing.
 *
 * NAME: 1 to QFENCE_NAME_LEN - 1 printable ASCII characters without blanks
 * (it appears in device-mapper table lines), NUL-terminated, and the NUL
 * is the attribute's last byte. Without a NUL in the first QFENCE_NAME_LEN
 * bytes (too long, or not terminated): -EINVAL. Bytes after the NUL:
 * -EINVAL if the payload is at most QFENCE_NAME_LEN bytes, -ERANGE beyond.
 *
 * Time
 * ----
 * All times are CLOCK_BOOTTIME nanoseconds (clock_gettime(CLOCK_BOOTTIME)),
 * absolute, as u64. CLOCK_BOOTTIME keeps counting across suspend, so a lease
 * armed before a suspend is expired after a long one. The module measures
 * a lease on its own clock, the raw clocksource plus the time in suspend
 * (design.md §2.6, "The lease clock"): a DEADLINE_NS is converted when it
 * arrives, and the lease runs for what was left of it then, whatever rate
 * adjtimex gives CLOCK_BOOTTIME afterwards. Times the module reports are
 * converted back with the offset of the lease's last renew (a reported
 * deadline is the one given); the others (fence, drain, action, event
 * timestamps) are off by CLOCK_BOOTTIME's slew since that renew, which is
 * nanoseconds without a time daemon and can reach milliseconds under a
 * large slew. NOW_NS is CLOCK_BOOTTIME itself.
 *
 * Lease states (QFENCE_A_STATE)
 * -----------------------------
 *   QFENCE_STATE_DISARMED  created, or cleanly disarmed, or unfenced.
 *                          IO through a fence device is refused (design.md
 *                          rule 8, startup protection). No timer runs.
 *   QFENCE_STATE_ARMED     a deadline is set; IO is admitted while
 *                          now < deadline. The module is pinned.
 *   QFENCE_STATE_FENCED    the deadline passed, LEASE_FENCE was called, or
 *                          the storage refused an admitted bio with a
 *                          reservation conflict (BLK_STS_NEXUS: the node
 *                          was preempted from outside; FENCE_REASON
 *                          STORAGE, actions as on expiry). IO is
 *                          refused. The state is latched (rule 7):
 *                          only LEASE_UNFENCE with a strictly larger
 *                          generation leaves it. The module stays pinned.
 *
 * Rule 6: a bio is admitted only if the state is ARMED and the lease
 * clock is before the deadline at the moment the bio is mapped; the
 * expiry timer is a second line, not the only one.
 *
 * Commands
 * --------
 * QFENCE_CMD_LEASE_NEW (admin)
 *     Create a DISARMED lease.
 *     Required: NAME, GENERATION (1..QFENCE_GEN_LAST, i.e. U64_MAX - 1: a
 *     fenced lease must be able to take a larger generation to rejoin,
 *     design.md rule 7),
 *     MAX_LEASE_MS (1..QFENCE_MAX_LEASE_MS_LIMIT).
 *     Optional: ACTIONS (default QFENCE_ACTION_IO), REBOOT_DELAY_MS
 *     (0..QFENCE_DELAY_MS_LIMIT, default 0), SETTLE_MS
 *     (1..QFENCE_DELAY_MS_LIMIT, default QFENCE_SETTLE_MS_DEFAULT),
 *     FLAGS (QFENCE_F_*).
 *     ACTIONS must include QFENCE_ACTION_IO (the IO fence always fires);
 *     REBOOT and PANIC are mutually exclusive. QFENCE_ACTION_LOG_ONLY is
 *     refused (-EINVAL, extack "LOG_ONLY needs the module loaded with
 *     log_only=Y (tests only)") unless the module was loaded with
 *     log_only=Y, where every lease only logs anyway: design.md rule 12, the
 *     settle escalation has no per-lease escape hatch.
 *     Errors: -EEXIST the name is taken; -ENOSPC QFENCE_MAX_LEASES exist;
 *     -EINVAL bad attributes.
 *
 * QFENCE_CMD_LEASE_RENEW (admin)
 *     Arm the lease, or move its deadline (later or earlier).
 *     Required: NAME, DEADLINE_NS, GENERATION.
 *     Errors: -ENOENT no such lease; -ESTALE GENERATION is not the lease's;
 *     -ECANCELED the lease is FENCED (a late renew never lifts the latch);
 *     -ERANGE DEADLINE_NS <= now, or DEADLINE_NS > now + max_lease_ms.
 *
 * QFENCE_CMD_LEASE_GET (doit: NAME required; dump: all leases)
 *     Reply attributes: NAME, STATE, GENERATION, DEADLINE_NS (0 when no
 *     deadline is set), NOW_NS, MAX_LEASE_MS, ACTIONS, REBOOT_DELAY_MS,
 *     SETTLE_MS, FLAGS, RENEWALS, FENCES, IOS_FAILED, IOS_INFLIGHT
 *     (admitted bios not yet completed; a bio refused because the lease
 *     is not ARMED is never counted, one racing with a fence may be for
 *     the moment of its map), DEVICES, FENCED_NS (0 if never), DRAINED_NS
 *     (the last fence's drain; 0 while the lease is FENCED and has not
 *     drained since the fence), FENCE_REASON.
 *     Errors: -ENOENT.
 *
 * QFENCE_CMD_LEASE_FENCE (admin)
 *     Fence now, whatever the state (a DISARMED lease becomes FENCED too):
 *     the operator's manual fence, or the daemon stepping down. Actions run
 *     as on expiry if the lease was ARMED (or IO was in flight). Fencing a
 *     DISARMED lease with nothing in flight (a daemon at boot fencing a
 *     lease it adopted before ever arming it) latches FENCED and sends the
 *     FENCED (and DRAINED) events, but schedules no reboot or panic: no
 *     ACTION event, ACTION_AT_NS stays 0. Fencing a FENCED lease is a no-op
 *     that succeeds.
 *     Required: NAME. Errors: -ENOENT.
 *
 * QFENCE_CMD_LEASE_UNFENCE (admin)
 *     Clear the latch after the cluster committed a rejoin: the lease takes
 *     the new GENERATION and returns to DISARMED (IO still refused until the
 *     next renew). A pending reboot/panic action is cancelled.
 *     Refused with -EBUSY until the lease has drained since the fence (the
 *     DRAINED event was sent, LEASE_GET reports DRAINED_NS != 0): IO
 *     admitted before the fence must not outlive it, and an unfence cancels
 *     the settle bound. If that IO never completes, the settle escalation
 *     (or, with QFENCE_F_SETTLE_WAIT, nothing) ends it; retry meanwhile.
 *     Before a rejoin an operator must stop every user of the fenced
 *     devices (unmount file systems, stop applications): data they cached
 *     while fenced is stale, and they would write it once IO is admitted
 *     again. Rebooting the node is the recommended way to rejoin.
 *     A DISARMED lease is accepted too: it takes the (strictly larger)
 *     GENERATION and stays DISARMED, and UNFENCED is sent. A daemon so
 *     moves to a rejoined generation while a device-mapper table holds
 *     the lease (no LEASE_DEL + LEASE_NEW needed).
 *     Required: NAME, GENERATION (strictly larger than the lease's, and
 *     at most QFENCE_GEN_LAST as at LEASE_NEW: -EINVAL otherwise).
 *     Errors: -ENOENT; -EINVAL the lease is ARMED; -ESTALE the generation
 *     is not larger; -EBUSY not drained yet (checked after -ESTALE).
 *
 * QFENCE_CMD_LEASE_DISARM (admin)
 *     Clean leave: ARMED -> DISARMED; IO is refused, no action runs.
 *     Disarming a DISARMED lease succeeds.
 *     A disarm starts no settle bound, so it is refused while any device
 *     of the lease has IO in flight (IOS_INFLIGHT of LEASE_GET): such IO
 *     could otherwise reach storage after the cluster has declared the
 *     node gone. The lease then stays ARMED with its deadline; retry once
 *     the IO has completed (quiesce the users first), or LEASE_FENCE,
 *     whose settle bound escalates if the IO never completes. A bio
 *     mapped while a refused disarm is under way may be refused.
 *     Required: NAME. Errors: -ENOENT; -EBUSY the lease has
 *     QFENCE_F_NOWAYOUT, or IO is in flight (extack "IO in flight: retry
 *     once it has completed"; Linux 6.1 has no formatted extack, the count
 *     is LEASE_GET's IOS_INFLIGHT);
 *     -ECANCELED the lease is FENCED, or found expired and now FENCED
 *     (use UNFENCE).
 *
 * QFENCE_CMD_LEASE_DEL (admin)
 *     A DISARMED lease; or a FENCED one at QFENCE_GEN_LAST, which no
 *     generation could ever unfence, once its IO drained (its latch goes
 *     with it, so no other FENCED lease is taken).
 *     Required: NAME. Errors: -ENOENT; -EBUSY the lease is ARMED, FENCED
 *     below QFENCE_GEN_LAST or not drained, or a device-mapper target
 *     still uses it.
 *
 * QFENCE_CMD_LEASE_UPDATE (admin)
 *     Change a lease's timing in place (design.md rule 9: a committed
 *     timing change), whatever ARMED or DISARMED, without a gap in IO.
 *     Required: NAME, GENERATION (the lease's), and at least one of
 *     MAX_LEASE_MS (1..QFENCE_MAX_LEASE_MS_LIMIT) and SETTLE_MS
 *     (1..QFENCE_DELAY_MS_LIMIT): the limits of LEASE_NEW. An absent one
 *     is kept. Numbered after QFENCE_CMD_EVENT, so older numbers stand.
 *     A smaller MAX_LEASE_MS clamps the deadline in force of an ARMED
 *     lease to now + MAX_LEASE_MS and never moves it later; a larger one
 *     only lets later RENEWs reach further. SETTLE_MS applies to the next
 *     fence's settle bound. A FENCED lease refuses: an escalation already
 *     running keeps the bound it started with.
 *     Errors: -ENOENT; -ESTALE GENERATION is not the lease's; -ECANCELED
 *     the lease is FENCED, or was found expired (and is now FENCED);
 *     -EINVAL bad attributes. On an error nothing changed.
 *
 * Events (QFENCE_CMD_EVENT on the "events" group)
 * -----------------------------------------------
 * Attributes: EVENT (QFENCE_EVENT_*), NAME, GENERATION, TIMESTAMP_NS (when
 * the event happened), DEADLINE_NS (the deadline in force), and per event.
 * EXPIRED, FENCED, ACTION and DRAINED report the GENERATION and
 * DEADLINE_NS recorded when the lease was latched, even when they are
 * delivered after a later LEASE_UNFENCE (events are sent from a work item,
 * after the fact); UNFENCED reports the new generation and DEADLINE_NS 0.
 * Each fence yields FENCED and DRAINED exactly once, in that order, before
 * the UNFENCED that ends it.
 *   QFENCE_EVENT_EXPIRED   the deadline passed (the timer or an IO saw it).
 *   QFENCE_EVENT_FENCED    the lease is FENCED: FENCE_REASON, IOS_INFLIGHT
 *                          at that moment.
 *   QFENCE_EVENT_DRAINED   the last IO that was in flight at the fence
 *                          completed: DRAINED_NS. Sent also when nothing
 *                          was in flight (DRAINED_NS = fence time).
 *                          Exactly once per fence, once the devices have
 *                          no IO in flight (a bio refused meanwhile does
 *                          not hide the drain); never if the IO never
 *                          completes.
 *   QFENCE_EVENT_ACTION    a reboot or panic was scheduled or escalated:
 *                          ACTION (QFENCE_ACTION_REBOOT/PANIC),
 *                          ACTION_AT_NS, ACTION_CAUSE (QFENCE_CAUSE_*).
 *                          In log-only mode the action is logged instead.
 *   QFENCE_EVENT_UNFENCED  the latch was cleared, or a DISARMED lease took a
 *                          new generation; GENERATION is the new one.
 *
 * Settle bound (design.md §2, F)
 * ---------------------------
 * At a fence, IO already admitted may still be in flight. If it has not
 * completed within SETTLE_MS, the module escalates. SETTLE_MS counts from
 * the deadline for an expiry (min(deadline, FENCED_NS) + SETTLE_MS: the
 * time the timer or the first IO took to notice the expiry is part of F,
 * not added to it), and from FENCED_NS for a manual fence of a lease that
 * was still valid or DISARMED. When the settle bound is found in the past
 * at the latch, it fires at once. On escalation it panics if the lease's
 * actions include QFENCE_ACTION_PANIC, else it reboots (emergency_restart),
 * so that F is a bound the node enforces on itself. With QFENCE_F_SETTLE_WAIT
 * the module only reports and waits: F is then NOT bounded, and the cluster
 * must not assume it is.
 *
 * Device-mapper target "qfence"
 * -----------------------------
 *   <start> <len> qfence <dev_path> <lease_name> [<#feature args> [<arg>]*]
 * No feature arguments are defined yet; a count other than 0 is refused.
 * The lease must exist when the table is loaded, and LEASE_DEL refuses
 * while a table uses it. The target is immutable (DM_TARGET_IMMUTABLE,
 * target version 1.1): a table reload of a qfence device with a table of
 * another target type, or mixing qfence with another type, is refused by
 * device-mapper (-EINVAL, "can't replace immutable target type qfence" in
 * the kernel log), whatever the lease's state; only the `error` target
 * may replace it, so that an operator can always fail the device. A
 * reload with another lease name is a qfence table and is accepted.
 * The target has no prepare_ioctl: block ioctls
 * that device-mapper would pass to the device (SG_IO and other SCSI
 * pass-through, which would write around the fence) fail with -ENOTTY.
 * Persistent reservations are the exception: device-mapper's own pr_ops
 * send IOC_PR_REGISTER, IOC_PR_RESERVE, IOC_PR_RELEASE and IOC_PR_PREEMPT
 * (and PREEMPT_ABORT) on a qfence device to the underlying device
 * (through iterate_devices), whatever the lease's state: a fenced node can
 * still register, reserve, release and preempt. Linux 6.1 has no per-target
 * hook to refuse them (only IOC_PR_CLEAR goes through prepare_ioctl and
 * fails). Do not manage reservations through qfence devices; if the
 * cluster uses reservations, issue them on the underlying device, from
 * code that checks the lease itself. Every bio (read, write, flush,
 * discard, write-zeroes, zone management) is admitted only under rule 6;
 * others end with BLK_STS_IOERR (EIO).
 * Zoned devices: the target does not declare host-managed support, so
 * device-mapper refuses a table over a host-managed zoned device; over a
 * host-aware one, zone reset/open/close/finish bios (a sector, no length)
 * are fenced like every bio and remapped to the device's offset. STATUSTYPE_INFO prints
 *   <lease_state> <ios_failed> <ios_inflight>
 * with lease_state one of "disarmed", "armed", "fenced" and the counts
 * this device's; STATUSTYPE_TABLE reproduces the table arguments.
 *
 * Module parameters
 * -----------------
 *   log_only (bool, default N): reboot and panic actions, including the
 *   settle escalation, are logged instead of executed (for tests, as
 *   softdog's soft_noboot; read-only once loaded). The only way to disarm
 *   the escalation: QFENCE_ACTION_LOG_ONLY is accepted only under it.
 */
#ifndef _UAPI_LINUX_QFENCE_H
#define _UAPI_LINUX_QFENCE_H

#define QFENCE_GENL_NAME "qfence"
#define QFENCE_GENL_VERSION 1
#define QFENCE_MCGRP_EVENTS "events"

/* Buffer size of a lease name, including the terminating NUL. */
#define QFENCE_NAME_LEN 32
#define QFENCE_MAX_LEASES 256
#define QFENCE_MAX_LEASE_MS_LIMIT 600000U	/* 10 minutes */
#define QFENCE_DELAY_MS_LIMIT 600000U
/*
 * The largest generation a lease takes (LEASE_NEW, LEASE_UNFENCE). A lease
 * fenced at it can never be unfenced (rule 7 wants a larger one); LEASE_DEL
 * takes it once drained and unused.
 */
#define QFENCE_GEN_LAST (~0ULL - 1)
#define QFENCE_SETTLE_MS_DEFAULT 1000U

enum qfence_cmd {
	QFENCE_CMD_UNSPEC,
	QFENCE_CMD_LEASE_NEW,
	QFENCE_CMD_LEASE_RENEW,
	QFENCE_CMD_LEASE_GET,
	QFENCE_CMD_LEASE_FENCE,
	QFENCE_CMD_LEASE_UNFENCE,
	QFENCE_CMD_LEASE_DISARM,
	QFENCE_CMD_LEASE_DEL,
	QFENCE_CMD_EVENT,
	QFENCE_CMD_LEASE_UPDATE,
	__QFENCE_CMD_MAX
};

#define QFENCE_CMD_MAX (__QFENCE_CMD_MAX - 1)

enum qfence_attr {
	QFENCE_A_UNSPEC,
	QFENCE_A_PAD,			/* alignment padding for u64 */
	QFENCE_A_NAME,			/* NUL-terminated string */
	QFENCE_A_GENERATION,		/* u64 */
	QFENCE_A_MAX_LEASE_MS,		/* u32 */
	QFENCE_A_ACTIONS,		/* u32, QFENCE_ACTION_* mask */
	QFENCE_A_REBOOT_DELAY_MS,	/* u32 */
	QFENCE_A_SETTLE_MS,		/* u32 */
	QFENCE_A_FLAGS,			/* u32, QFENCE_F_* mask */
	QFENCE_A_DEADLINE_NS,		/* u64, absolute CLOCK_BOOTTIME */
	QFENCE_A_STATE,			/* u32, QFENCE_STATE_* */
	QFENCE_A_NOW_NS,		/* u64 */
	QFENCE_A_RENEWALS,		/* u64 */
	QFENCE_A_FENCES,		/* u64 */
	QFENCE_A_IOS_FAILED,		/* u64 */
	QFENCE_A_IOS_INFLIGHT,		/* u64 */
	QFENCE_A_DEVICES,		/* u32, targets using the lease */
	QFENCE_A_FENCED_NS,		/* u64 */
	QFENCE_A_DRAINED_NS,		/* u64 */
	QFENCE_A_FENCE_REASON,		/* u32, QFENCE_REASON_* */
	QFENCE_A_EVENT,			/* u32, QFENCE_EVENT_* */
	QFENCE_A_TIMESTAMP_NS,		/* u64 */
	QFENCE_A_ACTION,		/* u32, one QFENCE_ACTION_* bit */
	QFENCE_A_ACTION_AT_NS,		/* u64 */
	QFENCE_A_ACTION_CAUSE,		/* u32, QFENCE_CAUSE_* */
	__QFENCE_A_LAST
};

#define QFENCE_A_MAX (__QFENCE_A_LAST - 1)

enum qfence_state {
	QFENCE_STATE_DISARMED,
	QFENCE_STATE_ARMED,
	QFENCE_STATE_FENCED,
};

enum qfence_action {
	QFENCE_ACTION_IO = 1U << 0,	/* always set: refuse IO */
	QFENCE_ACTION_REBOOT = 1U << 1,	/* emergency_restart() after delay */
	QFENCE_ACTION_PANIC = 1U << 2,	/* panic() after delay, for kdump */
	QFENCE_ACTION_LOG_ONLY = 1U << 3, /* only with log_only=Y (tests) */
	__QFENCE_ACTION_ALL = (1U << 4) - 1
};

enum qfence_flag {
	QFENCE_F_NOWAYOUT = 1U << 0,	/* LEASE_DISARM is refused */
	QFENCE_F_SETTLE_WAIT = 1U << 1,	/* never escalate; F unbounded */
	__QFENCE_F_ALL = (1U << 2) - 1
};

enum qfence_reason {
	QFENCE_REASON_NONE,
	QFENCE_REASON_EXPIRED,		/* the deadline passed */
	QFENCE_REASON_MANUAL,		/* LEASE_FENCE */
	QFENCE_REASON_STORAGE,		/* the storage refused an admitted bio */
};

enum qfence_event {
	QFENCE_EVENT_UNSPEC,
	QFENCE_EVENT_EXPIRED,
	QFENCE_EVENT_FENCED,
	QFENCE_EVENT_DRAINED,
	QFENCE_EVENT_ACTION,
	QFENCE_EVENT_UNFENCED,
};

enum qfence_cause {
	QFENCE_CAUSE_ACTION,		/* the lease's configured action */
	QFENCE_CAUSE_SETTLE,		/* IO still in flight after settle_ms */
};

#endif /* _UAPI_LINUX_QFENCE_H */
