# shellcheck shell=bash
# The restart, upgrade, leave, power-cycle and purge cases of
# tests/package/vm.sh (sourced by vm-cases.sh once the cluster is up).

# fails_all: the failed-write counts of the three writers, "a b c"
fails_all() { local i; for i in 1 2 3; do printf '%s ' "$(io_fails "$i")"; done; }
# fences_of I: the committed fence records node 1..3 agree on (the highest)
fences() { fences_all; }
gen_of() { st "$1" generation; }
follower() {	# a node that is not the leader
	local l i
	l=$(leader)
	for i in 3 2 1; do [ "$i" != "$l" ] && { echo "$i"; return; }; done
}
others() { local i; for i in 1 2 3; do [ "$i" = "$1" ] || printf '%s ' "$i"; done; }
# fails_of NODES...: their failed-write counts, "n:count ..."
fails_of() { local i; for i in "$@"; do printf '%s:%s ' "$i" "$(io_fails "$i")"; done; }
# writes_progress I: the writer of node I completed a write in the last 3 s
writes_progress() {
	local a b
	a=$(io_count "$1"); sleep 3; b=$(io_count "$1")
	[ "${b:-0}" -gt "${a:-0}" ]
}

# hitless CASE NODE CMD: CMD on NODE (a restart or an upgrade) must leave
# every lease armed in the same generation, record no NODE_FENCED, and fail
# no write through any fence device.
hitless() {
	local c=$1 n=$2 cmd=$3 f0 e0 g0 f1 e1 g1 why=
	f0=$(fences) e0=$(fails_all) g0=$(gen_of "$n")
	g "$n" -t 300 "$cmd" > "$out/$c.log" 2>&1 || why="'$cmd' failed: $(tail -n 2 "$out/$c.log" | tr '\n' ' ');"
	sleep 8	# more than L: a restart that lost the lease would show now
	poll 30 all_armed || why="$why kernel states $(kstate 1) $(kstate 2) $(kstate 3);"
	f1=$(fences) e1=$(fails_all) g1=$(gen_of "$n")
	[ "$f1" = "$f0" ] || why="$why fence records $f0 -> $f1;"
	[ "$g1" = "$g0" ] || why="$why node $n generation $g0 -> $g1;"
	[ "$e1" = "$e0" ] || why="$why failed writes $e0 -> $e1;"
	writes_progress "$n" || why="$why node $n's writer made no progress;"
	if [ -z "$why" ]; then ok "$c"; else fail "$c" "$why"; fi
}

io_refused() { ! io_once "$1" 2>/dev/null; }
fences_above() { [ "$(st "$(leader)" fences)" -gt "$1" ]; }

# --- restart is not leave ----------------------------------------------------
l=$(leader)
hitless pkg-vm-restart-leader-hitless "$l" "systemctl restart quorumd"
hitless pkg-vm-restart-follower-hitless "$(follower)" "systemctl restart quorumd"

# --- a dpkg -i of a rebuilt qfence-utils with a higher version ---------------
V2=$V+t1
v2=$out/v2
if mkdir -p "$v2/src" && (cd "$top" && tar -c --exclude=./build --exclude=./.git -f - .) |
	tar -x -C "$v2/src" -f - && echo "$V2" > "$v2/src/VERSION" &&
	sed -i "1s/($V)/($V2)/" "$v2/src/debian/changelog" &&
	make --no-print-directory -C "$v2/src" deb BUILD="$v2/build" > "$v2/deb.log" 2>&1; then
	deb2=$v2/build/deb/qfence-utils_${V2}_amd64.deb
	n=$(follower)
	for i in $(others "$n") "$n"; do
		g "$i" -i "cat > /root/qfence-utils.deb" < "$deb2"
	done
	hitless pkg-vm-upgrade-leader-hitless "$(leader)" "dpkg -i /root/qfence-utils.deb"
	hitless pkg-vm-upgrade-follower-hitless "$n" "dpkg -i /root/qfence-utils.deb"
	if [ "$(g "$n" quorumd --version | awk '{print $2}')" = "$V2" ]; then
		ok pkg-vm-upgrade-runs-new-version
	else
		fail pkg-vm-upgrade-runs-new-version "quorumd --version: $(g "$n" quorumd --version)"
	fi
