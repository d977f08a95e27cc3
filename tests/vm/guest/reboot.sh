#!/bin/sh
# The reboot action resets the machine: log_only is off, the lease's
# actions are io,reboot; once it expires the VM must go away by itself
# (qemu -no-reboot exits). The host judges: "armed reboot" here, the
# module's message on the console, qemu gone, and no end marker.
. /tests/lib.sh
action_boot reboot io,reboot
