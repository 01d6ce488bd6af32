#include "core/db/embedded_cluster.h"

#include "core/db/database.h"
#include "core/util/error.h"

#include <QCryptographicHash>
#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QFileInfo>
#include <QProcess>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QTextStream>

#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <filesystem>

namespace cellscope::db {

namespace {

constexpr int kPort = 5432; // only names the socket file; the socket directory is private

bool runningAsRoot()
{
    return geteuid() == 0;
}

QString serverUser()
{
    if (!runningAsRoot())
        return {};
    if (!getpwnam("postgres"))
        fail(ErrorCode::Internal, "running as root needs the unprivileged 'postgres' user for the embedded "
                                  "PostgreSQL server (apt-get install postgresql creates it)");
    return QStringLiteral("postgres");
}

QString postgresBinDir()
{
    if (const char* dir = std::getenv("CELLSCOPE_PG_BINDIR"); dir && *dir)
        return QString::fromLocal8Bit(dir);
    // Debian installs each major version side by side; take the newest.
    QDir lib(QStringLiteral("/usr/lib/postgresql"));
    QStringList versions = lib.entryList(QDir::Dirs | QDir::NoDotAndDotDot);
    std::sort(versions.begin(), versions.end(),
              [](const QString& a, const QString& b) { return a.toInt() > b.toInt(); });
    for (const QString& version : versions) {
        const QString bin = lib.filePath(version + QStringLiteral("/bin"));
        if (QFile::exists(bin + QStringLiteral("/pg_ctl")))
            return bin;
    }
    fail(ErrorCode::Unreachable, "PostgreSQL server programs not found (looked in /usr/lib/postgresql/*/bin; "
                                 "install the postgresql package or set CELLSCOPE_PG_BINDIR)");
}

struct CommandResult
{
    int exitCode = -1;
    QString output;
};

// Runs a PostgreSQL program, as the server user when we are root.
// The value of unix_socket_directories for one directory, inside the single quotes of
// postgresql.conf: a list element in double quotes (so spaces and commas stay in the path), with
// both kinds of quote doubled.
QString socketDirectoriesValue(QString directory)
{
    directory.replace(QLatin1Char('"'), QStringLiteral("\"\""));
    QString element = QLatin1Char('"') + directory + QLatin1Char('"');
    return element.replace(QLatin1Char('\''), QStringLiteral("''"));
}

// pg_ctl starts the server through a shell command with every path in double quotes, so a path
// holding ", $, ` or \ cannot reach it. Such a root is reached through a symlink with a plain name
// in a directory only this user may write to (the server user only passes through it).
QString serverRootFor(const QString& root)
{
    if (!root.contains(QRegularExpression(QStringLiteral("[\"$`\\\\]"))))
        return root;
    const QString home = QDir::tempPath() + QStringLiteral("/cellscope-%1").arg(::getuid());
    QDir().mkpath(home);
    struct stat info
    {};
    if (::lstat(QFile::encodeName(home).constData(), &info) != 0 || !S_ISDIR(info.st_mode) ||
        info.st_uid != ::getuid())
        fail(ErrorCode::Internal, "cannot use " + home.toStdString() + " for the embedded cluster's paths");
    ::chmod(QFile::encodeName(home).constData(), 0711);
    const QString alias =
        home + QLatin1Char('/') +
        QString::fromLatin1(
            QCryptographicHash::hash(root.toUtf8(), QCryptographicHash::Sha256).toHex().left(16));
    if (QFileInfo(alias).symLinkTarget() != root) {
        QFile::remove(alias);
        if (!QFile::link(root, alias))
            fail(ErrorCode::Internal, "cannot link " + alias.toStdString() + " to " + root.toStdString());
    }
    return alias;
}

CommandResult runServerProgram(const QString& program, const QStringList& arguments, int timeoutMs = 120000)
{
    QProcess process;
    process.setProcessChannelMode(QProcess::MergedChannels);
    process.setWorkingDirectory(QStringLiteral("/")); // the server user may not be able to enter our cwd
    const QString path = postgresBinDir() + QLatin1Char('/') + program;
    if (const QString user = serverUser(); !user.isEmpty())
        process.start(QStringLiteral("runuser"),
                      QStringList{QStringLiteral("-u"), user, QStringLiteral("--"), path} + arguments);
    else
        process.start(path, arguments);
    if (!process.waitForStarted(10000))
        return {-1, QStringLiteral("could not start %1: %2").arg(program, process.errorString())};
    if (!process.waitForFinished(timeoutMs)) {
        process.kill();
        process.waitForFinished();
        return {-1, QStringLiteral("%1 did not finish in time").arg(program)};
    }
    return {process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1,
            QString::fromLocal8Bit(process.readAll())};
}

void chownToServerUser(const QString& path)
{
    if (!runningAsRoot())
        return;
    const passwd* pw = getpwnam("postgres");
    if (::chown(QFile::encodeName(path).constData(), pw->pw_uid, pw->pw_gid) != 0)
        fail(ErrorCode::Internal,
             "cannot hand " + path.toStdString() + " to the postgres user: " + std::strerror(errno));
}

bool processAlive(long pid)
{
    return pid > 0 && (::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM);
}

bool isPostgresProcess(long pid)
{
    QFile comm(QStringLiteral("/proc/%1/comm").arg(pid));
    return comm.open(QIODevice::ReadOnly) && comm.readAll().trimmed() == "postgres";
}

QString tail(const QString& text, int lines)
{
    QStringList all = text.split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    return all.mid(std::max<qsizetype>(0, all.size() - lines)).join(QStringLiteral(" | "));
}

QString readLogTail(const QString& logPath)
{
    QFile log(logPath);
    if (!log.open(QIODevice::ReadOnly))
        return QStringLiteral("(no server log)");
    return tail(QString::fromLocal8Bit(log.readAll()), 3);
}

// An exclusive flock on root/cluster.lock for the lifetime of the guard.
class ClusterLock
{
public:
    explicit ClusterLock(const QString& root)
    {
        const QByteArray path = QFile::encodeName(root + QStringLiteral("/cluster.lock"));
        m_fd = ::open(path.constData(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
        if (m_fd < 0 || ::flock(m_fd, LOCK_EX) != 0)
            fail(ErrorCode::Internal, "cannot lock " + path.toStdString() + ": " + std::strerror(errno));
    }
    ~ClusterLock()
    {
        ::flock(m_fd, LOCK_UN);
        ::close(m_fd);
    }
    ClusterLock(const ClusterLock&) = delete;
    ClusterLock& operator=(const ClusterLock&) = delete;

private:
    int m_fd = -1;
};

} // namespace

std::string EmbeddedCluster::defaultRoot()
{
    if (const char* home = std::getenv("CELLSCOPE_HOME"); home && *home)
        return home;
    if (runningAsRoot())
        return "/var/lib/cellscope";
    return (QStandardPaths::writableLocation(QStandardPaths::GenericDataLocation) +
            QStringLiteral("/cellscope"))
        .toStdString();
}

EmbeddedCluster::EmbeddedCluster(std::string root)
    : m_root(std::filesystem::absolute(root).lexically_normal())
{
    while (m_root.size() > 1 && m_root.back() == '/')
        m_root.pop_back();
}

EmbeddedCluster::~EmbeddedCluster()
{
    try {
        release();
    } catch (...) {
        // Destructors must not throw; a server left running is stopped by the next last client.
    }
}

std::string EmbeddedCluster::socketDirectory() const
{
    return serverRootFor(QString::fromStdString(m_root)).toStdString() + "/run";
}

std::string EmbeddedCluster::conninfo(const std::string& dbname) const
{
    return "host=" + quoteValue(socketDirectory().c_str()) + " port=" + std::to_string(kPort) +
           " user=postgres dbname=" + quoteValue(dbname.c_str());
}

bool EmbeddedCluster::acquire()
{
    if (m_acquired)
        return false;
    const QString root = QString::fromStdString(m_root);
    const QString serverRoot = serverRootFor(root); // the same directory, as the server is told it
    const QString dataDir = serverRoot + QStringLiteral("/data");
    const QString runDir = serverRoot + QStringLiteral("/run");
    const QString clientsDir = root + QStringLiteral("/clients");
    const QString logDir = serverRoot + QStringLiteral("/log");
    const QString logPath = logDir + QStringLiteral("/server.log");

    if (!QDir().mkpath(root) || !QDir().mkpath(clientsDir))
        fail(ErrorCode::Internal, "cannot create " + m_root);
    // The server user must be able to pass through root to reach data/ and run/.
    ::chmod(QFile::encodeName(root).constData(), runningAsRoot() ? 0711 : 0700);

    ClusterLock lock(root);
    bool created = false;
    if (!QFile::exists(dataDir + QStringLiteral("/PG_VERSION"))) {
        QDir(dataDir).removeRecursively(); // a half-made data dir from an interrupted initdb
        QDir().mkpath(dataDir);
        chownToServerUser(dataDir);
        const auto init =
            runServerProgram(QStringLiteral("initdb"),
                             {QStringLiteral("-D"), dataDir, QStringLiteral("-U"), QStringLiteral("postgres"),
                              QStringLiteral("-A"), QStringLiteral("trust"), QStringLiteral("-E"),
                              QStringLiteral("UTF8"), QStringLiteral("--locale=C.UTF-8"), QStringLiteral("--lc-collate=C")});
        if (init.exitCode != 0)
            fail(ErrorCode::Unreachable,
                 "initdb failed for the embedded cluster: " + tail(init.output, 3).toStdString());
        // Local-only server tuned for a private, single-user cluster.
        QFile conf(dataDir + QStringLiteral("/postgresql.conf"));
        if (!conf.open(QIODevice::Append | QIODevice::Text))
            fail(ErrorCode::Internal, "cannot write postgresql.conf of the embedded cluster");
        QTextStream out(&conf);
        out << "\n# Cellscope embedded cluster\n"
            << "listen_addresses = ''\n"
            << "unix_socket_directories = '" << socketDirectoriesValue(runDir) << "'\n"
            << "unix_socket_permissions = 0700\n"
            << "port = " << kPort << "\n"
            << "wal_level = minimal\nmax_wal_senders = 0\nsynchronous_commit = off\n"
            << "shared_buffers = 256MB\nmaintenance_work_mem = 256MB\nmax_wal_size = 4GB\n";
        created = true;
    }
    for (const QString& dir : {runDir, logDir}) {
        QDir().mkpath(dir);
        chownToServerUser(dir);
    }

    // Recover from a crash: a postmaster.pid whose process is gone (or is not postgres any more).
    const QString pidFile = dataDir + QStringLiteral("/postmaster.pid");
    bool running = false;
    {
        QFile f(pidFile);
        if (f.open(QIODevice::ReadOnly)) {
            const long pid = f.readLine().trimmed().toLong();
            running = processAlive(pid) && isPostgresProcess(pid);
            f.close();
            if (!running) {
                QFile::remove(pidFile);
                QFile::remove(runDir + QStringLiteral("/.s.PGSQL.%1.lock").arg(kPort));
                QFile::remove(runDir + QStringLiteral("/.s.PGSQL.%1").arg(kPort));
            }
        }
    }
    if (!running) {
        const auto start =
            runServerProgram(QStringLiteral("pg_ctl"), {QStringLiteral("-D"), dataDir, QStringLiteral("-l"),
                                                        logPath, QStringLiteral("-w"), QStringLiteral("-t"),
                                                        QStringLiteral("60"), QStringLiteral("start")});
        if (start.exitCode != 0)
            fail(ErrorCode::Unreachable,
                 "the embedded PostgreSQL server did not start: " + tail(start.output, 2).toStdString() +
                     " | " + readLogTail(logPath).toStdString());
    }
    QFile client(clientsDir + QStringLiteral("/%1").arg(::getpid()));
    if (!client.open(QIODevice::WriteOnly))
        fail(ErrorCode::Internal, "cannot register with the embedded cluster in " + clientsDir.toStdString());
    m_acquired = true;
    return created;
}

void EmbeddedCluster::release()
{
    if (!m_acquired)
        return;
    m_acquired = false;
    const QString root = QString::fromStdString(m_root);
    const QString clientsDir = root + QStringLiteral("/clients");
    ClusterLock lock(root);
    QFile::remove(clientsDir + QStringLiteral("/%1").arg(::getpid()));
    bool othersAlive = false;
    for (const QString& name : QDir(clientsDir).entryList(QDir::Files)) {
        if (processAlive(name.toLong()))
            othersAlive = true;
        else
            QFile::remove(clientsDir + QLatin1Char('/') + name);
    }
    if (!othersAlive)
        runServerProgram(QStringLiteral("pg_ctl"),
                         {QStringLiteral("-D"), serverRootFor(root) + QStringLiteral("/data"),
                          QStringLiteral("-m"), QStringLiteral("fast"), QStringLiteral("-w"),
                          QStringLiteral("stop")});
}

} // namespace cellscope::db
