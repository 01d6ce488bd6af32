// Synapse's protocol pieces without a network: cursor, signature, paging order, locator lookups.
#include "core/net/control_api_source.h"
#include "core/net/http_service.h"
#include "core/net/locator.h"
#include "core/net/mapping_table.h"
#include "core/net/synapse_protocol.h"
#include "core/util/error.h"
#include "tests/support/net_test_support.h"

#include <QFile>
#include <QTemporaryDir>

#include <gtest/gtest.h>

using namespace cellscope;
using namespace cellscope::net;

TEST(SynapseProtocol, CursorRoundTripsAndReadsSentrysForms)
{
    const Cursor cursor{1700000000, 42};
    EXPECT_EQ(decodeCursor(encodeCursor(cursor)), cursor);
    // What Python's json.dumps + base64 produce (id as string, as Sentry writes it; and as a number).
    EXPECT_EQ(decodeCursor("eyJpZCI6ICI0MiIsICJ1cGRhdGVkX2F0IjogMTcwMDAwMDAwMH0="), cursor);
    EXPECT_EQ(decodeCursor("eyJpZCI6IDQyLCAidXBkYXRlZF9hdCI6ICIxNzAwMDAwMDAwIn0="), cursor);
    EXPECT_FALSE(decodeCursor("not base64!"));
    EXPECT_FALSE(decodeCursor(QByteArray("{}").toBase64()));
    EXPECT_FALSE(decodeCursor(QByteArray(R"({"id": "x", "updated_at": 1})").toBase64()));
    EXPECT_FALSE(decodeCursor(QByteArray("[1, 2]").toBase64()));
    // A number no 64-bit id can be is refused, not cast (undefined behaviour).
    EXPECT_FALSE(decodeCursor(QByteArray(R"({"id": 1e300, "updated_at": 1})").toBase64()));
    EXPECT_FALSE(decodeCursor(QByteArray(R"({"id": 1, "updated_at": -1e19})").toBase64()));
}

TEST(SynapseProtocol, SignatureMatchesPythonsHmac)
{
    // hmac.new(b"s3cret", b"/api/0/internal/org-cell-mappings/:", hashlib.sha256).hexdigest()
    const QByteArray expected = "synapse0:b6312809db3cf3d9d3f50147ff16d330058cb58c1870c31c898136c3049d64e6";
    EXPECT_EQ(requestSignature("s3cret", "/api/0/internal/org-cell-mappings/", ""), expected);
    EXPECT_TRUE(
        verifyAuthorization("Signature " + expected, "s3cret", "/api/0/internal/org-cell-mappings/", ""));
    EXPECT_TRUE(
        verifyAuthorization("signature " + expected, "s3cret", "/api/0/internal/org-cell-mappings/", ""));
    EXPECT_FALSE(
        verifyAuthorization("Signature " + expected, "other", "/api/0/internal/org-cell-mappings/", ""));
    EXPECT_FALSE(verifyAuthorization("Signature " + expected, "s3cret",
                                     "/api/0/internal/projectkey-cell-mappings/", ""));
    EXPECT_FALSE(
        verifyAuthorization("Signature total:trash", "s3cret", "/api/0/internal/org-cell-mappings/", ""));
    EXPECT_FALSE(
        verifyAuthorization("Bearer " + expected, "s3cret", "/api/0/internal/org-cell-mappings/", ""));
    EXPECT_FALSE(verifyAuthorization("Signature " + expected, "", "/api/0/internal/org-cell-mappings/", ""));
    EXPECT_TRUE(isRetryableStatus(429) && isRetryableStatus(504) && !isRetryableStatus(501) &&
                !isRetryableStatus(401));
}

// SYNAPSE_HMAC_SECRET may list secrets for rotation: a client signs with the first, a server accepts
// any, blanks around commas and empty entries are ignored.
TEST(SynapseProtocol, RotatedSecretsSignWithTheFirstAndVerifyWithAny)
{
    const QByteArray path = "/api/0/internal/org-cell-mappings/";
    EXPECT_EQ(hmacSecrets(" new , old,,").size(), 2u);
    EXPECT_EQ(authorizationHeader("new, old", path, "body"), authorizationHeader("new", path, "body"));
    const QByteArray byOld = authorizationHeader("old", path, "body");
    const QByteArray byNew = authorizationHeader("new", path, "body");
    EXPECT_TRUE(verifyAuthorization(byOld, "new, old", path, "body"));
    EXPECT_TRUE(verifyAuthorization(byNew, "new, old", path, "body"));
    EXPECT_FALSE(verifyAuthorization(byOld, "new", path, "body"));
    EXPECT_FALSE(verifyAuthorization(authorizationHeader("retired", path, "body"), "new, old", path, "body"));
    EXPECT_FALSE(verifyAuthorization(byNew, " , ", path, "body"));
}

TEST(SynapseProtocol, ListenAddresses)
{
    EXPECT_EQ(parseListenAddress("127.0.0.1:3000").port, 3000);
    EXPECT_EQ(parseListenAddress("localhost:0").host, QHostAddress(QHostAddress::LocalHost));
    EXPECT_EQ(parseListenAddress(":8000").host, QHostAddress(QHostAddress::LocalHost));
    EXPECT_EQ(parseListenAddress("[::1]:9").host, QHostAddress(QHostAddress::LocalHostIPv6));
    EXPECT_EQ(parseListenAddress("0.0.0.0:1").host, QHostAddress(QHostAddress::AnyIPv4));
    for (const char* bad : {"3000", "127.0.0.1:70000", "127.0.0.1:x", "example.com:80"})
        EXPECT_THROW(parseListenAddress(bad), Error) << bad;
}

