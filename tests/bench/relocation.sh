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
bindir=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
as_server() {
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCELLSCOPE_BUILD_GUI=OFF >/dev/null
ninja -C "$build" -j1 bench_relocation

rm -rf "$dir"
mkdir -p "$dir/data" "$dir/run"
if [ "$(id -u)" = 0 ]; then chown -R postgres:postgres "$dir"; fi
as_server "$bindir/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log"
as_server "$bindir/pg_ctl" -D "$dir/data" -l "$dir/run/server.log" -w \
    -o "-p $port -k $dir/run -c listen_addresses= -c shared_buffers=512MB -c max_wal_size=4GB" start >/dev/null
trap 'as_server "$bindir/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null; rm -rf "$dir"' EXIT

"$build/tests/bench/bench_relocation" --server "host=$dir/run port=$port user=postgres dbname=postgres" "$@"
