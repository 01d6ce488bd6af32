// The control-API server reading a Cellscope control database (the throwaway cluster of the CTest
// fixture): Sentry's ordering on date_updated truncated to the second, and a client pulling from it.
#include "core/db/database.h"
#include "core/demo/demo_world.h"
#include "core/demo/seed.h"
#include "core/net/control_api_server.h"
#include "core/net/control_api_source.h"
#include "core/net/locator.h"
#include "core/net/locator_client.h"
#include "core/relocation/relocations.h"
#include "core/sources/pg_loader.h"
#include "tests/support/cellctl_child.h"
#include "tests/support/net_test_support.h"
#include "tests/support/pg_test_env.h"

#include <QElapsedTimer>
#include <QTemporaryDir>

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include <fstream>
#include <set>

using namespace cellscope;
using namespace cellscope::net;

namespace {

class NetPg : public ::testing::Test
{
protected:
    void SetUp() override
    {
        test::ensureApp();
        // ctest runs each test as its own process, in parallel: databases are named per test.
        m_prefix = "t_netpg_" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name());
        for (auto& c : m_prefix)
            c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        m_prefix = m_prefix.substr(0, 40);
        test::dropDatabasesWithPrefix(m_prefix);
        config.control = test::pgServerConninfo(m_prefix + "_control");
        for (const auto& cell : demo::demoCells())
            config.cells.emplace(cell.name, test::pgServerConninfo(m_prefix + "_" + cell.name));
        db::ensureDatabase(config.control);
        demo::seedDemoWorld(config, {42, 300});
    }
    void TearDown() override { test::dropDatabasesWithPrefix(m_prefix); }

    void execute(const std::string& sql)
    {
        auto connection = db::connect(config.control);
        pqxx::nontransaction tx(*connection);
        tx.exec0(sql);
    }

    db::DatabaseConfig config;
    std::string m_prefix;
};

// Cellscope's control-API server over the control database, and its client pulling from it.
struct Puller
{
    Puller(const db::DatabaseConfig& config, const Snapshot& world, int perPage)
        : server(controlApiHandler(std::make_shared<PostgresMappingTable>(config.control),
                                   controlTopology(world), "pg-secret"))
    {
        ControlApiOptions options;
        options.url = server.service.url();
        options.secret = "pg-secret";
        options.perPage = perPage;
        options.settings.backupFile = dir.filePath(QStringLiteral("backup.json")).toStdString();
        source = std::make_unique<ControlApiSource>(options);
        QObject::connect(source.get(), &ControlApiSource::snapshotChanged, [this] { ++changes; });
        source->start();
    }

    test::TestServer server;
    QTemporaryDir dir;
    std::unique_ptr<ControlApiSource> source;
    int changes = 0;
};

} // namespace

TEST_F(NetPg, PagesEveryRowOnceAcrossSubSecondTimestamps)
{
    // Several rows inside one second, with fractions: Sentry truncates before comparing, so a page
    // boundary inside that second must neither repeat nor skip a row.
    execute("UPDATE sentry_organizationmapping SET date_updated = timestamptz '2020-01-01 00:00:00+00' "
            "+ (id % 4) * interval '0.3 second' WHERE id % 5 = 0");
    PostgresMappingTable table(config.control);
    std::set<std::string> seen;
    std::optional<Cursor> cursor;
    std::int64_t lastSecond = 0;
    for (int pages = 0; pages < 100; ++pages) {
        const MappingPage page = table.page(MappingKind::Organization, std::nullopt, cursor, 7);
        for (const MappingRow& row : page.rows) {
            EXPECT_TRUE(seen.insert(row.id).second) << "row repeated: " << row.id;
            EXPECT_GE(row.updatedAt, lastSecond);
            lastSecond = row.updatedAt;
        }
        if (!page.hasMore)
            break;
        cursor = Cursor{page.rows.back().updatedAt, page.rows.back().rowId};
    }
    EXPECT_EQ(seen.size(), 300u);
    const SnapshotPtr world = sources::loadSnapshotFromPostgres(config.control);
    EXPECT_EQ(table.page(MappingKind::Organization, std::vector<std::string>{"de1"}, std::nullopt, 10000)
                  .rows.size(),
              world->orgCountInCell(*world->findCell("de1")));
}

