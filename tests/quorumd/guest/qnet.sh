#!/bin/sh
# Shared by the quorumd guest scripts (busybox ash): quorumd nodes on the
# real qfence.ko, one network namespace per node.
#
#   node N    netns qnN, eth0 = 10.77.0.N/24, its veth peer qvN a port of
#             the bridge qbr (in the initial namespace); daemon config
#             $T/nN.conf, data $T/dN, log $T/logN, control socket $T/sN.sock
#   cuts      isolate N (its port down: nothing in or out), mute N (blackhole
#             routes in N's namespace: what N sends is lost, it still hears
#             the others), split A B... (those ports move to a second bridge:
#             a minority that still talks among itself), heal N
#   judge     the kernel: lease state from LEASE_GET (qlease), and every
#             lease event with its CLOCK_BOOTTIME timestamp, recorded from
#             the start by a `qlease events' listener into $T/events
. /tests/lib.sh
T=/tmp/qd
P=quorumd-probe
NET=10.77.0
PORT=7405
LP=ql		# lease name prefix: node N holds lease $LP$N
# F: covers node 3's 1 s soft watchdog in quorumd-vm.sh; empty = the
# profile's own (the benchmark measures the default timing)
SETTLE_MS=${SETTLE_MS-2000}
mkdir -p $T

qnet_init() {
	modprobe qfence log_only=1 || insmod "$KO" log_only=1
	modprobe bridge
	modprobe veth
	qdip link add qbr type bridge
	qdip link set qbr up
	qdip link add qbr2 type bridge
	qdip link set qbr2 up
	head -c 32 /dev/urandom > $T/key
	chmod 600 $T/key
	qlease events 86400000 1000000000 $T/evready > $T/events 2> $T/events.err &
	echo $! > $T/evpid
	_i=0
	while [ ! -e $T/evready ] && [ $_i -lt 100 ]; do sleep 0.1; _i=$((_i + 1)); done
	[ -e $T/evready ] || { echo "qnet: the event listener did not start"; return 1; }
}

qnet_node() {
	qdip netns add qn$1
	qdip link add qv$1 type veth peer name eth0 netns qn$1
	qdip link set qv$1 master qbr up
	qdip -n qn$1 addr add $NET.$1/24 dev eth0
	qdip -n qn$1 link set eth0 up
	qdip -n qn$1 link set lo up
}

# qnet_link2 N: a second, redundant link for node N: eth1 = 10.78.0.N/24
# in qnN, its peer qwN on bridge qbrb (REDUNDANT=1 makes conf list both)
qnet_link2() {
	qdip link show qbrb > /dev/null 2>&1 || {
		qdip link add qbrb type bridge
		qdip link set qbrb up
	}
	qdip link add qw$1 type veth peer name eth1 netns qn$1
	qdip link set qw$1 master qbrb up
	qdip -n qn$1 addr add 10.78.0.$1/24 dev eth1
	qdip -n qn$1 link set eth1 up
}

isolate() { qdip link set qv$1 down; }
mute() {
	for _p in 1 2 3 4 5 6 7; do
		[ $_p = $1 ] || qdip -n qn$1 route add blackhole $NET.$_p/32
	done
}
split() { for _n in "$@"; do qdip link set qv$_n master qbr2; done; }
heal() {
	for _p in 1 2 3 4 5 6 7; do
		qdip -n qn$1 route del blackhole $NET.$_p/32 2>/dev/null || true
	done
	qdip link set qv$1 master qbr 2>/dev/null || true
	qdip link set qv$1 up
}

