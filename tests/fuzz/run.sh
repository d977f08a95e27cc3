#!/bin/bash
# Run the libFuzzer targets of tests/fuzz (see README.md there).
#
#   tests/fuzz/run.sh [--seconds N] [--bench FILE] [TARGET...]
#
# Each target runs N seconds (FUZZ_SECONDS, default 20: `make check-fuzz`)
# from its seed corpus (tests/fuzz/corpus/TARGET, in the repository) and its
# working corpus (build/fuzz/work/TARGET, kept between runs). A crash, an
# assertion of the target's invariants, a sanitizer report, a leak or a
# timeout fails the target; the input is kept as build/fuzz/crashes/TARGET-*
# (add it to the seed corpus with the fix, and a unit test).
# --bench FILE writes executions, executions/s and coverage per target as
# JSON (`make bench`: build/bench/fuzz.json).
#
# Prints `ok fuzz-TARGET: ...` / `FAIL fuzz-TARGET: why`, then
# `fuzz: N passed, N failed`.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
export BUILD=${BUILD:-$top/build}
secs=${FUZZ_SECONDS:-20} bench=
while [ $# -gt 0 ]; do
	case $1 in
	--seconds) secs=$2; shift 2 ;;
	--bench) bench=$2; shift 2 ;;
	*) break ;;
	esac
done
out=$BUILD/fuzz
passed=0 failed=0
ok() { echo "ok $1"; passed=$((passed + 1)); }
fail() { echo "FAIL $1: $2"; failed=$((failed + 1)); }
finish() { echo "fuzz: $passed passed, $failed failed"; [ "$failed" -eq 0 ]; exit $?; }

targets=${*:-$(make --no-print-directory -s -C "$here" list)}
mkdir -p "$out/crashes"
if ! make --no-print-directory -C "$here" BUILD="$BUILD" > "$out/build.log" 2>&1; then
	fail fuzz-build "see $out/build.log"
	tail -n 5 "$out/build.log" | sed 's/^/    | /'
	finish
fi

# stat LOG KEY: the last value of KEY ("cov:", "ft:", "corp:") libFuzzer printed
stat() { grep -oE "$2 [0-9]+" "$1" | tail -n 1 | awk '{ print $2 }'; }

json=
for t in $targets; do
	seed=$here/corpus/$t work=$out/work/$t log=$out/$t.log
	mkdir -p "$work"
	[ -d "$seed" ] || { fail "fuzz-$t" "no seed corpus $seed"; continue; }
	# -rss_limit_mb: the targets are small; a leak or a blow-up is a bug.
	nice -n 10 "$out/$t" -max_total_time="$secs" -timeout=10 -rss_limit_mb=1024 \
		-print_final_stats=1 -artifact_prefix="$out/crashes/$t-" \
		"$work" "$seed" > "$log" 2>&1 &
	pid=$!
	wait "$pid"
	rc=$?
	# the store target's scratch directory, left behind when it crashed
	rm -rf "/dev/shm/qf-fuzz-store.$pid"
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
	cov=$(stat "$log" 'cov:') ft=$(stat "$log" 'ft:') corp=$(stat "$log" 'corp:')
	if [ $rc -eq 0 ] && [ -n "$execs" ]; then
		ok "fuzz-$t: $execs runs in ${secs}s ($rate/s), cov $cov, corpus $corp"
	else
		fail "fuzz-$t" "status $rc (see $log; input in $out/crashes/)"
		grep -E '^(==[0-9]+==ERROR|SUMMARY|.*Assertion|.*runtime error)' "$log" | head -n 5 | sed 's/^/    | /'
	fi
	json="$json${json:+,}
  \"$t\": {\"seconds\": $secs, \"execs\": ${execs:-0}, \"execs_per_sec\": ${rate:-0}, \"cov\": ${cov:-0}, \"features\": ${ft:-0}, \"corpus\": ${corp:-0}, \"ok\": $([ $rc -eq 0 ] && echo true || echo false)}"
done
if [ -n "$bench" ]; then
	mkdir -p "$(dirname "$bench")"
	printf '{%s\n}\n' "$json" > "$bench"
	echo "fuzz: wrote $bench"
fi
finish
