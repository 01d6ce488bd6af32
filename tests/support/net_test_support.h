#pragma once

// Shared by the network tests: a Qt event loop, a small generated world, and blocking HTTP helpers.
// Every server binds 127.0.0.1 port 0 and dies with its test.
#include "core/net/http_service.h"
#include "core/snapshot/snapshot.h"

#include <QCoreApplication>
#include <QDeadlineTimer>
#include <QEventLoop>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QTcpSocket>

#include <cstdio>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace cellscope::test {

inline void ensureApp()
{
    static int argc = 1;
    static char name[] = "net_tests";
    static char* argv[] = {name, nullptr};
    static QCoreApplication* app = QCoreApplication::instance() ? nullptr : new QCoreApplication(argc, argv);
    (void)app;
}

// Runs the event loop until `done` or the deadline; true when `done` happened.
inline bool waitUntil(const std::function<bool()>& done, int timeoutMs = 10'000)
{
    QDeadlineTimer deadline(timeoutMs);
    while (!done()) {
        if (deadline.hasExpired())
            return false;
        QCoreApplication::processEvents(QEventLoop::AllEvents | QEventLoop::WaitForMoreEvents, 20);
    }
    return true;
}

// One organization, org-1 (id 1), in cell de1 of locality de: the world after it moved there.
inline SnapshotPtr orgOneInDe1()
{
    SnapshotBuilder builder;
    Cell de1;
    de1.name = "de1";
    builder.addCell(de1);
    Locality de;
    de.name = "de";
    builder.addLocality(de, std::vector<std::string>{"de1"});
    builder.addOrganization(1, "org-1", "Org", 0, OrgStatus::Active, 0);
    return builder.finish();
}

// Localities us (us1, us2) and de (de1); org i lives in cell i % 3, key i likewise.
inline SnapshotPtr makeWorld(std::size_t orgs, std::size_t keys)
{
    SnapshotBuilder builder;
    builder.info().source = "test";
    const char* names[] = {"us1", "us2", "de1"};
    for (int i = 0; i < 3; ++i) {
        Cell cell;
        cell.name = names[i];
        cell.address = std::string("http://") + names[i] + ".invalid";
        builder.addCell(cell);
    }
    Locality us;
    us.name = "us";
    us.newOrgCell = "us2";
    builder.addLocality(us, std::vector<std::string>{"us1", "us2"});
    Locality de;
    de.name = "de";
    de.newOrgCell = "de1";
    builder.addLocality(de, std::vector<std::string>{"de1"});
    for (std::size_t i = 0; i < orgs; ++i)
        builder.addOrganization(static_cast<std::int64_t>(i + 1), "org-" + std::to_string(i + 1), "Org",
                                static_cast<CellIndex>(i % 3), OrgStatus::Active, 0);
    for (std::size_t i = 0; i < keys; ++i) {
        char key[33];
        std::snprintf(key, sizeof key, "%032zx", i + 1);
        builder.addProjectKey(key, static_cast<CellIndex>(i % 3), static_cast<std::int64_t>(i + 1), 0, 0,
                              DsnFormat::Locality);
    }
    return builder.finish();
}

// An HttpService on 127.0.0.1:0 that keeps its log lines.
struct TestServer
{
    explicit TestServer(net::HttpHandler handler, net::HttpLimits limits = {})
        : service(
              std::move(handler), [this](std::string_view line) { log.emplace_back(line); }, limits)
    {
        service.start(net::ListenAddress{});
    }
    QUrl url(const QString& pathAndQuery = QStringLiteral("/")) const
    {
        return service.url().resolved(QUrl(pathAndQuery));
    }
    quint16 port() const { return static_cast<quint16>(service.url().port()); }

    std::vector<std::string> log;
    net::HttpService service;
};

struct HttpResult
{
    int status = 0; // 0: no HTTP answer
    QByteArray body;
    QNetworkReply::NetworkError error = QNetworkReply::NoError;
};

inline HttpResult httpGet(const QUrl& url, const std::vector<std::pair<QByteArray, QByteArray>>& headers = {},
                          const QByteArray& method = "GET")
{
    QNetworkAccessManager network;
    QNetworkRequest request(url);
    for (const auto& [name, value] : headers)
        request.setRawHeader(name, value);
    request.setTransferTimeout(10'000);
    QNetworkReply* reply = network.sendCustomRequest(request, method);
    waitUntil([&] { return reply->isFinished(); });
    HttpResult result;
    result.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    result.body = reply->readAll();
    result.error = reply->error();
    delete reply;
    return result;
}

// Raw bytes over TCP, for requests no HTTP client would send. Returns what came back before the
// server closed the connection (or the timeout passed), and whether it closed.
struct RawResult
{
    QByteArray received;
    bool closedByServer = false;
};

inline RawResult rawExchange(quint16 port, const QByteArray& bytes, int timeoutMs = 5000)
{
    QTcpSocket socket;
    socket.connectToHost(QStringLiteral("127.0.0.1"), port);
    waitUntil([&] { return socket.state() == QAbstractSocket::ConnectedState; }, 2000);
    socket.write(bytes);
    RawResult result;
    QObject::connect(&socket, &QTcpSocket::readyRead, [&] { result.received += socket.readAll(); });
    result.closedByServer =
        waitUntil([&] { return socket.state() == QAbstractSocket::UnconnectedState; }, timeoutMs);
    result.received += socket.readAll();
    return result;
}

} // namespace cellscope::test
