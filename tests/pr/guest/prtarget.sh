#!/bin/sh
# The PR test's storage VM: the Linux LIO target exporting one LUN with
# SPC-3 persistent reservations over iSCSI, configured through configfs
# (no targetcli in the guest). Backstore: iblock on /dev/vda, a raw file on
# the host that QEMU opens with cache=none, so that the host's block trace
# dates every write reaching it.
#
#   qargs=IP,IQN[,ISIDS]   this VM's address on eth0 (/24), the target's
#                   IQN, and enforce_pr_isids (default 1: a registration
#                   belongs to the I_T nexus, session id included; 0: to
#                   the initiator name, so that it survives a re-login)
#
# Prints "prtarget: ready" once the portal listens, then serves until the
# host kills QEMU. Every initiator may log in (generate_node_acls, no
# authentication): the test network is a namespace of the test's own.
. /tests/lib.sh
ip=$1 iqn=$2 isids=${3:-1}
# LIO reads its dbroot (/etc/target) when target_core_mod loads: create it
# first. iSCSI logins need crc32c (header and data digests' crypto setup).
mkdir -p /etc/target
for m in virtio_pci virtio_blk virtio_net configfs crc32c_generic target_core_mod \
	target_core_iblock iscsi_target_mod; do
	modprobe "$m" || { echo "FAIL prtarget: modprobe $m"; exit 1; }
done
grep -q configfs /proc/mounts || mount -t configfs none /sys/kernel/config
ip addr add "$ip/24" dev eth0 && ip link set eth0 up || { echo "FAIL prtarget: eth0"; exit 1; }
i=0
while [ ! -b /dev/vda ] && [ $i -lt 100 ]; do usleep 100000; i=$((i + 1)); done
T=/sys/kernel/config/target
set -e
# The LIO trap: <dbroot>/pr must exist before the first registration, or an
# APTPL registration fails with CHECK CONDITION yet may stay registered.
mkdir -p "$(cat $T/dbroot)/pr"
mkdir -p $T/core/iblock_0/lun0
echo "udev_path=/dev/vda" > $T/core/iblock_0/lun0/control
echo 1 > $T/core/iblock_0/lun0/enable
# Whether a registration belongs to the I_T nexus, session id included.
echo "$isids" > $T/core/iblock_0/lun0/attrib/enforce_pr_isids
tpg=$T/iscsi/$iqn/tpgt_1
mkdir -p $tpg/lun/lun_0 "$tpg/np/$ip:3260"
ln -s $T/core/iblock_0/lun0 $tpg/lun/lun_0/lun0
echo 0 > $tpg/attrib/authentication
echo 1 > $tpg/attrib/generate_node_acls
echo 0 > $tpg/attrib/demo_mode_write_protect
echo 1 > $tpg/attrib/cache_dynamic_acls
echo 1 > $tpg/enable
set +e
echo "prtarget: ready $iqn on $ip:3260"
# Serve until QEMU is killed; show the PR state now and then for the log.
while :; do
	sleep 5
	echo "prtarget: pr generation $(cat $T/core/iblock_0/lun0/pr/res_pr_generation 2>/dev/null) holder $(tr '\n' ' ' < $T/core/iblock_0/lun0/pr/res_pr_holder_tg_port 2>/dev/null)" > /dev/console
done
