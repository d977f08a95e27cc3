#!/bin/sh
# on_fenced hook: NODE_FENCED(NODE, GEN) is committed on this node. The
# lowest-numbered member that is neither NODE nor fenced in its current
# generation claims the contested region; the writer takes it only if the
# newest contested record on disk belongs to exactly (NODE, GEN).
export PATH=/bin
x=$1 g=$2
self=$(cat /run/qf/self)
say() { echo "H $(cut -d' ' -f1 /proc/uptime) node $self: $*" > /dev/ttyS1; }
say "on_fenced node=$x gen=$g"
[ "$x" = "$self" ] && exit 0
best=$(quorumctl status | awk -v x="$x" '
	/^members:/ { m = 1; next }
	m && NF == 0 { m = 0 }
	m && $1 ~ /^[0-9]+$/ && $1 != x && $5 != $4 { print $1 }' | sort -n | head -n 1)
say "claimer for node $x gen $g: ${best:-none}"
[ "$best" = "$self" ] || exit 0
echo "$x $g" > /run/qf/claim.tmp && mv /run/qf/claim.tmp /run/qf/claim
