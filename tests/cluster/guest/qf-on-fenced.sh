#!/bin/sh
# on_fenced hook: NODE_FENCED(NODE, GEN) is committed on this node. The
# lowest-numbered member that is neither NODE nor fenced in its current
# generation claims the contested region; the writer takes it only if the
# newest contested record on disk belongs to exactly (NODE, GEN).
# Shell builtins where they do (read, echo): under TCG every fork and exec
# costs tens of milliseconds, and this hook is on the takeover's path.
export PATH=/bin
x=$1 g=$2
read -r self < /run/qf/self
say() { read -r up _ < /proc/uptime; echo "H $up node $self: $*" > /dev/ttyS1; }
say "on_fenced node=$x gen=$g"
[ "$x" = "$self" ] && exit 0
best=$(quorumctl status | awk -v x="$x" '
	/^members:/ { m = 1; next }
	m && NF == 0 { m = 0 }
	m && $1 ~ /^[0-9]+$/ && $1 != x && $5 != $4 && (b == "" || $1 + 0 < b + 0) { b = $1 }
	END { print b }')
say "claimer for node $x gen $g: ${best:-none}"
[ "$best" = "$self" ] || exit 0
echo "$x $g" > /run/qf/claim.tmp && mv /run/qf/claim.tmp /run/qf/claim
