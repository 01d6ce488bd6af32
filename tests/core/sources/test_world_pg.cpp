// Integration tests against the throwaway PostgreSQL cluster of the CTest fixture.
#include "core/db/database.h"
#include "core/db/migrations.h"
#include "core/demo/demo_world.h"
#include "core/demo/seed.h"
#include "core/relocation/cell_session.h"
#include "core/relocation/org_graph.h"
#include "core/snapshot/json_snapshot.h"
#include "core/sources/pg_loader.h"
#include "core/sources/world_source.h"
#include "core/util/error.h"
#include "tests/support/pg_test_env.h"

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include <algorithm>
#include <map>
#include <sstream>
#include <thread>

using namespace cellscope;

namespace {

// A control database and its cell databases, private to one test, dropped afterwards.
class PgWorld : public ::testing::Test
{
protected:
    void SetUp() override
    {
        const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
        m_prefix = std::string("t_") + info->name();
        for (auto& c : m_prefix)
            c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        test::dropDatabasesWithPrefix(m_prefix);
        config.control = test::pgServerConninfo(m_prefix + "_control");
        for (const auto& cell : demo::demoCells())
            config.cells.emplace(cell.name, test::pgServerConninfo(m_prefix + "_" + cell.name));
        db::ensureDatabase(config.control);
    }
    void TearDown() override { test::dropDatabasesWithPrefix(m_prefix); }

    long count(const std::string& conninfo, const std::string& sql)
    {
        auto c = db::connect(conninfo);
        pqxx::nontransaction tx(*c);
        return tx.exec(sql)[0][0].as<long>();
    }

    db::DatabaseConfig config;
    std::string m_prefix;
};

std::string exportJson(const Snapshot& snapshot)
{
    std::ostringstream out;
    writeSnapshotJson(snapshot, out);
    return out.str();
}

} // namespace

TEST_F(PgWorld, MigrationsApplyOnceAndRecordThemselves)
{
    auto control = db::connect(config.control);
    EXPECT_EQ(db::migrate(*control, db::SchemaKind::Control),
              static_cast<int>(db::bundledMigrations(db::SchemaKind::Control).size()));
    EXPECT_EQ(db::migrate(*control, db::SchemaKind::Control), 0);
    for (const auto& state : db::migrationStatus(*control, db::SchemaKind::Control)) {
        EXPECT_TRUE(state.applied) << state.migration.name;
        EXPECT_FALSE(state.checksumMismatch);
    }
    EXPECT_EQ(count(config.control, "SELECT count(*) FROM pg_roles WHERE rolname IN "
                                    "('cellscope_viewer', 'cellscope_lead', 'cellscope_staff')"),
              3);
    EXPECT_EQ(count(config.control, "SELECT count(*) FROM information_schema.tables WHERE table_name IN "
                                    "('sentry_organizationmapping', 'sentry_organizationmembermapping', "
                                    "'sentry_organizationslugreservation', 'sentry_projectkeymapping', "
                                    "'sentry_integration', 'sentry_organizationintegration')"),
              6);
}

// Cells are migrated in parallel (the seeder's lanes, tests running at once): a migration that
// rewrites a catalog every database shares (the revoke of 0007, even when nothing is granted) must
// not collide with itself. Its statement runs here on every cell at once, over and over, and staff
// end without the cluster-wide replica role.
TEST_F(PgWorld, SharedCatalogGrantsDoNotCollideAcrossCells)
{
    const auto migrations = db::bundledMigrations(db::SchemaKind::Cell);
    const auto revoke = std::find_if(migrations.begin(), migrations.end(), [](const db::Migration& m) {
        return m.name == "0007_revoke_replica_role.sql";
    });
    ASSERT_NE(revoke, migrations.end());
    auto control = db::connect(config.control);
    db::migrate(*control, db::SchemaKind::Control); // creates the cluster's roles
    std::vector<std::thread> threads;
    std::vector<std::string> errors(config.cells.size());
    std::size_t slot = 0;
    for (const auto& [cell, conninfo] : config.cells)
        threads.emplace_back([&, conninfo = conninfo, slot = slot++] {
            try {
                db::ensureDatabase(conninfo);
                auto connection = db::connect(conninfo);
                pqxx::nontransaction tx(*connection);
                for (int round = 0; round < 20; ++round)
                    tx.exec0(revoke->sql);
            } catch (const std::exception& e) {
                errors[slot] = e.what();
            }
        });
    for (auto& thread : threads)
        thread.join();
    for (const std::string& error : errors)
        EXPECT_EQ(error, "");
    EXPECT_EQ(count(config.control, "SELECT count(*) FROM pg_parameter_acl WHERE parname = "
                                    "'session_replication_role' AND paracl::text LIKE '%cellscope_staff=s%'"),
              0);
}

