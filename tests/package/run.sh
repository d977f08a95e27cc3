#!/bin/bash
# make check-package: the Debian packages and the installation, as an
# operator gets them.
#
#   build: make deb ------> build/deb/qfence-dkms_V_all.deb
#                           build/deb/qfence-utils_V_amd64.deb
#   host:  lintian; the one version everywhere; dkms add/build/install of
#          the package's /usr/src tree against the 6.1 headers, in a private
#          DKMS tree (nothing of the host is touched); make install and
#          make uninstall into a staging DESTDIR
#   VM:    the DKMS-built qfence.ko loads in Debian's 6.1 kernel under QEMU,
#          reports the version and fences a disk (tests/vm/guest/dkms.sh)
#
# Not yet here: VMs with systemd as PID 1 and the packages installed with
# dpkg (boot order, hitless restart and upgrade, purge).
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
cd "$top"
. tests/lib/console.sh
BUILD=${BUILD:-$top/build}
export BUILD
KVER=${KVER:-$(scripts/kver.sh)}
out=$BUILD/package
passed=0 failed=0
ok() { echo "ok $1"; passed=$((passed + 1)); }
fail() { echo "FAIL $1: $2"; failed=$((failed + 1)); }
finish() { echo "package: $passed passed, $failed failed"; [ "$failed" -eq 0 ]; }
rm -rf "$out" && mkdir -p "$out"
V=$(cat VERSION)

# --- packages ------------------------------------------------------------
if make --no-print-directory deb > "$out/deb.log" 2>&1; then
	ok pkg-make-deb
else
	fail pkg-make-deb "see $out/deb.log"; tail -n 5 "$out/deb.log" | sed 's/^/    | /'
	finish; exit 1
