#!/bin/bash
# Build the test VM's initramfs: tests/vm/mkinitramfs.sh OUT.cpio
#
#   /bin          busybox-static and one symlink per applet (never a link to
#                 busybox itself: a self-link makes /init fail with ELOOP)
#   /lib/modules  dm-mod, dm-delay, brd, loop, softdog, bridge, veth, virtio and 9p modules,
#                 resolved with `modprobe --show-depends`, plus qfence.ko in
#                 extra/, indexed by the host's depmod for busybox modprobe
#   /usr/bin      dmsetup, quorumctl and the test helpers, each with its
#                 ldd libraries
#   /tests        the guest test scripts (tests/vm/guest/*.sh)
#   /init         tests/vm/init.sh
#
# The staging tree stays in ${OUT%.cpio}.root: tests/cluster and
# tests/quorumd add their files there and pack it again (keep that name).
# Missing inputs (qfence.ko, quorumctl) are left out and reported: the guest
# scripts then fail the cases that need them, loudly.
# Environment: KVER (default scripts/kver.sh), BUILD (default ./build),
# QFENCE_KO (default $BUILD/qfence.ko), VMKO (below), MODROOT (default /: the root whose
# lib/modules/$KVER the modules come from; the debug kernel's
# modules_install tree for tests/vm/run.sh --debug).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
out=${1:?usage: mkinitramfs.sh OUT.cpio}
KVER=${KVER:-$("$top/scripts/kver.sh")}
BUILD=${BUILD:-$top/build}
MODROOT=${MODROOT:-/}
moddir=${MODROOT%/}/lib/modules/$KVER
[ -n "$KVER" ] || { echo "mkinitramfs: no kernel version (scripts/kver.sh)" >&2; exit 1; }
root=${out%.cpio}.root
rm -rf "$root"
mkdir -p "$root"/{bin,dev,proc,sys,tmp,run,etc,lib64,tests,var/run} \
	"$root/lib/modules/$KVER/extra" "$root/usr"
ln -s ../bin "$root/usr/bin"
ln -s bin "$root/sbin"
ln -s ../bin "$root/usr/sbin"

# busybox and its applets
cp /bin/busybox "$root/bin/busybox"
for a in $(/bin/busybox --list); do
	[ "$a" = busybox ] || ln -sf busybox "$root/bin/$a"
done

# copy_bin FILE: copy an executable and every library ldd lists for it, at
# the paths the dynamic loader will look for them.
copy_lib() {
	local l=$1
	[ -e "$root$l" ] && return 0
	mkdir -p "$root$(dirname "$l")"
	cp -L "$l" "$root$l"
}
copy_bin() {
	local f=$1 l
	cp -L "$f" "$root/bin/$(basename "$f")"
	for l in $(ldd "$f" 2>/dev/null | awk '/=> \//{print $3} /^\t\/lib/{print $1}'); do
		copy_lib "$l"
	done
}

# kernel modules
mods="dm-mod dm-delay brd loop softdog bridge veth virtio_blk virtio_pci 9p 9pnet_virtio"
for m in $mods; do
	modprobe -d "$MODROOT" -S "$KVER" --show-depends "$m" |
		awk '$1 == "insmod" {print $2}'
done | sort -u | while read -r ko; do
	rel=${ko#"$moddir"/}
	mkdir -p "$root/lib/modules/$KVER/$(dirname "$rel")"
	cp "$ko" "$root/lib/modules/$KVER/$rel"
done
missing=""
QFENCE_KO=${QFENCE_KO:-$BUILD/qfence.ko}
if [ -f "$QFENCE_KO" ]; then
	cp "$QFENCE_KO" "$root/lib/modules/$KVER/extra/qfence.ko"
else
	missing="$missing qfence.ko"
fi
# The test-only CPU freezer (tests/vm/freeze) and WARNING maker
# (tests/vm/splat), when built (VMKO: where, default $BUILD/vm).
VMKO=${VMKO:-$BUILD/vm}
[ ! -f "$VMKO/freeze/qfence_freeze.ko" ] ||
	cp "$VMKO/freeze/qfence_freeze.ko" "$root/lib/modules/$KVER/extra/"
[ ! -f "$VMKO/splat/qfence_splat.ko" ] ||
	cp "$VMKO/splat/qfence_splat.ko" "$root/lib/modules/$KVER/extra/"
cp "$moddir/modules.order" "$moddir/modules.builtin" \
	"$moddir/modules.builtin.modinfo" \
	"$root/lib/modules/$KVER/" 2>/dev/null || true
depmod -b "$root" "$KVER"

# userspace
copy_bin /usr/sbin/dmsetup
if [ -x "$BUILD/bin/quorumctl" ]; then
	copy_bin "$BUILD/bin/quorumctl"
else
	missing="$missing quorumctl"
fi
# the boot-time fence device tool (tests/package)
copy_bin "$top/tools/qfence-fencetab"
for h in "$BUILD"/vm/bin/*; do
	[ -x "$h" ] && copy_bin "$h"
done
cp "$here"/guest/*.sh "$root/tests/"
cp "$here/init.sh" "$root/init"
chmod 755 "$root/init" "$root"/tests/*.sh
printf 'root:x:0:0:root:/:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' > "$root/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' > "$root/etc/group"
echo "$missing" > "$root/etc/qfence-missing"

# An uncompressed archive: decompression is slow under TCG, copying is not.
(cd "$root" && find . -print0 | LC_ALL=C sort -z |
	cpio --null -o -H newc --quiet -R 0:0) > "$out.tmp"
mv "$out.tmp" "$out"
[ -z "$missing" ] || echo "mkinitramfs: not built yet, left out:$missing" >&2
exit 0
