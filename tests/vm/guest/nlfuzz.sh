#!/bin/sh
# Random netlink requests (tests/vm/helpers/nlfuzz.c) against the module,
# as root and without CAP_NET_ADMIN, while IO runs through a fence device
# on the fuzzed family's lease fz0 and the device is suspended, resumed and
# reloaded in a loop. The cases are nlfuzz's own verdicts (a refused request
# changed no lease; nothing but GET accepted without the capability); the
# host's console check fails the boot on any splat, which is what the debug
# kernel (make check-vm-debug) is there to catch.
#
#   qargs=SEED,COUNT   (default: 1, 3000)
. /tests/lib.sh
SEED=${1:-1}
COUNT=${2:-3000}

t_setup() {
	modprobe brd rd_nr=1 rd_size=16384
	modprobe dm-mod
	[ -f "$KO" ] || die "qfence.ko is not in the initramfs"
	# log_only: an action a fuzzed request managed to ask for is logged,
	# not carried out (nlfuzz also forces ACTIONS=io on every LEASE_NEW).
	modprobe qfence log_only=1
	nlfuzz --setup || die "cannot create the lease fz0"
	mkfence fz /dev/ram0 fz0
}

# The racers, until /tmp/stop exists: O_DIRECT writes and reads through
# the fence device, and suspend/resume/reload of its table.
racers_start() {
	: > /tmp/io.count
	(while [ ! -e /tmp/stop ]; do
		dio w /dev/mapper/fz 0 > /dev/null 2>&1
		dio r /dev/mapper/fz 8 > /dev/null 2>&1
		echo >> /tmp/io.count
	done) &
	IO_PID=$!
	: > /tmp/dm.count
	(t="0 $(sectors /dev/ram0) qfence /dev/ram0 fz0"
	while [ ! -e /tmp/stop ]; do
		dmsetup suspend fz; dmsetup resume fz
		dmsetup reload fz --table "$t"; dmsetup resume fz
		echo >> /tmp/dm.count
	done) > /dev/null 2>&1 &
	DM_PID=$!
}

racers_stop() {
	touch /tmp/stop
	wait "$IO_PID" "$DM_PID"
	echo "racers: $(wc -l < /tmp/io.count) IO rounds, $(wc -l < /tmp/dm.count) suspend/reload rounds"
}

# fuzz MODE CMD...: nlfuzz prints its own ok/FAIL line and the answers it
# saw; one that died before its verdict is a failure too.
fuzz() {
	_m=$1
	shift
	"$@" > /tmp/nlfuzz.out 2>&1
	_rc=$?
	cat /tmp/nlfuzz.out
	grep -q "^\(ok\|FAIL\) nlfuzz-$_m" /tmp/nlfuzz.out ||
		echo "FAIL nlfuzz-$_m: no verdict (exit $_rc)"
}

run_case nlfuzz-setup t_setup
racers_start
fuzz root nlfuzz "$SEED" "$COUNT"
fuzz unpriv dropuid 65534 nlfuzz -u "$SEED" "$COUNT"
racers_stop

t_still_serving() {
	# The lease the fuzzer kept armed still admits IO, unless a fuzzed
	# request fenced, unfenced or disarmed it, which the kernel then says.
	st=$(field fz0 state)
	case $st in
	armed) expect_io w /dev/mapper/fz ok ;;
	fenced | disarmed) expect_io w /dev/mapper/fz EIO ;;
	*) die "fz0 is '$st'" ;;
	esac
	dmsetup remove fz || die "cannot remove the fence device"
}
run_case nlfuzz-device-consistent t_still_serving
summary
