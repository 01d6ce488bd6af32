#include "core/demo/seed.h"

#include "core/db/bulk_copy.h"
#include "core/db/migrations.h"
#include "core/demo/demo_history.h"
#include "core/demo/demo_world.h"
#include "core/util/error.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <future>
#include <mutex>
#include <string>

namespace cellscope::demo {

using namespace db;

namespace {

class Reporter
{
public:
    explicit Reporter(const std::function<void(std::string_view)>& progress) : m_progress(progress) {}
    void say(const std::string& sentence)
    {
        std::lock_guard lock(m_mutex);
        if (m_progress)
            m_progress(sentence);
    }
    void count(const std::string& table, std::size_t rows)
    {
        std::lock_guard lock(m_mutex);
        m_rows.emplace_back(table, rows);
    }
    std::vector<std::pair<std::string, std::size_t>> rows() const { return m_rows; }

private:
    const std::function<void(std::string_view)>& m_progress;
    std::mutex m_mutex;
    std::vector<std::pair<std::string, std::size_t>> m_rows;
};

// One database's share of the seeding, in one transaction: truncate, defer indexes, COPY, rebuild.
class LoadTransaction
{
public:
    LoadTransaction(const std::string& conninfo, const std::vector<std::string>& tables) : m_session(conninfo)
    {
        // Skip FK triggers for rows consistent by construction (superusers only; others keep them).
        if (m_session.query("SELECT rolsuper FROM pg_roles WHERE rolname = current_user").at(0).at(0) == "t")
            m_session.exec("SET session_replication_role = replica");
        m_session.exec("BEGIN");
        m_session.exec("SET LOCAL maintenance_work_mem = '256MB'");
        // Truncating in the same transaction as the COPY lets PostgreSQL skip WAL for the new rows
        // (wal_level = minimal, as the embedded cluster runs).
        std::string list;
        for (const auto& table : tables)
            list += (list.empty() ? "" : ", ") + table;
        m_session.exec("TRUNCATE " + list + " RESTART IDENTITY CASCADE");
        for (const auto& table : tables)
            deferIndexes(table);
    }

    BulkSession& session() noexcept { return m_session; }

    void commit()
    {
        for (const std::string& statement : m_recreate)
            m_session.exec(statement);
        m_session.exec("COMMIT");
    }

private:
    // Drops the table's indexes, unique constraints and primary key — keeping any index a foreign
    // key depends on — to re-create them after the COPY: building an index once is several times
    // cheaper than maintaining it row by row, above all on random keys (a public key as primary key
    // took 25 s of a 1M-org seed). It all happens inside the transaction, so no one ever sees the
    // table without its indexes.
    void deferIndexes(const std::string& table)
    {
        const std::string schema =
            table.find('.') == std::string::npos ? "public" : table.substr(0, table.find('.'));
        const auto rows = m_session.query(
            "SELECT c.relname, coalesce(con.conname, ''), coalesce(pg_get_constraintdef(con.oid), ''), "
            "pg_get_indexdef(i.indexrelid) "
            "FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
            "LEFT JOIN pg_constraint con ON con.conindid = i.indexrelid AND con.contype IN ('p', 'u') "
            "WHERE i.indrelid = $1::regclass "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint f WHERE f.contype = 'f' AND f.conindid = "
            "i.indexrelid)",
            {table});
        for (const auto& row : rows) {
            if (!row[1].empty()) {
                const std::string name = m_session.quoteIdentifier(row[1]);
                m_session.exec("ALTER TABLE " + table + " DROP CONSTRAINT " + name);
                m_recreate.push_back("ALTER TABLE " + table + " ADD CONSTRAINT " + name + " " + row[2]);
            } else {
                m_session.exec("DROP INDEX " + m_session.quoteIdentifier(schema) + "." +
                               m_session.quoteIdentifier(row[0]));
                m_recreate.push_back(row[3]);
            }
        }
    }

