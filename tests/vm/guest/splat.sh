#!/bin/sh
# The console check's live case (tests/lib/console.sh): a test-only module
# (tests/vm/splat) prints one real kernel WARNING; the host must then find
# it on this boot's console and count it. Nothing of the product runs here.
. /tests/lib.sh
SP=/lib/modules/$(uname -r)/extra/qfence_splat.ko

t_splat_loaded() {
	[ -f "$SP" ] || die "qfence_splat.ko is not in the initramfs"
	insmod "$SP" || die "insmod qfence_splat.ko failed"
	rmmod qfence_splat || die "rmmod qfence_splat failed"
}
run_case splat-module-warned t_splat_loaded
summary
