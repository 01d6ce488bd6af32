// The console never shows, keeps or hands on a password from a connection string or URL: not in
// File ▸ Recent (QSettings), the status bar, the source label, nor the command line or environment of
// the background `cellctl relocate resume` it starts at close.
#include "core/db/database.h"
#include "core/demo/demo_world.h"
#include "core/demo/seed.h"
#include "core/net/control_api_server.h"
#include "core/net/http_service.h"
#include "core/net/mapping_table.h"
#include "core/relocation/relocations.h"
#include "core/snapshot/json_snapshot.h"
#include "tests/support/pg_test_env.h"
#include "tests/support/ui_test_support.h"
#include "ui/background_cellctl.h"
#include "ui/recent_sources.h"
#include "ui/views/main_window.h"
#include "ui/views/relocation_view.h"

#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QLabel>
#include <QSettings>
#include <QSignalSpy>
#include <QStatusBar>
#include <QTemporaryDir>
#include <QtTest>

using namespace cellscope;
using namespace cellscope::ui;

namespace {

const QString kSecret = QStringLiteral("s3cret");
constexpr const char* kPrefix = "t_uisecret";

QStringList savedRecent()
{
    return QSettings().value(QStringLiteral("recent")).toStringList();
}

// Everything the window shows as text in its labels, and its banner.
QStringList shownTexts(const MainWindow& window)
{
    QStringList texts{window.bannerText(), window.windowTitle()};
    for (const QLabel* label : window.findChildren<QLabel*>())
        texts << label->text();
    return texts;
}

// Fails naming the first text that holds the password.
void verifyNoSecret(const QStringList& texts, const char* where)
{
    for (const QString& text : texts)
        QVERIFY2(!text.contains(kSecret),
                 qPrintable(QStringLiteral("%1: %2").arg(QLatin1String(where), text)));
}

QString readAll(const QString& path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? QString::fromUtf8(file.readAll()) : QString();
}

// The processes whose command line holds `needle`, by /proc entry.
QStringList processesWith(const QByteArray& needle)
{
    QStringList found;
    for (const QString& pid : QDir(QStringLiteral("/proc")).entryList(QDir::Dirs)) {
        QFile cmdline(QStringLiteral("/proc/%1/cmdline").arg(pid));
        if (pid.toInt() > 0 && cmdline.open(QIODevice::ReadOnly) && cmdline.readAll().contains(needle))
            found << QStringLiteral("/proc/") + pid;
    }
    return found;
}

} // namespace

