# shellcheck shell=bash
# tests/pacemaker: build, boot, install, start the stack (sourced by run.sh).

t=$SECONDS
if ! cl_build "$PM_DIR/build.log"; then
	fail pcmk-build "see $PM_DIR/build.log: $(tail -n 3 "$PM_DIR/build.log" | tr '\n' ' ')"
	finish; exit 1
fi
# shellcheck disable=SC2086
if ! ROOTFS=$("$PM_TOP/tests/lib/rootfs.sh" --extra "$PM_EXTRA" 2> "$PM_DIR/rootfs.log"); then
	fail pcmk-rootfs "see $PM_DIR/rootfs.log: $(tail -n 3 "$PM_DIR/rootfs.log" | tr '\n' ' ')"
	finish; exit 1
fi
echo "    build and rootfs $ROOTFS: $((SECONDS - t)) s"
if ! pm_stage || ! cl_net; then
	fail pcmk-boot "cannot stage the binaries or create the network namespace"
	finish; exit 1
fi
t=$SECONDS
for i in 1 2 3; do
	qemu-img create -q -f qcow2 -F qcow2 -b "$ROOTFS/root.qcow2" "$PM_DIR/node$i.qcow2"
	pm_vm_start "$i"
done
bad=
for i in 1 2 3; do pm_wait_agent "$i" 300 || bad="$bad $i"; done
if [ -n "$bad" ]; then
	fail pcmk-boot "no guest agent on node(s)$bad after $((SECONDS - t)) s (see $PM_DIR/vm/node*.console)"
	finish; exit 1
fi
ok pcmk-boot
echo "    boot of 3 VMs: $((SECONDS - t)) s to the guest agents"

# --- qfence, then corosync and Pacemaker -------------------------------------
t=$SECONDS
bad=
for i in 1 2 3; do pm_install "$i" > "$PM_DIR/install$i.log" 2>&1 & pids[$i]=$!; done
for i in 1 2 3; do wait "${pids[$i]}" || bad="$bad $i"; done
# --no-block: quorumd tells systemd it is ready once armed (a majority)
for i in 1 2 3; do g "$i" -t 30 "systemctl start --no-block quorumd" >> "$PM_DIR/install$i.log" 2>&1; done
if [ -z "$bad" ] && poll 120 qf_armed_all && qf_leader 1 > /dev/null; then
	ok pcmk-qfence-up
	echo "    qfence installed and armed on 3 nodes: $((SECONDS - t)) s, leader $(qf_leader 1)"
else
	fail pcmk-qfence-up "install failed on node(s)$bad, kernel states $(qst 1 kernel_state) $(qst 2 kernel_state) $(qst 3 kernel_state)"
	finish; exit 1
fi
t=$SECONDS
for i in 1 2 3; do g "$i" -t 30 "systemctl start --no-block corosync pacemaker" >> "$PM_DIR/install$i.log" 2>&1; done
if poll 300 crm_online 1; then
	ok pcmk-cluster-up
	echo "    corosync + pacemaker: 3 nodes online with a DC after $((SECONDS - t)) s"
else
	fail pcmk-cluster-up "not 3 nodes online after $((SECONDS - t)) s: $(g 1 -t 30 crm_mon -1 2>&1 | tr '\n' ' ' | cut -c1-300)"
	finish; exit 1
fi
