#!/usr/bin/env bash
# What the departure guard (cell migration 0010) costs a writer: single-row inserts into a table
# linked to the organization by a declared column, on a throwaway PostgreSQL cluster with a cell's
# migrations (synchronous_commit off: the guard's CPU, not the disk's flush), measured with
# pgbench next to the same inserts without the guard.
# Usage: tests/bench/departure_guard.sh [SECONDS per run, default 10] [RUNS, default 3]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
seconds=${1:-10}
runs=${2:-3}
dir=${CELLSCOPE_BENCH_DEPARTURE_DIR:-/tmp/cellscope-bench-departure}
port=55611
# shellcheck source-path=SCRIPTDIR source=throwaway_cluster.sh
. "$root/tests/bench/throwaway_cluster.sh"
start_throwaway_cluster "$dir" "$port" synchronous_commit=off

sql() { "$bindir/psql" -X -q -v ON_ERROR_STOP=1 -h "$dir/run" -p "$port" -U postgres -d cell "$@"; }
"$bindir/createdb" -h "$dir/run" -p "$port" -U postgres cell
sql -c "CREATE SCHEMA cellscope"
for migration in "$root"/resources/sql/cell/*.sql; do
    sql -f "$migration" >/dev/null 2>&1 || sql -f "$migration"
done
# What cellctl db migrate installs on a table whose link the settings declare.
sql <<'EOF'
CREATE TABLE loose (id bigserial PRIMARY KEY, organization_id bigint NOT NULL, v text);
CREATE TRIGGER frozen_org_insert AFTER INSERT ON loose REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION cellscope.refuse_frozen_org_writes('organization_id = $1');
INSERT INTO sentry_organization (id, name, slug) VALUES (1, 'writer', 'writer');
EOF
echo "INSERT INTO loose (organization_id, v) VALUES (1, 'x');" >"$dir/single.sql"
# A statement of 10,000 rows, of 100 organizations, as a bulk load would write.
echo "INSERT INTO loose (organization_id, v) SELECT 1 + g % 100, 'x' FROM generate_series(1, 10000) g;" \
    >"$dir/bulk.sql"
sql -c "INSERT INTO sentry_organization (id, name, slug) SELECT g, 'o', 'o' || g FROM generate_series(2, 100) g"

# Median microseconds per row over $runs pgbench runs of $seconds each (one client, prepared);
# $1: the script, $2: its rows per statement. The table is emptied before each run.
median_us() {
    for _ in $(seq "$runs"); do
        sql -c "TRUNCATE loose"
        "$bindir/pgbench" -n -M prepared -c 1 -T "$seconds" -f "$dir/$1" -h "$dir/run" -p "$port" \
            -U postgres cell 2>/dev/null | awk -v rows="$2" '/^tps/ { printf "%.2f\n", 1e6 / $3 / rows }'
    done | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}
measure() { echo "$(median_us single.sql 1) $(median_us bulk.sql 10000)"; }

read -r single_base bulk_base < <(measure)
sql -c "CREATE TRIGGER org_departed_insert AFTER INSERT ON loose REFERENCING NEW TABLE AS new_rows
            FOR EACH STATEMENT EXECUTE FUNCTION cellscope.refuse_departed_org_rows('organization_id')"
read -r single_none bulk_none < <(measure)
sql -c "INSERT INTO cellscope.departed_org (organization_id, relocation_id, target_cell) VALUES (100001, 1, 'us2')"
read -r single_one bulk_one < <(measure)
sql -c "INSERT INTO cellscope.departed_org (organization_id, relocation_id, target_cell)
        SELECT g, g, 'us2' FROM generate_series(100002, 200000) g; ANALYZE cellscope.departed_org"
read -r single_many bulk_many < <(measure)

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2fx", a / b }'; }
echo "insert into a table linked by a declared column; median us per row of $runs x ${seconds} s runs"
echo "(pgbench, 1 client); the writers' organizations live in the cell:"
printf "  %-42s %10s %8s %14s %8s\n" "" "1-row stmt" "ratio" "10,000-row stmt" "ratio"
row() { printf "  %-42s %10s %8s %14s %8s\n" "$1" "$2" "$(ratio "$2" "$single_base")" "$3" "$(ratio "$3" "$bulk_base")"; }
row "without the departure guard (baseline)" "$single_base" "$bulk_base"
row "guard, no organization departed" "$single_none" "$bulk_none"
row "guard, 1 organization departed" "$single_one" "$bulk_one"
row "guard, 100,000 organizations departed" "$single_many" "$bulk_many"
