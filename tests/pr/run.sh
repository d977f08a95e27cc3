#!/bin/bash
# make check-pr: the storage fence's assumptions about the target, on a real
# SPC-3 PR implementation (the LIO target in a VM, tests/pr/lib.sh), and
# the kernel's reaction to being preempted. No quorumd: the cluster VMs
# send PERSISTENT RESERVE OUT/IN with sg_persist, the host drives them
# (qfagent) and dates every write that reached the LUN's backing disk with
# the target VM's QEMU block trace.
#
#   tests/pr/run.sh          the primitive cases, then cluster.sh (quorumd
#                            fencing by reservation on a 3-VM cluster)
#
# Output: "ok NAME", "FAIL NAME: why" or "known-unsafe NAME: what" per case,
# "N passed, N failed, N skipped".
set -uo pipefail
. "$(dirname "$0")/lib.sh"
PR_DIR=$BUILD/pr
PASS=0 FAILN=0 SKIPN=0
ok() { echo "ok $1${2:+ ($2)}"; PASS=$((PASS + 1)); }
fail() { echo "FAIL $1: $2"; FAILN=$((FAILN + 1)); }
finish() {
	pr_cleanup
	echo "$PASS passed, $FAILN failed, $SKIPN skipped"
	exit $((FAILN > 0))
}
trap finish EXIT
trap 'exit 130' INT TERM

# Keys: cluster 16 | node 16 | generation 32 bits, never 0 (0x5146 = "QF").
key() { printf '0x5146%04x%08x' "$1" "$2"; }
K1=$(key 1 1) K2=$(key 2 1) K2B=$(key 2 2) K2C=$(key 2 3)
DEV=/dev/sda
W_MS=3000		# longer than any W of the shipped profiles
VICTIM_LO=1000 VICTIM_N=48	# the victim's 4 KiB blocks in the queued case
MARK=10			# node 1's marker block

# prout I ARGS: PERSISTENT RESERVE OUT from node I; prints sg_persist's
# status (0 ok, 24 reservation conflict).
prout() { local i=$1; shift; on "$i" "sg_persist --out $* $DEV > /dev/null 2>&1; echo rc=\$?" | sed -n 's/^rc=//p'; }
keys() { on "$1" "sg_persist --in -k $DEV" | sed -n 's/^ *\(0x[0-9a-f]*\)$/\1/p' | tr '\n' ' '; }
# when a write of node 1's marker block landed (the latest one)
mark_time() { pr_landed $((MARK * 4096)) $((MARK * 4096 + 4096)) | tail -n 1 | cut -d' ' -f1; }
# late LO N T: victim writes to blocks [LO, LO+N) that landed after host time T
late() {
	pr_landed $(($1 * 4096)) $((($1 + $2) * 4096)) |
		awk -v t="$3" '$1 > t { n++ } END { print n + 0 }'
}
landed() { pr_landed $(($1 * 4096)) $((($1 + $2) * 4096)) | wc -l; }
# marker: node 1 writes its marker block after an action; the trace dates it
marker() { on 1 "dio w $DEV $MARK" | grep -q '^ok' && sleep 1 && mark_time; }

setup() {
	local t0=$SECONDS
	rm -rf "$PR_DIR"; mkdir -p "$PR_DIR"
	pr_build "$PR_DIR/build.log" || { fail pr-build "see $PR_DIR/build.log"; exit 1; }
	pr_initramfs > "$PR_DIR/initramfs.log" 2>&1 || { fail pr-initramfs "see $PR_DIR/initramfs.log"; exit 1; }
	pr_net 2 || { fail pr-net "cannot create the namespace"; exit 1; }
	pr_target_start
	pr_wait_line "$PR_DIR/vm/prtarget.out" "prtarget: ready|FAIL" 240 &&
		grep -q "prtarget: ready" "$PR_DIR/vm/prtarget.out" ||
		{ fail pr-target-boot "no ready line: $(tail -n 2 "$PR_DIR/vm/prtarget.out" 2>/dev/null)"; exit 1; }
	pr_log "target ready after $((SECONDS - t0)) s"
	pr_node_start 1
	pr_node_start 2
	for i in 1 2; do
		pr_wait_line "$PR_DIR/vm/prnode$i.out" "node $i: (up|FAIL)" 240 &&
			grep -q "node $i: up" "$PR_DIR/vm/prnode$i.out" ||
			{ fail pr-node-boot "node $i: $(cat "$PR_DIR/boot$i.log" 2>/dev/null | tail -n 2)"; exit 1; }
	done
	pr_log "nodes up after $((SECONDS - t0)) s"
}

