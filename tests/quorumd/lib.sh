#!/bin/bash
# SPDX-License-Identifier: MIT
# Host side shared by tests/quorumd/vm.sh and bench.sh: build the module,
# the daemon and the helpers, and pack an initramfs for the guest script
# tests/quorumd/guest/NAME.sh (with its library qnet.sh).
#
#   qd_initramfs NAME OUT.cpio LOG   returns non-zero when a build failed
#   ok / fail / finish                the suite's counters and last line
#   qd_build NAME OUT.cpio LOG        qd_initramfs as case NAME-build;
#                                     on failure the suite ends there
set -u
qd_here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
qd_top=$(cd "$qd_here/../.." && pwd)
export BUILD=${BUILD:-$qd_top/build}
export KVER=${KVER:-$("$qd_top/scripts/kver.sh")}

# qd_copy ROOT FILE AS: a binary into ROOT/bin with its ldd libraries
qd_copy() {
	local l
	cp -L "$2" "$1/bin/$3"
	for l in $(ldd "$2" | awk '/=> \//{print $3} /^\t\/lib/{print $1}'); do
		[ -e "$1$l" ] && continue
		mkdir -p "$1$(dirname "$l")"
		cp -L "$l" "$1$l"
	done
}

qd_initramfs() {
	local name=$1 out=$2 log=$3 root=${2%.cpio}.root
	(cd "$qd_top" &&
		make --no-print-directory -j2 module &&
		make --no-print-directory -C tests/vm/helpers &&
		make --no-print-directory -C daemon/quorumd all probe pkt nlforge &&
		tests/vm/mkinitramfs.sh "$out") > "$log" 2>&1 || return 1
	qd_copy "$root" "$BUILD/bin/quorumd" quorumd
	qd_copy "$root" "$BUILD/bin/quorumd-probe" quorumd-probe
	qd_copy "$root" "$BUILD/bin/qfpkt" qfpkt
	qd_copy "$root" "$BUILD/bin/qfnlforge" qfnlforge
	# iproute2's ip, named so that busybox's `ip' applet stays untouched
	qd_copy "$root" /bin/ip qdip
	cp "$qd_here/guest/qnet.sh" "$qd_here/guest/$name.sh" "$root/tests/"
	chmod 755 "$root/tests/$name.sh"
	(cd "$root" && find . -print0 | LC_ALL=C sort -z |
		cpio --null -o -H newc --quiet -R 0:0) > "$out"
}

passed=0 failed=0
ok() { echo "ok $1"; passed=$((passed + 1)); }
fail() { echo "FAIL $1: $2"; failed=$((failed + 1)); }
finish() { echo "$passed passed, $failed failed"; [ "$failed" -eq 0 ]; exit $?; }

qd_build() {
	if qd_initramfs "$1" "$2" "$3"; then
		ok "$1-build"
		return 0
	fi
	fail "$1-build" "see $3"
	tail -n 5 "$3" | sed 's/^/    | /'
	finish
}
