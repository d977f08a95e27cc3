# shellcheck shell=bash
# The Pacemaker configuration of tests/pacemaker, as docs/runbook.md's
# "Add qfence to an existing Pacemaker cluster" writes it (sourced).

# The stonith device: names mapped to qfence ids by pcmk_host_map, reboot
# is off (the agent's reboot is off only), provides=unfencing (Pacemaker
# unfences a node, `on` = quorumctl rejoin --wait, before it runs resources
# there). power_timeout bounds quorumctl fence --wait (above 4 W).
PM_STONITH='<primitive id="qfence" class="stonith" type="fence_qfence">
  <instance_attributes id="qfence-ia">
    <nvpair id="qfence-map" name="pcmk_host_map" value="'$PM_HOSTMAP'"/>
    <nvpair id="qfence-reboot" name="pcmk_reboot_action" value="off"/>
    <nvpair id="qfence-pt" name="power_timeout" value="30"/>
  </instance_attributes>
  <meta_attributes id="qfence-meta">
    <nvpair id="qfence-unf" name="provides" value="unfencing"/>
  </meta_attributes>
  <operations>
    <op id="qfence-mon" name="monitor" interval="60s" timeout="40s"/>
  </operations>
</primitive>'
PM_DUMMY='<primitive id="dummy" class="ocf" provider="heartbeat" type="Dummy">
  <meta_attributes id="dummy-meta">
    <nvpair id="dummy-req" name="requires" value="unfencing"/>
  </meta_attributes>
  <operations>
    <op id="dummy-mon" name="monitor" interval="10s" timeout="20s"/>
  </operations>
</primitive>'

# pm_configure I: from node I, fencing enabled with the qfence device and
# the resource; fence-reaction=panic is not set: a fenced node that learns
# it was fenced stops Pacemaker (the default, stop), which the test sees.
pm_configure() {
	local i=$1 p
	for p in "stonith-enabled true" "stonith-timeout 60s" "no-quorum-policy stop"; do
		# shellcheck disable=SC2086
		set -- $p
		g "$i" -t 60 "crm_attribute -t crm_config -n $1 -v $2" || return 1
	done
	echo "$PM_STONITH" | g "$i" -i -t 60 "cibadmin --create -o resources -x /dev/stdin" &&
		echo "$PM_DUMMY" | g "$i" -i -t 60 "cibadmin --create -o resources -x /dev/stdin"
}