// A locked control database does not freeze the server: the statement times out, the page request
// is answered 503 (unavailable, which Synapse retries), and once the lock is gone pages flow again.
TEST_F(NetPg, ALockedDatabaseTimesOutInsteadOfFreezingTheServer)
{
    const ControlTopology topology = controlTopology(*sources::loadSnapshotFromPostgres(config.control));
    auto table = std::make_shared<PostgresMappingTable>(config.control, std::chrono::milliseconds(300));
    test::TestServer server(controlApiHandler(table, topology, "secret"));
    const QString path = mappingPath(MappingKind::Organization);
    const std::vector<std::pair<QByteArray, QByteArray>> signature{
        {"Authorization", authorizationHeader("secret", path.toUtf8(), "")}};
    auto locker = db::connect(config.control);
    pqxx::work lock(*locker);
    lock.exec0("LOCK TABLE sentry_organizationmapping IN ACCESS EXCLUSIVE MODE");
    QElapsedTimer clock;
    clock.start();
    const test::HttpResult locked = test::httpGet(server.url(path), signature);
    EXPECT_EQ(locked.status, 503) << locked.body.toStdString();
    EXPECT_LT(clock.elapsed(), 3000);
    lock.abort();
    EXPECT_EQ(test::httpGet(server.url(path), signature).status, 200);
}

TEST_F(NetPg, ClientPullsTheDatabaseAndSeesLaterChanges)
{
    const SnapshotPtr world = sources::loadSnapshotFromPostgres(config.control);
    Puller puller(config, *world, 40);
    ControlApiSource& source = *puller.source;
    int& changes = puller.changes;
    ASSERT_TRUE(test::waitUntil([&] { return changes == 1; }));
    const SnapshotPtr pulled = source.snapshot();
    ASSERT_EQ(pulled->organizations().size(), world->organizations().size());
    EXPECT_EQ(pulled->projectKeys().size(), world->projectKeys().size());
    for (OrgIndex i = 0; i < world->organizations().size(); ++i) {
        const auto there = pulled->findOrgById(world->org(i).id);
        ASSERT_TRUE(there);
        EXPECT_EQ(pulled->slug(*there), world->slug(i));
        EXPECT_EQ(pulled->cellName(pulled->org(*there).cell), world->cellName(world->org(i).cell));
    }

    // A relocation moves an organization: control updates its mapping and date_updated.
    const std::int64_t moved = world->org(0).id;
    const std::string from(world->cellName(world->org(0).cell));
    const std::string to = from == "de1" ? "us2" : "de1";
    execute("UPDATE sentry_organizationmapping SET region_name = '" + to +
            "', date_updated = clock_timestamp() WHERE organization_id = " + std::to_string(moved));
    // The server serves a second once it has fully elapsed.
    ASSERT_TRUE(test::waitUntil([&] {
        source.refreshNow();
        test::waitUntil([&] { return false; }, 300);
        return changes == 2;
    }));
    const SnapshotPtr after = source.snapshot();
    EXPECT_EQ(after->cellName(after->org(*after->findOrgById(moved)).cell), to);
    EXPECT_EQ(after->organizations().size(), world->organizations().size());
    source.stop();
}

// The switch of a relocation commits after a row stamped later in the same second was served (it
// is held open at a fault point): pullers must still get it. The page query waits for a switch
// being stamped and serves only elapsed seconds, so no cursor can pass the switch's row.
TEST_F(NetPg, ASwitchThatCommitsLateIsPulledAllTheSame)
{
    const SnapshotPtr world = sources::loadSnapshotFromPostgres(config.control);
    Puller puller(config, *world, kMaxPerPage);
    ControlApiSource& source = *puller.source;
    int& changes = puller.changes;
    ASSERT_TRUE(test::waitUntil([&] { return changes == 1; }));
    QTemporaryDir& dir = puller.dir;

    // The moved organization has the lowest mapping row id of us1; another row, stamped after its
    // switch in the same second, has the highest id of all.
    auto control = db::connect(config.control);
    pqxx::nontransaction tx(*control);
    const auto moved = tx.exec("SELECT m.organization_id, m.slug FROM sentry_organizationmapping m "
                               "WHERE m.region_name = 'us1' AND m.status = 0 ORDER BY m.id LIMIT 1")[0];
    const std::int64_t movedId = moved[0].as<std::int64_t>();
    const std::int64_t laterRow =
        tx.exec("SELECT max(id) FROM sentry_organizationmapping")[0][0].as<std::int64_t>();
    const std::string settings = dir.filePath(QStringLiteral("cellscope.ini")).toStdString();
    {
        std::ofstream out(settings);
        out << "[databases]\ncontrol = \"" << config.control << "\"\n";
        for (const auto& [cell, conninfo] : config.cells)
            out << cell << " = \"" << conninfo << "\"\n";
    }
    test::Child runner({"--config", settings, "relocate", "start", moved[1].as<std::string>(), "--to", "us2",
                        "--reason", "late switch", "--drain-seconds", "60"},
                       "switch.stamped~3", CELLCTL_PATH);
    ASSERT_TRUE(runner.waitForLine("cellscope-fault: switch.stamped")) << runner.output();
    tx.exec("UPDATE sentry_organizationmapping SET date_updated = clock_timestamp() WHERE id = " +
            std::to_string(laterRow));
    const auto pulledAfter = [&] {
        const SnapshotPtr now = source.snapshot();
        return now->cellName(now->org(*now->findOrgById(movedId)).cell) == "us2";
    };
    // Pull while the switch is held open, and again until the second it was stamped in has passed:
    // within the drain, which waits for routers to see the switch (the unfreeze after it stamps the
    // mapping again, and would hide a skipped switch).
    for (int pull = 0; pull < 12 && !pulledAfter(); ++pull) {
        const int before = changes;
        source.refreshNow();
        test::waitUntil([&] { return changes > before; }, 1000);
    }
    EXPECT_TRUE(pulledAfter()) << "the puller never saw the switch of organization " << movedId;
    EXPECT_EQ(
        tx.exec("SELECT step FROM cellscope.relocation ORDER BY id DESC LIMIT 1")[0][0].as<std::string>(),
        "drain");
    source.stop();
}

