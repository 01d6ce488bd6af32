// Bulk replay: line formats, counts, and agreement of the per-line classification with trace().
#include "core/routing/replay.h"
#include "core/routing/trace.h"
#include "core/snapshot/snapshot.h"
#include "core/util/error.h"
#include "tests/core/routing/routing_test_world.h"

#include <QBuffer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <gtest/gtest.h>

#include <sys/resource.h>

#include <random>
#include <set>

using namespace cellscope;
using namespace cellscope::routing;

namespace {

class ReplayTest : public testworld::RoutingWorldTest
{
protected:
    static std::uint64_t status(const ReplayReport& report, Status s)
    {
        return report.byStatus[static_cast<std::size_t>(s)];
    }
    static std::uint64_t warnings(const ReplayReport& report, WarningCode code)
    {
        return report.byWarning[static_cast<std::size_t>(code)];
    }
    static std::uint64_t cell(const ReplayReport& report, const std::string& name)
    {
        for (const auto& [cellName, count] : report.byCell)
            if (cellName == name)
                return count;
        return 0;
    }
};

std::string combined(const std::string& method, const std::string& target)
{
    return "203.0.113.7 - - [11/Jun/2024:10:00:00 +0000] \"" + method + " " + target +
           " HTTP/1.1\" 200 512 \"-\" \"sentry.javascript/8.0\"";
}

} // namespace

TEST_F(ReplayTest, CountsByStatusCellWarningAndEndpoint)
{
    Replayer replayer(*s_world, *s_catalog, {LogFormat::Url, "", 3});
    for (int i = 0; i < 3; ++i)
        replayer.add("https://us.sentry.io/api/0/organizations/globex/issues/");
    for (int i = 0; i < 5; ++i)
        replayer.add("https://us.sentry.io/api/0/organizations/");
    replayer.add("https://us.sentry.io/api/0/relocations/");
    replayer.add("https://us.sentry.io/api/0/relocations/");
    replayer.add("/api/0/issues/12/"); // bare path: the app host
    replayer.add("https://us.sentry.io/api/0/no-org-here/");
    replayer.add("https://sentry.io/api/0/organizations/nope/");
    replayer.add("");
    replayer.add("not a line we can read");
    const ReplayReport report = replayer.report();
    EXPECT_EQ(report.lines, 14u);
    EXPECT_EQ(report.malformed, 1u);
    EXPECT_EQ(status(report, Status::Routed), 3u);
    EXPECT_EQ(status(report, Status::Unroutable), 8u);
    EXPECT_EQ(status(report, Status::Pinned), 1u);
    EXPECT_EQ(status(report, Status::NotFound), 1u);
    EXPECT_EQ(cell(report, "us2"), 3u);
    EXPECT_EQ(cell(report, "us1"), 1u);
    EXPECT_EQ(warnings(report, WarningCode::PartialResults), 5u);
    EXPECT_EQ(warnings(report, WarningCode::KnownIssue), 7u);
    EXPECT_EQ(warnings(report, WarningCode::PinnedMay404), 1u);
    ASSERT_EQ(report.topEndpoints.size(), 3u);
    EXPECT_EQ(report.topEndpoints[0].name, "sentry-api-0-organizations");
    EXPECT_EQ(report.topEndpoints[0].unroutable, 5u);
    EXPECT_EQ(report.topEndpoints[0].backlogAction, "TO_BE_CONTROL_ONLY");
    EXPECT_EQ(report.topEndpoints[1].name, "sentry-api-0-relocations-index");
    EXPECT_EQ(report.topEndpoints[2].name, "sentry-api-0-group-details");
    EXPECT_EQ(report.topEndpoints[2].pinned, 1u);
    EXPECT_EQ(report.unroutableWithoutEndpoint, 1u);
}

