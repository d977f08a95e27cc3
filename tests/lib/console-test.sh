#!/bin/bash
# The console checker's own test (tests/lib/console.sh), on recorded and
# hand-written consoles in tests/lib/testdata/: it must find every kind of
# splat, show its line, stay quiet on a clean boot, honour --allow for
# exactly the allowed line and --stalls for stalls only.
# Part of `make check-unit`. Prints `ok NAME` / `FAIL NAME: why`, then
# `console: N passed, N failed`.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/console.sh"
td=$here/testdata
passed=0 failed=0
ok() { echo "ok $1"; passed=$((passed + 1)); }
fail() { echo "FAIL $1: $2"; failed=$((failed + 1)); }

# want NAME clean|splat PATTERN CHECKER-ARGS...: the checker's verdict and,
# for a splat, a printed "splat:" line matching PATTERN (ERE).
want() {
	local name=$1 verdict=$2 pat=$3 out rc
	shift 3
	out=$(console_splats "$@"); rc=$?
	if [ "$verdict" = clean ] && [ $rc -eq 0 ]; then
		ok "$name"
	elif [ "$verdict" = splat ] && [ $rc -eq 1 ] && grep -qE -- "^splat: .*$pat" <<< "$out"; then
		ok "$name"
	else
		fail "$name" "wanted $verdict /$pat/, got status $rc: $(echo $out)"
	fi
}

want console-clean-boot clean '' "$td/clean.console"
want console-warn splat 'WARNING: CPU: 0 PID: 61 at .*splat\.c' "$td/warn.console"
want console-lockdep splat 'WARNING: possible circular locking' "$td/lockdep.console"
want console-kasan splat 'BUG: KASAN: slab-use-after-free' "$td/kasan.console"
want console-kmemleak splat 'kmemleak\.console: unreferenced object 0x' "$td/kmemleak.console"
want console-oops splat 'Oops: 0000' "$td/oops.console"
want console-panic-counts splat 'Kernel panic - not syncing: qfence' "$td/panic.console"
want console-panic-allowed clean '' --allow 'Kernel panic - not syncing: qfence: ' "$td/panic.console"
# the allowance is for that line only: a WARNING beside it still counts
want console-allow-is-narrow splat 'WARNING: CPU' --allow 'Kernel panic - not syncing: qfence: ' \
	"$td/panic.console" "$td/warn.console"
want console-oops-panic-not-allowed splat 'Kernel panic - not syncing: Fatal' \
	--allow 'Kernel panic - not syncing: qfence: ' "$td/oops.console"
want console-softlockup splat 'BUG: soft lockup' "$td/softlockup.console"
want console-stalls-shown-not-failed clean '' --stalls "$td/softlockup.console"
want console-stalls-only-stalls splat 'BUG: KASAN' --stalls "$td/softlockup.console" "$td/kasan.console"
want console-several-files splat 'warn\.console: WARNING' "$td/clean.console" "$td/warn.console"
want console-missing-file-ignored clean '' "$td/no-such.console"

# console_case: one case of the caller's suite, the lines under it.
out=$(passed=0 failed=0; console_case vm-x-console "$td/warn.console"; echo "counts $passed $failed")
if grep -q '^FAIL vm-x-console: the kernel console has 1 splat line' <<< "$out" &&
	grep -q '^    | splat: .*WARNING: CPU' <<< "$out" && grep -q '^counts 0 1$' <<< "$out"; then
	ok console-case-fails
else
	fail console-case-fails "$(echo $out)"
fi
out=$(passed=0 failed=0; console_case vm-x-console --stalls "$td/softlockup.console"; echo "counts $passed $failed")
if grep -q '^ok vm-x-console$' <<< "$out" && grep -q '^    | stall: .*soft lockup' <<< "$out" &&
	grep -q '^counts 1 0$' <<< "$out"; then
	ok console-case-passes-shows-stalls
else
	fail console-case-passes-shows-stalls "$(echo $out)"
fi

echo "console: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
