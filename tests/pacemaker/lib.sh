# shellcheck shell=bash
# Host-side library of tests/pacemaker: three Debian 12 VMs with systemd
# running corosync 3, Pacemaker and qfence, driven through their guest
# agents. Sourced by tests/pacemaker/run.sh and tests/bench/pacemaker.bench.sh.
#
#   host netns (tests/cluster/lib.sh cl_net)   br0 10.77.0.254, nft table
#                                              bridge qfc chain cut (the cut)
#   VM i: the tests/lib/rootfs.sh image with the cluster stack (PM_EXTRA),
#         a qcow2 overlay nodeI.qcow2 (the cache is never written),
#         eth0 10.77.0.i, hostname nodeI = Pacemaker's node name,
#         qemu-guest-agent on vm/qgaI.sock, 9p tag qfstage = PM_DIR/stage
#         (the module, quorumd, quorumctl, fence_qfence of this tree)
# shellcheck source=../cluster/lib.sh
. "$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/cluster/lib.sh"
PM_HERE=$CL_HERE/../pacemaker
PM_TOP=$CL_TOP
PM_DIR=${PM_DIR:-}
QGA=$PM_TOP/tests/lib/qga.py
# The rootfs key: tests/lib/rootfs.sh hashes the default list plus these.
PM_EXTRA="libc6 libsgutils2-1.46-2 python3 corosync pacemaker crmsh fence-agents resource-agents nftables"
# Pacemaker node name -> qfence node id, as an operator writes it
PM_HOSTMAP="node1:1;node2:2;node3:3"

pm_log() { printf '%s %s\n' "$(date +%T.%3N)" "$*"; }

# g I [-t S] [-i] CMD: CMD in VM I, through its guest agent.
g() {
	local i=$1; shift
	local opts=()
	while [ "${1:-}" = -t ] || [ "${1:-}" = -i ]; do
		if [ "$1" = -t ]; then opts+=(-t "$2"); shift 2; else opts+=(-i); shift; fi
	done
	"$QGA" "$PM_DIR/vm/qga$i.sock" "${opts[@]}" -- "$*"
}

# pm_stage: what the guests install, from this tree's build. PM_AGENT:
# another fence_qfence (a mutant, to see the cases fail).
pm_stage() {
	local s=$PM_DIR/stage
	mkdir -p "$s"
	cp -L "$BUILD/qfence.ko" "$BUILD/bin/quorumd" "$BUILD/bin/quorumctl" \
		"${PM_AGENT:-$PM_TOP/tools/fence_qfence}" "$PM_TOP/daemon/quorumd/quorumd.service" "$s/" &&
		head -c 32 /dev/urandom > "$s/cluster.key" &&
		head -c 256 /dev/urandom > "$s/authkey"
}

# pm_vm_start I: boot VM I from its overlay (in the background).
pm_vm_start() {
	local i=$1
	rm -f "$PM_DIR/vm/qga$i.sock"
	BUILD=$PM_DIR nice -n "$CL_NICE" ip netns exec "$CL_NS" "$PM_TOP/tests/vm/boot.sh" \
		--initrd "$ROOTFS/initrd.img" --timeout 7200 --mem 1024 --reboot \
		--append "root=LABEL=qfroot rw net.ifnames=0 systemd.hostname=node$i ip=10.77.0.$i::10.77.0.254:255.255.255.0::eth0:off systemd.show_status=false" \
		--qemu "-drive file=$PM_DIR/node$i.qcow2,format=qcow2,if=none,id=root
-device virtio-blk-pci,drive=root
-netdev tap,id=n0,ifname=qtap$i,script=no,downscript=no
-device virtio-net-pci,netdev=n0,mac=52:54:00:77:00:0$i
-virtfs local,path=$PM_DIR/stage,mount_tag=qfstage,security_model=none,readonly=on
-chardev socket,path=$PM_DIR/vm/qga$i.sock,server=on,wait=off,id=qga
-device virtio-serial -device virtserialport,chardev=qga,name=org.qemu.guest_agent.0" \
		"node$i" 2>> "$PM_DIR/boot$i.log" &
	CL_PIDS[$i]=$!
}