TEST_F(ReplayTest, CombinedLogLinesUseTheDefaultHostUnlessAbsolute)
{
    Replayer replayer(*s_world, *s_catalog, {LogFormat::Combined, "de.sentry.io", 10});
    replayer.add(combined("GET", "/api/0/organizations/bergwerk/issues/?query=is:unresolved"));
    replayer.add(combined("GET", "https://us.sentry.io/api/0/organizations/acme/"));
    replayer.add(combined("POST", "/api/0/organizations/"));
    replayer.add("203.0.113.7 - - [11/Jun/2024:10:00:00 +0000] \"-\" 400 0 \"-\" \"-\"");
    replayer.add("203.0.113.7 - - [11/Jun/2024:10:00:00 +0000] \"GET /unterminated");
    replayer.add("/api/0/organizations/acme/"); // a URL line is malformed in combined format
    const ReplayReport report = replayer.report();
    EXPECT_EQ(report.lines, 6u);
    EXPECT_EQ(report.malformed, 3u);
    EXPECT_EQ(cell(report, "de1"), 1u);
    EXPECT_EQ(cell(report, "us1"), 1u);
    EXPECT_EQ(status(report, Status::Unroutable), 1u);
}

TEST_F(ReplayTest, AutoFormatDecidesPerLine)
{
    Replayer replayer(*s_world, *s_catalog);
    replayer.add("https://sentry.io/api/0/organizations/acme/");
    replayer.add(combined("GET", "/api/0/organizations/bergwerk/"));
    replayer.add("   /api/0/organizations/umbrella/\r");
    const ReplayReport report = replayer.report();
    EXPECT_EQ(report.malformed, 0u);
    EXPECT_EQ(status(report, Status::Routed), 3u);
    EXPECT_EQ(cell(report, "us1") + cell(report, "de1") + cell(report, "us3"), 3u);
}

TEST_F(ReplayTest, ChunkedFeedingMatchesLineByLine)
{
    std::string log;
    std::vector<std::string> lines;
    for (int i = 0; i < 200; ++i) {
        const std::string line =
            i % 3 == 0 ? combined("GET", "/api/0/organizations/acme/issues/")
            : i % 3 == 1
                ? "https://us.sentry.io/api/0/organizations/"
                : "https://ingest.de.sentry.io/api/51/store/?sentry_key=e5000000000000000000000000000005";
        lines.push_back(line);
        log += line + (i % 2 ? "\r\n" : "\n");
    }
    log.pop_back(); // no newline after the last line
    Replayer byLine(*s_world, *s_catalog);
    for (const std::string& line : lines)
        byLine.add(line);
    Replayer chunked(*s_world, *s_catalog);
    std::mt19937 random(7);
    for (std::size_t pos = 0; pos < log.size();) {
        const std::size_t size = std::uniform_int_distribution<std::size_t>(1, 97)(random);
        chunked.feed(std::string_view(log).substr(pos, size));
        pos += size;
    }
    chunked.finish();
    Replayer device(*s_world, *s_catalog);
    QByteArray bytes(log.data(), static_cast<qsizetype>(log.size()));
    QBuffer buffer(&bytes);
    buffer.open(QIODevice::ReadOnly);
    device.readAll(buffer);
    EXPECT_EQ(replayReportToJson(byLine.report()), replayReportToJson(chunked.report()));
    EXPECT_EQ(replayReportToJson(byLine.report()), replayReportToJson(device.report()));
    EXPECT_EQ(byLine.report().lines, 200u);
}

