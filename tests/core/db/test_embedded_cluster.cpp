// The embedded default cluster, for real: initdb, start, sharing between processes, stop on the
// last release, and recovery after a crash. Each test uses its own root under /tmp.
#include "core/db/database.h"
#include "core/db/embedded_cluster.h"
#include "core/db/migrations.h"
#include "core/util/error.h"

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include <QDir>
#include <QFile>
#include <QProcess>
#include <QTemporaryDir>

#include <chrono>
#include <csignal>
#include <memory>
#include <thread>
#include <vector>

#ifndef CELLCTL_PATH
#error "CELLCTL_PATH must name the cellctl binary"
#endif

using namespace cellscope;

namespace {

bool canQuery(const db::EmbeddedCluster& cluster)
{
    try {
        pqxx::connection c(cluster.conninfo("postgres"));
        pqxx::nontransaction(c).exec("SELECT 1");
        return true;
    } catch (const std::exception&) {
        return false;
    }
}

long postmasterPid(const std::string& root)
{
    QFile pid(QString::fromStdString(root + "/data/postmaster.pid"));
    return pid.open(QIODevice::ReadOnly) ? pid.readLine().trimmed().toLong() : 0;
}

class EmbeddedClusterTest : public ::testing::Test
{
protected:
    void SetUp() override
    {
        ASSERT_TRUE(m_dir.isValid());
        root = m_dir.path().toStdString();
    }
    QTemporaryDir m_dir{QStringLiteral("/tmp/cellscope-embedded-XXXXXX")};
    std::string root;
};

} // namespace

TEST_F(EmbeddedClusterTest, FirstAcquireCreatesSecondReuses)
{
    {
        db::EmbeddedCluster cluster(root);
        EXPECT_TRUE(cluster.acquire());
        EXPECT_TRUE(canQuery(cluster));
        // No TCP: the server listens on its private socket only.
        pqxx::connection c(cluster.conninfo("postgres"));
        EXPECT_EQ(pqxx::nontransaction(c).exec("SHOW listen_addresses")[0][0].as<std::string>(), "");
    }
    // Released by the destructor: the server is down.
    EXPECT_EQ(postmasterPid(root), 0);
    db::EmbeddedCluster again(root);
    EXPECT_FALSE(again.acquire());
    EXPECT_TRUE(canQuery(again));
    again.release();
    EXPECT_FALSE(canQuery(again));
}

TEST_F(EmbeddedClusterTest, ServerStaysUpWhileAnotherProcessUsesIt)
{
    db::EmbeddedCluster cluster(root);
    cluster.acquire();
    // A second Cellscope process (the real cellctl) comes and goes; its release must not stop the
    // server this process still uses.
    QProcess cellctl;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("CELLSCOPE_HOME"), QString::fromStdString(root));
    env.remove(QStringLiteral("CELLSCOPE_DB"));
    env.insert(QStringLiteral("CELLSCOPE_CONFIG"), QStringLiteral("/nonexistent/cellscope.ini"));
    cellctl.setProcessEnvironment(env);
    cellctl.start(QStringLiteral(CELLCTL_PATH), {QStringLiteral("world"), QStringLiteral("--json")});
    ASSERT_TRUE(cellctl.waitForFinished(180000));
    const QByteArray errors = cellctl.readAllStandardError();
    EXPECT_EQ(cellctl.exitCode(), 0) << errors.toStdString();
    EXPECT_TRUE(cellctl.readAllStandardOutput().contains("\"us1\""));
    // The first start creates and seeds the world: only Cellscope's own sentences reach the
    // terminal, none of the server's notices ("truncate cascades to table …").
    EXPECT_FALSE(errors.contains("NOTICE")) << errors.toStdString();
    EXPECT_FALSE(errors.contains("WARNING")) << errors.toStdString();
    EXPECT_TRUE(canQuery(cluster));
    cluster.release();
    EXPECT_FALSE(canQuery(cluster));
}

// A CELLSCOPE_HOME with spaces and both kinds of quote (and a dollar): the server's socket setting
// and every connection string quote it, pg_ctl gets a plain alias, and the default still answers.
TEST(EmbeddedClusterPaths, AHomeWithSpacesAndQuotesWorks)
{
    QTemporaryDir dir(QStringLiteral("/tmp/cellscope home 'it\"s' $HOME-XXXXXX"));
    ASSERT_TRUE(dir.isValid());
    db::EmbeddedCluster cluster(dir.path().toStdString());
    EXPECT_TRUE(cluster.acquire());
    EXPECT_TRUE(canQuery(cluster));
    QProcess cellctl;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("CELLSCOPE_HOME"), dir.path());
    env.remove(QStringLiteral("CELLSCOPE_DB"));
    env.insert(QStringLiteral("CELLSCOPE_CONFIG"), QStringLiteral("/nonexistent/cellscope.ini"));
    cellctl.setProcessEnvironment(env);
    cellctl.start(QStringLiteral(CELLCTL_PATH), {QStringLiteral("cells")});
    ASSERT_TRUE(cellctl.waitForFinished(180000));
    EXPECT_EQ(cellctl.exitCode(), 0) << cellctl.readAllStandardError().toStdString();
    EXPECT_TRUE(cellctl.readAllStandardOutput().contains("us1"));
    cluster.release();
}

