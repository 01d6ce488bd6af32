// Synapse's standalone locator API as `cellctl serve locator` answers it, the connection guards
// every server has (oversized, malformed and slow requests), verifying against a running locator,
// and probing cell addresses.
#include "core/net/cell_probe.h"
#include "core/net/locator.h"
#include "core/net/locator_client.h"
#include "core/util/error.h"
#include "tests/support/net_test_support.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QTcpServer>

#include <gtest/gtest.h>

using namespace cellscope;
using namespace cellscope::net;
using namespace std::chrono_literals;

namespace {

class Locator : public ::testing::Test
{
protected:
    void SetUp() override { test::ensureApp(); }

    // A locator whose world the test can take away (not ready) and give back.
    void serve(HttpLimits limits = {})
    {
        m_server = std::make_unique<test::TestServer>(
            locatorHandler([this] { return world; }, DefaultCells{{"de", "de1"}}), limits);
    }
    test::HttpResult get(const QString& pathAndQuery) { return test::httpGet(m_server->url(pathAndQuery)); }
    static std::string field(const test::HttpResult& result, const char* name)
    {
        return QJsonDocument::fromJson(result.body)
            .object()
            .value(QLatin1StringView(name))
            .toString()
            .toStdString();
    }

    SnapshotPtr world = test::makeWorld(6, 3);
    std::unique_ptr<test::TestServer> m_server;
};

} // namespace

TEST_F(Locator, AnswersWithSynapsesStatusCodes)
{
    serve();
    auto r = get(QStringLiteral("/?id=org-1"));
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(field(r, "cell"), "us1");
    EXPECT_EQ(field(get(QStringLiteral("/?id=2&locality=us")), "cell"), "us2");
    EXPECT_EQ(field(get(QStringLiteral("/?id=00000000000000000000000000000003")), "cell"), "de1");
    r = get(QStringLiteral("/?id=org-404"));
    EXPECT_EQ(r.status, 404);
    EXPECT_EQ(field(r, "error_message"), "no cell found for organization");
    r = get(QStringLiteral("/?id=org-1&locality=de"));
    EXPECT_EQ(r.status, 404);
    EXPECT_EQ(field(r, "error_message"), "requested locality does not match the cell's locality");
    EXPECT_EQ(field(get(QStringLiteral("/?id=org-404&locality=de")), "cell"), "de1"); // default cell
    EXPECT_EQ(get(QStringLiteral("/?locality=us")).status, 400);
    EXPECT_EQ(get(QStringLiteral("/health")).status, 200);
    EXPECT_EQ(get(QStringLiteral("/ready")).status, 200);
    EXPECT_EQ(get(QStringLiteral("/locator?id=org-1")).status, 404);
    EXPECT_EQ(test::httpGet(m_server->url(QStringLiteral("/?id=org-1")), {}, "POST").status, 405);

    world.reset(); // not ready yet
    r = get(QStringLiteral("/?id=org-1"));
    EXPECT_EQ(r.status, 503);
    EXPECT_EQ(field(r, "error_message"), "the locator is not ready yet");
    EXPECT_EQ(get(QStringLiteral("/ready")).status, 503);
    EXPECT_EQ(get(QStringLiteral("/health")).status, 200);
    EXPECT_EQ(field(get(QStringLiteral("/?id=org-1&locality=de")), "cell"), "de1"); // not ready: the default
    EXPECT_EQ(m_server->log.size(), 15u);                                           // one line per request
    EXPECT_NE(m_server->log[0].find(" GET /?id=org-1 200 "), std::string::npos) << m_server->log[0];
}

