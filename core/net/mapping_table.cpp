#include "core/net/mapping_table.h"

#include "core/db/database.h"
#include "core/db/mapping_stamp.h"
#include "core/util/error.h"

#include <pqxx/pqxx>

#include <algorithm>
#include <tuple>

namespace cellscope::net {

namespace {

bool before(const MappingRow& row, const Cursor& cursor)
{
    return std::tie(row.updatedAt, row.rowId) <= std::tie(cursor.updatedAt, cursor.id);
}

bool ordered(const MappingRow& a, const MappingRow& b)
{
    return std::tie(a.updatedAt, a.rowId) < std::tie(b.updatedAt, b.rowId);
}

// A PostgreSQL text[] literal; cell names are data, so quote every element.
std::string arrayLiteral(const std::vector<std::string>& values)
{
    std::string out = "{";
    for (const std::string& value : values) {
        if (out.size() > 1)
            out += ',';
        out += '"';
        for (char c : value) {
            if (c == '"' || c == '\\')
                out += '\\';
            out += c;
        }
        out += '"';
    }
    return out + "}";
}

// Sentry's query: TruncSecond(date_updated), then id; "strictly after" as a row comparison. Only
// fully elapsed seconds are served (core/db/mapping_stamp.h).
constexpr const char* kOrgPageSql =
    "SELECT id, extract(epoch FROM date_trunc('second', date_updated))::bigint, organization_id::text, slug, "
    "region_name FROM sentry_organizationmapping "
    "WHERE date_updated < date_trunc('second', clock_timestamp()) AND (NOT $1 OR region_name = "
    "ANY($2::text[])) "
    "AND (NOT $3 OR (date_trunc('second', date_updated), id) > (to_timestamp($4), $5)) "
    "ORDER BY date_trunc('second', date_updated), id LIMIT $6";
// str(None) is what Sentry prints for a key mapping without a project_key_id.
constexpr const char* kKeyPageSql =
    "SELECT id, extract(epoch FROM date_trunc('second', date_updated))::bigint, "
    "coalesce(project_key_id::text, 'None'), public_key, region_name FROM sentry_projectkeymapping "
    "WHERE date_updated < date_trunc('second', clock_timestamp()) AND (NOT $1 OR region_name = "
    "ANY($2::text[])) "
    "AND (NOT $3 OR (date_trunc('second', date_updated), id) > (to_timestamp($4), $5)) "
    "ORDER BY date_trunc('second', date_updated), id LIMIT $6";

} // namespace

std::unique_ptr<MemoryMappingTable> MemoryMappingTable::fromSnapshot(const Snapshot& snapshot)
{
    auto table = std::make_unique<MemoryMappingTable>();
    auto& orgs = table->m_rows[index(MappingKind::Organization)];
    orgs.reserve(snapshot.organizations().size());
    for (OrgIndex i = 0; i < snapshot.organizations().size(); ++i) {
        const OrganizationMapping& org = snapshot.org(i);
        orgs.push_back({static_cast<std::int64_t>(i) + 1, 0, std::to_string(org.id),
                        std::string(snapshot.slug(i)), std::string(snapshot.cellName(org.cell))});
    }
    auto& keys = table->m_rows[index(MappingKind::ProjectKey)];
    keys.reserve(snapshot.projectKeys().size());
    for (KeyIndex k = 0; k < snapshot.projectKeys().size(); ++k) {
        const ProjectKey& key = snapshot.projectKeys()[k];
        keys.push_back({static_cast<std::int64_t>(k) + 1, 0, std::to_string(key.projectKeyId),
                        snapshot.publicKey(k), std::string(snapshot.cellName(key.cell))});
    }
    return table;
}

void MemoryMappingTable::upsert(MappingKind kind, MappingRow row)
{
    auto& rows = m_rows[index(kind)];
    std::erase_if(rows, [&](const MappingRow& existing) { return existing.rowId == row.rowId; });
    rows.insert(std::upper_bound(rows.begin(), rows.end(), row, ordered), std::move(row));
}

MappingPage MemoryMappingTable::page(MappingKind kind, const std::optional<std::vector<std::string>>& cells,
                                     const std::optional<Cursor>& after, int limit)
{
    const auto& rows = m_rows[index(kind)];
    auto it = rows.begin();
    if (after)
        it = std::partition_point(rows.begin(), rows.end(),
                                  [&](const MappingRow& row) { return before(row, *after); });
    MappingPage page;
    for (; it != rows.end(); ++it) {
        if (cells && std::find(cells->begin(), cells->end(), it->cell) == cells->end())
            continue;
        if (static_cast<int>(page.rows.size()) == limit) {
            page.hasMore = true;
            break;
        }
        page.rows.push_back(*it);
    }
    return page;
}

PostgresMappingTable::PostgresMappingTable(std::string conninfo, std::chrono::milliseconds statementTimeout)
    : m_conninfo(std::move(conninfo)), m_statementTimeout(statementTimeout)
{
    connection(); // fail at start, not at the first request, when the database is unreachable
}

PostgresMappingTable::~PostgresMappingTable() = default;

pqxx::connection& PostgresMappingTable::connection()
{
    if (!m_connection || !m_connection->is_open()) {
        m_connection = db::connect(m_conninfo);
        const std::string timeout = std::to_string(m_statementTimeout.count()) + "ms";
        pqxx::nontransaction(*m_connection)
            .exec("SET statement_timeout = '" + timeout + "'; SET lock_timeout = '" + timeout + "'");
        m_connection->prepare("org_page", kOrgPageSql);
        m_connection->prepare("key_page", kKeyPageSql);
    }
    return *m_connection;
}

MappingPage PostgresMappingTable::page(MappingKind kind, const std::optional<std::vector<std::string>>& cells,
                                       const std::optional<Cursor>& after, int limit)
{
    MappingPage page;
    try {
        pqxx::read_transaction tx(connection());
        tx.exec(db::kLockForMappingRead); // waits for a switch being stamped to commit
        // One row more than asked for tells whether another page follows (Sentry's limit + 1).
        const pqxx::result result =
            tx.exec_prepared(kind == MappingKind::Organization ? "org_page" : "key_page", cells.has_value(),
                             arrayLiteral(cells.value_or(std::vector<std::string>{})), after.has_value(),
                             after ? after->updatedAt : 0, after ? after->id : 0, limit + 1);
        for (const auto& row : result) {
            if (static_cast<int>(page.rows.size()) == limit) {
                page.hasMore = true;
                break;
            }
            page.rows.push_back({row[0].as<std::int64_t>(), row[1].as<std::int64_t>(),
                                 row[2].as<std::string>(), row[3].as<std::string>(),
                                 row[4].as<std::string>()});
        }
    } catch (const pqxx::broken_connection&) {
        m_connection.reset(); // reconnect on the next request
        throw;
    } catch (const pqxx::sql_error& e) {
        // query_canceled (the statement timeout) and lock_not_available (the lock timeout)
        if (e.sqlstate() != "57014" && e.sqlstate() != "55P03")
            throw;
        fail(ErrorCode::Unreachable, "the control database did not answer within " +
                                         std::to_string(m_statementTimeout.count()) + " ms");
    }
    return page;
}

} // namespace cellscope::net
