// The console's cache of each source's last world (ui/world_cache.h): written after a live load,
// shown at once (marked cached, with its age) by the next window while the live world loads, and
// replaced by the live world where the person is; a failed live load leaves it up with the error;
// an unreadable cache is ignored. Snapshot-file sources, so no PostgreSQL is needed.
#include "core/snapshot/binary_snapshot.h"
#include "tests/support/ui_test_support.h"
#include "ui/models/org_table_model.h"
#include "ui/views/main_window.h"
#include "ui/views/navigator.h"
#include "ui/world_cache.h"

#include <QAbstractItemModelTester>
#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QItemSelectionModel>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLineEdit>
#include <QSemaphore>
#include <QSignalSpy>
#include <QTableView>
#include <QTemporaryDir>
#include <QTreeView>
#include <QtTest>

#include <memory>

using namespace cellscope;
using namespace cellscope::ui;

namespace {

// A world of `orgs` organizations "org-0001"…, named "Org N" (or "Renamed N" for `renamed`), in the
// cells of tests/fixtures/snapshots/small.json.
void writeWorld(const QString& path, int orgs, int renamed = -1)
{
    QFile fixture(QStringLiteral(CELLSCOPE_FIXTURES_DIR "/snapshots/small.json"));
    QVERIFY(fixture.open(QIODevice::ReadOnly));
    QJsonObject world = QJsonDocument::fromJson(fixture.readAll()).object();
    QVERIFY(world.contains(QStringLiteral("cells")));
    world.remove(QStringLiteral("members"));
    world.remove(QStringLiteral("project_keys"));
    world.remove(QStringLiteral("integrations"));
    world.remove(QStringLiteral("slug_reservations"));
    const QStringList cells{QStringLiteral("us1"), QStringLiteral("us2"), QStringLiteral("de1")};
    QJsonArray organizations;
    for (int id = 1; id <= orgs; ++id)
        organizations.append(
            QJsonObject{{QStringLiteral("id"), id},
                        {QStringLiteral("slug"), QStringLiteral("org-%1").arg(id, 4, 10, QLatin1Char('0'))},
                        {QStringLiteral("name"),
                         QStringLiteral("%1 %2")
                             .arg(id == renamed ? QStringLiteral("Renamed") : QStringLiteral("Org"))
                             .arg(id)},
                        {QStringLiteral("cell"), cells[id % 3]},
                        {QStringLiteral("status"), QStringLiteral("active")}});
    world.insert(QStringLiteral("organizations"), organizations);
    const QByteArray json = QJsonDocument(world).toJson();
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly | QIODevice::Truncate));
    QCOMPARE(file.write(json), qint64(json.size()));
}

sources::SourceOptions fileSource(const QString& path)
{
    sources::SourceOptions options;
    options.snapshotFile = path.toStdString();
    return options;
}

// The cache file of `options` once it is a whole, valid snapshot of `orgs` organizations.
bool cacheHolds(const QString& cacheDir, const sources::SourceOptions& options, std::size_t orgs)
{
    const QString file = worldCacheFile(cacheDir, options);
    if (file.isEmpty() || !QFileInfo::exists(file))
        return false;
    try {
        return loadSnapshotBinaryFile(file.toStdString())->organizations().size() == orgs;
    } catch (const std::exception&) {
        return false;
    }
}

// Loads `path` live once in a window of its own, so that its world is cached.
void primeCache(const QString& cacheDir, const QString& path, std::size_t orgs)
{
    MainWindow window(fileSource(path));
    window.setWorldCache(cacheDir);
    QVERIFY(test::showAndLoad(window, QSize(1200, 800), 10000));
    QTRY_VERIFY_WITH_TIMEOUT(cacheHolds(cacheDir, fileSource(path), orgs), 10000);
}

// A snapshot-file source of `orgs` organizations whose world is already in the cache.
struct PrimedSource
{
    explicit PrimedSource(std::size_t orgs)
    {
        writeWorld(world, static_cast<int>(orgs));
        primeCache(cacheDir, world, orgs);
    }
    QTemporaryDir dir;
    const QString cacheDir = dir.filePath(QStringLiteral("cache"));
    const QString world = dir.filePath(QStringLiteral("world.json"));
};

