#include "core/backlog/store.h"

#include "core/db/database.h"
#include "core/db/errors.h"
#include "core/util/error.h"
#include "core/util/json_writer.h"
#include "core/util/text.h"

#include <QFile>
#include <QFileInfo>
#include <QRegularExpression>

#include <pqxx/pqxx>

#include <algorithm>
#include <map>
#include <sstream>

using namespace Qt::StringLiterals;

namespace cellscope::backlog {

namespace {

// Consistent reads across several statements (status reads snapshots, counts and entries).
using ReadTransaction = pqxx::transaction<pqxx::repeatable_read, pqxx::read_only>;

constexpr const char* kViewerRole = "cellscope_viewer";
constexpr const char* kLeadRole = "cellscope_lead";

// Runs a database step so that callers only ever see cellscope::Error; PostgreSQL's refusal (SQLSTATE
// 42501) becomes one sentence naming the role that is needed.
template <typename Step>
auto databaseStep(pqxx::connection& connection, const std::string& what, const std::string& needed,
                  Step&& step)
{
    try {
        return step();
    } catch (const pqxx::insufficient_privilege&) {
        fail(ErrorCode::Permission, what + " needs the " + needed +
                                        " role; PostgreSQL refused it for role '" + connection.username() +
                                        "'");
    } catch (...) {
        db::rethrowAsError(what);
    }
}

std::string str(const QString& text)
{
    return text.toStdString();
}

QString qstr(const pqxx::field& field)
{
    return QString::fromStdString(field.as<std::string>());
}

Action actionOf(const pqxx::field& field)
{
    const auto action = actionFromName(qstr(field));
    if (!action)
        fail(ErrorCode::Internal, "the backlog holds an unknown action: " + field.as<std::string>());
    return *action;
}

// Columns in this order: id, taken_at, imported_at, imported_by, git_rev, source_file, format, entries.
constexpr const char* kSnapshotColumns =
    "s.id, floor(extract(epoch FROM s.taken_at))::bigint, floor(extract(epoch FROM s.imported_at))::bigint, "
    "s.imported_by, coalesce(s.git_rev, ''), s.source_file, s.format, "
    "(SELECT count(*) FROM cellscope.backlog_entry e WHERE e.snapshot_id = s.id)";

SnapshotInfo snapshotOf(const pqxx::row& row)
{
    SnapshotInfo info;
    info.id = row[0].as<std::int64_t>();
    info.takenAt = row[1].as<std::int64_t>();
    info.importedAt = row[2].as<std::int64_t>();
    info.importedBy = qstr(row[3]);
    info.gitRev = qstr(row[4]);
    info.sourceFile = qstr(row[5]);
    info.format = mapFormatFromName(qstr(row[6])).value_or(MapFormat::Python);
    info.entryCount = row[7].as<int>();
    return info;
}

std::vector<SnapshotInfo> readSnapshots(pqxx::transaction_base& tx)
{
    std::vector<SnapshotInfo> snapshots;
    for (const auto& row : tx.exec(std::string("SELECT ") + kSnapshotColumns +
                                   " FROM cellscope.backlog_snapshot s ORDER BY s.taken_at, s.id"))
        snapshots.push_back(snapshotOf(row));
    return snapshots;
}

SnapshotInfo readSnapshot(pqxx::transaction_base& tx, std::int64_t id)
{
    const auto rows = tx.exec_params(
        std::string("SELECT ") + kSnapshotColumns + " FROM cellscope.backlog_snapshot s WHERE s.id = $1", id);
    if (rows.empty())
        fail(ErrorCode::BadInput, "there is no backlog snapshot " + std::to_string(id));
    return snapshotOf(rows[0]);
}

std::vector<TrackedEntry> readEntries(pqxx::transaction_base& tx, std::int64_t snapshotId)
{
    std::vector<TrackedEntry> entries;
    for (const auto& row : tx.exec_params(
             "SELECT e.url_name, e.action, coalesce(e.line, 0), coalesce(t.owner, ''), coalesce(t.team, ''), "
             "coalesce(t.status, 'open'), coalesce(t.notes, ''), coalesce(t.updated_by, ''), "
             "coalesce(floor(extract(epoch FROM t.updated_at))::bigint, 0) "
             "FROM cellscope.backlog_entry e LEFT JOIN cellscope.backlog_tracking t USING (url_name) "
             "WHERE e.snapshot_id = $1 ORDER BY e.url_name COLLATE \"C\"",
             snapshotId)) {
        TrackedEntry entry;
        entry.urlName = qstr(row[0]);
        entry.action = actionOf(row[1]);
        entry.line = row[2].as<int>();
        entry.tracking.owner = qstr(row[3]);
        entry.tracking.team = qstr(row[4]);
        entry.tracking.status = trackingStatusFromName(qstr(row[5])).value_or(TrackingStatus::Open);
        entry.tracking.notes = qstr(row[6]);
        entry.tracking.updatedBy = qstr(row[7]);
        entry.tracking.updatedAt = row[8].as<std::int64_t>();
        entries.push_back(std::move(entry));
    }
    return entries;
}

std::vector<MapEntry> mapOf(const std::vector<TrackedEntry>& entries)
{
    std::vector<MapEntry> map;
    map.reserve(entries.size());
    for (const TrackedEntry& entry : entries)
        map.push_back({entry.urlName, entry.action, entry.line});
    return map;
}

QString normalizedGitRev(const QString& rev)
{
    static const QRegularExpression hex(u"^[0-9a-fA-F]{4,64}$"_s);
    if (rev.isEmpty())
        return rev;
    if (!hex.match(rev).hasMatch())
        fail(ErrorCode::BadInput, "'" + str(rev) +
                                      "' is not a git commit id: give 4 to 64 hexadecimal digits (`git "
                                      "rev-parse HEAD` prints one)");
    return rev.toLower();
}

// The entries as one JSON array, so a whole snapshot is written by one parameterised statement.
std::string entriesJson(const std::vector<MapEntry>& entries)
{
    std::ostringstream out;
    JsonWriter w(out);
    w.beginArray();
    for (const MapEntry& entry : entries) {
        w.beginObject().key("u").value(str(entry.urlName)).key("a").value(str(actionName(entry.action)));
        w.key("l");
        if (entry.line > 0)
            w.value(entry.line);
        else
            w.null();
        w.endObject();
    }
    w.endArray();
    return out.str();
}

std::int64_t insertSnapshot(pqxx::work& tx, const ParsedSnapshot& snapshot)
{
    const std::string takenAt = snapshot.options.takenAt ? std::to_string(*snapshot.options.takenAt) : "";
    const auto id =
        tx.exec_params1("INSERT INTO cellscope.backlog_snapshot (taken_at, git_rev, source_file, format) "
                        "VALUES (coalesce(to_timestamp(nullif($1, '')::double precision), now()), "
                        "nullif($2, ''), $3, $4) RETURNING id",
                        takenAt, str(normalizedGitRev(snapshot.options.gitRev)), str(snapshot.sourceFile),
                        str(mapFormatName(snapshot.format)))[0]
            .as<std::int64_t>();
    tx.exec_params0("INSERT INTO cellscope.backlog_entry (snapshot_id, url_name, action, line) "
                    "SELECT $1, e->>'u', e->>'a', (e->>'l')::integer FROM jsonb_array_elements($2::jsonb) e",
                    id, entriesJson(snapshot.entries));
    return id;
}

} // namespace

Store::Store(const std::string& conninfo) : m_connection(db::connect(conninfo))
{
    // pg_catalog is readable by every role, so a role without backlog grants still gets the right
    // message (a permission error) rather than "not migrated".
    pqxx::nontransaction tx(*m_connection);
    if (tx.exec("SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = 'cellscope' AND c.relname = 'backlog_snapshot'")
            .empty())
        fail(ErrorCode::Conflict, "the database has no backlog tables yet: apply migration 0003_backlog "
                                  "(cellctl db migrate) as the database owner");
}

Store::~Store() = default;

Permissions Store::permissions()
{
    pqxx::nontransaction tx(*m_connection);
    const auto row = tx.exec1("SELECT has_any_column_privilege('cellscope.backlog_snapshot', 'INSERT') "
                              "AND has_table_privilege('cellscope.backlog_entry', 'INSERT'), "
                              "has_column_privilege('cellscope.backlog_tracking', 'status', 'UPDATE') "
                              "AND has_column_privilege('cellscope.backlog_tracking', 'url_name', 'INSERT')");
    return {row[0].as<bool>(), row[1].as<bool>()};
}

ImportResult Store::importFile(const QString& path, const ImportOptions& options)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        throw ImportError(ImportError::Reason::FileUnreadable, path, 0, 0,
                          u"cannot read the file: %1"_s.arg(file.errorString()));
    const QByteArray content = file.readAll();
    const auto format = detectMapFormat(path, content);
    ParsedSnapshot snapshot;
    snapshot.entries = importMap(content, path, format);
    snapshot.format = format.value_or(MapFormat::Python); // importMap refused the file when unset
    snapshot.sourceFile = QFileInfo(path).absoluteFilePath();
    snapshot.options = options;
    return importSnapshot(snapshot);
}

