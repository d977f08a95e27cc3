#!/bin/sh
# The module as DKMS built it from the qfence-dkms package (tests/package):
# it loads, reports the package's version, and fences a disk.
# Argument: the version it must report.
. /tests/lib.sh
WANT=$1
D=/dev/mapper/pkg

t_load() {
	modprobe brd rd_nr=2 rd_size=4096
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

# /etc/qfence/fencetab, as the boot unit applies it (tools/qfence-fencetab)
FT=/tmp/fencetab
t_fencetab_apply() {
	[ -b /dev/ram1 ] || die "no /dev/ram1"
	printf '# name device lease\nft0 /dev/ram0 ftl\nft1 /dev/ram1 ftl\n' > $FT
	qfence-fencetab -f $FT -t 1 apply 2>/dev/null && die "applied before the lease existed"
	dmsetup info ft0 >/dev/null 2>&1 && die "ft0 created without its lease"
	quorumctl lease new ftl --generation 1 --max-lease-ms 2000 >/dev/null
	qfence-fencetab -f $FT apply || die "apply failed"
	[ "$(dio w /dev/mapper/ft0)" = EIO ] || die "ft0 admits IO before the lease was armed"
	dmsetup table ft1 | grep -q " qfence 1:1 ftl$" || die "ft1 table: $(dmsetup table ft1)"
	qfence-fencetab -f $FT apply || die "a second apply is not a no-op"
	# a qfence device made by hand is not the fencetab's to remove
	dmsetup create byhand --table "0 $(blockdev --getsz /dev/ram1) qfence /dev/ram1 ftl" 2>/dev/null ||
		die "cannot create byhand"
}
t_fencetab_bad_file() {
	printf 'ft0 /dev/ram0 ftl\nft9 ram9 ftl\n' > $FT.bad
	qfence-fencetab -f $FT.bad apply 2> /tmp/ft.err && die "a bad file was applied"
	grep -q "fencetab.bad:2: backing device" /tmp/ft.err || die "no file:line message: $(cat /tmp/ft.err)"
	dmsetup info ft1 >/dev/null 2>&1 || die "a bad file changed the devices (ft1 removed)"
}
t_fencetab_remove_entry() {
	printf 'ft0 /dev/ram0 ftl\n' > $FT
	qfence-fencetab -f $FT apply || die "apply after removing ft1 failed"
	dmsetup info ft1 >/dev/null 2>&1 && die "ft1 still there after its entry was removed"
	dmsetup info ft0 >/dev/null 2>&1 || die "ft0 removed although listed"
	dmsetup info byhand >/dev/null 2>&1 || die "a device the fencetab did not create was removed"
	dmsetup remove byhand
	qfence-fencetab -f $FT stop || die "stop failed"
	dmsetup info ft0 >/dev/null 2>&1 && die "ft0 still there after stop"
	quorumctl lease del ftl >/dev/null
}

run_case pkg-dkms-module-loads t_load
run_case pkg-dkms-module-fences t_fence
run_case pkg-fencetab-apply t_fencetab_apply
run_case pkg-fencetab-bad-file-changes-nothing t_fencetab_bad_file
run_case pkg-fencetab-removed-entry-torn-down t_fencetab_remove_entry
summary
