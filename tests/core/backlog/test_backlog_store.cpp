// The backlog store against the throwaway PostgreSQL cluster: round trips, every refusal, and the grants
// checked with real LOGIN roles.
#include "core/backlog/store.h"
#include "core/db/database.h"
#include "core/db/migrations.h"
#include "core/demo/demo_history.h"
#include "core/util/error.h"
#include "tests/support/pg_test_env.h"

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include <QDir>
#include <QFile>
#include <QTemporaryDir>

#include <functional>
#include <ostream>

using namespace Qt::StringLiterals;
using namespace cellscope;
using namespace cellscope::backlog;
using namespace cellscope::demo;

static void PrintTo(const QString& s, std::ostream* os)
{
    *os << '"' << s.toStdString() << '"';
}

namespace {

constexpr std::int64_t kJan6 = 1736121600; // 2025-01-06T00:00:00Z
constexpr std::int64_t kWeek = 7 * 86400;

QString fixture(const QString& name)
{
    return QStringLiteral(CELLSCOPE_FIXTURES_DIR) + u"/backlog/"_s + name;
}

QString week(const char* name)
{
    return fixture(u"history/"_s + QLatin1StringView(name));
}

ImportOptions at(std::int64_t takenAt, const char* rev = "")
{
    return {takenAt, QString::fromLatin1(rev)};
}

// The thrown error's code and message, or nullopt when `step` did not throw.
std::optional<std::pair<ErrorCode, std::string>> errorOf(const std::function<void()>& step)
{
    try {
        step();
    } catch (const Error& e) {
        return std::pair{e.code(), std::string(e.what())};
    }
    return std::nullopt;
}

// A control database private to one test, migrated, dropped afterwards; plus LOGIN roles made for it.
class BacklogStore : public ::testing::Test
{
protected:
    void SetUp() override
    {
        const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
        // Database and role names stay within PostgreSQL's 63 bytes.
        m_name = (std::string("t_backlog_") + info->name()).substr(0, 48);
        for (auto& c : m_name)
            c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        dropDatabase();
        conninfo = test::pgServerConninfo(m_name);
        db::ensureDatabase(conninfo);
        auto connection = db::connect(conninfo);
        db::migrate(*connection, db::SchemaKind::Control);
    }

    void TearDown() override
    {
        dropDatabase();
        auto admin = db::connect(test::pgServerConninfo());
        pqxx::nontransaction tx(*admin);
        for (const std::string& role : m_roles)
            tx.exec0("DROP ROLE IF EXISTS " + tx.quote_name(role));
    }

    void dropDatabase()
    {
        auto admin = db::connect(test::pgServerConninfo());
        pqxx::nontransaction tx(*admin);
        tx.exec0("DROP DATABASE IF EXISTS " + tx.quote_name(m_name) + " WITH (FORCE)");
    }

    // A LOGIN role in `group` (or in none), and the conninfo that logs in as it; the fixture cluster trusts
    // local socket logins.
    std::string loginAs(const std::string& suffix, const std::string& group)
    {
        const std::string role = m_name + "_" + suffix;
        auto admin = db::connect(test::pgServerConninfo());
        pqxx::nontransaction tx(*admin);
        tx.exec0("DROP ROLE IF EXISTS " + tx.quote_name(role));
        tx.exec0("CREATE ROLE " + tx.quote_name(role) + " LOGIN" +
                 (group.empty() ? "" : " IN ROLE " + tx.quote_name(group)));
        m_roles.push_back(role);
        return conninfo + " user=" + role;
    }

    long count(const std::string& sql)
    {
        auto c = db::connect(conninfo);
        pqxx::nontransaction tx(*c);
        return tx.exec(sql)[0][0].as<long>();
    }

    std::string conninfo;
    std::string m_name;
    std::vector<std::string> m_roles;
};

} // namespace

