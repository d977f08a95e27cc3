#!/bin/sh
# A cluster VM of the PR test (tests/pr): an iSCSI initiator through QEMU's
# own iSCSI client. The LUN appears as a SCSI disk (virtio-scsi +
# scsi-block: PR commands pass through to the target); the host drives
# every step through qfagent.
#
# Started as /tests/prnodeN.sh (a link; N = node id): eth0 = 10.78.0.N/24,
# qfagent on port 7700.
export PATH=/bin DM_DISABLE_UDEV=1
id=${0##*/prnode}
id=${id%.sh}
say() { echo "P $(cut -d' ' -f1 /proc/uptime) node $id: $*"; }
for m in virtio_pci virtio_net virtio_scsi sd_mod sg dm-mod qfence; do
	modprobe "$m" || { say "FAIL: modprobe $m"; exec sleep 100000; }
done
i=0
while ! ip link show eth0 > /dev/null 2>&1 || ! ls /sys/class/scsi_disk/* > /dev/null 2>&1; do
	i=$((i + 1)); [ $i -lt 300 ] || { say "FAIL: no eth0 or SCSI disk"; exec sleep 100000; }
	usleep 100000
done
ip link set eth0 up
ip addr add "10.78.0.$id/24" dev eth0
qfagent 7700 &
say "up: $(ls /sys/class/scsi_disk/*/device/block 2>/dev/null | tr '\n' ' ')"
exec sleep 100000