# pm_wait_agent I SECS: the guest agent answers (systemd reached it).
pm_wait_agent() {
	local end=$((SECONDS + $2))
	while [ $SECONDS -lt $end ]; do
		kill -0 "${CL_PIDS[$1]}" 2>/dev/null || return 1
		"$QGA" "$PM_DIR/vm/qga$1.sock" -t 5 --ping 2>/dev/null && return 0
		sleep 1
	done
	return 1
}

# pm_quorumd_conf I: node I's quorumd.conf (TCG timing, as
# tests/cluster/lib.sh's CL_TIMING=tcg: W about 4.5 s)
pm_quorumd_conf() {
	local j
	printf '%s\n' "[cluster]" "name = qfpcmk" "key_file = /etc/qfence/cluster.key" \
		"profile = default" "heartbeat_ms = 100" "election_min_ms = 1200" \
		"election_max_ms = 2000" "lease_ms = 3500" "settle_ms = 1000"
	for j in 1 2 3; do echo "peer = $j 10.77.0.$j:7405"; done
	printf '%s\n' "[node]" "id = $1" "lease_name = qf$1" "actions = io" \
		"data_dir = /var/lib/qfence" "control_socket = /run/qfence/quorumd.sock" \
		"mlockall = yes" "sched_rr_priority = 10"
}

# pm_corosync_conf: the same corosync.conf on every node (knet, encrypted,
# the three nodes by name; Pacemaker's node names are these names)
pm_corosync_conf() {
	local j
	printf '%s\n' "totem {" "	version: 2" "	cluster_name: qfpcmk" \
		"	transport: knet" "	crypto_cipher: aes256" "	crypto_hash: sha256" "}" \
		"nodelist {"
	for j in 1 2 3; do
		printf '	node {\n		ring0_addr: 10.77.0.%s\n		name: node%s\n		nodeid: %s\n	}\n' \
			"$j" "$j" "$j"
	done
	printf '%s\n' "}" "quorum {" "	provider: corosync_votequorum" "}" \
		"logging {" "	to_syslog: yes" "	to_logfile: no" "	timestamp: on" "}"
}

pm_hosts() {
	local j
	printf '127.0.0.1 localhost\n::1 localhost\n'
	for j in 1 2 3; do printf '10.77.0.%s node%s\n' "$j" "$j"; done
}

# pm_install I: qfence where the package puts it (/usr/sbin, the unit),
# the module of this tree's build (the guest runs the host's kernel KVER)
# loaded with insmod (depmod takes a minute under TCG), then the
# configuration of node I, the cluster key, corosync's authkey and
# corosync.conf.
pm_install() {
	local i=$1
	# Debian enables and starts corosync and pacemaker at boot with its
	# one-node example: stop them and drop that CIB before configuring
	g "$i" -t 120 "set -e
systemctl stop pacemaker corosync
rm -f /var/lib/pacemaker/cib/cib*
mkdir -p /mnt/qf && mount -t 9p -o trans=virtio,ro qfstage /mnt/qf
install -m 755 /mnt/qf/quorumd /mnt/qf/quorumctl /mnt/qf/fence_qfence /usr/sbin/
install -D -m 644 /mnt/qf/qfence.ko /lib/modules/\$(uname -r)/updates/qfence.ko
insmod /lib/modules/\$(uname -r)/updates/qfence.ko
install -m 644 /mnt/qf/quorumd.service /etc/systemd/system/
mkdir -p /etc/qfence && install -m 600 /mnt/qf/cluster.key /etc/qfence/cluster.key
install -m 400 /mnt/qf/authkey /etc/corosync/authkey
umount /mnt/qf" || return 1
	# every node's name in /etc/hosts, as a cluster has it, and no DNS
	# server (the image has no hosts file and the host's resolv.conf: a
	# lookup waits 10 s, and fence-agents' pycurl import does one)
	pm_hosts | g "$i" -i "cat > /etc/hosts && : > /etc/resolv.conf" &&
		pm_quorumd_conf "$i" | g "$i" -i "cat > /etc/qfence/quorumd.conf" &&
		pm_corosync_conf | g "$i" -i "cat > /etc/corosync/corosync.conf" &&
		g "$i" -t 30 "quorumd --check-config -c /etc/qfence/quorumd.conf && systemctl daemon-reload"
}