class SecretTests : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        qputenv("CELLSCOPE_CONFIG", "/nonexistent/cellscope.ini");
        qunsetenv("CELLSCOPE_DB");
        qputenv("PATH", QByteArray(CELLCTL_DIR) + ':' + qgetenv("PATH"));
        QVERIFY(m_dir.isValid());
    }

    void init() { QSettings().remove(QStringLiteral("recent")); }

    void cleanupTestCase()
    {
        if (m_seeded)
            test::dropDatabasesWithPrefix(kPrefix);
    }

    void recentEntriesKeepNoPassword()
    {
        sources::SourceOptions options;
        options.db = "host=db.internal user=alice password=s3cret dbname=control";
        QCOMPARE(recentEntry(options), QStringLiteral("db:user='alice' dbname='control' host='db.internal'"));
        options.db = "postgresql://alice:s3cret@db.internal/control";
        QCOMPARE(recentEntry(options), QStringLiteral("db:user='alice' dbname='control' host='db.internal'"));
        // Without a password the entry is what the person typed.
        options.db = "postgresql://alice@db.internal/control";
        QCOMPARE(recentEntry(options), QStringLiteral("db:postgresql://alice@db.internal/control"));
        // A malformed string cannot be cleaned reliably, and would not open anyway: nothing is kept.
        options.db = "postgresql://alice:s3cret@[::1/control";
        QCOMPARE(recentEntry(options), QString());
        options.db = "password=s3cret";
        QCOMPARE(recentEntry(options), QString());
        options = {};
        options.controlUrl = "http://alice:s3cret@control.internal:8000/";
        QCOMPARE(recentEntry(options), QStringLiteral("control:http://alice@control.internal:8000/"));
        QCOMPARE(recentEntry(recentSource(QStringLiteral("snapshot:/tmp/w.json"))),
                 QStringLiteral("snapshot:/tmp/w.json"));
        QCOMPARE(recentEntry(recentSource(QStringLiteral("embedded"))), QStringLiteral("embedded"));
    }

    // An older version saved what was typed, passwords included: they go the first time the window starts.
    void savedPasswordsAreRemovedAtStart()
    {
        QSettings().setValue(QStringLiteral("recent"),
                             QStringList{QStringLiteral("db:host=db.internal password=s3cret dbname=control"),
                                         QStringLiteral("db:host=db.internal dbname=control"),
                                         QStringLiteral("control:http://alice:s3cret@control.internal/"),
                                         QStringLiteral("db:postgresql://alice:s3cret@[::1/control"),
                                         QStringLiteral("embedded")});
        MainWindow window(fixtureSource());
        QCOMPARE(savedRecent(), (QStringList{QStringLiteral("db:dbname='control' host='db.internal'"),
                                             QStringLiteral("db:host=db.internal dbname=control"),
                                             QStringLiteral("control:http://alice@control.internal/"),
                                             QStringLiteral("embedded")}));
    }

    void aControlUrlPasswordIsNeitherShownNorKept()
    {
        qputenv("SYNAPSE_HMAC_SECRET", "test-secret");
        const SnapshotPtr world = loadSnapshotJsonFile(CELLSCOPE_FIXTURES_DIR "/snapshots/small.json");
        net::HttpService control(net::controlApiHandler(net::MemoryMappingTable::fromSnapshot(*world),
                                                        net::controlTopology(*world), "test-secret"),
                                 {});
        control.start(net::ListenAddress{});
        sources::SourceOptions options;
        options.controlUrl =
            QStringLiteral("http://alice:s3cret@127.0.0.1:%1/").arg(control.url().port()).toStdString();
        QStringList messages; // outlives the window, which may still say something as it closes
        MainWindow window(options);
        connect(window.statusBar(), &QStatusBar::messageChanged, &window,
                [&messages](const QString& message) { messages << message; });
        QVERIFY(test::showAndLoad(window, QSize(1200, 800), 20000));
        QVERIFY2(!messages.isEmpty(), "the loader said nothing");
        verifyNoSecret(messages, "status bar");
        verifyNoSecret(shownTexts(window), "window");
        QVERIFY(shownTexts(window).join(QLatin1Char('\n')).contains(QStringLiteral("alice@127.0.0.1")));
        QCOMPARE(savedRecent(),
                 QStringList{QStringLiteral("control:http://alice@127.0.0.1:%1/").arg(control.url().port())});
    }

    void aDatabasePasswordIsNeitherShownNorKept()
    {
        seedWorld();
        QStringList messages;
        MainWindow window(passwordSource());
        connect(window.statusBar(), &QStatusBar::messageChanged, &window,
                [&messages](const QString& message) { messages << message; });
        QVERIFY(test::showAndLoad(window, QSize(1200, 800), 30000));
        QVERIFY2(!messages.isEmpty(), "the loader said nothing");
        verifyNoSecret(messages, "status bar");
        verifyNoSecret(shownTexts(window), "window");
        const QStringList recent = savedRecent();
        QCOMPARE(recent.size(), 1);
        verifyNoSecret(recent, "recent");
        // The entry reopens the same database; its password would come from .pgpass or PGPASSWORD.
        QCOMPARE(db::describeConninfo(recentSource(recent.first()).db),
                 db::describeConninfo(m_config.control));
    }

    void theHandOverCommandCarriesNoPassword()
    {
        const QString cellctl = QStringLiteral("/opt/cellscope/bin/cellctl");
        QProcessEnvironment environment;
        environment.insert(QStringLiteral("CELLSCOPE_DB"), QStringLiteral("host=other password=s3cret"));
        environment.insert(QStringLiteral("HOME"), QStringLiteral("/home/alice"));
        const QString runtime = m_dir.filePath(QStringLiteral("runtime"));

        // --db with a password: the string names a password file, which sh removes after cellctl.
        sources::SourceOptions world;
        world.db = "postgresql://alice:s3cret@db.internal/control";
        world.settingsFile = "/etc/cellscope.ini";
        BackgroundCellctl command =
            relocationResumeCommand(cellctl, world, 7, QStringLiteral("closing"), environment, runtime);
        QCOMPARE(command.password, std::string("s3cret"));
        QVERIFY2(command.passfile.startsWith(runtime + QLatin1Char('/')), qPrintable(command.passfile));
        QCOMPARE(command.program, QStringLiteral("/bin/sh"));
        QCOMPARE(
            command.arguments.mid(2),
            (QStringList{command.passfile, cellctl, QStringLiteral("--db"),
                         QString::fromStdString(db::withPassfile(world.db, command.passfile.toStdString())),
                         QStringLiteral("--config"), QStringLiteral("/etc/cellscope.ini"),
                         QStringLiteral("relocate"), QStringLiteral("resume"), QStringLiteral("7"),
                         QStringLiteral("--reason"), QStringLiteral("closing")}));
        verifyNoSecret(command.arguments, "arguments");
        verifyNoSecret(command.environment.toStringList(), "environment");
        QVERIFY(!command.environment.contains(QStringLiteral("CELLSCOPE_DB"))); // --db wins anyway
        QCOMPARE(command.environment.value(QStringLiteral("HOME")), QStringLiteral("/home/alice"));

        // The world from $CELLSCOPE_DB: the variable names the password file instead.
        command = relocationResumeCommand(cellctl, {}, 7, QStringLiteral("closing"), environment, runtime);
        QCOMPARE(command.password, std::string("s3cret"));
        QCOMPARE(command.environment.value(QStringLiteral("CELLSCOPE_DB")).toStdString(),
                 db::withPassfile("host=other password=s3cret", command.passfile.toStdString()));
        QVERIFY(!command.arguments.contains(QStringLiteral("--db")));
        verifyNoSecret(command.arguments, "arguments");
        verifyNoSecret(command.environment.toStringList(), "environment");

        // No password: cellctl itself, with the string as it was.
        world.db = "host=db.internal dbname=control";
        environment.remove(QStringLiteral("CELLSCOPE_DB"));
        command = relocationResumeCommand(cellctl, world, 7, QStringLiteral("closing"), environment, runtime);
        QCOMPARE(command.program, cellctl);
        QCOMPARE(command.arguments.mid(0, 2),
                 (QStringList{QStringLiteral("--db"), QString::fromStdString(world.db)}));
        QVERIFY(command.passfile.isEmpty());
    }

    // The password file is private while cellctl runs, and gone once it exits.
    void theHandedOverCellctlFindsThePasswordInAPrivateFile()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        sources::SourceOptions world;
        world.db = "host=db.internal user=alice password='s3:cr\\\\et' dbname=control";
        const QString fake = dir.filePath(QStringLiteral("cellctl"));
        BackgroundCellctl command = relocationResumeCommand(
            fake, world, 7, QStringLiteral("closing"), QProcessEnvironment::systemEnvironment(), dir.path());
        {
            // Keeps what it was given and what it could read, as cellctl's libpq would read it.
            QFile script(fake);
            QVERIFY(script.open(QIODevice::WriteOnly));
            script.write(QStringLiteral("#!/bin/sh\n"
                                        "cd '%1'\n"
                                        "printf '%s\\n' \"$@\" > args\n"
                                        "env > environment\n"
                                        "stat -c %a '%2' > mode\n"
                                        "cat '%2' > passfile\n"
                                        "touch done\n")
                             .arg(dir.path(), command.passfile)
                             .toUtf8());
            script.setPermissions(QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner);
        }
        QString problem;
        QVERIFY2(startInBackground(command, dir.filePath(QStringLiteral("log")), &problem),
                 qPrintable(problem));
        QTRY_VERIFY_WITH_TIMEOUT(QFile::exists(dir.filePath(QStringLiteral("done"))), 10000);
        QCOMPARE(readAll(dir.filePath(QStringLiteral("mode"))), QStringLiteral("600\n"));
        QCOMPARE(readAll(dir.filePath(QStringLiteral("passfile"))),
                 QStringLiteral("*:*:*:*:s3\\:cr\\\\et\n"));
        const QString arguments = readAll(dir.filePath(QStringLiteral("args")));
        QVERIFY2(arguments.contains(QStringLiteral("passfile='%1'").arg(command.passfile)),
                 qPrintable(arguments));
        QVERIFY2(!arguments.contains(QStringLiteral("s3:cr")), qPrintable(arguments));
        QVERIFY(!readAll(dir.filePath(QStringLiteral("environment"))).contains(QStringLiteral("s3:cr")));
        QTRY_VERIFY_WITH_TIMEOUT(!QFile::exists(command.passfile), 10000);
    }

    // The real thing: a relocation running here is handed to cellctl at close; its command line and
    // environment, as the process table shows them, hold no password, and it finishes the move.
    void aHandedOverRelocationRunsWithoutThePasswordInSight()
    {
        seedWorld();
        const relocation::Relocations api(m_config);
        MainWindow window(passwordSource());
        QVERIFY(test::showAndLoad(window, QSize(1400, 900), 30000));
        RelocationView* view = window.relocations();
        QTRY_VERIFY_WITH_TIMEOUT(view->mayChange(), 10000);
        relocation::Request request;
        request.org = "bold-raven-2";
        request.targetCell = "us2";
        request.reason = "handed over with a password";
        request.throttle = 2; // rows per second, one row per batch: slow enough to look at
        request.batchRows = 1;
        request.drainSeconds = 0;
        QSignalSpy started(view->service(), &RelocationService::started);
        QMetaObject::invokeMethod(view->service(),
                                  [service = view->service(), request] { service->start(request); });
        QVERIFY(started.wait(20000));
        const auto id = started.first().at(0).value<qint64>();
        QTRY_VERIFY_WITH_TIMEOUT(api.status(id).relocation.step == relocation::Step::Copy, 20000);

        QString problem;
        QVERIFY2(view->handOverRunning(&problem), qPrintable(problem));
        const QByteArray resume = QByteArray("resume", 7) + QByteArray::number(id) + '\0'; // NUL-separated
        QStringList processes;
        QTRY_VERIFY_WITH_TIMEOUT(!(processes = processesWith(resume)).isEmpty(), 10000);
        for (const QString& process : processes) {
            for (const char* part : {"cmdline", "environ"}) {
                QFile file(process + QLatin1Char('/') + QLatin1String(part));
                QVERIFY(file.open(QIODevice::ReadOnly));
                const QByteArray text = file.readAll();
                QVERIFY2(!text.contains(kSecret.toUtf8()), qPrintable(process + QLatin1String(part)));
            }
        }
        api.throttle(id, std::nullopt, "finish the test");
        QTRY_VERIFY_WITH_TIMEOUT(api.status(id).relocation.state == relocation::State::Done, 60000);
        // The password file went with the process.
        QTRY_VERIFY_WITH_TIMEOUT(processesWith(resume).isEmpty(), 10000);
        QDirIterator files(QStandardPaths::writableLocation(QStandardPaths::RuntimeLocation),
                           {QStringLiteral("cellscope-relocation-%1-*").arg(id)}, QDir::Files);
        QVERIFY2(!files.hasNext(), qPrintable(files.hasNext() ? files.next() : QString()));
    }