TEST_F(Locator, SurvivesOversizedMalformedAndSlowRequests)
{
    HttpLimits limits;
    limits.maxRequestBytes = 4096;
    limits.requestTimeout = 300ms;
    serve(limits);
    const quint16 port = m_server->port();

    // Oversized: a 1 MB header is cut off at the limit.
    const auto oversized = test::rawExchange(
        port, "GET /?id=org-1 HTTP/1.1\r\nHost: x\r\nX-Junk: " + QByteArray(1 << 20, 'a') + "\r\n\r\n");
    EXPECT_TRUE(oversized.closedByServer);
    EXPECT_TRUE(oversized.received.isEmpty());
    // Malformed: not HTTP at all.
    const auto malformed = test::rawExchange(port, QByteArray("\x16\x03\x01 hello\r\n\r\n", 13));
    EXPECT_TRUE(malformed.closedByServer);
    const auto badChunk =
        test::rawExchange(port, "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nZZZ\r\n");
    EXPECT_TRUE(badChunk.closedByServer) << badChunk.received.toStdString();
    // Slow: half a request, then nothing; closed after the request timeout.
    const auto slow = test::rawExchange(port, "GET /?id=org-1 HTTP/1.1\r\nHost:", 3000);
    EXPECT_TRUE(slow.closedByServer);
    EXPECT_TRUE(slow.received.isEmpty());

    // A well-formed raw request still gets its answer, and the server still serves.
    const auto fine =
        test::rawExchange(port, "GET /?id=org-1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 1000);
    EXPECT_TRUE(fine.received.startsWith("HTTP/1.1 200")) << fine.received.toStdString();
    EXPECT_EQ(field(get(QStringLiteral("/?id=org-1")), "cell"), "us1");
    test::waitUntil([&] { return m_server->service.openConnections() <= 1; }, 2000);
    EXPECT_LE(m_server->service.openConnections(), 1);

    std::string log;
    for (const auto& line : m_server->log)
        log += line + "\n";
    EXPECT_NE(log.find("closed: request larger than 4096 bytes"), std::string::npos) << log;
    EXPECT_NE(log.find("closed: malformed request"), std::string::npos) << log;
    EXPECT_NE(log.find("closed: no complete request within 300 ms"), std::string::npos) << log;
}

TEST_F(Locator, VerifyComparesWithARunningLocator)
{
    serve();
    const QUrl url = m_server->url();
    EXPECT_FALSE(verifyWithLocator(*world, url, "org-1"));
    EXPECT_FALSE(verifyWithLocator(*world, url, "org-404")); // neither knows it
    EXPECT_FALSE(verifyWithLocator(*world, url, "org-1", "us"));

    // Cellscope's world moved org-1 to de1 (mid-relocation); the running locator still says us1.
    const SnapshotPtr moved = test::orgOneInDe1();
    const auto warning = verifyWithLocator(*moved, url, "org-1");
    ASSERT_TRUE(warning);
    EXPECT_EQ(warning->code, "locator_disagrees");
    EXPECT_NE(warning->message.find("cell de1"), std::string::npos) << warning->message;
    EXPECT_NE(warning->message.find("answers cell us1"), std::string::npos) << warning->message;

    world.reset();
    const auto notReady = verifyWithLocator(*moved, url, "org-1");
    ASSERT_TRUE(notReady);
    EXPECT_NE(notReady->message.find("HTTP 503 (the locator is not ready yet)"), std::string::npos)
        << notReady->message;

    m_server.reset();
    EXPECT_THROW(verifyWithLocator(*moved, url, "org-1", {}, 1s), Error);
}

TEST(CellProbe, ReportsReachabilityAndLatencyConcurrently)
{
    test::ensureApp();
    test::TestServer healthy([](const HttpRequest& request) {
        return request.url.path() == QStringLiteral("/_health/") ? HttpReply{200, "{}"}
                                                                 : HttpReply{404, "{}"};
    });
    QTcpServer silent; // accepts and never answers
    ASSERT_TRUE(silent.listen(QHostAddress::LocalHost, 0));
    QTcpServer closed;
    ASSERT_TRUE(closed.listen(QHostAddress::LocalHost, 0));
    const quint16 closedPort = closed.serverPort();
    closed.close();

    SnapshotBuilder builder;
    const std::vector<std::pair<std::string, std::string>> cells{
        {"up", healthy.service.url().toString().toStdString()},
        {"slow", "http://127.0.0.1:" + std::to_string(silent.serverPort())},
        {"down", "http://127.0.0.1:" + std::to_string(closedPort)},
        {"nowhere", ""}};
    std::vector<std::string> names;
    for (const auto& [name, address] : cells) {
        Cell cell;
        cell.name = name;
        cell.address = address;
        builder.addCell(cell);
        names.push_back(name);
    }
    Locality locality;
    locality.name = "us";
    builder.addLocality(locality, names);
    const SnapshotPtr world = builder.finish();

    ProbeOptions options;
    options.timeout = 500ms;
    QElapsedTimer clock;
    clock.start();
    const auto probes = probeCells(*world, options);
    EXPECT_LT(clock.elapsed(), 3000); // concurrently: one timeout, not the sum
    ASSERT_EQ(probes.size(), 4u);
    EXPECT_TRUE(probes[0].healthy());
    EXPECT_EQ(probes[0].httpStatus, 200);
    EXPECT_GT(probes[0].latencyMs, 0);
    EXPECT_EQ(probes[0].url, healthy.service.url().toString().toStdString() + "_health/");
    EXPECT_FALSE(probes[1].reachable);
    EXPECT_EQ(probes[1].error, "no answer within 500 ms");
    EXPECT_FALSE(probes[2].reachable);
    EXPECT_NE(probes[2].error.find("refused"), std::string::npos) << probes[2].error;
    EXPECT_EQ(probes[3].error, "no address configured");

    options.healthPath = "/elsewhere";
    EXPECT_EQ(probeCells(*world, options)[0].httpStatus, 404);
}