TEST_F(EmbeddedClusterTest, RecoversFromACrashedServer)
{
    db::EmbeddedCluster cluster(root);
    cluster.acquire();
    const long pid = postmasterPid(root);
    ASSERT_GT(pid, 0);
    ::kill(static_cast<pid_t>(pid), SIGKILL);
    // The postmaster's children notice its death and exit; wait for them to let go of shared memory.
    for (int i = 0; i < 100 && canQuery(cluster); ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    cluster.release(); // the server is already gone; release must cope

    db::EmbeddedCluster restarted(root);
    EXPECT_FALSE(restarted.acquire());
    EXPECT_TRUE(canQuery(restarted));
    EXPECT_NE(postmasterPid(root), pid);
}

TEST_F(EmbeddedClusterTest, StalePidFileNamingALiveNonPostgresProcessIsCleared)
{
    {
        db::EmbeddedCluster cluster(root);
        cluster.acquire();
    }
    // After a crash and a reboot, the pid in postmaster.pid may belong to an unrelated process —
    // here, this test process itself.
    QFile pid(QString::fromStdString(root + "/data/postmaster.pid"));
    ASSERT_TRUE(pid.open(QIODevice::WriteOnly));
    pid.write(QByteArray::number(static_cast<qint64>(::getpid())) + "\n" + QByteArray::fromStdString(root) +
              "/data\n");
    pid.close();
    db::EmbeddedCluster cluster(root);
    cluster.acquire();
    EXPECT_TRUE(canQuery(cluster));
}

TEST_F(EmbeddedClusterTest, ClientsThatDiedAreNotCountedAsUsers)
{
    db::EmbeddedCluster cluster(root);
    cluster.acquire();
    // A client that was SIGKILLed left its registration behind (pid 2^22-1 is never a live process here).
    QFile ghost(QString::fromStdString(root + "/clients/4194303"));
    ASSERT_TRUE(ghost.open(QIODevice::WriteOnly));
    ghost.close();
    cluster.release();
    EXPECT_FALSE(canQuery(cluster));
    EXPECT_FALSE(QFile::exists(QString::fromStdString(root + "/clients/4194303")));
}

// Roles live in catalogs shared by the whole cluster, beyond the reach of a database's advisory
// lock: processes migrating different databases of a brand-new cluster at once all race to create
// them. Eight cellctl processes migrate eight control databases while eight connections in this
// process migrate eight cell databases; every one must succeed, on three brand-new clusters.
TEST_F(EmbeddedClusterTest, ConcurrentMigrationsOfABrandNewClusterAllSucceed)
{
    constexpr int kDatabases = 8;
    for (int round = 0; round < 3; ++round) {
        QTemporaryDir dir(QStringLiteral("/tmp/cellscope-race-XXXXXX"));
        ASSERT_TRUE(dir.isValid());
        db::EmbeddedCluster cluster(dir.path().toStdString());
        ASSERT_TRUE(cluster.acquire());
        for (int i = 0; i < kDatabases; ++i) {
            db::ensureDatabase(cluster.conninfo("control_" + std::to_string(i)));
            db::ensureDatabase(cluster.conninfo("cell_" + std::to_string(i)));
        }
        std::vector<std::unique_ptr<QProcess>> processes;
        for (int i = 0; i < kDatabases; ++i) {
            auto process = std::make_unique<QProcess>();
            QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
            env.insert(QStringLiteral("CELLSCOPE_CONFIG"), QStringLiteral("/nonexistent/cellscope.ini"));
            process->setProcessEnvironment(env);
            process->start(QStringLiteral(CELLCTL_PATH),
                           {QStringLiteral("--db"),
                            QString::fromStdString(cluster.conninfo("control_" + std::to_string(i))),
                            QStringLiteral("db"), QStringLiteral("migrate")});
            processes.push_back(std::move(process));
        }
        std::vector<std::string> cellErrors(kDatabases);
        std::vector<std::thread> threads;
        for (int i = 0; i < kDatabases; ++i)
            threads.emplace_back([&, i] {
                try {
                    auto connection = db::connect(cluster.conninfo("cell_" + std::to_string(i)));
                    db::migrate(*connection, db::SchemaKind::Cell);
                } catch (const std::exception& e) {
                    cellErrors[i] = e.what();
                }
            });
        for (auto& thread : threads)
            thread.join();
        for (int i = 0; i < kDatabases; ++i) {
            EXPECT_EQ(cellErrors[i], "") << "round " << round << ", cell database " << i;
            ASSERT_TRUE(processes[i]->waitForFinished(120000));
            EXPECT_EQ(processes[i]->exitCode(), 0) << "round " << round << ", control database " << i << ": "
                                                   << processes[i]->readAllStandardError().toStdString();
        }
        cluster.release();
    }
}
