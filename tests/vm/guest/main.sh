#!/bin/sh
# The main VM run: every lease and fence case that leaves the VM alive, in
# one boot. Devices: brd RAM disks ram0..ram3 (16 MiB each).
#
#   /dev/mapper/qf1  qfence -> ram0               lease io1 (then io2)
#   /dev/mapper/qd1  qfence -> ram2               lease d1
#   /dev/mapper/dly  delay(2 s) -> ram1
#   /dev/mapper/qst  qfence -> dly                lease st (settle 200 ms)
#   /dev/mapper/qsw  qfence -> dly                lease sw (settle-wait)
#   /dev/mapper/qfl  qfence -> ram3               lease fl (fencelat)
. /tests/lib.sh

t_setup() {
	modprobe brd rd_nr=4 rd_size=16384
	modprobe dm-mod
	modprobe dm-delay
	[ -b /dev/ram3 ] || die "no /dev/ram3"
	[ -c /dev/mapper/control ] || die "no /dev/mapper/control"
}

t_module_load() {
	[ -f "$KO" ] || die "qfence.ko is not in the initramfs (did make module fail?)"
	command -v quorumctl || die "quorumctl is not in the initramfs (did make tools fail?)"
	modprobe qfence log_only=1
	[ -d /sys/module/qfence ] || die "no /sys/module/qfence"
	[ "$(cat /sys/module/qfence/parameters/log_only)" = Y ] || die "log_only is not Y"
	dmsetup targets | grep -q '^qfence' || die "no qfence dm target"
	qc lease list
}

t_lease_new() {
	qc lease new io1 --generation 3 --max-lease-ms 10000
	expect_field io1 state disarmed
	expect_field io1 generation 3
	expect_field io1 deadline_ns 0
	expect_field io1 max_lease_ms 10000
	expect_field io1 actions 1
}

t_dm_create() {
	mkfence qf1 /dev/ram0 io1
	dmsetup table qf1
	dmsetup table qf1 | grep -Eq " qfence (1:0|/dev/ram0) io1$" || die "table does not reproduce the arguments"
	expect_field io1 devices 1
	dm_info qf1 | grep -q '^disarmed ' || die "status: $(dm_info qf1)"
	# Refused tables: unknown lease, a feature argument, too few arguments.
	! dmsetup create bad1 --table "0 8 qfence /dev/ram0 nosuch" || die "table with an unknown lease accepted"
	! dmsetup create bad2 --table "0 8 qfence /dev/ram0 io1 1 foo" || die "table with a feature argument accepted"
	! dmsetup create bad3 --table "0 8 qfence /dev/ram0" || die "table without a lease accepted"
	expect_field io1 devices 1
}

t_io_disarmed() {
	expect_io r /dev/mapper/qf1 EIO
	expect_io w /dev/mapper/qf1 EIO
	expect_io r /dev/ram0 ok
	set -- $(dm_info qf1)
	[ "$1" = disarmed ] && [ "$2" -ge 2 ] || die "status after 2 refused IOs: $*"
}

t_io_renewed() {
	qc lease renew io1 --generation 3 --in-ms 8000
	expect_field io1 state armed
	dd if=/dev/urandom of=/tmp/blk bs=4096 count=1 2>/dev/null
	dd if=/tmp/blk of=/dev/mapper/qf1 bs=4096 count=1 seek=7 oflag=direct
	dd if=/dev/ram0 of=/tmp/blk2 bs=4096 count=1 skip=7 iflag=direct
	cmp /tmp/blk /tmp/blk2 || die "data written through qf1 is not on ram0"
	for i in 1 2 3 4 5; do
		qc lease renew io1 --generation 3 --in-ms 8000
		expect_io r /dev/mapper/qf1 ok
		expect_io w /dev/mapper/qf1 ok
	done
	[ "$(field io1 renewals)" -ge 6 ] || die "renewals: $(field io1 renewals)"
	dm_info qf1 | grep -q '^armed ' || die "status: $(dm_info qf1)"
}

