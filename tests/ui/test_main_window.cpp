#include "core/net/http_service.h"
#include "core/net/locator.h"
#include "core/snapshot/json_snapshot.h"
#include "tests/support/ui_test_support.h"
#include "ui/models/org_table_model.h"
#include "ui/views/main_window.h"
#include "ui/views/synapse_panel.h"
#include "ui/views/trace_workbench.h"

#include <QFile>

#include <QLabel>
#include <QLineEdit>
#include <QSignalSpy>
#include <QTabWidget>
#include <QTableView>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QtTest>

using namespace cellscope;
using namespace cellscope::ui;

namespace {

sources::SourceOptions fixtureSource(const char* file = CELLSCOPE_FIXTURES_DIR "/snapshots/small.json")
{
    sources::SourceOptions options;
    options.snapshotFile = file;
    return options;
}

} // namespace

class MainWindowTests : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        // Keep the test's settings (window state, recent sources) away from the user's.
        QStandardPaths::setTestModeEnabled(true);
    }

    void searchAndSelectShowTheOrganization()
    {
        MainWindow window(fixtureSource());
        QVERIFY(test::showAndLoad(window, QSize(1200, 800), 10000));
        QTRY_COMPARE_WITH_TIMEOUT(window.orgModel()->rowCount(), 3, 5000);

        QTest::keyClicks(window.searchField(), QStringLiteral("initech"));
        QTRY_COMPARE_WITH_TIMEOUT(window.orgModel()->rowCount(), 1, 5000);
        window.orgTable()->selectRow(0);
        QVERIFY(window.findChild<QLabel*>() != nullptr);
        bool titleShown = false;
        for (QLabel* label : window.findChildren<QLabel*>())
            titleShown = titleShown || label->text().contains(QStringLiteral("initech — Initech GmbH"));
        QVERIFY(titleShown);
    }

    void viewsRenderAndBadViewsAreRefused()
    {
        MainWindow window(fixtureSource());
        QVERIFY(test::showAndLoad(window, QSize(1200, 800), 10000));
        for (const char* view : {"world", "org:acme", "user:100"}) {
            QVERIFY2(window.showView(QString::fromLatin1(view)), view);
            QTest::qWait(200);
            test::verifyRendered(window.grab().toImage());
        }
        QString problem;
        QVERIFY(!window.showView(QStringLiteral("org:nope"), &problem));
        QCOMPARE(problem, QStringLiteral("no organization nope"));
        QVERIFY(!window.showView(QStringLiteral("galaxy"), &problem));
    }

    // Dark mode is the system palette: every view must follow it, so a dark palette gives mostly
    // dark pixels (a widget painting its own light background would show up as a bright block).
    void aDarkPaletteIsFollowedByEveryView()
    {
        const QPalette light = QApplication::palette();
        QPalette dark;
        dark.setColor(QPalette::Window, QColor(0x2b, 0x2b, 0x2b));
        dark.setColor(QPalette::WindowText, QColor(0xe8, 0xe8, 0xe8));
        dark.setColor(QPalette::Base, QColor(0x1e, 0x1e, 0x1e));
        dark.setColor(QPalette::AlternateBase, QColor(0x26, 0x26, 0x26));
        dark.setColor(QPalette::Text, QColor(0xe8, 0xe8, 0xe8));
        dark.setColor(QPalette::Button, QColor(0x35, 0x35, 0x35));
        dark.setColor(QPalette::ButtonText, QColor(0xe8, 0xe8, 0xe8));
        dark.setColor(QPalette::Highlight, QColor(0x2a, 0x6f, 0xdb));
        dark.setColor(QPalette::HighlightedText, Qt::white);
        dark.setColor(QPalette::PlaceholderText, QColor(0x9a, 0x9a, 0x9a));
        QApplication::setPalette(dark);
        MainWindow window(fixtureSource());
        QVERIFY(test::showAndLoad(window, QSize(1400, 900), 10000));
        for (const char* view :
             {"org:acme", "user:100", "trace:https://sentry.io/api/0/issues/42/", "backlog", "relocations"}) {
            QVERIFY2(window.showView(QString::fromLatin1(view)), view);
            QTest::qWait(200);
            const QImage image = window.grab().toImage();
            test::verifyRendered(image);
            int bright = 0, samples = 0;
            for (int y = 0; y < image.height(); y += 5)
                for (int x = 0; x < image.width(); x += 5, ++samples)
                    bright += qGray(image.pixel(x, y)) > 160;
            QVERIFY2(bright * 100 / samples < 15, qPrintable(QStringLiteral("%1: %2% bright pixels")
                                                                 .arg(QString::fromLatin1(view))
                                                                 .arg(bright * 100 / samples)));
            if (const QByteArray dir = qgetenv("CELLSCOPE_SCREENSHOT_DIR"); !dir.isEmpty())
                image.save(QStringLiteral("%1/dark-%2.png")
                               .arg(QString::fromLocal8Bit(dir))
                               .arg(QString::fromLatin1(view).section(QLatin1Char(':'), 0, 0)));
        }
        QApplication::setPalette(light);
    }

    void traceWorkbenchTracesAndRunsCheckFiles()
    {
        MainWindow window(fixtureSource());
        QVERIFY(test::showAndLoad(window, QSize(1200, 800), 10000));
        TraceWorkbench* workbench = window.workbench();
        QVERIFY(
            window.showView(QStringLiteral("trace:https://us.sentry.io/api/0/organizations/acme/issues/")));
        QVERIFY(workbench->lastTrace().has_value());
        QCOMPARE(QString::fromStdString(workbench->lastTrace()->outcome.status), QStringLiteral("routed"));
        QVERIFY(workbench->outcomeText().startsWith(QStringLiteral("ROUTED to us1")));
        QCOMPARE(workbench->commandLine(),
                 QStringLiteral("cellctl trace 'https://us.sentry.io/api/0/organizations/acme/issues/'"));
        test::verifyRendered(window.grab().toImage());

        // A refused input keeps the previous trace and says why.
        QVERIFY(!workbench->trace(QStringLiteral("ht!tp://[::1")));
        QCOMPARE(QString::fromStdString(workbench->lastTrace()->outcome.status), QStringLiteral("routed"));

        QSignalSpy checked(workbench, &TraceWorkbench::checkFinished);
        workbench->runCheckFile(QStringLiteral(CELLSCOPE_FIXTURES_DIR "/routing/small_world.check.json"));
        QVERIFY(checked.wait(10000));
        QCOMPARE(checked.first().at(0).toInt(), 1);
        QCOMPARE(checked.first().at(1).toInt(), 1);
        QCOMPARE(workbench->checkFailures(), 1); // only the cells differ: it is routed, to de1
    }

    void traceWorkbenchRoutesThroughASynapseConfig()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        // For the small world: a resolver route, a route it shadows, and a static route to an
        // upstream the file never declares.
        const QString config = dir.filePath(QStringLiteral("synapse.yaml"));
        QFile yaml(config);
        QVERIFY(yaml.open(QIODevice::WriteOnly));
        yaml.write("proxy:\n"
                   "  upstreams:\n"
                   "    - {name: us1-api, url: \"http://us1.internal\"}\n"
                   "    - {name: us2-api, url: \"http://us2.internal\"}\n"
                   "  routes:\n"
                   "    - match: {host: us.sentry.io, path: \"/api/0/organizations/{organization}/*\"}\n"
                   "      action:\n"
                   "        resolver: cell_from_organization\n"
                   "        cell_to_upstream: {us1: us1-api, us2: us2-api}\n"
                   "        default: us2-api\n"
                   "    - match: {host: us.sentry.io, path: \"/api/0/organizations/acme/issues\"}\n"
                   "      action: {to: us1-api}\n"
                   "    - match: {host: de.sentry.io}\n"
                   "      action: {to: de-api}\n");
        yaml.close();
        const QString log = dir.filePath(QStringLiteral("access.log"));
        QFile logFile(log);
        QVERIFY(logFile.open(QIODevice::WriteOnly));
        logFile.write("https://us.sentry.io/api/0/organizations/acme/issues/\n"
                      "https://us.sentry.io/api/0/organizations/globex/\n"
                      "https://us.sentry.io/api/0/users/me/\n");
        logFile.close();

        MainWindow window(fixtureSource());
        QVERIFY(test::showAndLoad(window, QSize(1400, 900), 10000));
        TraceWorkbench* workbench = window.workbench();
        SynapsePanel* panel = workbench->synapsePanel();
        QSignalSpy changed(panel, &SynapsePanel::configChanged);
        panel->openConfig(config);
        QVERIFY(changed.wait(10000));
        QVERIFY(panel->config());
        QVERIFY(panel->lint().errors.empty());
        QStringList codes;
        for (const auto& warning : panel->lint().warnings)
            codes << QString::fromStdString(warning.code);
        QVERIFY2(codes.contains(QStringLiteral("shadowed_route")), qPrintable(codes.join(u',')));
        QVERIFY2(codes.contains(QStringLiteral("unknown_upstream")), qPrintable(codes.join(u',')));

        // Traces now go through the file: acme lives in us1, so its resolver sends it to us1-api.
        QVERIFY(workbench->trace(QStringLiteral("https://us.sentry.io/api/0/organizations/acme/issues/")));
        QVERIFY(workbench->lastTrace()->synapse.has_value());
        const auto& decision = *workbench->lastTrace()->synapse;
        QVERIFY(decision.route.has_value());
        QCOMPARE(decision.route->index, std::size_t{0});
        QCOMPARE(QString::fromStdString(decision.upstream->name), QStringLiteral("us1-api"));
        QVERIFY(workbench->commandLine().endsWith(QStringLiteral(" --synapse-config '%1'").arg(config)));
        test::verifyRendered(window.grab().toImage());

        // Check files are checked against the file too: one synapse_upstream right, one wrong.
        const QString checks = dir.filePath(QStringLiteral("synapse.check.json"));
        QFile checkFile(checks);
        QVERIFY(checkFile.open(QIODevice::WriteOnly));
        checkFile.write(
            "{\"tests\": ["
            "{\"name\": \"acme\", \"input\": {\"url\": \"https://us.sentry.io/api/0/organizations/acme/\"},"
            " \"expect\": {\"synapse_upstream\": \"us1-api\"}},"
            "{\"name\": \"globex\", \"input\": {\"url\": "
            "\"https://us.sentry.io/api/0/organizations/globex/\"},"
            " \"expect\": {\"synapse_upstream\": \"us1-api\"}}]}");
        checkFile.close();
        QSignalSpy checked(workbench, &TraceWorkbench::checkFinished);
        workbench->runCheckFile(checks);
        QVERIFY(checked.wait(10000));
        QCOMPARE(checked.first().at(0).toInt(), 1);
        QCOMPARE(checked.first().at(1).toInt(), 1); // globex lives in us2: us2-api

        // Hits per route from a log: the shadowed route and the de route see nothing.
        QSignalSpy counted(panel, &SynapsePanel::hitsCounted);
        panel->replayLog(log);
        QVERIFY(counted.wait(10000));
        QCOMPARE(counted.first().at(0).toLongLong(), 3);
        QCOMPARE(counted.first().at(1).toLongLong(), 1); // /api/0/users/me/ matches no route
        auto* routes = panel->findChild<QTableWidget*>(QStringLiteral("synapseRoutes"));
        QVERIFY(routes);
        QCOMPARE(routes->rowCount(), 3);
        QCOMPARE(routes->item(0, 5)->text(), QStringLiteral("2"));
        QCOMPARE(routes->item(1, 5)->text(), QStringLiteral("0"));
        QVERIFY(routes->item(1, 6)->text().contains(QStringLiteral("shadowed_route")));
        QVERIFY(
            window.showView(QStringLiteral("trace:https://us.sentry.io/api/0/organizations/acme/issues/")));
        const QByteArray shots = qgetenv("CELLSCOPE_SCREENSHOT_DIR");
        if (!shots.isEmpty())
            window.grab().save(QString::fromLocal8Bit(shots) + QStringLiteral("/synapse-trace.png"));
        workbench->findChild<QTabWidget*>()->setCurrentWidget(panel);
        const QImage image = window.grab().toImage();
        test::verifyRendered(image);
        if (!shots.isEmpty())
            image.save(QString::fromLocal8Bit(shots) + QStringLiteral("/synapse.png"));
    }

    void traceWorkbenchVerifiesAgainstALocator()
    {
        MainWindow window(fixtureSource());
        QVERIFY(test::showAndLoad(window, QSize(1400, 900), 10000));
        // A locator on loopback whose copy of the world is stale: it still has acme in us2.
        QFile file(QStringLiteral(CELLSCOPE_FIXTURES_DIR "/snapshots/small.json"));
        QVERIFY(file.open(QIODevice::ReadOnly));
        std::string json = file.readAll().toStdString();
        json.replace(json.find("\"cell\": \"us1\", \"status\""), 13, "\"cell\": \"us2\"");
        const SnapshotPtr stale = loadSnapshotJson(json, "stale.json");
        net::HttpService locator(net::locatorHandler([stale] { return stale; }, {}), [](std::string_view) {});
        locator.start(net::ListenAddress{});

        TraceWorkbench* workbench = window.workbench();
        QSignalSpy verified(workbench, &TraceWorkbench::verified);
        workbench->setLocatorUrl(locator.url().toString());
        QVERIFY(workbench->trace(QStringLiteral("https://us.sentry.io/api/0/organizations/acme/issues/")));
        QVERIFY(verified.wait(10000));
        QCOMPARE(verified.first().at(0).toBool(), true);
        bool flagged = false;
        for (const auto& warning : workbench->lastTrace()->warnings)
            flagged = flagged || warning.code == "locator_disagrees";
        QVERIFY(flagged);
        QVERIFY(workbench->commandLine().contains(QStringLiteral(" --verify ")));
    }

    void aBrokenSourceShowsTheErrorInTheWindow()
    {
        MainWindow window(fixtureSource(CELLSCOPE_FIXTURES_DIR "/snapshots/malformed.json"));
        QSignalSpy failed(&window, &MainWindow::loadFailed);
        window.show();
        window.load();
        QVERIFY(failed.wait(10000));
        QVERIFY(window.bannerText().contains(QStringLiteral("$.organizations[1].slug: expected a string")));
    }
};

QTEST_MAIN(MainWindowTests)
#include "test_main_window.moc"
