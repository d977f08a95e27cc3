#!/bin/bash
# The packages on three Debian 12 VMs with systemd as PID 1, installed as an
# operator installs them (dpkg -i), sharing one disk. Run after
# make deb (make check-package-vm); prints "ok CASE" / "FAIL CASE: why"
# and its own summary line. Measured: see the report lines it prints.
#
#   host netns (tests/cluster/lib.sh cl_net)     br0 10.77.0.254
#   VM i: tests/lib/rootfs.sh image (qcow2 overlay nodeI.qcow2, the cache
#         is never written), eth0 10.77.0.i from ip= on the command line,
#         /dev/vdb shared.img (share-rw), /dev/vdc own disk nodeI.img,
#         build/deb as 9p tag qfdeb, qemu-guest-agent on vm/qgaI.sock
#   fencetab: shared /dev/vdb qfI   and   data /dev/vdc qfI (ext4 on
#             /srv/qf, x-systemd.requires=qfence-fencetab.service)
#   qfio: a guest service writing 4 KiB O_DIRECT to /dev/mapper/shared at
#         node I's own offset every 0.2 s, one line per failed write
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
# shellcheck source=../cluster/lib.sh
. "$top/tests/cluster/lib.sh"
out=${PKGVM_DIR:-$BUILD/package/sysvm}
V=$(cat "$top/VERSION")
QGA=$top/tests/lib/qga.py
passed=0 failed=0
ok() { echo "ok $1"; passed=$((passed + 1)); }
fail() { echo "FAIL $1: $2"; failed=$((failed + 1)); }
finish() { echo "package-vm: $passed passed, $failed failed"; [ "$failed" -eq 0 ]; }
rm -rf "$out" && mkdir -p "$out/vm"
CL_DIR=$out
T0=$SECONDS
trap 'cl_cleanup' EXIT
trap 'exit 130' INT TERM

# g I [-t S] [-i] CMD: CMD in VM I, through its guest agent.
g() {
	local i=$1; shift
	local opts=()
	while [ "${1:-}" = -t ] || [ "${1:-}" = -i ]; do
		if [ "$1" = -t ]; then opts+=(-t "$2"); shift 2; else opts+=(-i); shift; fi
	done
	"$QGA" "$out/vm/qga$i.sock" "${opts[@]}" -- "$*"
}
elapsed() { echo "$((SECONDS - T0))s"; }

# vm_start I: boot VM I from its overlay (in the background).
vm_start() {
	local i=$1
	rm -f "$out/vm/qga$i.sock"
	BUILD=$out nice -n "$CL_NICE" ip netns exec "$CL_NS" "$top/tests/vm/boot.sh" \
		--initrd "$ROOTFS/initrd.img" --timeout 7200 --mem 768 --reboot \
		--append "root=LABEL=qfroot rw net.ifnames=0 systemd.hostname=node$i ip=10.77.0.$i::10.77.0.254:255.255.255.0::eth0:off systemd.show_status=false" \
		--qemu "-drive file=$out/node$i.qcow2,format=qcow2,if=none,id=root
-device virtio-blk-pci,drive=root
-drive file=$out/shared.img,format=raw,if=none,id=sh,file.locking=off,cache=writethrough
-device virtio-blk-pci,drive=sh,share-rw=on
-drive file=$out/own$i.img,format=raw,if=none,id=own
-device virtio-blk-pci,drive=own
-netdev tap,id=n0,ifname=qtap$i,script=no,downscript=no
-device virtio-net-pci,netdev=n0,mac=52:54:00:77:00:0$i
-virtfs local,path=$BUILD/deb,mount_tag=qfdeb,security_model=none,readonly=on
-chardev socket,path=$out/vm/qga$i.sock,server=on,wait=off,id=qga
-device virtio-serial -device virtserialport,chardev=qga,name=org.qemu.guest_agent.0" \
		"node$i" 2>> "$out/boot$i.log" &
	CL_PIDS[$i]=$!
}

# vm_kill I: QEMU of node I ends at once (boot.sh's trap kills it).
vm_kill() {
	kill "${CL_PIDS[$1]}" 2>/dev/null
	wait "${CL_PIDS[$1]}" 2>/dev/null
}

# wait_agent I SECS: the guest agent answers (systemd reached it).
wait_agent() {
	local end=$((SECONDS + $2))
	while [ $SECONDS -lt $end ]; do
		kill -0 "${CL_PIDS[$1]}" 2>/dev/null || return 1
		"$QGA" "$out/vm/qga$1.sock" -t 5 --ping 2>/dev/null && return 0
		sleep 1
	done
	return 1
}
wait_all_agents() {
	local i
	for i in 1 2 3; do wait_agent "$i" "$1" || { echo "VM $i: no guest agent"; return 1; }; done
}
# wait_running I SECS: systemd says the boot is over (running or degraded).
wait_running() {
	local end=$((SECONDS + $2)) s
	while [ $SECONDS -lt $end ]; do
		s=$(g "$1" -t 10 systemctl is-system-running 2>/dev/null)
		case $s in running|degraded) return 0 ;; esac
		sleep 1
	done
	return 1
}

# booted_again I OLD: VM I answers with a boot id other than OLD
booted_again() {
	local b
	b=$(g "$1" -t 5 cat /proc/sys/kernel/random/boot_id 2>/dev/null)
	[ -n "$b" ] && [ "$b" != "$2" ]
}
# st I FIELD: a field of node I's `quorumctl --json status`.
st() {
	g "$1" -t 20 quorumctl --json status 2>/dev/null | python3 -c '
import json, sys
d = json.load(sys.stdin)
f = sys.argv[1]
if f == "armed_members":
    print(sum(1 for m in d["members"] if "armed" in json.dumps(m.get("flags", ""))))
elif f == "fences":
    print(len(d["fences"]))
else:
    v = d.get(f)
    print(v.get("name", v) if isinstance(v, dict) else v)' "$2" 2>/dev/null
}
kstate() { st "$1" kernel_state; }
leader() { st 1 leader; }
fences_all() { local i; for i in 1 2 3; do st "$i" fences; done | sort -n | tail -n 1; }
poll() {
	local end=$((SECONDS + $1)); shift
	while [ $SECONDS -lt $end ]; do "$@" && return 0; sleep 1; done
	return 1
}
all_armed() { local i; for i in 1 2 3; do [ "$(kstate "$i")" = armed ] || return 1; done; }
has_leader() { local l; l=$(leader); [ -n "$l" ] && [ "$l" != None ]; }
io_fails() { g "$1" -t 20 "cat /run/qfio.fail 2>/dev/null | wc -l"; }
io_count() { g "$1" -t 20 "cat /run/qfio.ok 2>/dev/null | wc -l"; }
# one direct write through the fence device: 0 admitted, else refused
io_once() {
	g "$1" -t 30 "dd if=/dev/zero of=/dev/mapper/shared bs=4096 count=1 \
seek=$((1024 + $1)) oflag=direct conv=notrunc status=none"
}
. "$here/vm-cases.sh"
