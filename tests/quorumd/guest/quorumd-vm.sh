#!/bin/sh
# Guest side of tests/quorumd/vm.sh: quorumd clusters on the real qfence.ko
# (log-only actions), one network namespace per node on a bridge, each
# node with its own lease and its own qfence device over its own ram disk.
# The kernel is the judge: lease state from LEASE_GET, and the timestamps
# of its lease events (see qnet.sh, kcheck).
#
# Part 1: a 3-node cluster through every fault. Part 2: a 5-node cluster,
# split 2 | 3 with the leader in the minority. Part 3: redundant links.
. /tests/qnet.sh

qnet_init || { echo "FAIL quorumd-vm-setup: no event listener"; exit 1; }
modprobe brd rd_nr=8 rd_size=4096
modprobe dm-mod
# node 3 pets a (soft, non-rebooting) watchdog while its lease is valid;
# loaded with its default margin (60 s): quorumd must set the configured
# 1 s on the device (design.md rule 12)
modprobe softdog soft_noboot=1
for n in 1 2 3 4 5; do qnet_node $n; done
for n in 1 2 3; do conf $n 3; done
printf 'watchdog_device = /dev/watchdog\nwatchdog_timeout_s = 1\n' >> $T/n3.conf
timing || { echo "FAIL quorumd-vm-setup: quorumd --check-config"; exit 1; }
for n in 1 2 3; do start $n; done

t_formation() {
	wait_for has_leader 1 || die "no leader"
	for n in 1 2 3; do
		wait_for kis $n armed || die "lease $n not armed: $(kstate $n)"
		[ "$(sfield $n leader)" = "$(sfield 1 leader)" ] || die "node $n follows another leader"
	done
}
run_case quorumd-vm-formation-3 t_formation
if [ $FAILED -ne 0 ]; then	# nothing below can run
	dump_logs 1 2 3
	summary
	exit 1
fi

t_io_everywhere() {
	for n in 1 2 3; do
		mkfence qf$n /dev/ram$((n - 1)) $LP$n
		expect_io w /dev/mapper/qf$n ok
		expect_io r /dev/mapper/qf$n ok
	done
}
run_case quorumd-vm-io-works-everywhere t_io_everywhere

# Leases are kernel-global: a second daemon configured with node 2's lease
# (a copy-paste slip) must refuse to start, or it would renew a lease the
# cluster fenced. Started in node 4's namespace, where node 2's address
# does not exist: if the lock failed it would still exit, on the bind.
t_one_daemon_per_lease() {
	mkdir -p $T/dup
	sed -e "s#^data_dir = .*#data_dir = $T/dup#" \
		-e "s#^control_socket = .*#control_socket = $T/sdup.sock#" $T/n2.conf > $T/dup.conf
	_r=$(field ${LP}2 renewals)
	if qdip netns exec qn4 quorumd --allow-log-only -f -c $T/dup.conf > $T/logdup 2>&1; then
		die "a second daemon on lease ${LP}2 exited 0"
	fi
	grep -q "already held by another quorumd" $T/logdup ||
		die "not refused for the lease: $(grep -v warning $T/logdup | tail -n 1)"
	wait_for renewed_more 2 $((_r + 5)) || die "node 2 stopped renewing"
	kis 2 armed || die "lease 2 $(kstate 2)"
}
run_case quorumd-vm-one-daemon-per-lease t_one_daemon_per_lease

triggers() { dmesg | grep -c "softdog: Triggered" || true; }
triggered_more() { [ "$(triggers)" -gt "$1" ]; }
t_watchdog() {
	_w=$(cat /sys/class/watchdog/watchdog0/timeout 2>/dev/null)
	[ "$_w" = 1 ] || die "watchdog timeout is '$_w' s, not the configured 1 s"
	grep -q "watchdog /dev/watchdog: timeout 1 s set and read back" $T/log3 ||
		die "quorumd did not say it set the watchdog's timeout"
	_t0=$(triggers)
	_r=$(field ${LP}3 renewals)
	# a lease valid for three watchdog margins: petted, never triggered
	wait_for renewed_more 3 $((_r + 30)) || die "no renewals"
	[ "$(triggers)" = "$_t0" ] || die "watchdog fired while the lease was valid"
	_l=$(sfield 1 leader)
	if [ "$_l" = 3 ]; then
		$P $T/s3.sock transfer 0 > /dev/null || die "transfer refused: $($P $T/s3.sock transfer 0)"
		wait_for leader_not 1 3 || die "no transfer away from 3"
		_l=$(sfield 1 leader)
	fi
	# the cluster fences node 3 while its daemon runs: petting stops
	$P $T/s$_l.sock fence 3 --wait | grep -q "^status=0" || die "fence 3 failed"
	kis 3 fenced || die "lease 3 not fenced"
	wait_for triggered_more "$_t0" || die "watchdog never fired after the fence"
	rejoin_node 3
	expect_io w /dev/mapper/qf3 ok
}
run_case quorumd-vm-watchdog-petted-only-while-valid t_watchdog

