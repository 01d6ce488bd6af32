#include "core/backlog/store.h"
#include "core/db/database.h"
#include "core/demo/demo_world.h"
#include "core/demo/seed.h"
#include "tests/support/pg_test_env.h"
#include "tests/support/ui_test_support.h"
#include "ui/models/backlog_model.h"
#include "ui/views/backlog_view.h"
#include "ui/views/main_window.h"

#include <QAbstractItemModelTester>
#include <QBarSet>
#include <QChart>
#include <QComboBox>
#include <QLineEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QStackedBarSeries>
#include <QTableView>
#include <QTemporaryDir>
#include <QTreeWidget>
#include <QtTest>

#include <pqxx/pqxx>

using namespace cellscope;
using namespace cellscope::ui;
using backlog::Action;
using backlog::TrackedEntry;
using backlog::TrackingStatus;

namespace {

TrackedEntry entry(const char* urlName, Action action, TrackingStatus status, const char* owner = "",
                   const char* notes = "")
{
    TrackedEntry e;
    e.urlName = QString::fromLatin1(urlName);
    e.action = action;
    e.tracking.status = status;
    e.tracking.owner = QString::fromLatin1(owner);
    e.tracking.notes = QString::fromLatin1(notes);
    return e;
}

std::vector<TrackedEntry> sampleEntries()
{
    return {
        entry("sentry-api-0-a", Action::ToBeDeprecated, TrackingStatus::Open, "chen.li"),
        entry("sentry-api-0-b", Action::ToBeDeprecated, TrackingStatus::Done, "", "callers gone, \"done\""),
        entry("sentry-api-0-c", Action::ToBeBroken, TrackingStatus::InProgress, "ines.k"),
        entry("sentry-api-0-d", Action::ToBeControlOnly, TrackingStatus::Open, "chen.li", "needs\nreview")};
}

// A control database and cell databases of the demo world (with its backlog history) on the test
// cluster, private to this test program.
constexpr const char* kPrefix = "t_uibacklog";

} // namespace

