#!/bin/sh
# (Re)start this node's quorumd in the background, its log on the serial
# port. Used at boot and by the daemon-kill scenario. Nodes whose module was
# loaded with log_only=1 (CL_LOG_ONLY_NODES, late-write-logonly) must say so to quorumd,
# which otherwise refuses a module that would not enforce the settle bound.
export PATH=/bin
id=$(cat /run/qf/self)
extra=
[ "$(cat /sys/module/qfence/parameters/log_only 2>/dev/null)" = Y ] &&
	extra=--allow-log-only
quorumd $extra -f -c /etc/qf/n$id.conf > /dev/ttyS1 2>&1 &
echo $! > /run/qf/quorumd.pid
echo "N $(cut -d' ' -f1 /proc/uptime) node $id: quorumd started, pid $! $extra" > /dev/ttyS1