TEST_F(PgWorld, PendingMigrationsAreReported)
{
    auto control = db::connect(config.control);
    const auto before = db::migrationStatus(*control, db::SchemaKind::Control);
    ASSERT_FALSE(before.empty());
    EXPECT_FALSE(before.front().applied);
}

TEST_F(PgWorld, SeedLoadsAndSnapshotMatchesTheDatabase)
{
    const auto report = demo::seedDemoWorld(config, {42, 300});
    EXPECT_GT(report.rows.size(), 10u);
    const auto snapshot = sources::loadSnapshotFromPostgres(config.control);
    EXPECT_EQ(static_cast<long>(snapshot->organizations().size()),
              count(config.control, "SELECT count(*) FROM sentry_organizationmapping"));
    EXPECT_EQ(static_cast<long>(snapshot->members().size()),
              count(config.control, "SELECT count(*) FROM sentry_organizationmembermapping"));
    EXPECT_EQ(static_cast<long>(snapshot->projectKeys().size()),
              count(config.control, "SELECT count(*) FROM sentry_projectkeymapping"));
    EXPECT_EQ(static_cast<long>(snapshot->slugReservations().size()),
              count(config.control, "SELECT count(*) FROM sentry_organizationslugreservation"));
    EXPECT_EQ(snapshot->localities().size(), 3u);
    EXPECT_EQ(snapshot->cells().size(), 6u);
    EXPECT_EQ(snapshot->cellName(*snapshot->monolithCell()), "us1");

    // The rows agree with the generator, org by org.
    const demo::DemoWorld world(42, 300);
    for (std::size_t i = 0; i < 300; i += 37) {
        const auto expected = world.org(i);
        const auto org = snapshot->findOrg(expected.slug);
        ASSERT_TRUE(org) << expected.slug;
        EXPECT_EQ(snapshot->org(*org).id, expected.id);
        EXPECT_EQ(snapshot->cellName(snapshot->org(*org).cell), demo::demoCells()[expected.cell].name);
        EXPECT_EQ(snapshot->org(*org).dateCreated, expected.dateCreated);
        EXPECT_EQ(snapshot->membersOfOrg(*org).size(), world.members(expected, i).size());
    }

    // Each cell database holds exactly its own organizations.
    long cellOrgs = 0;
    for (const auto& cell : demo::demoCells()) {
        const long here = count(config.cellConninfo(cell.name), "SELECT count(*) FROM sentry_organization");
        EXPECT_EQ(static_cast<std::size_t>(here), snapshot->orgCountInCell(*snapshot->findCell(cell.name)));
        cellOrgs += here;
    }
    EXPECT_EQ(cellOrgs, 300);
}

TEST_F(PgWorld, SnapshotJsonRoundTripEqualsTheDatabaseSnapshot)
{
    demo::seedDemoWorld(config, {7, 200});
    const auto fromDb = sources::loadSnapshotFromPostgres(config.control);
    const std::string json = exportJson(*fromDb);
    const auto fromFile = loadSnapshotJson(json, "export.json");
    EXPECT_EQ(exportJson(*fromFile), json);
}