TEST_F(BacklogStore, ImportRoundTripsEntriesAndProvenance)
{
    Store store(conninfo);
    const ImportResult result = store.importFile(week("week1.py"), at(kJan6, "1111AAAA"));
    EXPECT_FALSE(result.sincePrevious.has_value());
    const SnapshotInfo& snapshot = result.snapshot;
    EXPECT_EQ(snapshot.id, 1);
    EXPECT_EQ(snapshot.takenAt, kJan6);
    EXPECT_EQ(snapshot.gitRev, u"1111aaaa"_s); // stored lower-case
    EXPECT_EQ(snapshot.format, MapFormat::Python);
    EXPECT_EQ(snapshot.sourceFile, week("week1.py"));
    EXPECT_EQ(snapshot.importedBy, u"postgres"_s);
    EXPECT_GT(snapshot.importedAt, kJan6);
    EXPECT_EQ(snapshot.entryCount, 12);

    const std::vector<MapEntry> parsed = importMapFile(week("week1.py"));
    const std::vector<TrackedEntry> stored = store.entries(1);
    ASSERT_EQ(stored.size(), parsed.size());
    for (const MapEntry& expected : parsed) {
        const auto it = std::find_if(stored.begin(), stored.end(),
                                     [&](const TrackedEntry& e) { return e.urlName == expected.urlName; });
        ASSERT_NE(it, stored.end()) << expected.urlName.toStdString();
        EXPECT_EQ(it->action, expected.action);
        EXPECT_EQ(it->line, expected.line);
        EXPECT_EQ(it->tracking.status, TrackingStatus::Open);
        EXPECT_TRUE(it->tracking.updatedBy.isEmpty());
    }

    const auto all = store.snapshots();
    ASSERT_EQ(all.size(), 1u);
    EXPECT_EQ(all[0].sourceFile, snapshot.sourceFile);
    EXPECT_EQ(all[0].importedAt, snapshot.importedAt);
}

TEST_F(BacklogStore, EveryFormatIsRecordedAndAnImportWithoutAtIsTakenNow)
{
    Store store(conninfo);
    EXPECT_EQ(store.importFile(week("week2.json")).snapshot.format, MapFormat::Json);
    const SnapshotInfo csv = store.importFile(week("week3.csv")).snapshot;
    EXPECT_EQ(csv.format, MapFormat::Csv);
    EXPECT_TRUE(csv.gitRev.isEmpty());
    EXPECT_EQ(csv.takenAt, csv.importedAt);
}

TEST_F(BacklogStore, EachImportIsDiffedAgainstThePreviousSnapshotInTime)
{
    Store store(conninfo);
    store.importFile(week("week1.py"), at(kJan6));
    const ImportResult second = store.importFile(week("week2_breaks_rules.py"), at(kJan6 + kWeek));
    ASSERT_TRUE(second.sincePrevious.has_value());
    const SnapshotDiff& diff = *second.sincePrevious;
    EXPECT_EQ(diff.from.id, 1);
    EXPECT_EQ(diff.to.id, 2);
    EXPECT_EQ(diff.added.size(), 2u);
    EXPECT_EQ(diff.removed.size(), 2u);
    EXPECT_EQ(diff.changed.size(), 1u);
    ASSERT_EQ(diff.violations.size(), 3u); // two additions, one of them TO_BE_BROKEN
    EXPECT_EQ(diff.violations[0].urlName, u"sentry-api-0-project-stats"_s);
    EXPECT_EQ(diff.violations[2].rule, Rule::NoNewBrokenEntries);
    EXPECT_EQ(diff.violations[2].urlName, u"sentry-api-0-relocations-retry"_s);

    // An import dated between the two is compared with the one before it in time, not the last stored.
    const ImportResult backfill = store.importFile(week("week1.py"), at(kJan6 + 3 * 86400));
    ASSERT_TRUE(backfill.sincePrevious.has_value());
    EXPECT_EQ(backfill.sincePrevious->from.id, 1);
    EXPECT_TRUE(backfill.sincePrevious->violations.empty());
    const auto ordered = store.snapshots();
    ASSERT_EQ(ordered.size(), 3u);
    EXPECT_EQ(ordered[1].id, 3);
    EXPECT_EQ(store.resolveSnapshot(u"latest").id, 2);
}

