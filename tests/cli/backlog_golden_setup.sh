#!/usr/bin/env bash
# Recreates the databases of the backlog golden tests, so their outputs do not depend on test order:
#   golden_backlog         three imported weeks plus tracking with fixed times (read only for the goldens)
#   golden_backlog_import  week 1 only: the one golden that imports successfully adds week 2 on top
#   golden_backlog_empty   migrated, no snapshots: refused imports go here and must leave it empty
# and the LOGIN role golden_viewer (a cellscope_viewer) for the permission golden.
# Usage: backlog_golden_setup.sh CELLCTL PGHOST PGPORT FIXTURES_DIR
set -euo pipefail
cellctl=$1 host=$2 port=$3 fixtures=$4
bindir=${CELLSCOPE_PG_BINDIR:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}
sql() { "$bindir/psql" -X -q -v ON_ERROR_STOP=1 -h "$host" -p "$port" -U postgres "$@"; }
db() { echo "host=$host port=$port user=postgres dbname=$1"; }
history=$fixtures/backlog/history

for name in golden_backlog golden_backlog_import golden_backlog_empty; do
    sql -d postgres -c "DROP DATABASE IF EXISTS $name WITH (FORCE)" -c "CREATE DATABASE $name"
    "$cellctl" --db "$(db $name)" db migrate >/dev/null
done
"$cellctl" --db "$(db golden_backlog)" backlog import "$history/week1.py" --at 2025-01-06 --rev 1111aaaa >/dev/null
"$cellctl" --db "$(db golden_backlog)" backlog import "$history/week2.json" --at 2025-01-13 --rev 2222bbbb >/dev/null
"$cellctl" --db "$(db golden_backlog)" backlog import "$history/week3.csv" --at 2025-01-20 >/dev/null
# `backlog set` stamps the current time; the owner of the tables may write fixed stamps instead.
sql -d golden_backlog -c "INSERT INTO cellscope.backlog_tracking (url_name, owner, team, status, notes, updated_at)
    VALUES ('sentry-api-0-organizations', 'chen.li', 'hybrid-cloud', 'in_progress',
            'query OrganizationMemberMapping on control', '2025-01-15 10:00:00+00'),
           ('sentry-api-0-admin-quotas', 'gabe.o', 'hybrid-cloud', 'done', NULL, '2025-01-16 11:30:00+00'),
           ('sentry-api-0-internal-stats', 'ines.k', 'infrastructure', 'done', 'now internal', '2025-01-10 09:00:00+00')"
"$cellctl" --db "$(db golden_backlog_import)" backlog import "$history/week1.py" --at 2025-01-06 >/dev/null
sql -d postgres -c "DROP ROLE IF EXISTS golden_viewer" -c "CREATE ROLE golden_viewer LOGIN IN ROLE cellscope_viewer"