# --- what the cluster records -------------------------------------------------

# qst I FIELD [NODE]: from node I's `quorumctl --json status`: kernel_state,
# leader, gen NODE (NODE's generation), flags NODE, fence NODE GEN (the
# record's "index age_ms" if NODE_FENCED for GEN is committed here).
qst() {
	g "$1" -t 20 "quorumctl --json status; echo; date +%s.%N" 2>/dev/null | python3 -c '
import json, sys
lines = sys.stdin.read().strip().splitlines()
d, now = json.loads(lines[0]), float(lines[-1])
f, a = sys.argv[1], sys.argv[2:]
if f == "fence":
    for r in d["fences"]:
        if r["node"] == int(a[0]) and r["generation"] == int(a[1]):
            print(r["index"], "%.3f" % (now - r["age_ms"] / 1000.0))
elif f in ("gen", "flags"):
    for m in d["members"]:
        if m["id"] == int(a[0]):
            print(m["generation" if f == "gen" else "flags"])
else:
    v = d.get(f)
    print(v.get("name", v) if isinstance(v, dict) else v)' "$2" "${@:3}" 2>/dev/null
}
qf_armed_all() {
	local i
	for i in 1 2 3; do [ "$(qst "$i" kernel_state)" = armed ] || return 1; done
}
qf_leader() { local l; l=$(qst "$1" leader); [ -n "$l" ] && [ "$l" != None ] && echo "$l"; }

# crm_online I: node I's Pacemaker sees all three nodes online and a DC.
crm_online() {
	g "$1" -t 30 "crm_mon -1 -X" 2>/dev/null | python3 -c '
import sys, xml.etree.ElementTree as E
t = E.fromstring(sys.stdin.read())
on = [n for n in t.iter("node") if n.get("online") == "true"]
dc = t.find("summary/current_dc")
sys.exit(0 if len(on) == 3 and dc is not None and dc.get("present") == "true" else 1)'
}
# where RSC: the node running resource RSC (as node I's Pacemaker says)
where() {
	g "$1" -t 30 "crm_resource --locate -r $2 -Q" 2>/dev/null | head -n 1 | tr -d '\r'
}
# fence_hist I TARGET ACTIONS: "state completed delegate action" of the last
# fencing of TARGET with one of ACTIONS (a|b) that node I's Pacemaker
# recorded (newest first in its history). A fence is a "reboot" in the
# history (stonith-action) that pcmk_reboot_action=off turns into the
# agent's off.
fence_hist() {
	g "$1" -t 30 "stonith_admin --history $2 --verbose --output-as=xml" 2>/dev/null | python3 -c '
import sys, xml.etree.ElementTree as E
t = E.fromstring(sys.stdin.read())
ev = [e for e in t.iter("fence_event") if e.get("action") in sys.argv[1].split("|")]
if ev:
    e = ev[0]
    print(e.get("status"), e.get("completed", "-").replace(" ", "_"), e.get("delegate", "-"),
          e.get("action"))' "$3"
}
# jtime I REGEX [SINCE]: the journal time (epoch s, microseconds) of the
# last line of node I's journal since SINCE (epoch, guest clock) matching
# REGEX (no single quote in it). The guest agent's own lines are left out:
# they log the command, pattern included.
jtime() {
	g "$1" -t 60 "journalctl -q -o short-unix --since @${3:-0} | grep -v qemu-ga | grep -E '$2' | tail -n 1" 2>/dev/null |
		awk '{ print $1 }'
}
# offset I: host clock minus node I's clock (s), from one guest-agent call
offset() {
	local a b gnow
	a=$(date +%s.%N)
	gnow=$(g "$1" -t 10 "date +%s.%N")
	b=$(date +%s.%N)
	awk -v a="$a" -v b="$b" -v g="$gnow" 'BEGIN { printf "%.3f\n", (a + b) / 2 - g }'
}
sub() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f\n", a - b }'; }
le() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a <= b) }'; }