TEST_F(BacklogStore, MalformedFilesAreRefusedWithTheirPositionAndStoreNothing)
{
    Store store(conninfo);
    struct Case
    {
        QString file;
        int line;
        int column;
    };
    for (const Case& c :
         {Case{week("malformed.py"), 4, 5}, Case{fixture(u"err_missing_colon.py"_s), 2, 34},
          Case{fixture(u"err_unknown_action.py"_s), 0, 0}, Case{fixture(u"err_duplicate_key.py"_s), 0, 0}}) {
        SCOPED_TRACE(c.file.toStdString());
        try {
            store.importFile(c.file, at(kJan6));
            ADD_FAILURE() << "accepted";
        } catch (const ImportError& e) {
            EXPECT_EQ(e.code(), ErrorCode::BadInput);
            EXPECT_EQ(e.file(), c.file);
            if (c.line > 0) {
                EXPECT_EQ(e.line(), c.line);
                EXPECT_EQ(e.column(), c.column);
            } else {
                EXPECT_GT(e.line(), 0) << e.toString().toStdString();
            }
        }
    }
    EXPECT_EQ(count("SELECT count(*) FROM cellscope.backlog_snapshot"), 0);
    EXPECT_EQ(count("SELECT count(*) FROM cellscope.backlog_entry"), 0);
}

TEST_F(BacklogStore, UnreadableFilesAndBadRevisionsAreRefusedBeforeAnythingIsStored)
{
    Store store(conninfo);
    try {
        store.importFile(week("no-such-week.py"));
        ADD_FAILURE() << "accepted";
    } catch (const ImportError& e) {
        EXPECT_EQ(e.reason(), ImportError::Reason::FileUnreadable);
        EXPECT_EQ(e.line(), 0);
    }
    const auto bad = errorOf([&] { store.importFile(week("week1.py"), at(kJan6, "HEAD")); });
    ASSERT_TRUE(bad.has_value());
    EXPECT_EQ(bad->first, ErrorCode::BadInput);
    EXPECT_EQ(bad->second, "'HEAD' is not a git commit id: give 4 to 64 hexadecimal digits (`git rev-parse "
                           "HEAD` prints one)");
    EXPECT_EQ(count("SELECT count(*) FROM cellscope.backlog_snapshot"), 0);
}

TEST_F(BacklogStore, SnapshotReferences)
{
    Store store(conninfo);
    const auto none = errorOf([&] { store.resolveSnapshot(u"latest"); });
    ASSERT_TRUE(none.has_value());
    EXPECT_EQ(none->first, ErrorCode::BadInput);
    EXPECT_EQ(none->second, "there are no backlog snapshots yet; import a URL_NAME_TO_ACTION map first");

    store.importFile(week("week1.py"), at(kJan6));
    store.importFile(week("week2.json"), at(kJan6 + kWeek));
    EXPECT_EQ(store.resolveSnapshot(u"first").id, 1);
    EXPECT_EQ(store.resolveSnapshot(u"latest").id, 2);
    EXPECT_EQ(store.resolveSnapshot(u"2").takenAt, kJan6 + kWeek);
    for (const QString& bad : {u"0"_s, u"-1"_s, u"newest"_s, u""_s}) {
        const auto error = errorOf([&] { store.resolveSnapshot(bad); });
        ASSERT_TRUE(error.has_value()) << bad.toStdString();
        EXPECT_EQ(error->first, ErrorCode::BadInput);
        EXPECT_NE(error->second.find("is not a snapshot"), std::string::npos) << error->second;
    }
    const auto missing = errorOf([&] { store.resolveSnapshot(u"99"); });
    ASSERT_TRUE(missing.has_value());
    EXPECT_EQ(missing->second, "there is no backlog snapshot 99");
    EXPECT_EQ(errorOf([&] { store.diff(1, 99); })->first, ErrorCode::BadInput);
    EXPECT_EQ(errorOf([&] { store.entries(99); })->first, ErrorCode::BadInput);
}

TEST_F(BacklogStore, DiffBetweenAnyTwoSnapshots)
{
    Store store(conninfo);
    store.importFile(week("week1.py"), at(kJan6));
    store.importFile(week("week2.json"), at(kJan6 + kWeek));
    store.importFile(week("week3.csv"), at(kJan6 + 2 * kWeek));
    const SnapshotDiff diff = store.diff(1, 3);
    EXPECT_EQ(diff.from.id, 1);
    EXPECT_EQ(diff.to.id, 3);
    EXPECT_EQ(diff.removed.size(), 4u);
    EXPECT_TRUE(diff.added.empty());
    ASSERT_EQ(diff.changed.size(), 1u);
    EXPECT_EQ(diff.changed[0].urlName, u"sentry-api-0-sentry-app-interaction"_s);
    EXPECT_TRUE(diff.violations.empty());
    // Backwards, the drained entries show up as additions: the rules are checked on whatever B adds.
    EXPECT_EQ(store.diff(3, 1).violations.size(), 4u);
}

