#include "core/net/cell_probe.h"

#include <QElapsedTimer>
#include <QEventLoop>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QUrl>

#include <memory>

namespace cellscope::net {

namespace {

QUrl healthUrl(const std::string& address, const std::string& healthPath)
{
    QUrl url(QString::fromStdString(address), QUrl::StrictMode);
    QString path = url.path();
    while (path.endsWith(QLatin1Char('/')))
        path.chop(1);
    const QString health = QString::fromStdString(healthPath);
    url.setPath(path + (health.startsWith(QLatin1Char('/')) ? health : QLatin1Char('/') + health));
    return url;
}

} // namespace

CellProber::CellProber(QObject* parent) : QObject(parent), m_network(new QNetworkAccessManager(this)) {}

void CellProber::probe(const Snapshot& snapshot, const ProbeOptions& options,
                       std::function<void(std::vector<CellProbe>)> done)
{
    struct Batch
    {
        std::vector<CellProbe> results;
        std::size_t pending = 0;
        std::function<void(std::vector<CellProbe>)> done;
    };
    auto batch = std::make_shared<Batch>();
    batch->done = std::move(done);
    for (const Cell& cell : snapshot.cells()) {
        CellProbe probe;
        probe.cell = cell.name;
        probe.locality = cell.locality;
        if (cell.address.empty())
            probe.error = "no address configured";
        else if (const QUrl url = healthUrl(cell.address, options.healthPath);
                 !url.isValid() || url.host().isEmpty())
            probe.error = "address is not a URL: " + cell.address;
        else
            probe.url = url.toString().toStdString();
        batch->results.push_back(std::move(probe));
    }
    for (std::size_t i = 0; i < batch->results.size(); ++i) {
        if (batch->results[i].url.empty())
            continue;
        QNetworkRequest request(QUrl(QString::fromStdString(batch->results[i].url)));
        request.setTransferTimeout(static_cast<int>(options.timeout.count()));
        request.setAttribute(QNetworkRequest::CacheLoadControlAttribute, QNetworkRequest::AlwaysNetwork);
        auto clock = std::make_shared<QElapsedTimer>();
        clock->start();
        QNetworkReply* reply = m_network->get(request);
        ++batch->pending;
        connect(reply, &QNetworkReply::finished, this, [batch, i, reply, clock, timeout = options.timeout] {
            reply->deleteLater();
            CellProbe& probe = batch->results[i];
            probe.latencyMs = static_cast<double>(clock->nsecsElapsed()) / 1e6;
            const QVariant status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute);
            if (status.isValid()) {
                probe.reachable = true;
                probe.httpStatus = status.toInt();
            } else if (reply->error() == QNetworkReply::OperationCanceledError ||
                       reply->error() == QNetworkReply::TimeoutError) {
                probe.error = "no answer within " + std::to_string(timeout.count()) + " ms";
            } else {
                probe.error = reply->errorString().toStdString();
            }
            if (--batch->pending == 0)
                batch->done(std::move(batch->results));
        });
    }
    if (batch->pending == 0)
        batch->done(std::move(batch->results));
}

std::vector<CellProbe> probeCells(const Snapshot& snapshot, const ProbeOptions& options)
{
    CellProber prober;
    QEventLoop loop;
    std::optional<std::vector<CellProbe>> results;
    prober.probe(snapshot, options, [&](std::vector<CellProbe> probes) {
        results = std::move(probes);
        loop.quit();
    });
    if (!results)
        loop.exec();
    return std::move(*results);
}

} // namespace cellscope::net
