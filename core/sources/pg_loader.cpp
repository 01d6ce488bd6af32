#include "core/sources/pg_loader.h"

#include "core/db/database.h"
#include "core/snapshot/copy_text.h"
#include "core/util/error.h"
#include "core/util/time_format.h"

#include <pqxx/pqxx>
#include <pqxx/stream_from>
#include <pqxx/transaction>

#include <chrono>
#include <future>
#include <unordered_map>

namespace cellscope::sources {

using namespace db;

namespace {

using ReadTx = pqxx::transaction<pqxx::repeatable_read, pqxx::read_only>;

// A worker's transaction sees exactly what the coordinator's transaction sees.
struct SharedSnapshot
{
    std::string conninfo;
    std::string snapshotId;
};

bool tableExists(pqxx::transaction_base& tx, const std::string& name)
{
    return tx.exec_params("SELECT to_regclass($1) IS NOT NULL", name)[0][0].as<bool>();
}

std::size_t estimateRows(pqxx::transaction_base& tx, const std::string& table)
{
    const auto row = tx.exec_params(
        "SELECT GREATEST(reltuples, 0)::bigint FROM pg_class WHERE oid = to_regclass($1)", table);
    return row.empty() || row[0][0].is_null() ? 0 : row[0][0].as<std::size_t>();
}

// Resolves cell names with a thread-local cache so the builder's lock is taken once per name.
class CellResolver
{
public:
    explicit CellResolver(SnapshotBuilder& builder) : m_builder(builder) {}
    CellIndex operator()(std::string_view name)
    {
        if (name == m_lastName)
            return m_lastIndex;
        auto it = m_cache.find(std::string(name));
        if (it == m_cache.end())
            it = m_cache.emplace(std::string(name), m_builder.cellIndex(name)).first;
        m_lastName = it->first;
        m_lastIndex = it->second;
        return m_lastIndex;
    }

private:
    SnapshotBuilder& m_builder;
    std::unordered_map<std::string, CellIndex> m_cache;
    std::string_view m_lastName;
    CellIndex m_lastIndex = kNoCell;
};

// Streams `COPY (query) TO STDOUT` and hands each parsed line to `row`.
template <typename Row>
void copyRows(const SharedSnapshot& shared, const std::string& what, const std::string& query,
              std::size_t fields, Row&& row)
{
    auto connection = db::connect(shared.conninfo);
    ReadTx tx(*connection, "load-" + what);
    tx.exec0("SET TRANSACTION SNAPSHOT " + tx.quote(shared.snapshotId));
    tx.exec0("SET LOCAL TimeZone = 'UTC'");
    tx.exec0("SET LOCAL DateStyle = 'ISO, YMD'");
    // libpqxx 6 builds "COPY <table> TO STDOUT"; a parenthesised query is a valid <table> there.
    pqxx::stream_from stream(tx, "(" + query + ")");
    std::string line;
    CopyTextLine parsed;
    std::size_t lineNumber = 0;
    while (stream.get_raw_line(line)) {
        ++lineNumber;
        std::string_view text(line);
        if (!text.empty() && text.back() == '\n') // libpqxx 6 hands over the line with its newline
            text.remove_suffix(1);
        if (!parsed.parse(text, fields))
            fail(ErrorCode::BadInput,
                 what + ": row " + std::to_string(lineNumber) + " has an unexpected shape");
        row(parsed);
    }
    stream.complete();
    tx.commit();
}

std::int64_t timestampField(const CopyTextLine& line, std::size_t i)
{
    if (line.isNull(i))
        return 0;
    if (auto seconds = parseTimestamp(line.text(i)))
        return *seconds;
    fail(ErrorCode::BadInput, "unreadable timestamp '" + std::string(line.text(i)) + "'");
}

} // namespace

SnapshotPtr loadSnapshotFromPostgres(const std::string& controlConninfo)
{
    auto connection = db::connect(controlConninfo);
    ReadTx tx(*connection, "load-snapshot");
    if (!tableExists(tx, "sentry_organizationmapping"))
        fail(ErrorCode::BadInput, "the database (" + db::describeConninfo(controlConninfo) +
                                      ") has no sentry_organizationmapping table: is it a control database? "
                                      "(run `cellctl db migrate` to create Cellscope's schema)");
    const SharedSnapshot shared{controlConninfo,
                                tx.exec("SELECT pg_export_snapshot()")[0][0].as<std::string>()};

    SnapshotBuilder builder;
    builder.info().source = "postgresql: " + db::describeConninfo(controlConninfo);
    builder.info().takenAt =
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
            .count();
    const bool hasCellscope = tableExists(tx, "cellscope.cell");
    if (tableExists(tx, "cellscope.setting"))
        for (const auto& row : tx.exec("SELECT key, value FROM cellscope.setting"))
            if (row[0].as<std::string>() == "app_host")
                builder.info().appHost = row[1].as<std::string>();
    if (hasCellscope) {
        for (const auto& row :
             tx.exec("SELECT name, locality, snowflake_id, address, category, visible, is_monolith "
                     "FROM cellscope.cell ORDER BY name")) {
            Cell cell;
            cell.name = row[0].as<std::string>();
            cell.snowflakeId = row[2].as<std::int64_t>();
            cell.address = row[3].as<std::string>();
            cell.category = parseCategory(row[4].as<std::string>()).value_or(CellCategory::MultiTenant);
            cell.visible = row[5].as<bool>();
            cell.monolith = row[6].as<bool>();
            if (cell.monolith)
                builder.info().monolithCell = cell.name;
            builder.addCell(std::move(cell));
        }
        for (const auto& row :
             tx.exec("SELECT l.name, l.category, coalesce(l.new_org_cell, ''), l.visible, "
                     "coalesce(array_to_string(array_agg(c.name ORDER BY c.name), ','), '') "
                     "FROM cellscope.locality l LEFT JOIN cellscope.cell c ON c.locality = l.name "
                     "GROUP BY l.name ORDER BY l.name")) {
            Locality locality;
            locality.name = row[0].as<std::string>();
            locality.category = parseCategory(row[1].as<std::string>()).value_or(CellCategory::MultiTenant);
            locality.newOrgCell = row[2].as<std::string>();
            locality.visible = row[3].as<bool>();
            std::vector<std::string> cells;
            const std::string list = row[4].as<std::string>();
            for (std::size_t start = 0; start < list.size();) {
                const std::size_t comma = std::min(list.find(',', start), list.size());
                cells.push_back(list.substr(start, comma - start));
                start = comma + 1;
            }
            builder.addLocality(std::move(locality), cells);
        }
    } else {
        for (const auto& row :
             tx.exec("SELECT DISTINCT region_name FROM sentry_organizationmapping ORDER BY 1")) {
            Cell cell;
            cell.name = row[0].as<std::string>();
            builder.addCell(cell);
            Locality locality;
            locality.name = cell.name;
            locality.newOrgCell = cell.name;
            builder.addLocality(std::move(locality), std::vector<std::string>{cell.name});
        }
    }
    builder.reserve(estimateRows(tx, "sentry_organizationmapping") * 21 / 20,
                    estimateRows(tx, "sentry_organizationmembermapping") * 21 / 20,
                    estimateRows(tx, "sentry_projectkeymapping") * 21 / 20,
                    estimateRows(tx, "sentry_organizationslugreservation") * 21 / 20);

    const bool hasKeyInfo = tableExists(tx, "cellscope.projectkey_info");
    // Each loader thread indexes its own table; the per-organization indexes of members and keys
    // wait for the organizations to be indexed.
    std::shared_future<void> orgs = std::async(std::launch::async, [&] {
        CellResolver cells(builder);
        copyRows(shared, "sentry_organizationmapping",
                 "SELECT organization_id, slug, name, region_name, coalesce(status, 0), date_created "
                 "FROM sentry_organizationmapping",
                 6, [&](const CopyTextLine& line) {
                     const auto status = static_cast<OrgStatus>(line.integer(4));
                     builder.addOrganization(line.integer(0), line.text(1), line.text(2), cells(line.text(3)),
                                             status, timestampField(line, 5));
                 });
        // Indexed here, before `orgs` is ready: the member and key threads both need the index and
        // would otherwise race to build it.
        builder.indexOrganizations();
    });
    auto members = std::async(std::launch::async, [&] {
        copyRows(shared, "sentry_organizationmembermapping",
                 "SELECT organization_id, user_id, email, role, coalesce(invite_status, 0) "
                 "FROM sentry_organizationmembermapping",
                 5, [&](const CopyTextLine& line) {
                     builder.addMember(line.integer(0), line.isNull(1) ? 0 : line.integer(1),
                                       line.isNull(2) ? std::string_view() : line.text(2), line.text(3),
                                       static_cast<InviteStatus>(line.integer(4)));
                 });
        builder.indexMembersByUser();
        orgs.wait();
        builder.indexMembersByOrganization();
    });
    // Keys first, then their project and organization from Cellscope's table, matched through the
    // key index: two plain COPYs are cheaper for the server than one join.
    auto keys = std::async(std::launch::async, [&] {
        CellResolver cells(builder);
        copyRows(shared, "sentry_projectkeymapping",
                 "SELECT public_key, region_name, coalesce(project_key_id, 0) FROM sentry_projectkeymapping",
                 3, [&](const CopyTextLine& line) {
                     builder.addProjectKey(line.text(0), cells(line.text(1)), line.integer(2), 0, 0,
                                           DsnFormat::Locality);
                 });
        builder.indexProjectKeys();
        if (hasKeyInfo)
            copyRows(
                shared, "cellscope.projectkey_info",
                "SELECT public_key, project_id, organization_id, dsn_format FROM cellscope.projectkey_info",
                4, [&](const CopyTextLine& line) {
                    builder.annotateProjectKey(line.text(0), line.integer(1), line.integer(2),
                                               parseDsnFormat(line.text(3)).value_or(DsnFormat::Locality));
                });
        orgs.wait();
        builder.indexProjectKeysByOrganization();
    });
    {
        CellResolver cells(builder);
        copyRows(shared, "sentry_organizationslugreservation",
                 "SELECT slug, organization_id, coalesce(user_id, 0), region_name, reservation_type "
                 "FROM sentry_organizationslugreservation",
                 5, [&](const CopyTextLine& line) {
                     builder.addSlugReservation(line.text(0), line.integer(1), line.integer(2),
                                                cells(line.text(3)),
                                                static_cast<ReservationType>(line.integer(4)));
                 });
    }
    for (const auto& row :
         tx.exec("SELECT i.id, i.provider, i.external_id, i.name, "
                 "coalesce(array_to_string(array_agg(oi.organization_id ORDER BY oi.organization_id) "
                 "FILTER (WHERE oi.status = 0), ','), '') "
                 "FROM sentry_integration i "
                 "LEFT JOIN sentry_organizationintegration oi ON oi.integration_id = i.id "
                 "GROUP BY i.id ORDER BY i.id")) {
        Integration integration;
        integration.id = row[0].as<std::int64_t>();
        integration.provider = row[1].as<std::string>();
        integration.externalId = row[2].as<std::string>();
        integration.name = row[3].as<std::string>();
        const std::string list = row[4].as<std::string>();
        for (std::size_t start = 0; start < list.size();) {
            const std::size_t comma = std::min(list.find(',', start), list.size());
            integration.organizations.push_back(std::stoll(list.substr(start, comma - start)));
            start = comma + 1;
        }
        builder.addIntegration(std::move(integration));
    }
    orgs.get();
    members.get();
    keys.get();
    tx.commit();
    return builder.finish();
}

} // namespace cellscope::sources