ImportResult Store::importSnapshot(const ParsedSnapshot& snapshot)
{
    normalizedGitRev(snapshot.options.gitRev); // refuse a bad revision before touching the database
    return databaseStep(*m_connection, "importing a backlog snapshot", kLeadRole, [&] {
        pqxx::work tx(*m_connection, "backlog_import");
        const std::int64_t id = insertSnapshot(tx, snapshot);
        ImportResult result;
        result.snapshot = readSnapshot(tx, id);
        const auto previous =
            tx.exec_params("SELECT id FROM cellscope.backlog_snapshot WHERE (taken_at, id) < "
                           "(SELECT taken_at, id FROM cellscope.backlog_snapshot WHERE id = $1) "
                           "ORDER BY taken_at DESC, id DESC LIMIT 1",
                           id);
        if (!previous.empty()) {
            const std::int64_t previousId = previous[0][0].as<std::int64_t>();
            SnapshotDiff diff = diffEntries(mapOf(readEntries(tx, previousId)), snapshot.entries);
            diff.from = readSnapshot(tx, previousId);
            diff.to = result.snapshot;
            result.sincePrevious = std::move(diff);
        }
        tx.commit();
        return result;
    });
}

std::vector<SnapshotInfo> Store::snapshots()
{
    return databaseStep(*m_connection, "reading the backlog", kViewerRole, [&] {
        ReadTransaction tx(*m_connection);
        return readSnapshots(tx);
    });
}

