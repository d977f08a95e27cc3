#!/bin/bash
# quorumd on the real module in QEMU: takeover, RSS, idle CPU, renewal
# latency -> build/bench/cluster-netns.json (tests/quorumd/bench.sh).
exec "$(dirname "$0")/../quorumd/bench.sh" "$@"
