#!/bin/bash
# KUnit suites of qfence.ko: qfence_lease, qfence_policy, qfence_map
# (kmod/*_kunit.c), run the standard way: tools/testing/kunit/kunit.py on
# UML, in a tree of the Debian linux-source-6.1 package.
#
#   tests/kunit/run.sh              (or: make check-kunit)
#   tests/kunit/run.sh --mutants    also check that the "rule N" cases fail
#                                   when design.md rule N is cut out of lease.c
#                                   or lease.h (one rebuild per mutant)
#
# The tarball is extracted once into a cache outside the repository,
# keyed by the package version:
#   $QFENCE_CACHE/kunit/<version>/linux-source-6.1   the kernel tree
#   $QFENCE_CACHE/kunit/<version>/build              kunit.py's build dir
# QFENCE_CACHE defaults to /var/cache/qfence, or ~/.cache/qfence when that
# is not writable. The first build takes minutes; later runs rebuild only
# what changed.
#
# The pure parts of the module (lease.c, policy.c, the map decision inlined
# from lease.h, the sector rule inlined in target.h) are copied with the suites into drivers/qfence/ of the tree
# and built in as CONFIG_QFENCE_KUNIT_TEST (with CONFIG_NET, for the
# netlink attribute parser); the generic netlink and device-mapper
# registration is not needed for them.
#
# The debug lane (tests/kunit/run.sh --debug, make check-kunit-debug) runs
# the same suites in a kernel built with lockdep (PROVE_LOCKING), KASAN,
# DEBUG_OBJECTS (timers, work, RCU heads), kmemleak and UBSAN, in a tree of
# its own (<cache>/kunit-debug/<version>/, its own lock: the first run pays
# the build, a normal run is never held up by it). kunit.py passes a case
# that made the kernel WARN or KASAN report, so the raw kernel output
# (test.log) goes through the VM suites' console check
# (tests/lib/console.sh): every splat line is a failure.
#
# Output: one "ok SUITE.CASE[.PARAM]" or "FAIL ...: why" line per case,
# then "N passed, N failed[, N skipped]". Anything that stops the suites
# from running (missing tarball, build error, crash) counts as a failure.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
BUILD=${BUILD:-$top/build}
tarball=${QFENCE_LINUX_SOURCE:-/usr/src/linux-source-6.1.tar.xz}
suites="qfence_lease qfence_policy qfence_map"
mutants= debug=
[ "${1:-}" = --mutants ] && mutants=1
[ "${1:-}" = --debug ] && debug=1
. "$top/tests/lib/console.sh"

fail() {
	echo "FAIL kunit: $*"
	echo "0 passed, 1 failed"
	exit 1
}

for tool in python3 make gcc flex bison bc flock tar; do
	command -v "$tool" >/dev/null || fail "$tool is not installed (scripts/deps.sh)"
done
[ -r "$tarball" ] || fail "$tarball is missing (apt-get install linux-source-6.1)"

ver=$(dpkg-query -W -f='${Version}' linux-source-6.1 2>/dev/null)
[ -n "$ver" ] || ver=$(stat -c %s-%Y "$tarball")
cache=${QFENCE_CACHE:-/var/cache/qfence}
if ! mkdir -p "$cache/kunit" 2>/dev/null || [ ! -w "$cache/kunit" ]; then
	cache=${XDG_CACHE_HOME:-$HOME/.cache}/qfence
	mkdir -p "$cache/kunit" || fail "cannot create a cache directory"
fi
lane=kunit
[ -z "$debug" ] || lane=kunit-debug
mkdir -p "$cache/$lane" || fail "cannot create $cache/$lane"
base=$cache/$lane/$ver
src=$base/linux-source-6.1
bld=$base/build
dst=$src/drivers/qfence

# One run at a time per tree.
exec 9>"$cache/$lane/$ver.lock"
flock 9 || fail "cannot lock $cache/$lane/$ver.lock"

if [ ! -e "$base/.extracted" ]; then
	echo "kunit: extracting $tarball into $base (once)"
	rm -rf "$base.tmp" "$base"
	mkdir -p "$base.tmp" &&
		tar -xJf "$tarball" -C "$base.tmp" &&
		[ -d "$base.tmp/linux-source-6.1" ] ||
		fail "cannot extract $tarball"
	mv "$base.tmp" "$base" && touch "$base/.extracted" ||
		fail "cannot move the tree into $base"