TEST(MappingTable, PagesInSentrysOrderStrictlyAfterTheCursor)
{
    MemoryMappingTable table;
    // Inserted out of order; two rows share a second, so the row id breaks the tie.
    table.upsert(MappingKind::Organization, {3, 200, "30", "c", "us1"});
    table.upsert(MappingKind::Organization, {1, 100, "10", "a", "de1"});
    table.upsert(MappingKind::Organization, {2, 200, "20", "b", "us2"});
    table.upsert(MappingKind::Organization, {4, 150, "40", "d", "us1"});
    auto ids = [](const MappingPage& page) {
        std::string out;
        for (const auto& row : page.rows)
            out += row.id + " ";
        return out;
    };
    MappingPage page = table.page(MappingKind::Organization, std::nullopt, std::nullopt, 2);
    EXPECT_EQ(ids(page), "10 40 ");
    EXPECT_TRUE(page.hasMore);
    page = table.page(MappingKind::Organization, std::nullopt, Cursor{150, 4}, 2);
    EXPECT_EQ(ids(page), "20 30 ");
    EXPECT_FALSE(page.hasMore);
    page = table.page(MappingKind::Organization, std::nullopt, Cursor{200, 2}, 10);
    EXPECT_EQ(ids(page), "30 ");
    EXPECT_EQ(ids(table.page(MappingKind::Organization, std::vector<std::string>{"us1"}, std::nullopt, 10)),
              "40 30 ");
    EXPECT_TRUE(
        table.page(MappingKind::Organization, std::vector<std::string>{}, std::nullopt, 10).rows.empty());
    // An update moves the row behind everything older.
    table.upsert(MappingKind::Organization, {1, 300, "10", "a", "us2"});
    EXPECT_EQ(ids(table.page(MappingKind::Organization, std::nullopt, Cursor{200, 3}, 10)), "10 ");
    EXPECT_EQ(table.size(MappingKind::Organization), 4u);
}

TEST(Locate, FollowsSynapsesRules)
{
    const SnapshotPtr world = test::makeWorld(6, 3);
    const DefaultCells defaults{{"de", "de1"}};
    LocateResult r = locate(world.get(), "1", "");
    EXPECT_EQ(r.status, LocateStatus::Found);
    EXPECT_EQ(r.cell, "us1");
    EXPECT_EQ(locate(world.get(), "org-2", "us").cell, "us2");
    EXPECT_EQ(locate(world.get(), "00000000000000000000000000000003", "de").cell, "de1");
    r = locate(world.get(), "org-1", "de");
    EXPECT_EQ(r.status, LocateStatus::LocalityMismatch);
    EXPECT_EQ(r.actualLocality, "us");
    EXPECT_EQ(locate(world.get(), "org-99", "").status, LocateStatus::NoCell);
    r = locate(world.get(), "org-99", "de", defaults);
    EXPECT_EQ(r.status, LocateStatus::Found);
    EXPECT_TRUE(r.usedDefault);
    EXPECT_EQ(locate(nullptr, "org-1", "").status, LocateStatus::NotReady);
    EXPECT_EQ(locate(nullptr, "org-1", "de", defaults).cell, "de1");
    EXPECT_EQ(locateHttpStatus(LocateStatus::NotReady), 503);
    EXPECT_EQ(locateMessage(LocateStatus::NoCell), "no cell found for organization");
}

TEST(ControlSettings, ReadsTheControlAndCellsSections)
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("cellscope.ini"));
    QFile file(path);
    ASSERT_TRUE(file.open(QIODevice::WriteOnly));
    file.write("[databases]\ncontrol = dbname=x\n"
               "[control]\nlocalities = us, de\nrefresh_seconds = 5\nbackup_file = /tmp/b.json\n"
               "app_host = example.io\nmonolith_cell = us1\n"
               "[cells]\nus1 = http://us1.internal:8000\nde1 = https://de1.internal\n");
    file.close();
    const ControlSettings settings = readControlSettings(path.toStdString());
    EXPECT_EQ(settings.localities, (std::vector<std::string>{"us", "de"}));
    EXPECT_EQ(settings.refreshInterval, std::chrono::seconds(5));
    EXPECT_EQ(settings.backupFile, "/tmp/b.json");
    EXPECT_EQ(settings.appHost, "example.io");
    EXPECT_EQ(settings.monolithCell, "us1");
    EXPECT_EQ(settings.cellAddresses.at("de1"), "https://de1.internal");
    EXPECT_EQ(readControlSettings("/nonexistent/cellscope.ini").refreshInterval, std::chrono::seconds(60));

    ASSERT_TRUE(file.open(QIODevice::WriteOnly | QIODevice::Truncate));
    file.write("[control]\nrefresh_seconds = soon\n");
    file.close();
    EXPECT_THROW(readControlSettings(path.toStdString()), Error);
    EXPECT_THROW(controlApiOptions("ftp://control", {}), Error);
    EXPECT_THROW(controlApiOptions("not a url", {}), Error);
    EXPECT_EQ(controlApiOptions("http://control.internal:8000", {}).url.port(), 8000);
    EXPECT_EQ(backupPathFor(QUrl(QStringLiteral("http://control.internal:8000"))).substr(0, 1), "/");
}
