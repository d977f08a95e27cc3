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
# ROUNDS (default 8), RUNTIME (s per fio job, default 1), REPS (default 30).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
cd "$top"
export BUILD=${BUILD:-$top/build}
export KVER=${KVER:-$(scripts/kver.sh)}
SMP=${SMP:-1} ROUNDS=${ROUNDS:-8} RUNTIME=${RUNTIME:-1} REPS=${REPS:-30}
mkdir -p "$BUILD/bench" "$BUILD/vm"
# NO_BUILD=1: use build/qfence.ko and build/bin/quorumctl as they are.
if [ -z "${NO_BUILD:-}" ]; then
	make --no-print-directory -j2 module tools > "$BUILD/vm/bench-build.log" 2>&1 ||
		{ echo "kmod.bench: build failed (see $BUILD/vm/bench-build.log)" >&2; exit 1; }
fi
make --no-print-directory -C tests/vm/helpers >> "$BUILD/vm/bench-build.log" 2>&1
tests/vm/mkinitramfs.sh "$BUILD/vm/bench.cpio"
# Two boots. The first runs under -icount (guest time = executed
# instructions, 1 ns each): what it measures does not depend on what else
# this shared host is doing, so the IOPS ratio is stable; its latencies are
# in that virtual time. The second runs in real time (TCG) and gives the
# latencies as the emulated machine saw them, host noise included.
run_bench() {
	local name=$1 mode=$2 rc=0
	shift 2
	tests/vm/boot.sh --initrd "$BUILD/vm/bench.cpio" --share-usr --smp "$SMP" --timeout 900 \
		--args "$ROUNDS,$RUNTIME,$REPS,$mode" "$@" bench || rc=$?
	cp "$BUILD/vm/bench.out" "$BUILD/vm/$name.out"
	cp "$BUILD/vm/bench.console" "$BUILD/vm/$name.console"
	tr -d '\r' < "$BUILD/vm/$name.out" | grep -E '^(ok|FAIL|    \|)' || true
	if [ $rc -ne 0 ] || ! grep -q '^qfence-vm: end bench rc=0' <(tr -d '\r' < "$BUILD/vm/$name.out"); then
		echo "kmod.bench: the $name VM failed (status $rc; see $BUILD/vm/$name.out, .console)" >&2
		exit 1
	fi
}
run_bench bench-icount all --icount 0
run_bench bench-realtime lat
python3 - "$BUILD/vm/bench-icount.out" "$BUILD/vm/bench-realtime.out" "$BUILD/bench/kmod.json" \
	"$KVER" "$SMP" "$ROUNDS" "$RUNTIME" <<'PY'
import json, statistics, sys
ic_out, rt_out, path, kver = sys.argv[1:5]
smp, rounds, runtime = int(sys.argv[5]), int(sys.argv[6]), int(sys.argv[7])

def parse(out):
    iops, fl, rn, vcpus = {}, None, None, None
    for line in open(out, errors="replace"):
        w = line.replace("\r", "").split(None, 2)
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
    return iops, fl, rn, vcpus

def lat(fl):
    return {"p50": fl["p50"], "p99": fl["p99"], "max": fl["max"],
            "samples": fl["samples"], "lease_ms": 50,
            "late_successes": fl["late_successes"],
            "early_failures": fl["early_failures"],
            "distribution": fl["distribution"]}

def rtt(rn):
    return {"p50": rn["p50_us"], "p99": rn["p99_us"], "count": rn["count"],
            "min": rn["min_us"], "max": rn["max_us"]}

iops, fl, rn, vcpus = parse(ic_out)
_, fl_rt, rn_rt, _ = parse(rt_out)
lin = [iops["lin-%d" % r] for r in range(1, rounds + 1)]
qf = [iops["qfb-%d" % r] for r in range(1, rounds + 1)]
ratios = [q / l for q, l in zip(qf, lin)]
res = {
    "kernel": kver,
    "accel": "tcg",
    "vcpus": vcpus or smp,
    "clock": "icount shift=0: guest time = executed instructions, 1 ns each (host-load independent)",
    "fence_latency_us": lat(fl),
    "fence_latency_method": "deadline -> end of the first failed 4 KiB O_DIRECT read; tight read loop on CLOCK_BOOTTIME (tests/vm/helpers/fencelat.c)",
    "iops_ratio_vs_linear": round(statistics.median(ratios), 4),
    "iops": {
        "workload": "fio 4k randrw 50/50, psync, direct=1, brd 64 MiB, %d s per job, rounds alternate linear/qfence order" % runtime,
        "raw": iops["raw"],
        "linear_median": statistics.median(lin),
        "qfence_median": statistics.median(qf),
        "linear": lin, "qfence": qf,
        "ratio_per_round": [round(x, 4) for x in ratios],
        "ratio_of_medians": round(statistics.median(qf) / statistics.median(lin), 4),
        "ratio_vs_raw": round(statistics.median(qf) / iops["raw"], 4),
    },
    "renew_rtt_us": rtt(rn),
    "realtime": {
        "clock": "host real time under TCG, shared 2-core host (noisy)",
        "fence_latency_us": lat(fl_rt),
        "renew_rtt_us": rtt(rn_rt),
    },
}
json.dump(res, open(path, "w"), indent=2)
print("fence_latency_us p50 %.1f p99 %.1f (n=%d; real time: p50 %.1f p99 %.1f)" % (
    fl["p50"], fl["p99"], fl["samples"], fl_rt["p50"], fl_rt["p99"]))
print("iops_ratio_vs_linear %.4f (linear %.0f, qfence %.0f, raw %.0f IOPS)" % (
    res["iops_ratio_vs_linear"], res["iops"]["linear_median"], res["iops"]["qfence_median"], iops["raw"]))
print("renew_rtt_us p50 %.1f p99 %.1f (real time: p50 %.1f p99 %.1f)" % (
    rn["p50_us"], rn["p99_us"], rn_rt["p50_us"], rn_rt["p99_us"]))
PY
echo "kmod.bench: wrote $BUILD/bench/kmod.json"