std::int64_t idOfRow(const MainWindow& window, int row)
{
    return window.snapshot()->organizations()[window.orgModel()->orgAt(row)].id;
}

int rowOfId(const MainWindow& window, std::int64_t id)
{
    const auto org = window.snapshot()->findOrgById(id);
    return org ? window.orgModel()->rowOfOrg(*org) : -1;
}

std::int64_t topId(const MainWindow& window)
{
    const int row = window.orgTable()->rowAt(0);
    return row < 0 ? -1 : idOfRow(window, row);
}

QString nameOf(const Snapshot& snapshot, std::int64_t id)
{
    return QString::fromStdString(
        std::string(snapshot.text(snapshot.organizations()[*snapshot.findOrgById(id)].name)));
}

std::int64_t selectedId(const MainWindow& window)
{
    const QModelIndexList rows = window.orgTable()->selectionModel()->selectedRows();
    return rows.isEmpty() ? -1 : idOfRow(window, rows.first().row());
}

} // namespace

class WorldCacheTests : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        // Keep the test's settings (window state, recent sources) away from the user's.
        QStandardPaths::setTestModeEnabled(true);
    }

    void theCacheNamesASourceWithoutItsPassword()
    {
        sources::SourceOptions withPassword;
        withPassword.db = "host=control.internal dbname=sentry_control user=ops password=s3cret";
        sources::SourceOptions other = withPassword;
        other.db = "host=replica.internal dbname=sentry_control user=ops password=s3cret";
        sources::SourceOptions uri;
        uri.db = "postgresql://ops:s3cret@control.internal/sentry_control";
        sources::SourceOptions url;
        url.controlUrl = "http://ops:s3cret@control.internal:8000";
        for (const auto& options : {withPassword, other, uri, url}) {
            const QString identity = worldCacheIdentity(options);
            QVERIFY(!identity.isEmpty());
            QVERIFY2(!identity.contains(QStringLiteral("s3cret")), qPrintable(identity));
            QVERIFY(!worldCacheFile(QStringLiteral("/c"), options).contains(QStringLiteral("s3cret")));
        }
        QVERIFY(worldCacheFile(QStringLiteral("/c"), withPassword) !=
                worldCacheFile(QStringLiteral("/c"), other));
        QVERIFY(worldCacheFile(QStringLiteral("/c"), withPassword).startsWith(QStringLiteral("/c/world-")));
        // A relative snapshot path names the same file as its absolute path.
        QCOMPARE(worldCacheFile(QStringLiteral("/c"), fileSource(QStringLiteral("w.json"))),
                 worldCacheFile(QStringLiteral("/c"),
                                fileSource(QDir::current().absoluteFilePath(QStringLiteral("w.json")))));
        QVERIFY(worldCacheFile(QString(), withPassword).isEmpty()); // no directory, no cache
    }

    void aLiveLoadWritesTheCache()
    {
        QTemporaryDir dir;
        const QString cacheDir = dir.filePath(QStringLiteral("cache"));
        const QString world = dir.filePath(QStringLiteral("world.json"));
        writeWorld(world, 40);
        MainWindow window(fileSource(world));
        window.setWorldCache(cacheDir);
        QSignalSpy cached(&window, &MainWindow::cachedSnapshotShown);
        QVERIFY(test::showAndLoad(window, QSize(1200, 800), 10000));
        QCOMPARE(cached.count(), 0); // nothing cached yet
        QVERIFY(!window.showingCachedWorld());
        QTRY_VERIFY_WITH_TIMEOUT(cacheHolds(cacheDir, fileSource(world), 40), 10000);
        // Nothing is left next to it (the temporary file is renamed into place), and only its owner
        // may read it: a world holds members' e-mail addresses.
        QCOMPARE(QDir(cacheDir).entryList(QDir::Files).size(), 1);
        const QFileDevice::Permissions others = QFileDevice::ReadGroup | QFileDevice::WriteGroup |
                                                QFileDevice::ExeGroup | QFileDevice::ReadOther |
                                                QFileDevice::WriteOther | QFileDevice::ExeOther;
        QCOMPARE(QFileInfo(worldCacheFile(cacheDir, fileSource(world))).permissions() & others,
                 QFileDevice::Permissions());
        QCOMPARE(QFileInfo(cacheDir).permissions() & others, QFileDevice::Permissions());
    }

    // Writing a world prunes the others: the newest eight stay (the one written among them), and a
    // crashed writer's temporary file goes once it is an hour old.
    void theCacheKeepsTheNewestWorldsOnly()
    {
        QTemporaryDir dir;
        const QString cacheDir = dir.filePath(QStringLiteral("cache"));
        QVERIFY(QDir().mkpath(cacheDir));
        const QDateTime now = QDateTime::currentDateTimeUtc();
        auto touch = [&](const QString& name, qint64 secondsAgo) {
            QFile file(cacheDir + QLatin1Char('/') + name);
            QVERIFY(file.open(QIODevice::WriteOnly));
            file.write("old");
            QVERIFY(file.flush()); // a write after setFileTime() would make it now again
            QVERIFY(file.setFileTime(now.addSecs(-secondsAgo), QFileDevice::FileModificationTime));
        };
        for (int i = 0; i < 10; ++i)
            touch(QStringLiteral("world-old%1.cssnap").arg(i), 60 * (i + 1)); // old0 is the newest
        touch(QStringLiteral("world-x.cssnap.crashed.tmp"), 2 * 3600);
        touch(QStringLiteral("world-x.cssnap.writing.tmp"), 10);
        touch(QStringLiteral("notes.txt"), 5 * 3600);
        if (QTest::currentTestFailed())
            return;
        const QString world = dir.filePath(QStringLiteral("world.json"));
        writeWorld(world, 10);
        const QString written = worldCacheFile(cacheDir, fileSource(world));
        writeWorldCache(*loadSnapshotFile(world.toStdString()), written);

        QStringList expected{QFileInfo(written).fileName(), QStringLiteral("notes.txt"),
                             QStringLiteral("world-x.cssnap.writing.tmp")};
        for (int i = 0; i < kMaxCachedWorlds - 1; ++i)
            expected << QStringLiteral("world-old%1.cssnap").arg(i);
        expected.sort();
        QCOMPARE(QDir(cacheDir).entryList(QDir::Files, QDir::Name).join(QLatin1Char(' ')),
                 expected.join(QLatin1Char(' ')));
    }

    void aBinarySnapshotSourceIsNotCached()
    {
        QTemporaryDir dir;
        const QString cacheDir = dir.filePath(QStringLiteral("cache"));
        const QString json = dir.filePath(QStringLiteral("world.json"));
        const QString binary = dir.filePath(QStringLiteral("world.cssnap"));
        writeWorld(json, 5);
        writeSnapshotBinaryFile(*loadSnapshotFile(json.toStdString()), binary.toStdString());
        MainWindow window(fileSource(binary));
        window.setWorldCache(cacheDir);
        QVERIFY(test::showAndLoad(window, QSize(1200, 800), 10000));
        QTest::qWait(200);
        QVERIFY(!QFileInfo::exists(worldCacheFile(cacheDir, fileSource(binary))));
    }

    // The next window shows the cached world before the live one arrives, marked with its age; the
    // person searches, selects and scrolls on it; the live world replaces it where they were.
    void theCachedWorldShowsFirstAndTheLiveOneKeepsSelectionScrollAndSearch()
    {
        const PrimedSource source(2000);
        const QString& cacheDir = source.cacheDir;
        const QString& world = source.world;
        writeWorld(world, 2000, 1500); // the live world differs: org 1500 was renamed
        if (QTest::currentTestFailed())
            return;

        MainWindow window(fileSource(world));
        window.setWorldCache(cacheDir);
        auto gate = std::make_shared<QSemaphore>();
        window.setBeforeLiveLoad([gate] { gate->tryAcquire(1, 30000); }); // the live source hangs
        QAbstractItemModelTester tester(window.orgModel(),
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        QSignalSpy cached(&window, &MainWindow::cachedSnapshotShown);
        QSignalSpy live(&window, &MainWindow::snapshotLoaded);
        window.resize(1200, 800);
        window.show();
        window.load();
        QVERIFY(cached.wait(10000));
        QVERIFY(window.showingCachedWorld());
        QCOMPARE(live.count(), 0);
        QVERIFY2(window.bannerText().contains(QStringLiteral("Showing the cached snapshot from")),
                 qPrintable(window.bannerText()));
        // The data's age (the fixture's taken_at, weeks ago), not the seconds-old cache file's.
        const QString dataAge =
            describeAgo(QDateTime::currentSecsSinceEpoch() - window.snapshot()->info().takenAt);
        QVERIFY2(dataAge.contains(QStringLiteral("days")), qPrintable(dataAge));
        QVERIFY2(window.bannerText().contains(QStringLiteral("from ") + dataAge),
                 qPrintable(window.bannerText()));
        QVERIFY(window.bannerText().contains(QStringLiteral("loading the live source")));
        QTRY_COMPARE_WITH_TIMEOUT(window.orgModel()->rowCount(), 2000, 5000); // usable at once
        const SnapshotPtr cachedWorld = window.snapshot();
        QCOMPARE(nameOf(*cachedWorld, 1500), QStringLiteral("Org 1500"));

        // Search, select and scroll on the cached world.
        QTest::keyClicks(window.searchField(), QStringLiteral("org-1"));
        QTRY_COMPARE_WITH_TIMEOUT(window.orgModel()->rowCount(), 1000, 5000); // org-1000 … org-1999
        window.orgTable()->selectRow(rowOfId(window, 1500));
        QCOMPARE(selectedId(window), std::int64_t{1500});
        window.orgTable()->scrollTo(window.orgModel()->index(rowOfId(window, 1700), 0),
                                    QAbstractItemView::PositionAtTop);
        QTRY_COMPARE_WITH_TIMEOUT(topId(window), std::int64_t{1700}, 2000);
        if (const QByteArray shots = qgetenv("CELLSCOPE_SCREENSHOT_DIR"); !shots.isEmpty())
            window.grab().save(QStringLiteral("%1/cached-world.png").arg(QString::fromLocal8Bit(shots)));

        gate->release(); // the live world arrives
        QVERIFY(live.wait(10000));
        QVERIFY(!window.showingCachedWorld());
        QVERIFY(window.bannerText().isEmpty());
        const SnapshotPtr liveWorld = window.snapshot();
        QVERIFY(liveWorld != cachedWorld);
        QCOMPARE(nameOf(*liveWorld, 1500), QStringLiteral("Renamed 1500"));
        QCOMPARE(window.searchField()->text(), QStringLiteral("org-1"));
        QTRY_COMPARE_WITH_TIMEOUT(window.orgModel()->rowCount(), 1000, 5000);
        QTRY_COMPARE_WITH_TIMEOUT(selectedId(window), std::int64_t{1500}, 5000);
        QTRY_COMPARE_WITH_TIMEOUT(topId(window), std::int64_t{1700}, 5000);
    }

    // The navigator's scope survives the swap by name: the live world shows the same cell.
    void theLiveWorldKeepsTheNavigatorsCell()
    {
        const PrimedSource source(300);
        const QString& cacheDir = source.cacheDir;
        const QString& world = source.world;
        if (QTest::currentTestFailed())
            return;
        MainWindow window(fileSource(world));
        window.setWorldCache(cacheDir);
        auto gate = std::make_shared<QSemaphore>();
        window.setBeforeLiveLoad([gate] { gate->tryAcquire(1, 30000); });
        QSignalSpy cached(&window, &MainWindow::cachedSnapshotShown);
        QSignalSpy live(&window, &MainWindow::snapshotLoaded);
        window.show();
        window.load();
        QVERIFY(cached.wait(10000));
        QTRY_COMPARE_WITH_TIMEOUT(window.orgModel()->rowCount(), 300, 5000);

        QTreeView* tree = window.navigator()->tree();
        const auto cellRow = [&] {
            const QModelIndexList found =
                tree->model()->match(tree->model()->index(0, 0), Qt::DisplayRole, QStringLiteral("de1"), 1,
                                     Qt::MatchExactly | Qt::MatchRecursive);
            return found.isEmpty() ? QModelIndex() : found.first();
        };
        QVERIFY(cellRow().isValid());
        tree->setCurrentIndex(cellRow());
        QTRY_COMPARE_WITH_TIMEOUT(window.orgModel()->rowCount(), 100, 5000); // ids 2, 5, … 299

        gate->release();
        QVERIFY(live.wait(10000));
        QVERIFY(!window.showingCachedWorld());
        QCOMPARE(tree->currentIndex().siblingAtColumn(0), cellRow());
        QTRY_COMPARE_WITH_TIMEOUT(window.orgModel()->rowCount(), 100, 5000);
        const auto de1 = window.snapshot()->findCell("de1");
        QVERIFY(de1);
        for (int row = 0; row < window.orgModel()->rowCount(); ++row)
            QCOMPARE(window.snapshot()->org(window.orgModel()->orgAt(row)).cell, *de1);
        if (const QByteArray shots = qgetenv("CELLSCOPE_SCREENSHOT_DIR"); !shots.isEmpty())
            window.grab().save(
                QStringLiteral("%1/live-world-same-cell.png").arg(QString::fromLocal8Bit(shots)));
    }

    void aFailedLiveLoadLeavesTheCachedWorldWithTheError()
    {
        const PrimedSource source(50);
        const QString& cacheDir = source.cacheDir;
        const QString& world = source.world;
        if (QTest::currentTestFailed())
            return;
        QVERIFY(QFile::remove(world)); // the live source is gone

        MainWindow window(fileSource(world));
        window.setWorldCache(cacheDir);
        QAbstractItemModelTester tester(window.orgModel(),
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        QSignalSpy cached(&window, &MainWindow::cachedSnapshotShown);
        QSignalSpy failed(&window, &MainWindow::loadFailed);
        QSignalSpy live(&window, &MainWindow::snapshotLoaded);
        window.resize(1200, 800);
        window.show();
        window.load();
        QVERIFY(failed.count() > 0 || failed.wait(10000));
        QCOMPARE(cached.count(), 1);
        QCOMPARE(live.count(), 0);
        QVERIFY(window.showingCachedWorld());
        QVERIFY(window.snapshot());
        QCOMPARE(window.snapshot()->organizations().size(), std::size_t{50});
        QTRY_COMPARE_WITH_TIMEOUT(window.orgModel()->rowCount(), 50, 5000);
        const QString banner = window.bannerText();
        QVERIFY2(banner.contains(QStringLiteral("Live load failed")), qPrintable(banner));
        QVERIFY2(banner.contains(failed.first().first().toString().toHtmlEscaped()), qPrintable(banner));
        QVERIFY2(banner.contains(QStringLiteral("showing the cached snapshot from")), qPrintable(banner));
        QVERIFY(banner.contains(QStringLiteral(" ago")));
        if (const QByteArray shots = qgetenv("CELLSCOPE_SCREENSHOT_DIR"); !shots.isEmpty())
            window.grab().save(
                QStringLiteral("%1/cached-world-live-failed.png").arg(QString::fromLocal8Bit(shots)));
        // The cache is kept for the next try.
        QVERIFY(cacheHolds(cacheDir, fileSource(world), 50));
    }

    void anUnreadableCacheIsIgnoredAndReplaced()
    {
        QTemporaryDir dir;
        const QString cacheDir = dir.filePath(QStringLiteral("cache"));
        const QString world = dir.filePath(QStringLiteral("world.json"));
        writeWorld(world, 12);
        const QString cacheFile = worldCacheFile(cacheDir, fileSource(world));
        QVERIFY(QDir().mkpath(cacheDir));
        QVERIFY(QFile::copy(QStringLiteral(CELLSCOPE_FIXTURES_DIR "/snapshots/corrupt.cssnap"), cacheFile));

        MainWindow window(fileSource(world));
        window.setWorldCache(cacheDir);
        QAbstractItemModelTester tester(window.orgModel(),
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        QSignalSpy cached(&window, &MainWindow::cachedSnapshotShown);
        QSignalSpy notes(&window, &MainWindow::cacheNote);
        QVERIFY(test::showAndLoad(window, QSize(1200, 800), 10000));
        QCOMPARE(cached.count(), 0);
        QVERIFY(!window.showingCachedWorld());
        QVERIFY(window.bannerText().isEmpty());
        QCOMPARE(window.snapshot()->organizations().size(), std::size_t{12});
        QVERIFY(!notes.isEmpty());
        QVERIFY2(notes.first().first().toString().contains(QStringLiteral("cached snapshot was ignored")),
                 qPrintable(notes.first().first().toString()));
        QTRY_VERIFY_WITH_TIMEOUT(cacheHolds(cacheDir, fileSource(world), 12), 10000);
    }
};

QTEST_MAIN(WorldCacheTests)
#include "test_world_cache.moc"