TEST_F(BacklogStore, StatusSummarizesTheLatestSnapshotAndTheHistory)
{
    Store store(conninfo);
    store.importFile(week("week1.py"), at(kJan6));
    store.importFile(week("week2_breaks_rules.py"), at(kJan6 + kWeek));
    store.updateTracking(u"sentry-api-0-organizations"_s,
                         {u"chen.li"_s, u"hybrid-cloud"_s, TrackingStatus::InProgress, {}});

    const StatusReport report = store.status();
    ASSERT_TRUE(report.latest.has_value());
    EXPECT_EQ(report.latest->id, 2);
    EXPECT_EQ(report.first->id, 1);
    EXPECT_EQ(report.entries.size(), 12u);
    EXPECT_EQ(report.byAction[8].action, Action::ToBeBroken);
    EXPECT_EQ(report.byAction[8].total, 2);
    ASSERT_EQ(report.byOwner.size(), 2u);
    EXPECT_EQ(report.byOwner[0].owner, u"chen.li"_s);
    EXPECT_EQ(report.byOwner[0].byStatus[static_cast<int>(TrackingStatus::InProgress)], 1);

    ASSERT_EQ(report.burndown.size(), 2u);
    EXPECT_EQ(report.burndown[0].total, 12);
    EXPECT_EQ(report.burndown[0].added, 0);
    EXPECT_EQ(report.burndown[1].added, 2);
    EXPECT_EQ(report.burndown[1].removed, 2);
    EXPECT_EQ(report.burndown[1].violations, 3);
    EXPECT_EQ(report.burndown[1].byAction[8], 2);
    EXPECT_EQ(report.progress.addedSinceFirst, 2);
    EXPECT_EQ(report.progress.removedSinceFirst, 2);
    EXPECT_EQ(report.projection.outcome, Projection::Outcome::NotDraining);
}

TEST_F(BacklogStore, TrackingIsUpdatedFieldByFieldAndSurvivesSnapshots)
{
    Store store(conninfo);
    store.importFile(week("week1.py"), at(kJan6));
    const QString name = u"sentry-api-0-shared-group-details"_s;

    TrackedEntry entry =
        store.updateTracking(name, {u"  esme.r "_s, std::nullopt, std::nullopt, u"callers found"_s});
    EXPECT_EQ(entry.action, Action::ToBeDeprecated);
    EXPECT_EQ(entry.tracking.owner, u"esme.r"_s); // trimmed
    EXPECT_EQ(entry.tracking.status, TrackingStatus::Open);
    EXPECT_EQ(entry.tracking.notes, u"callers found"_s);
    EXPECT_EQ(entry.tracking.updatedBy, u"postgres"_s);
    EXPECT_GT(entry.tracking.updatedAt, 0);

    // Unset fields are kept; an empty one is cleared.
    entry = store.updateTracking(name, {std::nullopt, u"issues"_s, TrackingStatus::Done, u""_s});
    EXPECT_EQ(entry.tracking.owner, u"esme.r"_s);
    EXPECT_EQ(entry.tracking.team, u"issues"_s);
    EXPECT_EQ(entry.tracking.status, TrackingStatus::Done);
    EXPECT_TRUE(entry.tracking.notes.isEmpty());
    EXPECT_EQ(count("SELECT count(*) FROM cellscope.backlog_tracking WHERE notes IS NULL"), 1);

    // The next snapshot carries the tracking; so does an entry that has since been drained.
    store.importFile(week("week3.csv"), at(kJan6 + 2 * kWeek));
    const auto latest = store.entries(2);
    const auto it =
        std::find_if(latest.begin(), latest.end(), [&](const TrackedEntry& e) { return e.urlName == name; });
    ASSERT_NE(it, latest.end());
    EXPECT_EQ(it->tracking.team, u"issues"_s);
    entry = store.updateTracking(u"sentry-api-0-tempest-ips"_s,
                                 {std::nullopt, std::nullopt, TrackingStatus::Done, {}});
    EXPECT_EQ(entry.action, Action::ToBeDeleted);
}

