#!/bin/bash
# Simulator benchmark -> build/bench/sim.json
#
#   throughput: a mixed-scenario run on 5 nodes (simulated steps and seeds
#               per wall-clock second and per CPU second, one core; target
#               >= 10^6 seeds/day, ~12/s)
#   takeover:   --scenario takeover cuts one node (the leader half of the
#               time) off both ways in a stable cluster and measures, in
#               virtual real time, cut -> NODE_FENCED committed on the
#               majority side. Default profile (design.md §5: heartbeat 100 ms,
#               election 400-800 ms, L 1500 ms, F 1000 ms) and fast profile
#               (heartbeat 50 ms, election 150-300 ms, L 500 ms, F 300 ms),
#               rho 1000 ppm. Targets: default p99 <= 4000 ms, fast <= 1500.
set -e
cd "$(dirname "$0")/../.."
make --no-print-directory -C daemon sim >/dev/null
sim=build/bin/qfence-sim
out=build/bench/sim.json
mkdir -p build/bench
SEEDS=${SEEDS:-2000}
TAKE=${TAKE:-1000}

t0=$(date +%s.%N)
last=$(/usr/bin/time -f '%U %S' -o build/bench/sim.cpu $sim --seeds "$SEEDS" --nodes 5 | tail -n 1)
t1=$(date +%s.%N)
cpu=$(awk '{ print $1 + $2 }' build/bench/sim.cpu)
rm -f build/bench/sim.cpu
steps=$(echo "$last" | sed 's/.*steps=\([0-9]*\).*/\1/')
viol=$(echo "$last" | sed 's/.*violations=\([0-9]*\).*/\1/')

take() {	# profile -> "p50 p99 n"
	$sim --seeds "$TAKE" --nodes 5 --scenario takeover --profile "$1" --seed-start 500000 |
		sed -n 's/^takeover_ms n=\([0-9]*\) p50=\([0-9.]*\) p99=\([0-9.]*\).*/\2 \3 \1/p'
}
read -r d50 d99 dn <<<"$(take default)"
read -r f50 f99 fn <<<"$(take fast)"

awk -v s="$steps" -v n="$SEEDS" -v a="$t0" -v b="$t1" -v v="$viol" -v c="$cpu" \
    -v d50="$d50" -v d99="$d99" -v dn="$dn" -v f50="$f50" -v f99="$f99" -v fn="$fn" 'BEGIN {
	w = b - a; if (w <= 0) w = 1e-6; if (c <= 0) c = 1e-6;
	printf "{\n";
	printf "  \"throughput\": {\"nodes\": 5, \"seeds\": %d, \"wall_s\": %.3f, \"cpu_s\": %.3f, \"steps\": %d, \"steps_per_s\": %.0f, \"seeds_per_s\": %.1f, \"seeds_per_day\": %.0f, \"steps_per_cpu_s\": %.0f, \"seeds_per_cpu_s\": %.1f, \"violations\": %d},\n", n, w, c, s, s / w, n / w, n / w * 86400, s / c, n / c, v;
	printf "  \"takeover_ms\": {\n";
	printf "    \"default\": {\"p50\": %s, \"p99\": %s, \"n\": %s, \"target_p99\": 4000},\n", d50, d99, dn;
	printf "    \"fast\": {\"p50\": %s, \"p99\": %s, \"n\": %s, \"target_p99\": 1500}\n", f50, f99, fn;
	printf "  },\n";
	printf "  \"profiles\": {\"default\": \"heartbeat 100 ms, election 400-800 ms, L 1500 ms, F 1000 ms, rho 1000 ppm\", \"fast\": \"heartbeat 50 ms, election 150-300 ms, L 500 ms, F 300 ms, rho 1000 ppm\"}\n";
	printf "}\n";
}' > "$out"
cat "$out"
