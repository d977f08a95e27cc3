#!/bin/sh
# The reboot action resets the machine (log_only off). First, with the
# module's escalations real: a lease with SETTLE_WAIT whose IO outlives
# settle_ms must NOT reset the VM (it waits for the drain). Then a lease with
# actions io,reboot expires and the VM must go away by itself (qemu
# -no-reboot exits). The host judges the last part: "armed reboot" here, the
# module's message on the console, qemu gone, and no end marker.
. /tests/lib.sh
action_setup reboot || exit 1

t_settle_wait_survives() {
	settle_setup sw qsw --settle-wait
	qc lease fence sw
	# The write drains after ~2 s; settle_ms (200 ms) passes long before.
	wait "$(cat /tmp/sw.iopid)" || true
	[ "$(cat /tmp/sw.io)" = ok ] || die "the in-flight write failed: $(cat /tmp/sw.io)"
	i=0
	while [ "$(field sw drained_ns)" = 0 ]; do
		i=$((i + 1)); [ $i -lt 500 ] || die "never drained"
		usleep 10000
	done
	expect_field sw state fenced
}
run_case settle-wait-survives t_settle_wait_survives

# UNFENCE cancels a pending reboot: fence with reboot_delay_ms 3000, unfence
# at once; the VM must still be here once the delay has passed.
t_unfence_cancels_reboot() {
	qc lease new rc --generation 1 --max-lease-ms 10000 --actions io,reboot --reboot-delay-ms 3000
	# Armed first: fencing a never-armed lease schedules no action (uapi).
	qc lease renew rc --generation 1 --in-ms 8000
	qc lease fence rc
	f=$(field rc fenced_ns)
	qc lease unfence rc --generation 2
	wait_kernel_time rc $((f + 3500000000))
	expect_field rc state disarmed
	qc lease del rc
}
run_case unfence-cancels-reboot t_unfence_cancels_reboot

quorumctl lease new act --generation 1 --max-lease-ms 10000 --actions io,reboot ||
	{ echo "FAIL reboot-setup: cannot create the lease"; exit 1; }
echo "armed reboot"
quorumctl lease renew act --generation 1 --in-ms 300 ||
	{ echo "FAIL reboot-setup: cannot arm the lease"; exit 1; }
action_wait reboot act
