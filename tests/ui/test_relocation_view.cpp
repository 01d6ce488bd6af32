#include "core/db/database.h"
#include "core/demo/demo_world.h"
#include "core/demo/seed.h"
#include "core/relocation/relocations.h"
#include "tests/support/pg_test_env.h"
#include "tests/support/ui_test_support.h"
#include "ui/models/relocation_models.h"
#include "ui/views/main_window.h"
#include "ui/views/relocation_view.h"
#include "ui/views/relocation_wizard.h"

#include <QAbstractButton>
#include <QAbstractItemModelTester>
#include <QCheckBox>
#include <QComboBox>
#include <QDir>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTableView>
#include <QTemporaryDir>
#include <QTreeWidget>
#include <QtTest>

#include <pqxx/pqxx>

using namespace cellscope;
using namespace cellscope::ui;
using relocation::Relocation;
using relocation::State;
using relocation::Step;
using relocation::TableProgress;

namespace {

constexpr const char* kPrefix = "t_uireloc";

Relocation relocationRecord(std::int64_t id, State state, Step step)
{
    Relocation r;
    r.id = id;
    r.orgSlug = "org-" + std::to_string(id);
    r.sourceCell = "us1";
    r.targetCell = "us2";
    r.state = state;
    r.step = step;
    r.updatedAt = 100;
    r.readAt = 130;
    r.createdBy = "staff";
    return r;
}

TableProgress table(const char* name, std::int64_t planned, std::int64_t copied, bool done)
{
    TableProgress t;
    t.table = name;
    t.plannedRows = planned;
    t.copiedRows = copied;
    t.copied = done;
    t.copySeconds = 2;
    return t;
}

// Waits until the relocation reaches `state` in the journal.
bool waitForState(const relocation::Relocations& api, std::int64_t id, State state, int milliseconds)
{
    QElapsedTimer timer;
    timer.start();
    while (timer.elapsed() < milliseconds) {
        if (api.status(id).relocation.state == state)
            return true;
        QTest::qWait(100);
    }
    return false;
}

// With $CELLSCOPE_SCREENSHOT_DIR set, keeps what the test saw there (for the README's pictures).
void keepScreenshot(QWidget* widget, const char* name)
{
    const QByteArray dir = qgetenv("CELLSCOPE_SCREENSHOT_DIR");
    if (!dir.isEmpty())
        widget->grab().save(QDir(QString::fromLocal8Bit(dir)).filePath(QString::fromLatin1(name)));
}

} // namespace

