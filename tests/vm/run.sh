#!/bin/bash
# `make check-vm`: the module in a real kernel, under QEMU (TCG).
#
#   host                                 VM (one boot each, -no-reboot)
#   ----                                 ------------------------------
#   make module tools, helpers    -->    main:   the lease/fence cases, one
#   mkinitramfs.sh (busybox, dm,                 after the other (guest/main.sh)
#     brd, dmsetup, quorumctl,           reboot: the reboot action resets
#     qfence.ko, helpers)                        the VM (guest/reboot.sh)
#                                        frozen: rule 6 with a CPU frozen
#                                                (guest/frozen.sh, 2 vCPUs)
#   boot.sh NAME, read NAME.out   <--    panic:  the panic action panics
#                                                (guest/panic.sh)
#                                        settle: IO in flight past settle_ms
#                                                resets the VM (guest/settle.sh)
#                                        nlfuzz: random netlink requests,
#                                                IO and dm reloads racing
#                                                (guest/nlfuzz.sh)
#
# One line per case, `ok NAME` or `FAIL NAME: why`, then `N passed, N failed`.
# A case counts only when its line reached the VM's test port and the VM's
# end marker followed (WireGuard's rule); a case that is expected but never
# reported, a missing build artefact and a VM that never reaches /init are
# failures. The reboot, panic and settle cases are judged from outside: qemu must
# exit by itself before the timeout, with the module's message (and the
# panic) on the kernel console and without the guest's end marker.
#
# Every boot's kernel console must be free of splats (WARNING, BUG, Oops,
# lockdep, KASAN, kmemleak: tests/lib/console.sh), a case vm-NAME-console
# each; the panic boot may have the module's own panic line, nothing else.
# The splat boot proves the check can fail: a test-only module WARNs
# there, and console-check-catches-warn requires the check to find it.
#
# --debug (make check-vm-debug): the main and frozen boots on the debug
# kernel of tests/vm/debug/kernel.sh (lockdep, KASAN, DEBUG_OBJECTS,
# kmemleak, UBSAN), the module and the test modules built against it from a
# copy of the sources, timeouts four times longer; output in build/vmdebug.
# A splat fails the boot's console case as above; a kmemleak report whose
# backtrace is in the module fails vmdebug-NAME-kmemleak.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
cd "$top" || exit 1
. tests/lib/console.sh
export BUILD=${BUILD:-$top/build}
export KVER=${KVER:-$(scripts/kver.sh)}
passed=0 failed=0
ok() { echo "ok $1"; passed=$((passed + 1)); }
fail() { echo "FAIL $1: $2"; failed=$((failed + 1)); }
debug=
[ "${1:-}" != --debug ] || debug=1
bootbuild=$BUILD kbuild=/usr/src/linux-headers-$KVER kernel=/boot/vmlinuz-$KVER
tmul=1
if [ -n "$debug" ]; then
	bootbuild=$BUILD/vmdebug tmul=4
	mkdir -p "$bootbuild"
	if kdir=$(tests/vm/debug/kernel.sh 2> "$bootbuild/kernel.log"); then
		KVER=$(cat "$kdir/release") kbuild=$kdir/build
		kernel=$kbuild/arch/x86/boot/bzImage
		export MODROOT=$kdir/modroot
	else
		kernel=
		tail -n 5 "$bootbuild/kernel.log" | sed 's/^/    | /'
	fi
fi
vm=$bootbuild/vm
mkdir -p "$vm"
pids=()
cleanup() {
	local p
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
}
trap cleanup EXIT
start=$SECONDS

# --- build ---------------------------------------------------------------
if [ -n "$kernel" ] && [ -r "$kernel" ]; then
	ok build-kernel-present
elif [ -n "$debug" ]; then
	fail build-kernel-present "no debug kernel (see $bootbuild/kernel.log)"
else
	fail build-kernel-present "no /boot/vmlinuz for '$KVER' (make deps)"
