#!/bin/sh
# Guest side of tests/quorumd/vm.sh: three quorumd on the real qfence.ko
# (log-only actions), all on 127.0.0.1 of one VM, each with its own lease.
# The kernel's own view (qlease, straight from the uapi) is the judge.
. /tests/lib.sh
T=/tmp/qd
P=quorumd-probe
mkdir -p $T

modprobe qfence log_only=1 || insmod "$KO" log_only=1
# Node N lives on 127.0.0.N. Policy rules ahead of the local table cut
# links: `from 127.0.0.N blackhole` drops N's datagrams to the others (and
# theirs from N), `to 127.0.0.N blackhole` the others' datagrams to N.
qdip rule add pref 1000 table local
qdip rule del pref 0
cut_from() { qdip rule add pref 10$1 from 127.0.0.$1 blackhole; }
cut_to() { qdip rule add pref 20$1 to 127.0.0.$1 blackhole; }
# (each del may find no rule: never let `set -e` end a case there)
heal() {
	qdip rule del pref 10$1 2>/dev/null || true
	qdip rule del pref 20$1 2>/dev/null || true
}
modprobe brd rd_nr=3 rd_size=4096
modprobe dm-mod
# node 3 pets a (soft, non-rebooting) watchdog while its lease is valid
modprobe softdog soft_noboot=1 soft_margin=1
head -c 32 /dev/urandom > $T/key
chmod 600 $T/key
for n in 1 2 3; do
	mkdir -p $T/d$n
	cat > $T/n$n.conf <<CONF
[cluster]
name = vmtest
key_file = $T/key
profile = default
settle_ms = 2000
peer = 1 127.0.0.1:7401
peer = 2 127.0.0.2:7402
peer = 3 127.0.0.3:7403
[node]
id = $n
lease_name = vmlease$n
actions = io
data_dir = $T/d$n
control_socket = $T/s$n.sock
mlockall = yes
sched_rr_priority = 10
CONF
done
printf 'watchdog_device = /dev/watchdog\nwatchdog_timeout_s = 1\n' >> $T/n3.conf

start() { quorumd --allow-log-only -f -c $T/n$1.conf >> $T/log$1 2>&1 & echo $! > $T/pid$1; }
pid() { cat $T/pid$1; }
st() { $P $T/s$1.sock status 2>/dev/null; }
sfield() { st "$1" | sed -n "s/^$2=//p"; }
kstate() { field vmlease$1 state; }
wait_for() {	# hang guard only: 400 polls of 100 ms
	_i=0
	while [ $_i -lt 400 ]; do
		"$@" && return 0
		sleep 0.1
		_i=$((_i + 1))
	done
	return 1
}
has_leader() { _l=$(sfield "$1" leader); [ -n "$_l" ] && [ "$_l" != 0 ]; }
kis() { [ "$(kstate "$1")" = "$2" ]; }
fence_committed() { st "$1" | grep -q "^fence node=$2 gen=$3 "; }
kgen() { field vmlease$1 generation; }
# renewed_more N X: lease N's kernel renewal count is above X
renewed_more() { [ "$(field vmlease$1 renewals)" -gt "$2" ]; }
triggers() { dmesg | grep -c "softdog: Triggered" || true; }
triggered_more() { [ "$(triggers)" -gt "$1" ]; }
rule5_ok() {
	_line=$(grep "NODE_FENCED committed: node $2 .*since_last_grant_us" \
		$T/log$1 | tail -n 1)
	[ -n "$_line" ] || die "no NODE_FENCED line on leader $1"
	_g=$(echo "$_line" | sed 's/.*since_last_grant_us=\(-*[0-9]*\).*/\1/')
	_e=$(echo "$_line" | sed 's/.*since_election_us=\([0-9]*\).*/\1/')
	_w=$(echo "$_line" | sed 's/.*wait_us=\([0-9]*\).*/\1/')
	echo "leader $1: since_last_grant=${_g}us since_election=${_e}us W=${_w}us"
	[ "$_e" -ge "$_w" ] || die "committed ${_e}us after election < W"
	[ "$_g" -lt 0 ] || [ "$_g" -ge "$_w" ] || die "committed ${_g}us after the last grant < W"
}