    BulkSession m_session;
    std::vector<std::string> m_recreate;
};

void seedTopology(BulkSession& session)
{
    session.exec("TRUNCATE cellscope.cell, cellscope.locality RESTART IDENTITY CASCADE");
    for (const auto& locality : demoLocalities())
        session.query(
            "INSERT INTO cellscope.locality (name, category, new_org_cell, visible) VALUES ($1, $2, $3, $4)",
            {locality.name, std::string(categoryName(locality.category)), locality.newOrgCell,
             locality.visible ? "true" : "false"});
    for (const auto& cell : demoCells()) {
        const auto& locality =
            *std::find_if(demoLocalities().begin(), demoLocalities().end(),
                          [&](const auto& l) { return std::string_view(l.name) == cell.locality; });
        session.query("INSERT INTO cellscope.cell (name, locality, snowflake_id, address, category, visible, "
                      "is_monolith) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                      {cell.name, cell.locality, std::to_string(cell.snowflakeId), demoCellAddress(cell.name),
                       std::string(categoryName(locality.category)), locality.visible ? "true" : "false",
                       std::string_view(cell.name) == kDemoMonolithCell ? "true" : "false"});
    }
    session.exec("UPDATE cellscope.setting SET value = 'sentry.io' WHERE key = 'app_host'");
}

// The control database in three independent parts, each on its own connection and transaction.
void seedControlOrganizations(const std::string& conninfo, const DemoWorld& world, Reporter& reporter)
{
    LoadTransaction load(conninfo, {"sentry_organizationmapping", "sentry_organizationslugreservation",
                                    "sentry_integration", "sentry_organizationintegration"});
    BulkSession& session = load.session();
    seedTopology(session);
    const auto cells = demoCells();
    BinaryCopy orgs(
        session, "sentry_organizationmapping",
        {"organization_id", "slug", "name", "date_created", "region_name", "status", "date_updated"});
    for (std::size_t i = 0; i < world.orgCount(); ++i) {
        const DemoOrg org = world.org(i);
        orgs.row(7)
            .int8(org.id)
            .text(org.slug)
            .text(org.name)
            .timestamptz(org.dateCreated)
            .text(cells[org.cell].name);
        orgs.int8(static_cast<std::int64_t>(org.status)).timestamptz(org.dateUpdated);
    }
    reporter.count("control.sentry_organizationmapping", orgs.finish());

    BinaryCopy reservations(session, "sentry_organizationslugreservation",
                            {"slug", "organization_id", "region_name", "reservation_type", "date_added"});
    for (std::size_t i = 0; i < world.orgCount(); ++i) {
        const DemoOrg org = world.org(i);
        reservations.row(5)
            .text(org.slug)
            .int8(org.id)
            .text(cells[org.cell].name)
            .int8(0)
            .timestamptz(org.dateCreated);
        if (org.vanityAlias)
            reservations.row(5)
                .text(org.slug + "-alias")
                .int8(org.id)
                .text(cells[org.cell].name)
                .int8(1)
                .timestamptz(org.dateCreated);
    }
    reporter.count("control.sentry_organizationslugreservation", reservations.finish());

    const auto integrations = world.integrations();
    BinaryCopy integrationRows(session, "sentry_integration",
                               {"id", "provider", "external_id", "name", "status"});
    for (const auto& integration : integrations)
        integrationRows.row(5)
            .int8(integration.id)
            .text(integration.provider)
            .text(integration.externalId)
            .text(integration.name)
            .int4(0);
    reporter.count("control.sentry_integration", integrationRows.finish());
    BinaryCopy installations(session, "sentry_organizationintegration",
                             {"organization_id", "integration_id", "status"});
    for (const auto& integration : integrations)
        for (const auto& [orgId, status] : integration.installations)
            installations.row(3).int8(orgId).int8(integration.id).int4(status);
    reporter.count("control.sentry_organizationintegration", installations.finish());
    session.query("SELECT setval(pg_get_serial_sequence('sentry_integration', 'id'), $1, false)",
                  {std::to_string(integrations.size() + 1)});
    load.commit();
    reporter.say("control: organization mappings written");
}

void seedControlMembers(const std::string& conninfo, const DemoWorld& world, Reporter& reporter)
{
    LoadTransaction load(conninfo, {"sentry_organizationmembermapping"});
    BinaryCopy members(load.session(), "sentry_organizationmembermapping",
                       {"organization_id", "date_created", "role", "user_id", "email", "invite_status"});
    for (std::size_t i = 0; i < world.orgCount(); ++i) {
        const DemoOrg org = world.org(i);
        for (const DemoMember& member : world.members(org, i)) {
            members.row(6).int8(org.id).timestamptz(org.dateCreated).text(member.role);
            if (member.userId)
                members.int8(member.userId);
            else
                members.null();
            members.text(member.email).int4(0);
        }
    }
    reporter.count("control.sentry_organizationmembermapping", members.finish());
    load.commit();
    reporter.say("control: member mappings written");
}

void seedControlKeys(const std::string& conninfo, const DemoWorld& world, Reporter& reporter)
{
    LoadTransaction load(conninfo, {"sentry_projectkeymapping", "cellscope.projectkey_info"});
    const auto cells = demoCells();
    BinaryCopy keys(load.session(), "sentry_projectkeymapping",
                    {"project_key_id", "public_key", "region_name", "date_updated"});
    for (std::size_t i = 0; i < world.orgCount(); ++i) {
        const DemoOrg org = world.org(i);
        for (const DemoProject& project : world.projects(org, i))
            keys.row(4)
                .int8(project.keyId)
                .text(project.publicKey)
                .text(cells[org.cell].name)
                .timestamptz(org.dateUpdated);
    }
    const std::size_t keyRows = keys.finish();
    BinaryCopy info(load.session(), "cellscope.projectkey_info",
                    {"public_key", "project_id", "organization_id", "dsn_format"});
    for (std::size_t i = 0; i < world.orgCount(); ++i) {
        const DemoOrg org = world.org(i);
        for (const DemoProject& project : world.projects(org, i))
            info.row(4)
                .text(project.publicKey)
                .int8(project.id)
                .int8(org.id)
                .text(dsnFormatName(project.dsnFormat));
    }
    info.finish();
    load.commit();
    reporter.count("control.sentry_projectkeymapping", keyRows);
    reporter.count("control.cellscope.projectkey_info", keyRows);
    reporter.say("control: key mappings written");
}

// The demo cell schema's tables (migration cell/0001), parents before children.
constexpr std::array<std::string_view, 7> kDemoCellTables{
    "sentry_organization", "sentry_team",       "sentry_organizationmember", "sentry_project",
    "sentry_projectteam",  "sentry_projectkey", "sentry_groupedmessage"};

// Writes one cell's org-scoped tables, parents first.
void seedCell(const std::string& conninfo, const DemoWorld& world, int cellIndex, Reporter& reporter)
{
    const std::string cellName = demoCells()[static_cast<std::size_t>(cellIndex)].name;
    std::vector<std::string> tables(kDemoCellTables.begin(), kDemoCellTables.end());
    // A relocation caught mid-way in the replaced world must not leave its org frozen in the new one,
    // nor one finished there its departure.
    tables.emplace_back("cellscope.frozen_org");
    tables.emplace_back("cellscope.departed_org");
    LoadTransaction load(conninfo, tables);
    BulkSession& session = load.session();

    std::vector<DemoOrg> orgs;
    std::vector<std::size_t> indexes;
    for (std::size_t i = 0; i < world.orgCount(); ++i)
        if (DemoOrg org = world.org(i); org.cell == cellIndex) {
            orgs.push_back(std::move(org));
            indexes.push_back(i);
        }

    for (const std::string_view table : kDemoCellTables) {
        const std::string name(table);
        std::size_t rows = 0;
        if (name == "sentry_organization") {
            BinaryCopy out(session, name, {"id", "name", "slug", "status", "date_added"});
            for (const DemoOrg& org : orgs)
                out.row(5)
                    .int8(org.id)
                    .text(org.name)
                    .text(org.slug)
                    .int4(static_cast<std::int32_t>(org.status))
                    .timestamptz(org.dateCreated);
            rows = out.finish();
        } else if (name == "sentry_team") {
            BinaryCopy out(session, name, {"id", "organization_id", "slug", "name", "date_added"});
            for (const DemoOrg& org : orgs)
                for (int t = 0; t < org.teams; ++t) {
                    const std::string slug = world.teamSlug(t);
                    out.row(5)
                        .int8(org.id * 100 + t)
                        .int8(org.id)
                        .text(slug)
                        .text(slug)
                        .timestamptz(org.dateCreated);
                }
            rows = out.finish();
        } else if (name == "sentry_organizationmember") {
            BinaryCopy out(session, name,
                           {"id", "organization_id", "user_id", "email", "role", "date_added"});
            for (std::size_t k = 0; k < orgs.size(); ++k)
                for (const DemoMember& member : world.members(orgs[k], indexes[k])) {
                    out.row(6).int8(member.id).int8(orgs[k].id);
                    if (member.userId)
                        out.int8(member.userId);
                    else
                        out.null();
                    out.text(member.email).text(member.role).timestamptz(orgs[k].dateCreated);
                }
            rows = out.finish();
        } else if (name == "sentry_project" || name == "sentry_projectteam" || name == "sentry_projectkey" ||
                   name == "sentry_groupedmessage") {
            BinaryCopy out =
                name == "sentry_project"
                    ? BinaryCopy(session, name,
                                 {"id", "organization_id", "slug", "name", "platform", "date_added"})
                : name == "sentry_projectteam" ? BinaryCopy(session, name, {"id", "project_id", "team_id"})
                : name == "sentry_projectkey"
                    ? BinaryCopy(session, name,
                                 {"id", "project_id", "public_key", "secret_key", "label", "date_added"})
                    : BinaryCopy(session, name,
                                 {"id", "project_id", "message", "culprit", "times_seen", "first_seen",
                                  "last_seen"});
            for (std::size_t k = 0; k < orgs.size(); ++k) {
                const DemoOrg& org = orgs[k];
                for (const DemoProject& project : world.projects(org, indexes[k])) {
                    if (name == "sentry_project") {
                        out.row(6)
                            .int8(project.id)
                            .int8(org.id)
                            .text(project.slug)
                            .text(project.name)
                            .text(project.platform);
                        out.timestamptz(org.dateCreated);
                    } else if (name == "sentry_projectteam") {
                        out.row(3).int8(project.id).int8(project.id).int8(project.teamId);
                    } else if (name == "sentry_projectkey") {
                        out.row(6)
                            .int8(project.keyId)
                            .int8(project.id)
                            .text(project.publicKey)
                            .text(project.secretKey);
                        out.text("Default").timestamptz(org.dateCreated);
                    } else {
                        for (int g = 0; g < project.issues; ++g) {
                            const std::int64_t groupId = project.id * 10000000 + g;
                            const auto seen = static_cast<std::int32_t>(
                                1 + world.hash(13, static_cast<std::uint64_t>(groupId)) % 5000);
                            out.row(7)
                                .int8(groupId)
                                .int8(project.id)
                                .text(world.issueMessage(groupId))
                                .text(project.slug);
                            out.int4(seen).timestamptz(org.dateUpdated).timestamptz(org.dateUpdated + 3600);
                        }
                    }
                }
            }
            rows = out.finish();
        } else {
            fail(ErrorCode::Internal, "the demo seeder has no rows for org-scoped table " + name);
        }
        reporter.count(cellName + "." + name, rows);
    }
    load.commit();
    reporter.say("cell " + cellName + ": " + std::to_string(orgs.size()) + " organizations written");
}

} // namespace

