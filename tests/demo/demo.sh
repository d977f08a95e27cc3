#!/bin/bash
# `make demo`: boot a VM with qfence.ko and watch a lease being armed,
# renewed, expiring and fencing a disk, then an unfence with a new
# generation. About half a minute under QEMU (TCG).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
cd "$top"
export BUILD=${BUILD:-$top/build}
export KVER=${KVER:-$(scripts/kver.sh)}
mkdir -p "$BUILD/vm"
echo "demo: building the module, quorumctl and the VM image..."
make --no-print-directory -j2 module tools > "$BUILD/vm/demo-build.log" 2>&1 ||
	{ echo "demo: build failed, see $BUILD/vm/demo-build.log" >&2; exit 1; }
make --no-print-directory -C tests/vm/helpers >> "$BUILD/vm/demo-build.log" 2>&1
tests/vm/mkinitramfs.sh "$BUILD/vm/demo.cpio"
out=$BUILD/vm/demo.out
rm -f "$out"
echo "demo: booting the VM (kernel $KVER, software emulation)..."
tests/vm/boot.sh --initrd "$BUILD/vm/demo.cpio" --timeout 120 demo 2> "$BUILD/vm/demo.boot.log" &
vm=$!
trap 'kill $vm 2>/dev/null || true' EXIT
while [ ! -e "$out" ] && kill -0 $vm 2>/dev/null; do sleep 0.1; done
tail -n +1 -f --pid=$vm "$out" 2>/dev/null | tr -d '\r' | grep -v '^qfence-vm: ' || true
wait $vm || { echo "demo: the VM failed (see $BUILD/vm/demo.console)" >&2; exit 1; }
trap - EXIT
