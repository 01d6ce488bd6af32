#pragma once

#include <pqxx/connection>

#include <string>
#include <vector>

namespace cellscope::db {

// Which schema a database carries: the control silo's or a cell's.
enum class SchemaKind
{
    Control,
    Cell
};

struct Migration
{
    int version = 0;
    std::string name; // file name, e.g. "0001_control_silo.sql"
    std::string sql;
    std::string checksum; // sha256 of the file, to notice an edited migration
};

struct MigrationState
{
    Migration migration;
    bool applied = false;
    std::string appliedAt;         // ISO time, when applied
    bool checksumMismatch = false; // applied, but the file changed since
};

// The migrations shipped in resources/sql/<kind>/, ordered by version.
std::vector<Migration> bundledMigrations(SchemaKind kind);

// Applies pending migrations in order, each in its own transaction together with its record in
// cellscope.schema_migration. An advisory lock serialises concurrent migrators. Returns how many ran.
int migrate(pqxx::connection& connection, SchemaKind kind);

std::vector<MigrationState> migrationStatus(pqxx::connection& connection, SchemaKind kind);

} // namespace cellscope::db
