#!/bin/sh
# Helpers shared by the guest test scripts (busybox ash).
#
# A case is a function run in a subshell with `set -e`; it fails when a
# command fails or when it calls `die WHY`. run_case prints `ok NAME` or
# `FAIL NAME: WHY` followed by the case's own output, indented.
export PATH=/bin DM_DISABLE_UDEV=1
PASSED=0
FAILED=0

die() {
	echo "$*" > /tmp/why
	exit 1
}

run_case() {
	_name=$1
	shift
	: > /tmp/why
	(set -e; "$@") > /tmp/case.log 2>&1
	_rc=$?
	if [ $_rc -eq 0 ]; then
		echo "ok $_name"
		PASSED=$((PASSED + 1))
	else
		_why=$(head -n 1 /tmp/why)
		[ -n "$_why" ] || _why="exit $_rc: $(tail -n 1 /tmp/case.log)"
		echo "FAIL $_name: $_why"
		FAILED=$((FAILED + 1))
		sed 's/^/    | /' /tmp/case.log | tail -n 30
	fi
}

summary() {
	echo "guest: $PASSED passed, $FAILED failed"
	[ $FAILED -eq 0 ]
}

# --- lease and device helpers -------------------------------------------
KO=/lib/modules/$(uname -r)/extra/qfence.ko

# field LEASE KEY: one value of the kernel's view (qlease get).
field() {
	qlease get "$1" | sed -n "s/^$2=//p"
}

# expect_field LEASE KEY VALUE
expect_field() {
	_v=$(field "$1" "$2")
	[ "$_v" = "$3" ] || die "$1: $2 is '$_v', want '$3'"
}

# wait_state LEASE STATE: poll (10 ms) until the lease is in STATE.
wait_state() {
	qlease wait "$1" "$2" "${3:-10000}" || die "$1 never became $2"
}

# wait_kernel_time LEASE NS: poll until the kernel's clock (the lease's
# now_ns) has reached NS. For "nothing may happen until then" checks.
wait_kernel_time() {
	_i=0
	while [ "$(field "$1" now_ns)" -lt "$2" ]; do
		_i=$((_i + 1))
		[ $_i -lt 3000 ] || die "kernel clock never reached $2"
		usleep 10000
	done
}

# expect_io r|w DEVICE RESULT: one O_DIRECT 4 KiB IO gives RESULT (ok, EIO)
expect_io() {
	_r=$(dio "$1" "$2" ${4:-0} || true)
	[ "$_r" = "$3" ] || die "$1 on $2: got '$_r', want '$3'"
}

# ensure_armed LEASE [MS]: renew (after an unfence if it expired meanwhile).
ensure_armed() {
	_g=$(field "$1" generation)
	if [ "$(field "$1" state)" = fenced ]; then
		_g=$((_g + 1))
		qc lease unfence "$1" --generation $_g
	fi
	qc lease renew "$1" --generation "$_g" --in-ms "${2:-8000}"
}

# qc ARGS: quorumctl, echoed (the case log shows what ran).
qc() {
	echo "+ quorumctl $*"
	quorumctl "$@"
}

# refused ERRNO ARGS: quorumctl ARGS must exit 1 naming ERRNO.
refused() {
	_e=$1
	shift
	echo "+ quorumctl $* (must fail with $_e)"
	_rc=0
	_o=$(quorumctl "$@" 2>&1) || _rc=$?
	echo "$_o"
	[ $_rc -eq 1 ] || die "quorumctl $*: exit $_rc, want 1 ($_e)"
	echo "$_o" | grep -q "$_e" || die "quorumctl $*: no $_e in: $_o"
}

# sectors DEVICE
sectors() {
	blockdev --getsz "$1"
}

# mkfence DMNAME DEVICE LEASE
mkfence() {
	echo "+ dmsetup create $1: 0 $(sectors "$2") qfence $2 $3"
	dmsetup create "$1" --table "0 $(sectors "$2") qfence $2 $3"
}

# dm_info DMNAME: the status line's INFO part "<state> <failed> <inflight>"
dm_info() {
	dmsetup status "$1" | sed 's/^[0-9]* [0-9]* qfence //'
}

