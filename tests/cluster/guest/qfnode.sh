#!/bin/sh
# Guest side of the multi-VM split-brain test (tests/cluster): one node.
# Started by tests/vm/init.sh as /tests/qfnodeN.sh (a link; N = node id).
# Everything it and its children print goes to the VM's second serial port
# (the host's build/.../vm/qfnodeN.out), so that the host keeps the logs
# even when the VM is killed:
#   N ...   this script          Q ...   quorumd (its own log lines)
#   W ...   the writer           H ...   the on_fenced hook
#
#   /dev/vda   the shared disk (all VMs), through the qfence device qf
#   /dev/vdb   this node's own disk: quorumd's durable state (ext4)
# With the storage VM (CL_STORAGE=pr|iscsi, lib.sh) the shared disk is the
# iSCSI LUN /dev/sda and the own disk /dev/vda: /etc/qf/disks names them.
#   eth0       10.77.0.N on the test bridge; qfagent on port 7700
export PATH=/bin DM_DISABLE_UDEV=1
id=${0##*/qfnode}
id=${id%.sh}
C=/etc/qf
shared=/dev/vda own=/dev/vdb
[ -e $C/disks ] && read -r shared own < $C/disks
say() { echo "N $(cut -d' ' -f1 /proc/uptime) node $id: $*"; }
die() { say "FAIL: $*"; exec sleep 100000; }

for m in virtio_pci virtio_net virtio_blk virtio_scsi sd_mod sg dm-mod ext4; do
	modprobe $m || die "modprobe $m"
done
i=0
while [ ! -b $own ] || [ ! -b $shared ] || ! ip link show eth0 > /dev/null 2>&1; do
	i=$((i + 1)); [ $i -lt 300 ] || die "no $own, $shared or eth0"
	usleep 100000
done
ip link set eth0 up
ip addr add 10.77.0.$id/24 dev eth0
mkdir -p /var/lib/qfence /run/qf
mount -t ext4 $own /var/lib/qfence || die "cannot mount $own"
# The module's arguments: the node's own, or, for this boot only, those the
# host left on the node's own disk before a reset (/var/lib/qfence/
# qf-next-modargs: the late-write-logonly scenario's log_only=1).
args=$(cat $C/n$id.modargs)
if [ -e /var/lib/qfence/qf-next-modargs ]; then
	args=$(cat /var/lib/qfence/qf-next-modargs)
	rm -f /var/lib/qfence/qf-next-modargs
	say "this boot only: qfence $args"
fi
# shellcheck disable=SC2086
modprobe qfence $args || die "modprobe qfence"
echo "$id" > /run/qf/self
qfagent 7700 &
say "up, log_only=$(cat /sys/module/qfence/parameters/log_only); waiting for the host's go"
# quorumd starts once the host says so (all VMs booted): a VM that is still
# booting under TCG starves the others of CPU, and a starved node lapses.
i=0
until [ -e /run/qf/go ]; do
	i=$((i + 1)); [ $i -lt 6000 ] || die "no go from the host"
	usleep 100000
done
/tests/qf-start.sh
# the device needs the lease, which quorumd creates when it starts
i=0
until dmsetup create qf --table "0 $(blockdev --getsz $shared) qfence $shared qf$id" 2>/dev/null; do
	i=$((i + 1)); [ $i -lt 600 ] || die "cannot create the qfence device"
	usleep 100000
done
say "device qf over $shared on lease qf$id"
initial=
[ "$id" = 1 ] && initial=initial
qfwriter /dev/mapper/qf "$id" "qf$id" /run/qf/claim "$(cat $C/period_ms)" $initial &
echo $! > /run/qf/writer.pid
while :; do sleep 3600; done
