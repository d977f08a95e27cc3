# shellcheck shell=bash
# The cases of tests/package/vm.sh (sourced by it, after its helpers).

node_conf() {	# I: /etc/qfence/quorumd.conf of node I (TCG timing, as
		# tests/cluster/lib.sh's CL_TIMING=tcg)
	local j
	printf '%s\n' "[cluster]" "name = qfpkg" "key_file = /etc/qfence/cluster.key" \
		"profile = default" "heartbeat_ms = 100" "election_min_ms = 1200" \
		"election_max_ms = 2000" "lease_ms = 3500" "settle_ms = 1000"
	for j in 1 2 3; do echo "peer = $j 10.77.0.$j:7405"; done
	printf '%s\n' "[node]" "id = $1" "lease_name = qf$1" "actions = io" \
		"data_dir = /var/lib/qfence" "control_socket = /run/qfence/quorumd.sock" \
		"mlockall = yes" "sched_rr_priority = 10"
}
QFIO='#!/bin/sh
# one 4 KiB direct write through the fence device every 0.2 s, at this
# node'"'"'s own offset of the shared disk; each result one line
n=$1
while :; do
	if dd if=/dev/zero of=/dev/mapper/shared bs=4096 count=1 seek=$((n * 256)) \
		oflag=direct conv=notrunc status=none 2>/dev/null; then
		date +%s.%N >> /run/qfio.ok
	else
		date +%s.%N >> /run/qfio.fail
	fi
	sleep 0.2
done'
QFIO_UNIT='[Unit]
Description=test writer through /dev/mapper/shared
After=qfence-fencetab.service
Wants=qfence-fencetab.service
[Service]
ExecStart=/usr/local/sbin/qfio N
Restart=always
[Install]
WantedBy=multi-user.target'

# configure I: what the operator writes after dpkg -i (docs/runbook.md):
# the configuration, the shared key, the fencetab and the mount.
configure() {
	local i=$1
	node_conf "$i" | g "$i" -i "cat > /etc/qfence/quorumd.conf" &&
		g "$i" -i "umask 077; cat > /etc/qfence/cluster.key" < "$out/cluster.key" &&
		printf 'shared /dev/vdb qf%s\ndata /dev/vdc qf%s\n' "$i" "$i" |
		g "$i" -i "cat > /etc/qfence/fencetab" &&
		echo "/dev/mapper/data /srv/qf ext4 _netdev,x-systemd.requires=qfence-fencetab.service,nofail 0 0" |
		g "$i" -i "mkdir -p /srv/qf && cat >> /etc/fstab" &&
		echo "$QFIO" | g "$i" -i "cat > /usr/local/sbin/qfio && chmod 755 /usr/local/sbin/qfio" &&
		echo "$QFIO_UNIT" | sed "s/qfio N/qfio $i/" | g "$i" -i "cat > /etc/systemd/system/qfio.service" &&
		g "$i" "systemctl enable -q qfio.service && quorumd --check-config -c /etc/qfence/quorumd.conf"
}

# --- set up -----------------------------------------------------------------
t=$SECONDS
if ! ROOTFS=$("$top/tests/lib/rootfs.sh" 2> "$out/rootfs.log"); then
	fail pkg-vm-rootfs "see $out/rootfs.log: $(tail -n 3 "$out/rootfs.log" | tr '\n' ' ')"
	finish; exit 1
fi
ok pkg-vm-rootfs
echo "    rootfs: $ROOTFS ($((SECONDS - t)) s)"
if ! cl_net; then fail pkg-vm-boot "cannot create the network namespace"; finish; exit 1; fi
truncate -s 64M "$out/shared.img"
for i in 1 2 3; do
	qemu-img create -q -f qcow2 -F qcow2 -b "$ROOTFS/root.qcow2" "$out/node$i.qcow2"
	truncate -s 32M "$out/own$i.img" && mkfs.ext4 -q -F "$out/own$i.img"
	vm_start "$i"
done
t=$SECONDS
if wait_all_agents 300 && poll 120 wait_running 1 1; then
	ok pkg-vm-boot
	echo "    first boot of 3 VMs: $((SECONDS - t)) s to the guest agents; $(g 1 systemd-analyze time | head -n 1)"
