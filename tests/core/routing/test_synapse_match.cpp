// Requests through a Synapse configuration, rule by rule: route matching, actions, resolvers, the
// default upstream, 404s, and the ingest-router's split of Relay's project-config request.
#include "core/routing/synapse_match.h"
#include "core/snapshot/snapshot.h"
#include "core/util/error.h"
#include "tests/core/routing/routing_test_world.h"

#include <gtest/gtest.h>

#include <string>

namespace cellscope::routing {
namespace {

using testworld::RoutingWorldTest;

const std::string kFixture = std::string(CELLSCOPE_FIXTURES_DIR) + "/synapse/routing_world.yaml";

bool matches(std::string_view pattern, std::string_view path, SynapseParams* params = nullptr)
{
    SynapseParams captured;
    const bool matched = matchSynapsePath(compileSynapsePath(pattern), path, captured);
    if (params)
        *params = captured;
    return matched;
}

TEST(SynapseMatchTest, SlashesAreTrimmedAtBothEndsOnly)
{
    EXPECT_TRUE(matches("/api/test/", "/api/test"));
    EXPECT_TRUE(matches("api/test", "/api/test/"));
    EXPECT_TRUE(matches(" /api/test/ ", "//api/test//"));
    // An inner empty segment stays a segment.
    EXPECT_FALSE(matches("/api/test/", "/api//test/"));
    EXPECT_TRUE(matches("/", "/"));
    EXPECT_TRUE(matches("", "/"));
    EXPECT_FALSE(matches("/", "/api"));
}

TEST(SynapseMatchTest, AParameterTakesExactlyOneSegment)
{
    SynapseParams params;
    EXPECT_TRUE(matches("/api/0/organizations/{organization}/", "/api/0/organizations/acme/", &params));
    ASSERT_EQ(params.size(), 1u);
    EXPECT_EQ(params[0], (std::pair<std::string, std::string>{"organization", "acme"}));
    EXPECT_FALSE(matches("/api/0/organizations/{organization}/", "/api/0/organizations/acme/issues/"));
    EXPECT_FALSE(matches("/api/0/organizations/{organization}/", "/api/0/organizations/"));
    // Matching is on the raw path: nothing is percent-decoded.
    EXPECT_TRUE(matches("/o/{organization}", "/o/ac%6De", &params));
    EXPECT_EQ(params[0].second, "ac%6De");
    EXPECT_TRUE(matches("/{a}/{b}", "/x/y", &params));
    EXPECT_EQ(params.size(), 2u);
}

TEST(SynapseMatchTest, TrailingSplatTakesAnyNumberOfSegmentsIncludingZero)
{
    EXPECT_TRUE(matches("/api/0/organizations/{organization}/*", "/api/0/organizations/acme"));
    EXPECT_TRUE(matches("/api/0/organizations/{organization}/*", "/api/0/organizations/acme/"));
    EXPECT_TRUE(
        matches("/api/0/organizations/{organization}/*", "/api/0/organizations/acme/issues/1/events/"));
    EXPECT_FALSE(matches("/api/0/organizations/{organization}/*", "/api/0/organizations/"));
    EXPECT_FALSE(matches("/api/0/organizations/{organization}/*", "/api/0/projects/acme/"));
    // A lone "/*" has no "/*" suffix once trimmed: Synapse reads it as the static segment "*".
    const SynapsePath lone = compileSynapsePath("/*");
    EXPECT_FALSE(lone.splat);
    ASSERT_EQ(lone.segments.size(), 1u);
    EXPECT_EQ(lone.segments[0].text, "*");
    EXPECT_FALSE(matches("/*", "/api/0/"));
}

TEST(SynapseMatchTest, PathChecksFindWhatSynapseRefuses)
{
    EXPECT_EQ(checkSynapsePath("/api/0/organizations/{organization}/*").problem, SynapsePathProblem::None);
    EXPECT_EQ(checkSynapsePath("/api/v1.2/x-y_z/").problem, SynapsePathProblem::None);
    EXPECT_EQ(checkSynapsePath("/api/{Org}/").problem, SynapsePathProblem::InvalidParamName);
    EXPECT_EQ(checkSynapsePath("/api/{org-id}/").problem, SynapsePathProblem::InvalidParamName);
    EXPECT_EQ(checkSynapsePath("/api/{}/").problem, SynapsePathProblem::InvalidParamName);
    EXPECT_EQ(checkSynapsePath("/api/{org}x/").problem, SynapsePathProblem::InvalidStaticSegment);
    EXPECT_EQ(checkSynapsePath("/api/a%20b/").problem, SynapsePathProblem::InvalidStaticSegment);
    EXPECT_EQ(checkSynapsePath("/api//x/").problem, SynapsePathProblem::InvalidStaticSegment);
    EXPECT_EQ(checkSynapsePath("/api/*/x").problem, SynapsePathProblem::InvalidSplat);
    EXPECT_EQ(checkSynapsePath("/api/x*").problem, SynapsePathProblem::InvalidSplat);
    const SynapsePathCheck lone = checkSynapsePath("/*");
    EXPECT_EQ(lone.problem, SynapsePathProblem::InvalidSplat);
    EXPECT_EQ(lone.segment, "*");
}

class SynapseRouteTest : public RoutingWorldTest
{
protected:
    static void SetUpTestSuite()
    {
        RoutingWorldTest::SetUpTestSuite();
        s_config = loadSynapseConfigFile(kFixture);
    }

