#!/bin/sh
# design.md rule 6 with a frozen CPU (2 vCPUs): the lease's expiry timer sits
# on CPU 0 (renewed from there, timer_migration off), CPU 0 is frozen with
# interrupts off across the deadline (qfence_freeze.ko), and a reader on
# CPU 1 reads in a tight loop. The first read after the deadline must fail
# while CPU 0 is still frozen: only the clock check at bio admission can
# have refused it, the timer could not run.
. /tests/lib.sh
FZ=/lib/modules/$(uname -r)/extra/qfence_freeze.ko
P=/sys/module/qfence_freeze/parameters
# Everything of ours runs on CPU 1, except the renew.
taskset -p 2 $$ > /dev/null

t_frozen_setup() {
	n=$(grep -c ^processor /proc/cpuinfo)
	[ "$n" -ge 2 ] || die "needs 2 CPUs, has $n"
	[ -f "$KO" ] || die "qfence.ko is not in the initramfs"
	[ -f "$FZ" ] || die "qfence_freeze.ko is not in the initramfs"
	modprobe brd rd_nr=1 rd_size=16384
	modprobe dm-mod
	modprobe qfence log_only=1
	insmod "$FZ" cpu=0
	# Without NO_HZ_COMMON (the debug kernel) there is no such sysctl,
	# and no timer migration either: timers stay where they were started.
	[ ! -e /proc/sys/kernel/timer_migration ] ||
		echo 0 > /proc/sys/kernel/timer_migration
	qc lease new fz --generation 1 --max-lease-ms 10000
	mkfence qfz /dev/ram0 fz
}

t_frozen_cpu() {
	taskset 1 quorumctl lease renew fz --generation 1 --in-ms 1500
	dl=$(field fz deadline_ns)
	fencelat -w /dev/mapper/qfz "$dl" > /tmp/fz.json &
	pid=$!
	echo $((dl + 700000000)) > $P/until_ns
	rc=0
	wait $pid || rc=$?
	cat /tmp/fz.json
	i=0
	while [ "$(cat $P/ended_ns)" = 0 ]; do
		i=$((i + 1)); [ $i -lt 500 ] || die "CPU 0 never thawed"
		usleep 10000
	done
	started=$(cat $P/started_ns)
	ended=$(cat $P/ended_ns)
	echo "deadline $dl, CPU 0 frozen from $started to $ended"
	[ "$started" -lt "$dl" ] || die "the freeze began after the deadline ($started >= $dl): inconclusive, the host was too slow"
	[ $rc -eq 0 ] || die "a read succeeded after the deadline (or failed before it): $(cat /tmp/fz.json)"
	fail=$(sed 's/.*"fail_ns": \([0-9]*\).*/\1/' /tmp/fz.json)
	[ "$fail" -lt "$ended" ] || die "IO was refused only at $fail, after CPU 0 thawed at $ended: the timer fenced, not the clock check"
	expect_field fz state fenced
	expect_field fz fence_reason 1
}

run_case frozen-cpu-setup t_frozen_setup
run_case rule6-frozen-cpu t_frozen_cpu
summary
