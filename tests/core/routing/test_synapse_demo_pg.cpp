// `cellctl synapse generate` on the demo world (seed 42, 300 organizations, seeded into the
// fixture cluster): tracing through the generated file agrees with the native trace for every
// locality-host URL of every organization, and lint of it is clean.
#include "core/db/database.h"
#include "core/demo/demo_world.h"
#include "core/demo/seed.h"
#include "core/routing/synapse_generate.h"
#include "core/routing/synapse_lint.h"
#include "core/sources/pg_loader.h"
#include "tests/core/routing/synapse_agreement.h"
#include "tests/support/pg_test_env.h"

#include <gtest/gtest.h>

namespace cellscope::routing {
namespace {

TEST(SynapseDemoWorldPg, GeneratedConfigAgreesWithTheNativeTrace)
{
    const std::string prefix = "t_synapse_demo";
    test::dropDatabasesWithPrefix(prefix);
    db::DatabaseConfig config;
    config.control = test::pgServerConninfo(prefix + "_control");
    for (const auto& cell : demo::demoCells())
        config.cells.emplace(cell.name, test::pgServerConninfo(prefix + "_" + cell.name));
    db::ensureDatabase(config.control);
    demo::seedDemoWorld(config, {42, 300});
    const SnapshotPtr world = sources::loadSnapshotFromPostgres(config.control);
    test::dropDatabasesWithPrefix(prefix);

    const SynapseConfig synapse = loadSynapseConfig(generateSynapseConfig(*world), "generated.yaml");
    const SynapseLintReport report = lintSynapseConfig(synapse, world.get());
    EXPECT_TRUE(report.errors.empty());
    EXPECT_TRUE(report.warnings.empty());
    const Catalog catalog = Catalog::bundled();
    const std::vector<std::string> urls = testworld::localityHostUrls(*world);
    EXPECT_GT(urls.size(), 6000u);
    for (const std::string& url : urls)
        testworld::expectAgreement(*world, catalog, synapse, url);
}

} // namespace
} // namespace cellscope::routing
