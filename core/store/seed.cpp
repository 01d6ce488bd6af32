#include "store/seed.h"

#include "error.h"
#include "store/demo_world.h"
#include "store/migrations.h"
#include "store/org_tables.h"
#include "util/time_format.h"

#include <pqxx/nontransaction>
#include <pqxx/pqxx>
#include <pqxx/stream_to>
#include <pqxx/transaction>

#include <chrono>
#include <future>
#include <mutex>
#include <string>
#include <tuple>

namespace cellscope::store {

namespace {

// libpqxx 6 writes a null for a null `const char*`, which is how nullable text/int columns are passed.
const char* nullable(const std::string& text)
{
    return text.empty() ? nullptr : text.c_str();
}

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

// Skips FK triggers while bulk-loading rows that are consistent by construction. Only a superuser
// may do this; for anyone else the triggers simply run.
void relaxForBulkLoad(pqxx::connection& connection)
{
    pqxx::nontransaction tx(connection);
    if (tx.exec("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")[0][0].as<bool>())
        tx.exec0("SET session_replication_role = replica");
}

void seedControl(pqxx::connection& connection, const DemoWorld& world, Reporter& reporter)
{
    relaxForBulkLoad(connection);
    pqxx::work tx(connection, "seed-control");
    tx.exec0("TRUNCATE sentry_organizationmapping, sentry_organizationmembermapping, "
             "sentry_organizationslugreservation, sentry_projectkeymapping, sentry_organizationintegration, "
             "sentry_integration, cellscope.projectkey_info, cellscope.cell, cellscope.locality "
             "RESTART IDENTITY CASCADE");
    for (const auto& locality : demoLocalities())
        tx.exec_params0(
            "INSERT INTO cellscope.locality (name, category, new_org_cell, visible) VALUES ($1, $2, $3, $4)",
            locality.name, std::string(categoryName(locality.category)), locality.newOrgCell,
            locality.visible);
    for (const auto& cell : demoCells()) {
        const auto& locality =
            *std::find_if(demoLocalities().begin(), demoLocalities().end(),
                          [&](const auto& l) { return std::string_view(l.name) == cell.locality; });
        tx.exec_params0(
            "INSERT INTO cellscope.cell (name, locality, snowflake_id, address, category, visible, "
            "is_monolith) VALUES ($1, $2, $3, $4, $5, $6, $7)",
            cell.name, cell.locality, cell.snowflakeId, demoCellAddress(cell.name),
            std::string(categoryName(locality.category)), locality.visible,
            std::string_view(cell.name) == kDemoMonolithCell);
    }
    tx.exec0("UPDATE cellscope.setting SET value = 'sentry.io' WHERE key = 'app_host'");

    const auto cells = demoCells();
    std::size_t orgRows = 0, memberRows = 0, reservationRows = 0, keyRows = 0;
    {
        pqxx::stream_to orgs(tx, "sentry_organizationmapping",
                             std::vector<std::string>{"organization_id", "slug", "name", "date_created",
                                                      "region_name", "status", "idempotency_key",
                                                      "date_updated"});
        for (std::size_t i = 0; i < world.orgCount(); ++i) {
            const DemoOrg org = world.org(i);
            orgs << std::make_tuple(org.id, org.slug, org.name, formatTimestamp(org.dateCreated),
                                    cells[org.cell].name, static_cast<int>(org.status), std::string(),
                                    formatTimestamp(org.dateUpdated));
            ++orgRows;
        }
        orgs.complete();
    }
    reporter.say("control: organization mappings written");
    {
        pqxx::stream_to members(tx, "sentry_organizationmembermapping",
                                std::vector<std::string>{"organization_id", "date_created", "role", "user_id",
                                                         "email", "invite_status"});
        for (std::size_t i = 0; i < world.orgCount(); ++i) {
            const DemoOrg org = world.org(i);
            const std::string created = formatTimestamp(org.dateCreated);
            for (const DemoMember& member : world.members(org, i)) {
                const std::string user = member.userId ? std::to_string(member.userId) : std::string();
                members << std::make_tuple(org.id, created, member.role, nullable(user), member.email, 0);
                ++memberRows;
            }
        }
        members.complete();
    }
    reporter.say("control: member mappings written");
    {
        pqxx::stream_to reservations(tx, "sentry_organizationslugreservation",
                                     std::vector<std::string>{"slug", "organization_id", "user_id",
                                                              "region_name", "reservation_type",
                                                              "date_added"});
        for (std::size_t i = 0; i < world.orgCount(); ++i) {
            const DemoOrg org = world.org(i);
            const std::string created = formatTimestamp(org.dateCreated);
            reservations << std::make_tuple(org.slug, org.id, nullptr, cells[org.cell].name, 0, created);
            ++reservationRows;
            if (org.vanityAlias) {
                reservations << std::make_tuple(org.slug + "-alias", org.id, nullptr, cells[org.cell].name, 1,
                                                created);
                ++reservationRows;
            }
        }
        reservations.complete();
    }
    {
        pqxx::stream_to keys(
            tx, "sentry_projectkeymapping",
            std::vector<std::string>{"project_key_id", "public_key", "region_name", "date_updated"});
        for (std::size_t i = 0; i < world.orgCount(); ++i) {
            const DemoOrg org = world.org(i);
            for (const DemoProject& project : world.projects(org, i)) {
                keys << std::make_tuple(project.keyId, project.publicKey, cells[org.cell].name,
                                        formatTimestamp(org.dateUpdated));
                ++keyRows;
            }
        }
        keys.complete();
    }
    {
        pqxx::stream_to info(
            tx, "cellscope.projectkey_info",
            std::vector<std::string>{"public_key", "project_id", "organization_id", "dsn_format"});
        for (std::size_t i = 0; i < world.orgCount(); ++i) {
            const DemoOrg org = world.org(i);
            for (const DemoProject& project : world.projects(org, i))
                info << std::make_tuple(project.publicKey, project.id, org.id,
                                        std::string(dsnFormatName(project.dsnFormat)));
        }
        info.complete();
    }
    reporter.say("control: key mappings written");
    std::size_t installations = 0;
    const auto integrations = world.integrations();
    {
        pqxx::stream_to rows(tx, "sentry_integration",
                             std::vector<std::string>{"id", "provider", "external_id", "name", "status"});
        for (const auto& integration : integrations)
            rows << std::make_tuple(integration.id, integration.provider, integration.externalId,
                                    integration.name, 0);
        rows.complete();
    }
    {
        pqxx::stream_to rows(tx, "sentry_organizationintegration",
                             std::vector<std::string>{"organization_id", "integration_id", "status"});
        for (const auto& integration : integrations)
            for (const auto& [orgId, status] : integration.installations) {
                rows << std::make_tuple(orgId, integration.id, status);
                ++installations;
            }
        rows.complete();
    }
    tx.exec("SELECT setval(pg_get_serial_sequence('sentry_integration', 'id'), " +
            std::to_string(integrations.size() + 1) + ", false)");
    tx.commit();
    reporter.count("control.sentry_organizationmapping", orgRows);
    reporter.count("control.sentry_organizationmembermapping", memberRows);
    reporter.count("control.sentry_organizationslugreservation", reservationRows);
    reporter.count("control.sentry_projectkeymapping", keyRows);
    reporter.count("control.cellscope.projectkey_info", keyRows);
    reporter.count("control.sentry_integration", integrations.size());
    reporter.count("control.sentry_organizationintegration", installations);
}

// Writes one cell's org-scoped tables, in the declared dependency order.
void seedCell(pqxx::connection& connection, const DemoWorld& world, int cellIndex, Reporter& reporter)
{
    const char* cellName = demoCells()[static_cast<std::size_t>(cellIndex)].name;
    relaxForBulkLoad(connection);
    pqxx::work tx(connection, "seed-cell");
    std::string truncate = "TRUNCATE ";
    for (const auto& table : orgScopedTables())
        truncate += std::string(table.name) + (&table == &orgScopedTables().back() ? "" : ", ");
    tx.exec0(truncate + " CASCADE");

    std::vector<std::size_t> orgsHere;
    for (std::size_t i = 0; i < world.orgCount(); ++i)
        if (world.org(i).cell == cellIndex)
            orgsHere.push_back(i);

    for (const auto& table : orgScopedTables()) {
        const std::string name(table.name);
        std::size_t rows = 0;
        auto forEachOrg = [&](auto&& write) {
            for (std::size_t i : orgsHere) {
                const DemoOrg org = world.org(i);
                write(org, i);
            }
        };
        if (name == "sentry_organization") {
            pqxx::stream_to out(tx, name,
                                std::vector<std::string>{"id", "name", "slug", "status", "date_added"});
            forEachOrg([&](const DemoOrg& org, std::size_t) {
                out << std::make_tuple(org.id, org.name, org.slug, static_cast<int>(org.status),
                                       formatTimestamp(org.dateCreated));
                ++rows;
            });
            out.complete();
        } else if (name == "sentry_team") {
            pqxx::stream_to out(
                tx, name, std::vector<std::string>{"id", "organization_id", "slug", "name", "date_added"});
            forEachOrg([&](const DemoOrg& org, std::size_t) {
                for (int t = 0; t < org.teams; ++t) {
                    const std::string slug = world.teamSlug(t);
                    out << std::make_tuple(org.id * 100 + t, org.id, slug, slug,
                                           formatTimestamp(org.dateCreated));
                    ++rows;
                }
            });
            out.complete();
        } else if (name == "sentry_organizationmember") {
            pqxx::stream_to out(
                tx, name,
                std::vector<std::string>{"id", "organization_id", "user_id", "email", "role", "date_added"});
            forEachOrg([&](const DemoOrg& org, std::size_t i) {
                const std::string created = formatTimestamp(org.dateCreated);
                for (const DemoMember& member : world.members(org, i)) {
                    const std::string user = member.userId ? std::to_string(member.userId) : std::string();
                    out << std::make_tuple(member.id, org.id, nullable(user), member.email, member.role,
                                           created);
                    ++rows;
                }
            });
            out.complete();
        } else if (name == "sentry_project") {
            pqxx::stream_to out(
                tx, name,
                std::vector<std::string>{"id", "organization_id", "slug", "name", "platform", "date_added"});
            forEachOrg([&](const DemoOrg& org, std::size_t i) {
                for (const DemoProject& project : world.projects(org, i)) {
                    out << std::make_tuple(project.id, org.id, project.slug, project.name, project.platform,
                                           formatTimestamp(org.dateCreated));
                    ++rows;
                }
            });
            out.complete();
        } else if (name == "sentry_projectteam") {
            pqxx::stream_to out(tx, name, std::vector<std::string>{"id", "project_id", "team_id"});
            forEachOrg([&](const DemoOrg& org, std::size_t i) {
                for (const DemoProject& project : world.projects(org, i)) {
                    out << std::make_tuple(project.id, project.id, project.teamId);
                    ++rows;
                }
            });
            out.complete();
        } else if (name == "sentry_projectkey") {
            pqxx::stream_to out(tx, name,
                                std::vector<std::string>{"id", "project_id", "public_key", "secret_key",
                                                         "label", "date_added"});
            forEachOrg([&](const DemoOrg& org, std::size_t i) {
                for (const DemoProject& project : world.projects(org, i)) {
                    out << std::make_tuple(project.keyId, project.id, project.publicKey, project.secretKey,
                                           "Default", formatTimestamp(org.dateCreated));
                    ++rows;
                }
            });
            out.complete();
        } else if (name == "sentry_groupedmessage") {
            pqxx::stream_to out(tx, name,
                                std::vector<std::string>{"id", "project_id", "message", "culprit",
                                                         "times_seen", "first_seen", "last_seen"});
            forEachOrg([&](const DemoOrg& org, std::size_t i) {
                for (const DemoProject& project : world.projects(org, i))
                    for (int g = 0; g < project.issues; ++g) {
                        const std::int64_t groupId = project.id * 10000000 + g;
                        out << std::make_tuple(
                            groupId, project.id, world.issueMessage(groupId), project.slug,
                            1 + static_cast<int>(world.hash(13, static_cast<std::uint64_t>(groupId)) % 5000),
                            formatTimestamp(org.dateUpdated), formatTimestamp(org.dateUpdated + 3600));
                        ++rows;
                    }
            });
            out.complete();
        } else {
            fail(ErrorCode::Internal, "the demo seeder has no rows for org-scoped table " + name);
        }
        reporter.count(std::string(cellName) + "." + name, rows);
    }
    tx.commit();
    reporter.say(std::string("cell ") + cellName + ": " + std::to_string(orgsHere.size()) +
                 " organizations written");
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

    // The control database and the cells are independent: load them concurrently (one stream per
    // database, two cell workers so the two cores stay busy while the server builds indexes).
    auto controlDone = std::async(std::launch::async, [&] {
        auto connection = connect(config.control);
        seedControl(*connection, world, reporter);
    });
    std::atomic<std::size_t> nextCell{0};
    auto cellWorker = [&] {
        for (std::size_t c = nextCell++; c < cellConninfos.size(); c = nextCell++) {
            auto connection = connect(cellConninfos[c]);
            seedCell(*connection, world, static_cast<int>(c), reporter);
        }
    };
    auto cellsA = std::async(std::launch::async, cellWorker);
    auto cellsB = std::async(std::launch::async, cellWorker);
    controlDone.get();
    cellsA.get();
    cellsB.get();

    {
        auto connection = connect(config.control);
        pqxx::nontransaction(*connection).exec0("ANALYZE");
    }
    SeedReport report;
    report.rows = reporter.rows();
    report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    return report;
}

} // namespace cellscope::store