case_register() {
	local k
	[ "$(prout 1 --register --param-sark=$K1)" = 0 ] || { fail pr-register "node 1 REGISTER"; return; }
	[ "$(prout 2 --register --param-sark=$K2)" = 0 ] || { fail pr-register "node 2 REGISTER"; return; }
	k=$(keys 1)
	[ "$k" = "$K1 $K2 " ] || { fail pr-register "keys on the LUN: '$k'"; return; }
	ok pr-register "$k"
}

case_reserve() {
	local r
	# SCSI type 7: Write Exclusive - All Registrants
	[ "$(prout 1 --reserve --param-rk=$K1 --prout-type=7)" = 0 ] || { fail pr-reserve-wear "RESERVE"; return; }
	r=$(on 2 "sg_persist --in -r $DEV")
	echo "$r" | grep -qi "Write Exclusive, all registrants" ||
		{ fail pr-reserve-wear "reservation: $r"; return; }
	# every registrant may write
	on 1 "dio w $DEV 1" | grep -q '^ok' && on 2 "dio w $DEV 2" | grep -q '^ok' ||
		{ fail pr-reserve-wear "a registrant's write failed"; return; }
	ok pr-reserve-wear
}

# The victim's IO goes through a qfence device on an armed lease.
victim_fence() {
	on 2 "quorumctl lease new v --generation 1 --max-lease-ms 600000 &&
		dmsetup create qfv --table \"0 \$(blockdev --getsz $DEV) qfence $DEV v\" &&
		quorumctl lease renew v --generation 1 --in-ms 500000 && dio w /dev/mapper/qfv 3" |
		grep -q '^ok'
}

# Writes queued in the storage at the preempt: the target's disk is
# throttled, the victim has VICTIM_N writes outstanding, node 1 sends
# PREEMPT AND ABORT. None may land after the preempt completed (node 1's
# marker write, issued after it, dates that on the host).
case_queued() {
	local t n_late n_all
	victim_fence || { fail pr-queued-abort "victim's fence device"; return; }
	on 2 "for b in \$(seq $VICTIM_LO $((VICTIM_LO + VICTIM_N - 1))); do
		dio w /dev/mapper/qfv \$b > /tmp/q\$b 2>&1 < /dev/null & done; echo started" > /dev/null
	sleep 0.3
	[ "$(prout 1 --preempt-abort --param-rk=$K1 --param-sark=$K2 --prout-type=7)" = 0 ] ||
		{ fail pr-queued-abort "PREEMPT AND ABORT"; return; }
	t=$(marker) || { fail pr-queued-abort "no marker write"; return; }
	sleep 3
	n_all=$(landed $VICTIM_LO $VICTIM_N)
	n_late=$(late $VICTIM_LO $VICTIM_N "$t")
	pr_log "queued: $n_all of $VICTIM_N victim writes landed, $n_late after the preempt (marker $t)"
	[ "$n_late" = 0 ] || { fail pr-queued-abort "$n_late victim writes landed after the preempt"; return; }
	[ "$n_all" -lt $VICTIM_N ] || { fail pr-queued-abort "all $VICTIM_N landed: nothing was queued at the preempt"; return; }
	ok pr-queued-abort "$n_all of $VICTIM_N landed before the preempt, none after"
}

case_removed() {
	local k
	k=$(keys 1)
	[ "$k" = "$K1 " ] || { fail pr-preempt-removes-key "keys: '$k'"; return; }
	ok pr-preempt-removes-key
}

case_conflict() {
	local r
	r=$(on 2 "dio w $DEV 4")
	# the raw path: a reservation conflict is BLK_STS_NEXUS, EBADE in 6.1
	echo "$r" | grep -qE '^(EBADE|EIO)' || { fail pr-victim-conflict "victim's write: $r"; return; }
	on 2 "dmesg" | grep -qi "reservation conflict" ||
		{ fail pr-victim-conflict "no reservation conflict in the victim's kernel log"; return; }
	ok pr-victim-conflict
}

# design.md §3: the victim's kernel latched its lease at the conflict.
case_latched() {
	local g s r
	g=$(on 2 "qlease get v")
	s=$(echo "$g" | sed -n 's/^state=//p')
	[ "$s" = fenced ] || { fail pr-lease-latched "lease v is '$s'"; return; }
	echo "$g" | grep -q '^fence_reason=3$' || { fail pr-lease-latched "reason: $(echo "$g" | grep fence_reason)"; return; }
	r=$(on 2 "dio w /dev/mapper/qfv 5")
	echo "$r" | grep -q '^EIO' || { fail pr-lease-latched "the fence device's write: $r"; return; }
	ok pr-lease-latched "fenced, reason storage"
}

