// Locator figure: 10,000 locator requests from a second process, with zero errors, printing
// requests/s and the p99 latency. This program is the client; it starts `cellctl serve locator`
// on a generated snapshot (127.0.0.1, port 0) as the server process, checks every answer against
// Cellscope's own locate() on the same snapshot, and stops the server with SIGTERM.
// Usage: bench_locator [--requests N] [--concurrency C] [--orgs N] [--cellctl PATH]
#include "core/net/locator.h"
#include "core/snapshot/json_snapshot.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>

#include <algorithm>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

using namespace cellscope;

namespace {

struct Query
{
    std::string id;
    std::string locality;
};

SnapshotPtr makeWorld(std::size_t orgs)
{
    SnapshotBuilder builder;
    builder.info().source = "bench";
    const char* cells[] = {"us1", "us2", "de1"};
    for (const char* name : cells) {
        Cell cell;
        cell.name = name;
        builder.addCell(cell);
    }
    Locality us;
    us.name = "us";
    builder.addLocality(us, std::vector<std::string>{"us1", "us2"});
    Locality de;
    de.name = "de";
    builder.addLocality(de, std::vector<std::string>{"de1"});
    for (std::size_t i = 0; i < orgs; ++i) {
        builder.addOrganization(static_cast<std::int64_t>(i + 1), "org-" + std::to_string(i + 1), "Org",
                                static_cast<CellIndex>(i % 3), OrgStatus::Active, 0);
        char key[33];
        std::snprintf(key, sizeof key, "%032zx", i + 1);
        builder.addProjectKey(key, static_cast<CellIndex>(i % 3), static_cast<std::int64_t>(i + 1), 0, 0,
                              DsnFormat::Locality);
    }
    return builder.finish();
}

// A mix like a proxy's: slugs, ids and public keys, some with a locality, a few unknown.
std::vector<Query> makeQueries(std::size_t count, std::size_t orgs)
{
    std::mt19937_64 random(7);
    std::vector<Query> queries;
    const char* localities[] = {"", "", "us", "de"};
    for (std::size_t i = 0; i < count; ++i) {
        const std::size_t n = random() % (orgs + orgs / 20) + 1; // ~5% past the last org: 404
        char key[33];
        std::snprintf(key, sizeof key, "%032zx", n);
        switch (random() % 3) {
        case 0:
            queries.push_back({"org-" + std::to_string(n), localities[random() % 4]});
            break;
        case 1:
            queries.push_back({std::to_string(n), localities[random() % 4]});
            break;
        default:
            queries.push_back({key, localities[random() % 4]});
        }
    }
    return queries;
}

} // namespace