# The same over a file-backed loop device (not only RAM disks).
t_loop_device() {
	modprobe loop
	dd if=/dev/zero of=/tmp/disk.img bs=1M count=8 2>/dev/null
	losetup /dev/loop0 /tmp/disk.img
	qc lease new lp --generation 1 --max-lease-ms 10000
	mkfence qlp /dev/loop0 lp
	expect_io w /dev/mapper/qlp EIO
	qc lease renew lp --generation 1 --in-ms 8000
	echo "through the fence" | dd of=/dev/mapper/qlp bs=4096 conv=sync oflag=direct 2>/dev/null
	dd if=/dev/loop0 bs=4096 count=1 iflag=direct 2>/dev/null | grep -q 'through the fence' ||
		die "write through qlp not on the loop device"
	qc lease fence lp
	expect_io r /dev/mapper/qlp EIO
	expect_io w /dev/mapper/qlp EIO
	dmsetup remove qlp
	losetup -d /dev/loop0
	qc lease unfence lp --generation 2
	qc lease del lp
}

# quorumctl's renew-loop keeps a lease armed (generous margins: 100 ms
# period for a 3 s lease), and the lease fences once it stops.
t_renew_loop() {
	qc lease new rl --generation 1 --max-lease-ms 5000
	mkfence qrl /dev/ram2 rl
	quorumctl lease renew-loop rl --generation 1 --every-ms 100 --lease-ms 3000 --count 15 &
	pid=$!
	wait_state rl armed
	while kill -0 $pid 2>/dev/null; do
		expect_io r /dev/mapper/qrl ok
		usleep 100000
	done
	wait $pid || die "renew-loop failed"
	[ "$(field rl renewals)" = 15 ] || die "renewals $(field rl renewals), want 15"
	wait_state rl fenced
	expect_io r /dev/mapper/qrl EIO
	dmsetup remove qrl
	qc lease unfence rl --generation 2
	qc lease del rl
}

t_renew_absolute() {
	now=$(field io1 now_ns)
	dl=$((now + 6000000000))
	qc lease renew io1 --generation 3 --deadline-ns $dl
	expect_field io1 deadline_ns $dl
	dl=$((now + 5000000000))
	qc lease renew io1 --generation 3 --deadline-ns $dl
	expect_field io1 deadline_ns $dl
	expect_field io1 state armed
}

t_expiry() {
	events_start /tmp/ev1 3 io1
	qc lease renew io1 --generation 3 --in-ms 300
	field io1 deadline_ns > /tmp/ev1.deadline
	wait_state io1 fenced
	expect_io r /dev/mapper/qf1 EIO
	expect_io w /dev/mapper/qf1 EIO
	expect_field io1 fence_reason 1
	expect_field io1 fences 1
}

t_expiry_events() {
	events_wait /tmp/ev1 || die "fewer than 3 events: $(cat /tmp/ev1.err)"
	dl=$(cat /tmp/ev1.deadline)
	for e in expired fenced drained; do
		[ "$(ev /tmp/ev1 $e name)" = io1 ] || die "no $e event for io1"
		[ "$(ev /tmp/ev1 $e generation)" = 3 ] || die "$e: wrong generation"
		ts=$(ev /tmp/ev1 $e timestamp_ns)
		[ "$ts" -ge "$dl" ] || die "$e: timestamp $ts before the deadline $dl"
	done
	[ "$(ev /tmp/ev1 expired deadline_ns)" = "$dl" ] || die "expired: deadline_ns is not the one in force"
	[ "$(ev /tmp/ev1 fenced fence_reason)" = 1 ] || die "fenced: reason is not expired"
}

t_dm_status_fenced() {
	set -- $(dm_info qf1)
	echo "status: $*"
	[ "$1" = fenced ] || die "state in status: $1"
	[ "$2" -ge 4 ] || die "failed count $2 < 4"
	[ "$3" = 0 ] || die "in flight: $3"
	[ "$(field io1 ios_failed)" -ge 4 ] || die "lease ios_failed: $(field io1 ios_failed)"
}

t_late_renew() {
	refused ECANCELED lease renew io1 --generation 3 --in-ms 5000
	expect_field io1 state fenced
	expect_io r /dev/mapper/qf1 EIO
	expect_io w /dev/mapper/qf1 EIO
}

t_unfence_not_larger() {
	refused ESTALE lease unfence io1 --generation 2
	refused ESTALE lease unfence io1 --generation 3
	expect_field io1 state fenced
	expect_field io1 generation 3
	expect_io r /dev/mapper/qf1 EIO
}