all_armed() { for _n in "$@"; do kis $_n armed || die "lease $_n $(kstate $_n) after the case"; done; }
# after a failed case: heal every link and rejoin every fenced node, so
# that the next case starts from a healthy cluster (best effort)
recover() {
	[ $FAILED -eq "$1" ] && return 0
	for _n in 1 2 3; do heal $_n; done
	for _n in 1 2 3; do
		kis $_n fenced || continue
		(set -e; rejoin_node $_n) > /dev/null 2>&1 || echo "# could not rejoin node $_n"
	done
}
run_case3() { _f0=$FAILED; run_case "$@"; recover $_f0; }

wait_for has_leader 1
L=$(sfield 1 leader)
F=$((L % 3 + 1))
S=$((F % 3 + 1)); [ "$S" = "$L" ] && S=$((S % 3 + 1))
echo "# leader $L, follower $F, other $S"

t_kill_follower() {
	_g=$(kgen $F)
	kill -9 "$(pid $F)"
	_t=$(now_ns)
	wait_for kis $F fenced || die "kernel did not fence lease $F"
	wait_for fence_committed $L $F $_g || die "no NODE_FENCED($F, $_g) on $L"
	kcheck $F $_g $_t $L
	rule5_ok $L $F granted
	kis $L armed || die "leader lease $(kstate $L)"
	kis $S armed || die "survivor lease $(kstate $S)"
	expect_io w /dev/mapper/qf$F EIO
	expect_io w /dev/mapper/qf$L ok
	expect_io w /dev/mapper/qf$S ok
}
run_case3 quorumd-vm-kill-follower-fenced-after-W t_kill_follower

t_restart_stays_fenced() {
	_n=$(lines $F)
	start $F
	wait_for has_leader $F || die "restarted node found no leader"
	logsince $F $_n | grep -q "adopting it (state fenced" || die "did not adopt"
	_r=$(field $LP$L renewals)
	wait_for renewed_more $L $((_r + 10)) || die "leader $L stopped renewing"
	kis $F fenced || die "unfenced by itself: $(kstate $F)"
	expect_io w /dev/mapper/qf$F EIO
}
run_case3 quorumd-vm-restart-after-L-stays-fenced-rule7 t_restart_stays_fenced

t_rejoin() {
	rejoin_node $F
	[ "$(kgen $F)" = "$(cgen $L $F)" ] || die "kernel generation $(kgen $F), cluster $(cgen $L $F)"
	expect_io w /dev/mapper/qf$F ok
}
run_case3 quorumd-vm-rejoin-unfences-new-generation t_rejoin

t_sigstop() {
	_g=$(kgen $F)
	kill -STOP "$(pid $F)"
	_t=$(now_ns)
	wait_for kis $F fenced || { kill -CONT "$(pid $F)"; die "frozen daemon, lease not fenced"; }
	wait_for fence_committed $L $F $_g || { kill -CONT "$(pid $F)"; die "no NODE_FENCED($F, $_g)"; }
	kill -CONT "$(pid $F)"
	kcheck $F $_g $_t $L
	_r=$(field $LP$L renewals)
	wait_for renewed_more $L $((_r + 10)) || die "leader $L stopped renewing"
	kis $F fenced || die "unfenced by itself after SIGCONT"
	rejoin_node $F
	[ "$(kgen $F)" = "$(cgen $L $F)" ] || die "kernel generation $(kgen $F), cluster $(cgen $L $F)"
}
run_case3 quorumd-vm-sigstop-fenced-latched-rejoin t_sigstop

