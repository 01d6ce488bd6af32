#include "core/net/locator_client.h"

#include "core/net/locator.h"
#include "core/routing/access_log.h"
#include "core/routing/auth.h"
#include "core/routing/dsn.h"
#include "core/util/error.h"
#include "core/util/text.h"

#include <QEventLoop>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>

namespace cellscope::net {

LocatorClient::LocatorClient(QUrl locatorUrl, std::chrono::milliseconds timeout, QObject* parent)
    : QObject(parent), m_url(std::move(locatorUrl)), m_timeout(timeout),
      m_network(new QNetworkAccessManager(this))
{}

void LocatorClient::ask(const std::string& id, const std::string& locality,
                        std::function<void(const LocatorAnswer&)> done)
{
    QUrl url = m_url;
    if (url.path().isEmpty())
        url.setPath(QStringLiteral("/"));
    // Encoded by hand: QUrlQuery leaves '+' alone, which servers read as a space.
    QByteArray query = "id=" + QUrl::toPercentEncoding(QString::fromStdString(id));
    if (!locality.empty())
        query += "&locality=" + QUrl::toPercentEncoding(QString::fromStdString(locality));
    url.setQuery(QString::fromLatin1(query), QUrl::StrictMode);
    QNetworkRequest request(url);
    request.setTransferTimeout(static_cast<int>(m_timeout.count()));
    QNetworkReply* reply = m_network->get(request);
    connect(reply, &QNetworkReply::finished, this, [reply, done = std::move(done), timeout = m_timeout] {
        reply->deleteLater();
        LocatorAnswer answer;
        const QVariant status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute);
        if (!status.isValid()) {
            const bool timedOut = reply->error() == QNetworkReply::OperationCanceledError ||
                                  reply->error() == QNetworkReply::TimeoutError;
            answer.message = timedOut ? "no answer within " + std::to_string(timeout.count()) + " ms"
                                      : reply->errorString().toStdString();
            done(answer);
            return;
        }
        answer.httpStatus = status.toInt();
        const QJsonObject body = QJsonDocument::fromJson(reply->readAll()).object();
        if (answer.httpStatus == 200 && body.value(QLatin1StringView("cell")).isString())
            answer.cell = body.value(QLatin1StringView("cell")).toString().toStdString();
        else
            answer.message = body.value(QLatin1StringView("error_message")).toString().toStdString();
        done(answer);
    });
}

LocatorAnswer askLocator(const QUrl& locatorUrl, std::string_view id, std::string_view locality,
                         std::chrono::milliseconds timeout)
{
    LocatorClient client(locatorUrl, timeout);
    QEventLoop loop;
    std::optional<LocatorAnswer> answer;
    client.ask(std::string(id), std::string(locality), [&](const LocatorAnswer& a) {
        answer = a;
        loop.quit();
    });
    if (!answer)
        loop.exec();
    return *answer;
}

std::optional<routing::Warning> compareWithLocator(const Snapshot& snapshot, std::string_view id,
                                                   std::string_view locality, const QUrl& locatorUrl,
                                                   const LocatorAnswer& answer)
{
    const LocateResult ours = locate(&snapshot, id, locality);
    const bool oursFound = ours.status == LocateStatus::Found;
    if (oursFound && answer.cell == ours.cell)
        return std::nullopt;
    if (!oursFound && answer.httpStatus == 404)
        return std::nullopt; // neither routes it
    const std::string subject =
        std::string(id) + (locality.empty() ? "" : " in locality " + std::string(locality));
    const std::string ourText =
        oursFound ? "cell " + ours.cell : "no cell (" + std::string(locateMessage(ours.status)) + ")";
    std::string theirText;
    if (answer.cell)
        theirText = "cell " + *answer.cell;
    else
        theirText = "HTTP " + std::to_string(answer.httpStatus) +
                    (answer.message.empty() ? std::string() : " (" + answer.message + ")");
    return routing::Warning{"locator_disagrees",
                            "Cellscope routes " + subject + " to " + ourText + ", but the locator at " +
                                withoutUrlPassword(locatorUrl.toString().toStdString()) + " answers " +
                                theirText + ": a stale locator cache or an organization mid-relocation"};
}

std::pair<std::string, std::string> locatorQueryFor(const routing::Catalog& catalog, const Snapshot& snapshot,
                                                    const std::string& input)
{
    if (const auto dsn = routing::parseDsn(input).dsn)
        return {dsn->publicKey,
                routing::dsnHostLabelBeforeAppHost(dsn->host, snapshot.info().appHost).value_or("")};
    routing::UrlView url;
    if (!routing::splitUrl(input, url))
        return {};
    std::string locality;
    const std::string appHost = "." + snapshot.info().appHost;
    if (url.host.size() > appHost.size() && url.host.ends_with(appHost)) {
        const std::string_view label = url.host.substr(0, url.host.size() - appHost.size());
        if (snapshot.findLocality(label))
            locality = std::string(label);
    }
    std::string scratch;
    if (const auto key = routing::findSentryKeyInQuery(url.query, scratch))
        return {std::string(*key), locality};
    routing::EndpointMatch match;
    std::string_view path = url.path;
    while (!path.empty() && path.front() == '/')
        path.remove_prefix(1);
    if (catalog.match(path, match))
        for (const char* name : {"organization_id_or_slug", "organization_slug", "public_key"})
            if (const auto value = match.kwarg(name))
                return {std::string(*value), locality};
    return {};
}

std::optional<routing::Warning> verifyWithLocator(const Snapshot& snapshot, const QUrl& locatorUrl,
                                                  std::string_view id, std::string_view locality,
                                                  std::chrono::milliseconds timeout)
{
    const LocatorAnswer answer = askLocator(locatorUrl, id, locality, timeout);
    if (answer.httpStatus == 0)
        fail(ErrorCode::Unreachable, "the locator at " +
                                         withoutUrlPassword(locatorUrl.toString().toStdString()) +
                                         " did not answer: " + answer.message);
    return compareWithLocator(snapshot, id, locality, locatorUrl, answer);
}

} // namespace cellscope::net
