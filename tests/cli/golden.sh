#!/usr/bin/env bash
# Golden-output test for cellctl: runs one command and compares what it printed with
# tests/cli/golden/NAME.out. A successful command is judged by its stdout; a failing one by
# "[exit N]", its stdout (e.g. {"valid": false, …}) and its stderr (one clear line is the contract).
# UPDATE_GOLDEN=1 rewrites the file.
# Usage: golden.sh GOLDEN_DIR NAME CELLCTL [ARGS...]
set -uo pipefail
golden_dir=$1 name=$2 cellctl=$3
shift 3
expected="$golden_dir/$name.out"
out=$(mktemp) err=$(mktemp)
trap 'rm -f "$out" "$err"' EXIT
"$cellctl" "$@" >"$out" 2>"$err"
status=$?
actual=$(mktemp)
trap 'rm -f "$out" "$err" "$actual"' EXIT
if [ "$status" = 0 ]; then
    cat "$out" >"$actual"
else
    { echo "[exit $status]"; cat "$out" "$err"; } >"$actual"
fi
# What differs between machines and runs: the fixture's socket directory, the checkout's path,
# and the moment a database snapshot was read.
if [ -n "${CELLSCOPE_TEST_PGHOST:-}" ]; then
    sed -i "s|$CELLSCOPE_TEST_PGHOST|<PGHOST>|g" "$actual"
fi
sed -i "s|$(cd "$golden_dir/../../.." && pwd)|<SRC>|g" "$actual"
sed -i -E "s/\(read [0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z\)/(read <TIME>)/" "$actual"
if [ "${UPDATE_GOLDEN:-}" = 1 ]; then
    cp "$actual" "$expected"
    echo "updated $expected"
    exit 0
fi
if ! diff -u "$expected" "$actual"; then
    echo "golden mismatch for '$name': cellctl $*" >&2
    echo "(if the change is intended: UPDATE_GOLDEN=1 ctest -R golden)" >&2
    exit 1
fi
