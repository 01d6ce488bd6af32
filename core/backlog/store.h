#pragma once

#include "core/backlog/history.h"
#include "core/backlog/map_import.h"

#include <QString>
#include <QStringView>

#include <pqxx/connection>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace cellscope::backlog {

struct ImportOptions
{
    std::optional<std::int64_t> takenAt; // unix seconds; the import time when unset
    QString gitRev;                      // 4 to 64 hex digits, or empty
};

struct ImportResult
{
    SnapshotInfo snapshot;
    // Against the snapshot just before it in time, with the rule violations; unset for the first snapshot.
    std::optional<SnapshotDiff> sincePrevious;
};

// A change of tracking: unset fields are kept; an empty owner, team or notes clears it.
struct TrackingUpdate
{
    std::optional<QString> owner;
    std::optional<QString> team;
    std::optional<TrackingStatus> status;
    std::optional<QString> notes;
};

// What the connected role may do, so a face can offer only what will work. The database enforces it anyway.
struct Permissions
{
    bool importSnapshots = false;
    bool editTracking = false;
};

// A snapshot as read from a file, for callers that parse it themselves (the demo seeder).
struct ParsedSnapshot
{
    std::vector<MapEntry> entries;
    QString sourceFile;
    MapFormat format = MapFormat::Python;
    ImportOptions options;
};

// A tracking row as stored, for bulk writes (the demo seeder).
struct TrackingRecord
{
    QString urlName;
    Tracking tracking;
};

// The backlog tables of the control database (migration 0003_backlog). Every call runs in its own
// transaction and returns plain values. One Store owns one connection: use it from one thread at a time.
// Every failure is a cellscope::Error: Unreachable when the database cannot be reached, Conflict when it
// lacks the backlog tables, Permission naming the role needed when PostgreSQL refuses the connected role,
// BadInput for unknown snapshots or entries (ImportError for a malformed map file), Internal otherwise.
class Store
{
public:
    explicit Store(const std::string& conninfo);
    ~Store();
    Store(const Store&) = delete;
    Store& operator=(const Store&) = delete;

    Permissions permissions();

    // Parses the file (nothing is written when it is malformed), then stores it as one snapshot in one
    // transaction. The source file is recorded as an absolute path.
    ImportResult importFile(const QString& path, const ImportOptions& options = {});
    ImportResult importSnapshot(const ParsedSnapshot& snapshot);

    // In snapshot order: taken_at, then id.
    std::vector<SnapshotInfo> snapshots();
    // "first", "latest" or a snapshot id; Error(BadInput) when there is no such snapshot.
    SnapshotInfo resolveSnapshot(QStringView reference);
    std::vector<TrackedEntry> entries(std::int64_t snapshotId);

    StatusReport status();
    SnapshotDiff diff(std::int64_t fromSnapshotId, std::int64_t toSnapshotId);

    // Error(BadInput) when no snapshot ever listed the URL name or the update changes nothing.
    TrackedEntry updateTracking(const QString& urlName, const TrackingUpdate& update);

    // Replaces every snapshot and tracking row in one transaction (ids restart at 1), keeping the given
    // tracking stamps. Needs the tables' owner: it is for seeding, not for leads.
    void replaceHistory(const std::vector<ParsedSnapshot>& snapshots,
                        const std::vector<TrackingRecord>& tracking);

private:
    std::unique_ptr<pqxx::connection> m_connection;
};

} // namespace cellscope::backlog