namespace {

// The drain's questions, asked over HTTP like cellctl does.
class HttpProbe : public relocation::LocatorProbe
{
public:
    relocation::LocatorReply ask(const std::string& url, const std::string& id,
                                 const std::string& locality) override
    {
        ++asked;
        const LocatorAnswer answer = askLocator(QUrl(QString::fromStdString(url)), id, locality);
        return {answer.cell, answer.message};
    }
    int asked = 0;
};

} // namespace

// With a locator given, the drain ends as soon as it names the new cell for the organization's id,
// slug and DSN keys, instead of waiting the whole configured time; a stale locator keeps it waiting
// to the end, and its answers are in the journal.
TEST_F(NetPg, TheDrainEndsWhenEveryLocatorNamesTheNewCell)
{
    const SnapshotPtr before = sources::loadSnapshotFromPostgres(config.control);
    test::TestServer live(locatorHandler([&] { return sources::loadSnapshotFromPostgres(config.control); }));
    test::TestServer stale(locatorHandler([before] { return before; }));
    auto control = db::connect(config.control);
    const auto slugs =
        pqxx::nontransaction(*control).exec("SELECT slug FROM sentry_organizationmapping WHERE region_name = "
                                            "'us1' AND status = 0 ORDER BY id LIMIT 2");
    const relocation::Relocations api(config);
    relocation::Observer quiet;
    HttpProbe probe;
    auto drainOf = [&](std::int64_t id) {
        for (const auto& step : api.history(id).steps)
            if (step.step == "drain")
                return std::make_pair(step.finishedAt.value_or(step.startedAt) - step.startedAt, step.detail);
        return std::make_pair(-1.0, std::string());
    };

    relocation::Request request;
    request.org = slugs[0][0].as<std::string>();
    request.targetCell = "us2";
    request.reason = "drain by observation";
    request.drainSeconds = 60;
    request.verifyLocators = {live.url().toString().toStdString()};
    const std::int64_t first = api.start(request);
    ASSERT_EQ(api.run(first, quiet, &probe), relocation::Outcome::Done);
    const auto [seconds, detail] = drainOf(first);
    EXPECT_LT(seconds, 10) << detail;
    EXPECT_NE(detail.find("every locator names cell us2"), std::string::npos) << detail;
    const auto answers = api.status(first).relocation.drainAnswers;
    EXPECT_NE(answers.find(" " + request.org + " → us2"), std::string::npos) << answers;
    EXPECT_GE(probe.asked, 3); // id, slug and at least one DSN key

    request.org = slugs[1][0].as<std::string>();
    request.drainSeconds = 2;
    request.verifyLocators = {stale.url().toString().toStdString()};
    const std::int64_t second = api.start(request);
    ASSERT_EQ(api.run(second, quiet, &probe), relocation::Outcome::Done);
    const auto [waited, staleDetail] = drainOf(second);
    EXPECT_GE(waited, 1.5) << staleDetail;
    EXPECT_NE(staleDetail.find("not every locator names cell us2"), std::string::npos) << staleDetail;
    EXPECT_NE(api.status(second).relocation.drainAnswers.find("→ us1"), std::string::npos);
}