t_unfence_larger() {
	events_start /tmp/ev2 1 io1
	qc lease unfence io1 --generation 4
	expect_field io1 state disarmed
	expect_field io1 generation 4
	expect_io r /dev/mapper/qf1 EIO
	refused ESTALE lease renew io1 --generation 3 --in-ms 8000
	expect_io r /dev/mapper/qf1 EIO
	qc lease renew io1 --generation 4 --in-ms 8000
	expect_io r /dev/mapper/qf1 ok
	expect_io w /dev/mapper/qf1 ok
	events_wait /tmp/ev2 || die "no unfenced event"
	[ "$(ev /tmp/ev2 unfenced generation)" = 4 ] || die "unfenced event lacks generation 4"
}

t_manual_fence() {
	f0=$(field io1 fences)
	qc lease fence io1
	expect_field io1 state fenced
	expect_field io1 fence_reason 2
	expect_io r /dev/mapper/qf1 EIO
	qc lease fence io1
	expect_field io1 fences $((f0 + 1))
}

t_dm_reload_fenced() {
	table=$(dmsetup table qf1)
	dmsetup reload qf1 --table "$table"
	dmsetup resume qf1
	dmsetup suspend qf1
	dmsetup resume qf1
	dm_info qf1 | grep -q '^fenced ' || die "status after reload: $(dm_info qf1)"
	expect_io r /dev/mapper/qf1 EIO
	qc lease unfence io1 --generation 5
	qc lease renew io1 --generation 5 --in-ms 8000
	dmsetup suspend qf1
	dmsetup resume qf1
	expect_io w /dev/mapper/qf1 ok
}

# The fence cannot be swapped out by a reload: a table of another target
# type is refused (DM_TARGET_IMMUTABLE) while the lease is armed or
# fenced, except `error`, which an operator may always load to fail the
# device (cleared here, never resumed). A device of its own over ram0.
t_dm_reload_other_target() {
	# A failure must not leave the device or the lease to later cases.
	trap 'dmsetup remove qim; quorumctl lease disarm imm; quorumctl lease unfence imm --generation 2; quorumctl lease del imm' EXIT
	qc lease new imm --generation 1 --max-lease-ms 10000
	dmsetup create qim --table "0 16 qfence /dev/ram0 imm"
	qc lease renew imm --generation 1 --in-ms 8000
	expect_io r /dev/mapper/qim ok
	! dmsetup reload qim --table "0 16 linear /dev/ram0 0" || die "reload to linear accepted over an armed lease"
	! dmsetup reload qim --table "0 8 qfence /dev/ram0 imm
8 8 linear /dev/ram0 8" || die "reload mixing qfence and linear accepted"
	dmsetup reload qim --table "0 16 error" || die "reload to error refused"
	dmsetup clear qim
	dmsetup table qim | grep -q ' qfence ' || die "table changed: $(dmsetup table qim)"
	qc lease fence imm
	! dmsetup reload qim --table "0 16 linear /dev/ram0 0" || die "reload to linear accepted over a fenced lease"
	dmsetup table qim | grep -q ' qfence ' || die "table changed: $(dmsetup table qim)"
	expect_io r /dev/mapper/qim EIO
	dmsetup remove qim
	qc lease unfence imm --generation 2
	qc lease del imm
	trap - EXIT
}

# A bio that waits in a suspended device is mapped on resume: by then the
# lease has expired and it must fail (rule 6, checked at map time).
t_dm_expiry_while_suspended() {
	# The 8 s lease of dm-reload-keeps-fence may have run out meanwhile
	# on a slow kernel (the debug lane): then unfence it first.
	ensure_armed io1 500
	dmsetup suspend qf1
	dio r /dev/mapper/qf1 > /tmp/susp.io &
	pid=$!
	wait_state io1 fenced
	dmsetup resume qf1
	wait $pid || true
	[ "$(cat /tmp/susp.io)" = EIO ] || die "IO queued across the expiry: '$(cat /tmp/susp.io)'"
	expect_io r /dev/mapper/qf1 EIO
}

