// Foundation figures (seeding and snapshot loading), printed next to their baselines:
//   - `seed --orgs N` wall time (target < 60 s for 1,000,000 orgs),
//   - snapshot load time vs psql `\copy … TO /dev/null` of the same columns (target ≤ 1.3×),
//   - snapshot peak RSS growth (target ≤ 400 MB).
// Usage: bench_foundation [--orgs N] [--runs R] [--home DIR] [--reseed]
// Each load runs in a fresh child process (this binary with --load-once) so RSS is not shared.
#include "core/db/embedded_cluster.h"
#include "core/demo/seed.h"
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

int loadOnce(const std::string& conninfo)
{
    const long before = statusKb("VmRSS:");
    QElapsedTimer timer;
    timer.start();
    const SnapshotPtr snapshot = sources::loadSnapshotFromPostgres(conninfo);
    const double seconds = static_cast<double>(timer.nsecsElapsed()) / 1e9;
    const long peak = statusKb("VmHWM:");
    std::printf("%.3f %ld %zu\n", seconds, (peak - before) / 1024, snapshot->organizations().size());
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
        return loadOnce(option(QStringLiteral("--load-once"), {}).toStdString());

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
    if (static_cast<std::size_t>(existing) != orgs || args.contains(QStringLiteral("--reseed"))) {
        std::printf("seeding %zu organizations…\n", orgs);
        std::fflush(stdout);
        const auto report = demo::seedDemoWorld(config, {42, orgs});
        std::size_t rows = 0;
        for (const auto& [table, count] : report.rows)
            rows += count;
        std::printf("seed --orgs %zu: %.1f s for %zu rows (%.0f rows/s); target < 60 s\n", orgs,
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