SnapshotInfo Store::resolveSnapshot(QStringView reference)
{
    if (reference == u"first" || reference == u"latest") {
        const auto all = snapshots();
        if (all.empty())
            fail(ErrorCode::BadInput,
                 "there are no backlog snapshots yet; import a URL_NAME_TO_ACTION map first");
        return reference == u"first" ? all.front() : all.back();
    }
    bool ok = false;
    const qlonglong id = reference.toLongLong(&ok);
    if (!ok || id <= 0)
        fail(ErrorCode::BadInput, "'" + reference.toString().toStdString() +
                                      "' is not a snapshot: give a snapshot id, first or latest");
    return databaseStep(*m_connection, "reading the backlog", kViewerRole, [&] {
        ReadTransaction tx(*m_connection);
        return readSnapshot(tx, id);
    });
}

std::vector<TrackedEntry> Store::entries(std::int64_t snapshotId)
{
    return databaseStep(*m_connection, "reading the backlog", kViewerRole, [&] {
        ReadTransaction tx(*m_connection);
        readSnapshot(tx, snapshotId);
        return readEntries(tx, snapshotId);
    });
}

StatusReport Store::status()
{
    return databaseStep(*m_connection, "reading the backlog", kViewerRole, [&] {
        ReadTransaction tx(*m_connection);
        std::vector<SnapshotInfo> snapshots = readSnapshots(tx);
        std::map<std::int64_t, BurndownPoint> points;
        for (const SnapshotInfo& snapshot : snapshots)
            points[snapshot.id] = {snapshot.id, snapshot.takenAt, {}, snapshot.entryCount};
        for (const auto& row : tx.exec("SELECT snapshot_id, action, count(*) FROM cellscope.backlog_entry "
                                       "GROUP BY snapshot_id, action")) {
            const Action action = actionOf(row[1]);
            const auto index = static_cast<std::size_t>(
                std::find(allActions.begin(), allActions.end(), action) - allActions.begin());
            points[row[0].as<std::int64_t>()].byAction[index] = row[2].as<int>();
        }
        // Each snapshot against the one before it in snapshot order.
        for (const auto& row : tx.exec(
                 "WITH ordered AS (SELECT id, lag(id) OVER (ORDER BY taken_at, id) AS previous "
                 "FROM cellscope.backlog_snapshot) "
                 "SELECT o.id, "
                 "(SELECT count(*) FROM cellscope.backlog_entry e WHERE e.snapshot_id = o.id AND NOT EXISTS "
                 "(SELECT 1 FROM cellscope.backlog_entry p WHERE p.snapshot_id = o.previous "
                 "AND p.url_name = e.url_name)), "
                 "(SELECT count(*) FILTER (WHERE e.action = 'TO_BE_BROKEN') FROM cellscope.backlog_entry e "
                 "WHERE e.snapshot_id = o.id AND NOT EXISTS (SELECT 1 FROM cellscope.backlog_entry p "
                 "WHERE p.snapshot_id = o.previous AND p.url_name = e.url_name)), "
                 "(SELECT count(*) FROM cellscope.backlog_entry p WHERE p.snapshot_id = o.previous AND NOT "
                 "EXISTS (SELECT 1 FROM cellscope.backlog_entry e WHERE e.snapshot_id = o.id "
                 "AND e.url_name = p.url_name)) "
                 "FROM ordered o WHERE o.previous IS NOT NULL")) {
            BurndownPoint& point = points[row[0].as<std::int64_t>()];
            point.added = row[1].as<int>();
            point.violations = point.added + row[2].as<int>();
            point.removed = row[3].as<int>();
        }
        std::vector<BurndownPoint> burndown;
        for (const SnapshotInfo& snapshot : snapshots)
            burndown.push_back(points[snapshot.id]);
        std::vector<MapEntry> first;
        std::vector<TrackedEntry> latest;
        if (!snapshots.empty()) {
            first = mapOf(readEntries(tx, snapshots.front().id));
            latest = readEntries(tx, snapshots.back().id);
        }
        return summarize(std::move(snapshots), std::move(burndown), first, std::move(latest));
    });
}