fi
dkms_deb=$BUILD/deb/qfence-dkms_${V}_all.deb
utils_deb=$BUILD/deb/qfence-utils_${V}_amd64.deb
debs=$(ls "$BUILD"/deb/*.deb 2>/dev/null | wc -l)
if [ -f "$dkms_deb" ] && [ -f "$utils_deb" ] && [ "$debs" -eq 2 ]; then
	ok pkg-two-debs
else
	fail pkg-two-debs "want exactly $dkms_deb and $utils_deb, have: $(ls "$BUILD"/deb/*.deb | tr '\n' ' ')"
fi
lintian --tag-display-limit 0 "$BUILD"/deb/*.changes > "$out/lintian.log" 2>&1
lrc=$?
if ! command -v lintian >/dev/null; then
	fail pkg-lintian-no-errors "lintian is not installed (make deps)"
elif [ $lrc -ne 0 ] || grep -q '^E: ' "$out/lintian.log"; then
	fail pkg-lintian-no-errors "$(grep -c '^E: ' "$out/lintian.log") errors (see $out/lintian.log)"
	grep '^E: ' "$out/lintian.log" | head -n 5 | sed 's/^/    | /'
else
	ok pkg-lintian-no-errors
fi
sed 's/^/    lintian: /' "$out/lintian.log" | grep -v 'root privileges'

# The files an operator relies on, and the conffile.
mkdir -p "$out/utils" "$out/dkms"
dpkg-deb -x "$utils_deb" "$out/utils" && dpkg-deb -x "$dkms_deb" "$out/dkms"
missing=
for f in usr/sbin/quorumd usr/sbin/quorumctl lib/systemd/system/quorumd.service \
	usr/sbin/qfence-fencetab lib/systemd/system/qfence-fencetab.service \
	usr/lib/modules-load.d/qfence.conf usr/share/bash-completion/completions/quorumctl \
	etc/qfence/quorumd.conf usr/share/doc/qfence-utils/examples/quorumd.conf \
	usr/share/man/man8/quorumd.8.gz usr/share/man/man8/quorumctl.8.gz \
	usr/share/man/man5/quorumd.conf.5.gz usr/share/man/man4/qfence.4.gz \
	usr/sbin/fence_qfence usr/sbin/qfence-drbd-fence-peer usr/sbin/qfence-drbd-unfence-peer \
	usr/share/man/man8/fence_qfence.8.gz usr/share/man/man8/qfence-drbd-fence-peer.8.gz; do
	[ -e "$out/utils/$f" ] || missing="$missing $f"
done
[ -e "$out/dkms/usr/src/qfence-$V/dkms.conf" ] || missing="$missing usr/src/qfence-$V/dkms.conf"
if [ -z "$missing" ]; then ok pkg-files-present; else fail pkg-files-present "missing:$missing"; fi
if dpkg-deb -e "$utils_deb" "$out/utils-ctl" && grep -qx /etc/qfence/quorumd.conf "$out/utils-ctl/conffiles"; then
	ok pkg-config-is-conffile
else
	fail pkg-config-is-conffile "/etc/qfence/quorumd.conf is not in conffiles"
fi
if dpkg-deb -e "$dkms_deb" "$out/dkms-ctl" && grep -q 'dkms' "$out/dkms-ctl/postinst" &&
	[ "$(dpkg-deb -f "$dkms_deb" Architecture)" = all ]; then
	ok pkg-dkms-registers
else
	fail pkg-dkms-registers "qfence-dkms is not Architecture: all with a dkms postinst"
fi
bad=
for m in "$out"/utils/usr/share/man/man*/*.gz; do
	w=$(man --warnings -l "$m" 2>&1 >/dev/null)
	[ -z "$w" ] || bad="$bad ${m##*/}: $w"
done
if [ -z "$bad" ]; then ok pkg-man-pages-clean; else fail pkg-man-pages-clean "$bad"; fi
# systemd's own check of the unit, with the commands pointing into the
# extracted package (they are not installed on this host).
mkdir -p "$out/unit"
for u in quorumd qfence-fencetab; do
	sed "s|/usr/sbin/|$out/utils/usr/sbin/|g" "$out/utils/lib/systemd/system/$u.service" \
		> "$out/unit/$u.service"
done
systemd-analyze verify --man=no "$out/unit/quorumd.service" "$out/unit/qfence-fencetab.service" \
	> "$out/unit-verify.log" 2>&1
vrc=$?
if ! command -v systemd-analyze >/dev/null; then
	fail pkg-unit-verifies "systemd-analyze is not installed (make deps)"
elif [ $vrc -eq 0 ] && ! grep -q '\.service' "$out/unit-verify.log"; then
	ok pkg-unit-verifies
else
	fail pkg-unit-verifies "exit $vrc: $(head -n 2 "$out/unit-verify.log" | tr '\n' ' ')"
fi

# --- one version ---------------------------------------------------------
vers="VERSION=$V"
vers="$vers deb-dkms=$(dpkg-deb -f "$dkms_deb" Version) deb-utils=$(dpkg-deb -f "$utils_deb" Version)"
vers="$vers quorumd=$("$out/utils/usr/sbin/quorumd" --version | awk '{print $2}')"
vers="$vers quorumctl=$("$out/utils/usr/sbin/quorumctl" --version | awk '{print $2}')"
vers="$vers dkms.conf=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' "$out/dkms/usr/src/qfence-$V/dkms.conf")"

# --- DKMS for real, in a private tree -------------------------------------
dk=$out/dkmstree
mkdir -p "$dk/tree" "$dk/inst/$KVER"
cp -r "$out/dkms/usr/src/qfence-$V" "$dk/src-qfence-$V" 2>/dev/null
mkdir -p "$dk/src" && mv "$dk/src-qfence-$V" "$dk/src/qfence-$V"
dkms_run() {
	dkms --dkmstree "$dk/tree" --sourcetree "$dk/src" --installtree "$dk/inst" "$@"
}
if dkms_run add -m qfence -v "$V" > "$out/dkms.log" 2>&1 &&
	dkms_run build -m qfence -v "$V" -k "$KVER" >> "$out/dkms.log" 2>&1 &&
	dkms_run install -m qfence -v "$V" -k "$KVER" --force >> "$out/dkms.log" 2>&1; then
	ok pkg-dkms-build-install
else
	fail pkg-dkms-build-install "see $out/dkms.log"; tail -n 8 "$out/dkms.log" | sed 's/^/    | /'
fi
# The module as installed (kept for the VM: dkms remove deletes it).
ko=$(find "$dk/inst" -name 'qfence.ko*' 2>/dev/null | head -n 1)
case $ko in
*.xz) xz -dc "$ko" > "$out/qfence-dkms.ko" ;;
?*) cp "$ko" "$out/qfence-dkms.ko" ;;
esac
[ -n "$ko" ] && ko=$out/qfence-dkms.ko
if [ -n "$ko" ] && grep -q "installed" <(dkms_run status -m qfence -v "$V" -k "$KVER" 2>/dev/null); then
	ok pkg-dkms-status-installed
else
	fail pkg-dkms-status-installed "dkms status: $(dkms_run status 2>&1 | head -n 1)"
fi
vers="$vers modinfo=$( [ -n "$ko" ] && modinfo -F version "$ko")"
if dkms_run remove -m qfence -v "$V" --all >> "$out/dkms.log" 2>&1 &&
	[ -z "$(dkms_run status 2>/dev/null)" ]; then
	ok pkg-dkms-remove-clean
else
	fail pkg-dkms-remove-clean "dkms status after remove: $(dkms_run status 2>&1 | head -n 1)"
fi
echo "    versions: $vers"
if [ "$(echo "$vers" | tr ' ' '\n' | cut -d= -f2 | sort -u)" = "$V" ]; then
	ok pkg-one-version
else
	fail pkg-one-version "$vers"
fi