for n in 1 2 3; do start $n; done

t_formation() {
	wait_for has_leader 1 || die "no leader"
	for n in 1 2 3; do
		wait_for kis $n armed || die "lease $n not armed: $(kstate $n)"
	done
}
run_case quorumd-vm-formation t_formation
dump_logs() { for n in 1 2 3; do echo "---- log $n"; tail -n 12 $T/log$n; done; }
if [ $FAILED -ne 0 ]; then	# nothing below can run
	dump_logs
	summary
	exit 1
fi

t_io_everywhere() {
	for n in 1 2 3; do
		mkfence qf$n /dev/ram$((n - 1)) vmlease$n
		expect_io w /dev/mapper/qf$n ok
		expect_io r /dev/mapper/qf$n ok
	done
}
run_case quorumd-vm-io-works-everywhere t_io_everywhere

t_watchdog() {
	_t0=$(triggers)
	_r=$(field vmlease3 renewals)
	# a lease valid for three watchdog margins: petted, never triggered
	wait_for renewed_more 3 $((_r + 30)) || die "no renewals"
	[ "$(triggers)" = "$_t0" ] || die "watchdog fired while the lease was valid"
	_l=$(sfield 1 leader)
	if [ "$_l" = 3 ]; then
		$P $T/s3.sock transfer 0 > /dev/null
		_nl3() { _x=$(sfield 1 leader); [ -n "$_x" ] && [ "$_x" != 0 ] && [ "$_x" != 3 ]; }
		wait_for _nl3 || die "no transfer away from 3"
		_l=$(sfield 1 leader)
	fi
	# the cluster fences node 3 while its daemon runs: petting stops
	$P $T/s$_l.sock fence 3 --wait | grep -q "^status=0" || die "fence 3 failed"
	kis 3 fenced || die "lease 3 not fenced"
	wait_for triggered_more "$_t0" || die "watchdog never fired after the fence"
	$P $T/s3.sock rejoin | grep -q "^status=0" || die "rejoin refused"
	wait_for kis 3 armed || die "3 not re-armed"
	expect_io w /dev/mapper/qf3 ok
}
run_case quorumd-vm-watchdog-petted-only-while-valid t_watchdog

wait_for has_leader 1
L=$(sfield 1 leader)
F=$((L % 3 + 1))
S=$((F % 3 + 1)); [ "$S" = "$L" ] && S=$((S % 3 + 1))
echo "# leader $L, follower $F, other $S"

t_kill_follower() {
	_g=$(kgen $F)
	kill -9 "$(pid $F)"
	wait_for kis $F fenced || die "kernel did not fence lease $F"
	wait_for fence_committed $L $F $_g || die "no NODE_FENCED($F, $_g) on $L"
	rule5_ok $L $F
	kis $L armed || die "leader lease $(kstate $L)"
	kis $S armed || die "survivor lease $(kstate $S)"
	expect_io w /dev/mapper/qf$F EIO
	expect_io w /dev/mapper/qf$L ok
	expect_io w /dev/mapper/qf$S ok
}
run_case quorumd-vm-kill-follower-fenced-after-W t_kill_follower

t_restart_stays_fenced() {
	start $F
	wait_for has_leader $F || die "restarted node found no leader"
	grep -q "adopting it (state fenced" $T/log$F || die "did not adopt"
	_r=$(field vmlease$L renewals)
	wait_for renewed_more $L $((_r + 10)) || die "leader $L stopped renewing"
	kis $F fenced || die "unfenced by itself: $(kstate $F)"
}
run_case quorumd-vm-restart-stays-fenced-rule7 t_restart_stays_fenced

