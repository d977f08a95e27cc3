#!/bin/sh
# fence_qfence against a fake quorumctl: what it asks quorumd, and that every
# failure (refusal, no daemon, minority/timeout, unknown node, a committed
# state that does not say fenced) is a failure, never a success.
#   tests/fence_qfence.sh AGENT
# Prints "ok NAME" / "FAIL NAME: why" per case. Needs Debian's fence-agents
# (the fencing library) and xmllint (scripts/deps.sh).
A=${1:-$(dirname "$0")/../fence_qfence}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The fake: "status" prints $tmp/status.json; "fence" and "rejoin" append
# their arguments to $tmp/calls and exit with $tmp/rc (default 0); a
# successful fence applies $tmp/after.json when it exists.
cat >"$tmp/quorumctl" <<'FAKE'
#!/bin/sh
d=$(dirname "$0")
shift 2		# --socket PATH
[ "$1" = --json ] && shift
case $1 in
status) cat "$d/status.json" ;;
fence|rejoin)
	echo "$*" >>"$d/calls"
	rc=$(cat "$d/rc" 2>/dev/null || echo 0)
	[ "$rc" -eq 0 ] && [ -f "$d/after.json" ] && cp "$d/after.json" "$d/status.json"
	[ "$rc" -ne 0 ] && echo "quorumctl: refused ($rc)" >&2
	exit "$rc" ;;
*) exit 2 ;;
esac
FAKE
chmod +x "$tmp/quorumctl"

member() { # ID FLAGS
	printf '{"id":%s,"role":"voter","generation":3,"flags":[%s]}' "$1" "$2"
}
cluster() { # status with node 2's flags $1
	printf '{"cluster":"c","members":[%s,%s]}\n' "$(member 1 '"leader","self"')" "$(member 2 "$1")"
}
alive=$(cluster '"active"')
fenced=$(cluster '"active","fenced"')

# run NAME WANT_RC STDOUT_NEEDLE WANT_CALLS INPUT: the agent with key=value
# INPUT on stdin; WANT_CALLS is the fake's call log ("" = none).
run() {
	name=$1 want=$2 needle=$3 calls=$4 input=$5
	rm -f "$tmp/calls"
	printf '%s\nquorumctl_path=%s\npower_timeout=3\n' "$input" "$tmp/quorumctl" |
		"$A" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	got=$(cat "$tmp/calls" 2>/dev/null)
	if [ "$rc" -ne "$want" ]; then
		echo "FAIL $name: exit $rc, want $want: $(tr '\n' ' ' <"$tmp/err" | cut -c1-200)"
	elif [ -n "$needle" ] && ! grep -qF -- "$needle" "$tmp/out" "$tmp/err"; then
		echo "FAIL $name: no \"$needle\" in: $(cat "$tmp/out" "$tmp/err" | tr '\n' ' ')"
	elif [ "$got" != "$calls" ]; then
		echo "FAIL $name: calls \"$got\", want \"$calls\""
	else
		echo "ok $name"
	fi
}

setup() { # STATUS_NOW STATUS_AFTER RC
	echo "$1" >"$tmp/status.json"
	rm -f "$tmp/after.json"
	[ -n "$2" ] && echo "$2" >"$tmp/after.json"
	echo "${3:-0}" >"$tmp/rc"
}

if "$A" -o metadata >"$tmp/meta.xml" 2>"$tmp/err" &&
	xmllint --noout --relaxng /usr/share/cluster/relaxng/metadata.rng "$tmp/meta.xml" 2>"$tmp/err"; then
	echo "ok agent: metadata validates against fence-agents' metadata.rng"
else
	echo "FAIL agent: metadata: $(head -n 3 "$tmp/err" | tr '\n' ' ')"
fi
if grep -q '<action name="on" automatic="1"/>' "$tmp/meta.xml"; then
	echo "ok agent: metadata provides unfencing (on automatic)"
else
	echo "FAIL agent: metadata has no automatic on"
fi

setup "$alive" "$fenced"
run "agent: off waits for the commit" 0 "Success: Powered OFF" \
	"fence 2 --wait --timeout-ms 3000" "action=off
port=2"
setup "$alive" "$fenced"
run "agent: names map to ids" 0 "Success: Powered OFF" \
	"fence 2 --wait --timeout-ms 3000" "action=off
port=beta
nodeid_map=alpha:1,beta:2"
setup "$alive" "$fenced"
run "agent: reboot is off" 0 "Success: Powered OFF" \
	"fence 2 --wait --timeout-ms 3000" "action=reboot
port=2"
setup "$alive" "" 6
run "agent: not committed in time (minority) fails" 1 "timed out" \
	"fence 2 --wait --timeout-ms 3000" "action=off
port=2"
setup "$alive" "" 1
run "agent: refused (not the leader) fails" 1 "refused" \
	"fence 2 --wait --timeout-ms 3000" "action=off
port=2"
setup "$alive" "" 5
run "agent: no daemon fails" 1 "Connection lost" \
	"fence 2 --wait --timeout-ms 3000" "action=off
port=2"
setup "$alive" "$alive"
run "agent: committed state not fenced: no guess" 1 "Timed out waiting to power OFF" \
	"fence 2 --wait --timeout-ms 3000" "action=off
port=2"
setup "$alive"
run "agent: unknown name fails before asking" 1 "unknown node" "" "action=off
port=gamma
nodeid_map=alpha:1,beta:2"
setup "$alive"
run "agent: not a member fails" 1 "plug is not available" "" "action=off
port=9"
setup "$alive"
run "agent: bad map refused" 1 "nodeid_map is not" "" "action=validate-all
port=2
nodeid_map=alpha=1"
setup "$alive"
run "agent: validate-all" 0 "" "" "action=validate-all
port=beta
nodeid_map=alpha:1,beta:2"
setup "$fenced"
run "agent: status off is 2" 2 "Status: OFF" "" "action=status
port=2"
setup "$alive"
run "agent: status on" 0 "Status: ON" "" "action=status
port=2"
setup "$fenced" "$alive"
run "agent: on rejoins and waits for the new generation" 0 "Success: Powered ON" \
	"rejoin 2 --wait --timeout 3" "action=on
port=2"
setup "$fenced" "$fenced"
# the library tries on 1 + retry_on (default 1) times
run "agent: on not committed fails" 1 "Timed out waiting to power ON" \
	"rejoin 2 --wait --timeout 3
rejoin 2 --wait --timeout 3" "action=on
port=2"
setup "$fenced"
run "agent: list maps ids to names" 0 "beta,2" "" "action=list
nodeid_map=alpha:1,beta:2"
echo '{"members":' >"$tmp/status.json"
run "agent: malformed status fails" 1 "not the JSON expected" "" "action=status
port=2"
