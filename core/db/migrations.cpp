#include "core/db/migrations.h"

#include "core/util/error.h"
#include "core/util/text.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QRegularExpression>

#include <pqxx/pqxx>
#include <pqxx/transaction>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <string_view>
#include <thread>

namespace cellscope::db {

namespace {

constexpr long kMigrationLockKey = 0x63656c6c73636f70; // "cellscop"

QString resourceDir(SchemaKind kind)
{
    return kind == SchemaKind::Control ? QStringLiteral(":/cellscope/sql/control")
                                       : QStringLiteral(":/cellscope/sql/cell");
}

void ensureLedger(pqxx::work& tx)
{
    tx.exec0("CREATE SCHEMA IF NOT EXISTS cellscope");
    tx.exec0("CREATE TABLE IF NOT EXISTS cellscope.schema_migration ("
             " version integer PRIMARY KEY,"
             " name text NOT NULL,"
             " checksum text NOT NULL,"
             " applied_at timestamptz NOT NULL DEFAULT now())");
}

// Roles and parameter grants live in catalogs shared by every database of the cluster, where the
// per-database advisory lock does not reach: two databases migrated at once can both decide to
// create the same role. The loser fails with one of these and simply tries again.
bool lostClusterWideRace(const pqxx::sql_error& e)
{
    const std::string& state = e.sqlstate();
    return state == "23505" /* unique_violation on pg_authid */ || state == "42710" /* duplicate_object */ ||
           state == "40001" || state == "40P01" ||
           (state == "XX000" &&
            std::string_view(e.what()).find("tuple concurrently") != std::string_view::npos);
}

constexpr int kMaxAttempts = 20;

// One migration in one transaction with its ledger row; false when it was applied already.
bool applyOne(pqxx::connection& connection, const Migration& migration)
{
    pqxx::work tx(connection, "migrate");
    tx.exec("SELECT pg_advisory_xact_lock(" + std::to_string(kMigrationLockKey) + ")");
    ensureLedger(tx);
    const auto done = tx.exec_params("SELECT checksum FROM cellscope.schema_migration WHERE version = $1",
                                     migration.version);
    if (!done.empty()) {
        tx.commit();
        return false;
    }
    tx.exec0(migration.sql);
    tx.exec_params0("INSERT INTO cellscope.schema_migration (version, name, checksum) VALUES ($1, $2, $3)",
                    migration.version, migration.name, migration.checksum);
    tx.commit();
    return true;
}

} // namespace

std::vector<Migration> bundledMigrations(SchemaKind kind)
{
    static const QRegularExpression namePattern(QStringLiteral("^(\\d{4})_[a-z0-9_]+\\.sql$"));
    std::vector<Migration> migrations;
    const QDir dir(resourceDir(kind));
    for (const QString& file : dir.entryList({QStringLiteral("*.sql")}, QDir::Files, QDir::Name)) {
        const auto match = namePattern.match(file);
        if (!match.hasMatch())
            fail(ErrorCode::Internal, "bundled migration has a malformed name: " + file.toStdString());
        QFile f(dir.filePath(file));
        if (!f.open(QIODevice::ReadOnly))
            fail(ErrorCode::Internal, "cannot read bundled migration " + file.toStdString());
        const QByteArray sql = f.readAll();
        migrations.push_back(
            {match.captured(1).toInt(), file.toStdString(), sql.toStdString(),
             QCryptographicHash::hash(sql, QCryptographicHash::Sha256).toHex().toStdString()});
    }
    if (migrations.empty())
        fail(ErrorCode::Internal, "no bundled migrations found in " + resourceDir(kind).toStdString());
    return migrations;
}

int migrate(pqxx::connection& connection, SchemaKind kind)
{
    int applied = 0;
    for (const Migration& migration : bundledMigrations(kind)) {
        for (int attempt = 1;; ++attempt) {
            try {
                applied += applyOne(connection, migration) ? 1 : 0;
                break;
            } catch (const pqxx::sql_error& e) {
                if (attempt >= kMaxAttempts || !lostClusterWideRace(e))
                    fail(ErrorCode::Internal,
                         "migration " + migration.name + " failed: " + firstLine(e.what()));
                // Another database of the cluster won the race; its work is committed now, and the
                // migration's own checks (IF NOT EXISTS) see it on the next attempt.
                std::this_thread::sleep_for(std::chrono::milliseconds(10 * attempt + std::rand() % 40));
            }
        }
    }
    return applied;
}

std::vector<MigrationState> migrationStatus(pqxx::connection& connection, SchemaKind kind)
{
    pqxx::read_transaction tx(connection);
    const bool hasLedger =
        tx.exec("SELECT to_regclass('cellscope.schema_migration') IS NOT NULL")[0][0].as<bool>();
    std::vector<MigrationState> states;
    for (Migration& migration : bundledMigrations(kind)) {
        MigrationState state;
        if (hasLedger) {
            const auto row =
                tx.exec_params("SELECT checksum, to_char(applied_at AT TIME ZONE 'UTC', "
                               "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') FROM cellscope.schema_migration "
                               "WHERE version = $1",
                               migration.version);
            if (!row.empty()) {
                state.applied = true;
                state.checksumMismatch = row[0][0].as<std::string>() != migration.checksum;
                state.appliedAt = row[0][1].as<std::string>();
            }
        }
        state.migration = std::move(migration);
        states.push_back(std::move(state));
    }
    return states;
}

} // namespace cellscope::db