fi

sync_file() {
	cmp -s "$1" "$2" || cp "$1" "$2" || fail "cannot copy $1"
}

# place KMOD: put the module's pure sources and the suites from directory
# KMOD into the tree, with a Kconfig entry. Copy only what changed, so that
# make rebuilds only that.
place() {
	local kmod=$1 objs="lease.o policy.o clock.o" f tmp
	mkdir -p "$dst/uapi" || fail "cannot write $dst"
	for f in lease.c lease.h policy.c policy.h target.h clock.c clock.h; do
		sync_file "$kmod/$f" "$dst/$f"
	done
	sync_file "$kmod/uapi/qfence.h" "$dst/uapi/qfence.h"
	for f in "$kmod"/*_kunit.c; do
		[ -e "$f" ] || fail "no kmod/*_kunit.c"
		sync_file "$f" "$dst/$(basename "$f")"
		objs="$objs $(basename "$f" .c).o"
	done
	tmp=$(mktemp) || fail "mktemp"
	cat > "$tmp" <<'KCONFIG'
# SPDX-License-Identifier: GPL-2.0
# Placed here by qfence's tests/kunit/run.sh.
config QFENCE_KUNIT_TEST
	tristate "KUnit tests for qfence (lease, policy, map decision)" if !KUNIT_ALL_TESTS
	depends on KUNIT && NET
	default KUNIT_ALL_TESTS
KCONFIG
	sync_file "$tmp" "$dst/Kconfig"
	printf '# SPDX-License-Identifier: GPL-2.0\n# Placed here by qfence'"'"'s tests/kunit/run.sh.\nobj-$(CONFIG_QFENCE_KUNIT_TEST) += qfence_kunit.o\nqfence_kunit-y := %s\n' \
		"$objs" > "$tmp"
	sync_file "$tmp" "$dst/Makefile"
	rm -f "$tmp"
	if ! grep -q 'drivers/qfence/Kconfig' "$src/drivers/Kconfig"; then
		sed -i '$ i source "drivers/qfence/Kconfig"\n' "$src/drivers/Kconfig" ||
			fail "cannot hook drivers/Kconfig"
	fi
	if ! grep -q 'qfence/' "$src/drivers/Makefile"; then
		echo 'obj-$(CONFIG_QFENCE_KUNIT_TEST) += qfence/' >> "$src/drivers/Makefile" ||
			fail "cannot hook drivers/Makefile"
	fi
}

kconfig=$base/qfence.kunitconfig
printf 'CONFIG_KUNIT=y\nCONFIG_NET=y\nCONFIG_QFENCE_KUNIT_TEST=y\n' > "$kconfig"
if [ -n "$debug" ]; then
	# kunit.py refuses to run when one of these did not make it into the
	# .config, so a lane without (say) KASAN cannot pass unnoticed.
	# (DEBUG_ATOMIC_SLEEP is not available on UML: no preemption.)
	# UML's virtio PCI, without a device id configured, WARNs at every
	# boot ("No virtio device ID configured for PCI"): not ours, and the
	# suites need no PCI; off, so that any splat left is a finding.
	cat >> "$kconfig" <<'DEBUG'
CONFIG_DEBUG_KERNEL=y
CONFIG_PROVE_LOCKING=y
CONFIG_DEBUG_OBJECTS=y
CONFIG_DEBUG_OBJECTS_TIMERS=y
CONFIG_DEBUG_OBJECTS_WORK=y
CONFIG_DEBUG_OBJECTS_RCU_HEAD=y
CONFIG_STATIC_LINK=y
CONFIG_KASAN=y
CONFIG_KASAN_GENERIC=y
CONFIG_DEBUG_KMEMLEAK=y
CONFIG_UBSAN=y
# CONFIG_UML_PCI_OVER_VIRTIO is not set
DEBUG
fi
mkdir -p "$BUILD/check" || fail "cannot create $BUILD/check"

# run_kunit JSON: build and run; 0 if JSON results exist (pass or fail).
run_kunit() {
	local json=$1 rc
	rm -f "$json"
	echo "kunit: kunit.py run on UML in $src (build dir $bld)"
	(cd "$src" && python3 -u tools/testing/kunit/kunit.py run \
		--build_dir="$bld" --kunitconfig="$kconfig" --jobs=2 \
		--timeout=300 --json="$json") 2>&1 | sed 's/^/  | /'
	rc=${PIPESTATUS[0]}
	echo "$rc" > "$json.rc"
	if [ ! -s "$json" ]; then
		tail -n 40 "$bld/test.log" 2>/dev/null | sed 's/^/  test.log: /'
		echo "kunit: kunit.py exited with $rc and produced no results (build error?)"
		return 1
	fi
	return 0
}

# report JSON MODE [RULE]: one line per case from kunit.py's JSON.
#   MODE=cases: print ok/FAIL per case and the counts as "P F S"
#   MODE=mutant: the mutant of RULE is killed if a case named "rule RULE:"
#   fails; print that verdict and "1 0 0" (killed) or "0 1 0" (survived)
report() {
	python3 - "$@" $suites <<'PY'
import json, sys

path, mode, rule = sys.argv[1], sys.argv[2], sys.argv[3]
wanted = sys.argv[4:]
rc = int(open(path + ".rc").read())
root = json.load(open(path))
ok = fail = skip = 0
seen, failed = {}, []

def walk(group, prefix):
    for sub in group.get("sub_groups", []):
        walk(sub, prefix + [sub["name"]])
    for case in group.get("test_cases", []):
        yield_case(prefix + [case["name"]], case.get("status"))

def yield_case(path, status):
    global ok, fail, skip
    name = ".".join(path)
    seen[path[0]] = seen.get(path[0], 0) + 1
    if status == "PASS":
        ok += 1
        if mode == "cases":
            print(f"ok {name}")
    elif status == "SKIP":
        skip += 1
        if mode == "cases":
            print(f"skip {name}")
    else:
        fail += 1
        failed.append(name)
        if mode == "cases":
            print(f"FAIL {name}: {status}")

walk(root, [])
if mode == "mutant":
    killers = [n for n in failed if f"rule {rule}:" in n]
    if killers:
        print(f"ok mutant rule {rule}: killed by {len(killers)} case(s), e.g. {killers[0]}")
        print("1 0 0")
    else:
        print(f"FAIL mutant rule {rule}: no 'rule {rule}' case failed without it")
        print("0 1 0")
    sys.exit(0)
for s in wanted:
    if not seen.get(s):
        fail += 1
        print(f"FAIL kunit: suite {s} did not run")
if rc != 0 and fail == 0:
    fail += 1
    print(f"FAIL kunit: kunit.py exited with {rc}")
print(ok, fail, skip)
PY
}

passed=0 failed=0 skipped=0
add_counts() {
	local line=$1 p f s
	read -r p f s <<< "$line"
	passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
}

place "$top/kmod"
json=$BUILD/check/$lane.json
run_kunit "$json" || fail "the suites did not run"
out=$(report "$json" cases -) || fail "unreadable results in $json"
echo "$out" | sed '$d'
add_counts "$(echo "$out" | tail -n 1)"
if [ -n "$debug" ]; then
	# kunit.py's verdicts do not include what the debug options printed.
	cp "$bld/test.log" "$BUILD/check/$lane.test.log" 2>/dev/null
	if [ ! -s "$bld/test.log" ]; then
		echo "FAIL kunit-debug-no-splat: no kernel output in $bld/test.log"
		failed=$((failed + 1))
	elif lines=$(console_splats "$bld/test.log"); then
		echo "ok kunit-debug-no-splat"
		passed=$((passed + 1))
	else
		echo "FAIL kunit-debug-no-splat: the kernel printed $(grep -c '^splat:' <<< "$lines") splat line(s) (see $BUILD/check/$lane.test.log)"
		printf '%s\n' "$lines" | head -n 20 | sed 's/^/    | /'
		failed=$((failed + 1))
	fi
fi

# Mutants: each cuts one rule out of a copy of the sources; the suites must
# notice. The original sources go back into the tree at the end.
mutate() {
	# mutate RULE FILE OLD NEW [all | OLD2 NEW2]: prints the mutant's
	# verdict, adds counts; "all" replaces every occurrence of OLD, not
	# only the first; OLD2 NEW2 is a second cut in the same mutant, for a
	# rule enforced in two places
	local rule=$1 file=$2 dir
	shift 2
	dir=$(mktemp -d) || fail "mktemp"
	cp -r "$top/kmod/." "$dir/"
	if ! python3 - "$dir/$file" "$@" <<'PY'
import sys
path, args = sys.argv[1], sys.argv[2:]
count = 1
if len(args) == 3 and args[2] == "all":
    count, args = -1, args[:2]
s = open(path).read()
for old, new in zip(args[0::2], args[1::2]):
    if old not in s:
        sys.exit(1)
    s = s.replace(old, new, count)
open(path, "w").write(s)
PY
	then
		echo "FAIL mutant rule $rule: the code it cuts is no longer in $file"
		failed=$((failed + 1))
		rm -rf "$dir"
		return
	fi
	place "$dir"
	if run_kunit "$BUILD/check/kunit-mutant.json"; then
		out=$(report "$BUILD/check/kunit-mutant.json" mutant "$rule")
		echo "$out" | sed '$d'
		add_counts "$(echo "$out" | tail -n 1)"
	else
		echo "FAIL mutant rule $rule: did not build"
		failed=$((failed + 1))
	fi
	rm -rf "$dir"
}
if [ -n "$mutants" ]; then
	# Rule 6: admit while ARMED, whatever the clock says.
	mutate 6 lease.h 'likely(state == QFENCE_STATE_ARMED && now < deadline)' \
		'likely(state == QFENCE_STATE_ARMED)'
	# Rule 7: a renew re-arms a fenced or expired lease.
	mutate 7 lease.c $'if (state == QFENCE_STATE_FENCED) {\n\t\tNL_SET_ERR_MSG(extack, "lease is fenced; only LEASE_UNFENCE clears it");\n\t\treturn -ECANCELED;\n\t}\n\tif (state == QFENCE_STATE_ARMED && qfence_lease_expire(l, now)) {' \
		$'if (state == QFENCE_STATE_FENCED)\n\t\tstate = QFENCE_STATE_DISARMED;\n\tif (0) {'
	# Rule 8: a lease that was never armed admits IO (map() looks twice).
	mutate 8 lease.h 'likely(state == QFENCE_STATE_ARMED && now < deadline)' \
		'likely(state == QFENCE_STATE_DISARMED || now < deadline)' \
		'if (qfence_lease_state(l) != QFENCE_STATE_ARMED)' \
		'if (qfence_lease_state(l) == QFENCE_STATE_FENCED)'
	# Rule 8: fencing a never-armed lease at boot reboots (a reboot loop).
	mutate 8 lease.c 'return READ_ONCE(l->fence_armed) || inflight;' 'return true;'
	# Rule F (the settle bound): a clean leave with IO still in flight.
	mutate F lease.c 'if (qfence_inflight(l)) {' 'if (0) {' all
	# Rule F: the settle bound counts from the latch, not the deadline.
	mutate F lease.c 'if (READ_ONCE(l->fence_armed) && READ_ONCE(l->fence_deadline) < from)' 'if (0)'
	# Rule F: an unfence before the IO admitted before the fence drained.
	mutate F lease.c 'if (!test_bit(QFENCE_LF_DRAINED, &l->flags)) {' 'if (0) {'
	# Rule 7: an unfence passes on the previous fence's drain.
	mutate 7 lease.c $'\tclear_bit(QFENCE_LF_DRAINED, &l->flags);\n\tclear_bit(QFENCE_LF_KICKED, &l->flags);' ''
	# Rule 7: a fence is drained and unfenced before its kick is done.
	mutate 7 lease.c 'return kicked;' 'return true;'
	# Rule F: a bio refused on a lease not armed counts as in flight.
	mutate F lease.h $'if (qfence_lease_state(l) != QFENCE_STATE_ARMED)\n\t\treturn false;' ''
	place "$top/kmod"
fi

line="$passed passed, $failed failed"
[ "$skipped" -eq 0 ] || line="$line, $skipped skipped"
echo "$line"
[ "$failed" -eq 0 ]
