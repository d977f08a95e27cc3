#!/bin/sh
# (Re)start this node's quorumd in the background, its log on the serial
# port. Used at boot and by the daemon-kill scenario.
export PATH=/bin
id=$(cat /run/qf/self)
quorumd -f -c /etc/qf/n$id.conf > /dev/ttyS1 2>&1 &
echo $! > /run/qf/quorumd.pid
echo "N $(cut -d' ' -f1 /proc/uptime) node $id: quorumd started, pid $!" > /dev/ttyS1
