#!/bin/sh
# PID 1 of the test VM. Mounts what the tests need, runs the guest script
# named by `qtest=NAME` on the kernel command line (tests/vm/guest/NAME.sh)
# with its output on the second serial port (ttyS1: test results only, no
# kernel messages interleaved), prints the end marker and powers off.
# The host counts a run only if the end marker arrives.
export PATH=/bin HOME=/ TERM=dumb DM_DISABLE_UDEV=1
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mkdir -p /dev/pts /dev/shm /run/netns
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /tmp
mount -t tmpfs tmpfs /run
mkdir -p /run/netns
echo /sbin/modprobe > /proc/sys/kernel/modprobe 2>/dev/null
ip link set lo up
hostname qfence-vm

test=
args=
for w in $(cat /proc/cmdline); do
	case $w in
	qtest=*) test=${w#qtest=} ;;
	qargs=*) args=$(echo "${w#qargs=}" | tr , ' ') ;;
	esac
done
out=/dev/ttyS1
[ -c $out ] || out=/dev/console
# The debug kernel (tests/vm/debug) has kmemleak: forget what boot left,
# so that the scan after the test reports only what the test leaked.
leaks=/sys/kernel/debug/kmemleak
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
[ ! -w $leaks ] || echo clear > $leaks
{
	echo "qfence-vm: begin $test $(cat /proc/sys/kernel/osrelease)"
	if [ -n "$(cat /etc/qfence-missing)" ]; then
		echo "qfence-vm: not in the initramfs:$(cat /etc/qfence-missing)"
	fi
	if [ -n "$test" ] && [ -x "/tests/$test.sh" ]; then
		# shellcheck disable=SC2086
		/tests/$test.sh $args
		rc=$?
	else
		echo "FAIL vm-init: no guest script '$test'"
		rc=1
	fi
	if [ -w $leaks ]; then
		# Two scans: an object is reported once it stayed unreferenced
		# across one (kmemleak's own rule against transient pointers).
		echo scan > $leaks; sleep 6; echo scan > $leaks
		sed 's/^/kmemleak: /' $leaks
		echo "qfence-vm: kmemleak scanned"
	fi
	echo "qfence-vm: end $test rc=$rc"
} > $out 2>&1
echo "qfence-vm: $test finished, powering off" > /dev/console
sync
poweroff -f
