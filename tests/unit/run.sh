#!/bin/bash
# Host tests (no kernel module): unit tests of every pure part of the
# daemon and the tool, plain and under ASan/UBSan; the simulator's smoke
# suite and mutation campaign; the loopback cluster of quorumd daemons, and
# the same cluster with faults of the disk under a data directory.
# Each part prints "N passed, N failed" lines; they are summed here, and a
# part that fails to run at all counts as one failure.
cd "$(dirname "$0")/../.."
out=$(mktemp); trap 'rm -f "$out" "$out.sum"' EXIT
rc=0
run() {
	"$@" 2>&1 | tee -a "$out"
	if [ "${PIPESTATUS[0]}" -ne 0 ]; then
		rc=1
		echo "unit: '$*' failed"
		grep -qE '[0-9]+ passed, [1-9][0-9]* failed' <(tail -n 3 "$out") ||
			echo "0 passed, 1 failed" >> "$out"
	fi
}
for d in daemon daemon/infra daemon/quorumd tools; do
	run make --no-print-directory -C $d check
done
run tests/sim/check.sh
run tests/lib/console-test.sh
run tests/quorumd/cluster.sh
run tests/quorumd/timing.sh
run tests/quorumd/diskfault.sh
grep -E '^([A-Za-z-]+: )?[0-9]+ passed, [0-9]+ failed' "$out" | sed 's/^[A-Za-z-]*: //' > "$out.sum"
tests/lib/summary.sh "$out.sum" || rc=1
exit $rc
