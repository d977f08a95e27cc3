#!/bin/bash
# SPDX-License-Identifier: MIT
# quorumd on the real qfence.ko inside QEMU (TCG): one VM, three daemons on
# its loopback, each with its own kernel lease (log-only actions). Reuses
# tests/vm's initramfs and boot scripts, adds quorumd, quorumd-probe and the
# guest script tests/quorumd/guest/quorumd-vm.sh.
#
# -icount: the guest's clock advances with the instructions it executes,
# so a busy host slows the test down instead of freezing the guest while
# its clock runs on (which expires every lease at once, as a paused VM
# does: DESIGN §2's stated assumption).
#
# Prints `ok NAME` / `FAIL NAME: why`, then `N passed, N failed`. A case the
# guest never reported, a missing build artefact and a VM without its end
# marker count as failures.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
cd "$top" || exit 1
export BUILD=${BUILD:-$top/build}
export KVER=${KVER:-$(scripts/kver.sh)}
dir=$BUILD/vm-quorumd
mkdir -p "$dir" "$BUILD/vm"
passed=0 failed=0
ok() { echo "ok $1"; passed=$((passed + 1)); }
fail() { echo "FAIL $1: $2"; failed=$((failed + 1)); }
finish() { echo "$passed passed, $failed failed"; [ "$failed" -eq 0 ]; exit $?; }

if make --no-print-directory -j2 module > "$dir/build.log" 2>&1 &&
	make --no-print-directory -C tests/vm/helpers >> "$dir/build.log" 2>&1 &&
	make --no-print-directory -C daemon/quorumd all >> "$dir/build.log" 2>&1 &&
	tests/vm/mkinitramfs.sh "$dir/initramfs.cpio" >> "$dir/build.log" 2>&1; then
	ok quorumd-vm-build
else
	fail quorumd-vm-build "see $dir/build.log"
	tail -n 5 "$dir/build.log" | sed 's/^/    | /'
	finish
fi
root=$dir/initramfs.root
for f in "$BUILD/bin/quorumd" "$BUILD/bin/quorumd-probe"; do
	cp -L "$f" "$root/bin/"
	for l in $(ldd "$f" | awk '/=> \//{print $3} /^\t\/lib/{print $1}'); do
		[ -e "$root$l" ] && continue
		mkdir -p "$root$(dirname "$l")"
		cp -L "$l" "$root$l"
	done
done
# iproute2's ip (policy rules cut links; named so that it is not taken for `ip route')
cp -L /bin/ip "$root/bin/qdip"
for l in $(ldd /bin/ip | awk '/=> \//{print $3} /^\t\/lib/{print $1}'); do
	[ -e "$root$l" ] && continue
	mkdir -p "$root$(dirname "$l")"
	cp -L "$l" "$root$l"
done
cp "$here/guest/quorumd-vm.sh" "$root/tests/"
chmod 755 "$root/tests/quorumd-vm.sh"
(cd "$root" && find . -print0 | LC_ALL=C sort -z |
	cpio --null -o -H newc --quiet -R 0:0) > "$dir/initramfs.cpio"

tests/vm/boot.sh --initrd "$dir/initramfs.cpio" --timeout 420 --mem 768 --icount 3 \
	quorumd-vm 2> "$dir/boot.log"
rc=$?
out=$BUILD/vm/quorumd-vm.out
[ -f "$out" ] || : > "$out"
while IFS= read -r line; do
	case $line in
	"ok "*) ok "${line#ok }" ;;
	"FAIL "*) c=${line#FAIL }; fail "${c%%: *}" "${c#*: }" ;;
	"    | "*|"# "*|"leader "*|"---- "*) echo "$line" ;;
	esac
done < <(tr -d '\r' < "$out")
for c in $(sed -n 's/^run_case \([A-Za-z0-9_.-]*\) .*/\1/p' "$here/guest/quorumd-vm.sh"); do
	grep -qE "^(ok $c|FAIL $c:)" <(tr -d '\r' < "$out") ||
		fail "$c" "never reported (see $BUILD/vm/quorumd-vm.console)"
done
if [ "$rc" -eq 124 ]; then
	fail quorumd-vm-boot "timed out"
elif ! grep -q "^qfence-vm: end quorumd-vm " <(tr -d '\r' < "$out"); then
	fail quorumd-vm-boot "no end marker (qemu status $rc)"
else
	ok quorumd-vm-boot
fi
finish
