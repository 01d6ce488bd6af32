#!/usr/bin/env bash
# Starts or stops the throwaway PostgreSQL cluster that the integration tests use (a CTest fixture).
# Usage: pg_fixture.sh start|stop DIR PORT
# The cluster listens only on a unix socket in DIR/run, trusts local connections and skips fsync:
# it exists for one test run. As root, the server runs as the unprivileged postgres user.
set -euo pipefail
action=$1 dir=$2 port=$3
bindir=${CELLSCOPE_PG_BINDIR:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}
if [ ! -x "$bindir/pg_ctl" ]; then
    echo "pg_fixture: PostgreSQL server programs not found (install postgresql)" >&2
    exit 1
fi
as_server() {
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
case "$action" in
start)
    if [ -f "$dir/data/postmaster.pid" ]; then
        as_server "$bindir/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
    fi
    rm -rf "$dir"
    mkdir -p "$dir/data" "$dir/run"
    chmod 0755 "$dir"
    if [ "$(id -u)" = 0 ]; then chown -R postgres:postgres "$dir/data" "$dir/run"; fi
    as_server "$bindir/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 --no-sync >"$dir/initdb.log" 2>&1 \
        || { cat "$dir/initdb.log" >&2; exit 1; }
    as_server "$bindir/pg_ctl" -D "$dir/data" -l "$dir/run/server.log" -w -t 60 \
        -o "-p $port -k $dir/run -c listen_addresses= -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
        start >/dev/null
    echo "pg_fixture: PostgreSQL ready on $dir/run port $port"
    ;;
stop)
    if [ -f "$dir/data/postmaster.pid" ]; then
        as_server "$bindir/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null
    fi
    rm -rf "$dir"
    ;;
*)
    echo "usage: $0 start|stop DIR PORT" >&2
    exit 2
    ;;
esac
