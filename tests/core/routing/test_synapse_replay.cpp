// replay --synapse-config: each request counted on the route Synapse would take, with the routes
// no request matched, on the routing tests' world and tests/fixtures/synapse/routing_world.yaml.
#include "core/routing/replay.h"
#include "core/routing/synapse_config.h"
#include "tests/core/routing/routing_test_world.h"

#include <gtest/gtest.h>

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

namespace cellscope::routing {
namespace {

using testworld::RoutingWorldTest;

class SynapseReplayTest : public RoutingWorldTest
{
protected:
    static ReplayReport replay(const SynapseConfig& config, std::initializer_list<std::string_view> lines)
    {
        ReplayOptions options;
        options.synapse = &config;
        Replayer replayer(*s_world, *s_catalog, options);
        for (std::string_view line : lines)
            replayer.add(line);
        return replayer.report();
    }
};

TEST_F(SynapseReplayTest, CountsHitsPerRouteAndRequestsNoRouteTakes)
{
    const SynapseConfig config =
        loadSynapseConfigFile(std::string(CELLSCOPE_FIXTURES_DIR) + "/synapse/routing_world.yaml");
    const ReplayReport report =
        replay(config, {"https://us.sentry.io/api/0/organizations/globex/issues/",
                        "https://us.sentry.io/api/0/organizations/acme/",
                        // The first match wins even where a later route would also match.
                        "https://us.sentry.io/api/0/projects/acme/web/", "https://de.sentry.io/anything",
                        "https://us.sentry.io/api/0/issues/42/",
                        "1.2.3.4 - - [26/Nov/2026:10:00:00 +0000] \"POST "
                        "https://ingest.de.sentry.io/api/0/relays/projectconfigs/ "
                        "HTTP/1.1\" 200 1 \"-\" \"relay\"",
                        // The ingest-router's routes compare the method.
                        "https://ingest.de.sentry.io/api/0/relays/projectconfigs/", "not a request"});
    ASSERT_TRUE(report.synapse);
    const SynapseReplay& synapse = *report.synapse;
    EXPECT_EQ(synapse.config, config.origin);
    ASSERT_EQ(synapse.routes.size(), 10u); // 6 proxy + 4 ingest-router routes
    EXPECT_EQ(synapse.routes[0].hits, 2u);
    EXPECT_EQ(synapse.routes[0].line, 29);
    EXPECT_EQ(synapse.routes[1].hits, 1u);
    EXPECT_EQ(synapse.routes[2].hits, 0u);
    EXPECT_EQ(synapse.routes[4].hits, 1u);
    EXPECT_FALSE(synapse.routes[4].path);
    EXPECT_TRUE(synapse.routes[7].ingestRouter);
    EXPECT_EQ(synapse.routes[7].index, 1u);
    EXPECT_EQ(synapse.routes[7].hits, 1u);
    EXPECT_EQ(synapse.unmatched, 2u); // issues/42 and the GET; the malformed line is not a request
    EXPECT_EQ(report.malformed, 1u);

    const QJsonObject json = QJsonDocument::fromJson(replayReportToJson(report))
                                 .object()
                                 .value(QStringLiteral("synapse"))
                                 .toObject();
    EXPECT_EQ(json.value(QStringLiteral("unmatched")).toInt(), 2);
    const QJsonArray unused = json.value(QStringLiteral("unused")).toArray();
    ASSERT_EQ(unused.size(), 6); // proxy #2, #3, #5; ingest-router #0, #2, #3
    EXPECT_EQ(unused[0].toObject().value(QStringLiteral("index")).toInt(), 2);
    EXPECT_EQ(unused[3].toObject().value(QStringLiteral("section")).toString(),
              QStringLiteral("ingest_router"));
    EXPECT_NE(replayReportToText(report).find("never matched: proxy #2 (line 42)"), std::string::npos);
}

TEST_F(SynapseReplayTest, WithoutAConfigTheReportHasNoSynapsePart)
{
    Replayer replayer(*s_world, *s_catalog, {});
    replayer.add("https://us.sentry.io/api/0/organizations/globex/");
    EXPECT_FALSE(replayer.report().synapse);
    EXPECT_TRUE(QJsonDocument::fromJson(replayReportToJson(replayer.report()))
                    .object()
                    .value(QStringLiteral("synapse"))
                    .isUndefined());
}

} // namespace
} // namespace cellscope::routing
