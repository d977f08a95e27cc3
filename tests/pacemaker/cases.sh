# shellcheck shell=bash
# The cases of tests/pacemaker/run.sh (sourced after setup.sh).
# shellcheck source=cib.sh
. "$here/cib.sh"

# --- the agent's metadata, the configuration --------------------------------
md=$(g 1 -t 60 "stonith_admin --metadata -a fence_qfence" 2>&1)
why=$(echo "$md" | python3 -c '
import sys, xml.etree.ElementTree as E
try:
    t = E.fromstring(sys.stdin.read())
except E.ParseError as e:
    sys.exit("not XML: %s" % e)
acts = {a.get("name"): a for a in t.iter("action")}
need = ["off", "on", "reboot", "status", "monitor", "list", "metadata", "validate-all"]
miss = [a for a in need if a not in acts and not (a == "reboot" and "off" in acts)]
if t.get("name") != "fence_qfence" or miss:
    sys.exit("name %s, missing actions %s" % (t.get("name"), miss))
if acts["on"].get("automatic") not in ("1", "true") and acts["on"].get("on_target") is None:
    sys.exit("on is not marked for unfencing: %s" % acts["on"].attrib)
params = {p.get("name") for p in t.iter("parameter")}
if "nodeid_map" not in params or "plug" not in params:
    sys.exit("parameters: %s" % sorted(params))' 2>&1)
if [ -z "$why" ]; then ok pcmk-agent-metadata; else fail pcmk-agent-metadata "$why"; fi

t=$SECONDS
if ! pm_configure 1 > "$PM_DIR/configure.log" 2>&1; then
	fail pcmk-configure "$(tail -n 3 "$PM_DIR/configure.log" | tr '\n' ' ')"
	finish; exit 1
fi
dummy_up() { local w; w=$(where 1 dummy); [ -n "$w" ] && echo "$w"; }
stonith_up() { [ -n "$(where 1 qfence)" ]; }
if poll 180 dummy_up > /dev/null && poll 120 stonith_up; then
	v=$(g 1 -t 60 "crm_verify -L -V 2>&1; echo rc=\$?")
	if [ "$(echo "$v" | tail -n 1)" = rc=0 ] && [ "$(echo "$v" | wc -l)" = 1 ]; then
		ok pcmk-configure-verify
		echo "    stonith:fence_qfence on $(where 1 qfence), dummy on $(dummy_up) after $((SECONDS - t)) s; crm_verify -L -V clean"
	else
		fail pcmk-configure-verify "crm_verify: $(echo "$v" | tr '\n' ' ' | cut -c1-300)"
	fi
else
	fail pcmk-configure-verify "dummy on '$(dummy_up)', qfence on '$(where 1 qfence)' after $((SECONDS - t)) s"
	finish; exit 1
fi
g 1 -t 30 "crm_mon -1" > "$PM_DIR/crm_mon.configured.txt" 2>&1

. "$here/cases-cut.sh"
. "$here/cases-fail.sh"
