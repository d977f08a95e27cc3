#!/bin/sh
# Benchmark run (tests/bench/kmod.bench.sh boots it): prints "BENCH ..."
# lines that the host turns into build/bench/kmod.json.
#
#   bench.sh ROUNDS RUNTIME_S FENCE_REPS [all|lat]
#
# "lat" skips the IOPS rounds (fence latency and renew round trip only).
# IOPS: 4 KiB random read/write (50/50), psync, direct=1, one job at a time,
# on a brd RAM disk: raw, then ROUNDS rounds of dm-linear and qfence over
# the same disk, alternating which goes first. fio comes from the host's
# /usr over 9p (its libraries are far too big for the initramfs).
. /tests/lib.sh
ROUNDS=${1:-6} RUNTIME=${2:-2} REPS=${3:-25} MODE=${4:-all}

fio_host() {
	lp=/host/lib/x86_64-linux-gnu:/host/lib/x86_64-linux-gnu/ceph
	/host/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2 --library-path $lp /host/bin/fio "$@"
}

t_bench_setup() {
	modprobe virtio_pci
	modprobe 9pnet_virtio
	modprobe 9p
	mkdir -p /host
	mount -t 9p -o trans=virtio,version=9p2000.L,ro hostusr /host
	fio_host --version
	modprobe brd rd_nr=2 rd_size=65536
	modprobe dm-mod
	[ -f "$KO" ] || die "qfence.ko is not in the initramfs"
	modprobe qfence log_only=1
	qc lease new bl --generation 1 --max-lease-ms 600000
	qc lease renew bl --generation 1 --in-ms 590000
	dmsetup create lin --table "0 $(sectors /dev/ram0) linear /dev/ram0 0"
	mkfence qfb /dev/ram0 bl
	qc lease new fl --generation 1 --max-lease-ms 1000
	mkfence qfl /dev/ram1 fl
	# Fill the RAM disk so that reads do not hit unallocated pages.
	dd if=/dev/zero of=/dev/ram0 bs=1M count=64 2>/dev/null
}

t_bench_iops() {
	{
		printf '[global]\ndirect=1\nrw=randrw\nbs=4k\nioengine=psync\n'
		printf 'runtime=%s\ntime_based=1\nstonewall=1\n' "$RUNTIME"
		printf '[raw]\nfilename=/dev/ram0\n'
		r=1
		while [ $r -le "$ROUNDS" ]; do
			if [ $((r % 2)) = 1 ]; then o="lin qfb"; else o="qfb lin"; fi
			for d in $o; do
				printf '[%s-%d]\nfilename=/dev/mapper/%s\n' "$d" $r $d
			done
			r=$((r + 1))
		done
	} > /tmp/iops.fio
	# Under -icount, guest time leaps while it waits for the host (9p):
	# renew right before the measurement, and check it held throughout.
	ensure_armed bl 590000
	fio_host --minimal /tmp/iops.fio > /tmp/iops.out
	awk -F';' '{ print "BENCH iops", $3, $8, $49 }' /tmp/iops.out > /tmp/iops.bench
	[ "$(wc -l < /tmp/iops.bench)" -eq $((1 + 2 * ROUNDS)) ] || die "fio printed $(wc -l < /tmp/iops.bench) jobs"
	expect_field bl state armed
}

t_bench_fencelat() {
	fencelat /dev/mapper/qfl fl "$REPS" 50 > /tmp/fl.json
	echo "BENCH fencelat $(cat /tmp/fl.json)" > /tmp/fl.bench
}

t_bench_renew() {
	ensure_armed bl 590000
	quorumctl --json lease bench-renew bl --generation "$(field bl generation)" \
		--count 2000 --lease-ms 500000 > /tmp/rn.json
	echo "BENCH renew $(cat /tmp/rn.json)" > /tmp/rn.bench
}

run_case bench-setup t_bench_setup
[ "$MODE" = lat ] || run_case bench-iops t_bench_iops
run_case bench-fencelat t_bench_fencelat
run_case bench-renew t_bench_renew
cat /tmp/*.bench 2>/dev/null
echo "BENCH vcpus $(nproc)"
summary
