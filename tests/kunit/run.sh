#!/bin/bash
# KUnit suites of qfence.ko: qfence_lease, qfence_policy, qfence_map
# (kmod/*_kunit.c), run the standard way: tools/testing/kunit/kunit.py on
# UML, in a tree of the Debian linux-source-6.1 package.
#
#   tests/kunit/run.sh            (or: make check-kunit)
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
# from lease.h) are copied with the suites into drivers/qfence/ of the tree
# and built in as CONFIG_QFENCE_KUNIT_TEST (with CONFIG_NET, for the
# netlink attribute parser); the generic netlink and device-mapper
# registration is not needed for them.
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
base=$cache/kunit/$ver
src=$base/linux-source-6.1
bld=$base/build

# One run at a time per tree.
exec 9>"$cache/kunit/$ver.lock"
flock 9 || fail "cannot lock $cache/kunit/$ver.lock"

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

# Place the module's pure sources and the suites into the tree. Copy only
# what changed, so that make rebuilds only that.
dst=$src/drivers/qfence
mkdir -p "$dst/uapi" || fail "cannot write $dst"
sync_file() {
	cmp -s "$1" "$2" || cp "$1" "$2" || fail "cannot copy $1"
}
objs="lease.o policy.o"
for f in lease.c lease.h policy.c policy.h; do
	sync_file "$top/kmod/$f" "$dst/$f"
done
sync_file "$top/kmod/uapi/qfence.h" "$dst/uapi/qfence.h"
for f in "$top"/kmod/*_kunit.c; do
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

kconfig=$base/qfence.kunitconfig
printf 'CONFIG_KUNIT=y\nCONFIG_NET=y\nCONFIG_QFENCE_KUNIT_TEST=y\n' > "$kconfig"
mkdir -p "$BUILD/check" || fail "cannot create $BUILD/check"
json=$BUILD/check/kunit.json
rm -f "$json"

echo "kunit: kunit.py run on UML in $src (build dir $bld)"
(cd "$src" && python3 tools/testing/kunit/kunit.py run \
	--build_dir="$bld" --kunitconfig="$kconfig" --jobs=2 --timeout=300 \
	--json="$json") 2>&1 | sed 's/^/  | /'
rc=${PIPESTATUS[0]}
if [ ! -s "$json" ]; then
	tail -n 40 "$bld/test.log" 2>/dev/null | sed 's/^/  test.log: /'
	fail "kunit.py exited with $rc and produced no results (build error?)"
fi

# Flatten kunit.py's JSON into one line per case and the summary.
python3 - "$json" "$rc" $suites <<'PY'
import json, sys

path, rc, wanted = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
try:
    root = json.load(open(path))
except ValueError as e:
    print(f"FAIL kunit: unreadable results {path}: {e}")
    print("0 passed, 1 failed")
    sys.exit(1)

counts = {"ok": 0, "fail": 0, "skip": 0}
seen = {}

def walk(group, prefix):
    for sub in group.get("sub_groups", []):
        walk(sub, prefix + [sub["name"]])
    for case in group.get("test_cases", []):
        name = ".".join(prefix + [case["name"]])
        status = case.get("status")
        suite = (prefix + [case["name"]])[0]
        seen[suite] = seen.get(suite, 0) + 1
        if status == "PASS":
            counts["ok"] += 1
            print(f"ok {name}")
        elif status == "SKIP":
            counts["skip"] += 1
            print(f"skip {name}")
        else:
            counts["fail"] += 1
            print(f"FAIL {name}: {status}")

walk(root, [])
for s in wanted:
    if not seen.get(s):
        counts["fail"] += 1
        print(f"FAIL kunit: suite {s} did not run")
if rc != 0 and counts["fail"] == 0:
    counts["fail"] += 1
    print(f"FAIL kunit: kunit.py exited with {rc}")
line = f"{counts['ok']} passed, {counts['fail']} failed"
if counts["skip"]:
    line += f", {counts['skip']} skipped"
print(line)
sys.exit(1 if counts["fail"] else 0)
PY
