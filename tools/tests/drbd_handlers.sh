#!/bin/sh
# qfence-drbd-fence-peer / -unfence-peer against a fake quorumctl: exit 7
# only after a committed fence, 1 for everything else (never 5, "assumed
# dead"); peers mapped before anything is asked.
#   tests/drbd_handlers.sh TOOLS_DIR
# Prints "ok NAME" / "FAIL NAME: why" per case.
T=${1:-$(dirname "$0")/..}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The fake appends its arguments to $tmp/calls, prints $tmp/msg to stderr
# and exits with $tmp/rc.
cat >"$tmp/quorumctl" <<'FAKE'
#!/bin/sh
d=$(dirname "$0")
echo "$*" >>"$d/calls"
cat "$d/msg" >&2 2>/dev/null
exit "$(cat "$d/rc")"
FAKE
chmod +x "$tmp/quorumctl"
printf '# DRBD node id or host name, qfence node id\n1 2\nbeta 2\ngamma 3 # third\n' >"$tmp/map"

# run NAME HANDLER WANT_RC WANT_CALLS FAKE_RC FAKE_MSG VAR=VALUE...
run() {
	name=$1 h=$2 want=$3 calls=$4
	echo "$5" >"$tmp/rc"
	printf '%s' "$6" >"$tmp/msg"
	shift 6
	rm -f "$tmp/calls"
	env -i PATH="$PATH" QUORUMCTL="$tmp/quorumctl" QFENCE_DRBD_MAP="$tmp/map" \
		DRBD_RESOURCE=r0 "$@" "$T/$h" >"$tmp/out" 2>&1
	rc=$?
	got=$(cat "$tmp/calls" 2>/dev/null | tr '\n' ';')
	if [ "$rc" -ne "$want" ]; then
		echo "FAIL $name: exit $rc, want $want: $(tr '\n' ' ' <"$tmp/out")"
	elif [ "$got" != "$calls" ]; then
		echo "FAIL $name: calls \"$got\", want \"$calls\""
	else
		echo "ok $name"
	fi
}

F=qfence-drbd-fence-peer U=qfence-drbd-unfence-peer
run "drbd: fenced peer is 7" $F 7 "fence 2 --wait;" 0 "" DRBD_PEER_NODE_ID=1
run "drbd: by host name" $F 7 "fence 2 --wait;" 0 "" DRBD_PEERS=beta
run "drbd: every peer" $F 7 "fence 2 --wait;fence 3 --wait;" 0 "" "DRBD_PEERS=beta gamma"
run "drbd: timeout passed on" $F 7 "fence 2 --wait --timeout-ms 9000;" 0 "" \
	DRBD_PEER_NODE_ID=1 QFENCE_TIMEOUT_MS=9000
run "drbd: not committed (minority) is 1" $F 1 "fence 2 --wait;" 6 "not committed" DRBD_PEER_NODE_ID=1
run "drbd: no daemon is 1" $F 1 "fence 2 --wait;" 5 "not running" DRBD_PEER_NODE_ID=1
run "drbd: refused is 1" $F 1 "fence 2 --wait;" 1 "not the leader" DRBD_PEER_NODE_ID=1
run "drbd: unmapped peer is 1, nothing asked" $F 1 "" 0 "" DRBD_PEER_NODE_ID=7
run "drbd: one unmapped peer, nothing asked" $F 1 "" 0 "" "DRBD_PEERS=beta delta"
run "drbd: commented id is not a mapping" $F 1 "" 0 "" DRBD_PEERS=third
run "drbd: no peer is 1" $F 1 "" 0 ""
run "drbd: second peer fails, 1" $F 1 "fence 2 --wait;" 6 "" "DRBD_PEERS=beta gamma"
run "drbd: unfence rejoins" $U 0 "rejoin 2;" 0 "" DRBD_PEER_NODE_ID=1
run "drbd: unfence of an unfenced peer" $U 0 "rejoin 2;" 1 "refused (not-fenced)" DRBD_PEER_NODE_ID=1
run "drbd: unfence failure is 1" $U 1 "rejoin 2;" 5 "not running" DRBD_PEER_NODE_ID=1
