#!/usr/bin/env bash
# Round trip of the golden demo world through a binary snapshot: the JSON exported from the database
# and the JSON exported again from the binary file must be the same bytes, and queries through
# --snapshot must print what they print through --db (queries that read no cell database: `org`
# also lists a cell's projects, which a snapshot does not hold).
# Usage: snapshot_binary_roundtrip.sh CELLCTL CONNINFO
set -euo pipefail
cellctl=$1 db=$2
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
"$cellctl" --db "$db" snapshot export "$dir/from-db.json" 2>/dev/null
"$cellctl" --db "$db" snapshot export "$dir/world.cssnap" --format binary 2>/dev/null
"$cellctl" --snapshot "$dir/world.cssnap" snapshot export "$dir/from-binary.json" 2>/dev/null
# Two reads of the database a second apart differ in taken_at only.
untimed() { sed -E 's/"taken_at":"[^"]*"/"taken_at":""/' "$1"; }
cmp <(untimed "$dir/from-db.json") <(untimed "$dir/from-binary.json")
# The binary file made from the JSON file gives the same JSON too.
"$cellctl" --snapshot "$dir/from-db.json" snapshot export "$dir/from-json.cssnap" --format binary 2>/dev/null
"$cellctl" --snapshot "$dir/from-json.cssnap" snapshot export - | cmp "$dir/from-db.json" -
for query in "user 100 --json" "user KEN261@mail.example" \
    "orgs --search otter --limit 5 --json" "orgs --cell de1 --limit 5" "cells --json"; do
    # shellcheck disable=SC2086
    diff <("$cellctl" --db "$db" $query) <("$cellctl" --snapshot "$dir/world.cssnap" $query) ||
        { echo "cellctl $query differs between --db and the binary snapshot" >&2; exit 1; }
done
echo "binary snapshot round trip: identical JSON and answers"
