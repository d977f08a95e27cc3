#!/bin/bash
# Host-side library of the multi-VM split-brain test: the cluster of QEMU
# VMs on one shared disk, the network namespace with its bridge, the
# nemesis, the log collection and the checker. Sourced by run.sh, soak.sh,
# tests/bench/failover.bench.sh and tests/demo/cluster-demo.sh.
#
#   host netns qfcNNNN (created here, removed on exit)
#
#        br0 10.77.0.254  (the host's end: agent calls, clock samples)
#       /      |      \
#    qtap1   qtap2   qtap3 ...      nft table bridge qfc, chain cut:
#      |       |       |            the nemesis drops frames between taps
#    VM 1    VM 2    VM 3           (eth0 = 10.77.0.N, quorumd on :7405,
#      \       |       /             qfagent on :7700)
#       shared.img (virtio, share-rw, file.locking=off)  + nodeN.img each
#
# Every QEMU and the namespace are removed by cl_cleanup (trap EXIT).
# shellcheck disable=SC2034
CL_HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CL_TOP=$(cd "$CL_HERE/../.." && pwd)
export BUILD=${BUILD:-$CL_TOP/build}
export KVER=${KVER:-$("$CL_TOP/scripts/kver.sh")}
CL_BIN=$BUILD/cluster/bin
CL_N=3
CL_NS=
CL_DIR=
CL_PIDS=()		# boot.sh pid per node (index = node id)
CL_CLOCKPID=
CL_PROFILE=default
# CL_TIMING=tcg adds slower timing on top of the profile, for TCG VMs on a
# loaded host (see FINDINGS.md, 2): heartbeat 100 ms, election 1200-2000
# ms, L 3500 ms, F 1000 ms -> W about 4.5 s. "none": the profile as is.
CL_TIMING=${CL_TIMING:-none}
CL_PERIOD=${CL_PERIOD:-100}
# QEMU runs at this nice level: under TCG on a shared 2-core host a starved
# VM misses its heartbeats, which is a real lapse (a fence), not a bug.
CL_NICE=${CL_NICE:--5}
CL_T0=$(date +%s)
# CL_STORAGE: what the shared disk is.
#   image  (default) shared.img, opened by every VM's QEMU (share-rw)
#   pr     the LUN of a storage VM: the LIO target (tests/pr/guest/
#          prtarget.sh, backing file shared.img, host-traced) on 10.77.0.9,
#          reached by each VM's QEMU iSCSI client under scsi-block (PR
#          commands pass through); quorumd holds a reservation on it
#          (pr_device, require_pr) and fences by PREEMPT AND ABORT
#   iscsi  the same LUN and path, no pr_device: the lease fence only
# The nemesis never cuts the storage VM's port: a cut node still reaches
# the LUN, as with a SAN on its own network.
CL_STORAGE=${CL_STORAGE:-image}
CL_TIP=10.77.0.9
CL_IQN=iqn.2026-12.dev.qfence:lun
cl_storage_vm() { [ "$CL_STORAGE" != image ]; }

cl_log() { printf '%s %s\n' "$(date +%T.%3N)" "$*"; }
now_ns() { date +%s%N; }
ns() { ip netns exec "$CL_NS" "$@"; }

# cl_build: build every artefact the cluster needs. 0 or 1.
cl_build() {
	local log=$1 try
	# several builds share build/: a concurrent one can break a step, so
	# try twice before calling it a failure
	for try in 1 2; do
		(cd "$CL_TOP" && make --no-print-directory -j2 module &&
			make --no-print-directory -C daemon/quorumd all &&
			make --no-print-directory -C tools &&
			make --no-print-directory -C tests/vm/helpers &&
			make --no-print-directory -C tests/cluster/helpers) > "$log" 2>&1 && break
		[ $try = 2 ] && return 1
		sleep 5
	done
	for f in "$BUILD/qfence.ko" "$BUILD/bin/quorumd" "$BUILD/bin/quorumctl" \
		"$CL_BIN/qfwriter" "$CL_BIN/qfagent" "$CL_BIN/qfcall" "$CL_BIN/qfcheck"; do
		[ -e "$f" ] || { echo "missing $f" >> "$log"; return 1; }
	done
}

# shellcheck source=tests/lib/initramfs-add.sh
. "$CL_TOP/tests/lib/initramfs-add.sh"

