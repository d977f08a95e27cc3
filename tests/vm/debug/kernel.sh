#!/bin/bash
# Build (once) the VM debug kernel and print the folder that holds it:
#
#   tests/vm/debug/kernel.sh            -> <cache>/vmdebug/<version>-<key>
#
#   <dir>/build/arch/x86/boot/bzImage   the kernel (lockdep, KASAN,
#                                       DEBUG_OBJECTS, kmemleak, UBSAN)
#   <dir>/build                         O= tree: external modules build
#                                       against it (make -C src O=build M=)
#   <dir>/linux-source-6.1              the source, from Debian's package
#   <dir>/modroot/lib/modules/<rel>     its modules (modules_install)
#   <dir>/release                       its kernel release (uname -r)
#
# What it is made from: Debian's linux-source-6.1 (its package version),
# `make tinyconfig`, tests/vm/debug/qfdebug.config and olddefconfig. The
# configuration step runs first (seconds) and the key is the SHA-256 of the
# configuration it produced, so a change of the fragment, of the source or
# of the compiler (CONFIG_CC_VERSION_TEXT) makes a new kernel, and nothing
# else does. The build is the expensive part (measured: 44 min on this
# 2-core machine while other suites ran); only the first run pays. A
# `done` stamp is written last: a build cut off half way is redone.
# QFENCE_CACHE (default /var/cache/qfence) as in tests/kunit/run.sh.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
frag=$here/qfdebug.config
tarball=/usr/src/linux-source-6.1.tar.xz
die() { echo "vmdebug kernel: $*" >&2; exit 1; }
[ -r "$tarball" ] || die "no $tarball (make deps installs linux-source-6.1)"
ver=$(dpkg-query -W -f='${Version}' linux-source-6.1 2>/dev/null) ||
	die "linux-source-6.1 is not installed"
cache=${QFENCE_CACHE:-/var/cache/qfence}/vmdebug
mkdir -p "$cache" || die "cannot create $cache"
src=$cache/src-$ver/linux-source-6.1

# One build at a time; every user of the cache goes through this lock.
exec 9>"$cache/$ver.lock"
flock 9 || die "cannot lock $cache/$ver.lock"

if [ ! -e "$cache/src-$ver/.extracted" ]; then
	echo "vmdebug kernel: extracting $tarball (once)" >&2
	rm -rf "$cache/src-$ver" "$cache/src-$ver.tmp"
	mkdir -p "$cache/src-$ver.tmp"
	tar -xJf "$tarball" -C "$cache/src-$ver.tmp" || die "cannot extract $tarball"
	mv "$cache/src-$ver.tmp" "$cache/src-$ver"
	touch "$cache/src-$ver/.extracted"
fi

# The configuration, in a scratch tree: its digest is the key.
cfg=$(mktemp -d)
trap 'rm -rf "$cfg"' EXIT
make -s -C "$src" O="$cfg" tinyconfig > "$cfg.log" 2>&1 &&
	"$src/scripts/kconfig/merge_config.sh" -m -O "$cfg" "$cfg/.config" "$frag" \
		>> "$cfg.log" 2>&1 &&
	make -s -C "$src" O="$cfg" olddefconfig >> "$cfg.log" 2>&1 ||
	die "configuration failed: $(tail -n 3 "$cfg.log")"
rm -f "$cfg.log"
# The first lines are a comment with the date-free banner; all the rest
# (options and the compiler's version) is what the kernel is made from.
key=$(sed 1,5d "$cfg/.config" | sha256sum | cut -c1-16)
dir=$cache/$ver-$key
if [ -e "$dir/done" ]; then
	echo "$dir"
	exit 0
fi

echo "vmdebug kernel: building $dir (once; tens of minutes under load)" >&2
rm -rf "$dir"
mkdir -p "$dir/build"
cp "$cfg/.config" "$dir/build/.config"
ln -s "$src" "$dir/linux-source-6.1"
jobs=$(nproc)
{
	make -C "$src" O="$dir/build" olddefconfig &&
		make -C "$src" O="$dir/build" -j"$jobs" bzImage modules &&
		make -C "$src" O="$dir/build" INSTALL_MOD_PATH="$dir/modroot" \
			modules_install &&
		make -s -C "$src" O="$dir/build" kernelrelease > "$dir/release"
} > "$dir/build.log" 2>&1 || die "build failed: see $dir/build.log"
# The installed tree's build link points at the O= tree, for M= builds.
rel=$(cat "$dir/release")
ln -sfn "$dir/build" "$dir/modroot/lib/modules/$rel/build"
touch "$dir/done"
echo "$dir"
