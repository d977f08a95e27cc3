#!/bin/sh
# The panic action panics the kernel (panic=-1: the VM resets at once and
# qemu -no-reboot exits). The host judges from the console ("Kernel panic").
. /tests/lib.sh
action_boot panic io,panic
