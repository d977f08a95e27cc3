# shellcheck shell=bash
# The cut of the resource's node and its unfencing (sourced by cases-cut.sh
# and tests/bench/pacemaker.bench.sh).
# Cut the resource's node: Pacemaker fences it through fence_qfence, the
# fence is reported done only after NODE_FENCED for the node's current
# generation is committed (design.md rule 5: the record's commit on the
# node that ran the agent precedes Pacemaker's "fenced"), the resource runs
# again on a survivor; then the cut heals and unfencing (on = quorumctl
# rejoin) gives the node a new generation (design.md rule 7).

# fenced_ok I V: node I's Pacemaker recorded a successful off of nodeV
fenced_ok() { [ "$(fence_hist "$1" "node$2" "off|reboot" | cut -d' ' -f1)" = success ]; }
# runs_on_survivor: the resource runs on S1 or S2 (as S1 sees it)
runs_on_survivor() { local w; w=$(where "$S1" dummy); [ "$w" = "node$S1" ] || [ "$w" = "node$S2" ]; }

# pm_cut_measure V: cut nodeV, wait for Pacemaker's fence and the restart,
# check the order of the records. Prints the times; 0 iff all checks hold.
# Sets CUT_* (seconds after the cut, host clock) for the bench.
pm_cut_measure() {
	local v=$1 s gen0 since tc d rec idx tcommit tfenced tstart newnode
	read -r S1 S2 <<< "$(others_of "$v")"
	gen0=$(qst "$S1" gen "$v")
	[ -n "$gen0" ] || { WHY="no generation for node $v on node $S1"; return 1; }
	CUT_GEN=$gen0
	for s in "$S1" "$S2"; do OFF[$s]=$(offset "$s"); done
	since=$(g "$S1" -t 10 "date +%s")
	tc=$(date +%s.%N)
	mark "cut node $v (generation $gen0)"
	isolate "$v" || { WHY="nft cut failed"; return 1; }
	if ! poll 180 fenced_ok "$S1" "$v"; then
		WHY="no successful off of node$v in node$S1's fence history 180 s after the cut: $(fence_hist "$S1" "node$v" "off|reboot")"
		return 1
	fi
	poll 120 runs_on_survivor || { WHY="dummy not on a survivor: '$(where "$S1" dummy)'"; return 1; }
	d=$(fence_hist "$S1" "node$v" "off|reboot" | cut -d' ' -f3 | sed 's/^node//')
	case $d in "$S1"|"$S2") ;; *) WHY="fence delegate '$d' is not a survivor"; return 1 ;; esac
	rec=$(qst "$d" fence "$v" "$gen0")
	[ -n "$rec" ] || { WHY="node $d (ran the agent) has no committed NODE_FENCED for node $v generation $gen0"; return 1; }
	read -r idx tcommit <<< "$rec"
	tfenced=$(jtime "$d" "pacemaker-fenced.*Operation .(off|reboot). targeting node$v by node$d .*: OK" "$since")
	[ -n "$tfenced" ] || { WHY="no 'off targeting node$v ... OK' in node $d's journal"; return 1; }
	newnode=$(where "$S1" dummy | sed 's/^node//')
	tstart=$(jtime "$newnode" "Result of start operation for dummy on node$newnode: ok" "$since")
	[ -n "$tstart" ] || { WHY="no start of dummy in node $newnode's journal"; return 1; }
	CUT_COMMIT=$(sub "$(sub "$tcommit" "-${OFF[$d]}")" "$tc")
	CUT_FENCED=$(sub "$(sub "$tfenced" "-${OFF[$d]}")" "$tc")
	CUT_STARTED=$(sub "$(sub "$tstart" "-${OFF[$newnode]}")" "$tc")
	CUT_DELEGATE=$d CUT_NEWNODE=$newnode
	echo "    cut node$v -> NODE_FENCED gen $gen0 committed (index $idx, on node$d) $CUT_COMMIT s -> Pacemaker fenced (node$d) $CUT_FENCED s -> dummy started on node$newnode $CUT_STARTED s"
	# the order on one clock (node d's): the commit precedes "fenced"
	le "$tcommit" "$tfenced" || { WHY="Pacemaker declared node$v fenced at $tfenced, before NODE_FENCED committed at $tcommit (node $d's clock)"; return 1; }
	# the commit is of this cut, not an earlier record
	le 0 "$CUT_COMMIT" || { WHY="the NODE_FENCED record predates the cut ($CUT_COMMIT s)"; return 1; }
	le "$tfenced" "$(sub "$tstart" "$(sub "${OFF[$d]}" "${OFF[$newnode]}")")" ||
		{ WHY="dummy started before the fence was confirmed"; return 1; }
	case $(qst "$S2" flags "$v") in *fenced*) ;; *) WHY="node $S2 does not show node $v fenced: $(qst "$S2" flags "$v")"; return 1 ;; esac
}

# pm_heal_unfence V GEN0: heal the cut; the victim's Pacemaker, which
# stops once it learns it was fenced, is started again (what a reboot
# does); Pacemaker unfences it (on = quorumctl rejoin --wait): the newest
# fencing event of nodeV is a successful on, its qfence generation is above
# GEN0, its lease armed, 3 nodes online. Sets UNF_S, UNF_GEN, UNF_PSTATE.
unfenced() {
	# the newest fencing event of the node is a successful on
	case $(fence_hist "$S1" "node$V" "on|off|reboot") in "success "*" on") ;; *) return 1 ;; esac &&
		[ "$(qst "$S1" gen "$V")" -gt "$UNF_GEN0" ] 2>/dev/null &&
		[ "$(qst "$V" kernel_state)" = armed ] && crm_online "$S1"
}
pm_heal_unfence() {
	local t=$SECONDS
	V=$1 UNF_GEN0=$2
	heal
	sleep 20
	UNF_PSTATE=$(g "$V" -t 30 "systemctl is-active pacemaker" 2>/dev/null)
	g "$V" -t 60 "systemctl restart pacemaker" > /dev/null 2>&1
	if ! poll 240 unfenced; then
		WHY="newest fencing: '$(fence_hist "$S1" "node$V" "on|off|reboot")', generation $(qst "$S1" gen "$V") (was $UNF_GEN0), node$V kernel $(qst "$V" kernel_state), pacemaker $(g "$V" -t 20 systemctl is-active pacemaker)"
		return 1
	fi
	UNF_S=$((SECONDS - t)) UNF_GEN=$(qst "$S1" gen "$V")
}
declare -A OFF
