#include "core/net/http_service.h"

#include "core/util/error.h"
#include "core/util/json_writer.h"
#include "core/util/time_format.h"

#include <QElapsedTimer>
#include <QHttpServerRequest>
#include <QHttpServerResponder>
#include <QPointer>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTimer>

#include <chrono>
#include <sstream>

namespace cellscope::net {

namespace {

std::int64_t unixNow()
{
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

std::string peerOf(const QTcpSocket* socket)
{
    return socket->peerAddress().toString().toStdString();
}

// Without Q_OBJECT findChild cannot tell a guard by type, so it goes by name.
const QString kGuardName = QStringLiteral("cellscope-connection-guard");

// Watches one connection for the limits QHttpServer 6.4 does not enforce itself: it buffers a
// request without bound, waits forever for a slow one, and after a parse error disconnects every
// signal of the socket but leaves it open. The guard is the socket's child and dies with it.
class ConnectionGuard : public QObject
{
public:
    ConnectionGuard(QTcpSocket* socket, const HttpLimits& limits, const LogSink& log)
        : QObject(socket), m_socket(socket), m_peer(peerOf(socket)), m_limits(limits), m_log(log)
    {
        setObjectName(kGuardName);
        // Connected before QHttpServer's own slot, so this one sees new bytes first.
        m_readConnection = connect(socket, &QTcpSocket::readyRead, this, &ConnectionGuard::onReadyRead);
        m_deadline.setSingleShot(true);
        connect(&m_deadline, &QTimer::timeout, this, [this] {
            if (m_requestBytes > 0)
                close("no complete request within " + std::to_string(m_limits.requestTimeout.count()) +
                      " ms");
            else
                close({}); // an idle kept-alive connection: closing it is routine, not worth a line
        });
        m_deadline.start(m_limits.requestTimeout);
        // Past the limit the socket stops reading, so even a burst cannot grow the buffer further.
        socket->setReadBufferSize(m_limits.maxRequestBytes + 1);
    }

    // Called after a response was written: the next bytes start a new request.
    void answered()
    {
        m_requestBytes = 0;
        m_deadline.start(m_limits.idleTimeout);
    }

private:
    void onReadyRead()
    {
        if (m_requestBytes == 0)
            m_deadline.start(m_limits.requestTimeout);
        m_requestBytes += m_socket->bytesAvailable();
        if (m_requestBytes > m_limits.maxRequestBytes) {
            close("request larger than " + std::to_string(m_limits.maxRequestBytes) + " bytes");
            return;
        }
        // After this signal QHttpServer parses the bytes. On a parse error it either closes the
        // socket or (in some 6.4 builds) cuts all its signals and leaves it open; look once the
        // event loop is back, and make sure it is closed and said.
        QMetaObject::invokeMethod(
            this,
            [this] {
                if (!m_readConnection || m_socket->state() != QAbstractSocket::ConnectedState)
                    close("malformed request");
            },
            Qt::QueuedConnection);
    }

    void close(const std::string& reason)
    {
        if (!reason.empty() && m_log)
            m_log(formatIsoTimestamp(unixNow()) + " " + m_peer + " closed: " + reason);
        // Keep QHttpServer from parsing what is left, then drop the connection.
        QObject::disconnect(m_socket, &QTcpSocket::readyRead, nullptr, nullptr);
        m_deadline.stop();
        m_socket->abort();
        m_socket->deleteLater();
    }

    QTcpSocket* m_socket;
    std::string m_peer; // kept: a socket closed by QHttpServer no longer knows its peer
    const HttpLimits& m_limits;
    const LogSink& m_log;
    QMetaObject::Connection m_readConnection;
    QTimer m_deadline;
    qint64 m_requestBytes = 0;
};

// Hands QHttpServer sockets that already carry their guard, and refuses connections past the limit.
class GuardedTcpServer : public QTcpServer
{
public:
    GuardedTcpServer(const HttpLimits& limits, const LogSink& log, QObject* parent)
        : QTcpServer(parent), m_limits(limits), m_log(log)
    {}

    int openConnections() const { return static_cast<int>(findChildren<QTcpSocket*>().size()); }

protected:
    void incomingConnection(qintptr descriptor) override
    {
        auto* socket = new QTcpSocket(this);
        if (!socket->setSocketDescriptor(descriptor)) {
            delete socket;
            return;
        }
        if (openConnections() > m_limits.maxConnections) {
            if (m_log)
                m_log(formatIsoTimestamp(unixNow()) + " " + peerOf(socket) + " refused: more than " +
                      std::to_string(m_limits.maxConnections) + " open connections");
            socket->abort();
            socket->deleteLater();
            return;
        }
        new ConnectionGuard(socket, m_limits, m_log);
        addPendingConnection(socket);
    }

private:
    const HttpLimits& m_limits;
    const LogSink& m_log;
};

std::string_view methodName(QHttpServerRequest::Method method)
{
    using M = QHttpServerRequest::Method;
    switch (method) {
    case M::Get:
        return "GET";
    case M::Put:
        return "PUT";
    case M::Delete:
        return "DELETE";
    case M::Post:
        return "POST";
    case M::Head:
        return "HEAD";
    case M::Options:
        return "OPTIONS";
    case M::Patch:
        return "PATCH";
    case M::Connect:
        return "CONNECT";
    case M::Trace:
        return "TRACE";
    default:
        return "UNKNOWN";
    }
}

// The request target as logged: encoded (so no control characters reach the log) and bounded.
std::string logTarget(const QHttpServerRequest& request)
{
    const QUrl url = request.url();
    QByteArray target = url.path(QUrl::FullyEncoded).toUtf8();
    if (url.hasQuery())
        target += '?' + url.query(QUrl::FullyEncoded).toUtf8();
    constexpr qsizetype kMaxLogged = 300;
    if (target.size() > kMaxLogged)
        target = target.first(kMaxLogged) + "...";
    return target.toStdString();
}

} // namespace

QByteArray HttpRequest::header(QByteArrayView name) const
{
    for (const auto& [key, value] : headers)
        if (key.compare(name, Qt::CaseInsensitive) == 0)
            return value;
    return {};
}

HttpRequest toHttpRequest(const QHttpServerRequest& request)
{
    HttpRequest plain;
    plain.method = methodName(request.method());
    plain.url = request.url();
    for (const auto& [name, value] : request.headers())
        plain.headers.emplace_back(name, value);
    plain.body = request.body();
    return plain;
}

ListenAddress parseListenAddress(std::string_view text)
{
    const QString value = QString::fromUtf8(text.data(), static_cast<qsizetype>(text.size()));
    const qsizetype colon = value.lastIndexOf(QLatin1Char(':'));
    auto bad = [&](const std::string& why) {
        fail(ErrorCode::BadInput,
             "--listen expects HOST:PORT (e.g. 127.0.0.1:3000), got '" + std::string(text) + "': " + why);
    };
    if (colon < 0)
        bad("no port");
    bool ok = false;
    const uint port = value.sliced(colon + 1).toUInt(&ok);
    if (!ok || port > 65535)
        bad("the port is not a number from 0 to 65535");
    QString host = value.first(colon);
    if (host.startsWith(QLatin1Char('[')) && host.endsWith(QLatin1Char(']')))
        host = host.sliced(1, host.size() - 2);
    ListenAddress address;
    address.port = static_cast<quint16>(port);
    if (host.isEmpty() || host == QStringLiteral("localhost"))
        address.host = QHostAddress(QHostAddress::LocalHost);
    else if (!address.host.setAddress(host))
        bad("the host is not an IP address");
    return address;
}

QByteArray jsonObject(std::string_view key, std::string_view value)
{
    std::ostringstream out;
    JsonWriter w(out);
    w.beginObject().key(key).value(value).endObject();
    return QByteArray::fromStdString(out.str());
}

HttpService::HttpService(HttpHandler handler, LogSink log, HttpLimits limits, QObject* parent)
    : QAbstractHttpServer(parent), m_handler(std::move(handler)), m_log(std::move(log)), m_limits(limits)
{}

HttpService::~HttpService()
{
    // The guards refer to m_limits and m_log: delete the listeners and their sockets while both live.
    qDeleteAll(servers());
}

quint16 HttpService::start(const ListenAddress& address)
{
    auto* server = new GuardedTcpServer(m_limits, m_log, this);
    if (!server->listen(address.host, address.port)) {
        const std::string why = server->errorString().toStdString();
        delete server;
        fail(ErrorCode::Unreachable, "cannot listen on " + address.host.toString().toStdString() + ":" +
                                         std::to_string(address.port) + ": " + why);
    }
    bind(server);
    m_url.setScheme(QStringLiteral("http"));
    m_url.setHost(address.host.toString());
    m_url.setPort(server->serverPort());
    m_url.setPath(QStringLiteral("/"));
    return server->serverPort();
}

QUrl HttpService::url() const
{
    return m_url;
}

void HttpService::stop()
{
    for (QTcpServer* server : servers()) {
        server->close();
        for (QTcpSocket* socket : server->findChildren<QTcpSocket*>())
            socket->abort();
    }
}

int HttpService::openConnections() const
{
    int open = 0;
    for (QTcpServer* server : servers())
        open += static_cast<GuardedTcpServer*>(server)->openConnections();
    return open;
}

bool HttpService::handleRequest(const QHttpServerRequest& request, QTcpSocket* socket)
{
    QElapsedTimer elapsed;
    elapsed.start();
    HttpReply reply;
    try {
        reply = m_handler(toHttpRequest(request));
    } catch (const Error& e) {
        if (m_log)
            m_log(formatIsoTimestamp(unixNow()) + " " + peerOf(socket) + " handler failed: " + e.what());
        // A database that does not answer in time: unavailable for now, which clients retry.
        reply = e.code() == ErrorCode::Unreachable
                    ? HttpReply{503, jsonObject("error_message", e.what())}
                    : HttpReply{500, jsonObject("error_message", "internal error")};
    } catch (const std::exception& e) {
        if (m_log)
            m_log(formatIsoTimestamp(unixNow()) + " " + peerOf(socket) + " handler failed: " + e.what());
        reply = {500, jsonObject("error_message", "internal error")};
    }
    makeResponder(request, socket)
        .write(reply.body, {{QByteArrayLiteral("Content-Type"), QByteArrayLiteral("application/json")}},
               static_cast<QHttpServerResponder::StatusCode>(reply.status));
    if (auto* guard = socket->findChild<QObject*>(kGuardName, Qt::FindDirectChildrenOnly))
        static_cast<ConnectionGuard*>(guard)->answered();
    if (m_log) {
        char duration[32];
        std::snprintf(duration, sizeof duration, "%.2fms", static_cast<double>(elapsed.nsecsElapsed()) / 1e6);
        m_log(formatIsoTimestamp(unixNow()) + " " + peerOf(socket) + " " +
              std::string(methodName(request.method())) + " " + logTarget(request) + " " +
              std::to_string(reply.status) + " " + std::to_string(reply.body.size()) + "B " + duration);
    }
    return true;
}

void HttpService::missingHandler(const QHttpServerRequest& request, QTcpSocket* socket)
{
    // handleRequest answers everything; QAbstractHttpServer still requires this override.
    makeResponder(request, socket).write(QHttpServerResponder::StatusCode::NotFound);
}

} // namespace cellscope::net
