#!/bin/bash
# SPDX-License-Identifier: MIT
# quorumd on the real qfence.ko inside QEMU (TCG): one VM, one network
# namespace per node on a bridge, each node with its own kernel lease and
# qfence device (log-only actions); a 3-node cluster through every fault,
# then a 5-node one split 2 | 3. Reuses tests/vm's initramfs and boot
# scripts (tests/quorumd/lib.sh), adds quorumd, quorumd-probe, qfpkt and
# the guest scripts tests/quorumd/guest/{qnet,quorumd-vm}.sh.
#
# -icount: the guest's clock advances with the instructions it executes,
# so a busy host slows the test down instead of freezing the guest while
# its clock runs on (which expires every lease at once, as a paused VM
# does: design.md §2's stated assumption).
#
# Prints `ok NAME` / `FAIL NAME: why`, then `N passed, N failed`. A case the
# guest never reported, a missing build artefact and a VM without its end
# marker count as failures.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
. "$here/../lib/console.sh"
cd "$qd_top" || exit 1
dir=$BUILD/vm-quorumd
mkdir -p "$dir" "$BUILD/vm"
qd_build quorumd-vm "$dir/initramfs.cpio" "$dir/build.log"

tests/vm/boot.sh --initrd "$dir/initramfs.cpio" --timeout 1200 --mem 1024 --icount 3 \
	quorumd-vm 2> "$dir/boot.log"
rc=$?
out=$BUILD/vm/quorumd-vm.out
[ -f "$out" ] || : > "$out"
while IFS= read -r line; do
	case $line in
	"ok "*) ok "${line#ok }" ;;
	"FAIL "*) c=${line#FAIL }; fail "${c%%: *}" "${c#*: }" ;;
	"    | "*|"# "*|"---- "*) echo "$line" ;;
	esac
done < <(tr -d '\r' < "$out")
for c in $(sed -n 's/^run_case3\{0,1\} \([A-Za-z0-9_.-]*\) .*/\1/p' "$here/guest/quorumd-vm.sh"); do
	grep -qE "^(ok $c|FAIL $c:)" <(tr -d '\r' < "$out") ||
		fail "$c" "never reported (see $BUILD/vm/quorumd-vm.console)"
done
if [ "$rc" -eq 124 ]; then
	fail quorumd-vm-boot "timed out"
elif ! grep -q "^qfence-vm: end quorumd-vm " <(tr -d '\r' < "$out"); then
	fail quorumd-vm-boot "no end marker (qemu status $rc)"
elif ! grep -q "^qfence-vm: end quorumd-vm rc=0" <(tr -d '\r' < "$out") &&
	[ "$failed" -eq 0 ]; then
	fail quorumd-vm-boot "the guest script failed without a failed case"
else
	ok quorumd-vm-boot
fi
console_case quorumd-vm-console "$BUILD/vm/quorumd-vm.console"
finish
