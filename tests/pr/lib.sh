#!/bin/bash
# Host-side library of the persistent-reservation test (tests/pr): a storage
# VM running the LIO target, cluster VMs reaching its LUN with QEMU's own
# iSCSI client, and the host-side check of what reached the LUN's backing
# disk. Sourced by tests/pr/run.sh and tests/bench/pr.bench.sh.
#
#   host netns qfprNNNN (created here, removed on exit)
#
#        br0 10.78.0.254   every QEMU runs in this namespace: the cluster
#       /    |     \       VMs' iSCSI clients (QEMU processes) reach the
#   qptap1 qptap2 qptap9   target's portal 10.78.0.9:3260 over br0
#     |      |      |
#   VM 1   VM 2   target VM: LIO iblock on /dev/vda = lun.img (cache=none)
#
# A cluster VM's LUN is `-blockdev driver=iscsi` (its own initiator name)
# under `scsi-block` on virtio-scsi: SCSI commands, PERSISTENT RESERVE IN/OUT
# included, pass through to the target. The target VM's QEMU traces every
# write reaching lun.img (bdrv_co_pwritev_part, host clock): pr_landed.
# shellcheck disable=SC2034
PR_HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PR_TOP=$(cd "$PR_HERE/../.." && pwd)
export BUILD=${BUILD:-$PR_TOP/build}
export KVER=${KVER:-$("$PR_TOP/scripts/kver.sh")}
PR_BIN=$BUILD/cluster/bin
PR_IQN=iqn.2026-12.dev.qfence:lun
PR_TIP=10.78.0.9
PR_NS= PR_DIR=
PR_PIDS=()		# boot.sh pid per VM (9 = the target)
PR_NICE=${PR_NICE:--5}
# The target VM's backing disk is throttled (writes per second) so that
# writes queue in the storage long enough to be there at a preempt.
PR_LUN_IOPS=${PR_LUN_IOPS:-40}

pr_log() { printf '%s %s\n' "$(date +%T.%3N)" "$*"; }
pns() { ip netns exec "$PR_NS" "$@"; }

# pr_build LOG: the module, quorumctl and the helpers. 0 or 1.
pr_build() {
	local try f
	for try in 1 2; do
		(cd "$PR_TOP" && make --no-print-directory -j2 module &&
			make --no-print-directory -C tools &&
			make --no-print-directory -C tests/vm/helpers &&
			make --no-print-directory -C tests/cluster/helpers) > "$1" 2>&1 && break
		[ $try = 2 ] && return 1
		sleep 5
	done
	for f in "$BUILD/qfence.ko" "$BUILD/bin/quorumctl" "$PR_BIN/qfagent" \
		"$PR_BIN/qfcall" /usr/bin/sg_persist; do
		[ -e "$f" ] || { echo "missing $f" >> "$1"; return 1; }
	done
}

# shellcheck source=tests/lib/initramfs-add.sh
. "$PR_TOP/tests/lib/initramfs-add.sh"