t_hitless_restart() {
	_f=$(kfences $F)
	_g=$(kgen $F)
	_n=$(lines $F)
	kill9 $F
	start $F
	_r=$(field $LP$F renewals)
	wait_for renewed_more $F $((_r + 5)) ||
		die "no renewals after the restart (lease $(kstate $F); the new daemon's first lines: $(logsince $F $_n | head -n 4 | tr '\n' ' '))"
	[ "$(kfences $F)" = "$_f" ] || die "fenced across a quick restart"
	[ "$(kgen $F)" = "$_g" ] || die "generation changed"
	logsince $F $_n | grep -q "adopting it (state armed" || die "lease not adopted armed"
	expect_io w /dev/mapper/qf$F ok
}
run_case3 quorumd-vm-hitless-restart-within-L t_hitless_restart


t_isolated_follower() {
	_g=$(kgen $F)
	_fL=$(kfences $L)
	_fS=$(kfences $S)
	isolate $F
	_t=$(now_ns)
	wait_for kis $F fenced || { heal $F; die "isolated follower's lease not fenced"; }
	expect_io w /dev/mapper/qf$F EIO
	wait_for fence_committed $L $F $_g || { heal $F; die "no NODE_FENCED($F, $_g)"; }
	kcheck $F $_g $_t $L
	rule5_ok $L $F granted
	expect_io w /dev/mapper/qf$L ok
	expect_io w /dev/mapper/qf$S ok
	[ "$(kfences $L)" = "$_fL" ] || die "the majority's leader lapsed"
	[ "$(kfences $S)" = "$_fS" ] || die "the majority's follower lapsed"
	heal $F
	_r=$(field $LP$L renewals)
	wait_for renewed_more $L $((_r + 10)) || die "leader stopped renewing"
	kis $F fenced || die "healed node un-fenced by itself"
	rejoin_node $F
	expect_io w /dev/mapper/qf$F ok
	all_armed 1 2 3
}
run_case3 quorumd-vm-isolated-follower t_isolated_follower
for n in 1 2 3; do heal $n; done	# whatever the case did

t_one_way_cut() {
	_g=$(kgen $F)
	mute $F		# F hears the leader, its acks are lost
	_t=$(now_ns)
	wait_for kis $F fenced || { heal $F; die "lease of a node whose acks are lost not fenced"; }
	wait_for fence_committed $L $F $_g || { heal $F; die "no NODE_FENCED($F, $_g)"; }
	kcheck $F $_g $_t $L
	rule5_ok $L $F granted
	kis $L armed && kis $S armed || die "majority lease lapsed"
	# still muted: the rejoin F forwards to the leader is lost, and must
	# be sent again once the link is back
	_g0=$(kgen $F)
	wait_for rejoin_ok $F || die "rejoin refused: $($P $T/s$F.sock rejoin)"
	sleep 0.5
	heal $F
	if ! wait_for kis $F armed; then
		grep -h -i "rejoin\|term [0-9]*:" $T/log$F $T/log$L | tail -n 20
		die "the forwarded rejoin was lost and never resent: $(kstate $F)"
	fi
	[ "$(kgen $F)" -gt "$_g0" ] || die "generation $(kgen $F), not above $_g0"
	all_armed 1 2 3
}
run_case3 quorumd-vm-one-way-cut t_one_way_cut
for n in 1 2 3; do heal $n; done	# whatever the case did

# A link that flaps faster than anything times out: each outage shorter
# than the smallest election timeout (400 ms), so no node may lapse and no
# election may start. Each window is bounded from above by clock readings
# around the toggles; a window that came out too long (a slow guest) is a
# failure, never a pass.
t_flapping_link() {
	_f="$(kfences 1) $(kfences 2) $(kfences 3)"
	_g=$(kgen $F)
	_term=$(sfield $L term)
	_r=$(field $LP$F renewals)
	_i=0 _max=0
	while [ $_i -lt 12 ]; do
		_a=$(now_ns)
		qdip link set qv$F down
		sleep 0.15
		qdip link set qv$F up
		_b=$(now_ns)
		[ $((_b - _a)) -le $_max ] || _max=$((_b - _a))
		sleep 0.4
		_i=$((_i + 1))
	done
	echo "flapping: 12 outages, the longest at most $((_max / 1000000)) ms" | tee -a $T/measured
	[ $_max -lt 400000000 ] || die "an outage lasted up to $((_max / 1000000)) ms, not below the election timeout: the guest is too slow for this case"
	if ! wait_for renewed_more $F $((_r + 20)); then
		tail -n 25 $T/log$F; tail -n 10 $T/log$L
		die "node $F stopped renewing: lease $(kstate $F)"
	fi
	[ "$(kfences 1) $(kfences 2) $(kfences 3)" = "$_f" ] || die "a lease lapsed: fences $_f -> $(kfences 1) $(kfences 2) $(kfences 3)"
	[ "$(kgen $F)" = "$_g" ] || die "generation of $F changed"
	[ "$(sfield $L term)" = "$_term" ] || die "term $_term -> $(sfield $L term): an election started"
	expect_io w /dev/mapper/qf$F ok
}
run_case3 quorumd-vm-flapping-link-no-lapse t_flapping_link
for n in 1 2 3; do heal $n; done	# whatever the case did