t_dm_reload_other_lease() {
	qc lease new io2 --generation 1 --max-lease-ms 10000
	g=$(($(field io1 generation) + 1))
	qc lease unfence io1 --generation $g
	qc lease renew io1 --generation $g --in-ms 8000
	expect_io r /dev/mapper/qf1 ok
	dmsetup reload qf1 --table "0 $(sectors /dev/ram0) qfence /dev/ram0 io2"
	dmsetup resume qf1
	expect_io r /dev/mapper/qf1 EIO
	expect_field io2 devices 1
	expect_field io1 devices 0
	! dmsetup reload qf1 --table "0 $(sectors /dev/ram0) qfence /dev/ram0 nosuch" || die "reload to an unknown lease accepted"
	dmsetup reload qf1 --table "0 $(sectors /dev/ram0) qfence /dev/ram0 io1"
	dmsetup resume qf1
	expect_io r /dev/mapper/qf1 ok
	expect_field io1 devices 1
	expect_field io2 devices 0
	qc lease del io2
}

t_disarm() {
	qc lease new d1 --generation 1 --max-lease-ms 10000
	mkfence qd1 /dev/ram2 d1
	qc lease renew d1 --generation 1 --in-ms 1500
	dl=$(field d1 deadline_ns)
	qc lease disarm d1
	expect_field d1 state disarmed
	expect_io r /dev/mapper/qd1 EIO
	expect_io w /dev/mapper/qd1 EIO
	# The old deadline passes and nothing may happen.
	wait_kernel_time d1 $((dl + 200000000))
	expect_field d1 state disarmed
	expect_field d1 fences 0
	qc lease disarm d1
}

t_nowayout() {
	qc lease new nw --generation 1 --max-lease-ms 10000 --nowayout
	expect_field nw flags 1
	qc lease renew nw --generation 1 --in-ms 8000
	refused EBUSY lease disarm nw
	expect_field nw state armed
	qc lease fence nw
	qc lease unfence nw --generation 2
	qc lease del nw
}

t_del_in_use() {
	refused EBUSY lease del io1
	refused EBUSY lease del d1
	expect_field d1 state disarmed
	dmsetup remove qd1
	expect_field d1 devices 0
	qc lease del d1
	! qlease get d1 || die "d1 still exists"
}

t_unprivileged() {
	ensure_armed io1
	r0=$(field io1 renewals)
	d0=$(field io1 deadline_ns)
	nobody_refused lease new u1 --generation 1 --max-lease-ms 1000
	nobody_refused lease renew io1 --generation 6 --in-ms 5000
	nobody_refused lease fence io1
	nobody_refused lease unfence io1 --generation 7
	nobody_refused lease disarm io1
	nobody_refused lease del io1
	expect_field io1 state armed
	expect_field io1 renewals "$r0"
	expect_field io1 deadline_ns "$d0"
	! qlease get u1 || die "u1 was created"
}

t_unprivileged_get() {
	dropuid 65534 quorumctl --json lease show io1 > /tmp/u.json
	cat /tmp/u.json
	grep -q '"io1"' /tmp/u.json || die "no io1 in the unprivileged show"
	dropuid 65534 quorumctl lease list
	dropuid 65534 qlease get io1
}

t_netns() {
	unshare -n sh -c 'ip link set lo up &&
		quorumctl lease new ns1 --generation 1 --max-lease-ms 10000 &&
		quorumctl lease renew ns1 --generation 1 --in-ms 8000 &&
		quorumctl lease show ns1'
	expect_field ns1 state armed
	unshare -n sh -c 'quorumctl lease disarm ns1 && quorumctl lease del ns1'
	! qlease get ns1 || die "ns1 still exists"
}

t_netns_events() {
	qc lease new ev1 --generation 1 --max-lease-ms 10000
	rm -f /tmp/ev3.ready
	unshare -n qlease events 10000 1 /tmp/ev3.ready ev1 > /tmp/ev3 2>&1 &
	pid=$!
	i=0
	while [ ! -e /tmp/ev3.ready ]; do
		i=$((i + 1)); [ $i -lt 500 ] || die "listener in the netns never subscribed"
		usleep 10000
	done
	qc lease fence ev1
	wait $pid || die "no event in the netns: $(cat /tmp/ev3)"
	cat /tmp/ev3
	grep -q 'event=fenced name=ev1' /tmp/ev3 || die "wrong event: $(cat /tmp/ev3)"
	# A fenced lease cannot be deleted either.
	refused EBUSY lease del ev1
	qc lease unfence ev1 --generation 2
	qc lease del ev1
}