int main(int argc, char** argv)
{
    QCoreApplication app(argc, argv);
    std::size_t requests = 10'000, concurrency = 6, orgs = 10'000;
    QString cellctl = QStringLiteral(CELLCTL_PATH);
    const QStringList args = app.arguments();
    for (qsizetype i = 1; i + 1 < args.size(); i += 2) {
        if (args[i] == QStringLiteral("--requests"))
            requests = args[i + 1].toULong();
        else if (args[i] == QStringLiteral("--concurrency"))
            concurrency = args[i + 1].toULong();
        else if (args[i] == QStringLiteral("--orgs"))
            orgs = args[i + 1].toULong();
        else if (args[i] == QStringLiteral("--cellctl"))
            cellctl = args[i + 1];
    }

    QTemporaryDir dir;
    const SnapshotPtr world = makeWorld(orgs);
    const std::string file = dir.filePath(QStringLiteral("world.json")).toStdString();
    writeSnapshotJsonFile(*world, file);

    QProcess server;
    server.setStandardErrorFile(QProcess::nullDevice()); // the request log: written, not kept
    server.start(cellctl,
                 {QStringLiteral("--snapshot"), QString::fromStdString(file), QStringLiteral("serve"),
                  QStringLiteral("locator"), QStringLiteral("--listen"), QStringLiteral("127.0.0.1:0")});
    QUrl url;
    const QRegularExpression announced(QStringLiteral("on (http://127\\.0\\.0\\.1:\\d+/)"));
    QElapsedTimer startup;
    startup.start();
    while (url.isEmpty() && startup.elapsed() < 20'000 && server.state() != QProcess::NotRunning) {
        server.waitForReadyRead(200);
        const auto match = announced.match(QString::fromUtf8(server.readAllStandardOutput()));
        if (match.hasMatch())
            url = QUrl(match.captured(1));
    }
    if (url.isEmpty()) {
        std::fprintf(stderr, "bench_locator: %s did not start\n", qPrintable(cellctl));
        return 1;
    }

    const std::vector<Query> queries = makeQueries(requests, orgs);
    std::vector<double> latencies(requests, 0);
    std::size_t next = 0, done = 0, errors = 0;
    QNetworkAccessManager network;
    QElapsedTimer wall;
    std::function<void()> send = [&] {
        if (next >= queries.size())
            return;
        const std::size_t i = next++;
        QUrl target = url;
        QByteArray query = "id=" + QUrl::toPercentEncoding(QString::fromStdString(queries[i].id));
        if (!queries[i].locality.empty())
            query += "&locality=" + QByteArray::fromStdString(queries[i].locality);
        target.setQuery(QString::fromLatin1(query));
        QNetworkRequest request(target);
        request.setTransferTimeout(10'000);
        auto clock = std::make_shared<QElapsedTimer>();
        clock->start();
        QNetworkReply* reply = network.get(request);
        QObject::connect(reply, &QNetworkReply::finished, [&, reply, clock, i] {
            latencies[i] = static_cast<double>(clock->nsecsElapsed()) / 1e6;
            reply->deleteLater();
            const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
            const QJsonObject body = QJsonDocument::fromJson(reply->readAll()).object();
            const net::LocateResult expected = net::locate(world.get(), queries[i].id, queries[i].locality);
            const bool right =
                status == net::locateHttpStatus(expected.status) &&
                (expected.status != net::LocateStatus::Found ||
                 body.value(QLatin1StringView("cell")).toString().toStdString() == expected.cell);
            if (!right && ++errors <= 5)
                std::fprintf(stderr, "bench_locator: wrong answer for id=%s locality=%s: HTTP %d\n",
                             queries[i].id.c_str(), queries[i].locality.c_str(), status);
            if (++done == queries.size())
                app.quit();
            else
                send();
        });
    };
    wall.start();
    for (std::size_t i = 0; i < concurrency; ++i)
        send();
    app.exec();
    const double seconds = static_cast<double>(wall.nsecsElapsed()) / 1e9;

    server.terminate(); // SIGTERM: the server must stop cleanly
    server.waitForFinished(10'000);
    const bool cleanStop = server.exitStatus() == QProcess::NormalExit && server.exitCode() == 0;

    std::sort(latencies.begin(), latencies.end());
    auto percentile = [&](double p) {
        return latencies[std::min(latencies.size() - 1,
                                  static_cast<std::size_t>(p * static_cast<double>(latencies.size())))];
    };
    std::printf("locator load test: %zu requests, %zu in flight, %zu organizations + %zu keys, server in a "
                "second process\n",
                requests, concurrency, orgs, orgs);
    std::printf("  errors          %zu        (target 0)\n", errors);
    std::printf("  throughput      %.0f requests/s  (%.2f s wall)\n", static_cast<double>(requests) / seconds,
                seconds);
    std::printf("  latency p50     %.3f ms\n", percentile(0.50));
    std::printf("  latency p99     %.3f ms\n", percentile(0.99));
    std::printf("  latency max     %.3f ms\n", latencies.back());
    std::printf("  SIGTERM stop    %s\n", cleanStop ? "clean (exit 0)" : "NOT clean");
    return errors == 0 && cleanStop ? 0 : 1;
}
