#!/bin/sh
# Smoke test of the harness itself: the VM reaches the test script.
. /tests/lib.sh
t_hello() { [ -e /proc/self ] || die "no /proc"; }
run_case vm-hello t_hello
summary