# settle_run LEASE DMNAME COUNT [new options]: a write held 2 s by dm-delay
# is in flight when the lease is fenced by hand; COUNT events are collected
# in /tmp/LEASE.ev.
settle_run() {
	_n=$3
	_a=$1 _b=$2
	shift 3
	settle_setup "$_a" "$_b" "$@"
	events_start /tmp/$_a.ev "$_n" "$_a" 15000
	qc lease fence "$_a"
	events_wait /tmp/$_a.ev || die "fewer than $_n events: $(cat /tmp/$_a.ev.err)"
	wait "$(cat /tmp/$_a.iopid)" || true
	[ "$(cat /tmp/$_a.io)" = ok ] || die "the write admitted before the fence failed: $(cat /tmp/$_a.io)"
	[ "$(ev /tmp/$_a.ev fenced ios_inflight)" = 1 ] || die "fenced event: in flight is not 1"
	fts=$(ev /tmp/$_a.ev fenced timestamp_ns)
}

# drained_after_fence LEASE: its DRAINED event came after the fence.
drained_after_fence() {
	dns=$(ev /tmp/$1.ev drained drained_ns)
	[ -n "$dns" ] || die "no DRAINED event"
	[ "$dns" -gt "$fts" ] || die "drained_ns $dns not after the fence $fts"
}

t_settle_escalation() {
	settle_run st qst 3
	drained_after_fence st
	[ "$(ev /tmp/st.ev action action_cause)" = 1 ] || die "no ACTION event with cause settle"
	[ "$(ev /tmp/st.ev action action)" = 2 ] || die "escalation is not a reboot"
	at=$(ev /tmp/st.ev action action_at_ns)
	[ "$at" -ge $((fts + 200000000)) ] || die "escalated before settle_ms: $at < $fts + 200 ms"
	dmesg | grep -i 'qfence' | tail -n 5
}

t_settle_wait() {
	settle_run sw qsw 2 --settle-wait
	qlease get sw
	# ACTION means "a reboot or panic was scheduled or escalated" (uapi).
	! grep -q '^event=action' /tmp/sw.ev || die "ACTION (escalation) event sent despite SETTLE_WAIT"
	drained_after_fence sw
}

# log-only: the configured reboot is announced (ACTION, cause action) at
# fence + reboot_delay_ms, and logged instead of done.
t_action_event_log_only() {
	qc lease new ra --generation 1 --max-lease-ms 10000 --actions io,reboot --reboot-delay-ms 100
	# Armed first: fencing a never-armed lease schedules no action (uapi).
	qc lease renew ra --generation 1 --in-ms 8000
	events_start /tmp/ra.ev 3 ra
	qc lease fence ra
	events_wait /tmp/ra.ev || die "fewer than 3 events"
	[ "$(ev /tmp/ra.ev action action_cause)" = 0 ] || die "no ACTION event with cause action"
	[ "$(ev /tmp/ra.ev action action)" = 2 ] || die "ACTION is not a reboot"
	fts=$(ev /tmp/ra.ev fenced timestamp_ns)
	at=$(ev /tmp/ra.ev action action_at_ns)
	[ "$at" -ge $((fts + 100000000)) ] || die "action_at $at earlier than fence + reboot_delay"
	qc lease unfence ra --generation 2
	qc lease del ra
}

# Fencing a never-armed lease (a daemon at boot fencing what it adopted)
# latches FENCED but schedules no reboot: FENCED then DRAINED, no ACTION
# (which the kernel would send between the two).
t_fence_disarmed_no_action() {
	qc lease new nd --generation 1 --max-lease-ms 10000 --actions io,reboot
	events_start /tmp/nd.ev 2 nd
	qc lease fence nd
	events_wait /tmp/nd.ev || die "fewer than 2 events"
	expect_field nd state fenced
	! grep -q '^event=action' /tmp/nd.ev || die "ACTION scheduled for a never-armed lease"
	grep -q '^event=drained' /tmp/nd.ev || die "no DRAINED event"
	qc lease unfence nd --generation 2
	qc lease del nd
}

# QFENCE_MAX_LEASES leases fit, one more is refused with ENOSPC.
t_lease_table_full() {
	n=$(qlease count)
	i=$n
	while [ $i -lt 256 ]; do
		quorumctl lease new "full$i" --generation 1 --max-lease-ms 1000 > /dev/null ||
			die "lease $i of 256 refused"
		i=$((i + 1))
	done
	refused ENOSPC lease new full256 --generation 1 --max-lease-ms 1000
	[ "$(qlease count)" = 256 ] || die "$(qlease count) leases, want 256"
	i=$n
	while [ $i -lt 256 ]; do
		quorumctl lease del "full$i" > /dev/null || die "del full$i"
		i=$((i + 1))
	done
	[ "$(qlease count)" = "$n" ] || die "$(qlease count) leases left, want $n"
}

