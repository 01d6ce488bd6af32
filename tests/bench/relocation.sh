#!/usr/bin/env bash
# Runs the relocation benchmark on a Release build: a throwaway PostgreSQL cluster (stock settings
# plus shared_buffers=512MB and max_wal_size=4GB, as in the anchors' COPY figures), one organization
# with a million extra issues relocated from us1 to us2, figures printed next to their targets.
# Usage: tests/bench/relocation.sh [--issues N] [--batch-rows N]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=$root/build/bench-relocation
dir=${CELLSCOPE_BENCH_RELOCATION_DIR:-/tmp/cellscope-bench-relocation}
port=55610
# shellcheck source-path=SCRIPTDIR source=throwaway_cluster.sh
. "$root/tests/bench/throwaway_cluster.sh"

cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCELLSCOPE_BUILD_GUI=OFF >/dev/null
ninja -C "$build" -j1 bench_relocation

start_throwaway_cluster "$dir" "$port" shared_buffers=512MB max_wal_size=4GB

"$build/tests/bench/bench_relocation" --server "host=$dir/run port=$port user=postgres dbname=postgres" "$@"