// A line longer than the cap (here 200 MB without a newline, then a normal line) counts as one
// malformed line, and the replayer never holds it: the process's peak memory barely moves.
TEST_F(ReplayTest, AnOverlongLineIsMalformedAndMemoryStaysFlat)
{
    const auto peakKiB = [] {
        rusage usage{};
        getrusage(RUSAGE_SELF, &usage);
        return usage.ru_maxrss;
    };
    Replayer replayer(*s_world, *s_catalog);
    const std::string chunk(1 << 20, 'x');
    const long before = peakKiB();
    for (int i = 0; i < 200; ++i)
        replayer.feed(chunk);
    replayer.feed("\nhttps://us.sentry.io/api/0/organizations/\n");
    replayer.feed(std::string(Replayer::kMaxLineBytes + 1, 'y')); // overlong at the very end
    replayer.finish();
    EXPECT_LT(peakKiB() - before, 32 * 1024) << "KiB of peak memory grew";
    const ReplayReport report = replayer.report();
    EXPECT_EQ(report.lines, 3u);
    EXPECT_EQ(report.malformed, 2u);
    // A line just under the cap is still read.
    Replayer fits(*s_world, *s_catalog);
    const std::string url = "https://us.sentry.io/api/0/organizations/";
    fits.feed(url + "?" + std::string(Replayer::kMaxLineBytes - url.size() - 2, 'q') + "\n");
    EXPECT_EQ(fits.report().malformed, 0u);
}

TEST_F(ReplayTest, ReportRendering)
{
    Replayer replayer(*s_world, *s_catalog);
    replayer.add("https://us.sentry.io/api/0/organizations/");
    replayer.add("https://sentry.io/api/0/issues/1/");
    const ReplayReport report = replayer.report();
    const QJsonObject json = QJsonDocument::fromJson(replayReportToJson(report)).object();
    EXPECT_EQ(json.value(QStringLiteral("lines")).toInteger(), 2);
    EXPECT_EQ(
        json.value(QStringLiteral("by_status")).toObject().value(QStringLiteral("unroutable")).toInteger(),
        1);
    EXPECT_EQ(json.value(QStringLiteral("by_status")).toObject().size(), 7);
    EXPECT_EQ(json.value(QStringLiteral("by_cell")).toObject().value(QStringLiteral("us1")).toInteger(), 1);
    EXPECT_EQ(json.value(QStringLiteral("by_warning"))
                  .toObject()
                  .value(QStringLiteral("partial_results"))
                  .toInteger(),
              1);
    EXPECT_EQ(json.value(QStringLiteral("top_endpoints")).toArray().size(), 2);
    const std::string text = replayReportToText(report);
    EXPECT_NE(text.find("lines 2, malformed 0"), std::string::npos) << text;
    EXPECT_NE(text.find("sentry-api-0-organizations  unroutable 1, pinned 0"), std::string::npos) << text;
    EXPECT_EQ(parseLogFormat("combined"), LogFormat::Combined);
    EXPECT_EQ(parseLogFormat("json"), std::nullopt);
}

