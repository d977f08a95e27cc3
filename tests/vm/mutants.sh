#!/bin/bash
# Do the VM tests catch a broken module? Builds qfence.ko with one rule
# broken on purpose (a copy of kmod/ with one edit), boots guest/main.sh
# and guest/frozen.sh with it, and requires at least one of the named cases to FAIL.
#
#   tests/vm/mutants.sh [NAME...]      default: every mutant below
#
# Prints `ok mutant-NAME: caught by ...` or `FAIL mutant-NAME: survived`
# (or: the edit no longer applies, the kmod source changed), then
# `N passed, N failed`. Not part of `make check` (about 3 min per mutant).
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
cd "$top" || exit 1
export BUILD=${BUILD:-$top/build}
export KVER=${KVER:-$(scripts/kver.sh)}
KDIR=${KDIR:-/usr/src/linux-headers-$KVER}
work=$BUILD/vm/mutants
passed=0 failed=0

# name::file::original text::replacement::cases that must catch it (any one)
mutants=(
"rule6-clock::kmod/lease.h::state == QFENCE_STATE_ARMED && now < deadline))::state == QFENCE_STATE_ARMED))::rule6-no-io-after-deadline rule6-frozen-cpu"
"rule7-late-renew::kmod/lease.c::	if (state == QFENCE_STATE_FENCED) {
		NL_SET_ERR_MSG(extack, \"lease is fenced; only LEASE_UNFENCE clears it\");
		return -ECANCELED;
	}::	if (state == QFENCE_STATE_FENCED)
		state = QFENCE_STATE_DISARMED;::late-renew-refused"
"rule8-disarmed-io::kmod/lease.h::	if (likely(state == QFENCE_STATE_ARMED &&::	if (state == QFENCE_STATE_DISARMED || likely(state == QFENCE_STATE_ARMED &&::io-refused-while-disarmed disarm-blocks-io"
"unfence-equal-generation::kmod/lease.c::if (generation <= l->cfg.generation) {::if (generation < l->cfg.generation) {::unfence-not-larger-refused"
"no-admin-perm::kmod/netlink.c::.flags = GENL_ADMIN_PERM,::.flags = 0,::unprivileged-eperm"
"nowayout-ignored::kmod/lease.c::if (l->cfg.flags & QFENCE_F_NOWAYOUT) {::if (0) {::nowayout-refuses-disarm"
"no-pin::kmod/registry.c::bool want = READ_ONCE(l->state) != QFENCE_STATE_DISARMED;::bool want = false;::rmmod-refused-while-armed rmmod-refused-while-fenced"
"no-settle-escalation::kmod/actions.c::	qfence_escalate(l, \"IO in flight past settle_ms\");::	/* no escalation */::action-settle"
)

want=("$@")
make --no-print-directory tools > /dev/null 2>&1
make --no-print-directory -C tests/vm/helpers > /dev/null 2>&1
for m in "${mutants[@]}"; do
	# Entries may span lines: python splits them (below), bash takes the name.
	name=${m%%::*}
	if [ ${#want[@]} -gt 0 ] && [[ ! " ${want[*]} " =~ " $name " ]]; then continue; fi
	dir=$work/$name
	rm -rf "$dir" && mkdir -p "$dir"
	cp -r kmod Kbuild "$dir/"
	if ! python3 - "$dir" "$m" <<'PY'
import sys
d, m = sys.argv[1], sys.argv[2]
name, f, orig, repl, cases = m.split("::")
p = d + "/" + f
s = open(p).read()
if s.count(orig) == 0:
    sys.exit(1)
open(p, "w").write(s.replace(orig, repl))
open(d + "/cases", "w").write(cases)
PY
	then
		echo "FAIL mutant-$name: the edit does not apply to kmod/ any more"
		failed=$((failed + 1)); continue
	fi
	cases=$(cat "$dir/cases")
	if ! make -C "$KDIR" M="$dir" modules > "$dir/build.log" 2>&1; then
		echo "FAIL mutant-$name: does not build (see $dir/build.log)"
		failed=$((failed + 1)); continue
	fi
	QFENCE_KO=$dir/qfence.ko tests/vm/mkinitramfs.sh "$dir/initramfs.cpio" 2> /dev/null
	: > "$dir/fails"
	# action-NAME cases: boot guest/NAME.sh too; the VM that must die and
	# does not leaves "FAIL action-NAME" (or hits the timeout).
	guests="main frozen"
	for c in $cases; do
		case $c in action-*) guests="$guests ${c#action-}" ;; esac
	done
	for g in $guests; do
		smp=1
		[ $g = frozen ] && smp=2
		# Own BUILD: the consoles go to $dir/vm/, apart from check-vm's.
		rc=0
		BUILD=$dir tests/vm/boot.sh --initrd "$dir/initramfs.cpio" --smp $smp \
			--timeout 420 $g 2> "$dir/boot-$g.log" || rc=$?
		cp "$dir/vm/$g.out" "$dir/$g.out"
		[ $rc -ne 124 ] || echo "FAIL action-$g: timed out" >> "$dir/fails"
		tr -d '\r' < "$dir/$g.out" | grep '^FAIL ' >> "$dir/fails"
	done
	caught=
	for c in $cases; do
		grep -q "^FAIL $c:" "$dir/fails" && caught="$caught $c"
	done
	if [ -n "$caught" ]; then
		echo "ok mutant-$name: caught by$caught"
		passed=$((passed + 1))
	else
		echo "FAIL mutant-$name: survived (none of: $cases; see $dir/*.out)"
		failed=$((failed + 1))
	fi
	sed 's/^/    | /' "$dir/fails" | head -n 8
done
echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
