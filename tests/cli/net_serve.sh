#!/usr/bin/env bash
# cellctl's network faces end to end, on loopback: `serve locator` and `serve control-api` on port 0,
# `--control-url` pulling from the latter (and falling back to its backup once it is gone), a
# locator fed by a dead control plane answering 503, and SIGTERM stopping each server with exit 0.
# Usage: net_serve.sh CELLCTL SNAPSHOT_FILE
set -uo pipefail
cellctl=$1 snapshot=$2
command -v curl >/dev/null || { echo "net_serve.sh needs curl" >&2; exit 1; }
work=$(mktemp -d)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; rm -rf "$work"' EXIT
export SYNAPSE_HMAC_SECRET=cli-secret XDG_CACHE_HOME=$work/cache CELLSCOPE_CONFIG=/nonexistent/cellscope.ini
failures=0
check() { # check DESCRIPTION EXPECTED ACTUAL
    if [ "$2" != "$3" ]; then
        echo "FAIL: $1: expected '$2', got '$3'" >&2
        failures=$((failures + 1))
    fi
}
contains() { # contains DESCRIPTION NEEDLE FILE
    grep -qF -- "$2" "$3" || { echo "FAIL: $1: '$2' not in $3:" >&2; cat "$3" >&2; failures=$((failures + 1)); }
}
# start NAME ARGS...: runs cellctl ARGS in the background, waits for its URL; sets $url and $pid.
start() {
    local name=$1
    shift
    "$cellctl" "$@" >"$work/$name.out" 2>"$work/$name.err" &
    pid=$!
    pids+=("$pid")
    for _ in $(seq 100); do
        url=$(sed -n 's|^cellctl: serving .* on \(http://127.0.0.1:[0-9]*/\)$|\1|p' "$work/$name.out")
        [ -n "$url" ] && return 0
        sleep 0.1
    done
    echo "FAIL: $name did not start:" >&2
    cat "$work/$name.err" >&2
    exit 1
}
# stop NAME: SIGTERM, then the exit status must be 0 and stdout must say so.
stop() {
    kill -TERM "$pid"
    wait "$pid"
    check "$1 exit status after SIGTERM" 0 $?
    contains "$1 stop line" "cellctl: stopped on SIGTERM" "$work/$1.out"
}
get() { curl -s -o "$work/body" -w '%{http_code}' "$@"; }

start locator --snapshot "$snapshot" serve locator --listen 127.0.0.1:0 --default-cell de=de1
check "locator org" 200 "$(get "${url}?id=acme&locality=us")"
check "locator body" '{"cell":"us1"}' "$(cat "$work/body")"
check "locator mismatch" 404 "$(get "${url}?id=acme&locality=de")"
check "locator default cell" 200 "$(get "${url}?id=nobody&locality=de")"
check "locator ready" 200 "$(get "${url}ready")"
# trace --verify: agreeing answers add nothing; a stale copy of the world disagrees with the locator.
verify_out=$("$cellctl" --snapshot "$snapshot" trace https://us.sentry.io/api/0/organizations/acme/ --verify "$url")
check "verify agrees" "" "$(printf '%s\n' "$verify_out" | grep -c locator_disagrees | sed 's/^0$//')"
python3 -c "import json,sys; d=json.load(open(sys.argv[1])); d['organizations'][0]['cell']='us2'; json.dump(d, open(sys.argv[2], 'w'))" \
    "$snapshot" "$work/stale.json"
verify_out=$("$cellctl" --snapshot "$work/stale.json" trace https://us.sentry.io/api/0/organizations/acme/ --verify "$url")
check "verify disagrees" 1 "$(printf '%s\n' "$verify_out" | grep -c 'locator_disagrees: .* answers cell us1')"
stop locator
contains "locator request log" "GET /?id=acme&locality=us 200" "$work/locator.err"

start control --snapshot "$snapshot" serve control-api --listen 127.0.0.1:0
control=$url
check "control without signature" 401 "$(get "${control}api/0/internal/org-cell-mappings/")"
"$cellctl" --control-url "$control" orgs --json >"$work/orgs.json" 2>"$work/orgs.err"
check "orgs over --control-url" 0 $?
contains "orgs over --control-url" '"slug": "initech"' "$work/orgs.json"
stop control

# Control is gone: the backup written by the pull above stands in, and the CLI says so.
"$cellctl" --control-url "$control" world >"$work/world.out" 2>"$work/world.err"
check "world from the backup" 0 $?
contains "backup notice" "USING THE BACKUP SNAPSHOT" "$work/world.err"
contains "backup world" "3 organizations" "$work/world.out"
"$cellctl" --control-url "$control" world --json >/dev/null 2>"$work/world-json.err"
contains "backup warning with --json" "cellctl: warning: control API at" "$work/world-json.err"

# A locator fed by an unreachable control plane without a backup: up, but not ready.
start dead --control-url "http://127.0.0.1:1" serve locator --listen 127.0.0.1:0
check "not ready" 503 "$(get "${url}?id=acme")"
check "not ready body" '{"error_message":"the locator is not ready yet"}' "$(cat "$work/body")"
check "not ready /ready" 503 "$(get "${url}ready")"
check "health while not ready" 200 "$(get "${url}health")"
stop dead

"$cellctl" --control-url "$control" --snapshot "$snapshot" world >/dev/null 2>"$work/both.err"
check "two sources" 2 $?
contains "two sources" "give only one of --db, --snapshot and --control-url" "$work/both.err"

[ "$failures" = 0 ] && echo "net_serve: all checks passed"
exit $((failures > 0))