t_rule6_fencelat() {
	qc lease new fl --generation 1 --max-lease-ms 1000
	mkfence qfl /dev/ram3 fl
	fencelat /dev/mapper/qfl fl 5 50 || die "a read succeeded after the deadline or failed before it"
}

# The lease runs on the raw clock (kmod/clock.h): CLOCK_BOOTTIME slowed or
# sped up by 10 % through adjtimex's tick must neither stretch the lease in
# real time (a stale write after W) nor cut it short.
t_rule6_slewed_clock() {
	slewlat /dev/mapper/qfl fl 3 400 90 > /tmp/slew90.json ||
		die "a lease on a 10 % slow CLOCK_BOOTTIME: $(cat /tmp/slew90.json)"
	slewlat /dev/mapper/qfl fl 3 400 110 > /tmp/slew110.json ||
		die "a lease on a 10 % fast CLOCK_BOOTTIME: $(cat /tmp/slew110.json)"
}

t_quorumctl_json() {
	ensure_armed io1
	quorumctl --json lease show io1 > /tmp/s.json
	cat /tmp/s.json
	grep -q '"io1"' /tmp/s.json || die "no name"
	grep -q '"armed"' /tmp/s.json || die "no armed state"
	quorumctl --json lease list > /tmp/l.json
	cat /tmp/l.json
	grep -q '"io1"' /tmp/l.json && grep -q '"fl"' /tmp/l.json || die "list lacks io1 or fl"
}

t_quorumctl_events() {
	quorumctl lease new qe --generation 1 --max-lease-ms 10000
	timeout 30 quorumctl lease events > /tmp/qc.ev 2>&1 &
	pid=$!
	g=1
	# The tool cannot tell us when it has subscribed: fence and unfence
	# again until its output shows the event.
	while ! grep -q 'qe' /tmp/qc.ev; do
		[ $g -lt 100 ] || die "quorumctl lease events printed nothing: $(cat /tmp/qc.ev)"
		quorumctl lease fence qe
		g=$((g + 1))
		quorumctl lease unfence qe --generation $g
		usleep 20000
	done
	kill $pid 2>/dev/null || true
	cat /tmp/qc.ev
	grep -qi 'fenced' /tmp/qc.ev || die "no fenced event in quorumctl's output"
	quorumctl lease del qe
}

# Issue 9 hole 12: a lease fenced at the last generation (U64_MAX - 1),
# which no rejoin could unfence, is deleted once drained; one below it is
# not (a rejoin can still unfence it); U64_MAX itself is never taken.
t_last_generation() {
	refused EINVAL lease new lgx --generation 18446744073709551615 --max-lease-ms 1000
	qc lease new lg --generation 18446744073709551614 --max-lease-ms 1000
	qc lease new lg2 --generation 18446744073709551613 --max-lease-ms 1000
	for l in lg lg2; do
		qc lease renew $l --generation "$(field $l generation)" --in-ms 500
		qc lease fence $l
		wait_state $l fenced
	done
	refused EINVAL lease unfence lg --generation 18446744073709551615
	refused EBUSY lease del lg2
	i=0
	until quorumctl lease del lg; do
		i=$((i + 1)); [ $i -lt 50 ] || die "lg: del refused after the drain"
		usleep 100000
	done
	! qlease get lg || die "lg still exists"
	qc lease unfence lg2 --generation 18446744073709551614
	qc lease del lg2
}

t_cleanup_devices() {
	for d in qf1 qst qsw qfl dly; do
		dmsetup remove $d
	done
	[ -z "$(dmsetup ls | grep -v 'No devices')" ] || die "devices left: $(dmsetup ls)"
}

t_rmmod_armed() {
	qc lease new pin --generation 1 --max-lease-ms 60000
	qc lease renew pin --generation 1 --in-ms 50000
	! rmmod qfence || die "rmmod succeeded with an armed lease"
	[ -d /sys/module/qfence ] || die "module gone"
	expect_field pin state armed
}