TEST_F(BacklogStore, TrackingRefusesUnknownEntriesAndEmptyUpdates)
{
    Store store(conninfo);
    store.importFile(week("week1.py"), at(kJan6));
    const auto unknown = errorOf([&] { store.updateTracking(u"sentry-api-0-nope"_s, {u"x"_s, {}, {}, {}}); });
    ASSERT_TRUE(unknown.has_value());
    EXPECT_EQ(unknown->first, ErrorCode::BadInput);
    EXPECT_EQ(unknown->second,
              "no backlog snapshot lists 'sentry-api-0-nope'; check the URL name (see backlog status)");
    const auto empty = errorOf([&] { store.updateTracking(u"sentry-api-0-organizations"_s, {}); });
    ASSERT_TRUE(empty.has_value());
    EXPECT_EQ(empty->first, ErrorCode::BadInput);
    EXPECT_EQ(count("SELECT count(*) FROM cellscope.backlog_tracking"), 0);
}

TEST_F(BacklogStore, AnUnmigratedDatabaseIsAConflict)
{
    const std::string bare = test::pgServerConninfo(m_name + "_bare");
    db::ensureDatabase(bare);
    const auto error = errorOf([&] { Store store(bare); });
    {
        auto admin = db::connect(test::pgServerConninfo());
        pqxx::nontransaction tx(*admin);
        tx.exec0("DROP DATABASE " + tx.quote_name(m_name + "_bare") + " WITH (FORCE)");
    }
    ASSERT_TRUE(error.has_value());
    EXPECT_EQ(error->first, ErrorCode::Conflict);
    EXPECT_NE(error->second.find("0003_backlog"), std::string::npos) << error->second;
}

TEST_F(BacklogStore, AViewerReadsButIsRefusedEveryWriteByTheDatabase)
{
    Store(conninfo).importFile(week("week1.py"), at(kJan6));
    const std::string viewerConninfo = loginAs("viewer", "cellscope_viewer");
    Store viewer(viewerConninfo);
    EXPECT_EQ(viewer.status().entries.size(), 12u);
    const Permissions permissions = viewer.permissions();
    EXPECT_FALSE(permissions.importSnapshots);
    EXPECT_FALSE(permissions.editTracking);

    const std::string role = m_name + "_viewer";
    const auto import = errorOf([&] { viewer.importFile(week("week2.json"), at(kJan6 + kWeek)); });
    ASSERT_TRUE(import.has_value());
    EXPECT_EQ(import->first, ErrorCode::Permission);
    EXPECT_EQ(import->second,
              "importing a backlog snapshot needs the cellscope_lead role; PostgreSQL refused it "
              "for role '" +
                  role + "'");
    const auto edit = errorOf([&] {
        viewer.updateTracking(u"sentry-api-0-organizations"_s, {u"me"_s, {}, {}, {}});
    });
    ASSERT_TRUE(edit.has_value());
    EXPECT_EQ(edit->first, ErrorCode::Permission);
    EXPECT_EQ(edit->second,
              "changing backlog tracking needs the cellscope_lead role; PostgreSQL refused it for "
              "role '" +
                  role + "'");
    EXPECT_EQ(errorOf([&] { viewer.replaceHistory({}, {}); })->first, ErrorCode::Permission);

    // The refusal is PostgreSQL's (SQLSTATE 42501), not the store's: raw SQL fares no better.
    auto raw = db::connect(viewerConninfo);
    pqxx::nontransaction tx(*raw);
    EXPECT_THROW(tx.exec0("INSERT INTO cellscope.backlog_tracking (url_name) VALUES ('x')"),
                 pqxx::insufficient_privilege);
    EXPECT_THROW(tx.exec0("DELETE FROM cellscope.backlog_entry"), pqxx::insufficient_privilege);
    EXPECT_EQ(count("SELECT count(*) FROM cellscope.backlog_snapshot"), 1);
    EXPECT_EQ(count("SELECT count(*) FROM cellscope.backlog_tracking"), 0);
}