SnapshotDiff Store::diff(std::int64_t fromSnapshotId, std::int64_t toSnapshotId)
{
    return databaseStep(*m_connection, "reading the backlog", kViewerRole, [&] {
        ReadTransaction tx(*m_connection);
        const SnapshotInfo from = readSnapshot(tx, fromSnapshotId);
        const SnapshotInfo to = readSnapshot(tx, toSnapshotId);
        SnapshotDiff diff =
            diffEntries(mapOf(readEntries(tx, fromSnapshotId)), mapOf(readEntries(tx, toSnapshotId)));
        diff.from = from;
        diff.to = to;
        return diff;
    });
}

TrackedEntry Store::updateTracking(const QString& urlName, const TrackingUpdate& update)
{
    if (!update.owner && !update.team && !update.status && !update.notes)
        fail(ErrorCode::BadInput, "nothing to change: give an owner, a team, a status or notes");
    const auto text = [](const std::optional<QString>& value) {
        return value ? str(value->trimmed()) : std::string();
    };
    return databaseStep(*m_connection, "changing backlog tracking", kLeadRole, [&] {
        pqxx::work tx(*m_connection, "backlog_tracking");
        // The entry as its most recent snapshot lists it.
        const auto listed =
            tx.exec_params("SELECT e.action, coalesce(e.line, 0) FROM cellscope.backlog_entry e "
                           "JOIN cellscope.backlog_snapshot s ON s.id = e.snapshot_id WHERE e.url_name = $1 "
                           "ORDER BY s.taken_at DESC, s.id DESC LIMIT 1",
                           str(urlName));
        if (listed.empty())
            fail(ErrorCode::BadInput,
                 "no backlog snapshot lists '" + str(urlName) + "'; check the URL name (see backlog status)");
        const auto row = tx.exec_params1(
            "INSERT INTO cellscope.backlog_tracking AS t (url_name, owner, team, status, notes) "
            "VALUES ($1, nullif($2, ''), nullif($4, ''), coalesce(nullif($6, ''), 'open'), nullif($8, '')) "
            "ON CONFLICT (url_name) DO UPDATE SET "
            "owner = CASE WHEN $3 THEN EXCLUDED.owner ELSE t.owner END, "
            "team = CASE WHEN $5 THEN EXCLUDED.team ELSE t.team END, "
            "status = CASE WHEN $7 THEN EXCLUDED.status ELSE t.status END, "
            "notes = CASE WHEN $9 THEN EXCLUDED.notes ELSE t.notes END "
            "RETURNING coalesce(owner, ''), coalesce(team, ''), status, coalesce(notes, ''), updated_by, "
            "floor(extract(epoch FROM updated_at))::bigint",
            str(urlName), text(update.owner), update.owner.has_value(), text(update.team),
            update.team.has_value(), update.status ? str(trackingStatusName(*update.status)) : std::string(),
            update.status.has_value(), text(update.notes), update.notes.has_value());
        TrackedEntry entry;
        entry.urlName = urlName;
        entry.action = actionOf(listed[0][0]);
        entry.line = listed[0][1].as<int>();
        entry.tracking.owner = qstr(row[0]);
        entry.tracking.team = qstr(row[1]);
        entry.tracking.status = trackingStatusFromName(qstr(row[2])).value_or(TrackingStatus::Open);
        entry.tracking.notes = qstr(row[3]);
        entry.tracking.updatedBy = qstr(row[4]);
        entry.tracking.updatedAt = row[5].as<std::int64_t>();
        tx.commit();
        return entry;
    });
}

