#!/bin/bash
# Run every benchmark; each writes one JSON file under build/bench/.
set -e
cd "$(dirname "$0")/../.."
mkdir -p build/bench
for b in tests/bench/*.bench.sh; do
	[ -e "$b" ] || continue
	echo "== $b"
	"$b"
done
ls -l build/bench/
