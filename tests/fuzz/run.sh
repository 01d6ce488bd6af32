#!/usr/bin/env bash
# Builds the `fuzz` preset (clang 14, libFuzzer, ASan + UBSan) and runs every fuzz target SECONDS
# seconds (default 10) on a corpus seeded from tests/fixtures, printing one line per target with
# its executions and coverage. Exits non-zero on any finding: a crash, a leak, a timeout, a
# sanitizer report; the reproducer is kept in build/fuzz/findings/.
# With --runs N instead of SECONDS, each target runs until N executions (the long run before a
# release: 10000000), however long that takes.
# Usage: tests/fuzz/run.sh [SECONDS | --runs N] [TARGET...]
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
limit=()
if [ "${1:-}" = --runs ]; then
    limit=(-runs="$2")
    shift 2
else
    seconds=${1:-10}
    limit=(-max_total_time="$seconds")
    shift || true
fi
build=$root/build/fuzz
all=(fuzz_url fuzz_dsn fuzz_auth fuzz_catalog fuzz_check_file fuzz_backlog_map fuzz_snapshot_json fuzz_replay_line
     fuzz_http fuzz_replay_input fuzz_synapse_config fuzz_cell_settings fuzz_binary_snapshot)
cmake --preset fuzz -S "$root" >/dev/null || exit 1
cmake --build --preset fuzz -j "$(nproc)" --target "${all[@]}" >/dev/null ||
    { cmake --build --preset fuzz -j 1 --target "${all[@]}"; exit 1; }

fixtures=$root/tests/fixtures
declare -A seeds=(
    [fuzz_url]="$fixtures/routing/sample_access.log"
    [fuzz_dsn]="$fixtures/routing"
    [fuzz_auth]="$fixtures/routing"
    [fuzz_catalog]="$root/resources/catalog $fixtures/catalog"
    [fuzz_check_file]="$fixtures/routing"
    [fuzz_backlog_map]="$fixtures/backlog"
    [fuzz_snapshot_json]="$fixtures/snapshots"
    [fuzz_replay_line]="$fixtures/routing/sample_access.log $fixtures/backlog/history/access.log"
    [fuzz_http]="$fixtures/http"
    [fuzz_replay_input]="$fixtures/replay_input $fixtures/routing/sample_access.log"
    [fuzz_synapse_config]="$fixtures/synapse"
    [fuzz_cell_settings]="$fixtures/cells"
    [fuzz_binary_snapshot]="$fixtures/binary_snapshot"
)
# The longest input each target tries: a little over the largest real input of its kind (a header,
# a log line, a request, a catalog), so executions go to shapes of input, not to sheer length.
declare -A max_len=(
    [fuzz_url]=4096 [fuzz_dsn]=1024 [fuzz_auth]=1024 [fuzz_catalog]=4096 [fuzz_check_file]=8192
    [fuzz_backlog_map]=8192 [fuzz_snapshot_json]=8192 [fuzz_replay_line]=4096 [fuzz_http]=4096
    [fuzz_replay_input]=16384 [fuzz_synapse_config]=8192 [fuzz_cell_settings]=8192
    [fuzz_binary_snapshot]=16384
)
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=("${all[@]}")
mkdir -p "$build/findings"
failed=0
clean=0
for target in "${targets[@]}"; do
    corpus=$build/corpus/$target
    mkdir -p "$corpus"
    # Seeds: each fixture file whole, and each line of the text fixtures on its own.
    for source in ${seeds[$target]}; do
        find "$source" -type f -size -256k | while read -r file; do
            cp "$file" "$corpus/seed-$(basename "$file")"
            awk -v dir="$corpus" -v base="$(basename "$file")" 'length($0) > 0 && NR <= 200 { f = dir "/line-" base "-" NR; print > f; close(f) }' "$file"
        done
    done
    log=$build/$target.log
    (cd "$build/findings" && "$build/tests/fuzz/$target" "${limit[@]}" -max_len="${max_len[$target]}" -timeout=10 -rss_limit_mb=2048 \
        -print_final_stats=1 "$corpus" >"$log" 2>&1)
    status=$?
    execs=$(grep -oE 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -oE '[0-9]+$')
    cov=$(grep -oE 'cov: [0-9]+' "$log" | tail -n 1 | grep -oE '[0-9]+$')
    if [ $status -ne 0 ]; then
        echo "$target: FINDING after ${execs:-?} execs (exit $status); see $log"
        grep -E 'ERROR|SUMMARY|runtime error' "$log" | head -n 5
        failed=$((failed + 1))
    else
        secs=$(grep -oE 'Done [0-9]+ runs in [0-9]+ second' "$log" | grep -oE '[0-9]+ second' | grep -oE '[0-9]+')
        echo "$target: ${execs:-0} execs in ${secs:-${seconds:-?}} s, coverage ${cov:-0} edges, 0 findings"
        clean=$((clean + 1))
    fi
done
echo "fuzz: $clean passed, $failed failed"
[ $failed -eq 0 ]