fi
# build_module: qfence.ko for the kernel booted. The debug kernel's is built
# from a copy of the sources, so that the tree's own objects stay those of
# Debian's kernel.
build_module() {
	if [ -z "$debug" ]; then
		export QFENCE_KO=$BUILD/qfence.ko
		make --no-print-directory -j2 module
		return
	fi
	export QFENCE_KO=$vm/src/qfence.ko
	rm -rf "$vm/src" && mkdir -p "$vm/src/kmod" &&
		cp Kbuild VERSION "$vm/src/" &&
		cp -r kmod/*.c kmod/*.h kmod/uapi "$vm/src/kmod/" &&
		make -C "$kbuild" M="$vm/src" -j2 modules
}
if build_module > "$vm/build-module.log" 2>&1 && [ -f "$QFENCE_KO" ]; then
	ok build-module
else
	fail build-module "make module failed (see $vm/build-module.log)"
	tail -n 5 "$vm/build-module.log" | sed 's/^/    | /'
fi
if make --no-print-directory -j2 tools > "$vm/build-tools.log" 2>&1 &&
	[ -x "$BUILD/bin/quorumctl" ]; then
	ok build-tools
else
	fail build-tools "make tools failed (see $vm/build-tools.log)"
	tail -n 5 "$vm/build-tools.log" | sed 's/^/    | /'
fi
# The test-only module that freezes a CPU (guest/frozen.sh).
mkdir -p "$vm/freeze"
cp tests/vm/freeze/freeze.c tests/vm/freeze/Kbuild "$vm/freeze/"
if make -C "$kbuild" M="$vm/freeze" modules > "$vm/build-freeze.log" 2>&1; then
	ok build-freeze-module
else
	fail build-freeze-module "see $vm/build-freeze.log"
fi
# The test-only WARNING maker (guest/splat.sh): the console check's live case.
mkdir -p "$vm/splat"
cp tests/vm/splat/splat.c tests/vm/splat/Kbuild "$vm/splat/"
if make -C "$kbuild" M="$vm/splat" modules > "$vm/build-splat.log" 2>&1; then
	ok build-splat-module
else
	fail build-splat-module "see $vm/build-splat.log"
fi
if make --no-print-directory -C tests/vm/helpers > "$vm/build-helpers.log" 2>&1 &&
	VMKO=$vm tests/vm/mkinitramfs.sh "$vm/initramfs.cpio" > "$vm/mkinitramfs.log" 2>&1; then
	ok build-initramfs
else
	fail build-initramfs "see $vm/build-helpers.log and $vm/mkinitramfs.log"
	tail -n 5 "$vm/build-helpers.log" "$vm/mkinitramfs.log" | sed 's/^/    | /'
	echo "vm: $passed passed, $failed failed"
	exit 1
fi

# --- guest-judged boots --------------------------------------------------
# report NAME: the cases of guest/NAME.sh as build/vm/NAME.out tells them,
# and a failure for every run_case of the script that never reported.
report() {
	local name=$1 out=$vm/$1.out c line expected
	expected=$(sed -n 's/^[[:space:]]*run_case \([A-Za-z0-9_.-]*\) .*/\1/p' \
		"$here/guest/$name.sh")
	[ -f "$out" ] || : > "$out"
	# Cases reported by the guest (also those of nlbad, which prints its own).
	while IFS= read -r line; do
		case $line in
		"ok "*) ok "${line#ok }" ;;
		"FAIL "*) c=${line#FAIL }; fail "${c%%: *}" "${c#*: }" ;;
		"    | "*) echo "$line" ;;
		esac
	done < <(tr -d '\r' < "$out")
	for c in $expected; do
		grep -qE "^(ok $c|FAIL $c:)" <(tr -d '\r' < "$out") ||
			fail "$c" "never reported (the VM stopped before it; see $vm/$name.console)"
	done
}

# judge NAME BOOT_STATUS: report, then the boot itself must have ended well.
judge() {
	local name=$1 rc=$2 out=$vm/$1.out
	report "$name"
	if [ "$rc" -eq 124 ]; then
		fail "vm-$name-boot" "timed out (see $vm/$name.console)"
	elif ! grep -q "^qfence-vm: begin $name" <(tr -d '\r' < "$out"); then
		fail "vm-$name-boot" "the VM never reached /init (qemu status $rc; see $vm/$name.console)"
	elif ! grep -q "^qfence-vm: end $name " <(tr -d '\r' < "$out"); then
		fail "vm-$name-boot" "no end marker (qemu status $rc; see $vm/$name.console)"
	else
		ok "vm-$name-boot"
	fi
}

# boot NAME [--timeout S] [boot.sh options]: the timeout is stretched on the
# debug kernel (KASAN and lockdep under TCG).
boot() {
	local name=$1
	shift
	[ "${1:-}" != --timeout ] || set -- --timeout $(($2 * tmul)) "${@:3}"
	BUILD=$bootbuild tests/vm/boot.sh --initrd "$vm/initramfs.cpio" \
		--kernel "$kernel" "$@" "$name" 2> "$vm/$name.boot.log"
}

