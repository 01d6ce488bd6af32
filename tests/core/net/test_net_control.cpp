// The control-API client (ControlApiSource) against the project's own control-API server, on
// loopback: full and incremental pulls, paging, signatures, retries, timeouts, broken pages, and
// control being down at start with and without a backup snapshot.
#include "core/net/control_api_server.h"
#include "core/net/control_api_source.h"
#include "core/snapshot/json_snapshot.h"
#include "core/util/error.h"
#include "tests/support/net_test_support.h"

#include <QElapsedTimer>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QUrlQuery>

#include <gtest/gtest.h>

using namespace cellscope;
using namespace cellscope::net;
using namespace std::chrono_literals;

namespace {

const QByteArray kSecret = "test-secret";

class ControlApi : public ::testing::Test
{
protected:
    void SetUp() override
    {
        test::ensureApp();
        ASSERT_TRUE(m_dir.isValid());
    }

    // Serves `table`; `fault` may answer a request instead (given the request's 0-based number).
    void serve(std::shared_ptr<MappingTable> table, const ControlTopology& topology,
               std::function<std::optional<HttpReply>(const HttpRequest&, int)> fault = {})
    {
        HttpHandler real = controlApiHandler(std::move(table), topology, kSecret);
        m_server = std::make_unique<test::TestServer>([this, real, fault](const HttpRequest& request) {
            queries.push_back(QUrlQuery(request.url.query()));
            paths.push_back(request.url.path());
            const int number = static_cast<int>(queries.size()) - 1;
            if (fault)
                if (auto reply = fault(request, number))
                    return *reply;
            return real(request);
        });
    }
    void serveWorld(const SnapshotPtr& world,
                    std::function<std::optional<HttpReply>(const HttpRequest&, int)> fault = {})
    {
        serve(MemoryMappingTable::fromSnapshot(*world), controlTopology(*world), std::move(fault));
    }

    ControlApiOptions options(QUrl url = {}) const
    {
        ControlApiOptions o;
        o.url = url.isEmpty() ? m_server->service.url() : url;
        o.secret = kSecret;
        o.settings.backupFile = backupFile();
        o.timeout = 5s;
        return o;
    }
    std::string backupFile() const { return m_dir.filePath(QStringLiteral("backup.json")).toStdString(); }

    // A loopback port with nothing listening on it.
    static QUrl deadUrl()
    {
        QTcpServer probe;
        probe.listen(QHostAddress::LocalHost, 0);
        const quint16 port = probe.serverPort();
        probe.close();
        return QUrl(QStringLiteral("http://127.0.0.1:%1").arg(port));
    }

    static ErrorCode codeOf(const std::function<void()>& call, std::string& message)
    {
        try {
            call();
        } catch (const Error& e) {
            message = e.what();
            return e.code();
        }
        ADD_FAILURE() << "no Error thrown";
        return ErrorCode::Internal;
    }

    std::vector<QUrlQuery> queries;
    std::vector<QString> paths;
    QTemporaryDir m_dir;
    std::unique_ptr<test::TestServer> m_server;
};

std::string cellOf(const Snapshot& s, std::string_view idOrSlug)
{
    const auto org = s.findOrg(idOrSlug);
    return org ? std::string(s.cellName(s.org(*org).cell)) : std::string("(none)");
}

} // namespace

TEST_F(ControlApi, FullPullBuildsTheWorldAndWritesTheBackup)
{
    serveWorld(test::makeWorld(30, 12));
    ControlApiOptions o = options();
    o.settings.cellAddresses["us1"] = "http://us1.example:8000";
    o.settings.monolithCell = "us1";
    ControlApiSource source(o);
    const SnapshotPtr s = source.load();
    EXPECT_EQ(s->organizations().size(), 30u);
    EXPECT_EQ(s->projectKeys().size(), 12u);
    EXPECT_EQ(cellOf(*s, "org-7"), "us1");
    EXPECT_EQ(cellOf(*s, "8"), "us2");
    ASSERT_TRUE(s->findLocality("de"));
    EXPECT_EQ(s->localityOfCell(*s->findCell("de1"))->name, "de");
    EXPECT_EQ(s->cells()[*s->findCell("us1")].address, "http://us1.example:8000");
    EXPECT_EQ(s->monolithCell(), s->findCell("us1"));
    ASSERT_TRUE(s->findProjectKey("0000000000000000000000000000000c"));
    EXPECT_FALSE(source.usingBackup());
    EXPECT_EQ(source.requestCount(), 2);
    EXPECT_EQ(paths[0], QStringLiteral("/api/0/internal/org-cell-mappings/"));
    EXPECT_EQ(paths[1], QStringLiteral("/api/0/internal/projectkey-cell-mappings/"));
    EXPECT_FALSE(queries[0].hasQueryItem(QStringLiteral("cursor"))); // a full pull
    const SnapshotPtr backup = loadSnapshotJsonFile(backupFile());
    EXPECT_EQ(backup->organizations().size(), 30u);
    EXPECT_EQ(backup->projectKeys().size(), 12u);
}

