#!/usr/bin/env bash
# Installs what is missing, builds (Release, warnings as errors) and runs every test with ctest:
# unit, PostgreSQL integration (ctest starts a throwaway cluster), QtTest offscreen, CLI goldens;
# then every fuzz target for a few seconds (tests/fuzz/run.sh; CELLSCOPE_FUZZ_SECONDS, default 5).
# Tests run in random order, so none can lean on another having run first. With
# CELLSCOPE_TEST_PG_PASSES=N (CI sets 2) the PostgreSQL-backed tests run N-1 more times, each time
# on a brand-new fixture cluster: first-run races (roles, databases created at once) show there.
set -euo pipefail
source_dir=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=setup.sh
source "$source_dir/packaging/setup.sh"
cellscope_install_packages
cellscope_build "$source_dir"
export QT_QPA_PLATFORM=offscreen
run_ctest() {
    ctest --test-dir "$source_dir/build/release" -j "$(nproc)" --output-on-failure --timeout 900 \
        --schedule-random "$@"
}
run_ctest
passes=${CELLSCOPE_TEST_PG_PASSES:-1}
for ((pass = 2; pass <= passes; ++pass)); do
    echo "cellscope: PostgreSQL-backed tests again (pass $pass of $passes) on a new fixture cluster"
    run_ctest -L postgres
done
tests_fuzz_seconds=${CELLSCOPE_FUZZ_SECONDS:-5}
echo "cellscope: fuzzing every parser for ${tests_fuzz_seconds} s each"
"$source_dir/tests/fuzz/run.sh" "$tests_fuzz_seconds"
