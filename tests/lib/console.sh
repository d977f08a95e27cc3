# Kernel splats on a guest's console: sourced by every VM harness.
#
#   console_splats [--allow ERE] [--stalls] FILE...
#       prints each splat line of FILE (prefixed with the file's name) and
#       returns 1 when there is one, 0 when the consoles are clean.
#   console_case CASE [--allow ERE] [--stalls] FILE...
#       the same as one case of the caller's suite: `ok CASE`, or
#       `fail CASE why` followed by the lines (the caller's ok/fail).
#
# A splat is a line the kernel prints when its own checks failed: WARN*()
# ("WARNING: CPU: ..."), BUG*() and every "BUG: ..." report (KASAN,
# sleeping in atomic, bad page, unable to handle ...), "kernel BUG at", an
# Oops or general protection fault, a lockdep report (they open with
# "WARNING:" or "INFO: possible ..."), UBSAN, kmemleak's "unreferenced
# object", list or refcount corruption, and a kernel panic. A VM whose
# console has one fails even when every case of its guest passed: the
# module must keep the kernel quiet, not only return the right answers.
#
# --allow ERE exempts the lines matching ERE (the panic boot's own
# "Kernel panic - not syncing: qfence: ..."); everything else still counts.
#
# Stalls (soft lockup, RCU stall, hung task, workqueue lockup) are splats
# too, unless --stalls is given: then they are printed as "stall:" and do
# not fail. Under TCG a host that does not run a VM's thread for 20 s
# makes the guest's watchdog report a soft lockup that no guest code
# caused (a starved or paused VM, design.md §2.8); only a
# suite that runs several VMs on the shared host (tests/cluster) may pass
# --stalls, and it still shows them.

# Lines that are kernel stalls (checked first: "BUG: soft lockup" is both).
QF_CONSOLE_STALL='BUG: soft lockup|BUG: workqueue lockup|rcu: INFO: rcu_[a-z]* (self-)?detected stall|rcu_[a-z]* (self-)?detected stalls on CPUs|INFO: task .* blocked for more than'
# Lines that are splats.
QF_CONSOLE_SPLAT='WARNING: |BUG: |kernel BUG at |Oops|general protection fault|UBSAN: |KASAN: |INFO: possible (recursive|circular|irq lock inversion)|INFO: trying to register non-static key|DEBUG_LOCKS_WARN_ON|ODEBUG: |unreferenced object 0x|kmemleak: [0-9]+ new suspected memory leak|list_(add|del) corruption|refcount_t: |Kernel panic - not syncing'

console_splats() {
	local allow='^$' stalls= f bad=0 line text
	while [ $# -gt 0 ]; do
		case $1 in
		--allow) allow=$2; shift 2 ;;
		--stalls) stalls=1; shift ;;
		*) break ;;
		esac
	done
	for f in "$@"; do
		[ -f "$f" ] || continue
		while IFS= read -r line; do
			# the message without the "[ 12.345678] " timestamp
			text=$(printf '%s' "$line" | sed 's/^<[0-9]*>//; s/^\[ *[0-9.]*\] //')
			printf '%s\n' "$text" | grep -qE -- "$allow" && continue
			if [ -n "$stalls" ] && printf '%s\n' "$text" | grep -qE -- "$QF_CONSOLE_STALL"; then
				echo "stall: $f: $text"
				continue
			fi
			echo "splat: $f: $text"
			bad=1
		done < <(tr -d '\r' < "$f" | grep -aE -- "$QF_CONSOLE_STALL|$QF_CONSOLE_SPLAT")
	done
	return $bad
}

console_case() {
	local case=$1 lines
	shift
	lines=$(console_splats "$@")
	if [ $? -eq 0 ]; then
		ok "$case"
		[ -z "$lines" ] || printf '%s\n' "$lines" | sed 's/^/    | /'
	else
		fail "$case" "the kernel console has $(printf '%s\n' "$lines" | grep -c '^splat:') splat line(s)"
		printf '%s\n' "$lines" | head -n 20 | sed 's/^/    | /'
	fi
}
