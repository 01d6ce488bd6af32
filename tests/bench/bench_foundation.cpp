// Foundation figures (seeding and snapshot loading), printed next to their baselines:
//   - `seed --orgs N` wall time (target <= 45 s for 1,000,000 orgs),
//   - snapshot load time vs psql `\copy … TO /dev/null` of the same columns (target ≤ 1.3×),
//   - snapshot peak RSS growth (target ≤ 400 MB).
// Usage: bench_foundation [--orgs N] [--runs R] [--home DIR] [--reseed]
// Each load runs in a fresh child process (this binary with --load-once) so RSS is not shared.
//
// With --binary [--file PATH] [--reexport]: binary snapshot figures instead, on the same world (exported
// once from the PostgreSQL loader to PATH, default /tmp/cellscope-bench-1m.cssnap), each next to its
// baseline from PostgreSQL:
//   - in-process binary load time (target <= 0.3 s) vs the PostgreSQL loader's,
//   - whole `cellctl orgs --snapshot FILE --limit 1` (target <= 0.5 s) vs the same with --db
//     (ratio target >= 10x),
//   - peak RSS growth of the binary load (target <= 391 MB, the PostgreSQL loader's) vs the loader's.
#include "core/db/embedded_cluster.h"
#include "core/demo/seed.h"
#include "core/snapshot/binary_snapshot.h"
#include "core/sources/pg_loader.h"
#include "core/sources/world_source.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QFile>
#include <QProcess>
#include <QStandardPaths>

#include <pqxx/pqxx>

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

using namespace cellscope;