t_isolated_leader() {
	_g=$(kgen $L)
	_fF=$(kfences $F)
	_fS=$(kfences $S)
	isolate $L
	_t=$(now_ns)
	wait_for kis $L fenced || { heal $L; die "isolated leader's lease not fenced"; }
	expect_io w /dev/mapper/qf$L EIO
	wait_for leader_not $S $L || { heal $L; die "no new leader"; }
	_N=$(sfield $S leader)
	wait_for fence_committed $_N $L $_g || { heal $L; die "old leader not fenced in the log"; }
	kcheck $L $_g $_t $_N
	rule5_ok $_N $L
	[ "$(kfences $F)" = "$_fF" ] || die "lease $F lapsed"
	[ "$(kfences $S)" = "$_fS" ] || die "lease $S lapsed"
	expect_io w /dev/mapper/qf$F ok
	expect_io w /dev/mapper/qf$S ok
	heal $L
	kis $L fenced || die "old leader un-fenced by itself"
	rejoin_node $L
	echo "$_N" > $T/newleader
}
run_case3 quorumd-vm-isolated-leader t_isolated_leader
for n in 1 2 3; do heal $n; done	# whatever the case did
# the roles after the isolated leader came back as a follower
if [ -s $T/newleader ]; then
	_o=$L; L=$(cat $T/newleader)
	if [ "$F" = "$L" ]; then F=$_o; else S=$_o; fi
	echo "# leader $L, follower $F, other $S"
fi

# Recorded datagrams sent back changed; every one is dropped by the right
# check and counted, and nothing else moves.
t_bad_packets() {
	_term=$(sfield $S term)
	_lead=$(sfield $S leader)
	_f="$(kfences 1) $(kfences 2) $(kfences 3)"
	qfpkt capture qv$S $NET.$S $PORT $T/frame 10000 || die "no datagram to $S captured"
	_d1=$(drops $S 1) _d2=$(drops $S 2) _d3=$(drops $S 3) _d7=$(drops $S 7)
	_d89=$(($(drops $S 8) + $(drops $S 9)))
	for _m in replay replay badmac badmac truncate badmagic; do
		qfpkt inject qv$S $T/frame $_m || die "inject $_m"
	done
	qdip netns exec qn$F qfpkt oversize $NET.$S $PORT 4000 || die "oversize send"
	_got() { [ "$(drops $S 1)" -gt "$_d1" ] && [ "$(drops $S 2)" -gt "$_d2" ] &&
		[ "$(drops $S 3)" -gt "$_d3" ] && [ "$(drops $S 7)" -ge $((_d7 + 2)) ] &&
		[ $(($(drops $S 8) + $(drops $S 9))) -ge $((_d89 + 2)) ]; }
	wait_for _got || die "not all counted: oversize $_d1->$(drops $S 1) truncated $_d2->$(drops $S 2) header $_d3->$(drops $S 3) mac $_d7->$(drops $S 7) replay $_d89->$(($(drops $S 8) + $(drops $S 9)))"
	echo "drops on $S: oversize $(drops $S 1) truncated $(drops $S 2) header $(drops $S 3) mac $(drops $S 7) replay $(drops $S 8) stale $(drops $S 9)"
	[ "$(sfield $S term)" = "$_term" ] || die "term moved"
	[ "$(sfield $S leader)" = "$_lead" ] || die "leader moved"
	[ "$(kfences 1) $(kfences 2) $(kfences 3)" = "$_f" ] || die "a lease lapsed"
	all_armed 1 2 3
}
run_case3 quorumd-vm-bad-packets-dropped-counted t_bad_packets

