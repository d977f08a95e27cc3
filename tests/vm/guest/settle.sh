#!/bin/sh
# The settle bound is enforced for real (log_only off): a lease with only the
# IO action is fenced while a write is held in flight by dm-delay (2 s);
# settle_ms is 200 ms, so the module must escalate to a reboot and the VM
# must go away. The host judges, as for the reboot action.
. /tests/lib.sh
action_setup settle || exit 1
t_settle_setup() {
	settle_setup st qst
}
run_case settle-setup t_settle_setup
echo "armed settle"
quorumctl lease fence st || echo "FAIL settle-fence: quorumctl lease fence"
action_wait settle st
