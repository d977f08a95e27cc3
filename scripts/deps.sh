#!/bin/sh
# Install the Debian packages that building and testing qfence need.
# Idempotent: does nothing when everything is present.
set -e
PKGS="build-essential pkg-config git
linux-headers-amd64 linux-image-amd64 linux-source-6.1 flex bison bc libelf-dev libssl-dev
qemu-system-x86 busybox-static cpio kmod dmsetup iproute2 nftables fio util-linux
libmnl-dev libnl-3-dev libnl-genl-3-dev libsodium-dev libinih-dev libsystemd-dev
python3 xz-utils
clang-14 libclang-rt-14-dev
libsgutils2-dev
debhelper dh-dkms dkms lintian fakeroot man-db systemd
prometheus fence-agents libxml2-utils
debootstrap qemu-utils e2fsprogs
sg3-utils qemu-block-extra stress-ng"
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive INITRD=No
apt-get update -q
# INITRD=No: Debian's own initramfs is never used (we boot our own), and
# skipping it makes the kernel install take seconds instead of minutes.
apt-get install -y -q --no-install-recommends $missing