# design.md rule 11, identity only moves forward (issue 9, hole 3): recorded
# authentic datagrams, replayed after the receiver restarted. The leader
# L receives both: a datagram of follower F's earlier boot, and a REJOIN
# of S forwarded by F that ended a fence S has had again since.
#
# leader_to X N: ask N's leader to hand over to X until N sees X lead
leader_to() {
	_c=$(sfield "$2" leader)
	[ "$_c" = "$1" ] && [ "$(sfield "$1" leader)" = "$1" ] && return 0
	[ -n "$_c" ] && [ "$_c" != 0 ] && $P $T/s$_c.sock transfer "$1" > /dev/null 2>&1
	return 1
}
old_boot_seen() { [ "$(drops $1 10)" -gt "$2" ]; }
# replay setup: F's datagram recorded, F restarted (a new boot); S fenced,
# its rejoin forwarded by F recorded, S rejoined and fenced once more
t_replay_setup() {
	qfpkt capture qv$F $NET.$L $PORT $T/oldboot 10000 $F || die "no datagram $F -> $L captured"
	_b=$(sfield $F boot_id)
	kill9 $F
	start $F
	_r=$(field $LP$F renewals)
	wait_for renewed_more $F $((_r + 5)) || die "$F: no renewals after the restart"
	[ "$(sfield $F boot_id)" != "$_b" ] || die "$F: same boot_id after a restart"
	$P $T/s$L.sock fence $S --wait | grep -q "^status=0" || die "fence $S failed"
	kis $S fenced || die "lease $S $(kstate $S)"
	echo "$(kgen $S)" > $T/rejoin.gen
	rm -f $T/rejoin $T/rejoin.ready
	qfpkt capture qv$F $NET.$L $PORT $T/rejoin 20000 $F rejoin &
	_cp=$!
	wait_for test -e $T/rejoin.ready || die "capture did not start"
	# refused on F until F has seen the fence commit
	_fwd() { $P $T/s$F.sock rejoin $S | grep -q "^status=0 .*flags=1 "; }
	wait_for _fwd || die "rejoin of $S not forwarded by $F"
	wait $_cp || die "forwarded REJOIN $F -> $L not captured"
	wait_for kis $S armed || die "$S not re-armed after the rejoin: $(kstate $S)"
	[ "$(kgen $S)" -gt "$(cat $T/rejoin.gen)" ] || die "generation did not grow"
	$P $T/s$L.sock fence $S --wait | grep -q "^status=0" || die "second fence of $S failed"
	kis $S fenced || die "lease $S $(kstate $S) after the second fence"
	kgen $S > $T/rejoin.gen2
}
run_case3 quorumd-vm-replay-setup-recorded-rejoin-fenced-again t_replay_setup

# (a) the receiver (the leader) restarts, then F's earlier boot arrives:
# OLD_BOOT, and the live F keeps its lease (no fence as silent)
t_old_boot_after_restart() {
	_fF=$(kfences $F)
	wait_for leader_to $F $S || die "no transfer to $F"
	_n=$(lines $L)
	kill9 $L
	start $L
	_r=$(field $LP$L renewals)
	wait_for renewed_more $L $((_r + 5)) || die "$L: no renewals after the restart"
	logsince $L $_n | grep -q "adopting it (state armed" || die "$L: lease not adopted armed"
	wait_for leader_to $L $F || die "no transfer back to $L"
	_d=$(drops $L 10)
	qfpkt inject qv$L $T/oldboot replay || die "inject"
	wait_for old_boot_seen $L $_d || die "not dropped as old boot on $L (drops: $(st $L | grep '^drop' | tr '\n' ' '))"
	_r=$(field $LP$F renewals)
	# longer than fence_after + W: a displaced boot would have been fenced
	wait_for renewed_more $F $((_r + 60)) || die "$F stopped renewing: $(kstate $F)"
	[ "$(kfences $F)" = "$_fF" ] || die "live $F fenced after the replay"
	kis $F armed || die "lease $F $(kstate $F)"
	[ "$(sfield $L leader)" = "$L" ] || die "leadership moved"
}
run_case3 quorumd-vm-receiver-restart-old-boot-dropped-rule11 t_old_boot_after_restart

# (b) the recorded REJOIN (F's live boot: the restarted receiver's wire
# window has forgotten it) names the fence it ended, not S's current one:
# the leader's core refuses it and S stays fenced
t_replayed_rejoin() {
	_g=$(cat $T/rejoin.gen2)
	_n=$(lines $L)
	qfpkt inject qv$L $T/rejoin replay || die "inject"
	_refused() { logsince $L $_n | grep -q "rejoin of node $S gen $(cat $T/rejoin.gen) forwarded by $F: the rejoin names another generation"; }
	wait_for _refused || die "no refusal in $L's log: $(logsince $L $_n | grep rejoin | tail -n 1)"
	kis $S fenced || die "$S unfenced by a replayed REJOIN: $(kstate $S)"
	[ "$(kgen $S)" = "$_g" ] || die "generation $(kgen $S), not $_g"
	[ "$(cgen $L $S)" = "$_g" ] || die "cluster generation $(cgen $L $S), not $_g"
	rejoin_node $S
}
run_case3 quorumd-vm-replayed-rejoin-refused-rule11 t_replayed_rejoin