# the cluster's generation of node N, as the leader L sees it
cgen() { st $L | sed -n "s/^member id=$1 .* gen=\([0-9]*\) .*/\1/p"; }
t_rejoin() {
	_g0=$(kgen $F)
	$P $T/s$F.sock rejoin | grep -q "^status=0" || die "rejoin refused"
	wait_for kis $F armed || die "not re-armed: $(kstate $F)"
	[ "$(kgen $F)" -gt "$_g0" ] || die "generation $(kgen $F), not above $_g0"
	[ "$(kgen $F)" = "$(cgen $F)" ] || die "kernel generation $(kgen $F), cluster $(cgen $F)"
	expect_io w /dev/mapper/qf$F ok
}
run_case quorumd-vm-rejoin-unfences-new-generation t_rejoin

t_sigstop() {
	kill -STOP "$(pid $F)"
	wait_for kis $F fenced || { kill -CONT "$(pid $F)"; die "frozen daemon, lease not fenced"; }
	wait_for fence_committed $L $F "$(kgen $F)" || { kill -CONT "$(pid $F)"; die "no NODE_FENCED($F, $(kgen $F))"; }
	kill -CONT "$(pid $F)"
	_r=$(field vmlease$L renewals)
	wait_for renewed_more $L $((_r + 10)) || die "leader $L stopped renewing"
	kis $F fenced || die "unfenced by itself after SIGCONT"
	_g0=$(kgen $F)
	$P $T/s$F.sock rejoin | grep -q "^status=0" || die "rejoin refused"
	wait_for kis $F armed || die "not re-armed after rejoin"
	[ "$(kgen $F)" -gt "$_g0" ] || die "generation $(kgen $F), not above $_g0"
	[ "$(kgen $F)" = "$(cgen $F)" ] || die "kernel generation $(kgen $F), cluster $(cgen $F)"
}
run_case quorumd-vm-sigstop-fenced-latched-rejoin t_sigstop

t_hitless_restart() {
	_f=$(field vmlease$F fences)
	_g=$(kgen $F)
	kill -9 "$(pid $F)"
	start $F
	_r=$(field vmlease$F renewals)
	wait_for renewed_more $F $((_r + 5)) || die "no renewals after the restart"
	[ "$(field vmlease$F fences)" = "$_f" ] || die "fenced across a quick restart"
	[ "$(kgen $F)" = "$_g" ] || die "generation changed"
	grep -q "adopting it (state armed" $T/log$F || die "lease not adopted armed"
	expect_io w /dev/mapper/qf$F ok
}
run_case quorumd-vm-hitless-restart-within-L t_hitless_restart

# rejoin_node N: rejoin asked on N itself, until its lease is armed again
rejoin_node() {
	_g0=$(kgen $1)
	$P $T/s$1.sock rejoin | grep -q "^status=0" || die "rejoin of $1 refused"
	wait_for kis $1 armed || die "$1 not re-armed after rejoin"
	[ "$(kgen $1)" -gt "$_g0" ] || die "generation $(kgen $1), not above $_g0"
}

t_isolated_follower() {
	_g=$(kgen $F)
	_fS=$(field vmlease$S fences)
	cut_from $F; cut_to $F
	wait_for kis $F fenced || { heal $F; die "isolated follower's lease not fenced"; }
	expect_io w /dev/mapper/qf$F EIO
	wait_for fence_committed $L $F $_g || { heal $F; die "no NODE_FENCED($F, $_g)"; }
	rule5_ok $L $F
	expect_io w /dev/mapper/qf$L ok
	expect_io w /dev/mapper/qf$S ok
	[ "$(field vmlease$S fences)" = "$_fS" ] || die "the majority's follower lapsed"
	heal $F
	_r=$(field vmlease$L renewals)
	wait_for renewed_more $L $((_r + 10)) || die "leader stopped renewing"
	kis $F fenced || die "healed node un-fenced by itself"
	rejoin_node $F
	expect_io w /dev/mapper/qf$F ok
	for n in 1 2 3; do kis $n armed || die "lease $n $(kstate $n) after the case"; done
}
run_case quorumd-vm-isolated-follower t_isolated_follower
for n in 1 2 3; do heal $n; done	# whatever the case did

