#!/bin/bash
# qfence inside a real Pacemaker cluster: three Debian 12 VMs (systemd,
# corosync 3, Pacemaker 2.1 from Debian), a stonith:fence_qfence device and
# an ocf:heartbeat:Dummy resource. Every verdict is taken from what the
# cluster records (crm_mon, stonith_admin --history, the journal of the
# Pacemaker daemons, quorumctl status on a survivor), never from what the
# agent prints. Prints "ok CASE" / "FAIL CASE: why", the measured times
# and its summary line. See tests/pacemaker/README.md.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
. "$here/lib.sh"
PM_DIR=${PM_DIR:-$BUILD/pacemaker}
# shellcheck disable=SC2034 # tests/cluster/lib.sh (mark) writes there
CL_DIR=$PM_DIR
passed=0 failed=0
ok() { echo "ok $1"; passed=$((passed + 1)); }
fail() { echo "FAIL $1: $2"; failed=$((failed + 1)); }
finish() { echo "pacemaker: $passed passed, $failed failed"; [ "$failed" -eq 0 ]; }
# PM_HOLD=FILE: before tearing down, wait while FILE exists (debugging)
hold() { while [ -n "${PM_HOLD:-}" ] && [ -e "$PM_HOLD" ]; do sleep 2; done; }
rm -rf "$PM_DIR" && mkdir -p "$PM_DIR/vm"
T0=$SECONDS
trap 'hold; cl_cleanup' EXIT
trap 'exit 130' INT TERM

. "$here/setup.sh"
. "$here/cases.sh"
echo "    suite run time: $((SECONDS - T0)) s"
finish