# leak_case NAME: the guest's kmemleak report (init.sh, debug kernel only)
# has no object allocated by the module; other leaks are shown, not
# counted (they are the kernel's own, reported during boot-time work).
leak_case() {
	local out=$vm/$1.out mine
	if ! grep -q '^qfence-vm: kmemleak scanned' "$out"; then
		fail "vmdebug-$1-kmemleak" "no kmemleak scan in $out"
		return
	fi
	mine=$(awk '/^kmemleak: unreferenced object/ {o = $0; m = 0}
		/^kmemleak: .*\[qfence/ && o != "" {print o; o = ""}' "$out")
	if [ -n "$mine" ]; then
		fail "vmdebug-$1-kmemleak" "the module leaked:"
		printf '%s\n' "$mine" | sed 's/^/    | /'
	else
		ok "vmdebug-$1-kmemleak"
		grep -c '^kmemleak: unreferenced object' "$out" |
			sed 's/^/    | other unreferenced objects: /'
	fi
}

# In the background, so that a signal reaches the cleanup trap at once.
boot main --timeout 420 & pids=($!)
wait "${pids[0]}"; mrc=$?
pids=()
judge main $mrc
console_case vm-main-console "$vm/main.console"
[ -z "$debug" ] || leak_case main

# Two vCPUs, one of them frozen: alone, so that it is not starved.
boot frozen --smp 2 --timeout 120 & pids=($!)
wait "${pids[0]}"; frc=$?
pids=()
judge frozen $frc
console_case vm-frozen-console "$vm/frozen.console"
# Random netlink requests racing IO and dm reloads (guest/nlfuzz.sh); the
# seed is printed, NLFUZZ_SEED replays one.
seed=${NLFUZZ_SEED:-$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}
echo "nlfuzz seed $seed"
nlfuzz_case() {
	judge nlfuzz "$1"
	console_case vm-nlfuzz-console "$vm/nlfuzz.console"
}
if [ -n "$debug" ]; then
	leak_case frozen
	# 500 requests per mode, not check-vm's 3000: under KASAN and
	# lockdep in TCG 3000 take about 5 minutes.
	boot nlfuzz --timeout 240 --args "$seed,500" & pids=($!)
	wait "${pids[0]}"; zrc=$?
	pids=()
	nlfuzz_case "$zrc"
	leak_case nlfuzz
	echo "vmdebug: wall time $((SECONDS - start))s"
	echo "$passed passed, $failed failed"
	[ "$failed" -eq 0 ]
	exit
fi

# --- host-judged boots: the VM must die by the module's hand --------------
# action_case NAME PATTERN...: qemu ended by itself (no timeout), the guest
# armed the lease (marker), never reached its end marker, and every PATTERN
# (extended regex) is on the kernel console.
action_case() {
	local name=$1 rc=$2 pat why=
	shift 2
	local out=$vm/$name.out con=$vm/$name.console
	if [ "$rc" -eq 124 ]; then
		why="qemu still running at the timeout"
	elif [ "$rc" -ne 0 ]; then
		why="qemu failed (status $rc)"
	elif ! grep -q "^qfence-vm: begin $name" "$out" 2>/dev/null; then
		why="the VM never reached /init"
	elif grep -q "^FAIL \(action-\)\?$name" "$out"; then
		why=$(grep -m1 "^FAIL \(action-\)\?$name" "$out")
	elif ! grep -q "^armed $name" "$out"; then
		why="the guest never armed the lease"
	elif grep -q "^qfence-vm: end $name" "$out"; then
		why="the guest powered off normally: no $name happened"
	else
		for pat in "$@"; do
			grep -qiE "$pat" "$con" || { why="console lacks /$pat/"; break; }
		done
	fi
	if [ -z "$why" ]; then ok "action-$name"; else fail "action-$name" "$why (see $con)"; fi
}

# splat_case RC: the splat boot ended well and its console check failed
# on the module's WARNING (the check of every other boot can fail too).
splat_case() {
	local lines
	judge splat "$1"
	if lines=$(console_splats "$vm/splat.console"); then
		fail console-check-catches-warn "the check found no splat on $vm/splat.console"
	elif grep -q '^splat: .*WARNING: CPU: .*qfence_splat' <<< "$lines"; then
		ok console-check-catches-warn
		printf '%s\n' "$lines" | sed 's/^/    | /'
	else
		fail console-check-catches-warn "not the module's WARNING: $(echo $lines)"
	fi
}

# All five are short; run them side by side.
boot reboot --timeout 90 & rp=$!
boot panic --timeout 90 & pp=$!
boot settle --timeout 90 & sp=$!
boot splat --timeout 90 & wp=$!
boot nlfuzz --timeout 240 --args "$seed,3000" & zp=$!
pids=("$rp" "$pp" "$sp" "$wp" "$zp")
wait "$rp"; rrc=$?
wait "$pp"; prc=$?
wait "$sp"; src=$?
wait "$wp"; wrc=$?
wait "$zp"; zrc=$?
pids=()
report reboot
action_case reboot "$rrc" 'qfence.*(reboot|restart)'
console_case vm-reboot-console "$vm/reboot.console"
report panic
action_case panic "$prc" 'qfence' 'Kernel panic - not syncing'
console_case vm-panic-console --allow '^Kernel panic - not syncing: qfence: ' "$vm/panic.console"
report settle
action_case settle "$src" 'qfence.*(reboot|restart)'
console_case vm-settle-console "$vm/settle.console"
splat_case "$wrc"
nlfuzz_case "$zrc"

echo "vm: wall time $((SECONDS - start))s"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