TEST_F(ControlApi, PagesThroughMoreThan25000Rows)
{
    serveWorld(test::makeWorld(25'500, 25'500));
    ControlApiOptions o = options();
    o.perPage = 1000;
    ControlApiSource source(o);
    const SnapshotPtr s = source.load();
    EXPECT_EQ(s->organizations().size(), 25'500u);
    EXPECT_EQ(s->projectKeys().size(), 25'500u);
    EXPECT_EQ(cellOf(*s, "org-25500"), "de1");
    EXPECT_EQ(source.requestCount(), 52); // 26 pages per endpoint
    for (std::size_t i = 1; i < 26; ++i)  // every later page continues from the cursor before it
        EXPECT_TRUE(queries[i].hasQueryItem(QStringLiteral("cursor"))) << i;
}

TEST_F(ControlApi, LocalityFilterIsSentAndHonoured)
{
    serveWorld(test::makeWorld(30, 0));
    ControlApiOptions o = options();
    o.settings.localities = {"de"};
    const SnapshotPtr s = ControlApiSource(o).load();
    EXPECT_EQ(s->organizations().size(), 10u);
    EXPECT_EQ(queries[0].allQueryItemValues(QStringLiteral("locality")), QStringList{QStringLiteral("de")});
    EXPECT_EQ(cellOf(*s, "org-3"), "de1");
    EXPECT_EQ(cellOf(*s, "org-1"), "(none)");
}

TEST_F(ControlApi, IncrementalPullsContinueFromTheCursor)
{
    auto table = std::make_shared<MemoryMappingTable>();
    for (int i = 1; i <= 20; ++i)
        table->upsert(MappingKind::Organization,
                      {i, 1000 + i, std::to_string(i), "org-" + std::to_string(i), i % 2 ? "us1" : "us2"});
    const SnapshotPtr world = test::makeWorld(0, 0);
    serve(table, controlTopology(*world));
    ControlApiSource source(options());
    int changes = 0;
    QObject::connect(&source, &ControlApiSource::snapshotChanged, [&] { ++changes; });
    source.start();
    ASSERT_TRUE(test::waitUntil([&] { return changes == 1; }));
    EXPECT_EQ(source.snapshot()->organizations().size(), 20u);
    const QString fullCursor = queries[0].queryItemValue(QStringLiteral("cursor"));
    EXPECT_TRUE(fullCursor.isEmpty());

    // Org 5 moves to de1; org 1 is renamed and org 2 takes its old slug; org 21 appears.
    table->upsert(MappingKind::Organization, {5, 2000, "5", "org-5", "de1"});
    table->upsert(MappingKind::Organization, {1, 2001, "1", "renamed", "us1"});
    table->upsert(MappingKind::Organization, {2, 2002, "2", "org-1", "us2"});
    table->upsert(MappingKind::Organization, {21, 2003, "21", "org-21", "de1"});
    const std::size_t before = queries.size();
    source.refreshNow();
    ASSERT_TRUE(test::waitUntil([&] { return changes == 2; }));
    const auto sent =
        decodeCursor(queries[before].queryItemValue(QStringLiteral("cursor"), QUrl::FullyDecoded).toUtf8());
    ASSERT_TRUE(sent);
    EXPECT_EQ(*sent, (Cursor{1020, 20})); // the last row of the full pull
    const SnapshotPtr s = source.snapshot();
    EXPECT_EQ(s->organizations().size(), 21u);
    EXPECT_EQ(cellOf(*s, "5"), "de1");
    EXPECT_EQ(s->org(*s->findOrgBySlug("org-1")).id, 2);
    EXPECT_EQ(s->org(*s->findOrgBySlug("renamed")).id, 1);
    EXPECT_FALSE(s->findOrgBySlug("org-2"));

    // Nothing new: an empty page, so the next pull still starts from the same cursor.
    for (int pull = 0; pull < 2; ++pull) {
        ASSERT_TRUE(test::waitUntil([&] { return !source.pulling(); }));
        source.refreshNow();
    }
    ASSERT_TRUE(test::waitUntil([&] { return !source.pulling(); }));
    const std::size_t n = queries.size();
    ASSERT_GE(n, 4u);
    EXPECT_EQ(queries[n - 2].queryItemValue(QStringLiteral("cursor")),
              queries[n - 4].queryItemValue(QStringLiteral("cursor")));
    EXPECT_EQ(
        decodeCursor(queries[n - 2].queryItemValue(QStringLiteral("cursor"), QUrl::FullyDecoded).toUtf8()),
        (Cursor{2003, 21}));
    EXPECT_EQ(changes, 2); // no new snapshot for a pull that changed nothing
    source.stop();
}

// A refresh asked for while a pull still holds on — here from the very signal that delivers its
// snapshot — is not dropped: it runs right after, and sees the change made meanwhile.
TEST_F(ControlApi, ARefreshAskedDuringAPullRunsAfterIt)
{
    auto table = std::make_shared<MemoryMappingTable>();
    table->upsert(MappingKind::Organization, {1, 1001, "1", "org-1", "us1"});
    serve(table, controlTopology(*test::makeWorld(0, 0)));
    ControlApiSource source(options());
    int changes = 0;
    QObject::connect(&source, &ControlApiSource::snapshotChanged, [&] {
        if (++changes == 1) {
            table->upsert(MappingKind::Organization, {1, 2001, "1", "org-1", "de1"});
            source.refreshNow();
        }
    });
    source.start();
    ASSERT_TRUE(test::waitUntil([&] { return changes == 2; }));
    EXPECT_EQ(cellOf(*source.snapshot(), "1"), "de1");
    source.stop();
}

TEST_F(ControlApi, BadSignatureIsA401AndAClearError)
{
    serveWorld(test::makeWorld(3, 0));
    EXPECT_EQ(test::httpGet(m_server->url(QStringLiteral("/api/0/internal/org-cell-mappings/"))).status, 401);
    ControlApiOptions o = options();
    o.secret = "not-the-secret";
    std::string message;
    EXPECT_EQ(codeOf([&] { ControlApiSource(o).load(); }, message), ErrorCode::Permission);
    EXPECT_NE(message.find("refused the request signature (HTTP 401)"), std::string::npos) << message;
    EXPECT_NE(message.find("SYNAPSE_HMAC_SECRET"), std::string::npos) << message;
    o.secret.clear();
    EXPECT_EQ(codeOf([&] { ControlApiSource(o).load(); }, message), ErrorCode::Permission);
    EXPECT_NE(message.find("SYNAPSE_HMAC_SECRET is not set"), std::string::npos) << message;
    EXPECT_EQ(queries.size(), 3u); // a 401 is never retried
}

TEST_F(ControlApi, ServerRefusesBadParameters)
{
    serveWorld(test::makeWorld(3, 0));
    const QByteArray path = "/api/0/internal/org-cell-mappings/";
    const std::vector<std::pair<QByteArray, QByteArray>> auth{
        {"Authorization", authorizationHeader(kSecret, path, "")}};
    auto get = [&](const char* query) {
        return test::httpGet(m_server->url(QString::fromLatin1(path + query)), auth);
    };
    EXPECT_EQ(get("?per_page=10001").status, 400);
    EXPECT_EQ(get("?per_page=0").status, 400);
    EXPECT_EQ(get("?per_page=ten").status, 400);
    EXPECT_EQ(get("?cursor=garbage").status, 400);
    const test::HttpResult ok = get("?per_page=10000&locality=nowhere");
    EXPECT_EQ(ok.status, 200);
    EXPECT_TRUE(ok.body.startsWith(R"({"data":[],"metadata":{"cursor":null,"has_more":false,)"))
        << ok.body.toStdString();
    EXPECT_EQ(test::httpGet(m_server->url(QStringLiteral("/api/0/internal/nothing/")), auth).status, 404);
    EXPECT_EQ(test::httpGet(m_server->url(QString::fromLatin1(path)), auth, "POST").status, 405);
}

TEST_F(ControlApi, RetriesA503ThenSucceeds)
{
    serveWorld(test::makeWorld(9, 3), [](const HttpRequest&, int n) -> std::optional<HttpReply> {
        if (n < 2)
            return HttpReply{503, jsonObject("detail", "busy")};
        return std::nullopt;
    });
    QElapsedTimer clock;
    clock.start();
    ControlApiSource source(options()); // Synapse's own delays: 0.5 s, then 1 s
    const SnapshotPtr s = source.load();
    EXPECT_EQ(s->organizations().size(), 9u);
    EXPECT_EQ(source.requestCount(), 4);
    EXPECT_GE(clock.elapsed(), 1400);
}

TEST_F(ControlApi, GivesUpAfterThreeRetries)
{
    serveWorld(test::makeWorld(3, 0), [](const HttpRequest&, int) -> std::optional<HttpReply> {
        return HttpReply{502, jsonObject("detail", "bad gateway")};
    });
    ControlApiOptions o = options();
    o.retryDelays = {10ms, 10ms, 10ms};
    ControlApiSource source(o);
    std::string message;
    EXPECT_EQ(codeOf([&] { source.load(); }, message), ErrorCode::Unreachable);
    EXPECT_NE(message.find("HTTP 502 for org-cell-mappings page 1, also after 3 retries"), std::string::npos)
        << message;
    EXPECT_NE(message.find("no backup snapshot"), std::string::npos) << message;
    EXPECT_EQ(source.requestCount(), 4);
}

TEST_F(ControlApi, DoesNotRetryOther4xx)
{
    serveWorld(test::makeWorld(3, 0), [](const HttpRequest&, int) -> std::optional<HttpReply> {
        return HttpReply{404, jsonObject("detail", "no")};
    });
    ControlApiSource source(options());
    std::string message;
    EXPECT_EQ(codeOf([&] { source.load(); }, message), ErrorCode::BadInput);
    EXPECT_EQ(source.requestCount(), 1);
}

TEST_F(ControlApi, TimesOutOnASilentServer)
{
    QTcpServer silent; // accepts, never answers
    ASSERT_TRUE(silent.listen(QHostAddress::LocalHost, 0));
    ControlApiOptions o = options(QUrl(QStringLiteral("http://127.0.0.1:%1").arg(silent.serverPort())));
    o.timeout = 300ms;
    QElapsedTimer clock;
    clock.start();
    std::string message;
    EXPECT_EQ(codeOf([&] { ControlApiSource(o).load(); }, message), ErrorCode::Unreachable);
    EXPECT_NE(message.find("no answer within 0.3 s"), std::string::npos) << message;
    EXPECT_LT(clock.elapsed(), 5000);
}

TEST_F(ControlApi, TruncatedJsonIsAProtocolError)
{
    const SnapshotPtr world = test::makeWorld(50, 0);
    const HttpHandler real =
        controlApiHandler(MemoryMappingTable::fromSnapshot(*world), controlTopology(*world), kSecret);
    serveWorld(world, [real](const HttpRequest& request, int) -> std::optional<HttpReply> {
        HttpReply reply = real(request);
        reply.body.truncate(reply.body.size() / 2);
        return reply;
    });
    std::string message;
    EXPECT_EQ(codeOf([&] { ControlApiSource(options()).load(); }, message), ErrorCode::Unreachable);
    EXPECT_NE(message.find("sent malformed JSON"), std::string::npos) << message;
    EXPECT_NE(message.find("org-cell-mappings page 1"), std::string::npos) << message;
}

TEST_F(ControlApi, HasMoreWithoutCursorIsAnError)
{
    serveWorld(test::makeWorld(3, 0), [](const HttpRequest&, int) -> std::optional<HttpReply> {
        return HttpReply{
            200, R"({"data": [], "metadata": {"cursor": null, "has_more": true, "cell_to_locality": {}}})"};
    });
    ControlApiSource source(options());
    std::string message;
    EXPECT_EQ(codeOf([&] { source.load(); }, message), ErrorCode::Unreachable);
    EXPECT_NE(message.find("has_more without a cursor"), std::string::npos) << message;
    EXPECT_EQ(source.requestCount(), 1);
}

// What a broken or hostile control plane sends is bounded: more rows than per_page, a page larger
// than the byte cap, and more pages than the cap (has_more forever) are each a protocol error.
TEST_F(ControlApi, PageSizeBytesAndCountAreCapped)
{
    const SnapshotPtr world = test::makeWorld(50, 0);
    serveWorld(world);
    ControlApiOptions small = options();
    small.perPage = 10;
    small.maxPages = 2; // 50 organizations need 5 pages of 10
    std::string message;
    EXPECT_EQ(codeOf([&] { ControlApiSource(small).load(); }, message), ErrorCode::Unreachable);
    EXPECT_NE(message.find("more than 2 pages in one pull"), std::string::npos) << message;

    // The server answers with more rows than asked for: refused.
    serveWorld(world, [](const HttpRequest&, int) -> std::optional<HttpReply> {
        QByteArray rows;
        for (int i = 1; i <= 20; ++i)
            rows += (rows.isEmpty() ? "" : ",") + QByteArray(R"({"id": ")") + QByteArray::number(i) +
                    R"(", "slug": "o)" + QByteArray::number(i) + R"(", "cell": "us1"})";
        return HttpReply{
            200, R"({"data": [)" + rows +
                     R"(], "metadata": {"cursor": null, "has_more": false, "cell_to_locality": {}}})"};
    });
    ControlApiOptions fewRows = options();
    fewRows.perPage = 10;
    EXPECT_EQ(codeOf([&] { ControlApiSource(fewRows).load(); }, message), ErrorCode::Unreachable);
    EXPECT_NE(message.find("a page of 20 rows, more than the 10 asked for"), std::string::npos) << message;

    serveWorld(world, [](const HttpRequest&, int) -> std::optional<HttpReply> {
        return HttpReply{200, QByteArray(100'000, ' ') + "{}"};
    });
    ControlApiOptions fewBytes = options();
    fewBytes.maxPageBytes = 1000;
    EXPECT_EQ(codeOf([&] { ControlApiSource(fewBytes).load(); }, message), ErrorCode::Unreachable);
    EXPECT_NE(message.find("a page of more than 1000 bytes"), std::string::npos) << message;
}

TEST_F(ControlApi, ControlDownAtStartWithoutBackupFails)
{
    ControlApiSource source(options(deadUrl()));
    std::string message;
    EXPECT_EQ(codeOf([&] { source.load(); }, message), ErrorCode::Unreachable);
    EXPECT_NE(message.find("is unreachable: Connection refused"), std::string::npos) << message;
    EXPECT_NE(message.find("no backup snapshot at " + backupFile()), std::string::npos) << message;
}

TEST_F(ControlApi, ControlDownAtStartUsesTheBackupAndSaysSo)
{
    serveWorld(test::makeWorld(12, 4));
    ControlApiSource(options()).load(); // writes the backup
    m_server.reset();

    ControlApiSource source(options(deadUrl()));
    std::string notice;
    const SnapshotPtr s = source.load([&](std::string_view text) { notice += std::string(text) + "\n"; });
    EXPECT_EQ(s->organizations().size(), 12u);
    EXPECT_TRUE(source.usingBackup());
    EXPECT_NE(notice.find("USING THE BACKUP SNAPSHOT"), std::string::npos) << notice;
    EXPECT_NE(notice.find("unreachable"), std::string::npos) << notice;

    // The asynchronous source does the same, and stays on the backup until control answers.
    ControlApiSource live(options(deadUrl()));
    live.start();
    ASSERT_TRUE(test::waitUntil([&] { return live.snapshot() != nullptr; }));
    EXPECT_TRUE(live.usingBackup());
    EXPECT_NE(live.statusText().find("USING THE BACKUP SNAPSHOT"), std::string::npos) << live.statusText();
    live.stop();
}

TEST_F(ControlApi, AsyncSourceBecomesReadyWhenControlComesUp)
{
    // Control is down and there is no backup: not ready, retried every refresh interval.
    QTcpServer reserve;
    ASSERT_TRUE(reserve.listen(QHostAddress::LocalHost, 0));
    const quint16 port = reserve.serverPort();
    reserve.close();
    ControlApiOptions o = options(QUrl(QStringLiteral("http://127.0.0.1:%1").arg(port)));
    o.settings.refreshInterval = 1s;
    ControlApiSource source(o);
    source.start();
    ASSERT_TRUE(
        test::waitUntil([&] { return source.statusText().find("no backup snapshot") != std::string::npos; }));
    EXPECT_EQ(source.snapshot(), nullptr);

    const SnapshotPtr world = test::makeWorld(6, 0);
    HttpService control(
        controlApiHandler(MemoryMappingTable::fromSnapshot(*world), controlTopology(*world), kSecret), {});
    control.start(ListenAddress{QHostAddress(QHostAddress::LocalHost), port});
    ASSERT_TRUE(test::waitUntil([&] { return source.snapshot() != nullptr; }, 5000));
    EXPECT_EQ(source.snapshot()->organizations().size(), 6u);
    EXPECT_FALSE(source.usingBackup());
    EXPECT_EQ(source.statusText().find("live from"), 0u) << source.statusText();
    source.stop();
}