# conf N NODES [LINE...]: node N of an N-node cluster (extra [node] lines)
conf() {
	_n=$1 _k=$2
	shift 2
	mkdir -p $T/d$_n
	{
		printf '[cluster]\nname = vmtest\nkey_file = %s/key\n' $T
		printf 'profile = default\n'
		[ -z "$SETTLE_MS" ] || echo "settle_ms = $SETTLE_MS"
		_p=1
		while [ $_p -le $_k ]; do
			if [ "${REDUNDANT:-0}" = 1 ]; then
				echo "peer = $_p $NET.$_p:$PORT,10.78.0.$_p:$PORT"
			else
				echo "peer = $_p $NET.$_p:$PORT"
			fi
			_p=$((_p + 1))
		done
		printf '[node]\nid = %s\nlease_name = %s%s\nactions = io\n' \
			$_n $LP $_n
		printf 'data_dir = %s/d%s\ncontrol_socket = %s/s%s.sock\n' \
			$T $_n $T $_n
		printf 'mlockall = yes\nsched_rr_priority = 10\n'
		for _x in "$@"; do echo "$_x"; done
	} > $T/n$_n.conf
}

# dead N: node N's daemon has exited (a zombie has released its locks)
dead() {
	_s=$(sed -n 's/^State:[[:space:]]*\([A-Z]\).*/\1/p' /proc/$(pid $1)/status 2>/dev/null)
	[ -z "$_s" ] || [ "$_s" = Z ]
}
# kill9 N: kill -9 and wait until it is gone (a restart right after must
# not find the data directory still locked)
kill9() { kill -9 "$(pid $1)" 2>/dev/null; wait_for dead $1; }
# lines N: how many lines node N's log has; logsince N COUNT: those after
lines() { wc -l < $T/log$1; }
logsince() { tail -n +$(($2 + 1)) $T/log$1; }

# `ip netns exec' execs in place: $! is the daemon itself
start() {
	qdip netns exec qn$1 quorumd --allow-log-only -f -c $T/n$1.conf \
		>> $T/log$1 2>&1 &
	echo $! > $T/pid$1
}
pid() { cat $T/pid$1; }
st() { $P $T/s$1.sock status 2>/dev/null; }
sfield() { st "$1" | sed -n "s/^$2=//p"; }
lname() { echo $LP$1; }
kstate() { field $LP$1 state; }
kgen() { field $LP$1 generation; }
kfences() { field $LP$1 fences; }
kis() { [ "$(kstate "$1")" = "$2" ]; }
now_ns() { $P - boottime; }
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
# leader_not N X: N knows a leader, and it is not X
leader_not() { _x=$(sfield "$1" leader); [ -n "$_x" ] && [ "$_x" != 0 ] && [ "$_x" != "$2" ]; }
fence_committed() { st "$1" | grep -q "^fence node=$2 gen=$3 "; }
renewed_more() { [ "$(field $LP$1 renewals)" -gt "$2" ]; }
# the cluster's generation of node N, as node C sees it
cgen() { st $1 | sed -n "s/^member id=$2 .* gen=\([0-9]*\) .*/\1/p"; }
drops() { _v=$(sfield "$1" "drop$2"); echo "${_v:-0}"; }

# L and F of the cluster, in ns, as quorumd derives them
timing() {
	_c=$(quorumd --check-config -c $T/n1.conf)
	L_NS=$(($(echo "$_c" | sed -n 's/.*lease L \([0-9]*\) ms.*/\1/p') * 1000000))
	F_NS=$(($(echo "$_c" | sed -n 's/.*settle F \([0-9]*\) ms.*/\1/p') * 1000000))
	[ "$L_NS" -gt 0 ] && [ "$F_NS" -gt 0 ]
}

# ev EVENT N GEN KEY: KEY of the first EVENT the kernel sent for node N's
# lease at generation GEN (empty if none yet)
ev() {
	awk -v e="event=$1" -v n="name=$LP$2" -v g="generation=$3" -v k="$4=" '
	{
		fe = fn = fg = 0; v = ""
		for (i = 1; i <= NF; i++) {
			if ($i == e) fe = 1
			if ($i == n) fn = 1
			if ($i == g) fg = 1
			if (index($i, k) == 1) v = substr($i, length(k) + 1)
		}
		if (fe && fn && fg) { print v; exit }
	}' $T/events
}
ev_has() { [ -n "$(ev "$@" timestamp_ns)" ]; }
# the CLOCK_BOOTTIME stamp of C's NODE_FENCED(N, GEN) commit (its log)
commit_at() {
	grep "NODE_FENCED committed: node $2 generation $3 " $T/log$1 |
		head -n 1 | sed -n 's/.*at_ns=\([0-9]*\).*/\1/p'
}

