#pragma once

#include <QAbstractHttpServer>
#include <QByteArray>
#include <QHostAddress>
#include <QUrl>
#include <QUrlQuery>

#include <chrono>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

class QHttpServerRequest;

namespace cellscope::net {

// Where a server listens: "127.0.0.1:3000", "[::1]:3000", "localhost:3000" or ":3000" (loopback).
struct ListenAddress
{
    QHostAddress host = QHostAddress(QHostAddress::LocalHost);
    quint16 port = 0;
};
// Error(BadInput) naming the text when it is not HOST:PORT.
ListenAddress parseListenAddress(std::string_view text);

// What a connection may cost the server. Handlers here answer small GETs, so anything bigger or
// slower is a broken or hostile client and its connection is closed.
struct HttpLimits
{
    qint64 maxRequestBytes = 64 * 1024;               // request line, headers and body together
    std::chrono::milliseconds requestTimeout{10'000}; // first byte of a request to its last
    std::chrono::milliseconds idleTimeout{60'000};    // a kept-alive connection between requests
    int maxConnections = 1024;
};

// A JSON answer.
struct HttpReply
{
    int status = 200; // one of the statuses QHttpServerResponder knows (200, 400, 401, 404, 405, 500, 503…)
    QByteArray body;
};
QByteArray jsonObject(std::string_view key, std::string_view value); // {"key": "value"}

// What a handler sees of a request: plain values, so that a handler runs the same behind the
// server, in a unit test, and under the fuzzer (bytes in, reply out, no socket).
struct HttpRequest
{
    std::string method = "GET"; // upper case, as sent
    QUrl url;                   // path and query as the client sent them
    std::vector<std::pair<QByteArray, QByteArray>> headers;
    QByteArray body;

    QByteArray header(QByteArrayView name) const; // case-insensitive; empty when absent
    QUrlQuery query() const { return QUrlQuery(url); }
};
HttpRequest toHttpRequest(const QHttpServerRequest& request);

using HttpHandler = std::function<HttpReply(const HttpRequest& request)>;
using LogSink = std::function<void(std::string_view line)>;

// A Qt HttpServer that answers every request with one handler and logs one line per request
// ("2026-01-01T12:00:00Z 127.0.0.1 GET /?id=acme 200 14B 0.08ms"). Connections are guarded by
// HttpLimits: an oversized, malformed or too slow request closes its connection (one log line)
// and never reaches the handler. A handler that throws answers 500.
class HttpService : public QAbstractHttpServer
{
public:
    HttpService(HttpHandler handler, LogSink log, HttpLimits limits = {}, QObject* parent = nullptr);
    ~HttpService() override;

    // Binds and returns the port (useful with port 0); Error(Unreachable) when the address cannot
    // be bound, e.g. "cannot listen on 127.0.0.1:3000: The bound address is already in use".
    quint16 start(const ListenAddress& address);
    QUrl url() const; // http://HOST:PORT/
    // Stops accepting and closes every open connection.
    void stop();
    int openConnections() const;

protected:
    bool handleRequest(const QHttpServerRequest& request, QTcpSocket* socket) override;
    void missingHandler(const QHttpServerRequest& request, QTcpSocket* socket) override;

private:
    HttpHandler m_handler;
    LogSink m_log;
    HttpLimits m_limits;
    QUrl m_url;
};

} // namespace cellscope::net
