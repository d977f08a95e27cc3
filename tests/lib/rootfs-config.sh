#!/bin/bash
# rootfs-config.sh ROOT KVER: make a debootstrapped Debian a test VM that
# boots fast under TCG with systemd as PID 1 (called by rootfs.sh; part of
# its cache key).
#   - root on LABEL=qfroot, console on ttyS0 (root has no password there:
#     a test VM on a private bridge, for reading what went wrong)
#   - the network from the kernel command line (ip=, read by
#     systemd-network-generator) and the name from systemd.hostname=
#   - qemu-guest-agent: the harness runs its commands through it
#   - masked: whatever a test VM does not need and costs boot time
set -euo pipefail
root=$1 kver=$2
echo qfvm > "$root/etc/hostname"
echo 'LABEL=qfroot / ext4 rw,errors=remount-ro 0 1' > "$root/etc/fstab"
chroot "$root" passwd -d root >/dev/null
# a machine-id per VM, made on its first boot
: > "$root/etc/machine-id"
rm -f "$root/var/lib/dbus/machine-id"
chroot "$root" systemctl enable -q systemd-networkd systemd-network-generator
for u in getty@tty1.service systemd-firstboot.service \
	systemd-networkd-wait-online.service apt-daily.timer apt-daily-upgrade.timer \
	e2scrub_all.timer e2scrub_reap.service fstrim.timer dpkg-db-backup.timer \
	man-db.timer systemd-tmpfiles-clean.timer systemd-timesyncd.service \
	systemd-pstore.service; do
	ln -sf /dev/null "$root/etc/systemd/system/$u"
done
# the journal stays in memory: nothing to flush, nothing left in the image
mkdir -p "$root/etc/systemd/journald.conf.d"
printf '[Journal]\nStorage=volatile\n' > "$root/etc/systemd/journald.conf.d/qf.conf"
# the initramfs only has to find an ext4 root on virtio
sed -i 's/^MODULES=.*/MODULES=list/' "$root/etc/initramfs-tools/initramfs.conf"
printf '%s\n' virtio_pci virtio_blk ext4 > "$root/etc/initramfs-tools/modules"
chroot "$root" update-initramfs -c -k "$kver" >/dev/null 2>&1 ||
	chroot "$root" update-initramfs -u -k "$kver" >/dev/null