# A process with CAP_NET_ADMIN in node F's namespace sends FENCED-looking
# events of F's lease (the qfence family id, and another) to the daemon's
# netlink ports. The sender is not the kernel: the daemon ignores them,
# says so, and keeps renewing; the kernel lease stays armed.
forged_logged() { logsince $F $_c | grep -q "ignored a netlink message that is not qfence.ko's"; }
t_forged_netlink() {
	_c=$(lines $F)
	_r=$(field ${LP}$F renewals)
	_f=$(kfences $F)
	qdip netns exec qn$F qfnlforge "$(pid $F)" ${LP}$F "$(kgen $F)" || die "the forger sent nothing"
	wait_for renewed_more $F $((_r + 30)) || die "node $F stopped renewing after the forged events: lease $(kstate $F)"
	! logsince $F $_c | grep -q "is FENCED" || die "the daemon took a forged event for the kernel's: $(logsince $F $_c | grep "is FENCED" | head -n 1)"
	[ "$(kfences $F)" = "$_f" ] || die "lease $F lapsed"
	all_armed 1 2 3
	wait_for forged_logged || die "the forged events were not reported"
}
run_case3 quorumd-vm-forged-netlink-ignored t_forged_netlink

t_leader_crash() {
	_fF=$(kfences $F)
	_fS=$(kfences $S)
	_g=$(kgen $L)
	kill -9 "$(pid $L)"
	_t=$(now_ns)
	wait_for kis $L fenced || die "old leader's lease not fenced"
	wait_for leader_not $S $L || die "no new leader"
	_N=$(sfield $S leader)
	wait_for fence_committed $_N $L $_g || die "old leader not fenced in the log (generation $_g)"
	kcheck $L $_g $_t $_N
	rule5_ok $_N $L
	[ "$(kfences $F)" = "$_fF" ] || die "lease $F lapsed"
	[ "$(kfences $S)" = "$_fS" ] || die "lease $S lapsed"
	kis $F armed && kis $S armed || die "survivor not armed"
	echo "$_N" > $T/newleader
}
run_case quorumd-vm-leader-crash-no-lapse t_leader_crash
O=$L	# the crashed leader (its daemon is gone)

# Every daemon dies (the crashed leader already has), one log tail is torn
# and another's last record damaged, all restart after L: the durable term, generations and fence records
# carry over, the torn tail is cut, and the lapsed leases stay fenced
# until each node rejoins (rule 7).
t_whole_cluster_restart() {
	_term=$(sfield $S term)
	_gF=$(cgen $S $F) _gS=$(cgen $S $S) _gO=$(cgen $S $O)
	for n in $F $S; do kill9 $n; done
	_nF=$(lines $F) _nS=$(lines $S)
	printf 'torn-record' >> $T/d$S/log	# S: a torn append
	_sz=$(wc -c < $T/d$F/log)		# F: its last record's checksum damaged
	[ "$(tail -c 1 $T/d$F/log | od -An -tu1 | tr -d ' ')" = 0 ] && _b='\377' || _b='\000'
	printf "$_b" | dd of=$T/d$F/log bs=1 seek=$((_sz - 1)) conv=notrunc 2> /dev/null
	for n in 1 2 3; do wait_for kis $n fenced || die "lease $n $(kstate $n) with no daemon"; done
	for n in 1 2 3; do start $n; done
	wait_for has_leader $S || die "no leader after the restart"
	logsince $S $_nS | grep -q "CORRUPT OR TORN LOG TAIL" || die "torn tail of $S not reported"
	logsince $F $_nF | grep -q "CORRUPT OR TORN LOG TAIL" || die "damaged last record of $F not reported"
	[ "$(sfield $S term)" -gt "$_term" ] || die "term $(sfield $S term), not above $_term"
	# the generations come back once the new leader commits the old log
	_gens() { [ "$(cgen $S $F) $(cgen $S $S) $(cgen $S $O)" = "$_gF $_gS $_gO" ]; }
	wait_for _gens || die "generations $_gF $_gS $_gO became $(cgen $S $F) $(cgen $S $S) $(cgen $S $O)"
	_L=$(sfield $S leader)
	for n in 1 2 3; do
		kis $n fenced || die "lease $n $(kstate $n) right after the restart"
		wait_for fence_committed $_L $n "$(kgen $n)" || die "no NODE_FENCED($n, $(kgen $n))"
	done
	for n in 1 2 3; do kis $n fenced || die "lease $n un-fenced itself"; done
	for n in 1 2 3; do rejoin_node $n; done
	for n in 1 2 3; do expect_io w /dev/mapper/qf$n ok; done
}
run_case quorumd-vm-whole-cluster-restart-torn-and-corrupt-tail t_whole_cluster_restart

