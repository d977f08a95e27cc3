#!/bin/bash
# Host unit tests: every pure part of the daemon and the tool, plain and
# under ASan/UBSan. Each sub-make prints "N passed, N failed" lines; they are
# summed here.
cd "$(dirname "$0")/../.."
out=$(mktemp); trap 'rm -f "$out"' EXIT
rc=0
for d in daemon daemon/infra tools; do
	make --no-print-directory -C $d check 2>&1 | tee -a "$out"
	[ "${PIPESTATUS[0]}" -eq 0 ] || { rc=1; echo "unit: make -C $d check failed"; echo "0 passed, 1 failed" >> "$out"; }
done
grep -E '^([A-Za-z-]+: )?[0-9]+ passed, [0-9]+ failed' "$out" | sed 's/^[A-Za-z-]*: //' > "$out.sum"
tests/lib/summary.sh "$out.sum" || rc=1
rm -f "$out.sum"
exit $rc
