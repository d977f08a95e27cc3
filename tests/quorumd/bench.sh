#!/bin/bash
# SPDX-License-Identifier: MIT
# Cluster benchmark of quorumd on the real qfence.ko inside QEMU (TCG,
# -icount: guest time follows executed instructions). Writes
# $BUILD/bench/cluster-netns.json:
#   takeover_ms {p50, p99, n}: isolated follower, cut -> NODE_FENCED
#                committed on the leader (default timing, >= 20 runs)
#   quorumd_rss_kb: largest VmRSS of the 3 daemons
#   idle_cpu_pct_5_nodes: mean CPU per daemon, idle 5-node cluster, 100 ms
#                heartbeat, over 10 s
#   renewal_jitter_ms {mean, max, renewals}: on followers, a grant's
#                arrival -> the kernel's ack of LEASE_RENEW
# One network namespace per node on a bridge (tests/quorumd/guest/qnet.sh);
# a cut sets the node's bridge port down.
# Prints `ok`/`FAIL` lines and `N passed, N failed`.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
cd "$qd_top" || exit 1
RUNS=${RUNS:-20}
dir=$BUILD/vm-quorumd
mkdir -p "$dir" "$BUILD/vm" "$BUILD/bench"
qd_build quorumd-bench "$dir/bench.cpio" "$dir/bench-build.log"

tests/vm/boot.sh --initrd "$dir/bench.cpio" --timeout 900 --mem 768 \
	--icount 3 --args "$RUNS" quorumd-bench 2> "$dir/bench-boot.log"
rc=$?
out=$BUILD/vm/quorumd-bench.out
[ -f "$out" ] || : > "$out"
tr -d '\r' < "$out" | grep -E '^(ok|FAIL|    \|)' | while IFS= read -r l; do echo "$l"; done
grep -q "^ok quorumd-bench-takeover" <(tr -d '\r' < "$out") && ok takeover-runs || fail takeover-runs "see $out"
grep -q "^ok quorumd-bench-idle-5-nodes" <(tr -d '\r' < "$out") && ok idle-5-nodes || fail idle-5-nodes "see $out"
[ "$rc" -eq 0 ] && ok quorumd-bench-boot || fail quorumd-bench-boot "qemu status $rc"

vals() { tr -d '\r' < "$out" | sed -n "s/^bench $1=//p"; }
tk=$(vals takeover_ms | sort -n)
n=$(echo "$tk" | grep -c .)
pct() {	# pct P: nearest-rank percentile of the sorted takeover times
	local r=$(( ($1 * n + 99) / 100 )); [ "$r" -lt 1 ] && r=1
	echo "$tk" | sed -n "${r}p"
}
if [ "$n" -ge "$RUNS" ] && [ "$n" -gt 0 ]; then
	p50=$(pct 50) p99=$(pct 99)
	rss=$(vals rss_kb | sort -n | tail -n 1)
	lmax=$(vals renew_latency_max_us | sort -n | tail -n 1)
	lsum=$(vals renew_latency_sum_us | awk '{s += $1} END {print s + 0}')
	lcnt=$(vals renew_latency_count | awk '{s += $1} END {print s + 0}')
	lmean=$(awk -v s="$lsum" -v c="$lcnt" 'BEGIN { if (c) printf "%.3f", s / c / 1000; else print "null" }')
	cpu=$(vals idle_cpu_pct | awk '{s += $1; n++} END { if (n) printf "%.2f", s / n; else print "null" }')
	cat > "$BUILD/bench/cluster-netns.json" <<JSON
{
  "takeover_ms": { "p50": $p50, "p99": $p99, "n": $n },
  "quorumd_rss_kb": ${rss:-null},
  "idle_cpu_pct_5_nodes": $cpu,
  "renewal_jitter_ms": { "mean": $lmean, "max": $(awk -v m="${lmax:-0}" 'BEGIN { printf "%.3f", m / 1000 }'), "renewals": $lcnt },
  "timing": "default (heartbeat 100, election 400..800, L 1500, F 1000, rho 1000 ppm)",
  "setup": "one QEMU TCG VM (-icount 3), one network namespace per node on a bridge, real qfence.ko",
  "targets": { "takeover_p99_ms": 5000, "rss_kb": 16384 }
}
JSON
	cat "$BUILD/bench/cluster-netns.json"
	[ "$p99" -le 5000 ] && ok takeover-p99-within-5000ms || fail takeover-p99-within-5000ms "p99 $p99 ms"
	[ "${rss:-99999999}" -le 16384 ] && ok rss-within-16MB || fail rss-within-16MB "$rss kB"
else
	fail bench-json "only $n takeover samples (want $RUNS)"
fi
finish