SeedReport seedDemoWorld(const DatabaseConfig& config, const SeedOptions& options,
                         const std::function<void(std::string_view)>& progress)
{
    if (options.orgs == 0 || options.orgs > 50'000'000)
        fail(ErrorCode::BadInput, "--orgs must be between 1 and 50000000");
    const auto started = std::chrono::steady_clock::now();
    Reporter reporter(progress);
    const DemoWorld world(options.seed, options.orgs);

    ensureDatabase(config.control);
    {
        auto control = connect(config.control);
        migrate(*control, SchemaKind::Control);
    }
    std::vector<std::string> cellConninfos;
    for (const auto& cell : demoCells()) {
        const std::string conninfo = config.cellConninfo(cell.name);
        ensureDatabase(conninfo);
        auto connection = connect(conninfo);
        migrate(*connection, SchemaKind::Cell);
        cellConninfos.push_back(conninfo);
    }
    reporter.say("schemas ready; writing " + std::to_string(options.orgs) + " organizations");

    // The control parts and the cells are independent units: run them on three lanes, largest first
    // (longest-processing-time scheduling), so client-side row generation overlaps the server's
    // work and no lane is left with one big cell at the end. Sizes are the expected row counts.
    struct Unit
    {
        double rows;
        std::function<void()> run;
    };
    std::vector<Unit> units;
    const double orgs = static_cast<double>(options.orgs);
    auto controlUnit = [&](double rows, void (*part)(const std::string&, const DemoWorld&, Reporter&)) {
        units.push_back({rows, [&, part] {
                             part(config.control, world, reporter);
                         }});
    };
    controlUnit(2.1 * orgs, seedControlOrganizations);
    controlUnit(3.0 * orgs, seedControlMembers);
    controlUnit(4.0 * orgs, seedControlKeys);
    for (std::size_t c = 0; c < cellConninfos.size(); ++c)
        units.push_back({13.5 * orgs * demoCells()[c].weight / 1000.0, [&, c] {
                             seedCell(cellConninfos[c], world, static_cast<int>(c), reporter);
                         }});
    std::sort(units.begin(), units.end(), [](const Unit& a, const Unit& b) { return a.rows > b.rows; });
    std::atomic<std::size_t> next{0};
    auto lane = [&] {
        for (std::size_t u = next++; u < units.size(); u = next++)
            units[u].run();
    };
    std::vector<std::future<void>> lanes;
    for (int i = 0; i < 3; ++i)
        lanes.push_back(std::async(std::launch::async, lane));
    for (auto& running : lanes)
        running.get();
    demo::seedBacklogDemo(config.control, options.seed);

    SeedReport report;
    report.rows = reporter.rows();
    report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    return report;
}

} // namespace cellscope::demo