TEST_F(PgWorld, ReseedReplacesTheWorld)
{
    demo::seedDemoWorld(config, {1, 100});
    // A relocation's departure in the replaced world must not refuse the new world's rows.
    for (const auto& cell : demo::demoCells()) {
        auto connection = db::connect(config.cellConninfo(cell.name));
        pqxx::nontransaction(*connection)
            .exec0("INSERT INTO cellscope.departed_org (organization_id, relocation_id, target_cell) "
                   "SELECT id, 1, 'elsewhere' FROM sentry_organization");
    }
    demo::seedDemoWorld(config, {1, 60});
    EXPECT_EQ(count(config.control, "SELECT count(*) FROM sentry_organizationmapping"), 60);
    long cellOrgs = 0;
    for (const auto& cell : demo::demoCells())
        cellOrgs += count(config.cellConninfo(cell.name), "SELECT count(*) FROM sentry_organization");
    EXPECT_EQ(cellOrgs, 60);
    for (const auto& cell : demo::demoCells())
        EXPECT_EQ(count(config.cellConninfo(cell.name), "SELECT count(*) FROM cellscope.departed_org"), 0)
            << cell.name;
}

// The seeder drops indexes, unique constraints and primary keys for the COPY and builds them again
// after: every database ends with exactly the indexes and constraints its migrations made.
TEST_F(PgWorld, SeedLeavesEveryIndexAndConstraintAsTheMigrationsMadeThem)
{
    const auto shape = [&](const std::string& conninfo) {
        auto c = db::connect(conninfo);
        pqxx::nontransaction tx(*c);
        std::vector<std::string> lines;
        for (const auto& row :
             tx.exec("SELECT indexrelid::regclass::text || ': ' || pg_get_indexdef(indexrelid) "
                     "FROM pg_index WHERE indrelid::regclass::text !~ '^pg_' "
                     "UNION ALL SELECT conrelid::regclass::text || '.' || conname || ': ' || "
                     "pg_get_constraintdef(oid) FROM pg_constraint WHERE connamespace IN "
                     "(SELECT oid FROM pg_namespace WHERE nspname IN ('public', 'cellscope')) "
                     "ORDER BY 1"))
            lines.push_back(row[0].as<std::string>());
        return lines;
    };
    std::map<std::string, std::vector<std::string>> before;
    for (const auto& [conninfo, kind] : {std::pair{config.control, db::SchemaKind::Control},
                                         std::pair{config.cellConninfo("us1"), db::SchemaKind::Cell}}) {
        db::ensureDatabase(conninfo);
        db::migrate(*db::connect(conninfo), kind);
        before[conninfo] = shape(conninfo);
        EXPECT_GT(before[conninfo].size(), 20u);
    }
    demo::seedDemoWorld(config, {5, 200});
    for (const auto& [conninfo, lines] : before)
        EXPECT_EQ(shape(conninfo), lines) << conninfo;
    // The primary key that was rebuilt still refuses a duplicate.
    auto c = db::connect(config.control);
    pqxx::nontransaction tx(*c);
    EXPECT_THROW(
        tx.exec("INSERT INTO cellscope.projectkey_info SELECT * FROM cellscope.projectkey_info LIMIT 1"),
        pqxx::unique_violation);
}

