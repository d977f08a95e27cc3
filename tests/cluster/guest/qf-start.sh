#!/bin/sh
# (Re)start this node's quorumd in the background, its log on the serial
# port. Used at boot and by the daemon-kill scenario. Nodes whose module was
# loaded with log_only=1 (CL_LOG_ONLY_NODES) must say so to quorumd,
# which otherwise refuses a module that would not enforce the settle bound.
export PATH=/bin
id=$(cat /run/qf/self)
extra=
[ "$(cat /sys/module/qfence/parameters/log_only 2>/dev/null)" = Y ] &&
	extra=--allow-log-only
# /run/qf/logonly (set by the host before the go): a lease whose reboot and
# settle escalation only log (actions = io,log-only), for the one scenario
# that shows what the checker sees when F is not enforced.
conf=/etc/qf/n$id.conf
[ -e /run/qf/logonly ] && conf=/etc/qf/n$id.logonly.conf
echo "$conf" > /run/qf/conf
quorumd $extra -f -c $conf > /dev/ttyS1 2>&1 &
echo $! > /run/qf/quorumd.pid
echo "N $(cut -d' ' -f1 /proc/uptime) node $id: quorumd started, pid $! $extra conf $conf" > /dev/ttyS1
