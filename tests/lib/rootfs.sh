#!/bin/bash
# A cached Debian root filesystem for VMs with systemd as PID 1.
#
#   tests/lib/rootfs.sh [--suite S] [--packages "P ..."] [--extra "P ..."]
#
# Prints the cache directory on stdout; it holds
#   root.qcow2   the image (ext4, no partition table: root=/dev/vda)
#   initrd.img   the image's own initramfs-tools initramfs for KVER
#   packages     the package list it was built from
# The kernel is the host's /boot/vmlinuz-KVER, the one the other VM suites
# boot: the image installs the same Debian package (linux-image-KVER, with
# its modules, and linux-headers-KVER for DKMS).
#
# Cached as tests/kunit/run.sh caches its tree:
#   $QFENCE_CACHE/rootfs/<key>/   key = hash of (suite, mirrors, KVER, the
#                                 package list, this script)
# built in a temporary directory and renamed into place, under a flock, so
# two runs never build it twice or see half an image. Nobody writes the
# cached image: each VM boots a qcow2 overlay whose backing file it is.
#
# --extra adds packages to the default list (issue 11's Pacemaker VMs:
# --extra "corosync pacemaker fence-agents" is a different key, a second
# image); --packages replaces the list.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
KVER=${KVER:-$("$top/scripts/kver.sh")}
suite=bookworm
mirror=http://deb.debian.org/debian
security=http://deb.debian.org/debian-security
# systemd as PID 1 and what the packages need at run time (dpkg -i does not
# resolve dependencies): DKMS's compiler and the kernel headers, dmsetup,
# the daemon's libraries; qemu-guest-agent is the harness's way in.
pkgs="systemd systemd-sysv udev dbus kmod dmsetup iproute2 e2fsprogs procps
linux-image-$KVER linux-headers-$KVER initramfs-tools dkms gcc make
libmnl0 libnl-3-200 libnl-genl-3-200 libsodium23 libinih1 libsystemd0
qemu-guest-agent"
extra=
while [ $# -gt 0 ]; do
	case $1 in
	--suite) suite=$2; shift 2 ;;
	--packages) pkgs=$2; shift 2 ;;
	--extra) extra=$2; shift 2 ;;
	*) echo "rootfs.sh: unknown option $1" >&2; exit 2 ;;
	esac
done
list=$(echo $pkgs $extra | tr ' ' '\n' | LC_ALL=C sort -u)
key=$({ echo "$suite $mirror $security $KVER"; echo "$list"; cat "$0" "$here/rootfs-config.sh"; } |
	sha256sum | cut -c1-16)

cache=${QFENCE_CACHE:-/var/cache/qfence}/rootfs
mkdir -p "$cache"
dir=$cache/$key
exec 9>"$cache/$key.lock"
flock 9
if [ -f "$dir/root.qcow2" ] && [ -f "$dir/initrd.img" ]; then
	echo "$dir"; exit 0
fi
for tool in debootstrap mkfs.ext4 qemu-img chroot; do
	command -v "$tool" >/dev/null || { echo "rootfs.sh: $tool is missing (make deps)" >&2; exit 1; }
done

tmp=$(mktemp -d "$cache/.build.$key.XXXXXX")
root=$tmp/root
mounted=()
cleanup() {
	local m
	for m in "${mounted[@]}"; do umount -l "$m" 2>/dev/null || true; done
	rm -rf "$tmp"
}
trap cleanup EXIT
log() { printf 'rootfs: %s %s\n' "$(date +%T)" "$*" >&2; }

log "debootstrap $suite into $tmp (key $key)"
debootstrap --variant=minbase "$suite" "$root" "$mirror" > "$tmp/debootstrap.log" 2>&1 ||
	{ tail -n 20 "$tmp/debootstrap.log" >&2; exit 1; }

# The kernel packages are in the security archive: apt inside the chroot,
# with the three archives a Debian 12 system has.
cat > "$root/etc/apt/sources.list" <<EOF
deb $mirror $suite main
deb $mirror $suite-updates main
deb $security $suite-security main
EOF
for m in proc sys dev; do
	mount --bind "/$m" "$root/$m"; mounted=("$root/$m" "${mounted[@]}")
done
# no daemon may start in the chroot
printf '#!/bin/sh\nexit 101\n' > "$root/usr/sbin/policy-rc.d"
chmod 755 "$root/usr/sbin/policy-rc.d"
log "apt-get install $(echo $list | wc -w) packages"
# shellcheck disable=SC2086
chroot "$root" env DEBIAN_FRONTEND=noninteractive LC_ALL=C \
	sh -c "apt-get update -q && apt-get install -y -q --no-install-recommends $(echo $list)" \
	> "$tmp/apt.log" 2>&1 || { tail -n 20 "$tmp/apt.log" >&2; exit 1; }
chroot "$root" apt-get clean
rm -f "$root/usr/sbin/policy-rc.d"
for m in "${mounted[@]}"; do umount -l "$m"; done
mounted=()
"$here/rootfs-config.sh" "$root" "$KVER"
cp "$root/boot/initrd.img-$KVER" "$tmp/initrd.img"

log "ext4 image"
size=$(( $(du -sm "$root" | cut -f1) * 3 / 2 + 1024 ))
mkfs.ext4 -q -L qfroot -d "$root" "$tmp/root.raw" "${size}M" >&2
qemu-img convert -O qcow2 "$tmp/root.raw" "$tmp/root.qcow2"
rm -f "$tmp/root.raw"
echo "$list" > "$tmp/packages"
rm -rf "$root"
chmod 755 "$tmp"
mv "$tmp" "$dir"
trap - EXIT
log "done: $dir"
echo "$dir"