// The org-scoped tables come from the catalog: on the demo cell schema, every table, parents first,
// with filters that partition each table's rows exactly among the organizations.
TEST_F(PgWorld, OrgScopedTablesCoverEveryCellTable)
{
    demo::seedDemoWorld(config, {3, 50});
    relocation::CellSession session("us1", config.cellConninfo("us1"));
    const relocation::OrgGraph graph = relocation::discoverOrgGraph(session, {});
    std::vector<std::string> found;
    for (const auto& table : graph.tables)
        found.push_back(table.name);
    EXPECT_EQ(found, (std::vector<std::string>{"sentry_organization", "sentry_organizationmember",
                                               "sentry_project", "sentry_team", "sentry_groupedmessage",
                                               "sentry_projectkey", "sentry_projectteam"}));
    EXPECT_TRUE(graph.uncovered.empty());
    EXPECT_EQ(graph.cycles, 0);
    auto cell = db::connect(config.cellConninfo("us1"));
    pqxx::nontransaction tx(*cell);
    std::set<std::string> actual;
    for (const auto& row :
         tx.exec("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"))
        actual.insert(row[0].as<std::string>());
    EXPECT_EQ(std::set<std::string>(found.begin(), found.end()), actual);
    // Every org-scoped row is reachable through its filter: the sum over orgs equals the table.
    for (const auto& table : graph.tables) {
        EXPECT_TRUE(relocation::freezeGuardInstalled(session, table)) << table.name;
        const long total = tx.exec("SELECT count(*) FROM " + table.sqlName)[0][0].as<long>();
        long perOrg = 0;
        for (const auto& org : tx.exec("SELECT id FROM sentry_organization"))
            perOrg += tx.exec_params("SELECT count(*) FROM " + table.sqlName + " WHERE " + table.orgFilter,
                                     org[0].as<std::int64_t>())[0][0]
                          .as<long>();
        EXPECT_EQ(perOrg, total) << table.name;
    }
}

TEST_F(PgWorld, ReplicaWithoutCellscopeSchemaStillLoads)
{
    demo::seedDemoWorld(config, {5, 40});
    {
        auto c = db::connect(config.control);
        pqxx::nontransaction(*c).exec0("DROP SCHEMA cellscope CASCADE");
    }
    const auto snapshot = sources::loadSnapshotFromPostgres(config.control);
    EXPECT_EQ(snapshot->organizations().size(), 40u);
    // Sentry's fallback: with no localities configured, each cell is its own locality.
    for (const Locality& locality : snapshot->localities()) {
        ASSERT_EQ(locality.cells.size(), 1u);
        EXPECT_EQ(snapshot->cellName(locality.cells[0]), locality.name);
    }
}

TEST_F(PgWorld, WorldSourceUsesTheGivenDatabase)
{
    demo::seedDemoWorld(config, {5, 30});
    sources::SourceOptions options;
    options.db = config.control;
    const auto source = sources::WorldSource::open(options);
    EXPECT_FALSE(source->isEmbedded());
    EXPECT_EQ(source->loadSnapshot()->organizations().size(), 30u);
}

TEST(PgErrors, BadConnectionStringsAndUnreachableServers)
{
    try {
        db::connect("host=/nonexistent-dir port=1 dbname=x connect_timeout=2");
        FAIL() << "connected to nothing";
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::Unreachable);
        EXPECT_NE(std::string(e.what()).find(
                      "cannot connect to PostgreSQL (host=/nonexistent-dir port=1 dbname=x)"),
                  std::string::npos)
            << e.what();
    }
    try {
        db::connect("this is = not 'valid");
        FAIL() << "accepted a malformed string";
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::BadInput);
    }
    try {
        sources::loadSnapshotFromPostgres(test::pgServerConninfo("postgres"));
        FAIL() << "loaded a database without control tables";
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::BadInput);
        EXPECT_NE(std::string(e.what()).find("no sentry_organizationmapping table"), std::string::npos);
    }
}

TEST(PgErrors, SeedRefusesNonsense)
{
    db::DatabaseConfig config;
    config.control = test::pgServerConninfo("never_created");
    EXPECT_THROW(demo::seedDemoWorld(config, {1, 0}), Error);
}

TEST(Conninfo, RewritesDatabaseAndHidesSecrets)
{
    EXPECT_EQ(db::describeConninfo("postgresql://alice:secret@db.example:6432/control?sslmode=require"),
              "host=db.example port=6432 dbname=control user=alice");
    const std::string rewritten =
        db::withDatabase("host=/tmp port=5 dbname=control user=bob", "cellscope_cell_us1");
    EXPECT_EQ(db::describeConninfo(rewritten), "host=/tmp port=5 dbname=cellscope_cell_us1 user=bob");
}
