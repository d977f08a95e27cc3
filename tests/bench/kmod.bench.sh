#!/bin/bash
# Kernel module benchmark -> build/bench/kmod.json
#
#   fence_latency_us   deadline -> first refused bio (tests/vm/helpers/fencelat.c:
#                      O_DIRECT reads in a tight loop while a 50 ms lease runs
#                      out; sample = end of the first failed read - deadline)
#   iops_ratio_vs_linear  4 KiB random r/w IOPS through qfence / through
#                      dm-linear, same brd disk, interleaved rounds (median of
#                      the per-round ratios); raw brd figure alongside
#   renew_rtt_us       `quorumctl --json lease bench-renew` (send to ack)
#
# All inside one QEMU (TCG) VM; absolute numbers are those of an emulated CPU,
# the ratio is what carries over. Environment: SMP (vCPUs, default 1),
# ROUNDS (default 8), RUNTIME (s per fio job, default 2), REPS (default 30).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
cd "$top"
export BUILD=${BUILD:-$top/build}
export KVER=${KVER:-$(scripts/kver.sh)}
SMP=${SMP:-1} ROUNDS=${ROUNDS:-8} RUNTIME=${RUNTIME:-2} REPS=${REPS:-30}
mkdir -p "$BUILD/bench" "$BUILD/vm"
make --no-print-directory -j2 module tools > "$BUILD/vm/bench-build.log" 2>&1 ||
	{ echo "kmod.bench: build failed (see $BUILD/vm/bench-build.log)" >&2; exit 1; }
make --no-print-directory -C tests/vm/helpers >> "$BUILD/vm/bench-build.log" 2>&1
tests/vm/mkinitramfs.sh "$BUILD/vm/initramfs.cpio"
timeout=$((120 + ROUNDS * 2 * (RUNTIME + 4) + REPS))
rc=0
tests/vm/boot.sh --share-usr --smp "$SMP" --timeout "$timeout" \
	--args "$ROUNDS,$RUNTIME,$REPS" bench || rc=$?
out=$BUILD/vm/bench.out
tr -d '\r' < "$out" | grep -E '^(ok|FAIL|    \|)' || true
if [ $rc -ne 0 ] || ! grep -q '^qfence-vm: end bench rc=0' <(tr -d '\r' < "$out"); then
	echo "kmod.bench: the benchmark VM failed (status $rc; see $out and $BUILD/vm/bench.console)" >&2
	exit 1
fi
tr -d '\r' < "$out" | python3 - "$BUILD/bench/kmod.json" "$KVER" "$SMP" "$ROUNDS" "$RUNTIME" <<'PY'
import json, statistics, sys
path, kver, smp, rounds, runtime = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
iops, fl, rn, vcpus = {}, None, None, None
for line in sys.stdin:
    w = line.split(None, 2)
    if len(w) < 3 or w[0] != "BENCH":
        continue
    if w[1] == "iops":
        job, r, wr = w[2].split()
        iops[job] = float(r) + float(wr)
    elif w[1] == "fencelat":
        fl = json.loads(w[2])
    elif w[1] == "renew":
        rn = json.loads(w[2])
    elif w[1] == "vcpus":
        vcpus = int(w[2])
lin = [iops["lin-%d" % r] for r in range(1, rounds + 1)]
qf = [iops["qfb-%d" % r] for r in range(1, rounds + 1)]
ratios = [q / l for q, l in zip(qf, lin)]
res = {
    "kernel": kver,
    "accel": "tcg",
    "vcpus": vcpus or smp,
    "fence_latency_us": {
        "p50": fl["p50"], "p99": fl["p99"], "max": fl["max"],
        "samples": fl["samples"], "lease_ms": 50,
        "late_successes": fl["late_successes"],
        "early_failures": fl["early_failures"],
        "distribution": fl["distribution"],
        "method": "deadline -> end of the first failed 4 KiB O_DIRECT read, tight read loop, CLOCK_BOOTTIME",
    },
    "iops_ratio_vs_linear": round(statistics.median(ratios), 4),
    "iops": {
        "workload": "fio 4k randrw 50/50, psync, direct=1, brd 64 MiB, %d s per job, interleaved" % runtime,
        "raw": iops["raw"],
        "linear_median": statistics.median(lin),
        "qfence_median": statistics.median(qf),
        "linear": lin, "qfence": qf,
        "ratio_per_round": [round(x, 4) for x in ratios],
        "ratio_of_medians": round(statistics.median(qf) / statistics.median(lin), 4),
    },
    "renew_rtt_us": {"p50": rn["p50_us"], "p99": rn["p99_us"], "count": rn["count"],
                     "min": rn["min_us"], "max": rn["max_us"]},
}
json.dump(res, open(path, "w"), indent=2)
print(json.dumps({k: res[k] for k in ("fence_latency_us", "iops_ratio_vs_linear", "renew_rtt_us")}
                 | {"raw_iops": res["iops"]["raw"]}, indent=None)[:2000])
PY
echo "kmod.bench: wrote $BUILD/bench/kmod.json"
