# shellcheck shell=bash
# A failing qfence makes the fence FAIL, never a false success: quorumd is
# stopped on both survivors (systemctl stop: the lease runs out, no leave),
# then the resource's node is cut. Every fence_qfence run finds no daemon
# (quorumctl exit 5), so Pacemaker must record no successful off of the
# node and must not start the resource on a survivor (design.md rule 5:
# nothing is declared fenced without the committed NODE_FENCED). The last
# case: it leaves the cluster without a working qfence.

V2=$(where 1 dummy | sed 's/^node//')
case $V2 in 1|2|3) ;; *) fail pcmk-no-daemon-fence-fails "dummy not running: '$V2'"; return 0 ;; esac
read -r F1 F2 <<< "$(others_of "$V2")"
since=$(g "$F1" -t 10 "date +%s")
ok0=$(fence_hist "$F1" "node$V2" "off|reboot")
for s in "$F1" "$F2"; do g "$s" -t 60 "systemctl stop quorumd" > /dev/null 2>&1; done
mark "quorumd stopped on $F1 $F2, cut node $V2"
isolate "$V2"
t=$SECONDS
failed_attempt() {
	g "$F1" -t 60 "journalctl -q --since @$since | grep -v qemu-ga | grep -E \"pacemaker-fenced.*Operation .(off|reboot). .*targeting node$V2.*(failed|error|Error|timed out|returned [1-9])\"" 2>/dev/null |
		grep -q .
}
poll 180 failed_attempt; seen=$((SECONDS - t))
# and then some more time in which a false success would show
sleep 30
now_ok=$(fence_hist "$F1" "node$V2" "off|reboot")
started=$(jtime "$F1" "Result of start operation for dummy on node($F1|$F2): ok" "$since")
[ -z "$started" ] && started=$(jtime "$F2" "Result of start operation for dummy on node($F1|$F2): ok" "$since")
if [ "$now_ok" != "$ok0" ] && [ "${now_ok%% *}" = success ]; then
	fail pcmk-no-daemon-fence-fails "Pacemaker recorded a successful fence of node$V2 without quorumd: $now_ok"
elif ! failed_attempt; then
	fail pcmk-no-daemon-fence-fails "no failed fencing of node$V2 recorded in node$F1's journal after $seen s"
elif [ -n "$started" ]; then
	fail pcmk-no-daemon-fence-fails "dummy started on a survivor at $started without a fence"
else
	ok pcmk-no-daemon-fence-fails
	echo "    quorumd stopped on node$F1 node$F2, node$V2 cut: first failed fence after $seen s, $((SECONDS - t)) s later no success recorded and dummy not started on a survivor"
fi
g "$F1" -t 60 "journalctl -q -o short-unix --since @$since | grep -E 'pacemaker-fenced|fence_qfence'" > "$PM_DIR/journal.nodaemon.node$F1.txt" 2>&1
