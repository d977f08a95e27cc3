#!/bin/sh
# Run the tool's unit tests, plain and under ASan/UBSan, then the
# command-line cases against both binaries.
#   tests/run.sh TESTDIR BINARY SAN_BINARY
# Every test prints "ok NAME" or "FAIL NAME: why"; a program that dies
# without reporting a failure counts as one failure. The last line is
# "N passed, N failed".
dir=$1 bin=$2 san=$3
here=$(dirname "$0")
log=$(mktemp)
trap 'rm -f "$log"' EXIT
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

# run LABEL COMMAND...: prefix sanitizer runs so names stay unique.
run() {
	label=$1
	shift
	out=$("$@" 2>&1)
	rc=$?
	printf '%s\n' "$out" | sed -n "s/^\(ok\|FAIL\) /\1 $label/p" | tee -a "$log"
	if [ $rc -ne 0 ] && ! printf '%s\n' "$out" | grep -q '^FAIL '; then
		echo "FAIL $label$(basename "$1"): exit $rc" | tee -a "$log"
		printf '%s\n' "$out" | tail -n 20
	fi
}

for t in "$dir"/test-*; do
	case $t in
	*-san) run "san: " "$t" ;;
	*.d) ;;
	*) run "" "$t" ;;
	esac
done
run "" "$here/cli.sh" "$bin"
run "san: " "$here/cli.sh" "$san"
run "" "$here/fence_qfence.sh" "$here/../fence_qfence"
run "" "$here/drbd_handlers.sh" "$here/.."

pass=$(grep -c '^ok ' "$log")
fail=$(grep -c '^FAIL ' "$log")
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