t_one_way_cut() {
	_g=$(kgen $F)
	cut_from $F		# F hears the leader, its acks are lost
	wait_for kis $F fenced || { heal $F; die "lease of a node whose acks are lost not fenced"; }
	wait_for fence_committed $L $F $_g || { heal $F; die "no NODE_FENCED($F, $_g)"; }
	rule5_ok $L $F
	kis $L armed && kis $S armed || die "majority lease lapsed"
	heal $F
	rejoin_node $F
	for n in 1 2 3; do kis $n armed || die "lease $n $(kstate $n) after the case"; done
}
run_case quorumd-vm-one-way-cut t_one_way_cut
for n in 1 2 3; do heal $n; done	# whatever the case did

t_isolated_leader() {
	_g=$(kgen $L)
	_fF=$(field vmlease$F fences)
	_fS=$(field vmlease$S fences)
	cut_from $L; cut_to $L
	wait_for kis $L fenced || { heal $L; die "isolated leader's lease not fenced"; }
	expect_io w /dev/mapper/qf$L EIO
	_nl() { _x=$(sfield $S leader); [ -n "$_x" ] && [ "$_x" != 0 ] && [ "$_x" != $L ]; }
	wait_for _nl || { heal $L; die "no new leader"; }
	_N=$(sfield $S leader)
	wait_for fence_committed $_N $L $_g || { heal $L; die "old leader not fenced in the log"; }
	rule5_ok $_N $L
	[ "$(field vmlease$F fences)" = "$_fF" ] || die "lease $F lapsed"
	[ "$(field vmlease$S fences)" = "$_fS" ] || die "lease $S lapsed"
	expect_io w /dev/mapper/qf$F ok
	expect_io w /dev/mapper/qf$S ok
	heal $L
	kis $L fenced || die "old leader un-fenced by itself"
	rejoin_node $L
	echo "$_N" > $T/newleader
}
run_case quorumd-vm-isolated-leader t_isolated_leader
for n in 1 2 3; do heal $n; done	# whatever the case did
# the roles after the isolated leader came back as a follower
if [ -s $T/newleader ]; then
	_o=$L; L=$(cat $T/newleader)
	if [ "$F" = "$L" ]; then F=$_o; else S=$_o; fi
	echo "# leader $L, follower $F, other $S"
fi

t_leader_crash() {
	_fF=$(field vmlease$F fences)
	_fS=$(field vmlease$S fences)
	_g=$(kgen $L)
	kill -9 "$(pid $L)"
	wait_for kis $L fenced || die "old leader's lease not fenced"
	_nl() { _x=$(sfield $S leader); [ -n "$_x" ] && [ "$_x" != 0 ] && [ "$_x" != $L ]; }
	wait_for _nl || die "no new leader"
	_N=$(sfield $S leader)
	wait_for fence_committed $_N $L $_g || die "old leader not fenced in the log (generation $_g)"
	rule5_ok $_N $L
	[ "$(field vmlease$F fences)" = "$_fF" ] || die "lease $F lapsed"
	[ "$(field vmlease$S fences)" = "$_fS" ] || die "lease $S lapsed"
	kis $F armed && kis $S armed || die "survivor not armed"
}
run_case quorumd-vm-leader-crash-no-lapse t_leader_crash

t_sigterm() {
	_p=$(pid $S)
	kill -TERM $_p
	_i=0
	while kill -0 $_p 2>/dev/null && [ $_i -lt 100 ]; do sleep 0.1; _i=$((_i + 1)); done
	kill -0 $_p 2>/dev/null && die "still running"
	kis $S disarmed || die "lease $(kstate $S) after SIGTERM"
}
run_case quorumd-vm-sigterm-disarms t_sigterm

for n in 1 2 3; do kill -9 "$(pid $n)" 2>/dev/null; done
[ $FAILED -eq 0 ] || dump_logs
summary
