# shellcheck shell=bash
# Sourced by the benchmark scripts: start_throwaway_cluster DIR PORT [SETTING=VALUE...] initialises a
# PostgreSQL cluster in DIR (removed first), starts it on a Unix socket in DIR/run with the
# settings given, and stops and removes it when the script exits. Sets $bindir (the newest
# installed PostgreSQL) and as_server (runs a command as the server's owner).
# shellcheck disable=SC2012 # versioned directory names, no spaces
bindir=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
as_server() {
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

start_throwaway_cluster() {
    local dir=$1 options="-p $2 -k $1/run -c listen_addresses=" setting
    shift 2
    for setting in "$@"; do options+=" -c $setting"; done
    rm -rf "$dir"
    mkdir -p "$dir/data" "$dir/run"
    if [ "$(id -u)" = 0 ]; then chown -R postgres:postgres "$dir"; fi
    as_server "$bindir/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log"
    as_server "$bindir/pg_ctl" -D "$dir/data" -l "$dir/run/server.log" -w -o "$options" start >/dev/null
    # shellcheck disable=SC2064 # expanded now: the directory is this call's
    trap "as_server '$bindir/pg_ctl' -D '$dir/data' -m fast -w stop >/dev/null; rm -rf '$dir'" EXIT
}
