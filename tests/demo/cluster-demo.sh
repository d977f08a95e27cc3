#!/bin/bash
# SPDX-License-Identifier: MIT
# The qfence demo: a real split brain on a shared disk, three QEMU VMs.
#
# Boots three VMs (qfence.ko, quorumd, a writer each) on one shared raw
# disk and a private bridge, cuts the node that owns the contested region
# off the network, and shows live how its kernel fences its IO, how the
# majority commits NODE_FENCED only after W, and how another node takes
# the region over. Then it heals, rejoins, checks the disk (stale_writes
# must be 0), prints the timeline and the path of the plot. The VMs' logs
# stay under build/cluster/demo/vm/.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=tests/cluster/lib.sh
. "$top/tests/cluster/lib.sh"
CL_REBOOT_NODE=0
dir=$BUILD/cluster/demo
rm -rf "$dir/vm"
echo "qfence demo: 3 VMs, one shared disk, one split brain (takes a few minutes under TCG)"
cl_up "$dir" || { echo "demo: the cluster did not come up (logs: $dir)"; exit 1; }
L=$(cl_leader) V=$(cl_owner)
echo
on "$L" "quorumctl status" | sed -n '/^members:/,/^$/p'
echo "node $V owns the contested region (it writes there every ${CL_PERIOD} ms); leader is node $L"
echo
echo ">>> cutting node $V off the network"
t0=$(now_ns)
echo "$t0 partition isolate $V" >> "$CL_DIR/nemesis.log"
isolate "$V"
line() {
	local i s out="" st dl nw
	for i in $(seq 1 "$CL_N"); do
		s=$(on "$i" "qlease get qf$i" 2>/dev/null)
		st=$(echo "$s" | sed -n 's/^state=//p'); dl=$(echo "$s" | sed -n 's/^deadline_ns=//p')
		nw=$(echo "$s" | sed -n 's/^now_ns=//p')
		if [ "$st" = armed ] && [ -n "$dl" ] && [ -n "$nw" ]; then
			out="$out  node $i: armed $(( (dl - nw) / 1000000 )) ms left |"
		else
			out="$out  node $i: ${st:-?} |"
		fi
	done
	echo "$out"
}
end=$((SECONDS + 40)) seen=
while [ $SECONDS -lt $end ]; do
	el=$(( ($(now_ns) - t0) / 1000000 ))
	f=""
	for i in $(others_of "$V"); do fence_committed "$i" "$V" && { f="NODE_FENCED($V) committed"; break; }; done
	o=$(cl_owner)
	printf '+%5d ms %s %s owner: node %s\n' "$el" "$(line)" "${f:-no fence record yet,}" "$o"
	if [ "$o" != "$V" ] && [ "$o" != 0 ]; then
		[ -n "$seen" ] && break
		seen=1
	fi
	sleep 0.3
done
echo ">>> healing the network; node $V rejoins with a new generation"
cl_recover || echo "demo: recovery: $WHY"
cl_check
echo
echo "timeline (host time, from the VMs' logs):"
python3 "$top/tests/cluster/plot.py" "$dir" "$dir/timeline.svg" "$t0"
echo
echo "checker: $(tail -n 1 "$dir/check.out")   (details: $dir/check.out)"
echo "logs:    $dir/vm/qfnode{1,2,3}.out (quorumd Q/W/H lines), $dir/vm/*.console"
[ "${CL_STALE:-1}" = 0 ]
