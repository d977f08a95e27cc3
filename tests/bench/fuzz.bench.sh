#!/bin/bash
# Fuzzing throughput and reach: every libFuzzer target of tests/fuzz for
# FUZZ_BENCH_SECONDS (default 60) each; executions, executions/s,
# coverage (edges), features and corpus size per target into
# build/bench/fuzz.json.
cd "$(dirname "$0")/../.." || exit 1
exec tests/fuzz/run.sh --seconds "${FUZZ_BENCH_SECONDS:-60}" --bench build/bench/fuzz.json