namespace {

long statusKb(const char* field)
{
    QFile status(QStringLiteral("/proc/self/status"));
    if (!status.open(QIODevice::ReadOnly))
        return 0;
    for (const QByteArray& line : status.readAll().split('\n'))
        if (line.startsWith(field))
            return line.mid(static_cast<qsizetype>(std::strlen(field))).trimmed().split(' ').first().toLong();
    return 0;
}

double median(std::vector<double> values)
{
    std::sort(values.begin(), values.end());
    return values.empty() ? 0 : values[values.size() / 2];
}

int loadOnce(const std::string& conninfo, bool binaryFile)
{
    const long before = statusKb("VmRSS:");
    QElapsedTimer timer;
    timer.start();
    const SnapshotPtr snapshot =
        binaryFile ? loadSnapshotBinaryFile(conninfo) : sources::loadSnapshotFromPostgres(conninfo);
    const double seconds = static_cast<double>(timer.nsecsElapsed()) / 1e9;
    const long peak = statusKb("VmHWM:");
    std::printf("%.3f %ld %zu\n", seconds, (peak - before) / 1024, snapshot->organizations().size());
    return 0;
}

// One load in a fresh child process: {seconds, peak RSS growth in MB}.
std::pair<double, double> childLoad(const QString& mode, const QString& what)
{
    QProcess child;
    child.start(QCoreApplication::applicationFilePath(), {mode, what});
    child.waitForFinished(-1);
    const QList<QByteArray> fields = child.readAllStandardOutput().trimmed().split(' ');
    if (child.exitCode() != 0 || fields.size() != 3) {
        std::fprintf(stderr, "load failed: %s\n", child.readAllStandardError().constData());
        std::exit(1);
    }
    return {fields[0].toDouble(), fields[1].toDouble()};
}

// Wall time of a whole process, from start to exit.
double processSeconds(const QStringList& args)
{
    QElapsedTimer timer;
    timer.start();
    QProcess process;
    process.start(QStringLiteral(CELLCTL_PATH), args);
    process.waitForFinished(-1);
    const double seconds = static_cast<double>(timer.nsecsElapsed()) / 1e9;
    if (process.exitStatus() != QProcess::NormalExit || process.exitCode() != 0) {
        std::fprintf(stderr, "cellctl %s failed: %s\n", args.join(QLatin1Char(' ')).toUtf8().constData(),
                     process.readAllStandardError().constData());
        std::exit(1);
    }
    return seconds;
}

int benchBinary(const std::string& conninfo, const std::string& file, int runs, bool reexport)
{
    if (reexport || !QFile::exists(QString::fromStdString(file))) {
        const SnapshotPtr world = sources::loadSnapshotFromPostgres(conninfo);
        QElapsedTimer timer;
        timer.start();
        writeSnapshotBinaryFile(*world, file);
        std::printf("exported %zu organizations to %s in %.2f s\n", world->organizations().size(),
                    file.c_str(), static_cast<double>(timer.nsecsElapsed()) / 1e9);
    }
    std::printf("binary snapshot: %s, %.0f MB\n", file.c_str(),
                static_cast<double>(QFile(QString::fromStdString(file)).size()) / 1e6);
    const QString path = QString::fromStdString(file);
    const QString db = QString::fromStdString(conninfo);
    std::vector<double> load, rss, pgLoad, pgRss, cliFile, cliDb;
    for (int run = 0; run < runs; ++run) {
        const auto [seconds, mb] = childLoad(QStringLiteral("--load-binary-once"), path);
        load.push_back(seconds);
        rss.push_back(mb);
        const auto [pgSeconds, pgMb] = childLoad(QStringLiteral("--load-once"), db);
        pgLoad.push_back(pgSeconds);
        pgRss.push_back(pgMb);
        const QStringList orgs{QStringLiteral("orgs"), QStringLiteral("--limit"), QStringLiteral("1")};
        cliFile.push_back(processSeconds(QStringList(orgs) << QStringLiteral("--snapshot") << path));
        cliDb.push_back(processSeconds(QStringList(orgs) << QStringLiteral("--db") << db));
        std::printf("run %d: binary load %.3f s (%.0f MB), PostgreSQL load %.2f s (%.0f MB), cellctl orgs "
                    "--snapshot %.3f s, --db %.2f s\n",
                    run + 1, load.back(), rss.back(), pgLoad.back(), pgRss.back(), cliFile.back(),
                    cliDb.back());
        std::fflush(stdout);
    }
    std::printf("\nmedians of %d runs            binary file   PostgreSQL   ratio   target\n", runs);
    std::printf("snapshot load in-process      %8.3f s   %8.2f s   %5.1fx   <= 0.3 s\n", median(load),
                median(pgLoad), median(pgLoad) / median(load));
    std::printf("cellctl orgs --limit 1        %8.3f s   %8.2f s   %5.1fx   <= 0.5 s, >= 10x\n",
                median(cliFile), median(cliDb), median(cliDb) / median(cliFile));
    std::printf("peak RSS growth of the load   %7.0f MB  %7.0f MB            <= 391 MB\n", median(rss),
                median(pgRss));
    return 0;
}

} // namespace