# SIGTERM is a clean leave: disarm, and tell the cluster, which records
# NODE_FENCED(v, g) with reason lapsed -- still only after W (kcheck: the
# disarm is the "cut"; its deadline bound does not apply, the lease did
# not expire).
t_sigterm() {
	wait_for has_leader 1
	_l=$(sfield 1 leader)
	_v=$((_l % 3 + 1))	# a follower
	_g=$(kgen $_v)
	_p=$(pid $_v)
	_n=$(lines $_v)
	kill -TERM $_p
	_i=0
	while kill -0 $_p 2>/dev/null && [ $_i -lt 100 ]; do sleep 0.1; _i=$((_i + 1)); done
	kill -0 $_p 2>/dev/null && die "still running"
	kis $_v disarmed || die "lease $(kstate $_v) after SIGTERM"
	expect_io w /dev/mapper/qf$_v EIO
	logsince $_v $_n | grep -q "clean leave: the leader recorded it" || die "the leaving node did not see its leave recorded"
	wait_for fence_committed $_l $_v $_g || die "no NODE_FENCED($_v, $_g) for the leave"
	grep -q "NODE_FENCED committed: node $_v generation $_g .*reason lapsed" $T/log$_l || die "the leave was fenced, but not as told (reason lapsed)"
	rule5_ok $_l $_v granted
	for n in 1 2 3; do [ $n = $_v ] || kis $n armed || die "lease $n $(kstate $n)"; done
}
run_case quorumd-vm-sigterm-disarms t_sigterm
[ $FAILED -eq 0 ] || dump_logs 1 2 3
stop_all 1 2 3

# A malformed configuration: a clear error naming file:line, a non-zero
# exit, and no lease touched -- for --check-config and for a start alike.
t_bad_config() {
	sed 's/^profile = default$/profile = turbo/' $T/n1.conf > $T/bad.conf
	_n=$(grep -n '^profile' $T/bad.conf | cut -d: -f1)
	_leases=$(qlease names | sort | tr '\n' ' ')
	if quorumd --check-config -c $T/bad.conf > $T/badcheck 2>&1; then die "--check-config accepted it"; fi
	grep -q "^$T/bad.conf:$_n: " $T/badcheck || die "no file:line: $(head -n 1 $T/badcheck)"
	if qdip netns exec qn1 quorumd --allow-log-only -f -c $T/bad.conf > $T/badstart 2>&1; then die "quorumd started on it"; fi
	grep -q "$T/bad.conf:$_n: " $T/badstart || die "start: no file:line: $(head -n 1 $T/badstart)"
	[ "$(qlease names | sort | tr '\n' ' ')" = "$_leases" ] || die "leases changed"
	head -n 1 $T/badcheck
}
run_case quorumd-vm-malformed-config-file-line t_bad_config

# ---- part 2: five nodes, fresh leases and data
LP=qg
rm -rf $T/d1 $T/d2 $T/d3
for n in 1 2 3 4 5; do
	: > $T/log$n
	conf $n 5
	start $n
done
t_formation5() {
	wait_for has_leader 1 || die "no leader"
	for n in 1 2 3 4 5; do
		wait_for kis $n armed || die "lease $n not armed: $(kstate $n)"
		[ "$(sfield $n leader)" = "$(sfield 1 leader)" ] || die "node $n follows another leader"
	done
	for n in 1 2 3 4 5; do
		mkfence qg$n /dev/ram$((n + 2)) $LP$n
		expect_io w /dev/mapper/qg$n ok
	done
}
run_case quorumd-vm-formation-5-io-everywhere t_formation5

