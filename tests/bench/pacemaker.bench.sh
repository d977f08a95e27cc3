#!/bin/bash
# Pacemaker with fence_qfence on three Debian 12 VMs (tests/pacemaker's
# cluster and configuration): the resource's node is cut PM_BENCH_RUNS
# times (default 5); each run measures, on the host clock, cut -> NODE_FENCED
# committed -> Pacemaker declared the node fenced -> the resource started
# on a survivor, with tests/pacemaker/cut.sh's checks (the commit precedes
# "fenced"), then heals and unfences. Writes build/bench/pacemaker.json.
# Only the qfence stack: the image has no sbd (adding it changes the
# rootfs key); "sbd" in the JSON says so.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
here=$top/tests/pacemaker
# shellcheck source=../pacemaker/lib.sh
. "$here/lib.sh"
# shellcheck source=../pacemaker/cib.sh
. "$here/cib.sh"
RUNS=${PM_BENCH_RUNS:-5}
PM_DIR=$BUILD/bench/pacemaker-vms
# shellcheck disable=SC2034 # tests/cluster/lib.sh (mark) writes there
CL_DIR=$PM_DIR
out=$BUILD/bench/pacemaker.json
passed=0 failed=0
ok() { echo "ok $1"; passed=$((passed + 1)); }
fail() { echo "FAIL $1: $2"; failed=$((failed + 1)); }
finish() { echo "pacemaker-bench: $passed passed, $failed failed"; [ "$failed" -eq 0 ]; }
rm -rf "$PM_DIR" && mkdir -p "$PM_DIR/vm"
trap 'cl_cleanup' EXIT
trap 'exit 130' INT TERM
. "$here/setup.sh"
. "$here/cut.sh"
dummy_on() { local w; w=$(where 1 dummy); [ -n "$w" ]; }
pm_configure 1 > "$PM_DIR/configure.log" 2>&1 && poll 240 dummy_on ||
	{ fail pcmk-bench-configure "$(tail -n 3 "$PM_DIR/configure.log" | tr '\n' ' ')"; finish; exit 1; }
runs=$PM_DIR/runs.txt
: > "$runs"
for r in $(seq 1 "$RUNS"); do
	V=$(where 1 dummy | sed 's/^node//')
	WHY=
	if pm_cut_measure "$V"; then
		ok "pcmk-bench-run-$r"
		echo "$r $V $CUT_COMMIT $CUT_FENCED $CUT_STARTED ok" >> "$runs"
	else
		fail "pcmk-bench-run-$r" "$WHY"
		echo "$r $V - - - fail" >> "$runs"
	fi
	pm_heal_unfence "$V" "$CUT_GEN" || { fail "pcmk-bench-unfence-$r" "$WHY"; break; }
	poll 120 dummy_on
done
python3 - "$runs" "$out" <<'PY'
import json, sys
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
def pct(v, p):
    v = sorted(v)
    return v[min(len(v) - 1, int(round(p / 100.0 * (len(v) - 1))))] if v else None
good = [r for r in rows if r[5] == "ok"]
res = {"schema": 1, "stack": "pacemaker 2.1.5 + corosync 3.1 + fence_qfence, 3 TCG VMs",
       "runs": len(rows), "runs_ok": len(good),
       "per_run": [{"run": int(r[0]), "victim": int(r[1]),
                    "commit_s": None if r[2] == "-" else float(r[2]),
                    "fenced_s": None if r[3] == "-" else float(r[3]),
                    "started_s": None if r[4] == "-" else float(r[4]),
                    "checks": r[5]} for r in rows],
       "sbd": "not measured: the cached image has no sbd package",
       "stale_writes": "not checked: the resource is ocf:heartbeat:Dummy, no shared disk"}
for k, i in (("commit_s", 2), ("fenced_s", 3), ("started_s", 4)):
    v = [float(r[i]) for r in good]
    res[k] = {"p50": pct(v, 50), "p99": pct(v, 99)}
json.dump(res, open(sys.argv[2], "w"), indent=1)
print(json.dumps({k: res[k] for k in ("runs", "runs_ok", "commit_s", "fenced_s", "started_s")}))
PY
finish
