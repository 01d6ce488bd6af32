#!/usr/bin/env bash
# Runs the foundation benchmark on a Release build: seeds a private cluster with 1,000,000 orgs (once;
# kept in $CELLSCOPE_BENCH_HOME for later runs) and prints load time, memory and seed time with
# their baselines. Usage: tests/bench/foundation.sh [--orgs N] [--runs R] [--reseed]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cmake --preset release -S "$root" >/dev/null
cmake --build --preset release --target bench_foundation
exec "$root/build/release/tests/bench/bench_foundation" --home "${CELLSCOPE_BENCH_HOME:-/tmp/cellscope-bench}" "$@"