# events_start FILE COUNT LEASE [TIMEOUT_MS]: a listener for LEASE's events
# in the background, returned only once subscribed. events_wait collects it.
events_start() {
	rm -f "$1.ready" "$1.rc"
	# set +e: under the case's set -e a short count would skip writing rc.
	(set +e; qlease events "${4:-10000}" "$2" "$1.ready" "$3" > "$1" 2>"$1.err"; echo $? > "$1.rc") &
	_i=0
	while [ ! -e "$1.ready" ]; do
		_i=$((_i + 1))
		[ $_i -lt 500 ] || die "event listener never subscribed"
		[ ! -e "$1.rc" ] || die "event listener died: $(cat "$1.err")"
		usleep 10000
	done
}
# The listener may belong to another case's subshell (not our child): poll
# for its exit status; it ends by itself at its own timeout.
events_wait() {
	_i=0
	while [ ! -e "$1.rc" ]; do
		_i=$((_i + 1))
		[ $_i -lt 6000 ] || die "event listener never ended"
		usleep 10000
	done
	echo "events:"
	sed 's/^/  /' "$1"
	return "$(cat "$1.rc")"
}

# ev FILE EVENT KEY: value of KEY in the first EVENT line of FILE.
ev() {
	grep -m1 "^event=$2 " "$1" | tr ' ' '\n' | sed -n "s/^$3=//p"
}

# nobody ARGS: quorumctl ARGS as uid 65534 must exit 1 with EPERM.
nobody_refused() {
	echo "+ dropuid 65534 quorumctl $* (must fail with EPERM)"
	_rc=0
	_o=$(dropuid 65534 quorumctl "$@" 2>&1) || _rc=$?
	echo "$_o"
	[ $_rc -eq 1 ] || die "as nobody: quorumctl $*: exit $_rc, want 1 (EPERM)"
	echo "$_o" | grep -q EPERM || die "as nobody: quorumctl $*: no EPERM in: $_o"
}

# action_setup NAME: load the module for real actions (log_only off).
action_setup() {
	[ -f "$KO" ] || { echo "FAIL $1-setup: qfence.ko is not in the initramfs"; return 1; }
	command -v quorumctl > /dev/null || { echo "FAIL $1-setup: no quorumctl"; return 1; }
	modprobe qfence || { echo "FAIL $1-setup: modprobe qfence"; return 1; }
	[ "$(cat /sys/module/qfence/parameters/log_only)" = N ] ||
		{ echo "FAIL $1-setup: log_only is on"; return 1; }
}

# action_wait NAME LEASE: wait for the VM to die; still being alive after
# 30 s (polled) is a failure. Print "armed NAME" before the trigger.
action_wait() {
	i=0
	while [ $i -lt 300 ]; do
		usleep 100000
		i=$((i + 1))
	done
	echo "FAIL action-$1: the VM is still alive 30 s after arming (state $(field "$2" state))"
	return 1
}

# action_boot NAME ACTIONS: arm a lease whose expiry must end the VM.
action_boot() {
	action_setup "$1" || return 1
	quorumctl lease new act --generation 1 --max-lease-ms 10000 --actions "$2" ||
		{ echo "FAIL $1-setup: cannot create the lease"; return 1; }
	echo "armed $1"
	quorumctl lease renew act --generation 1 --in-ms 300 ||
		{ echo "FAIL $1-setup: cannot arm the lease"; return 1; }
	action_wait "$1" act
}

# settle_setup LEASE DMNAME [new options]: a qfence device over dm-delay
# (2 s) with a 200 ms settle bound, armed, and one write in flight on it.
settle_setup() {
	[ -b /dev/ram1 ] || modprobe brd rd_nr=2 rd_size=16384
	modprobe dm-mod
	modprobe dm-delay
	[ -b /dev/mapper/dly ] || dmsetup create dly --table "0 $(sectors /dev/ram1) delay /dev/ram1 0 2000"
	_l=$1 _d=$2
	shift 2
	qc lease new "$_l" --generation 1 --max-lease-ms 20000 --settle-ms 200 "$@"
	mkfence "$_d" /dev/mapper/dly "$_l"
	qc lease renew "$_l" --generation 1 --in-ms 15000
	dio w /dev/mapper/$_d > /tmp/$_l.io &
	echo $! > /tmp/$_l.iopid
	i=0
	while [ "$(field "$_l" ios_inflight)" != 1 ]; do
		i=$((i + 1)); [ $i -lt 500 ] || die "the delayed write never showed as in flight"
		usleep 10000
	done
}