private:
    static sources::SourceOptions fixtureSource()
    {
        sources::SourceOptions options;
        options.snapshotFile = CELLSCOPE_FIXTURES_DIR "/snapshots/small.json";
        return options;
    }

    // The seeded world's control database, with a password the fixture's trust login ignores, and
    // a settings file for its cells.
    sources::SourceOptions passwordSource() const
    {
        sources::SourceOptions options;
        options.db = m_config.control + " password=" + kSecret.toStdString();
        options.settingsFile = m_settings.toStdString();
        return options;
    }

    void seedWorld()
    {
        if (m_seeded)
            return;
        test::dropDatabasesWithPrefix(kPrefix);
        m_config.control = test::pgServerConninfo(std::string(kPrefix) + "_control");
        for (const auto& cell : demo::demoCells())
            m_config.cells.emplace(cell.name, test::pgServerConninfo(std::string(kPrefix) + "_" + cell.name));
        db::ensureDatabase(m_config.control);
        demo::seedDemoWorld(m_config, {42, 60});
        m_seeded = true;
        m_settings = m_dir.filePath(QStringLiteral("cellscope.ini"));
        QSettings ini(m_settings, QSettings::IniFormat);
        ini.beginGroup(QStringLiteral("databases"));
        for (const auto& [cell, conninfo] : m_config.cells)
            ini.setValue(QString::fromStdString(cell), QString::fromStdString(conninfo));
        ini.endGroup();
        ini.sync();
    }

    QTemporaryDir m_dir;
    db::DatabaseConfig m_config;
    QString m_settings;
    bool m_seeded = false;
};

QTEST_MAIN(SecretTests)
#include "test_secrets.moc"