class RelocationViewTests : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        // The hand-over starts cellctl; the test binary's directory has none, so put it on PATH.
        qputenv("PATH", QByteArray(CELLCTL_DIR) + ':' + qgetenv("PATH"));
        test::dropDatabasesWithPrefix(kPrefix);
        m_config.control = test::pgServerConninfo(std::string(kPrefix) + "_control");
        for (const auto& cell : demo::demoCells())
            m_config.cells.emplace(cell.name, test::pgServerConninfo(std::string(kPrefix) + "_" + cell.name));
        db::ensureDatabase(m_config.control);
        demo::seedDemoWorld(m_config, {42, 60});
        // A settings file naming every database, so a handed-over cellctl opens the same world.
        QVERIFY(m_dir.isValid());
        m_settings = m_dir.filePath(QStringLiteral("cellscope.ini"));
        QSettings ini(m_settings, QSettings::IniFormat);
        ini.beginGroup(QStringLiteral("databases"));
        ini.setValue(QStringLiteral("control"), QString::fromStdString(m_config.control));
        for (const auto& [cell, conninfo] : m_config.cells)
            ini.setValue(QString::fromStdString(cell), QString::fromStdString(conninfo));
        ini.endGroup();
        ini.sync();
    }

    void cleanupTestCase() { test::dropDatabasesWithPrefix(kPrefix); }

    void listModelKeepsRowsWhenOnlyValuesChange()
    {
        RelocationListModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setRelocations(
            {relocationRecord(2, State::Running, Step::Copy), relocationRecord(1, State::Done, Step::Done)});
        QCOMPARE(model.rowCount(), 2);
        QCOMPARE(model.index(0, RelocationListModel::Move).data().toString(), QStringLiteral("us1 → us2"));
        QCOMPARE(model.index(0, RelocationListModel::Updated).data().toString(), QStringLiteral("30 s ago"));
        auto beating = relocationRecord(2, State::Running, Step::Copy);
        beating.heartbeatAt = 125;
        model.setRelocations({beating, relocationRecord(1, State::Done, Step::Done)});
        QCOMPARE(model.index(0, RelocationListModel::Updated).data().toString(), QStringLiteral("5 s ago"));
        QCOMPARE(model.rowOf(1), 1);
        QCOMPARE(model.rowOf(7), -1);

        QSignalSpy reset(&model, &QAbstractItemModel::modelReset);
        QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
        auto paused = relocationRecord(2, State::Paused, Step::Copy);
        paused.requestedAction = "abort";
        model.setRelocations({paused, relocationRecord(1, State::Done, Step::Done)});
        QCOMPARE(reset.count(), 0);
        QCOMPARE(changed.count(), 1);
        QCOMPARE(model.index(0, RelocationListModel::State).data().toString(),
                 QStringLiteral("paused (abort requested)"));

        model.setRelocations({relocationRecord(3, State::Running, Step::Preflight),
                              relocationRecord(2, State::Paused, Step::Copy),
                              relocationRecord(1, State::Done, Step::Done)});
        QCOMPARE(reset.count(), 1);
        QCOMPARE(model.rowCount(), 3);
        model.setRelocations({});
        QCOMPARE(model.rowCount(), 0);
    }

    void tableModelGivesTheBarsTheirFractions()
    {
        TableProgressModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setTables(5, {table("sentry_organization", 1, 1, true), table("sentry_team", 400, 100, false)});
        QCOMPARE(model.rowCount(), 2);
        QCOMPARE(model.index(1, TableProgressModel::Copied).data(TableProgressModel::FractionRole).toDouble(),
                 0.25);
        QCOMPARE(model.index(1, TableProgressModel::Copied).data().toString(),
                 QStringLiteral("100  (50 rows/s)"));
        QCOMPARE(model.index(0, TableProgressModel::Copied).data(TableProgressModel::FractionRole).toDouble(),
                 1.0);
        QVERIFY(!model.index(0, TableProgressModel::Table).data(TableProgressModel::FractionRole).isValid());

        QSignalSpy reset(&model, &QAbstractItemModel::modelReset);
        model.setTables(5, {table("sentry_organization", 1, 1, true), table("sentry_team", 400, 400, true)});
        QCOMPARE(reset.count(), 0);
        auto verified = table("sentry_team", 400, 400, true);
        verified.sourceDigest = "aa";
        verified.targetDigest = "bb";
        model.setTables(6, {verified});
        QCOMPARE(reset.count(), 1);
        QCOMPARE(model.index(0, TableProgressModel::Checksum).data().toString(), QStringLiteral("DIFFERENT"));
    }

    void withoutDatabasesTheTabSaysSo()
    {
        sources::SourceOptions options;
        options.snapshotFile = CELLSCOPE_FIXTURES_DIR "/snapshots/small.json";
        MainWindow window(options);
        QVERIFY(test::showAndLoad(window, QSize(1400, 900), 10000));
        QVERIFY(window.showView(QStringLiteral("relocations")));
        QVERIFY(!window.relocations()->listView()->isVisible());
    }

    // The wizard's whole path on real databases: a refused plan, then a relocation that runs on the
    // service's runner thread to done, with its history, and the snapshot reloaded to show the move.
    void theWizardPlansStartsAndTheViewFollowsToDone()
    {
        MainWindow window(options());
        QVERIFY(test::showAndLoad(window, QSize(1400, 900), 30000));
        QVERIFY(window.showView(QStringLiteral("relocations")));
        RelocationView* view = window.relocations();
        QTRY_VERIFY_WITH_TIMEOUT(view->listView()->isVisible(), 10000);

        const SnapshotPtr before = window.snapshot();
        const OrgIndex orgIndex = *before->findOrg("zesty-glacier-1");
        QCOMPARE(before->cellName(before->org(orgIndex).cell), std::string_view("us1"));

        view->newRelocation(QStringLiteral("zesty-glacier-1"));
        auto* wizard = view->findChild<RelocationWizard*>();
        QVERIFY(wizard);
        QVERIFY(wizard->isVisible());
        QVERIFY(wizard->targetField()->findData(QStringLiteral("us1")) < 0); // its own cell is no target
        QVERIFY(wizard->targetField()->findData(QStringLiteral("de1")) >= 0);

        // Another locality without the box: the plan says why and the wizard stops there.
        wizard->setTarget(QStringLiteral("de1"));
        QSignalSpy planShown(wizard, &RelocationWizard::planShown);
        wizard->next();
        QCOMPARE(wizard->currentId(), int(RelocationWizard::PlanPage));
        QVERIFY(planShown.wait(20000));
        QVERIFY(wizard->plan() && !wizard->plan()->ok());
        QVERIFY(!wizard->button(QWizard::NextButton)->isEnabled());

        // Back, a same-locality target and no drain wait: every check passes.
        wizard->back();
        wizard->setTarget(QStringLiteral("us3"));
        wizard->drainField()->setValue(0);
        QVERIFY(!wizard->offlineField()->isChecked()); // online unless asked
        wizard->next();
        QVERIFY(planShown.wait(20000));
        QVERIFY2(wizard->plan() && wizard->plan()->ok(), qPrintable(wizard->planProblem()));
        QVERIFY(wizard->checksTree()->topLevelItemCount() >= 2);
        QVERIFY(wizard->checksTree()->topLevelItem(0)->child(0)->text(0).startsWith(QStringLiteral("✓")));
        QVERIFY(wizard->button(QWizard::NextButton)->isEnabled());
        // The tables the catalog links to the organization, each under the table it is found through.
        const auto rows = wizard->checksTree()->findItems(QStringLiteral("Rows to move"), Qt::MatchExactly);
        QCOMPARE(rows.size(), 1);
        QTreeWidgetItem* organization = rows.first()->child(0);
        QCOMPARE(organization->text(0), QStringLiteral("sentry_organization"));
        QCOMPARE(organization->childCount(), 3);
        const auto project = wizard->checksTree()->findItems(QStringLiteral("sentry_project"),
                                                             Qt::MatchExactly | Qt::MatchRecursive);
        QCOMPARE(project.size(), 1);
        QCOMPARE(project.first()->childCount(), 3);
        QVERIFY(project.first()->text(1).contains(QStringLiteral("organization_id → sentry_organization")));
        keepScreenshot(wizard, "relocation-plan.png");
        wizard->next();
        QCOMPARE(wizard->currentId(), int(RelocationWizard::ConfirmPage));

        // Finish waits for the exact slug and a reason.
        QAbstractButton* finish = wizard->button(QWizard::FinishButton);
        QVERIFY(!finish->isEnabled());
        wizard->confirmField()->setText(QStringLiteral("zesty-glacier"));
        wizard->reasonField()->setPlainText(QStringLiteral("rebalance us1 (OPS-1)"));
        QVERIFY(!finish->isEnabled());
        wizard->confirmField()->setText(QStringLiteral("zesty-glacier-1"));
        QVERIFY(finish->isEnabled());
        keepScreenshot(wizard, "relocation-confirm.png");
        QSignalSpy started(view->service(), &RelocationService::started);
        QSignalSpy ended(view->service(), &RelocationService::runEnded);
        QTest::mouseClick(finish, Qt::LeftButton);
        QVERIFY(started.wait(20000));
        const auto id = started.first().at(0).value<qint64>();

        QTRY_VERIFY_WITH_TIMEOUT(ended.count() == 1, 60000);
        QVERIFY2(!ended.first().at(2).toBool(), qPrintable(ended.first().at(1).toString()));
        // The run's end and the view's next poll race: wait for the list to show the journal's state.
        QTRY_VERIFY_WITH_TIMEOUT(view->listModel()->rowOf(id) >= 0 &&
                                     view->listModel()->relocationAt(view->listModel()->rowOf(id)).state ==
                                         State::Done,
                                 10000);
        QTRY_VERIFY_WITH_TIMEOUT(view->sentenceText().contains(QStringLiteral("is done")), 10000);
        // Moved online: the figures say so, and how long writes were refused.
        QVERIFY2(view->figuresText().contains(QStringLiteral(" · online · ")), qPrintable(view->figuresText()));
        QVERIFY2(view->figuresText().contains(QStringLiteral("writes were refused for")),
                 qPrintable(view->figuresText()));
        QCOMPARE(view->selectedId(), std::optional<std::int64_t>(id));
        QVERIFY(!view->button(RelocationService::Action::Cancel)->isVisible());
        QVERIFY(!view->button(RelocationService::Action::Pause)->isVisible());
        for (const TableProgress& t : view->tableModel()->tables())
            QVERIFY2(t.copied && t.verified && t.cleaned && t.sourceDigest == t.targetDigest,
                     t.table.c_str());

        QPushButton* moveBack = nullptr;
        for (QPushButton* b : view->findChildren<QPushButton*>())
            if (b->text() == QStringLiteral("Move back…"))
                moveBack = b;
        QVERIFY(moveBack && moveBack->isVisible());

        // The history shows the person's start with its reason, and every step.
        // (Refetched when the journal moves on: wait for the last step, not for any history.)
        QTRY_VERIFY_WITH_TIMEOUT(
            !view->historyTree()->findItems(QStringLiteral("step cleanup"), Qt::MatchStartsWith, 1).isEmpty(),
            10000);
        keepScreenshot(&window, "relocation-done.png");
        QVERIFY(!view->historyTree()
                     ->findItems(QStringLiteral("rebalance us1 (OPS-1)"), Qt::MatchContains, 3)
                     .isEmpty());
        QVERIFY(
            !view->historyTree()->findItems(QStringLiteral("step switch"), Qt::MatchStartsWith, 1).isEmpty());

        // The console reloads the world after a finished run: the organization now lives in us3.
        QTRY_VERIFY_WITH_TIMEOUT(window.snapshot() != before, 30000);
        const SnapshotPtr after = window.snapshot();
        QCOMPARE(after->cellName(after->org(*after->findOrg("zesty-glacier-1")).cell),
                 std::string_view("us3"));

        // A refused action keeps everything and says why in one sentence.
        QSignalSpy message(view, &RelocationView::messageShown);
        QMetaObject::invokeMethod(view->service(), [service = view->service(), id] {
            service->act(RelocationService::Action::Cancel, id, QStringLiteral("changed my mind"),
                         std::nullopt);
        });
        QVERIFY(message.wait(10000));
        QVERIFY2(view->messageText().contains(QStringLiteral("relocate")), qPrintable(view->messageText()));
        QCOMPARE(relocation::Relocations(m_config).status(id).relocation.state, State::Done);
    }

    // Closing the window while a relocation runs here: paused at a batch boundary, or handed to a
    // background cellctl that finishes it after the window is gone.
    void closingTheWindowPausesOrHandsOver()
    {
        const relocation::Relocations api(m_config);
        MainWindow window(options());
        QVERIFY(test::showAndLoad(window, QSize(1400, 900), 30000));
        QVERIFY(window.showView(QStringLiteral("relocations")));
        RelocationView* view = window.relocations();
        QTRY_VERIFY_WITH_TIMEOUT(view->listView()->isVisible(), 10000);

        relocation::Request request;
        request.org = "bold-raven-2";
        request.targetCell = "us2";
        request.reason = "slow move for the test";
        request.throttle = 2; // rows per second, one row per batch: long enough to interrupt
        request.batchRows = 1;
        request.drainSeconds = 0;
        QSignalSpy started(view->service(), &RelocationService::started);
        QMetaObject::invokeMethod(view->service(),
                                  [service = view->service(), request] { service->start(request); });
        QVERIFY(started.wait(20000));
        const auto id = started.first().at(0).value<qint64>();
        QTRY_VERIFY_WITH_TIMEOUT(api.status(id).relocation.step == Step::Copy, 20000);
        QCOMPARE(view->runningHere(), std::vector<std::int64_t>{id});
        // The live view offers the controls of a running relocation, and not those of a failed one.
        QTRY_VERIFY_WITH_TIMEOUT(view->button(RelocationService::Action::Pause)->isEnabled(), 10000);
        QVERIFY(view->button(RelocationService::Action::Cancel)->isEnabled());
        QVERIFY(!view->button(RelocationService::Action::Retry)->isEnabled());
        QVERIFY(!view->button(RelocationService::Action::Resume)->isEnabled());

        view->pauseRunning(QStringLiteral("window closed in the test"));
        QVERIFY(view->runningHere().empty());
        QVERIFY(waitForState(api, id, State::Paused, 20000));
        const auto status = api.status(id);
        QVERIFY(status.copiedRows < status.plannedRows);
        QCOMPARE(status.lastAction->reason, std::string("window closed in the test"));

        // Resumed here, then handed over: cellctl (with the same settings file) finishes it.
        QMetaObject::invokeMethod(view->service(), [service = view->service(), id] {
            service->act(RelocationService::Action::Throttle, id, QStringLiteral("faster"), 20);
            service->act(RelocationService::Action::Resume, id, QStringLiteral("carry on"), std::nullopt);
        });
        QTRY_VERIFY_WITH_TIMEOUT(view->runningHere() == std::vector<std::int64_t>{id}, 10000);
        QString problem;
        QVERIFY2(view->handOverRunning(&problem), qPrintable(problem));
        QVERIFY(view->runningHere().empty());
        QVERIFY(waitForState(api, id, State::Done, 60000));
        const auto history = api.history(id);
        QVERIFY(std::any_of(history.audit.begin(), history.audit.end(), [](const relocation::AuditRecord& a) {
            return a.reason.find("handed over by the console") != std::string::npos;
        }));
    }

    // PostgreSQL decides who may act: a viewer sees the relocations, and its pause is refused by the
    // database with a clear message, the relocation untouched.
    void aViewerWatchesButCannotAct()
    {
        {
            auto admin = db::connect(test::pgServerConninfo());
            pqxx::nontransaction tx(*admin);
            tx.exec0("DROP ROLE IF EXISTS t_uireloc_viewer");
            tx.exec0("CREATE ROLE t_uireloc_viewer LOGIN IN ROLE cellscope_viewer");
        }
        const relocation::Relocations api(m_config);
        const auto relocations = api.list({}, false, 10);
        QVERIFY(!relocations.empty());
        const std::int64_t id = relocations.front().id;
        const State before = relocations.front().state;

        db::DatabaseConfig viewer = m_config;
        viewer.control.replace(viewer.control.find("user=postgres"), 13, "user=t_uireloc_viewer");
        RelocationService service;
        QSignalSpy listed(&service, &RelocationService::listed);
        QSignalSpy failed(&service, &RelocationService::actionFailed);
        service.setDatabases(viewer);
        service.refresh(false, id);
        QCOMPARE(listed.count(), 1);
        QCOMPARE(listed.first().at(0).value<RelocationList>().size(), relocations.size());
        service.act(RelocationService::Action::Pause, id, QStringLiteral("just looking"), std::nullopt);
        QCOMPARE(failed.count(), 1);
        QVERIFY2(failed.first().at(1).toString().contains(QStringLiteral("permission"), Qt::CaseInsensitive),
                 qPrintable(failed.first().at(1).toString()));
        QCOMPARE(api.status(id).relocation.state, before);
        QVERIFY(!relocation::Relocations(viewer).mayChange());
        QVERIFY(api.mayChange());

        // The tab greys its controls out for the viewer, and keeps them for staff.
        RelocationView view;
        view.show();
        QSignalSpy shown(&view, &RelocationView::statusShown);
        view.setDatabases(viewer);
        QVERIFY(shown.wait(10000));
        QVERIFY(!view.mayChange());
        QVERIFY(!view.findChild<QPushButton*>(QStringLiteral("newRelocation"))->isEnabled());
        for (const auto action : {RelocationService::Action::Pause, RelocationService::Action::Cancel,
                                  RelocationService::Action::Throttle})
            QVERIFY(!view.button(action)->isEnabled());
        view.setDatabases(m_config);
        QTRY_VERIFY_WITH_TIMEOUT(view.mayChange(), 10000);
        QVERIFY(view.findChild<QPushButton*>(QStringLiteral("newRelocation"))->isEnabled());
    }

private:
    sources::SourceOptions options() const
    {
        sources::SourceOptions options;
        options.settingsFile = m_settings.toStdString();
        return options;
    }

    db::DatabaseConfig m_config;
    QTemporaryDir m_dir;
    QString m_settings;
};

QTEST_MAIN(RelocationViewTests)
#include "test_relocation_view.moc"