void Store::replaceHistory(const std::vector<ParsedSnapshot>& snapshots,
                           const std::vector<TrackingRecord>& tracking)
{
    for (const ParsedSnapshot& snapshot : snapshots)
        normalizedGitRev(snapshot.options.gitRev);
    std::ostringstream trackingJson;
    JsonWriter w(trackingJson);
    w.beginArray();
    for (const TrackingRecord& record : tracking) {
        const Tracking& t = record.tracking;
        w.beginObject().key("u").value(str(record.urlName)).key("o").value(str(t.owner));
        w.key("t").value(str(t.team)).key("s").value(str(trackingStatusName(t.status)));
        w.key("n").value(str(t.notes)).key("b").value(str(t.updatedBy)).key("at");
        if (t.updatedAt > 0)
            w.value(t.updatedAt);
        else
            w.null();
        w.endObject();
    }
    w.endArray();

    databaseStep(*m_connection, "replacing the backlog history", "backlog tables' owner", [&] {
        pqxx::work tx(*m_connection, "backlog_replace");
        tx.exec0("TRUNCATE cellscope.backlog_entry, cellscope.backlog_snapshot, cellscope.backlog_tracking "
                 "RESTART IDENTITY");
        for (const ParsedSnapshot& snapshot : snapshots)
            insertSnapshot(tx, snapshot);
        tx.exec_params0(
            "INSERT INTO cellscope.backlog_tracking (url_name, owner, team, status, notes, updated_by, "
            "updated_at) SELECT e->>'u', nullif(e->>'o', ''), nullif(e->>'t', ''), e->>'s', "
            "nullif(e->>'n', ''), coalesce(nullif(e->>'b', ''), current_user), "
            "coalesce(to_timestamp((e->>'at')::double precision), now()) FROM "
            "jsonb_array_elements($1::jsonb) e",
            trackingJson.str());
        tx.commit();
    });
}

} // namespace cellscope::backlog
