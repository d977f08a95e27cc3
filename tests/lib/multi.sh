#!/bin/bash
# Run several test scripts as one suite: tests/lib/multi.sh SCRIPT...
# Each script prints its own "N passed, N failed[, N skipped]" line last;
# the lines are summed into one. A script that exits non-zero without
# counting a failure, or prints no summary, counts as one failure.
cd "$(dirname "$0")/../.."
out=$(mktemp); trap 'rm -f "$out" "$out.sum"' EXIT
rc=0
for s in "$@"; do
	: > "$out.one"
	"$s" 2>&1 | tee "$out.one"
	src=${PIPESTATUS[0]}
	line=$(grep -E '^([A-Za-z-]+: )?[0-9]+ passed, [0-9]+ failed(, [0-9]+ skipped)?$' "$out.one" | tail -n 1)
	line=${line#*: }
	if [ -z "$line" ]; then
		echo "$s: no summary line (exit $src): counted as one failure"
		line="0 passed, 1 failed"
	elif [ "$src" -ne 0 ] && echo "$line" | grep -q ', 0 failed'; then
		echo "$s: exit $src with no failure counted: counted as one failure"
		line=$(echo "$line" | sed 's/, 0 failed/, 1 failed/')
	fi
	echo "$line" >> "$out.sum"
	rm -f "$out.one"
done
tests/lib/summary.sh "$out.sum" || rc=1
exit $rc