# 2 | 3 with the leader in the minority: the two still talk to each other,
# neither keeps a lease, the three elect, fence both after W, keep IO.
t_split_2_3() {
	_L=$(sfield 1 leader)
	_X=$((_L % 5 + 1))
	_maj=""
	for n in 1 2 3 4 5; do [ $n = $_L ] || [ $n = $_X ] || _maj="$_maj $n"; done
	_gL=$(kgen $_L) _gX=$(kgen $_X)
	_f=""
	for n in $_maj; do _f="$_f $(kfences $n)"; done
	_m=${_maj# }; _m=${_m%% *}
	split $_L $_X
	_t=$(now_ns)
	wait_for kis $_L fenced || die "minority leader $_L not fenced"
	wait_for kis $_X fenced || die "minority follower $_X not fenced"
	wait_for leader_not $_m $_L || die "no new leader in the majority"
	_N=$(sfield $_m leader)
	wait_for fence_committed $_N $_L $_gL || die "no NODE_FENCED($_L, $_gL)"
	wait_for fence_committed $_N $_X $_gX || die "no NODE_FENCED($_X, $_gX)"
	kcheck $_L $_gL $_t $_N
	kcheck $_X $_gX $_t $_N
	rule5_ok $_N $_X
	_f2=""
	for n in $_maj; do _f2="$_f2 $(kfences $n)"; expect_io w /dev/mapper/qg$n ok; done
	[ "$_f2" = "$_f" ] || die "a majority lease lapsed: fences$_f ->$_f2"
	expect_io w /dev/mapper/qg$_L EIO
	expect_io w /dev/mapper/qg$_X EIO
	heal $_L; heal $_X
	rejoin_node $_L
	rejoin_node $_X
	all_armed 1 2 3 4 5
}
run_case quorumd-vm-split-2-3-leader-in-minority t_split_2_3
for n in 1 2 3 4 5; do heal $n; done
[ $FAILED -eq 0 ] || dump_logs 1 2 3 4 5
stop_all 1 2 3 4 5

# ---- part 3: three nodes with two links each (peer = N A:p,B:p)
# Losing one link costs nothing: every datagram goes out on both, the
# receiver keeps the first copy. Losing both is an isolation.
LP=qr
REDUNDANT=1
rm -rf $T/d1 $T/d2 $T/d3 $T/d4 $T/d5
for n in 1 2 3; do
	qnet_link2 $n
	: > $T/log$n
	conf $n 3
	start $n
done
t_redundant_links() {
	wait_for has_leader 1 || die "no leader"
	for n in 1 2 3; do wait_for kis $n armed || die "lease $n not armed: $(kstate $n)"; done
	_L=$(sfield 1 leader)
	_F=$((_L % 3 + 1))
	_f="$(kfences 1) $(kfences 2) $(kfences 3)"
	_term=$(sfield $_L term)
	_g=$(kgen $_F)
	isolate $_F		# link A of F down, link B up
	_r=$(field $LP$_F renewals)
	wait_for renewed_more $_F $((_r + 30)) || { heal $_F; die "node $_F stopped renewing on link B alone"; }
	[ "$(kfences 1) $(kfences 2) $(kfences 3)" = "$_f" ] || { heal $_F; die "a lease lapsed with one link left"; }
	[ "$(sfield $_L term)" = "$_term" ] || { heal $_F; die "an election started with one link left"; }
	qdip link set qw$_F down	# and link B: isolated
	_t=$(now_ns)
	wait_for kis $_F fenced || die "node $_F with no link left not fenced"
	wait_for fence_committed $_L $_F $_g || die "no NODE_FENCED($_F, $_g)"
	kcheck $_F $_g $_t $_L
	heal $_F
	qdip link set qw$_F up
	rejoin_node $_F
	all_armed 1 2 3
}
run_case quorumd-vm-redundant-links t_redundant_links
[ $FAILED -eq 0 ] || dump_logs 1 2 3
stop_all 1 2 3

# The node's kernel stayed healthy throughout: no WARNING/BUG, and no
# real-time task spun long enough to be throttled (a daemon busy loop at
# SCHED_RR starves the others and lapses their leases).
t_kernel_clean() {
	_bad=$(dmesg | grep -E "WARNING:|BUG:|RT throttling|Oops|general protection" || true)
	[ -z "$_bad" ] || die "$(echo "$_bad" | head -n 1)"
}
run_case quorumd-vm-kernel-log-clean t_kernel_clean
for n in 1 2 3 4 5; do kill -9 "$(pid $n)" 2>/dev/null; done
kill "$(cat $T/evpid)" 2>/dev/null
[ -f $T/measured ] && sed 's/^/# /' $T/measured
summary
