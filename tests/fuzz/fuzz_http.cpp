// The HTTP servers' request handling, bytes in and reply out with no socket: the locator
// (`cellctl serve-locator`) and the control API (`cellctl serve-control`) over the small fixture
// world. The first byte picks the server (bit 0) and, for the control API, whether the harness
// signs the request (bit 1) so that the query parsing behind the signature check is reached too;
// the rest is a raw request: "METHOD TARGET HTTP/1.1", header lines, an empty line, the body.
// A reply must carry a status the servers use and a JSON object body.
#include "core/net/control_api_server.h"
#include "core/net/locator.h"
#include "core/net/synapse_protocol.h"
#include "core/snapshot/json_snapshot.h"
#include "core/util/error.h"
#include "tests/fuzz/fuzz_support.h"

#include <QJsonDocument>

#include <cstdlib>

using namespace cellscope;

namespace {

const QByteArray kSecret = QByteArrayLiteral("fuzz-secret");

struct Servers
{
    net::HttpHandler locator;
    net::HttpHandler control;
};

const Servers& servers()
{
    static const Servers instance = [] {
        const SnapshotPtr world = loadSnapshotJsonFile(CELLSCOPE_FIXTURES_DIR "/snapshots/small.json");
        return Servers{net::locatorHandler([world] { return world; }, {{"de", "de1"}}),
                       net::controlApiHandler(net::MemoryMappingTable::fromSnapshot(*world),
                                              net::controlTopology(*world), kSecret)};
    }();
    return instance;
}

// A raw request as the server's parser would hand it over; nullopt when the request line has no target.
std::optional<net::HttpRequest> parse(QByteArrayView raw)
{
    const qsizetype end = raw.indexOf("\n\n") >= 0 ? raw.indexOf("\n\n") : raw.size();
    const QList<QByteArray> lines = raw.first(end).toByteArray().split('\n');
    const QList<QByteArray> requestLine = lines.value(0).trimmed().split(' ');
    if (requestLine.size() < 2)
        return std::nullopt;
    net::HttpRequest request;
    request.method = requestLine[0].toUpper().toStdString();
    request.url = QUrl::fromEncoded(requestLine[1]);
    for (qsizetype i = 1; i < lines.size(); ++i)
        if (const qsizetype colon = lines[i].indexOf(':'); colon > 0)
            request.headers.emplace_back(lines[i].first(colon).trimmed(),
                                         lines[i].sliced(colon + 1).trimmed());
    if (end + 2 <= raw.size())
        request.body = raw.sliced(end + 2).toByteArray();
    return request;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    if (size == 0)
        return 0;
    const bool control = (data[0] & 1) != 0;
    const bool sign = (data[0] & 2) != 0;
    std::optional<net::HttpRequest> request = parse(fuzz::bytes(data + 1, size - 1));
    if (!request)
        return 0;
    if (control && sign)
        request->headers.emplace_back(
            "Authorization",
            "Signature " + net::requestSignature(kSecret, request->url.path().toUtf8(), request->body));
    net::HttpReply reply;
    try {
        reply = control ? servers().control(*request) : servers().locator(*request);
    } catch (const Error&) {
        return 0; // the server answers 500 with the sentence
    }
    const bool knownStatus = reply.status == 200 || reply.status == 400 || reply.status == 401 ||
                             reply.status == 404 || reply.status == 405 || reply.status == 503;
    QJsonParseError error;
    const QJsonDocument body = QJsonDocument::fromJson(reply.body, &error);
    if (!knownStatus || error.error != QJsonParseError::NoError || !body.isObject())
        std::abort();
    return 0;
}
