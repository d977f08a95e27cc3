#!/bin/bash
# Run qfence-sim with each of the core's deliberate protocol breaks and
# report whether the simulator catches it (design.md §2 rules 1-5).
#
#   tests/sim/mutations.sh [SEEDS] [NODES]     (default 2000 seeds, 5 nodes)
#   SIMFLAGS=--no-wire-checks tests/sim/mutations.sh
#       only consequences count (IO after a committed fence, Raft
#       invariants, liveness), not the wire/observed rule checks
#
# A catch counts only when the violating seed passes without the mutation
# (qfence-sim checks this itself). w-without-drift runs with --clocks
# extreme, the others with random clocks; rejoin-no-reboot-check in the
# total-partition scenario, rejoin-no-guard in flapping. Prints "ok NAME (seed S: what)" or
# "FAIL NAME: not caught in N seeds" and a final "N passed, N failed".
cd "$(dirname "$0")/../.."
seeds=${1:-2000}
nodes=${2:-5}
sim=${SIM:-build/bin/qfence-sim}
if [ ! -x "$sim" ]; then
	make --no-print-directory -C daemon sim >/dev/null || {
		echo "FAIL mutations: cannot build $sim"; echo "0 passed, 1 failed"; exit 1; }
fi
names=$("$sim" --help | sed -n 's/^mutations: *//p')
if [ -z "$names" ]; then
	echo "FAIL mutations: $sim lists no mutations"; echo "0 passed, 1 failed"; exit 1
fi
pass=0 fail=0
for m in $names; do
	extra=
	[ "$m" = w-without-drift ] && extra="--clocks extreme"
	# design.md §2.11: only these scenarios give nodes a rejoin policy
	[ "$m" = rejoin-no-reboot-check ] && extra="--scenario total-partition"
	[ "$m" = rejoin-no-guard ] && extra="--scenario flapping"
	out=$("$sim" --seeds "$seeds" --nodes "$nodes" --mutate "$m" $extra $SIMFLAGS 2>&1)
	rc=$?
	line=$(echo "$out" | grep -m1 '^VIOLATION' | sed 's/^VIOLATION //')
	if [ $rc -eq 0 ] && echo "$out" | grep -q "caught at seed"; then
		echo "ok $m ($line)"
		pass=$((pass + 1))
	else
		echo "FAIL $m: not caught in $seeds seeds on $nodes nodes $extra (exit $rc)"
		echo "$out" | grep '^baseline failures' | sed 's/^/    /'
		fail=$((fail + 1))
	fi
done
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