# kcheck N GEN CUT_NS C: judged on kernel timestamps, for node N's lease at
# GEN, certainly cut off from the majority by CUT_NS (a clock reading taken
# once the cut command returned), and committer C:
#  - the deadline in force when it fenced was at most CUT + L (rules 1-3:
#    no grant can stretch a lease past L after the last contact);
#  - C committed NODE_FENCED(N, GEN) no earlier than that deadline + F
#    (rule 5: the wait W covers L and the settle time F);
#  - and not before the kernel reported the lease drained.
kcheck() {
	wait_for ev_has fenced $1 $2 || die "no FENCED event for node $1 generation $2"
	wait_for ev_has drained $1 $2 || die "no DRAINED event for node $1 generation $2"
	_dl=$(ev fenced $1 $2 deadline_ns)
	_fe=$(ev fenced $1 $2 timestamp_ns)
	_dr=$(ev drained $1 $2 timestamp_ns)
	_at=$(commit_at $4 $1 $2)
	[ -n "$_at" ] || die "no NODE_FENCED($1, $2) commit on $4"
	echo "node $1 gen $2, from the cut: deadline +$(((_dl - $3) / 1000000)) ms," \
		"fenced +$(((_fe - $3) / 1000000)) ms, drained +$(((_dr - $3) / 1000000)) ms," \
		"committed on $4 +$(((_at - $3) / 1000000)) ms (L $((L_NS / 1000000)), F $((F_NS / 1000000)))" |
		tee -a $T/measured
	[ "$_dl" -le $(($3 + L_NS)) ] ||
		die "node $1's deadline was $(((_dl - $3) / 1000000)) ms after the cut, more than L"
	[ "$_fe" -ge "$_dl" ] || die "fenced before its deadline?"
	[ "$_at" -ge $((_dl + F_NS)) ] ||
		die "NODE_FENCED($1, $2) committed $(((_at - _dl) / 1000000)) ms after the deadline, less than F"
	[ "$_at" -ge "$_dr" ] || die "NODE_FENCED($1, $2) committed before the lease drained"
}

# rule5_ok C N [granted]: the committing leader's own measurement of rule 5;
# with "granted", C must have granted to N in its term (-1 means never)
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
	[ "${3:-}" != granted ] || [ "$_g" -ge 0 ] || die "leader $1 reports no grant to $2 in its term"
}

# rejoin_node N: rejoin asked on N itself, until its lease is armed again
# at a larger generation that the cluster agrees on
rejoin_node() {
	_g0=$(kgen $1)
	wait_for rejoin_ok $1 || die "rejoin of $1 refused"
	wait_for kis $1 armed || die "$1 not re-armed after rejoin: $(kstate $1)"
	[ "$(kgen $1)" -gt "$_g0" ] || die "generation $(kgen $1), not above $_g0"
}
rejoin_ok() { $P $T/s$1.sock rejoin | grep -q "^status=0"; }

# stop_all N...: SIGTERM (a clean leave each), up to 10 s, then SIGKILL
stop_all() {
	for _n in "$@"; do kill -TERM "$(pid $_n)" 2>/dev/null; done
	_i=0
	while [ $_i -lt 100 ]; do
		_alive=0
		for _n in "$@"; do kill -0 "$(pid $_n)" 2>/dev/null && _alive=1; done
		[ $_alive = 0 ] && return 0
		sleep 0.1
		_i=$((_i + 1))
	done
	for _n in "$@"; do kill -9 "$(pid $_n)" 2>/dev/null; done
}

dump_logs() { for _n in "$@"; do echo "---- log $_n"; tail -n 15 $T/log$_n; done; }
