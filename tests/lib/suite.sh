#!/bin/bash
# Run one test suite: tests/lib/suite.sh NAME SCRIPT [ARGS...]
# The script's output goes to the terminal and to build/check/NAME.log. Its
# last "N passed, N failed[, N skipped]" line is stored in
# build/check/NAME.sum and printed again as the suite's last line. A suite
# that exits non-zero without such a line, or reports failures, fails.
set -o pipefail
name=$1; script=$2
shift 2
dir=${BUILD:-$PWD/build}/check
mkdir -p "$dir"
log=$dir/$name.log sum=$dir/$name.sum
rm -f "$sum"
if [ ! -x "$script" ]; then
	echo "$name: suite script $script is missing" | tee "$log"
	echo "0 passed, 1 failed" > "$sum"
else
	"$script" "$@" 2>&1 | tee "$log"
	rc=$?
	line=$(grep -E '^([A-Za-z-]+: )?[0-9]+ passed, [0-9]+ failed(, [0-9]+ skipped)?$' "$log" | tail -n 1)
	line=${line#*: }
	if [ -z "$line" ]; then
		echo "$name: no summary line (exit $rc): counted as one failure"
		line="0 passed, 1 failed"
	elif [ $rc -ne 0 ] && echo "$line" | grep -q ', 0 failed'; then
		echo "$name: exit $rc with no failure counted: counted as one failure"
		line=$(echo "$line" | sed 's/, 0 failed/, 1 failed/')
	fi
	echo "$line" > "$sum"
fi
echo "$name: $(cat "$sum")"
grep -q ', 0 failed' "$sum"