TEST_F(BacklogStore, ALeadImportsAndEditsButCannotRewriteHistoryOrForgeStamps)
{
    Store(conninfo).importFile(week("week1.py"), at(kJan6));
    const std::string leadConninfo = loginAs("lead", "cellscope_lead");
    const std::string role = m_name + "_lead";
    Store lead(leadConninfo);
    const Permissions permissions = lead.permissions();
    EXPECT_TRUE(permissions.importSnapshots);
    EXPECT_TRUE(permissions.editTracking);

    const ImportResult result = lead.importFile(week("week2.json"), at(kJan6 + kWeek, "2222bbbb"));
    EXPECT_EQ(result.snapshot.importedBy, QString::fromStdString(role));
    TrackedEntry entry = lead.updateTracking(u"sentry-api-0-organizations"_s, {u"chen.li"_s, {}, {}, {}});
    EXPECT_EQ(entry.tracking.updatedBy, QString::fromStdString(role));
    entry = lead.updateTracking(u"sentry-api-0-organizations"_s, {{}, {}, TrackingStatus::InProgress, {}});
    EXPECT_EQ(entry.tracking.owner, u"chen.li"_s);
    EXPECT_EQ(entry.tracking.updatedBy, QString::fromStdString(role));

    auto raw = db::connect(leadConninfo);
    pqxx::nontransaction tx(*raw);
    EXPECT_THROW(tx.exec0("UPDATE cellscope.backlog_tracking SET updated_by = 'someone-else'"),
                 pqxx::insufficient_privilege);
    EXPECT_THROW(tx.exec0("DELETE FROM cellscope.backlog_snapshot"), pqxx::insufficient_privilege);
    EXPECT_THROW(tx.exec0("UPDATE cellscope.backlog_entry SET action = 'TO_BE_DELETED'"),
                 pqxx::insufficient_privilege);
    EXPECT_EQ(errorOf([&] { lead.replaceHistory({}, {}); })->first, ErrorCode::Permission);
    EXPECT_EQ(count("SELECT count(*) FROM cellscope.backlog_snapshot"), 2);
}

TEST_F(BacklogStore, ARoleWithoutTheViewerGrantCannotEvenRead)
{
    Store(conninfo).importFile(week("week1.py"), at(kJan6));
    Store outsider(loginAs("outsider", ""));
    const auto error = errorOf([&] { outsider.status(); });
    ASSERT_TRUE(error.has_value());
    EXPECT_EQ(error->first, ErrorCode::Permission);
    EXPECT_NE(error->second.find("reading the backlog needs the cellscope_viewer role"), std::string::npos);
}

TEST_F(BacklogStore, DemoHistoryIsSeededAndReplacedWhole)
{
    const DemoBacklog demo = makeDemoBacklog(42);
    seedBacklogDemo(conninfo, 42);
    Store store(conninfo);
    store.updateTracking(demo.snapshots.front().entries.front().urlName, {u"someone"_s, {}, {}, {}});
    seedBacklogDemo(conninfo, 42); // replaces, ids restart
    const StatusReport report = store.status();
    ASSERT_EQ(report.snapshots.size(), static_cast<std::size_t>(kDemoWeeks));
    EXPECT_EQ(report.first->id, 1);
    EXPECT_EQ(report.latest->id, kDemoWeeks);
    EXPECT_EQ(report.latest->entryCount, static_cast<int>(demo.snapshots.back().entries.size()));
    EXPECT_EQ(count("SELECT count(*) FROM cellscope.backlog_tracking"),
              static_cast<long>(demo.tracking.size()));
    EXPECT_EQ(count("SELECT count(*) FROM cellscope.backlog_tracking WHERE owner = 'someone'"), 0);
    int breaking = 0;
    for (const BurndownPoint& point : report.burndown)
        breaking += point.violations > 0 ? 1 : 0;
    EXPECT_EQ(breaking, 1);
    EXPECT_GT(report.burndown[static_cast<std::size_t>(demo.ruleBreakingWeek)].violations, 1);
    EXPECT_EQ(report.projection.outcome, Projection::Outcome::Projected);
    EXPECT_GT(report.progress.percentDrained(), 25);
}
