#!/bin/sh
# Guest side of tests/quorumd/bench.sh: quorumd on the real qfence.ko,
# default timing. Prints `bench KEY=VALUE` lines for the host to collect:
#   takeover_ms    isolated follower: cut -> NODE_FENCED committed on the
#                  leader (its log stamp), one line per run
#   rss_kb         VmRSS of each daemon of the 3-node cluster
#   idle_cpu_pct   CPU of each daemon of an idle 5-node cluster over 10 s
#   renew_latency_{max_us,sum_us,count}  per daemon: grant received ->
#                  LEASE_RENEW acknowledged by the kernel
. /tests/lib.sh
T=/tmp/qd
P=quorumd-probe
RUNS=${1:-20}
mkdir -p $T
modprobe qfence log_only=1 || insmod "$KO" log_only=1
qdip rule add pref 1000 table local
qdip rule del pref 0
isolate() { qdip rule add pref 10$1 from 127.0.0.$1 blackhole; qdip rule add pref 20$1 to 127.0.0.$1 blackhole; }
heal() { qdip rule del pref 10$1 2>/dev/null || true; qdip rule del pref 20$1 2>/dev/null || true; }
head -c 32 /dev/urandom > $T/key
chmod 600 $T/key

B=$T/bench.txt
: > $B
conf() {	# conf N NODES LEASE_PREFIX
	mkdir -p $T/d$1
	{
		printf '[cluster]\nname = bench\nkey_file = %s/key\nprofile = default\n' $T
		for p in $(seq 1 $2); do echo "peer = $p 127.0.0.$p:74$((p + 10))"; done
		printf '[node]\nid = %s\nlease_name = %s%s\nactions = io\n' $1 $3 $1
		printf 'data_dir = %s/d%s\ncontrol_socket = %s/s%s.sock\n' $T $1 $T $1
		printf 'mlockall = yes\nsched_rr_priority = 10\n'
	} > $T/n$1.conf
}
start() { quorumd --allow-log-only -f -c $T/n$1.conf >> $T/log$1 2>&1 & echo $! > $T/pid$1; }
pid() { cat $T/pid$1; }
sfield() { $P $T/s$1.sock status 2>/dev/null | sed -n "s/^$2=//p"; }
LP=bl
kis() { [ "$(field $LP$1 state)" = "$2" ]; }
wait_for() { _i=0; while [ $_i -lt 600 ]; do "$@" && return 0; sleep 0.05; _i=$((_i + 1)); done; return 1; }
has_leader() { _l=$(sfield "$1" leader); [ -n "$_l" ] && [ "$_l" != 0 ]; }
rejoin_ok() { $P $T/s$1.sock rejoin > /dev/null; }
fenced_in_log() { grep -q "NODE_FENCED committed: node $2 generation $3 .*since_last_grant" $T/log$1; }

t_takeover() {
	for n in 1 2 3; do conf $n 3 bl; start $n; done
	wait_for has_leader 1 || die "no leader"
	for n in 1 2 3; do wait_for kis $n armed || die "lease $n not armed"; done
	for n in 1 2 3; do echo "bench rss_kb=$(awk '/^VmRSS/ {print $2}' /proc/$(pid $n)/status)" >> $B; done
	i=0
	while [ $i -lt $RUNS ]; do
		L=$(sfield 1 leader)
		F=$((L % 3 + 1))
		g=$(field bl$F generation)
		t0=$($P - now)
		isolate $F
		wait_for fenced_in_log $L $F $g || { heal $F; die "run $i: no NODE_FENCED($F, $g)"; }
		t1=$(grep "NODE_FENCED committed: node $F generation $g .*since_last_grant" $T/log$L | tail -n 1 | cut -d' ' -f1 | tr -d .)
		echo "bench takeover_ms=$((t1 - t0))" >> $B
		heal $F
		wait_for kis $F fenced || die "run $i: $F not fenced"
		wait_for rejoin_ok $F || die "run $i: rejoin of $F refused"
		wait_for kis $F armed || die "run $i: $F not re-armed"
		for n in 1 2 3; do kis $n armed || die "run $i: lease $n $(field bl$n state)"; done
		i=$((i + 1))
	done
	for n in 1 2 3; do
		$P $T/s$n.sock status | sed -n 's/^\(renew_latency_[a-z_]*\)=/bench \1=/p' >> $B
	done
	for n in 1 2 3; do kill "$(pid $n)"; done
	sleep 1
}
run_case quorumd-bench-takeover t_takeover

ticks() { awk '{print $14 + $15}' /proc/$1/stat; }
t_idle5() {
	for n in 1 2 3; do kill -9 "$(pid $n)" 2>/dev/null || true; done
	sleep 1
	rm -rf $T/d* $T/log*
	LP=bi
	for n in 1 2 3 4 5; do conf $n 5 bi; start $n; done
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