else
	fail pkg-vm-upgrade-leader-hitless "could not build $V2 (see $v2/deb.log)"
fi

# --- quorumctl leave: IO stops, NODE_FENCED(left), rejoin restores -----------
n=$(follower)
e0=$(fails_of $(others "$n")) f0=$(fences)
why=
g "$n" "quorumctl leave" > "$out/leave.log" 2>&1 || why="quorumctl leave: $(tail -n 1 "$out/leave.log");"
poll 30 io_refused "$n" ||
	why="$why node $n's IO still admitted after leave;"
reason() { g "$(leader)" quorumctl --json status | python3 -c '
import json, sys
for m in json.load(sys.stdin)["members"]:
    if m["id"] == int(sys.argv[1]):
        r = m.get("fence_reason")
        print(r.get("name", r) if isinstance(r, dict) else r)' "$n"; }
poll 60 fences_above "$f0" ||
	why="$why no NODE_FENCED recorded after leave;"
r=$(reason)
case $r in *left*) ;; *) why="$why fence reason '$r', want left;" ;; esac
g "$n" -t 60 "systemctl start quorumd" > /dev/null 2>&1
for try in $(seq 1 30); do g "$n" "quorumctl rejoin" > "$out/rejoin.log" 2>&1 && break; sleep 2; done
poll 60 io_once "$n" 2>/dev/null ||
	why="$why IO not restored after rejoin ($(tail -n 1 "$out/rejoin.log"));"
[ "$(fails_of $(others "$n"))" = "$e0" ] || why="$why the others' failed writes $e0 -> $(fails_of $(others "$n"));"
if [ -z "$why" ]; then ok pkg-vm-leave-fences-rejoin-restores; else fail pkg-vm-leave-fences-rejoin-restores "$why"; fi

# --- power-cycle one VM: back fenced, rejoin restores, the others keep IO ----
n=$(follower)
e0=$(fails_of $(others "$n"))
why=
vm_kill "$n"
vm_start "$n"
wait_agent "$n" 300 && poll 120 wait_running "$n" 1 || why="node $n did not boot again;"
if io_once "$n" 2>/dev/null; then why="$why node $n's IO admitted after the power cycle, before rejoin;"; fi
k=$(kstate "$n")
[ "$k" != armed ] || why="$why node $n's lease armed before rejoin;"
for try in $(seq 1 45); do g "$n" "quorumctl rejoin" > "$out/rejoin2.log" 2>&1 && break; sleep 2; done
poll 60 io_once "$n" 2>/dev/null ||
	why="$why IO not restored after rejoin ($(tail -n 1 "$out/rejoin2.log"));"
[ "$(fails_of $(others "$n"))" = "$e0" ] || why="$why the others' failed writes $e0 -> $(fails_of $(others "$n"));"
if [ -z "$why" ]; then ok pkg-vm-power-cycle-fenced-rejoin; else fail pkg-vm-power-cycle-fenced-rejoin "$why"; fi

# --- dpkg --purge removes every installed file, dkms status is empty ---------
n=3
g "$n" -t 120 "systemctl disable -q --now qfio; umount /srv/qf; quorumctl leave; qfence-fencetab stop;
dpkg -L qfence-utils qfence-dkms > /root/installed" > "$out/purge.log" 2>&1
g "$n" -t 600 "dpkg --purge qfence-utils qfence-dkms" >> "$out/purge.log" 2>&1
left=$(g "$n" 'while read -r f; do [ -d "$f" ] && continue; [ -e "$f" ] || [ -L "$f" ] && echo "$f"; done < /root/installed;
find /lib/modules -name "qfence.ko*"')
dk=$(g "$n" "dkms status 2>&1")
nf=$(g "$n" "grep -c . /root/installed")
if [ -n "$left" ] || [ -n "$dk" ] || [ "${nf:-0}" -lt 10 ]; then
	fail pkg-vm-purge-removes-all "left: $(echo $left); dkms status: $dk; dpkg -L listed ${nf:-0} paths"
else
	ok pkg-vm-purge-removes-all
fi
echo "    suite time: $(elapsed)"
