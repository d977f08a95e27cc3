# shellcheck shell=bash
# The cut of the resource's node, then unfencing (sourced by cases.sh;
# the checks are in cut.sh).
# shellcheck source=cut.sh
. "$here/cut.sh"
V=$(where 1 dummy | sed 's/^node//')
case $V in 1|2|3) ;; *) fail pcmk-cut "dummy not running before the cut: '$V'"; finish; exit 1 ;; esac
echo "    victim node$V (runs dummy), qfence leader $(qf_leader 1), DC $(g 1 -t 30 "crm_mon -1 -X" | sed -n 's/.*current_dc.*name="\([^"]*\)".*/\1/p')"
WHY=
if pm_cut_measure "$V"; then ok pcmk-cut-fenced-through-qfence; else fail pcmk-cut-fenced-through-qfence "$WHY"; fi
for s in $(others_of "$V"); do
	g "$s" -t 60 "journalctl -q -o short-unix -b | grep -E 'pacemaker-(fenced|controld)|quorumd|fence_qfence'" > "$PM_DIR/journal.cut.node$s.txt" 2>&1
done


if pm_heal_unfence "$V" "$CUT_GEN"; then
	ok pcmk-unfence-rejoin
	echo "    heal -> 20 s later pacemaker on node$V was '$UNF_PSTATE' (restarted); unfenced by Pacemaker (on = quorumctl rejoin), node$V armed with generation $UNF_GEN (was $CUT_GEN), 3 nodes online: $UNF_S s after the heal"
else
	fail pcmk-unfence-rejoin "$WHY"
fi
g "$S1" -t 30 "crm_mon -1" > "$PM_DIR/crm_mon.unfenced.txt" 2>&1