class BacklogViewTests : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        test::dropDatabasesWithPrefix(kPrefix);
        m_config.control = test::pgServerConninfo(std::string(kPrefix) + "_control");
        for (const auto& cell : demo::demoCells())
            m_config.cells.emplace(cell.name, test::pgServerConninfo(std::string(kPrefix) + "_" + cell.name));
        db::ensureDatabase(m_config.control);
        demo::seedDemoWorld(m_config, {42, 50});
    }

    void cleanupTestCase() { test::dropDatabasesWithPrefix(kPrefix); }

    void tableModelAndFiltersFollowTheRules()
    {
        BacklogTableModel model;
        BacklogFilterModel filter;
        filter.setSourceModel(&model);
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        QAbstractItemModelTester filterTester(&filter,
                                              QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setEntries(sampleEntries());
        QCOMPARE(model.rowCount(), 4);
        QCOMPARE(model.index(2, BacklogTableModel::Action).data().toString(), QStringLiteral("TO_BE_BROKEN"));
        QCOMPARE(model.index(2, BacklogTableModel::Status).data().toString(), QStringLiteral("In progress"));
        QCOMPARE(model.index(3, BacklogTableModel::Notes).data().toString(), QStringLiteral("needs"));

        filter.setActionFilter(Action::ToBeDeprecated);
        QCOMPARE(filter.rowCount(), 2);
        filter.setStatusFilter(TrackingStatus::Done);
        QCOMPARE(filter.rowCount(), 1);
        QCOMPARE(filter.index(0, 0).data().toString(), QStringLiteral("sentry-api-0-b"));
        filter.setStatusFilter(std::nullopt);
        filter.setOwnerFilter(QString()); // the unassigned
        QCOMPARE(filter.rowCount(), 1);
        filter.setActionFilter(std::nullopt);
        filter.setOwnerFilter(QStringLiteral("chen.li"));
        QCOMPARE(filter.rowCount(), 2);
        filter.setTextFilter(QStringLiteral("REVIEW"));
        QCOMPARE(filter.rowCount(), 1);
        QCOMPARE(filter.index(0, 0).data().toString(), QStringLiteral("sentry-api-0-d"));

        QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
        TrackedEntry edited = model.entryAt(0);
        edited.tracking.status = TrackingStatus::Done;
        model.updateEntry(edited);
        QCOMPARE(changed.count(), 1);
        QCOMPARE(model.entryAt(0).tracking.status, TrackingStatus::Done);
    }

    void csvQuotesWhatNeedsIt()
    {
        const QByteArray csv = backlogCsv({sampleEntries()[1], sampleEntries()[3]});
        QCOMPARE(csv, QByteArray("url_name,action,status,owner,team,notes,updated_by,updated_at\r\n"
                                 "sentry-api-0-b,TO_BE_DEPRECATED,done,,,\"callers gone, \"\"done\"\"\",,\r\n"
                                 "sentry-api-0-d,TO_BE_CONTROL_ONLY,open,chen.li,,\"needs\nreview\",,\r\n"));
    }

    void withoutADatabaseTheTabSaysSo()
    {
        sources::SourceOptions options;
        options.snapshotFile = CELLSCOPE_FIXTURES_DIR "/snapshots/small.json";
        MainWindow window(options);
        QVERIFY(test::showAndLoad(window, QSize(1400, 900), 10000));
        QVERIFY(window.showView(QStringLiteral("backlog")));
        QVERIFY(!window.backlog()->hasContent());
        QVERIFY(window.backlog()->messageText().contains(QStringLiteral("No backlog for this source")));
    }

    void theTabShowsTheDemoBacklogAndSavesAnEdit()
    {
        backlog::Store store(m_config.control);
        const backlog::StatusReport status = store.status();
        QVERIFY(status.snapshots.size() >= 10);

        sources::SourceOptions options;
        options.db = m_config.control;
        MainWindow window(options);
        BacklogView* view = window.backlog();
        QSignalSpy backlogLoaded(view, &BacklogView::loaded);
        QSignalSpy diffShown(view, &BacklogView::diffShown);
        QSignalSpy worldLoaded(&window, &MainWindow::snapshotLoaded);
        window.resize(1400, 900);
        window.show();
        window.load();
        QVERIFY(worldLoaded.wait(30000));
        QVERIFY(window.showView(QStringLiteral("backlog")));
        QTRY_VERIFY_WITH_TIMEOUT(backlogLoaded.count() > 0, 10000);
        QVERIFY(view->hasContent());
        QVERIFY(view->permissions().editTracking); // postgres is a superuser
        QCOMPARE(view->model()->rowCount(), static_cast<int>(status.entries.size()));

        // The burndown: one stacked set per action, one bar per snapshot (and the projected finish).
        auto* bars = qobject_cast<QStackedBarSeries*>(view->burndownChart()->series().value(0));
        QVERIFY(bars);
        QCOMPARE(bars->count(), static_cast<int>(backlog::allActions.size()));
        const bool projected = status.projection.outcome == backlog::Projection::Outcome::Projected;
        QCOMPARE(bars->barSets().first()->count(),
                 static_cast<int>(status.snapshots.size()) + (projected ? 1 : 0));

        // The default diff is the latest week; the week that broke the rules shows its violations.
        QTRY_VERIFY_WITH_TIMEOUT(diffShown.count() > 0, 10000);
        const auto broke =
            std::find_if(status.burndown.begin() + 1, status.burndown.end(),
                         [](const backlog::BurndownPoint& point) { return point.violations > 0; });
        QVERIFY(broke != status.burndown.end());
        view->showDiff((broke - 1)->snapshotId, broke->snapshotId);
        QTRY_COMPARE_WITH_TIMEOUT(diffShown.count(), 2, 10000);
        QVERIFY(view->diffTree()->topLevelItem(0)->text(0).startsWith(QStringLiteral("Rule violations")));
        QCOMPARE(view->diffTree()->topLevelItem(0)->childCount(), broke->violations);

        // Filter by action, then select an entry: its definition of done is shown.
        QComboBox* actions = view->actionFilter();
        actions->setCurrentIndex(actions->findData(static_cast<int>(Action::ToBeDeprecated)));
        const int deprecated = view->filterModel()->rowCount();
        QVERIFY(deprecated > 0 && deprecated < view->model()->rowCount());
        for (int row = 0; row < deprecated; ++row)
            QCOMPARE(view->filterModel()->index(row, 0).data(BacklogTableModel::ActionRole).toInt(),
                     static_cast<int>(Action::ToBeDeprecated));
        view->table()->setFocus();
        view->table()->setCurrentIndex(view->filterModel()->index(0, 0));
        const QString urlName = view->filterModel()->index(0, 0).data().toString();
        const QStringList steps = backlog::actionDefinitionOfDone(Action::ToBeDeprecated);
        QVERIFY(view->definitionOfDoneText().contains(steps.first().toHtmlEscaped()));
        QVERIFY(!view->saveButton()->isEnabled()); // nothing changed yet

        // Edit the status and save: the database takes it and the table follows.
        const int row = view->model()->rowOf(urlName);
        const TrackingStatus wanted = view->model()->entryAt(row).tracking.status == TrackingStatus::Done
                                          ? TrackingStatus::Open
                                          : TrackingStatus::Done;
        QSignalSpy saved(view, &BacklogView::trackingSaved);
        view->statusEdit()->setCurrentIndex(view->statusEdit()->findData(static_cast<int>(wanted)));
        QVERIFY(view->saveButton()->isEnabled());
        QTest::mouseClick(view->saveButton(), Qt::LeftButton);
        QVERIFY(saved.wait(10000));
        QCOMPARE(saved.first().at(0).toString(), urlName);
        QCOMPARE(view->model()->entryAt(row).tracking.status, wanted);
        QVERIFY(view->editMessage().startsWith(QStringLiteral("Saved by postgres")));
        const auto stored = store.entries(status.latest->id);
        const auto it = std::find_if(stored.begin(), stored.end(),
                                     [&](const TrackedEntry& e) { return e.urlName == urlName; });
        QVERIFY(it != stored.end());
        QCOMPARE(it->tracking.status, wanted);

        // CSV export writes the filtered rows.
        QTemporaryDir dir;
        QSignalSpy exported(view, &BacklogView::exportFinished);
        view->exportCsv(dir.filePath(QStringLiteral("backlog.csv")));
        QVERIFY(exported.wait(10000));
        QVERIFY2(exported.first().at(0).toBool(), qPrintable(exported.first().at(1).toString()));
        QFile csv(dir.filePath(QStringLiteral("backlog.csv")));
        QVERIFY(csv.open(QIODevice::ReadOnly));
        QCOMPARE(csv.readAll().count("\r\n"), deprecated + 1);

        actions->setCurrentIndex(0);
        QTest::qWait(200);
        test::verifyRendered(window.grab().toImage());
    }

    void aViewerCannotEdit()
    {
        {
            auto admin = db::connect(test::pgServerConninfo());
            pqxx::nontransaction tx(*admin);
            tx.exec0("DROP ROLE IF EXISTS t_uibacklog_viewer");
            tx.exec0("CREATE ROLE t_uibacklog_viewer LOGIN IN ROLE cellscope_viewer");
        }
        std::string conninfo = m_config.control;
        conninfo.replace(conninfo.find("user=postgres"), 13, "user=t_uibacklog_viewer");
        BacklogView view;
        QSignalSpy loaded(&view, &BacklogView::loaded);
        view.resize(1200, 800);
        view.show();
        view.setDatabase(QString::fromStdString(conninfo));
        QVERIFY(loaded.wait(10000));
        QVERIFY(view.hasContent());
        QVERIFY(!view.permissions().editTracking);
        QVERIFY(view.table()->currentIndex().isValid());
        QVERIFY(!view.ownerEdit()->isEnabled());
        QVERIFY(!view.saveButton()->isEnabled());
    }

private:
    db::DatabaseConfig m_config;
};

QTEST_MAIN(BacklogViewTests)
#include "test_backlog_view.moc"
