#!/bin/bash
# SPDX-License-Identifier: MIT
# The takeover run loop of the cluster benchmarks (failover.bench.sh,
# pr.bench.sh), sourced after tests/cluster/lib.sh. With the cluster's
# settings as they are (CL_PROFILE, CL_STORAGE, ...):
#
#   takeover_runs LABEL RUNS BUDGET_S
#
# a fresh cluster in $BUILD/bench/LABEL, then RUNS times: isolate the node
# that owns the contested region, wait for the takeover, heal and rejoin.
# No run starts after BUDGET_S (a starved emulated cluster that keeps
# lapsing must not hang the bench). Leaves in $BUILD/bench:
#   LABEL/runs     "run victim leader partition_ns", one per takeover
#   LABEL/failed   runs that did not happen, and why
#   LABEL/lapsed   the count of healthy lapses seen in the logs
#   LABEL.check    the checker's output over all runs (takeover lines)
#   LABEL.stale    its stale_writes
#   LABEL.status   the leader's status (JSON) at the end
takeover_runs() {
	local label=$1 n=$2 r v l t d=$BUILD/bench/$1
	local budget=$((SECONDS + $3))
	rm -rf "$d"
	cl_up "$d" || { echo "$label: cluster did not come up" >&2; return 1; }
	for r in $(seq 1 "$n"); do
		if [ $SECONDS -ge $budget ]; then
			echo "$label: time budget spent after $((r - 1)) runs" >&2
			echo "$r budget" >> "$d/failed"
			break
		fi
		if ! poll 60 healthy && ! cl_recover && ! cl_recover; then
			echo "$label run $r: not healthy: $WHY" >&2
			echo "$r unhealthy" >> "$d/failed"; break
		fi
		v=$(cl_owner); l=$(cl_leader)
		t=$(now_ns)
		echo "$t partition isolate $v" >> "$d/nemesis.log"
		isolate "$v"
		if ! wait_takeover "$v" 40; then
			echo "$label run $r: no takeover from node $v" >&2
			echo "$r $v no-takeover" >> "$d/failed"
			heal; cl_recover; continue
		fi
		printf '%s %s run %d: isolated node %s (leader %s), node %s took over\n' \
			"$(date +%T)" "$label" "$r" "$v" "$l" "$(cl_owner)"
		echo "$r $v $l $t" >> "$d/runs"
		sleep 1
		cl_recover || cl_recover || { echo "$label run $r: recovery: $WHY" >&2; echo "$r recovery" >> "$d/failed"; break; }
		# a healthy node that lapsed meanwhile (a starved VM) is recorded
		grep -q "reason lapsed" "$d"/vm/qfnode*.out 2>/dev/null &&
			echo "$(grep -c "reason lapsed; leader" "$d"/vm/qfnode*.out | awk -F: '{s+=$2} END {print s}')" > "$d/lapsed"
	done
	heal
	cl_check
	cp "$d/check.out" "$BUILD/bench/$label.check"
	echo "$CL_STALE" > "$BUILD/bench/$label.stale"
	status_json "$(cl_leader)" > "$BUILD/bench/$label.status"
	cl_cleanup
}
