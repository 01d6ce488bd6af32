// Loading Synapse configuration files: sections, routes and their lines, anchors, shape errors, and
// hostile YAML (size, depth, alias bombs) refused quickly with bounded memory.
#include "core/routing/synapse_config.h"

#include <gtest/gtest.h>

#include <QTemporaryDir>

#include <fstream>
#include <string>

namespace cellscope::routing {
namespace {

const std::string kFixture = std::string(CELLSCOPE_FIXTURES_DIR) + "/synapse/routing_world.yaml";

// The error a load throws, or "" when it loads.
std::string loadError(const std::string& yaml, int* line = nullptr)
{
    try {
        (void)loadSynapseConfig(yaml, "test.yaml");
    } catch (const SynapseConfigError& e) {
        if (line)
            *line = e.line();
        return e.what();
    }
    return {};
}

TEST(SynapseConfigTest, LoadsEverySectionWithLines)
{
    const SynapseConfig config = loadSynapseConfigFile(kFixture);
    EXPECT_EQ(config.origin, kFixture);
    ASSERT_TRUE(config.proxy.present);
    ASSERT_EQ(config.proxy.upstreams.size(), 4u);
    EXPECT_EQ(config.proxy.upstreams[1].name, "us2-api");
    EXPECT_EQ(config.proxy.upstreams[1].url, "https://us2.internal.example");
    EXPECT_EQ(config.proxy.locator.type, "in_process");
    EXPECT_EQ(config.proxy.locator.localities, (std::vector<std::string>{"us", "de"}));

    ASSERT_EQ(config.proxy.routes.size(), 6u);
    const SynapseProxyRoute& first = config.proxy.routes[0];
    EXPECT_EQ(first.line, 29);
    EXPECT_EQ(first.match.host, "us.sentry.io");
    EXPECT_EQ(first.match.path, "/api/0/organizations/{organization}/*");
    EXPECT_EQ(first.action.resolver, SynapseResolver::CellFromOrganization);
    EXPECT_EQ(first.action.defaultUpstream, "us1-api");
    ASSERT_NE(first.action.upstreamOfCell("us2"), nullptr);
    EXPECT_EQ(*first.action.upstreamOfCell("us2"), "us2-api");
    EXPECT_EQ(first.action.upstreamOfCell("us3"), nullptr);
    // An alias reuses the anchored action; the route keeps its own line.
    EXPECT_EQ(config.proxy.routes[1].line, 38);
    EXPECT_EQ(config.proxy.routes[1].action.cellToUpstream, first.action.cellToUpstream);
    EXPECT_EQ(config.proxy.routes[3].action.resolver, SynapseResolver::CellFromId);
    EXPECT_FALSE(config.proxy.routes[3].action.defaultUpstream);
    EXPECT_EQ(config.proxy.routes[4].action.to, "de-api");
    EXPECT_FALSE(config.proxy.routes[4].match.path);

    ASSERT_TRUE(config.locator.present);
    EXPECT_EQ(config.locator.defaults().at("us"), "us2");
    EXPECT_EQ(config.locator.dataType, "organization");

    ASSERT_TRUE(config.ingestRouter.present);
    EXPECT_EQ(config.ingestRouter.locator.dataType, "project_key");
    ASSERT_EQ(config.ingestRouter.localities.size(), 2u);
    ASSERT_NE(config.ingestRouter.findLocality("de"), nullptr);
    EXPECT_EQ(config.ingestRouter.findLocality("de")->cells[1].relayUrl,
              "https://relay.de2.internal.example");
    ASSERT_EQ(config.ingestRouter.routes.size(), 4u);
    EXPECT_EQ(config.ingestRouter.routes[0].handler, IngestHandler::RelayProjectConfigs);
    EXPECT_EQ(config.ingestRouter.routes[0].match.method, "POST");
    EXPECT_EQ(config.ingestRouter.routes[1].locality, "de");
    EXPECT_EQ(config.ingestRouter.routes[3].handler, IngestHandler::PublicKeys);
}

TEST(SynapseConfigTest, AnchorsMergeAndNullsWork)
{
    const SynapseConfig config = loadSynapseConfig(R"(
proxy:
  upstreams:
    - &up {name: a, url: "http://a"}
  routes:
    - match: {host: ~, path: null}
      action: {to: a}
    - match:
      action: {resolver: cell_from_id}
)",
                                                   "inline.yaml");
    ASSERT_EQ(config.proxy.routes.size(), 2u);
    EXPECT_FALSE(config.proxy.routes[0].match.host);
    EXPECT_FALSE(config.proxy.routes[0].match.path);
    EXPECT_FALSE(config.proxy.routes[1].match.host);
    EXPECT_TRUE(config.proxy.routes[1].action.cellToUpstream.empty());
    EXPECT_FALSE(config.ingestRouter.present);
}

TEST(SynapseConfigTest, ShapeErrorsNameTheFieldAndLine)
{
    int line = 0;
    EXPECT_NE(
        loadError(
            "proxy:\n  routes:\n    - match: {path: /x}\n      action: {to: a, resolver: cell_from_id}\n",
            &line)
            .find("test.yaml:4: proxy.routes[0].action: has both 'to'"),
        std::string::npos);
    EXPECT_EQ(line, 4);
    EXPECT_NE(loadError("proxy:\n  routes:\n    - match: {}\n      action: {resolver: cell_from_cell}\n")
                  .find("unknown resolver 'cell_from_cell'"),
              std::string::npos);
    EXPECT_NE(loadError("proxy:\n  routes:\n    - action: {to: a}\n").find("missing field 'match'"),
              std::string::npos);
    EXPECT_NE(loadError("proxy:\n  routes:\n    - match: {}\n").find("missing field 'action'"),
              std::string::npos);
    EXPECT_NE(loadError("proxy:\n  routes:\n    - match: {}\n      action: {}\n").find("needs 'to'"),
              std::string::npos);
    EXPECT_NE(loadError("proxy:\n  upstreams:\n    - {name: a}\n").find("missing field 'url'"),
              std::string::npos);
    EXPECT_NE(loadError("proxy:\n  routes: {}\n").find("proxy.routes: expected a list"), std::string::npos);
    EXPECT_NE(loadError("proxy:\n  routes:\n    - match: {host: [a]}\n      action: {to: a}\n")
                  .find("proxy.routes[0].match.host: expected a string, got a list"),
              std::string::npos);
    EXPECT_NE(loadError("ingest_router:\n  routes:\n    - match: {}\n      action: {handler: teleport}\n"
                        "      locality: us\n")
                  .find("unknown handler 'teleport'"),
              std::string::npos);
    EXPECT_NE(loadError("proxy:\n  routes:\n    - match: {}\n      action: {to: a, default: b}\n")
                  .find("a static action ('to') takes no cell_to_upstream or default"),
              std::string::npos);
    EXPECT_NE(loadError("metrics: {statsd_host: x}\n").find("not a Synapse configuration"),
              std::string::npos);
    EXPECT_NE(loadError("").find("the file is empty"), std::string::npos);
    EXPECT_NE(loadError("- a\n- b\n").find("the document: expected a mapping"), std::string::npos);
}

TEST(SynapseConfigTest, DuplicateKeysAreRefusedAsSerdeDoes)
{
    int line = 0;
    const std::string error =
        loadError("proxy:\n  routes:\n    - match: {}\n      action:\n        resolver: "
                  "cell_from_id\n        cell_to_upstream: {us1: a, us1: b}\n",
                  &line);
    EXPECT_NE(error.find("duplicate key 'us1'"), std::string::npos) << error;
    EXPECT_EQ(line, 6);
}

TEST(SynapseConfigTest, YamlSyntaxErrorsCarryTheirLine)
{
    int line = 0;
    const std::string error =
        loadError("proxy:\n  upstreams:\n    - {name: a, url: \"http://a\"\n  routes: []\n", &line);
    EXPECT_NE(error.find("invalid YAML"), std::string::npos) << error;
    EXPECT_GT(line, 0);
    EXPECT_NE(loadError("proxy:\n  routes: *nowhere\n").find("invalid YAML"), std::string::npos);
}

TEST(SynapseConfigTest, MissingFileIsBadInput)
{
    try {
        (void)loadSynapseConfigFile("/nonexistent/synapse.yaml");
        FAIL() << "expected an error";
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::BadInput);
        EXPECT_EQ(std::string(e.what()), "/nonexistent/synapse.yaml does not exist");
    }
}

