#!/bin/sh
# The module as DKMS built it from the qfence-dkms package (tests/package):
# it loads, reports the package's version, and fences a disk.
# Argument: the version it must report.
. /tests/lib.sh
WANT=$1
D=/dev/mapper/pkg

t_load() {
	modprobe brd rd_nr=1 rd_size=4096
	modprobe dm-mod
	insmod "$KO"
	v=$(cat /sys/module/qfence/version)
	[ "$v" = "$WANT" ] || die "module version '$v', want '$WANT'"
}

t_fence() {
	quorumctl lease new pkg --generation 1 --max-lease-ms 2000 >/dev/null
	dmsetup create pkg --table "0 $(blockdev --getsz /dev/ram0) qfence /dev/ram0 pkg"
	[ "$(dio w $D)" = EIO ] || die "IO not refused with EIO before the lease was armed"
	quorumctl lease renew pkg --generation 1 --in-ms 1500 >/dev/null
	dio w $D >/dev/null || die "IO refused while armed"
	wait_state pkg fenced 5000
	[ "$(dio w $D)" = EIO ] || die "IO not refused with EIO after the lease expired"
	dmsetup remove pkg
	quorumctl lease unfence pkg --generation 2 >/dev/null
	quorumctl lease del pkg >/dev/null
}

run_case pkg-dkms-module-loads t_load
run_case pkg-dkms-module-fences t_fence
summary
