#!/bin/sh
# Guest side of tests/quorumd/bench.sh: quorumd on the real qfence.ko,
# default timing. Prints `bench KEY=VALUE` lines for the host to collect:
#   takeover_ms    isolated follower (its own network namespace, its bridge
#                  port down): CLOCK_BOOTTIME just before the cut ->
#                  NODE_FENCED committed on the leader (at_ns), one per run
#   rss_kb         VmRSS of each daemon of the 3-node cluster
#   idle_cpu_pct   CPU of each daemon of an idle 5-node cluster over 10 s
#   renew_latency_{max_us,sum_us,count}  per daemon: grant received ->
#                  LEASE_RENEW acknowledged by the kernel
SETTLE_MS=	# the default profile's F
. /tests/qnet.sh
RUNS=${1:-20}
qnet_init || { echo "FAIL quorumd-bench-setup: no event listener"; exit 1; }
for n in 1 2 3 4 5; do qnet_node $n; done

B=$T/bench.txt
: > $B
fenced_in_log() { grep -q "NODE_FENCED committed: node $2 generation $3 .*since_last_grant" $T/log$1; }

t_takeover() {
	LP=bl
	for n in 1 2 3; do conf $n 3; start $n; done
	wait_for has_leader 1 || die "no leader"
	for n in 1 2 3; do wait_for kis $n armed || die "lease $n not armed"; done
	for n in 1 2 3; do echo "bench rss_kb=$(awk '/^VmRSS/ {print $2}' /proc/$(pid $n)/status)" >> $B; done
	i=0
	while [ $i -lt $RUNS ]; do
		L=$(sfield 1 leader)
		F=$((L % 3 + 1))
		g=$(kgen $F)
		t0=$(now_ns)
		isolate $F
		wait_for fenced_in_log $L $F $g || { heal $F; die "run $i: no NODE_FENCED($F, $g)"; }
		t1=$(commit_at $L $F $g)
		echo "bench takeover_ms=$(((t1 - t0) / 1000000))" >> $B
		heal $F
		wait_for kis $F fenced || die "run $i: $F not fenced"
		wait_for rejoin_ok $F || die "run $i: rejoin of $F refused"
		wait_for kis $F armed || die "run $i: $F not re-armed"
		for n in 1 2 3; do kis $n armed || die "run $i: lease $n $(kstate $n)"; done
		i=$((i + 1))
	done
	for n in 1 2 3; do
		$P $T/s$n.sock status | sed -n 's/^\(renew_latency_[a-z_]*\)=/bench \1=/p' >> $B
	done
	for n in 1 2 3; do kill "$(pid $n)"; done
	sleep 1
}
run_case quorumd-bench-takeover t_takeover
[ $FAILED -eq 0 ] || dump_logs 1 2 3

ticks() { awk '{print $14 + $15}' /proc/$1/stat; }
t_idle5() {
	for n in 1 2 3; do kill -9 "$(pid $n)" 2>/dev/null || true; done
	sleep 1
	rm -rf $T/d* $T/log*
	LP=bi
	for n in 1 2 3 4 5; do conf $n 5; start $n; done
	wait_for has_leader 1 || die "no leader"
	for n in 1 2 3 4 5; do wait_for kis $n armed || die "lease $n not armed"; done
	for n in 1 2 3 4 5; do eval "c$n=$(ticks $(pid $n))"; done
	u0=$(cut -d' ' -f1 /proc/uptime)
	sleep 10
	u1=$(cut -d' ' -f1 /proc/uptime)
	hz=100
	for n in 1 2 3 4 5; do
		eval "c=\$c$n"
		echo "bench idle_cpu_pct=$(awk -v a="$c" -v b="$(ticks $(pid $n))" -v u0="$u0" -v u1="$u1" -v hz=$hz 'BEGIN { printf "%.2f", 100 * (b - a) / hz / (u1 - u0) }')" >> $B
	done
	for n in 1 2 3 4 5; do kill "$(pid $n)"; done
}
run_case quorumd-bench-idle-5-nodes t_idle5
cat $B
summary
