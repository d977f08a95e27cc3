#!/bin/bash
# SPDX-License-Identifier: MIT
# Adding to a tests/vm initramfs tree before it is packed again (sourced by
# tests/cluster/lib.sh and tests/pr/lib.sh; KVER is the guest's kernel).
#
#   add_bin ROOT FILE        an executable into ROOT/bin, with the shared
#                            libraries ldd names for it
#   add_modules ROOT MOD...  the modules and everything they depend on,
#                            then depmod over ROOT
#   pack_initramfs ROOT OUT  ROOT as a newc cpio archive, files in a fixed
#                            order and owned by root
add_bin() {
	local root=$1 f=$2 l
	cp -L "$f" "$root/bin/"
	for l in $(ldd "$f" 2>/dev/null | awk '/=> \//{print $3} /^\t\/lib/{print $1}'); do
		[ -e "$root$l" ] && continue
		mkdir -p "$root$(dirname "$l")"
		cp -L "$l" "$root$l"
	done
}

add_modules() {
	local root=$1 m ko rel
	shift
	for m in "$@"; do
		modprobe -S "$KVER" --show-depends "$m" | awk '$1 == "insmod" {print $2}'
	done | sort -u | while read -r ko; do
		rel=${ko#/lib/modules/$KVER/}
		mkdir -p "$root/lib/modules/$KVER/$(dirname "$rel")"
		cp "$ko" "$root/lib/modules/$KVER/$rel"
	done
	depmod -b "$root" "$KVER"
}

pack_initramfs() {
	(cd "$1" && find . -print0 | LC_ALL=C sort -z |
		cpio --null -o -H newc --quiet -R 0:0) > "$2"
}