# --- kmod/compat.h on a newer kernel API ---------------------------------
# A copy of the 6.1 headers whose hrtimer.h declares hrtimer_setup() as 6.13
# does: Kbuild must detect it and the module must call it instead of
# hrtimer_init() (removed in 6.15). The symbol is not in 6.1's
# Module.symvers, so modpost only warns (KBUILD_MODPOST_WARN).
fh=$out/newer-headers
hdr=/usr/src/linux-headers-$KVER
common=$(sed -n 's|^include \(.*\)/Makefile$|\1|p' "$hdr/Makefile")
if [ -d "$common" ]; then
	mkdir -p "$fh" && cp -a "$common" "$fh/common" && cp -a "$hdr" "$fh/arch"
	for d in common arch; do
		for l in scripts tools; do
			[ -L "$fh/$d/$l" ] && ln -sfn "$(readlink -f "$common/$l")" "$fh/$d/$l"
		done
	done
	echo "include $fh/common/Makefile" > "$fh/arch/Makefile"
	h=$fh/common/include/linux/hrtimer.h
	sed -i '$d' "$h"	# the include guard's #endif, put back below
	printf '%s\n' 'extern void hrtimer_setup(struct hrtimer *timer,' \
		'	enum hrtimer_restart (*function)(struct hrtimer *),' \
		'	clockid_t clock_id, enum hrtimer_mode mode);' '#endif' >> "$h"
	mkdir -p "$fh/mod" && cp -r Kbuild VERSION kmod "$fh/mod/"
	if make -C "$fh/arch" M="$fh/mod" KBUILD_MODPOST_WARN=1 modules > "$out/newer-headers.log" 2>&1 &&
		syms=$(nm "$fh/mod/qfence.ko") && grep -q ' U hrtimer_setup$' <<< "$syms" &&
		! grep -q ' U hrtimer_init$' <<< "$syms"; then
		ok pkg-compat-newer-hrtimer-api
	else
		fail pkg-compat-newer-hrtimer-api "see $out/newer-headers.log; $(nm "$fh/mod/qfence.ko" 2>&1 | grep hrtimer_ | tr '\n' ' ')"
	fi
	# and on the real 6.1 headers the old API (the DKMS build above)
	if [ -n "$ko" ] && grep -q ' U hrtimer_init$' <<< "$(nm "$ko")"; then
		ok pkg-compat-6.1-hrtimer-api
	else
		fail pkg-compat-6.1-hrtimer-api "the 6.1 module does not call hrtimer_init"
	fi
	rm -rf "$fh"
else
	fail pkg-compat-newer-hrtimer-api "cannot find the common headers of $hdr"
fi

# --- make install / make uninstall ----------------------------------------
st=$out/stage
if make --no-print-directory install-utils install-dkms DESTDIR="$st" PREFIX=/usr \
	unitdir=/lib/systemd/system > "$out/install.log" 2>&1 &&
	[ -x "$st/usr/sbin/quorumd" ] && [ -f "$st/usr/src/qfence-$V/kmod/lease.c" ]; then
	ok pkg-make-install
else
	fail pkg-make-install "see $out/install.log"
fi
# An operator's edited configuration survives uninstall; nothing else does.
echo "# edited" >> "$st/etc/qfence/quorumd.conf"
make --no-print-directory uninstall DESTDIR="$st" PREFIX=/usr unitdir=/lib/systemd/system \
	>> "$out/install.log" 2>&1
left=$(find "$st" -type f | sed "s|^$st||" | grep -vx /etc/qfence/quorumd.conf)
if [ -z "$left" ] && [ -f "$st/etc/qfence/quorumd.conf" ]; then
	ok pkg-make-uninstall
else
	fail pkg-make-uninstall "left behind: $(echo $left) $([ -f "$st/etc/qfence/quorumd.conf" ] || echo '(and the edited config is gone)')"
fi

# --- the DKMS-built module in the VM ---------------------------------------
if [ -n "$ko" ] && make --no-print-directory tools > "$out/tools.log" 2>&1 &&
	make --no-print-directory -C tests/vm/helpers > "$out/helpers.log" 2>&1 &&
	QFENCE_KO=$ko tests/vm/mkinitramfs.sh "$out/initramfs.cpio" > "$out/mkinitramfs.log" 2>&1; then
	BUILD=$out tests/vm/boot.sh --initrd "$out/initramfs.cpio" --timeout 120 --args "$V" dkms \
		> "$out/boot.log" 2>&1
	rc=$?
	res=$out/vm/dkms.out
	for c in pkg-dkms-module-loads pkg-dkms-module-fences pkg-fencetab-apply \
		pkg-fencetab-bad-file-changes-nothing pkg-fencetab-removed-entry-torn-down; do
		if tr -d "\r" < "$res" 2>/dev/null | grep -qx "ok $c"; then
			ok "$c"
		else
			fail "$c" "$(grep "^FAIL $c" "$res" 2>/dev/null | head -n 1) (qemu $rc; see $out/vm/dkms.console)"
		fi
	done
	console_case pkg-dkms-console "$out/vm/dkms.console"
else
	fail pkg-dkms-module-loads "no module or initramfs (see $out/*.log)"
	for c in pkg-dkms-module-fences pkg-fencetab-apply \
		pkg-fencetab-bad-file-changes-nothing pkg-fencetab-removed-entry-torn-down; do
		fail "$c" "not run"
	done
fi
finish