else
	fail pkg-vm-boot "no guest agent after $((SECONDS - t)) s (see $out/vm/node*.console)"
	finish; exit 1
fi

# --- dpkg -i in each VM (DKMS builds the module in the guest) --------------
t=$SECONDS
for i in 1 2 3; do
	g "$i" -t 1200 "mkdir -p /mnt/deb && mount -t 9p -o trans=virtio,ro qfdeb /mnt/deb &&
dpkg -i /mnt/deb/qfence-dkms_${V}_all.deb /mnt/deb/qfence-utils_${V}_amd64.deb" \
		> "$out/dpkg$i.log" 2>&1 &
	pids[$i]=$!
done
bad=
for i in 1 2 3; do wait "${pids[$i]}" || bad="$bad $i"; done
if [ -z "$bad" ] && g 1 "modinfo -F version qfence" | grep -qx "$V"; then
	ok pkg-vm-dpkg-install
	echo "    dpkg -i with the DKMS build, 3 VMs at once: $((SECONDS - t)) s"
else
	fail pkg-vm-dpkg-install "dpkg -i failed on node(s)$bad: $(tail -n 3 "$out/dpkg${bad# }.log" 2>/dev/null | tr '\n' ' ')"
	finish; exit 1
fi
# the key made once with the package's quorumctl keygen, copied to the others
g 1 "quorumctl keygen" > "$out/keygen.log" 2>&1 && g 1 "cat /etc/qfence/cluster.key" > "$out/cluster.key"
bad=
for i in 1 2 3; do configure "$i" > "$out/configure$i.log" 2>&1 || bad="$bad $i"; done
if [ -n "$bad" ]; then
	fail pkg-vm-configure "node(s)$bad: $(tail -n 3 "$out/configure${bad# }.log" | tr '\n' ' ')"
	finish; exit 1
fi
ok pkg-vm-configure

# --- the units come up by themselves on boot, in order ----------------------
for i in 1 2 3; do
	bid[$i]=$(g "$i" cat /proc/sys/kernel/random/boot_id)
	g "$i" -t 10 "systemctl reboot" > /dev/null 2>&1
done
t=$SECONDS
for i in 1 2 3; do poll 300 booted_again "$i" "${bid[$i]}"; done
for i in 1 2 3; do poll 120 wait_running "$i" 1; done
boot_s=$((SECONDS - t))
why=
for i in 1 2 3; do
	ts=$(g "$i" "systemctl show -P ActiveEnterTimestampMonotonic systemd-modules-load.service \
quorumd.service qfence-fencetab.service srv-qf.mount" | tr '\n' ' ')
	loaded=$(g "$i" "journalctl -b -u systemd-modules-load.service | grep -c qfence")
	read -r m q f mnt <<< "$ts"
	if [ "${loaded:-0}" -lt 1 ]; then why="$why node $i: systemd-modules-load did not load qfence;"
	elif ! [ "${m:-0}" -gt 0 ] || ! [ "${q:-0}" -ge "$m" ] || ! [ "${f:-0}" -ge "$q" ] ||
		! [ "${mnt:-0}" -ge "$f" ] || [ "$mnt" -eq 0 ]; then
		why="$why node $i: active at (us) modules-load=$m quorumd=$q fencetab=$f mount=$mnt;"
	fi
done
if [ -z "$why" ]; then ok pkg-vm-units-boot-in-order; else fail pkg-vm-units-boot-in-order "$why"; fi
echo "    boot with the packages: $boot_s s to running; $(g 1 systemd-analyze time | head -n 1)"
if poll 60 all_armed && has_leader &&
	g 1 quorumctl status > /dev/null; then
	n=$(g 1 quorumctl --json status | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["members"]))')
	if [ "$n" = 3 ]; then ok pkg-vm-status-three-armed; else fail pkg-vm-status-three-armed "members: $n"; fi
else
	fail pkg-vm-status-three-armed "kernel states: $(kstate 1) $(kstate 2) $(kstate 3), leader $(leader)"
	g 1 quorumctl status | sed 's/^/    | /'
fi
g 1 quorumctl status > "$out/status1.txt" 2>&1

. "$here/vm-cases2.sh"
finish
