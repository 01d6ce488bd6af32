// `cellctl synapse generate` on the routing tests' world: the file loads, Synapse would start with
// it, lint finds nothing, and every locality-host request lands where the native trace sends it.
#include "core/routing/synapse_generate.h"
#include "core/routing/synapse_lint.h"
#include "tests/core/routing/routing_test_world.h"
#include "tests/core/routing/synapse_agreement.h"

#include <gtest/gtest.h>

namespace cellscope::routing {
namespace {

using testworld::RoutingWorldTest;

class SynapseGenerateTest : public RoutingWorldTest
{};

TEST_F(SynapseGenerateTest, GeneratedFileLoadsAndLintsClean)
{
    const std::string yaml = generateSynapseConfig(*s_world);
    const SynapseConfig config = loadSynapseConfig(yaml, "generated.yaml");
    EXPECT_NO_THROW(requireStartableSynapseConfig(config));
    const SynapseLintReport report = lintSynapseConfig(config, s_world.get());
    EXPECT_TRUE(report.errors.empty());
    for (const SynapseFinding& warning : report.warnings)
        ADD_FAILURE() << warning.code << ": " << warning.message;
    // Two localities of several cells get five routes each; the one-cell locality one.
    EXPECT_EQ(config.proxy.routes.size(), 11u);
    EXPECT_EQ(config.proxy.upstreams.size(), 6u);
    EXPECT_EQ(config.locator.defaults().at("de"), "de1");
    // Relay's five API calls on three ingest hosts and on the legacy one.
    EXPECT_EQ(config.ingestRouter.routes.size(), 20u);
    EXPECT_EQ(config.ingestRouter.findLocality("us")->cells.size(), 3u);
}

TEST_F(SynapseGenerateTest, TracingThroughItAgreesWithTheNativeTrace)
{
    const SynapseConfig config = loadSynapseConfig(generateSynapseConfig(*s_world), "generated.yaml");
    const std::vector<std::string> urls = testworld::localityHostUrls(*s_world);
    EXPECT_GT(urls.size(), 150u);
    for (const std::string& url : urls)
        testworld::expectAgreement(*s_world, *s_catalog, config, url);
}

TEST_F(SynapseGenerateTest, ProjectConfigsSplitLikeTheNativeLocator)
{
    const SynapseConfig config = loadSynapseConfig(generateSynapseConfig(*s_world), "generated.yaml");
    Request request;
    request.input = "https://ingest.de.sentry.io/api/0/relays/projectconfigs/";
    request.method = "POST";
    request.body = R"({"publicKeys": ["e5000000000000000000000000000005", "f6000000000000000000000000000006",
                                      "a1000000000000000000000000000001"]})";
    const Trace trace = traceThroughSynapse(*s_world, *s_catalog, request, config);
    ASSERT_TRUE(trace.synapse);
    EXPECT_EQ(trace.synapse->keysByCell.size(), 2u);
    EXPECT_EQ(trace.synapse->pending, (std::vector<std::string>{"a1000000000000000000000000000001"}));
}

} // namespace
} // namespace cellscope::routing