    static SynapseDecision route(const std::string& host, const std::string& path,
                                 const std::string& method = "GET",
                                 std::optional<std::string> body = std::nullopt,
                                 const SynapseConfig* config = nullptr)
    {
        SynapseRequest request;
        request.method = method;
        request.host = host;
        request.path = path;
        request.body = std::move(body);
        return routeThroughSynapse(config ? *config : s_config, *s_world, request);
    }
    static SynapseConfig inlineConfig(const std::string& yaml)
    {
        return loadSynapseConfig(yaml, "inline.yaml");
    }
    static bool hasWarning(const SynapseDecision& decision, const std::string& code)
    {
        for (const SynapseWarning& warning : decision.warnings)
            if (warning.code == code)
                return true;
        return false;
    }

    static inline SynapseConfig s_config;
};

TEST_F(SynapseRouteTest, OrganizationSlugResolvesThroughTheLocatorAndCellToUpstream)
{
    const SynapseDecision d = route("us.sentry.io", "/api/0/organizations/globex/issues/");
    ASSERT_TRUE(d.route);
    EXPECT_EQ(d.route->index, 0u);
    EXPECT_EQ(d.route->line, 29);
    EXPECT_EQ(d.resolver, "cell_from_organization");
    EXPECT_EQ(d.params, (SynapseParams{{"organization", "globex"}}));
    EXPECT_EQ(d.cell, "us2");
    ASSERT_TRUE(d.upstream);
    EXPECT_EQ(d.upstream->name, "us2-api");
    EXPECT_EQ(d.upstream->url, "https://us2.internal.example");
    EXPECT_FALSE(d.httpStatus);
    EXPECT_TRUE(d.warnings.empty());
    EXPECT_FALSE(d.ingestRouter);
}

TEST_F(SynapseRouteTest, OrganizationIdDigitsAreAnId)
{
    const SynapseDecision d = route("us.sentry.io", "/api/0/projects/1/web/");
    ASSERT_TRUE(d.route);
    EXPECT_EQ(d.route->index, 1u);
    EXPECT_EQ(d.cell, "us1");
    EXPECT_EQ(d.upstream->name, "us1-api");
}

TEST_F(SynapseRouteTest, FirstMatchWins)
{
    const SynapseConfig config = inlineConfig(R"(
proxy:
  upstreams: [{name: a, url: "http://a"}, {name: b, url: "http://b"}]
  routes:
    - match: {path: /api/0/*}
      action: {to: a}
    - match: {path: "/api/0/organizations/{organization}/*"}
      action: {resolver: cell_from_organization, cell_to_upstream: {us2: b}}
)");
    const SynapseDecision d = route("us.sentry.io", "/api/0/organizations/globex/", "GET", {}, &config);
    EXPECT_EQ(d.route->index, 0u);
    EXPECT_EQ(d.upstream->name, "a");
    EXPECT_FALSE(d.resolver);
    EXPECT_FALSE(d.cell);
}

TEST_F(SynapseRouteTest, HostIsComparedExactly)
{
    EXPECT_FALSE(route("US.sentry.io", "/api/0/organizations/globex/").route);
    // The proxy does not strip a port from the Host header.
    const SynapseDecision withPort = route("us.sentry.io:443", "/api/0/organizations/globex/");
    EXPECT_FALSE(withPort.route);
    EXPECT_EQ(withPort.httpStatus, 404);
    EXPECT_FALSE(withPort.upstream);
}

TEST_F(SynapseRouteTest, RouteWithoutPathMatchesEveryPathOfItsHost)
{
    for (const char* path : {"/", "/api/0/organizations/bergwerk/", "/anything/at/all"}) {
        const SynapseDecision d = route("de.sentry.io", path);
        ASSERT_TRUE(d.route) << path;
        EXPECT_EQ(d.route->index, 4u);
        EXPECT_FALSE(d.route->path);
        EXPECT_EQ(d.upstream->name, "de-api");
        EXPECT_FALSE(d.resolver);
    }
}

TEST_F(SynapseRouteTest, UnknownOrganizationGoesToTheDefaultUpstream)
{
    const SynapseDecision d = route("us.sentry.io", "/api/0/organizations/no-such-org/");
    EXPECT_FALSE(d.cell);
    EXPECT_EQ(d.upstream->name, "us1-api");
    EXPECT_TRUE(hasWarning(d, "synapse_default_upstream"));
    EXPECT_FALSE(d.httpStatus);
}

TEST_F(SynapseRouteTest, CellWithoutUpstreamGoesToTheDefaultWithAWarning)
{
    const SynapseDecision d = route("us.sentry.io", "/api/0/organizations/umbrella/");
    EXPECT_EQ(d.cell, "us3");
    EXPECT_EQ(d.upstream->name, "us1-api");
    ASSERT_TRUE(hasWarning(d, "synapse_default_upstream"));
    EXPECT_NE(d.warnings[0].message.find("cell us3 has no upstream in this route"), std::string::npos);
}

TEST_F(SynapseRouteTest, NoUpstreamAndNoDefaultIs404)
{
    const SynapseDecision d = route("us.sentry.io", "/api/0/cell/us3/x/");
    EXPECT_EQ(d.route->index, 3u);
    EXPECT_EQ(d.resolver, "cell_from_id");
    EXPECT_EQ(d.cell, "us3");
    EXPECT_FALSE(d.upstream);
    EXPECT_EQ(d.httpStatus, 404);
}

TEST_F(SynapseRouteTest, CellFromIdReadsTheIdParameterAsIs)
{
    const SynapseDecision d = route("us.sentry.io", "/api/0/cell/us2/");
    EXPECT_EQ(d.params, (SynapseParams{{"id", "us2"}}));
    EXPECT_EQ(d.cell, "us2");
    EXPECT_EQ(d.upstream->name, "us2-api");
}

TEST_F(SynapseRouteTest, ResolverWithoutItsParameterFallsToTheDefault)
{
    const SynapseConfig config = inlineConfig(R"(
proxy:
  upstreams: [{name: us1, url: "http://us1"}, {name: fallback, url: "http://fallback"}]
  routes:
    - match: {path: "/api/0/cell/{cell_id}/*"}
      action: {resolver: cell_from_id, cell_to_upstream: {us1: us1}, default: fallback}
    - match: {path: "/api/0/organizations/{org}/*"}
      action: {resolver: cell_from_organization, cell_to_upstream: {us1: us1}}
)");
    SynapseDecision d = route("us.sentry.io", "/api/0/cell/us1/", "GET", {}, &config);
    EXPECT_FALSE(d.cell);
    EXPECT_EQ(d.upstream->name, "fallback");
    EXPECT_TRUE(hasWarning(d, "synapse_default_upstream"));
    d = route("us.sentry.io", "/api/0/organizations/acme/", "GET", {}, &config);
    EXPECT_FALSE(d.cell);
    EXPECT_EQ(d.httpStatus, 404);
}

TEST_F(SynapseRouteTest, UndeclaredUpstreamIs404)
{
    const SynapseConfig config = inlineConfig(R"(
proxy:
  upstreams: [{name: us1, url: "http://us1"}]
  routes:
    - match: {path: /static/*}
      action: {to: nowhere}
    - match: {path: "/api/0/organizations/{organization}/*"}
      action: {resolver: cell_from_organization, cell_to_upstream: {us2: us2-missing}, default: us1}
)");
    SynapseDecision d = route("us.sentry.io", "/static/x", "GET", {}, &config);
    EXPECT_EQ(d.route->index, 0u);
    EXPECT_FALSE(d.upstream);
    EXPECT_EQ(d.httpStatus, 404);
    // The cell's upstream name wins over the default even when it is not declared.
    d = route("us.sentry.io", "/api/0/organizations/globex/", "GET", {}, &config);
    EXPECT_EQ(d.cell, "us2");
    EXPECT_FALSE(d.upstream);
    EXPECT_EQ(d.httpStatus, 404);
}

TEST_F(SynapseRouteTest, NoRouteIs404)
{
    const SynapseDecision d = route("us.sentry.io", "/api/0/issues/42/");
    EXPECT_FALSE(d.route);
    EXPECT_EQ(d.httpStatus, 404);
    EXPECT_FALSE(d.upstream);
}

TEST_F(SynapseRouteTest, CellOfAnotherLocalityIsProxiedWithAWarning)
{
    const SynapseConfig config = inlineConfig(R"(
proxy:
  upstreams: [{name: us1, url: "http://us1"}, {name: de1, url: "http://de1"}]
  routes:
    - match: {host: us.sentry.io, path: "/api/0/organizations/{organization}/*"}
      action: {resolver: cell_from_organization, cell_to_upstream: {us1: us1, de1: de1}}
)");
    const SynapseDecision d = route("us.sentry.io", "/api/0/organizations/bergwerk/", "GET", {}, &config);
    EXPECT_EQ(d.cell, "de1");
    EXPECT_EQ(d.upstream->name, "de1");
    EXPECT_TRUE(hasWarning(d, "locality_mismatch"));
}

TEST_F(SynapseRouteTest, ALocatorLimitedToLocalitiesDoesNotFindOthers)
{
    const SynapseConfig config = inlineConfig(R"(
proxy:
  locator: {type: in_process, localities: [us]}
  upstreams: [{name: de1, url: "http://de1"}]
  routes:
    - match: {path: "/api/0/organizations/{organization}/*"}
      action: {resolver: cell_from_organization, cell_to_upstream: {de1: de1}}
)");
    const SynapseDecision d = route("de.sentry.io", "/api/0/organizations/bergwerk/", "GET", {}, &config);
    EXPECT_FALSE(d.cell);
    EXPECT_EQ(d.httpStatus, 404);
}

TEST_F(SynapseRouteTest, UpstreamCellsComeFromTheFileAndTheWorld)
{
    // de-api is no route's cell_to_upstream target, but its URL is de1's address.
    EXPECT_EQ(cellsOfUpstream(s_config, *s_world, "de-api"), (std::vector<std::string>{"de1"}));
    EXPECT_EQ(cellsOfUpstream(s_config, *s_world, "us2-api"), (std::vector<std::string>{"us2"}));
    EXPECT_TRUE(cellsOfUpstream(s_config, *s_world, "nowhere").empty());
}

// ---- the ingest-router ----------------------------------------------------------------------------

const std::string kProjectConfigs = "/api/0/relays/projectconfigs/";

TEST_F(SynapseRouteTest, ProjectConfigsAreSplitByCellWithTheRouteLocality)
{
    const SynapseDecision d =
        route("ingest.us.sentry.io", kProjectConfigs, "POST",
              R"({"publicKeys": ["a1000000000000000000000000000001", "b2000000000000000000000000000002",
                                 "c3000000000000000000000000000003", "d4000000000000000000000000000004",
                                 "e5000000000000000000000000000005", "ffffffffffffffffffffffffffffffff"],
                  "noCache": false, "global": true})");
    EXPECT_TRUE(d.ingestRouter);
    ASSERT_TRUE(d.route);
    EXPECT_EQ(d.route->index, 0u);
    EXPECT_EQ(d.handler, "relay_project_configs");
    EXPECT_EQ(d.locality, "us");
    ASSERT_EQ(d.keysByCell.size(), 3u);
    EXPECT_EQ(d.keysByCell.at("us1"), (std::vector<std::string>{"a1000000000000000000000000000001"}));
    EXPECT_EQ(d.keysByCell.at("us2"), (std::vector<std::string>{"b2000000000000000000000000000002",
                                                                "c3000000000000000000000000000003"}));
    EXPECT_EQ(d.keysByCell.at("us3"), (std::vector<std::string>{"d4000000000000000000000000000004"}));
    // A de key is refused for locality us; an unknown key has no cell.
    EXPECT_EQ(d.pending, (std::vector<std::string>{"e5000000000000000000000000000005",
                                                   "ffffffffffffffffffffffffffffffff"}));
    EXPECT_TRUE(hasWarning(d, "locality_mismatch"));
    EXPECT_FALSE(d.httpStatus);
}

TEST_F(SynapseRouteTest, IngestRouterStripsThePortAndMatchesTheMethod)
{
    const std::string body = R"({"publicKeys": ["e5000000000000000000000000000005"]})";
    SynapseDecision d = route("ingest.de.sentry.io:443", kProjectConfigs, "POST", body);
    ASSERT_TRUE(d.route);
    EXPECT_EQ(d.route->index, 1u);
    EXPECT_EQ(d.keysByCell.at("de1"), (std::vector<std::string>{"e5000000000000000000000000000005"}));
    d = route("ingest.de.sentry.io", kProjectConfigs, "GET", body);
    EXPECT_FALSE(d.route);
    EXPECT_EQ(d.httpStatus, 404);
}

TEST_F(SynapseRouteTest, UnknownKeysFallToTheLocalityDefaultCell)
{
    const SynapseConfig config = inlineConfig(R"(
ingest_router:
  locator: {type: in_process, data_type: project_key, locality_to_default_cell: {de: de2}}
  localities:
    de: [{id: de1, relay_url: "http://r1"}, {id: de2, relay_url: "http://r2"}]
  routes:
    - match: {path: /api/0/relays/projectconfigs/}
      action: {handler: relay_project_configs}
      locality: de
)");
    const SynapseDecision d = route("anything", kProjectConfigs, "POST",
                                    R"({"publicKeys": ["ffffffffffffffffffffffffffffffff"]})", &config);
    EXPECT_EQ(d.keysByCell.at("de2"), (std::vector<std::string>{"ffffffffffffffffffffffffffffffff"}));
    EXPECT_TRUE(d.pending.empty());
    EXPECT_TRUE(hasWarning(d, "synapse_default_cell"));
}

TEST_F(SynapseRouteTest, KeysOfACellTheLocalityDoesNotListStayPending)
{
    const SynapseConfig config = inlineConfig(R"(
ingest_router:
  localities:
    us: [{id: us1, relay_url: "http://r1"}]
  routes:
    - match: {path: /api/0/relays/projectconfigs/}
      action: {handler: relay_project_configs}
      locality: us
)");
    const SynapseDecision d =
        route("x", kProjectConfigs, "POST",
              R"({"publicKeys": ["a1000000000000000000000000000001", "b2000000000000000000000000000002"]})",
              &config);
    EXPECT_EQ(d.keysByCell.size(), 1u);
    EXPECT_EQ(d.pending, (std::vector<std::string>{"b2000000000000000000000000000002"}));
    EXPECT_TRUE(hasWarning(d, "synapse_cell_not_configured"));
}

TEST_F(SynapseRouteTest, OtherIngestHandlers)
{
    SynapseDecision d = route("ingest.us.sentry.io", "/api/0/relays/live/");
    EXPECT_EQ(d.handler, "health");
    EXPECT_EQ(d.httpStatus, 200);
    d = route("ingest.us.sentry.io", "/api/0/relays/publickeys/", "POST");
    EXPECT_EQ(d.handler, "public_keys");
    EXPECT_EQ(d.cell, "us1");
}

TEST_F(SynapseRouteTest, ProjectConfigsNeedAPublicKeysBody)
{
    EXPECT_THROW(route("ingest.us.sentry.io", kProjectConfigs, "POST"), Error);
    EXPECT_THROW(route("ingest.us.sentry.io", kProjectConfigs, "POST", "not json"), Error);
    EXPECT_THROW(route("ingest.us.sentry.io", kProjectConfigs, "POST", R"({"keys": []})"), Error);
    EXPECT_THROW(route("ingest.us.sentry.io", kProjectConfigs, "POST", R"({"publicKeys": [1]})"), Error);
}

} // namespace
} // namespace cellscope::routing