// The replay classification and trace() share one rule set; they must agree on every input.
TEST_F(ReplayTest, ClassificationAgreesWithTrace)
{
    const std::vector<std::string> hosts = {
        "sentry.io",           "us.sentry.io",          "de.sentry.io",           "s4s2.sentry.io",
        "ingest.us.sentry.io", "ingest.de.sentry.io",   "o5.ingest.de.sentry.io", "o1.ingest.sentry.io",
        "acme.sentry.io",      "ingest.s4s2.sentry.io", "zz.ingest.us.sentry.io"};
    const std::vector<std::string> paths = {
        "/api/0/organizations/acme/issues/",
        "/api/0/organizations/globex/",
        "/api/0/organizations/bergwerk/releases/1.0/",
        "/api/0/organizations/5/stats/",
        "/api/0/organizations/initech/members/",
        "/api/0/organizations/nope/",
        "/api/0/organizations/ac%6De/projects/",
        "/api/0/organizations/s4s/events/",
        "/api/0/organizations/acme/integrations/",
        "/api/0/organizations/acme/objectstore/a/b",
        "/api/0/organizations/umbrella/alert-rules/",
        "/api/0/organizations/",
        "/api/0/projects/",
        "/api/0/projects/umbrella/backend/keys/",
        "/api/0/teams/bergwerk/t/",
        "/api/0/issues/12/",
        "/api/0/groups/12/events/",
        "/api/0/relocations/",
        "/api/0/relocations/abc/pause/",
        "/api/0/publickeys/relocations/",
        "/api/0/relays/projectconfigs/",
        "/api/0/relays/live/",
        "/api/0/relays/register/challenge/",
        "/api/0/users/me/",
        "/api/0/internal/rpc/org/get/",
        "/api/0/cell/us2/x/",
        "/api/embed/error-page/",
        "/api/embed/error-page/?dsn=https://b2000000000000000000000000000002@o2.ingest.sentry.io/21",
        "/api/embed/error-page/"
        "?dsn=https%3A%2F%2Fe5000000000000000000000000000005%40o5.ingest.de.sentry.io%2F51",
        "/js-sdk-loader/e5000000000000000000000000000005.min.js",
        "/js-sdk-loader/unknown.js",
        "/extensions/github/webhook/",
        "/extensions/github/setup/",
        "/extensions/slack/link-team/abc/",
        "/extensions/slack/link-identity/abc/",
        "/extensions/nope/x/",
        "/plugins/github/organizations/5/webhook/",
        "/api/11/envelope/?sentry_key=a1000000000000000000000000000001",
        "/api/51/store/?sentry_key=e5000000000000000000000000000005",
        "/api/21/store/?sentry_key=b2000000000000000000000000000002",
        "/api/41/unreal/d4000000000000000000000000000004/",
        "/api/31/cron/nightly/c3000000000000000000000000000003/",
        "/api/71/envelope/?sentry_key=07000000000000000000000000000007",
        "/api/1/envelope/?sentry_key=ffffffffffffffffffffffffffffffff",
        "/api/1/envelope/",
        "/api/store/?sentry_key=a1000000000000000000000000000001",
        "/nothing/here/",
        "/"};
    Replayer replayer(*s_world, *s_catalog);
    std::size_t compared = 0;
    for (const std::string& host : hosts)
        for (const std::string& path : paths)
            for (const std::string method : {"GET", "POST"}) {
                const std::string url = "https://" + host + path;
                Request request;
                request.input = url;
                request.method = method;
                Trace t;
                try {
                    t = trace(*s_world, *s_catalog, request);
                } catch (const Error&) {
                    continue;
                }
                Classification c;
                ASSERT_TRUE(replayer.classify(combined(method, url), c)) << url;
                const std::string where = method + " " + url + "\n" + traceToText(t);
                EXPECT_EQ(statusName(c.status), t.outcome.status) << where;
                EXPECT_EQ(c.silo == OutcomeSilo::None ? std::optional<std::string>()
                                                      : std::optional(std::string(outcomeSiloName(c.silo))),
                          t.outcome.silo)
                    << where;
                EXPECT_EQ(c.httpStatus ? std::optional<int>(c.httpStatus) : std::nullopt,
                          t.outcome.httpStatus)
                    << where;
                std::vector<std::string> cells;
                for (std::size_t i = 0; i < c.cellCount; ++i)
                    cells.emplace_back(s_world->cellName(c.cells[i]));
                EXPECT_EQ(cells, t.outcome.cells) << where;
                // Replay consults the catalog only where a rule needs it.
                if (c.endpoint != kNoEndpoint || c.status == Status::Unroutable ||
                    c.status == Status::Pinned) {
                    EXPECT_EQ(c.endpoint == kNoEndpoint ? std::string("-")
                                                        : s_catalog->endpoints()[c.endpoint].name,
                              t.endpoint ? t.endpoint->name : std::string("-"))
                        << where;
                }
                std::set<std::string> classified, traced;
                for (std::size_t code = 0; code < kWarningCodeCount; ++code)
                    if (c.hasWarning(static_cast<WarningCode>(code)))
                        classified.emplace(warningCodeName(static_cast<WarningCode>(code)));
                for (const Warning& w : t.warnings)
                    traced.insert(w.code);
                EXPECT_EQ(classified, traced) << where;
                ++compared;
            }
    EXPECT_GE(compared, 300u);
}