# The old incarnation's key replayed: REGISTER with it, PREEMPT from it.
case_replay() {
	local r1 r2 k
	r1=$(prout 2 --register --param-rk=$K2 --param-sark=$K2B)
	r2=$(prout 2 --preempt-abort --param-rk=$K2 --param-sark=$K1 --prout-type=7)
	k=$(keys 1)
	[ "$r1" = 24 ] && [ "$r2" = 24 ] && [ "$k" = "$K1 " ] ||
		{ fail pr-old-key-refused "REGISTER rc=$r1, PREEMPT rc=$r2 (want 24 = conflict), keys '$k'"; return; }
	ok pr-old-key-refused "REGISTER and PREEMPT from the old key: reservation conflict"
}

case_newkey() {
	[ "$(prout 2 --register --param-sark=$K2B)" = 0 ] || { fail pr-new-key "REGISTER of the new key"; return; }
	on 2 "dio w $DEV 6" | grep -q '^ok' || { fail pr-new-key "write with the new key"; return; }
	ok pr-new-key "$(keys 1)"
}

# writer I LO: node I writes block LO+(n mod 50) every 100 ms, in the background
writer_start() {
	on "$1" "(i=0; while :; do dio w $DEV \$(($2 + i % 50)) > /dev/null 2>&1; i=\$((i + 1)); usleep 100000; done) > /dev/null 2>&1 < /dev/null & echo \$! > /tmp/writer" > /dev/null
}
writer_stop() { on "$1" "kill \$(cat /tmp/writer)" > /dev/null 2>&1; }

# The frozen VM: node 2 stopped (QMP/HMP stop) for longer than W with its
# writer running; with PREEMPT AND ABORT while it is frozen, none of its
# writes lands after `cont`. PREEMPT=no is the control: the same run
# without the preempt must show the stale write landing.
frozen() {
	local preempt=$1 lo=$2 key=$3 t n
	writer_start 2 "$lo"
	sleep 2
	# the writer must reach the LUN before the freeze: a node whose key
	# is not registered is refused by the target whatever the preempt
	# does, and the case would pass for nothing
	[ "$(landed "$lo" 50)" -gt 0 ] ||
		{ writer_stop 2; echo "node 2 wrote nothing before the freeze"; return 2; }
	pr_mon 2 stop > /dev/null
	sleep $((W_MS / 1000))
	if [ "$preempt" = yes ]; then
		[ "$(prout 1 --preempt-abort --param-rk=$K1 --param-sark=$key --prout-type=7)" = 0 ] || return 2
	fi
	t=$(marker) || return 2
	pr_mon 2 cont > /dev/null
	sleep 3
	writer_stop 2
	n=$(late "$lo" 50 "$t")
	pr_log "frozen (preempt=$preempt): $n writes of node 2 landed after $t"
	echo "$n"
}

case_frozen() {
	local n
	n=$(frozen yes 2000 "$K2B" | tail -n 1)
	case $n in
	0) ok pr-frozen-preempted "no write after cont" ;;
	''|*[!0-9]*) fail pr-frozen-preempted "the run broke: $n" ;;
	*) fail pr-frozen-preempted "$n stale writes landed" ;;
	esac
	[ "$(prout 2 --register --param-sark=$K2C)" = 0 ] || { fail pr-frozen-control "REGISTER $K2C"; return; }
	n=$(frozen no 3000 "$K2C" | tail -n 1)
	case $n in
	''|*[!0-9]*) fail pr-frozen-control "the run broke: $n" ;;
	0) fail pr-frozen-control "without a preempt no stale write was seen: the checker is blind" ;;
	*) ok pr-frozen-control "expected: $n stale writes seen without the preempt" ;;
	esac
}

setup
case_register
case_reserve
case_queued
case_removed
case_conflict
case_latched
case_replay
case_newkey
case_frozen
pr_cleanup

# The cluster part: quorumd's storage fence end to end (cluster.sh), its
# cases counted here.
"$PR_HERE/cluster.sh" 2>&1 | tee "$PR_DIR/cluster.log" | grep -vE '^[0-9]+ passed, [0-9]+ failed, [0-9]+ skipped$'
sum=$(grep -E '^[0-9]+ passed, [0-9]+ failed, [0-9]+ skipped$' "$PR_DIR/cluster.log" | tail -n 1)
if [ -z "$sum" ]; then
	fail pr-cluster "cluster.sh ended without its summary (see $PR_DIR/cluster.log)"
else
	read -r p _ f _ k _ <<< "${sum//,/}"
	PASS=$((PASS + p)) FAILN=$((FAILN + f)) SKIPN=$((SKIPN + k))
fi
