#!/bin/bash
# Boot one test VM and wait for it to power off (or to be reset).
#
#   tests/vm/boot.sh [--initrd F] [--timeout S] [--smp N] [--mem MB]
#                    [--args A,B] [--append "..."] [--share-usr]
#                    [--icount SHIFT] [--reboot] [--qemu "ARGS"]
#                    [--kernel BZIMAGE] NAME
#
# Runs guest script NAME (tests/vm/guest/NAME.sh) in qemu-system-x86_64
# under TCG on the Debian kernel of scripts/kver.sh. The kernel console
# (ttyS0) goes to build/vm/NAME.console, the test output (ttyS1) to
# build/vm/NAME.out. -no-reboot: a guest reboot (or a panic, panic=-1)
# ends qemu instead of starting over.
#
# --reboot drops -no-reboot (a guest reboot starts the VM over, as a real
# machine would); --qemu adds QEMU arguments (split on blanks): disks,
# network, monitor. --kernel boots another kernel than Debian's (the debug
# kernel of tests/vm/debug/kernel.sh). BUILD (environment) names the output folder.
#
# Exit status: 0 qemu ended by itself, 124 the wall-clock timeout killed it,
# anything else: qemu could not start. Whether the tests passed is for the
# caller to read from NAME.out (the end marker must be there).
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
BUILD=${BUILD:-$top/build}
KVER=${KVER:-$("$top/scripts/kver.sh")}
initrd=$BUILD/vm/initramfs.cpio timeout=120 smp=1 mem=512 args= append= share= icount=
noreboot=-no-reboot qemu_extra= kernel=/boot/vmlinuz-$KVER
while [ $# -gt 1 ]; do
	case $1 in
	--initrd) initrd=$2; shift 2 ;;
	--timeout) timeout=$2; shift 2 ;;
	--smp) smp=$2; shift 2 ;;
	--mem) mem=$2; shift 2 ;;
	--args) args=$2; shift 2 ;;
	--append) append=$2; shift 2 ;;
	--share-usr) share=1; shift ;;
	--icount) icount=$2; shift 2 ;;
	--reboot) noreboot=; shift ;;
	--qemu) qemu_extra=$2; shift 2 ;;
	--kernel) kernel=$2; shift 2 ;;
	*) echo "boot.sh: unknown option $1" >&2; exit 2 ;;
	esac
done
name=${1:?usage: boot.sh [options] NAME}
for f in "$kernel" "$initrd"; do
	[ -r "$f" ] || { echo "boot.sh: $f is missing" >&2; exit 3; }
done
mkdir -p "$BUILD/vm"
console=$BUILD/vm/$name.console out=$BUILD/vm/$name.out
rm -f "$console" "$out"
extra=()
if [ -n "$share" ]; then
	extra+=(-virtfs "local,path=/usr,mount_tag=hostusr,security_model=none,readonly=on")
fi
# -icount: guest time advances with executed instructions (2^SHIFT ns
# each), not with the host's clock: benchmarks become independent of what
# else the host is running.
[ -z "$icount" ] || extra+=(-icount "shift=$icount,sleep=off")
# shellcheck disable=SC2206
[ -z "$qemu_extra" ] || extra+=($qemu_extra)
cmdline="console=ttyS0 panic=-1 oops=panic loglevel=6 qtest=$name"
[ -z "$args" ] || cmdline="$cmdline qargs=$args"
[ -z "$append" ] || cmdline="$cmdline $append"

qemu=
cleanup() {
	[ -n "$qemu" ] && kill "$qemu" 2>/dev/null && wait "$qemu" 2>/dev/null
	qemu=
}
trap cleanup EXIT
trap 'exit 130' INT TERM

start=$(date +%s.%N)
qemu-system-x86_64 -accel tcg -nodefaults -display none $noreboot \
	-m "$mem" -smp "$smp" -cpu max \
	-kernel "$kernel" -initrd "$initrd" -append "$cmdline" \
	-serial "file:$console" -serial "file:$out" "${extra[@]}" &
qemu=$!
# Wait by polling for qemu to end, up to the wall-clock timeout.
deadline=$((SECONDS + timeout))
while kill -0 "$qemu" 2>/dev/null; do
	if [ $SECONDS -ge $deadline ]; then
		echo "boot.sh: $name: no power-off within ${timeout}s, killing qemu" >&2
		cleanup
		exit 124
	fi
	sleep 0.2
done
wait "$qemu"
rc=$?
qemu=
secs=$(echo "$(date +%s.%N) - $start" | bc)
printf 'boot.sh: %s: qemu ended (status %d) after %.1fs\n' "$name" "$rc" "$secs" >&2
exit $rc