// A 50 MB file is refused by its size, before a byte of it is parsed.
TEST(SynapseConfigTest, HugeFileIsRefusedBeforeParsing)
{
    QTemporaryDir dir;
    ASSERT_TRUE(dir.isValid());
    const std::string path = dir.filePath(QStringLiteral("huge.yaml")).toStdString();
    {
        std::ofstream out(path);
        const std::string line =
            "# padding padding padding padding padding padding padding padding padding\n";
        for (std::size_t written = 0; written < 50u * 1000 * 1000; written += line.size())
            out << line;
    }
    try {
        (void)loadSynapseConfigFile(path);
        FAIL() << "expected a refusal";
    } catch (const SynapseConfigError& e) {
        EXPECT_NE(std::string(e.what()).find("at most 8388608 bytes are read"),
                  std::string::npos)
            << e.what();
    }
    // The same cap holds for text handed over directly.
    EXPECT_NE(loadError(std::string(kMaxSynapseConfigBytes + 1, '#')).find("at most 8388608 bytes are read"),
              std::string::npos);
}

TEST(SynapseConfigTest, DeepNestingIsRefused)
{
    // Past yaml-cpp's own recursion guard…
    const std::size_t deep = 100000;
    std::string yaml = "proxy: " + std::string(deep, '[') + std::string(deep, ']') + "\n";
    EXPECT_NE(loadError(yaml).find("nests deeper than"), std::string::npos);
    // …and past Cellscope's much smaller budget, which yaml-cpp would accept.
    yaml = "proxy: " + std::string(100, '[') + std::string(100, ']') + "\n";
    int line = 0;
    EXPECT_NE(loadError(yaml, &line).find("the document nests deeper than 64 levels"), std::string::npos);
    EXPECT_EQ(line, 1);
    // A reasonable nesting loads.
    yaml = "proxy:\n  listener: " + std::string(10, '[') + std::string(10, ']') + "\n";
    EXPECT_EQ(loadError(yaml), "");
}

// "Billion laughs": nine levels of ten aliases each would expand to 10^9 nodes. yaml-cpp shares
// aliased nodes, so parsing stays small; the budget stops the walk long before the expansion.
TEST(SynapseConfigTest, AliasBombIsRefusedByTheNodeBudget)
{
    std::string yaml = "l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n";
    for (int level = 1; level <= 9; ++level) {
        const std::string previous = "*l" + std::to_string(level - 1);
        yaml += "l" + std::to_string(level) + ": &l" + std::to_string(level) + " [";
        for (int i = 0; i < 10; ++i)
            yaml += (i ? ", " : "") + previous;
        yaml += "]\n";
    }
    yaml += "proxy:\n  upstreams: []\n";
    EXPECT_NE(loadError(yaml).find("expands to more than 1000000 nodes (an alias bomb?)"), std::string::npos);
}

} // namespace
} // namespace cellscope::routing
