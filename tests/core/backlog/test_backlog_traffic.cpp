// Ranking backlog entries by the traffic of an access log, through the routing replay's classifier.
#include "core/backlog/traffic.h"
#include "core/routing/outcome.h"
#include "core/snapshot/json_snapshot.h"

#include <gtest/gtest.h>

#include <QBuffer>

using namespace Qt::StringLiterals;
using namespace cellscope;
using namespace cellscope::backlog;

namespace {

TrackedEntry tracked(const char* name, Action action)
{
    TrackedEntry entry;
    entry.urlName = QString::fromLatin1(name);
    entry.action = action;
    return entry;
}

std::uint64_t outcome(const RankedEntry& ranked, routing::Status status)
{
    return ranked.byStatus[static_cast<std::size_t>(status)];
}

} // namespace

TEST(BacklogTraffic, RequestsTheEntryDecidesCountWhateverTheRouterAnswers)
{
    const SnapshotPtr world = loadSnapshotJsonFile(CELLSCOPE_FIXTURES_DIR "/snapshots/small.json");
    const routing::Catalog catalog = routing::Catalog::bundled();
    QByteArray log =
        "https://us.sentry.io/api/0/relocations/\n" // no org to route by: unroutable
        // de has one cell: Synapse passes the request through without looking at the URL, so the
        // non-conformance costs it nothing and it is not the entry's.
        "https://de.sentry.io/api/0/relocations/\n"
        "/api/0/relocations/\n"                // control answers 404
        "https://sentry.io/api/0/issues/12/\n" // pinned to the monolith cell
        "\n"                                   // blank: not a line
        "127.0.0.1 - - [13/Jan/2025:10:00:00 +0000] \"GET /api/0/organizations/ HTTP/1.1\" 404 0\n"
        "https://us.sentry.io/api/0/organizations/acme/issues/\n" // conforming: no entry
        "this is not a request";                                  // no final newline
    QBuffer buffer(&log);
    ASSERT_TRUE(buffer.open(QIODevice::ReadOnly));

    const TrafficRanking ranking =
        rankByTraffic(*world, catalog,
                      {tracked("sentry-api-0-group-details", Action::ToBeReplacedWithOrgScopedVariant),
                       tracked("sentry-api-0-not-in-any-catalog", Action::ToBeDeleted),
                       tracked("sentry-api-0-relocations-index", Action::ToBeBroken),
                       tracked("sentry-api-0-projects", Action::ToBeReplacedWithOrgScopedVariant),
                       tracked("sentry-api-0-organizations", Action::ToBeControlOnly)},
                      buffer);
    EXPECT_EQ(ranking.lines, 7u);
    EXPECT_EQ(ranking.malformed, 1u);
    EXPECT_EQ(ranking.backlogRequests, 4u);

    ASSERT_EQ(ranking.entries.size(), 5u);
    const RankedEntry& first = ranking.entries[0];
    EXPECT_EQ(first.entry.urlName, u"sentry-api-0-relocations-index"_s);
    EXPECT_EQ(first.requests, 2u);
    EXPECT_EQ(outcome(first, routing::Status::Unroutable), 1u);
    EXPECT_EQ(outcome(first, routing::Status::NotFound), 1u);
    // Ties by name.
    EXPECT_EQ(ranking.entries[1].entry.urlName, u"sentry-api-0-group-details"_s);
    EXPECT_EQ(outcome(ranking.entries[1], routing::Status::Pinned), 1u);
    EXPECT_EQ(ranking.entries[2].entry.urlName, u"sentry-api-0-organizations"_s);
    EXPECT_EQ(ranking.entries[2].requests, 1u);
    // Measured but not hit, then not measurable at all.
    EXPECT_EQ(ranking.entries[3].entry.urlName, u"sentry-api-0-projects"_s);
    EXPECT_TRUE(ranking.entries[3].inCatalog);
    EXPECT_EQ(ranking.entries[3].requests, 0u);
    EXPECT_EQ(ranking.entries[4].entry.urlName, u"sentry-api-0-not-in-any-catalog"_s);
    EXPECT_FALSE(ranking.entries[4].inCatalog);
}