t_rmmod_fenced() {
	qc lease fence pin
	! rmmod qfence || die "rmmod succeeded with a fenced lease"
	[ -d /sys/module/qfence ] || die "module gone"
}

t_rmmod_clean() {
	qc lease unfence pin --generation 2
	# Every lease left (also those of a case that failed half-way).
	for l in $(qlease names); do
		g=$(field $l generation)
		[ "$(field $l state)" != fenced ] || qc lease unfence $l --generation $((g + 1))
		qc lease disarm $l
		qc lease del $l
	done
	[ "$(qlease count)" = 0 ] || die "leases left: $(qlease names)"
	qc lease list
	rmmod qfence || die "rmmod refused after disarm and del"
	[ ! -e /sys/module/qfence ] || die "/sys/module/qfence still there"
	! lsmod | grep -q '^qfence' || die "lsmod still lists qfence"
	! dmsetup targets | grep -q '^qfence' || die "dm target qfence still registered"
}

t_module_absent() {
	echo /bin/false > /proc/sys/kernel/modprobe
	rc=0
	quorumctl lease list || rc=$?
	echo /sbin/modprobe > /proc/sys/kernel/modprobe
	[ $rc -eq 3 ] || die "quorumctl without the module: exit $rc, want 3"
}

t_module_reload() {
	modprobe qfence log_only=1
	qc lease new again --generation 1 --max-lease-ms 1000
	qc lease del again
	rmmod qfence
	[ ! -e /sys/module/qfence ] || die "second rmmod left /sys/module/qfence"
}

run_case setup-block-devices t_setup
run_case module-load t_module_load
run_case lease-new-disarmed t_lease_new
run_case dm-target-create t_dm_create
run_case io-refused-while-disarmed t_io_disarmed
run_case io-ok-while-renewed t_io_renewed
run_case renew-absolute-deadline t_renew_absolute
run_case expiry-fences-io t_expiry
run_case expiry-events t_expiry_events
run_case dm-status-fenced t_dm_status_fenced
run_case late-renew-refused t_late_renew
run_case unfence-not-larger-refused t_unfence_not_larger
run_case unfence-larger-restores-io t_unfence_larger
run_case manual-fence t_manual_fence
run_case dm-reload-keeps-fence t_dm_reload_fenced
run_case dm-reload-refuses-other-targets t_dm_reload_other_target
run_case dm-expiry-while-suspended t_dm_expiry_while_suspended
run_case dm-reload-other-lease t_dm_reload_other_lease
run_case disarm-blocks-io t_disarm
run_case nowayout-refuses-disarm t_nowayout
run_case del-refused-while-in-use t_del_in_use
run_case unprivileged-eperm t_unprivileged
run_case unprivileged-get t_unprivileged_get
run_case netns-family t_netns
run_case netns-events t_netns_events
run_case io-over-loop-device t_loop_device
run_case renew-loop-keeps-lease t_renew_loop
run_case settle-escalation-log-only t_settle_escalation
run_case settle-wait-no-escalation t_settle_wait
run_case action-event-log-only t_action_event_log_only
run_case fence-disarmed-no-action t_fence_disarmed_no_action
run_case lease-table-full t_lease_table_full
run_case rule6-no-io-after-deadline t_rule6_fencelat
run_case rule6-lease-on-raw-clock t_rule6_slewed_clock
cat /tmp/slew90.json /tmp/slew110.json 2>/dev/null | sed 's/^/    slewlat /'
run_case quorumctl-json t_quorumctl_json
run_case quorumctl-events t_quorumctl_events
# nlbad prints its own ok/FAIL line per malformed request.
nlbad > /tmp/nlbad.out 2>&1
echo $? > /tmp/nlbad.rc
grep -E '^(ok|FAIL) |^    \| ' /tmp/nlbad.out
t_nlbad() {
	tail -n 1 /tmp/nlbad.out
	[ "$(cat /tmp/nlbad.rc)" = 0 ] || die "nlbad: $(tail -n 1 /tmp/nlbad.out)"
}
run_case nlbad-complete t_nlbad
run_case last-generation-deletable t_last_generation
run_case cleanup-devices t_cleanup_devices
run_case rmmod-refused-while-armed t_rmmod_armed
run_case rmmod-refused-while-fenced t_rmmod_fenced
run_case rmmod-clean t_rmmod_clean
run_case quorumctl-module-absent t_module_absent
run_case module-reload t_module_reload
summary