# cl_initramfs DIR: tests/vm's initramfs plus the cluster's pieces: network
# and ext4 modules, quorumd, the writer, the agent, the guest scripts, and
# /etc/qf (key and one configuration per node, generated for this run).
cl_initramfs() {
	local d=$1 root=$1/initramfs.root i p
	"$CL_TOP/tests/vm/mkinitramfs.sh" "$d/initramfs.cpio" || return 1
	local mods="virtio_net ext4 virtio_scsi sd_mod sg"
	# the storage VM boots the same initramfs: the LIO target's modules
	cl_storage_vm && mods="$mods configfs crc32c_generic target_core_mod target_core_iblock iscsi_target_mod"
	# shellcheck disable=SC2086
	add_modules "$root" $mods || return 1
	for p in "$BUILD/bin/quorumd" "$CL_BIN/qfwriter" "$CL_BIN/qfagent"; do
		add_bin "$root" "$p"
	done
	# CL_STRESS=1: stress-ng for the starvation bench (tests/bench/
	# starve.bench.sh); left out otherwise, it and its libraries are big
	[ "${CL_STRESS:-0}" = 1 ] && add_bin "$root" /usr/bin/stress-ng && add_bin "$root" /usr/bin/chrt
	cp "$CL_HERE"/guest/*.sh "$root/tests/"
	for i in 1 2 3 4 5; do ln -sf qfnode.sh "$root/tests/qfnode$i.sh"; done
	mkdir -p "$root/etc/qf"
	if cl_storage_vm; then
		cp "$CL_TOP/tests/pr/guest/prtarget.sh" "$root/tests/"
		add_bin "$root" /usr/bin/sg_persist
		echo "/dev/sda /dev/vda" > "$root/etc/qf/disks"
	fi
	head -c 32 /dev/urandom > "$root/etc/qf/key"
	chmod 600 "$root/etc/qf/key"
	echo "$CL_PERIOD" > "$root/etc/qf/period_ms"
	for i in $(seq 1 "$CL_N"); do cl_conf "$i" > "$root/etc/qf/n$i.conf"; done
	pack_initramfs "$root" "$d/initramfs.cpio"
}

# Node CL_REBOOT_NODE (default 3) runs the real actions (io,reboot): the
# reboot scenario. The others: io. Every module enforces F (settle
# escalation to reboot, design.md §2 and rule 12): a verdict on a node that
# does not enforce F proves nothing about F. CL_LOG_ONLY_NODES (default
# none) lists nodes whose module is loaded with log_only=1 instead.
CL_REBOOT_NODE=${CL_REBOOT_NODE:-3}
CL_LOG_ONLY_NODES=${CL_LOG_ONLY_NODES:-}
# CL_RT=no (read when the configuration is written): quorumd without
# mlockall and SCHED_RR, the starvation bench's second mode; the default
# is what quorumd.conf(5) recommends.
cl_conf() {
	local i=$1 j actions=io delay=0 mlock=yes rrprio=10
	[ "${CL_RT:-yes}" = no ] && mlock=no rrprio=0
	# the reboot node waits CL_REBOOT_DELAY ms before its reset: time for
	# a rejoin to cancel the reboot after a restart (FINDINGS.md, 1)
	[ "$i" = "$CL_REBOOT_NODE" ] && actions=io,reboot delay=${CL_REBOOT_DELAY:-5000}
	# io-only nodes come back by themselves once idle (design.md §2.11);
	# a writer holding the device keeps them fenced, so every scenario
	# that leaves its writer running still sees rule 7's latch
	local rejoin=when-idle
	[ "$i" = "$CL_REBOOT_NODE" ] && rejoin=after-reboot
	cat <<CONF
[cluster]
name = qfcluster
key_file = /etc/qf/key
profile = $CL_PROFILE
CONF
	if [ "$CL_TIMING" = tcg ]; then
		printf '%s\n' "heartbeat_ms = 100" "election_min_ms = 1200" \
			"election_max_ms = 2000" "lease_ms = 3500" "settle_ms = 1000"
	fi
	# CL_FLAP_MAX: the flapping guard's limit (design.md §2.11; default 3
	# an hour): a benchmark that rejoins a node automatically on every run
	# raises it, the guard's own scenario keeps the default
	[ -z "${CL_FLAP_MAX:-}" ] || echo "flap_max = $CL_FLAP_MAX"
	for j in $(seq 1 "$CL_N"); do echo "peer = $j 10.77.0.$j:7405"; done
	cat <<CONF
[node]
id = $i
lease_name = qf$i
actions = $actions
reboot_delay_ms = $delay
data_dir = /var/lib/qfence/state
control_socket = /run/qfence/quorumd.sock
mlockall = $mlock
sched_rr_priority = $rrprio
on_fenced = /tests/qf-on-fenced.sh
rejoin = $rejoin
CONF
	[ "$CL_STORAGE" = pr ] && printf '%s\n' "pr_device = /dev/sda" "require_pr = yes"
	case " $CL_LOG_ONLY_NODES " in
	*" $i "*) echo "log_only=1" > "$CL_DIR/initramfs.root/etc/qf/n$i.modargs" ;;
	*) echo "" > "$CL_DIR/initramfs.root/etc/qf/n$i.modargs" ;;
	esac
}

# cl_net: namespace, bridge, one tap per node, the nft table.
cl_net() {
	CL_NS=qfc$$
	ip netns add "$CL_NS" || return 1
	ns ip link set lo up
	ns ip link add br0 type bridge || return 1
	ns ip addr add 10.77.0.254/24 dev br0
	ns ip link set br0 up
	local taps
	taps=$(seq 1 "$CL_N")
	cl_storage_vm && taps="$taps 9"
	for i in $taps; do
		ns ip tuntap add "qtap$i" mode tap || return 1
		ns ip link set "qtap$i" master br0
		ns ip link set "qtap$i" up
	done
	ns nft -f - <<NFT || return 1
table bridge qfc {
	chain cut {
		type filter hook forward priority 0; policy accept;
	}
}
NFT
}

# cl_disks: the shared disk (64 MiB, zeroes) and one ext4 disk per node.
cl_disks() {
	rm -f "$CL_DIR/shared.img"
	truncate -s 64M "$CL_DIR/shared.img" || return 1
	for i in $(seq 1 "$CL_N"); do
		rm -f "$CL_DIR/node$i.img"
		truncate -s 32M "$CL_DIR/node$i.img"
		mkfs.ext4 -q -F "$CL_DIR/node$i.img" || return 1
	done
}

# The QEMU block trace of every VM: when each write reached the shared
# image, on the host's clock (qftrace.h). bdrv_co_pwritev_part is the write
# going to the image file after throttling; bdrv_open_common names the
# nodes; virtio_blk_handle_write, the guest's request, is there to read.
CL_TRACE_EVENTS="bdrv_open_common bdrv_co_pwritev_part virtio_blk_handle_write"

# cl_vm_start I: boot node I (in the background), keeping the log of an
# earlier boot of the same node as qfnodeI.out.K. Each QEMU process writes
# its own trace, vm/qemuI.trace.K (its pointers name its block nodes).
cl_vm_start() {
	local i=$1 k=1 t=1
	local out=$CL_DIR/vm/qfnode$i.out
	mkdir -p "$CL_DIR/vm"
	if [ -s "$out" ]; then
		while [ -e "$out.$k" ]; do k=$((k + 1)); done
		mv "$out" "$out.$k"
	fi
	# boot.sh starts a new console: keep the last boot's for the console
	# check (tests/lib/console.sh), as qfnodeI.console.K.
	if [ -s "$CL_DIR/vm/qfnode$i.console" ]; then
		k=1
		while [ -e "$CL_DIR/vm/qfnode$i.console.$k" ]; do k=$((k + 1)); done
		mv "$CL_DIR/vm/qfnode$i.console" "$CL_DIR/vm/qfnode$i.console.$k"
	fi
	while [ -e "$CL_DIR/vm/qemu$i.trace.$t" ]; do t=$((t + 1)); done
	printf '%s\n' $CL_TRACE_EVENTS > "$CL_DIR/trace.events"
	rm -f "$CL_DIR/mon$i.sock"
	# the shared disk: the image, or the storage VM's LUN over this
	# QEMU's own iSCSI session (initiator name per node: one I_T nexus)
	local shared="-drive file=$CL_DIR/shared.img,format=raw,if=none,id=sh,file.locking=off,cache=writethrough
-device virtio-blk-pci,drive=sh,share-rw=on"
	cl_storage_vm && shared="-device virtio-scsi-pci,id=vs0
-blockdev driver=iscsi,node-name=sh,transport=tcp,portal=$CL_TIP:3260,target=$CL_IQN,lun=0,initiator-name=iqn.2026-12.dev.qfence:node$i,cache.direct=on
-device scsi-block,drive=sh,bus=vs0.0,scsi-id=0,lun=0"
	BUILD=$CL_DIR nice -n "$CL_NICE" ip netns exec "$CL_NS" "$CL_TOP/tests/vm/boot.sh" \
		--initrd "$CL_DIR/initramfs.cpio" --timeout 7200 --mem 384 --reboot \
		--qemu "$shared
-drive file=$CL_DIR/node$i.img,format=raw,if=none,id=own
-device virtio-blk-pci,drive=own
-netdev tap,id=n0,ifname=qtap$i,script=no,downscript=no
-device virtio-net-pci,netdev=n0,mac=52:54:00:77:00:0$i
-monitor unix:$CL_DIR/mon$i.sock,server=on,wait=off
-trace events=$CL_DIR/trace.events -D $CL_DIR/vm/qemu$i.trace.$t -msg timestamp=on" \
		"qfnode$i" 2>> "$CL_DIR/boot$i.log" &
	CL_PIDS[$i]=$!
}

cl_vm_alive() { kill -0 "${CL_PIDS[$1]}" 2>/dev/null; }

# cl_target_start: the storage VM (index 9) over shared.img, its writes to
# the file traced on the host clock (vm/target.trace), and wait for its
# portal. CL_LUN_IOPS, when set, throttles its writes so that they queue in
# the storage. enforce_pr_isids=0: QEMU's iSCSI client logs in again with a
# new session id after a NOP timeout (seen while the target served a
# PREEMPT AND ABORT for 20 s), and a registration bound to the old session
# would be lost - the node fenced for nothing. Keys stay per node: each
# node's QEMU has its own initiator name.
cl_target_start() {
	local thr=
	[ -n "${CL_LUN_IOPS:-}" ] && thr=",throttling.iops-write=$CL_LUN_IOPS"
	mkdir -p "$CL_DIR/vm"
	printf '%s\n' bdrv_open_common bdrv_co_pwritev_part > "$CL_DIR/target.events"
	rm -f "$CL_DIR/mon9.sock" "$CL_DIR/vm/prtarget.out"
	BUILD=$CL_DIR nice -n "$CL_NICE" ip netns exec "$CL_NS" "$CL_TOP/tests/vm/boot.sh" \
		--initrd "$CL_DIR/initramfs.cpio" --timeout 7200 --mem 384 \
		--args "$CL_TIP,$CL_IQN,0" --qemu "-drive file=$CL_DIR/shared.img,format=raw,if=none,id=lun,cache=none,aio=threads$thr
-device virtio-blk-pci,drive=lun
-netdev tap,id=n0,ifname=qtap9,script=no,downscript=no
-device virtio-net-pci,netdev=n0,mac=52:54:00:77:00:09
-monitor unix:$CL_DIR/mon9.sock,server=on,wait=off
-trace events=$CL_DIR/target.events -D $CL_DIR/vm/target.trace -msg timestamp=on" \
		prtarget 2>> "$CL_DIR/boot9.log" &
	CL_PIDS[9]=$!
	poll 240 grep -qE "prtarget: (ready|FAIL)" "$CL_DIR/vm/prtarget.out" 2> /dev/null &&
		grep -q "prtarget: ready" "$CL_DIR/vm/prtarget.out"
}

# cl_mon I CMD: an HMP command on node I's QEMU monitor.
cl_mon() { "$CL_BIN/qfcall" --monitor "$CL_DIR/mon$1.sock" "$2"; }

# agent_vmboot I: node I's boot identity (empty when unreachable)
agent_vmboot() { ns "$CL_BIN/qfcall" --clock "10.77.0.$1" 7700 2>/dev/null | awk '{ print $5 }'; }

# cl_vm_kill I: QEMU of node I ends at once (a crash), then boot.sh. Once
# QEMU is gone, a closing clock sample for that boot goes into the clocks
# file: every write of that boot happened before this host time (qfcheck
# then bounds the writes made after the last real sample).
cl_vm_kill() {
	local i=$1 n=0 vb
	vb=$(agent_vmboot "$i")
	cl_mon "$i" quit > /dev/null 2>&1
	while cl_vm_alive "$i" && [ $n -lt 100 ]; do sleep 0.1; n=$((n + 1)); done
	cl_vm_alive "$i" && kill "${CL_PIDS[$i]}" 2>/dev/null
	wait "${CL_PIDS[$i]}" 2>/dev/null
	if [ -n "$vb" ]; then
		n=$(now_ns)
		echo "$i $n $n 18446744073709551615 18446744073709551615 $vb" >> "$CL_DIR/clocks"
	fi
	return 0
}

# on I CMD...: run CMD in node I's guest (agent), output and status.
on() { local i=$1; shift; ns "$CL_BIN/qfcall" -t 20 "10.77.0.$i" 7700 "$@"; }

# poll SECS CMD...: CMD until it succeeds, every 0.2 s; 1 after SECS.
poll() {
	local end=$((SECONDS + $1)); shift
	while [ $SECONDS -lt "$end" ]; do
		"$@" && return 0
		sleep 0.2
	done
	"$@"
}

kstate() { on "$1" "qlease get qf$1" 2>/dev/null | sed -n 's/^state=//p'; }
kfield() { on "$1" "qlease get qf$1" 2>/dev/null | sed -n "s/^$2=//p"; }
is_armed() { [ "$(kstate "$1")" = armed ]; }
is_fenced() { [ "$(kstate "$1")" = fenced ]; }
status_json() { on "$1" "quorumctl --json status" 2>/dev/null; }
# stop_writer N: the writer exits and no longer holds the fence device
stop_writer() {
	on "$1" 'p=$(cat /run/qf/writer.pid); kill $p; i=0; while kill -0 $p 2>/dev/null; do i=$((i + 1)); [ $i -lt 100 ] || exit 1; usleep 100000; done' > /dev/null
}
# start_writer N: the writer again, logging to the serial port as at boot
start_writer() {
	on "$1" 'qfwriter /dev/mapper/qf '"$1"' qf'"$1"' /run/qf/claim $(cat /etc/qf/period_ms) < /dev/null > /dev/ttyS1 2>&1 & echo $! > /run/qf/writer.pid' > /dev/null
}
writer_alive() { on "$1" 'kill -0 $(cat /run/qf/writer.pid)' > /dev/null 2>&1; }
# rejoined_by N GEN REASON: N's status shows generation GEN by that rejoin
rejoined_by() {
	on "$1" "quorumctl status" 2>/dev/null | grep -q "node $1: generation $2 by rejoin $3"
}
leader_of() { status_json "$1" | sed -n 's/.*"leader":\([0-9]*\).*/\1/p'; }
# fence_committed ON X [GEN]: ON's status lists a fence record of X (GEN)
fence_committed() {
	local j
	j=$(status_json "$1") || return 1
	echo "$j" | grep -o '"fences":\[.*' | grep -q "{\"node\":$2,\"generation\":${3:-[0-9]*},"
}

# cl_snapshot TAG: every reachable node's status (JSON: role, members,
# datagram counters and why any were dropped) and kernel lease, for the
# post-mortem of a failure: $CL_DIR/snap/TAG-nI.json and .lease.
cl_snapshot() {
	local i
	mkdir -p "$CL_DIR/snap"
	for i in $(seq 1 "$CL_N"); do
		status_json "$i" > "$CL_DIR/snap/$1-n$i.json" 2>&1 || continue
		on "$i" "qlease get qf$i" > "$CL_DIR/snap/$1-n$i.lease" 2>&1
	done
	echo "# every node's status saved: $CL_DIR/snap/$1-n*"
}

# cl_leader: the leader all reachable nodes agree on (empty if none).
cl_leader() {
	local i l= x
	for i in $(seq 1 "$CL_N"); do
		x=$(leader_of "$i")
		[ -n "$x" ] || continue
		if [ -z "$l" ]; then l=$x; elif [ "$l" != "$x" ]; then return 1; fi
	done
	[ -n "$l" ] && echo "$l"
}

all_armed() {
	local i
	for i in $(seq 1 "$CL_N"); do is_armed "$i" || return 1; done
}
healthy() { all_armed && cl_leader > /dev/null; }

# owner: the node that owns the contested region (the writer's last
# takeover line, from the serial logs).
# (the highest ownership epoch: guests' realtime clocks differ by seconds,
# epochs are totally ordered)
cl_owner() {
	local i best=0 be=0 e
	for i in $(seq 1 "$CL_N"); do
		e=$(cat "$CL_DIR/vm/qfnode$i.out"* 2>/dev/null | tr -d '\r' |
			sed -n 's/^W [0-9]* [0-9]* takeover epoch=\([0-9]*\) .*/\1/p' | sort -n | tail -n 1)
		if [ -n "$e" ] && [ "$e" -gt "$be" ]; then be=$e; best=$i; fi
	done
	echo "$best"
}

# nemesis: frames between taps are dropped in the bridge's forward hook;
# the host's own port (br0) is never cut, so agent calls still work.
cut_oneway() { ns nft add rule bridge qfc cut iifname "qtap$1" oifname "qtap$2" drop; }
cut_link() { cut_oneway "$1" "$2"; cut_oneway "$2" "$1"; }
isolate() {
	local j
	for j in $(seq 1 "$CL_N"); do [ "$j" = "$1" ] || cut_link "$1" "$j"; done
}
heal() { mark heal; ns nft flush chain bridge qfc cut; }

cl_clock_start() {
	local t=() i
	for i in $(seq 1 "$CL_N"); do t+=("$i:10.77.0.$i:7700"); done
	# direct (ip netns exec execs qfcall): $! is qfcall itself
	ip netns exec "$CL_NS" "$CL_BIN/qfcall" --clockloop 250 "$CL_DIR/clocks" "${t[@]}" &
	CL_CLOCKPID=$!
}

# cl_up DIR: build, boot CL_N VMs, wait until the cluster is healthy.
cl_up() {
	CL_DIR=$1
	mkdir -p "$CL_DIR"
	trap cl_cleanup EXIT
	trap 'exit 130' INT TERM
	cl_log "building (log: $CL_DIR/build.log)"
	cl_build "$CL_DIR/build.log" || { echo "build failed, see $CL_DIR/build.log"; return 1; }
	cl_initramfs "$CL_DIR" >> "$CL_DIR/build.log" 2>&1 || { echo "initramfs failed"; return 1; }
	cl_net || { echo "cannot create the network namespace"; return 1; }
	cl_disks >> "$CL_DIR/build.log" 2>&1 || { echo "cannot create the disks"; return 1; }
	: > "$CL_DIR/clocks"
	: > "$CL_DIR/nemesis.log"
	if cl_storage_vm; then
		cl_log "booting the storage VM (LIO target, $CL_STORAGE)"
		cl_target_start || { echo "the storage VM never became ready: $(tail -n 2 "$CL_DIR/vm/prtarget.out" 2>/dev/null)"; return 1; }
	fi
	for i in $(seq 1 "$CL_N"); do cl_vm_start "$i"; done
	cl_log "booting $CL_N VMs (profile $CL_PROFILE)"
	local i
	for i in $(seq 1 "$CL_N"); do
		poll 240 on "$i" true > /dev/null 2>&1 || { echo "node $i never answered"; return 1; }
	done
	cl_clock_start
	for i in $(seq 1 "$CL_N"); do on "$i" "touch /run/qf/go" > /dev/null; done
	cl_log "agents up, quorumd started; waiting for a leader and armed leases"
	poll 60 healthy || cl_recover || { echo "the cluster never became healthy: $WHY"; return 1; }
	cl_log "cluster healthy, leader $(cl_leader)"
}

# cl_stop PID...: end these boot.sh processes (each ends its QEMU); a QEMU
# still there after 15 s is killed outright.
cl_stop() {
	local p n=0
	[ $# -gt 0 ] || return 0
	kill "$@" 2>/dev/null
	while [ $n -lt 150 ]; do
		for p in "$@"; do kill -0 "$p" 2>/dev/null && break; done
		kill -0 "$p" 2>/dev/null || break
		sleep 0.1; n=$((n + 1))
	done
	for p in "$@"; do pkill -9 -P "$p" 2>/dev/null; done
	for p in "$@"; do wait "$p" 2>/dev/null; done
}

cl_cleanup() {
	local i nodes=()
	[ -n "$CL_CLOCKPID" ] && kill "$CL_CLOCKPID" 2>/dev/null
	CL_CLOCKPID=
	# the nodes before the storage VM: a QEMU whose iSCSI target is gone
	# waits for it on the way out
	for i in "${!CL_PIDS[@]}"; do
		[ "$i" = 9 ] || nodes+=("${CL_PIDS[$i]}")
	done
	cl_stop "${nodes[@]}"
	cl_stop ${CL_PIDS[9]:+"${CL_PIDS[9]}"}
	CL_PIDS=()
	[ -n "$CL_NS" ] && ip netns del "$CL_NS" 2>/dev/null
	CL_NS=
	return 0
}

# nemesis_mark WHAT: host time of a nemesis action (for the bench and plot).
mark() { echo "$(now_ns) $*" >> "$CL_DIR/nemesis.log"; }

# cl_collect: fences and kernel fence times from the serial logs.
cl_collect() {
	local f i
	: > "$CL_DIR/fences"
	: > "$CL_DIR/klog"
	cat "$CL_DIR"/vm/qfnode*.out* 2>/dev/null | tr -d '\r' |
		sed -n 's/^W [0-9]* [0-9]* cwrite-first epoch=\([0-9]*\) cseq=\([0-9]*\) .*/\1 \2/p' > "$CL_DIR/firsts"
	for i in $(seq 1 "$CL_N"); do
		for f in "$CL_DIR/vm/qfnode$i.out"*; do
			[ -e "$f" ] || continue
			tr -d '\r' < "$f" | awk -v n="$i" -v F="$CL_DIR/fences" -v K="$CL_DIR/klog" '
			$1 == "W" && $4 == "start" { for (k = 5; k <= NF; k++) if ($k ~ /^vmboot=/) vb = substr($k, 8) }
			/NODE_FENCED committed: node / {	# leader and followers: each logs before its hooks
				split($1, t, "."); ms = t[1] t[2]	# sec and 3-digit ms, as strings
				how = "wait"
				for (k = 1; k <= NF; k++) { if ($k == "node") x = $(k + 1); if ($k == "generation") g = $(k + 1); if ($k == "method=pr") how = "pr" }
				print x, g, n, ms, (vb == "" ? "0" : vb), how >> F }
			$1 == "W" && $4 == "lease" && $5 == "state=2" {
				g = substr($6, 5); fn = substr($8, 11); print n, g, vb, fn >> K }'
		done
	done
}

# cl_traces: the checker's -t NODE:TRACE arguments, one per QEMU process.
cl_traces() {
	local i f
	# the storage VM's QEMU lands every node's writes on shared.img
	if cl_storage_vm; then
		printf -- '-t 0:%s ' "$CL_DIR/vm/target.trace"
		return
	fi
	for i in $(seq 1 "$CL_N"); do
		for f in "$CL_DIR/vm/qemu$i.trace."*; do
			[ -e "$f" ] && printf -- '-t %s:%s ' "$i" "$f"
		done
	done
}

# cl_check: run the checker over the image and the collected facts; every
# write is dated by when it reached the image (the QEMU traces).
cl_check() {
	cl_collect
	# shellcheck disable=SC2046
	"$CL_BIN/qfcheck" $(cl_traces) "$CL_DIR/shared.img" "$CL_DIR/clocks" "$CL_DIR/fences" \
		"$CL_DIR/klog" "$CL_DIR/firsts" > "$CL_DIR/check.out" 2>&1
	local rc=$?
	CL_STALE=$(sed -n 's/^stale_writes=\([0-9]*\).*/\1/p' "$CL_DIR/check.out")
	CL_UNPROVEN=$(sed -n 's/.* unproven=\([0-9]*\).*/\1/p' "$CL_DIR/check.out")
	CL_LATE=$(sed -n 's/.* late=\([0-9]*\).*/\1/p' "$CL_DIR/check.out")
	CL_OVERWRITTEN=$(cat "$CL_DIR"/vm/qfnode*.out* 2>/dev/null | grep -c '^W .* overwritten ')
	CL_EARLYOK=$(cat "$CL_DIR"/vm/qfnode*.out* 2>/dev/null | grep -c '^W .* rule8-breach ')
	[ -n "$CL_STALE" ] || { CL_STALE=999; return 1; }
	[ "$CL_OVERWRITTEN" -eq 0 ] && [ "$CL_EARLYOK" -eq 0 ] || return 1
	return $rc
}

# checker_verdict NAME WANT RC OUT: the checker's own test (it must be able
# to fail): WANT "clean" (qfcheck exited 0 with stale_writes=0) or a line
# it must have printed (and exited 1). Calls the sourcing script's ok/fail.
checker_verdict() {
	local name=$1 want=$2 rc=$3 out=$4
	if [ "$want" = clean ] && [ "$rc" -eq 0 ] && grep -q '^stale_writes=0 ' "$out"; then
		ok "$name"
	elif [ "$want" != clean ] && [ "$rc" -eq 1 ] && grep -q "$want" "$out"; then
		ok "$name"
	else
		fail "$name" "exit $rc, want $want: $(tail -n 1 "$out")"
	fi
}

# ---- scenario helpers (run.sh, soak.sh, the bench and the demo) ----------
WHY=
why() { WHY="$*"; return 1; }

# followers_except X...: the nodes that are neither the leader nor listed
pick_follower() {
	local l=$1 o=$2 i
	# prefer the contested owner (its fence moves the region), never the
	# reboot node
	if [ "$o" != "$l" ] && [ "$o" != 0 ] && [ "$o" != "$CL_REBOOT_NODE" ]; then
		echo "$o"; return
	fi
	for i in $(seq 1 "$CL_N"); do
		[ "$i" != "$l" ] && [ "$i" != "$CL_REBOOT_NODE" ] && { echo "$i"; return; }
	done
}

# ensure_leader_not X: move leadership off node X (the reboot node).
ensure_leader_not() {
	local l t
	l=$(cl_leader) || return 1
	[ "$l" != "$1" ] && return 0
	for t in $(seq 1 "$CL_N"); do [ "$t" != "$1" ] && break; done
	on "$l" "quorumctl transfer-leader $t" > /dev/null 2>&1
	poll 20 eval '[ "$(cl_leader)" = '"$t"' ]'
}

# lapses: fences counters of all nodes, "1:0 2:0 3:1"
lapses() {
	local i
	for i in $(seq 1 "$CL_N"); do printf '%s:%s ' "$i" "$(kfield "$i" fences)"; done
}
# no_lapse BEFORE NODE...: their fences counters did not change
no_lapse() {
	local before=$1 i now; shift
	now=$(lapses)
	for i in "$@"; do
		[ "$(echo "$before" | tr ' ' '\n' | grep "^$i:")" = "$(echo "$now" | tr ' ' '\n' | grep "^$i:")" ] ||
			{ why "node $i lapsed (fences before: $before, now: $now)"; return 1; }
	done
}

# committed_by_survivor X GEN SURVIVOR...: some survivor lists NODE_FENCED(X, GEN)
committed_by_survivor() {
	local x=$1 g=$2 s; shift 2
	for s in "$@"; do fence_committed "$s" "$x" "$g" && return 0; done
	return 1
}

# wait_takeover OLD_OWNER SECS: the contested region moved to another node
wait_takeover() {
	poll "$2" eval '[ "$(cl_owner)" != '"$1"' ] && [ "$(cl_owner)" != 0 ]'
}

# cl_recover: heal the network, restart what is down, rejoin what is
# fenced, wait for a healthy cluster.
cl_recover() {
	local i st
	heal
	for i in $(seq 1 "$CL_N"); do
		if ! cl_vm_alive "$i"; then
			cl_vm_start "$i"
			poll 240 on "$i" true > /dev/null 2>&1 || { why "node $i did not come back"; return 1; }
		fi
	done
	for i in $(seq 1 "$CL_N"); do
		# a VM that booted again waits for the go; a stopped or killed
		# daemon is continued or started again
		on "$i" 'touch /run/qf/go; [ -e /run/qf/quorumd.pid ] || exit 0; kill -CONT $(cat /run/qf/quorumd.pid) 2>/dev/null; kill -0 $(cat /run/qf/quorumd.pid) 2>/dev/null || /tests/qf-start.sh' > /dev/null 2>&1
	done
	poll 60 cl_leader > /dev/null || { why "no leader after the heal"; return 1; }
	for i in $(seq 1 "$CL_N"); do
		is_armed "$i" && continue
		# fenced, or disarmed after a restart: a committed rejoin with
		# a new generation is the only way back (rule 7)
		poll 30 eval "on $i 'quorumctl rejoin' > /dev/null 2>&1 || true; poll 5 is_armed $i" ||
			{ why "node $i not re-armed after rejoin: $(kstate "$i")"; return 1; }
	done
	poll 60 healthy || { why "cluster not healthy after recovery"; return 1; }
}
others_of() { local i; for i in $(seq 1 "$CL_N"); do [ "$i" = "$1" ] || printf '%s ' "$i"; done; }