int main(int argc, char** argv)
{
    QCoreApplication app(argc, argv);
    const QStringList args = app.arguments();
    auto option = [&](const QString& name, const QString& fallback) {
        const auto at = args.indexOf(name);
        return at >= 0 && at + 1 < args.size() ? args[at + 1] : fallback;
    };
    if (args.contains(QStringLiteral("--load-once")))
        return loadOnce(option(QStringLiteral("--load-once"), {}).toStdString(), false);
    if (args.contains(QStringLiteral("--load-binary-once")))
        return loadOnce(option(QStringLiteral("--load-binary-once"), {}).toStdString(), true);

    const std::size_t orgs = option(QStringLiteral("--orgs"), QStringLiteral("1000000")).toULongLong();
    const int runs = option(QStringLiteral("--runs"), QStringLiteral("5")).toInt();
    const std::string home =
        option(QStringLiteral("--home"), QStringLiteral("/tmp/cellscope-bench")).toStdString();
    db::EmbeddedCluster cluster(home);
    cluster.acquire();
    db::DatabaseConfig config;
    config.control = cluster.conninfo(sources::kEmbeddedControlDatabase);
    db::ensureDatabase(config.control);

    long existing = 0;
    try {
        pqxx::connection c(config.control);
        existing =
            pqxx::nontransaction(c).exec("SELECT count(*) FROM sentry_organizationmapping")[0][0].as<long>();
    } catch (const std::exception&) {
    }
    if (args.contains(QStringLiteral("--binary"))) {
        if (static_cast<std::size_t>(existing) != orgs) {
            std::fprintf(stderr,
                         "the cluster in %s holds %ld organizations, not %zu: run without --binary first\n",
                         home.c_str(), existing, orgs);
            return 1;
        }
        return benchBinary(
            config.control,
            option(QStringLiteral("--file"), QStringLiteral("/tmp/cellscope-bench-1m.cssnap")).toStdString(),
            option(QStringLiteral("--runs"), QStringLiteral("3")).toInt(),
            args.contains(QStringLiteral("--reexport")));
    }
    if (static_cast<std::size_t>(existing) != orgs || args.contains(QStringLiteral("--reseed"))) {
        std::printf("seeding %zu organizations…\n", orgs);
        std::fflush(stdout);
        const auto report = demo::seedDemoWorld(config, {42, orgs});
        std::size_t rows = 0;
        for (const auto& [table, count] : report.rows)
            rows += count;
        std::printf("seed --orgs %zu: %.1f s for %zu rows (%.0f rows/s); target <= 45 s\n", orgs,
                    report.seconds, rows, static_cast<double>(rows) / report.seconds);
    }

    // Baseline: psql copying the same columns the loader reads, sequentially, to /dev/null.
    const QStringList copies{
        QStringLiteral("\\copy sentry_organizationmapping (organization_id, slug, name, region_name, status, "
                       "date_created) TO '/dev/null'"),
        QStringLiteral("\\copy sentry_organizationmembermapping (organization_id, user_id, email, role, "
                       "invite_status) TO '/dev/null'"),
        QStringLiteral(
            "\\copy sentry_projectkeymapping (public_key, region_name, project_key_id) TO '/dev/null'"),
        QStringLiteral(
            "\\copy cellscope.projectkey_info (public_key, project_id, organization_id, dsn_format) TO "
            "'/dev/null'"),
        QStringLiteral(
            "\\copy sentry_organizationslugreservation (slug, organization_id, user_id, region_name, "
            "reservation_type) TO '/dev/null'"),
    };
    std::vector<double> baseline, load, rss;
    for (int run = 0; run < runs; ++run) {
        QStringList psqlArgs{QString::fromStdString(config.control), QStringLiteral("-q")};
        for (const QString& copy : copies)
            psqlArgs << QStringLiteral("-c") << copy;
        QElapsedTimer timer;
        timer.start();
        QProcess psql;
        psql.start(QStringLiteral("psql"), psqlArgs);
        psql.waitForFinished(-1);
        if (psql.exitCode() != 0) {
            std::fprintf(stderr, "psql failed: %s\n", psql.readAllStandardError().constData());
            return 1;
        }
        baseline.push_back(static_cast<double>(timer.nsecsElapsed()) / 1e9);

        QProcess child;
        child.start(QCoreApplication::applicationFilePath(),
                    {QStringLiteral("--load-once"), QString::fromStdString(config.control)});
        child.waitForFinished(-1);
        const QList<QByteArray> fields = child.readAllStandardOutput().trimmed().split(' ');
        if (child.exitCode() != 0 || fields.size() != 3) {
            std::fprintf(stderr, "load failed: %s\n", child.readAllStandardError().constData());
            return 1;
        }
        load.push_back(fields[0].toDouble());
        rss.push_back(fields[1].toDouble());
        std::printf("run %d: psql %.2f s, snapshot load %.2f s, RSS growth %.0f MB\n", run + 1,
                    baseline.back(), load.back(), rss.back());
        std::fflush(stdout);
    }
    std::printf("\nsnapshot load (median of %d): %.2f s   psql \\copy baseline: %.2f s   ratio %.2f (target "
                "<= 1.30)\n",
                runs, median(load), median(baseline), median(load) / median(baseline));
    std::printf("snapshot peak RSS growth (median): %.0f MB (target <= 400 MB)\n", median(rss));
    return 0;
}