# pr_initramfs: one initramfs for every VM of the test: tests/vm's, plus
# the LIO target and iSCSI target modules, virtio-net and virtio-scsi, sd
# and sg, sg_persist and sg_raw (sg3-utils), qfagent, the guest scripts.
pr_initramfs() {
	local root=$PR_DIR/initramfs.root p
	"$PR_TOP/tests/vm/mkinitramfs.sh" "$PR_DIR/initramfs.cpio" || return 1
	add_modules "$root" virtio_net virtio_scsi sd_mod sg configfs crc32c_generic \
		target_core_mod target_core_iblock iscsi_target_mod || return 1
	for p in "$PR_BIN/qfagent" /usr/bin/sg_persist /usr/bin/sg_raw; do
		add_bin "$root" "$p"
	done
	cp "$PR_HERE"/guest/*.sh "$root/tests/"
	for p in 1 2 3; do ln -sf prnode.sh "$root/tests/prnode$p.sh"; done
	pack_initramfs "$root" "$PR_DIR/initramfs.cpio"
}

# pr_net N: namespace, bridge, taps qptap1..N and qptap9 (the target).
pr_net() {
	local i
	PR_NS=qfpr$$
	ip netns add "$PR_NS" || return 1
	pns ip link set lo up
	pns ip link add br0 type bridge || return 1
	pns ip addr add 10.78.0.254/24 dev br0
	pns ip link set br0 up
	for i in $(seq 1 "$1") 9; do
		pns ip tuntap add "qptap$i" mode tap || return 1
		pns ip link set "qptap$i" master br0
		pns ip link set "qptap$i" up
	done
}

# pr_boot I NAME QARGS QEMUARGS: VM I (in the background) in the namespace.
pr_boot() {
	local i=$1 name=$2 qargs=$3 extra=$4
	rm -f "$PR_DIR/mon$i.sock"
	BUILD=$PR_DIR nice -n "$PR_NICE" ip netns exec "$PR_NS" "$PR_TOP/tests/vm/boot.sh" \
		--initrd "$PR_DIR/initramfs.cpio" --timeout 3600 --mem 384 \
		${qargs:+--args "$qargs"} --qemu "-netdev tap,id=n0,ifname=qptap$i,script=no,downscript=no
-device virtio-net-pci,netdev=n0,mac=52:54:00:78:00:0$i
-monitor unix:$PR_DIR/mon$i.sock,server=on,wait=off $extra" \
		"$name" 2>> "$PR_DIR/boot$i.log" &
	PR_PIDS[$i]=$!
}

# pr_target_start: the storage VM over a fresh 64 MiB lun.img, traced.
pr_target_start() {
	rm -f "$PR_DIR/lun.img"
	truncate -s 64M "$PR_DIR/lun.img" || return 1
	printf '%s\n' bdrv_open_common bdrv_co_pwritev_part > "$PR_DIR/trace.events"
	pr_boot 9 prtarget "$PR_TIP,$PR_IQN" \
		"-drive file=$PR_DIR/lun.img,format=raw,if=none,id=lun,cache=none,aio=threads,throttling.iops-write=$PR_LUN_IOPS
-device virtio-blk-pci,drive=lun
-trace events=$PR_DIR/trace.events -D $PR_DIR/target.trace -msg timestamp=on"
}

# pr_node_start I: cluster VM I, its LUN path with initiator name
# iqn.2026-12.dev.qfence:nodeI.
pr_node_start() {
	local i=$1
	pr_boot "$i" "prnode$i" "" \
		"-device virtio-scsi-pci,id=vs0
-blockdev driver=iscsi,node-name=lun,transport=tcp,portal=$PR_TIP:3260,target=$PR_IQN,lun=0,initiator-name=iqn.2026-12.dev.qfence:node$i,cache.direct=on
-device scsi-block,drive=lun,bus=vs0.0,scsi-id=0,lun=0"
}

pr_alive() { kill -0 "${PR_PIDS[$1]}" 2>/dev/null; }
pr_mon() { "$PR_BIN/qfcall" --monitor "$PR_DIR/mon$1.sock" "$2"; }

# on I CMD...: run CMD in VM I's guest (qfagent): its output, and its status.
on() { local i=$1; shift; pns "$PR_BIN/qfcall" -t "${PR_CALL_T:-30}" "10.78.0.$i" 7700 "$@"; }

# pr_wait_line FILE REGEX SECS: until FILE has a line matching REGEX.
pr_wait_line() {
	local end=$((SECONDS + $3))
	until tr -d '\r' 2>/dev/null < "$1" | grep -qE "$2"; do
		[ $SECONDS -lt $end ] || return 1
		sleep 0.5
	done
}

# pr_cleanup: every QEMU (by the pids this library started) and the netns.
pr_cleanup() {
	local i
	for i in "${!PR_PIDS[@]}"; do
		pr_mon "$i" quit > /dev/null 2>&1
	done
	sleep 0.5
	for i in "${!PR_PIDS[@]}"; do
		kill "${PR_PIDS[$i]}" 2>/dev/null
		wait "${PR_PIDS[$i]}" 2>/dev/null
	done
	PR_PIDS=()
	[ -z "$PR_NS" ] || ip netns del "$PR_NS" 2>/dev/null
	PR_NS=
}

# pr_landed FROM_OFF TO_OFF: the writes that reached lun.img (the target
# VM's trace of the file node) within byte range [FROM_OFF, TO_OFF), one
# "host_seconds offset bytes" line each, in trace order.
pr_landed() {
	awk -v lo="$1" -v hi="$2" -v img="$(realpath "$PR_DIR/lun.img")" '
	/bdrv_open_common/ && index($0, "\"" img "\"") && /format_name "file"/ {
		for (i = 1; i <= NF; i++) if ($i == "bs") file[$(i + 1)] = 1
	}
	/bdrv_co_pwritev_part/ {
		bs = off = len = ""
		for (i = 1; i <= NF; i++) {
			if ($i == "bs") bs = $(i + 1)
			if ($i == "offset") off = $(i + 1)
			if ($i == "bytes") len = $(i + 1)
		}
		if (!(bs in file)) next
		if (off + len <= lo || off >= hi) next
		t = $1; sub(/^[0-9]+@/, "", t); sub(/:.*/, "", t)
		print t, off, len
	}' "$PR_DIR/target.trace"
}
