#!/bin/sh
# `make demo`: one node, one lease, one fenced disk, told step by step.
. /tests/lib.sh
D=/dev/mapper/shared

say() {
	awk '{ printf "[%9.3f] ", $1 }' /proc/uptime
	echo "$*"
}
step() {
	echo
	say "== $*"
}
secs() {
	awk -v ns="$1" 'BEGIN { printf "%.3f", ns / 1e9 }'
}
io() {
	say "  read  $D: $(dio r $D)    write $D: $(dio w $D)"
}

echo "(times in [brackets] are seconds of CLOCK_BOOTTIME, the lease's clock)"
step "load qfence.ko, a RAM disk stands for the shared storage"
modprobe brd rd_nr=1 rd_size=16384 && modprobe dm-mod && modprobe qfence || exit 1
quorumctl lease new demo --generation 1 --max-lease-ms 2000 || exit 1
dmsetup create shared --table "0 $(blockdev --getsz /dev/ram0) qfence /dev/ram0 demo"
say "  lease 'demo' (generation 1, at most 2000 ms ahead); $D = qfence over /dev/ram0"
quorumctl lease events > /tmp/events 2>&1 &
evpid=$!

step "before the node has joined a majority, the lease is DISARMED: IO is refused (rule 8)"
io

step "the cluster grants leases: renew every 200 ms, each for 1000 ms"
quorumctl lease renew-loop demo --generation 1 --every-ms 200 --lease-ms 1000 --count 8 &
rl=$!
qlease wait demo armed 5000
while kill -0 $rl 2>/dev/null; do
	io
	usleep 300000
done
say "  renewals stop; the kernel's view: $(qlease get demo | grep -E '^(state|renewals)=' | tr '\n' ' ')"
say "  deadline in force: $(secs "$(field demo deadline_ns)") s"

step "the node loses its quorum: no more renewals; IO until the deadline, then EIO"
prev=
while :; do
	r=$(dio r $D)
	if [ "$r" != "$prev" ]; then say "  read $D: $r"; prev=$r; fi
	[ "$r" = EIO ] && break
	usleep 20000
done
io
qlease wait demo fenced 5000
say "  deadline $(secs "$(field demo deadline_ns)") s, fenced at $(secs "$(field demo fenced_ns)") s (fence_reason=$(field demo fence_reason): expired)"
quorumctl lease show demo | sed 's/^/    /'
say "  dmsetup status: $(dmsetup status shared)"

step "a late renewal does not lift the fence (rule 7)"
quorumctl lease renew demo --generation 1 --in-ms 1000
io

step "the cluster commits a rejoin with generation 2: unfence, then renew"
quorumctl lease unfence demo --generation 2
io
quorumctl lease renew demo --generation 2 --in-ms 1500
io

step "events seen by 'quorumctl lease events'"
kill $evpid 2>/dev/null
sed 's/^/    /' /tmp/events
quorumctl lease disarm demo
dmsetup remove shared
quorumctl lease del demo
rmmod qfence && say "  module unloaded cleanly"
