// The tracer against the routing test world (test_trace_world.cpp): every bullet of "What must be traced"
// in the routing issue, the API gateway's decision order and every warning code.
#include "core/routing/trace.h"
#include "core/snapshot/snapshot.h"
#include "core/util/error.h"
#include "tests/core/routing/routing_test_world.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <gtest/gtest.h>

#include <algorithm>
#include <set>

using namespace cellscope;
using namespace cellscope::routing;

namespace {

using Steps = std::vector<std::pair<std::string, std::string>>; // (component, rule)

Steps steps(const Trace& trace)
{
    Steps out;
    for (const Hop& hop : trace.hops)
        out.emplace_back(hop.component, hop.rule);
    return out;
}

std::set<std::string> codes(const Trace& trace)
{
    std::set<std::string> out;
    for (const Warning& warning : trace.warnings)
        out.insert(warning.code);
    return out;
}

bool hasCode(const Trace& trace, const std::string& code)
{
    return codes(trace).count(code) > 0;
}

std::string warningText(const Trace& trace, const std::string& code)
{
    std::string text;
    for (const Warning& warning : trace.warnings)
        if (warning.code == code)
            text += warning.message + "\n";
    return text;
}

class TraceTest : public testworld::RoutingWorldTest
{
protected:
    static Trace run(const std::string& input, const std::string& method = "GET",
                     std::vector<std::pair<std::string, std::string>> headers = {},
                     std::optional<std::string> integration = std::nullopt)
    {
        Request request;
        request.input = input;
        request.method = method;
        request.headers = std::move(headers);
        request.integration = std::move(integration);
        return trace(*s_world, *s_catalog, request);
    }

    static void expectOutcome(const Trace& t, const std::string& status, std::optional<std::string> silo,
                              std::vector<std::string> cells, std::optional<int> http)
    {
        EXPECT_EQ(t.outcome.status, status) << traceToText(t);
        EXPECT_EQ(t.outcome.silo, silo) << traceToText(t);
        EXPECT_EQ(t.outcome.cells, cells) << traceToText(t);
        EXPECT_EQ(t.outcome.httpStatus, http) << traceToText(t);
    }
};

constexpr const char* kAcmeKey = "a1000000000000000000000000000001";     // us1, org 1, locality DSN
constexpr const char* kGlobexKey = "b2000000000000000000000000000002";   // us2, org 2, legacy DSN
constexpr const char* kInitechKey = "c3000000000000000000000000000003";  // us2, org 3 (relocating)
constexpr const char* kUmbrellaKey = "d4000000000000000000000000000004"; // us3, org 4, org_subdomain DSN
constexpr const char* kBergwerkKey = "e5000000000000000000000000000005"; // de1, org 5
constexpr const char* kS4sKey = "07000000000000000000000000000007";      // s4s2, org 7

} // namespace

// ---- 1. Locality API through Synapse ----------------------------------------------------------

TEST_F(TraceTest, LocalityOrgSlugRoutesThroughSynapse)
{
    const Trace t = run("https://us.sentry.io/api/0/organizations/globex/issues/");
    EXPECT_EQ(t.kind, "url");
    ASSERT_TRUE(t.endpoint);
    EXPECT_EQ(t.endpoint->name, "sentry-api-0-organization-group-index");
    EXPECT_EQ(t.endpoint->silo, "cell");
    EXPECT_EQ(steps(t), (Steps{{"synapse", "locality_host"},
                               {"synapse", "route"},
                               {"synapse", "cell_from_organization"},
                               {"cell", "serve"}}));
    expectOutcome(t, "routed", "cell", {"us2"}, std::nullopt);
    EXPECT_TRUE(t.warnings.empty());
}

TEST_F(TraceTest, LocalityOrgIdDigitsAreAnId)
{
    const Trace t = run("https://us.sentry.io/api/0/organizations/4/releases/");
    expectOutcome(t, "routed", "cell", {"us3"}, std::nullopt);
    EXPECT_NE(t.hops[2].decision.find("organization id 4 (umbrella)"), std::string::npos);
}

TEST_F(TraceTest, LocalityLegacyProjectAndTeamShapesCarryTheOrg)
{
    const Trace project = run("https://us.sentry.io/api/0/projects/umbrella/backend/keys/");
    EXPECT_EQ(project.endpoint->name, "sentry-api-0-project-keys");
    expectOutcome(project, "routed", "cell", {"us3"}, std::nullopt);
    EXPECT_NE(project.hops[1].decision.find("/api/0/projects/{organization}/*"), std::string::npos);
    const Trace team = run("https://us.sentry.io/api/0/teams/acme/platform/projects/");
    expectOutcome(team, "routed", "cell", {"us1"}, std::nullopt);
    // A path the catalog does not know still routes: Synapse only needs its route shape.
    const Trace unknown = run("https://de.sentry.io/api/0/organizations/bergwerk/alert-rules/");
    EXPECT_FALSE(unknown.endpoint);
    expectOutcome(unknown, "routed", "cell", {"de1"}, std::nullopt);
}

TEST_F(TraceTest, LocalityUnknownOrgIs404)
{
    const Trace t = run("https://us.sentry.io/api/0/organizations/no-such-org/");
    expectOutcome(t, "not_found", std::nullopt, {}, 404);
    EXPECT_EQ(t.hops.back().rule, "cell_from_organization");
}

TEST_F(TraceTest, LocalityOrgOfAnotherLocalityIsMismatch404)
{
    const Trace t = run("https://us.sentry.io/api/0/organizations/bergwerk/issues/");
    expectOutcome(t, "not_found", std::nullopt, {}, 404);
    EXPECT_EQ(codes(t), std::set<std::string>{"locality_mismatch"});
    EXPECT_NE(warningText(t, "locality_mismatch").find("https://de.sentry.io"), std::string::npos);
}

TEST_F(TraceTest, LocalityWithoutOrgInMultiCellLocalityIsUnroutable)
{
    const Trace t = run("https://us.sentry.io/api/0/relocations/");
    expectOutcome(t, "unroutable", std::nullopt, {}, std::nullopt);
    ASSERT_TRUE(t.endpoint);
    EXPECT_EQ(t.endpoint->name, "sentry-api-0-relocations-index");
    EXPECT_EQ(t.endpoint->backlogAction, "TO_BE_BROKEN");
    EXPECT_EQ(t.hops.back().rule, "no_org_route");
    EXPECT_NE(t.hops.back().decision.find("TO_BE_BROKEN"), std::string::npos);
    EXPECT_TRUE(hasCode(t, "non_conforming_endpoint"));
    EXPECT_TRUE(hasCode(t, "known_issue"));
}

TEST_F(TraceTest, SingleCellLocalityGoesStraightToItsCell)
{
    const Trace index = run("https://s4s2.sentry.io/api/0/organizations/");
    EXPECT_EQ(steps(index), (Steps{{"synapse", "single_cell_locality"}, {"cell", "serve"}}));
    expectOutcome(index, "routed", "cell", {"s4s2"}, std::nullopt);
    EXPECT_TRUE(index.warnings.empty());
    const Trace org = run("https://s4s2.sentry.io/api/0/organizations/s4s/issues/");
    expectOutcome(org, "routed", "cell", {"s4s2"}, std::nullopt);
    const Trace foreign = run("https://s4s2.sentry.io/api/0/organizations/acme/issues/");
    expectOutcome(foreign, "not_found", "cell", {}, 404);
    EXPECT_TRUE(hasCode(foreign, "locality_mismatch"));
}

TEST_F(TraceTest, LocalitySubdomainIsNeverAnOrgSlug)
{
    // The world has an org with slug "de" (in us3); de.sentry.io is still the de locality.
    const Trace t = run("https://de.sentry.io/api/0/organizations/");
    EXPECT_EQ(t.hops.front().rule, "locality_host");
    expectOutcome(t, "unroutable", std::nullopt, {}, std::nullopt);
    // A non-locality subdomain is a customer domain served by control.
    const Trace customer = run("https://acme.sentry.io/api/0/organizations/acme/issues/");
    EXPECT_EQ(steps(customer).front(), (std::pair<std::string, std::string>{"control", "customer_domain"}));
    expectOutcome(customer, "routed", "cell", {"us1"}, std::nullopt);
}

TEST_F(TraceTest, SynapseCellRoute)
{
    expectOutcome(run("https://us.sentry.io/api/0/cell/us3/whatever/"), "routed", "cell", {"us3"},
                  std::nullopt);
    expectOutcome(run("https://us.sentry.io/api/0/cell/de1/whatever/"), "not_found", std::nullopt, {}, 404);
}

// ---- 2. Ingestion by key ----------------------------------------------------------------------

TEST_F(TraceTest, IngestionByQueryKeyShowsStandardAndHighVolumePaths)
{
    const Trace t =
        run(std::string("https://ingest.us.sentry.io/api/11/envelope/?sentry_key=") + kAcmeKey, "POST");
    EXPECT_FALSE(t.endpoint);
    EXPECT_EQ(steps(t), (Steps{{"ingest-router", "ingest_host"},
                               {"ingest-router", "project_key_mapping"},
                               {"relay", "cell_relay"},
                               {"relay", "high_volume"}}));
    expectOutcome(t, "routed", "cell", {"us1"}, std::nullopt);
    EXPECT_NE(t.hops[1].decision.find("sentry_key="), std::string::npos);
    EXPECT_NE(t.hops[3].decision.find("bypassing the ingest-router"), std::string::npos);
}

TEST_F(TraceTest, IngestionKeySources)
{
    const Trace header =
        run("https://ingest.us.sentry.io/api/31/store/", "POST",
            {{"X-Sentry-Auth", std::string("Sentry sentry_version=7, sentry_key=") + kInitechKey}});
    expectOutcome(header, "routed", "cell", {"us2"}, std::nullopt);
    EXPECT_NE(header.hops[1].decision.find("X-Sentry-Auth"), std::string::npos);
    EXPECT_TRUE(hasCode(header, "org_relocating"));

    const Trace authorization = run("https://ingest.us.sentry.io/api/11/envelope/", "POST",
                                    {{"authorization", std::string("Sentry sentry_key=") + kAcmeKey}});
    expectOutcome(authorization, "routed", "cell", {"us1"}, std::nullopt);

    const Trace unreal =
        run(std::string("https://ingest.us.sentry.io/api/41/unreal/") + kUmbrellaKey + "/", "POST");
    expectOutcome(unreal, "routed", "cell", {"us3"}, std::nullopt);
    EXPECT_NE(unreal.hops[1].decision.find("from the path"), std::string::npos);

    const Trace cron =
        run(std::string("https://ingest.de.sentry.io/api/51/cron/nightly/") + kBergwerkKey + "/");
    expectOutcome(cron, "routed", "cell", {"de1"}, std::nullopt);

    // The header wins over the query string, as in Relay.
    const Trace both = run(std::string("https://ingest.us.sentry.io/api/11/store/?sentry_key=") + kGlobexKey,
                           "POST", {{"X-Sentry-Auth", std::string("Sentry sentry_key=") + kAcmeKey}});
    expectOutcome(both, "routed", "cell", {"us1"}, std::nullopt);
}

TEST_F(TraceTest, IngestionIsByKeyNeverByHost)
{
    // Legacy hosts carry no locality; the key decides.
    expectOutcome(run(std::string("https://sentry.io/api/51/store/?sentry_key=") + kBergwerkKey, "POST"),
                  "routed", "cell", {"de1"}, std::nullopt);
    const Trace orgHost =
        run(std::string("https://o4.ingest.sentry.io/api/41/envelope/?sentry_key=") + kUmbrellaKey);
    expectOutcome(orgHost, "routed", "cell", {"us3"}, std::nullopt);
    EXPECT_FALSE(hasCode(orgHost, "dsn_org_mismatch"));
    // o{org} in the host is only checked against the key's org.
    const Trace mismatch =
        run(std::string("https://o9.ingest.us.sentry.io/api/11/envelope/?sentry_key=") + kAcmeKey);
    expectOutcome(mismatch, "routed", "cell", {"us1"}, std::nullopt);
    EXPECT_TRUE(hasCode(mismatch, "dsn_org_mismatch"));
}

TEST_F(TraceTest, IngestionKeyOfAnotherLocalityStaysPending)
{
    const Trace t =
        run(std::string("https://ingest.us.sentry.io/api/51/envelope/?sentry_key=") + kBergwerkKey);
    expectOutcome(t, "unroutable", std::nullopt, {}, std::nullopt);
    EXPECT_TRUE(hasCode(t, "locality_mismatch"));
}

TEST_F(TraceTest, IngestionUnknownMissingAndBadKeys)
{
    const Trace unknown =
        run("https://ingest.us.sentry.io/api/1/envelope/?sentry_key=ffffffffffffffffffffffffffffffff");
    expectOutcome(unknown, "unroutable", std::nullopt, {}, std::nullopt);
    EXPECT_NE(unknown.hops.back().decision.find("pending"), std::string::npos);
    expectOutcome(run("https://ingest.us.sentry.io/api/1/envelope/"), "rejected", std::nullopt, {}, 401);
    expectOutcome(
        run("https://ingest.us.sentry.io/api/1/envelope/", "POST", {{"X-Sentry-Auth", "Basic abc"}}),
        "rejected", std::nullopt, {}, 401);
    expectOutcome(run("https://ingest.us.sentry.io/api/1/envelope/", "POST",
                      {{"X-Sentry-Auth", "Sentry sentry_version=x, sentry_key=abc"}}),
                  "rejected", std::nullopt, {}, 401);
}

TEST_F(TraceTest, IngestionSingleCellLocalityPassThroughAndLegacyDsnWarning)
{
    const Trace s4s =
        run(std::string("https://ingest.s4s2.sentry.io/api/71/envelope/?sentry_key=") + kS4sKey);
    expectOutcome(s4s, "routed", "cell", {"s4s2"}, std::nullopt);
    EXPECT_NE(s4s.hops[1].decision.find("optional pass-through"), std::string::npos);
    // globex's key was issued a legacy DSN: the embed widget cannot find us2.
    const Trace legacy =
        run(std::string("https://ingest.us.sentry.io/api/21/envelope/?sentry_key=") + kGlobexKey);
    EXPECT_TRUE(hasCode(legacy, "legacy_dsn_no_locality"));
}

TEST_F(TraceTest, IngestRouterRelayApiHandlers)
{
    const Trace configs = run("https://ingest.us.sentry.io/api/0/relays/projectconfigs/", "POST");
    expectOutcome(configs, "fanout", "cell", {"us1", "us2", "us3"}, std::nullopt);
    EXPECT_EQ(configs.hops.front().rule, "relay_project_configs");
    expectOutcome(run("https://ingest.de.sentry.io/api/0/relays/register/challenge/", "POST"), "routed",
                  "cell", {"de1"}, std::nullopt);
    expectOutcome(run("https://ingest.de.sentry.io/api/0/relays/live/"), "routed", std::nullopt, {}, 200);
    expectOutcome(run("https://ingest.de.sentry.io/api/0/organizations/"), "not_found", std::nullopt, {},
                  404);
}

// ---- 3. Control silo through the API gateway ---------------------------------------------------

TEST_F(TraceTest, GatewayServesControlEndpointsLocallyBeforeLookingAtTheOrg)
{
    const Trace t = run("https://sentry.io/api/0/organizations/acme/integrations/");
    EXPECT_EQ(steps(t), (Steps{{"api-gateway", "silo_limit"}, {"control", "serve"}}));
    expectOutcome(t, "control", "control", {}, std::nullopt);
    expectOutcome(run("https://sentry.io/api/0/users/me/"), "control", "control", {}, std::nullopt);
    expectOutcome(run("https://sentry.io/api/0/internal/rpc/organization/get/"), "control", "control", {},
                  std::nullopt);
}

TEST_F(TraceTest, GatewayProxiesByEitherOrgKwarg)
{
    const Trace t = run("https://sentry.io/api/0/organizations/bergwerk/issues/");
    EXPECT_EQ(steps(t), (Steps{{"api-gateway", "organization_kwarg"}, {"cell", "serve"}}));
    expectOutcome(t, "routed", "cell", {"de1"}, std::nullopt);
    expectOutcome(run("https://sentry.io/api/0/organizations/5/stats/"), "routed", "cell", {"de1"},
                  std::nullopt);
    const Trace unknown = run("https://sentry.io/api/0/organizations/nobody/");
    expectOutcome(unknown, "not_found", "control", {}, 404);
    EXPECT_NE(unknown.hops.back().decision.find("empty body"), std::string::npos);
}

TEST_F(TraceTest, GatewayJsLoaderResolverByPublicKey)
{
    const Trace t = run(std::string("https://sentry.io/js-sdk-loader/") + kBergwerkKey + ".min.js");
    EXPECT_EQ(steps(t), (Steps{{"api-gateway", "cell_resolver"}, {"cell", "serve"}}));
    expectOutcome(t, "routed", "cell", {"de1"}, std::nullopt);
    // Unknown key: the resolver falls through; the loader is not pinned, so control answers 404.
    const Trace unknown = run("https://sentry.io/js-sdk-loader/0123.js");
    EXPECT_EQ(steps(unknown),
              (Steps{{"api-gateway", "cell_resolver"}, {"api-gateway", "noop"}, {"control", "silo_limit"}}));
    expectOutcome(unknown, "not_found", "control", {}, 404);
}

TEST_F(TraceTest, GatewayErrorEmbedWithLegacyDsnGoesToMonolith)
{
    const Trace t = run(std::string("https://sentry.io/api/embed/error-page/?dsn=https%3A%2F%2F") +
                        kGlobexKey + "%40o2.ingest.sentry.io%2F21&eventId=abc");
    EXPECT_EQ(steps(t), (Steps{{"api-gateway", "cell_resolver"}, {"cell", "serve"}}));
    expectOutcome(t, "routed", "cell", {"us1"}, std::nullopt);
    EXPECT_TRUE(hasCode(t, "legacy_dsn_no_locality"));
    EXPECT_NE(warningText(t, "legacy_dsn_no_locality").find("breaks silently"), std::string::npos);
}

TEST_F(TraceTest, GatewayErrorEmbedLabelMustBeACellName)
{
    // In this world cells are us1..de2: the label "de" names a locality, get_cell_by_name fails, and the
    // pinned list sends the embed to the monolith.
    const Trace t = run(std::string("https://sentry.io/api/embed/error-page/?dsn=https://") + kBergwerkKey +
                        "@o5.ingest.de.sentry.io/51");
    EXPECT_EQ(steps(t), (Steps{{"api-gateway", "cell_resolver"},
                               {"api-gateway", "error_embed"},
                               {"api-gateway", "pinned_url_name"},
                               {"cell", "serve"}}));
    expectOutcome(t, "pinned", "cell", {"us1"}, std::nullopt);
    EXPECT_NE(warningText(t, "pinned_may_404").find("de1"), std::string::npos);
    // A port in the netloc defeats the suffix test; no dsn at all skips the resolver.
    expectOutcome(run(std::string("https://sentry.io/api/embed/error-page/?dsn=https://") + kBergwerkKey +
                      "@o5.ingest.de.sentry.io:443/51"),
                  "pinned", "cell", {"us1"}, std::nullopt);
    expectOutcome(run("https://sentry.io/api/embed/error-page/"), "pinned", "cell", {"us1"}, std::nullopt);
}

TEST(TraceEmbed, LabelNamingACellRoutesThere)
{
    SnapshotBuilder builder;
    builder.info().monolithCell = "us";
    for (const std::string name : {"us", "de"}) {
        Cell cell;
        cell.name = name;
        cell.address = "https://" + name + ".internal.example";
        builder.addCell(cell);
        Locality locality;
        locality.name = name;
        locality.newOrgCell = name;
        builder.addLocality(locality, std::vector<std::string>{name});
    }
    builder.addProjectKey("e5000000000000000000000000000005", builder.cellIndex("de"), 1, 2, 3,
                          DsnFormat::Locality);
    const SnapshotPtr world = builder.finish();
    const Catalog catalog = Catalog::bundled();
    Request request;
    request.input = "https://sentry.io/api/embed/error-page/?dsn=https://"
                    "e5000000000000000000000000000005@o3.ingest.de.sentry.io/2";
    const Trace t = trace(*world, catalog, request);
    EXPECT_EQ(t.outcome.status, "routed") << traceToText(t);
    EXPECT_EQ(t.outcome.cells, std::vector<std::string>{"de"});
    EXPECT_TRUE(t.warnings.empty()) << traceToText(t);
}

TEST_F(TraceTest, GatewayPinnedNamesGoToTheMonolith)
{
    const Trace issue = run("https://sentry.io/api/0/issues/4711/");
    EXPECT_EQ(steps(issue), (Steps{{"api-gateway", "pinned_url_name"}, {"cell", "serve"}}));
    expectOutcome(issue, "pinned", "cell", {"us1"}, std::nullopt);
    EXPECT_TRUE(hasCode(issue, "pinned_may_404"));
    EXPECT_TRUE(hasCode(issue, "non_conforming_endpoint"));
    expectOutcome(run("https://sentry.io/api/0/relays/projectconfigs/", "POST"), "pinned", "cell", {"us1"},
                  std::nullopt);
    expectOutcome(run("https://sentry.io/api/0/projects/"), "pinned", "cell", {"us1"}, std::nullopt);
}

TEST_F(TraceTest, GatewayNoopAndUnknownPathsAre404FromControl)
{
    const Trace relocation = run("https://sentry.io/api/0/relocations/3f2a/abort/", "PUT");
    EXPECT_EQ(steps(relocation), (Steps{{"api-gateway", "noop"}, {"control", "silo_limit"}}));
    expectOutcome(relocation, "not_found", "control", {}, 404);
    EXPECT_TRUE(hasCode(relocation, "known_issue"));
    const Trace unknown = run("https://sentry.io/api/0/nothing-here/");
    EXPECT_EQ(steps(unknown), (Steps{{"control", "url_resolver"}}));
    expectOutcome(unknown, "not_found", "control", {}, 404);
    // An uncatalogued path with the canonical org shape is still proxied by its org.
    const Trace shaped = run("https://sentry.io/api/0/organizations/globex/alert-rules/");
    EXPECT_EQ(steps(shaped).front().second, "org_path_shape");
    expectOutcome(shaped, "routed", "cell", {"us2"}, std::nullopt);
}

TEST(TraceGatewayOrder, EarlierStepsWin)
{
    // Endpoints that qualify for several steps at once, all in the pinned list.
    const Catalog catalog = Catalog::fromJson(QByteArray(R"({"endpoints": [
        {"name": "control-and-org", "pattern": "^api/0/organizations/(?P<organization_id_or_slug>[^/]+)/c/$", "silo": "control"},
        {"name": "org-and-pinned", "pattern": "^api/0/organizations/(?P<organization_id_or_slug>[^/]+)/p/$", "silo": "cell"},
        {"name": "sentry-js-sdk-loader", "pattern": "^js-sdk-loader/(?P<public_key>[^/]+?)(?:\\.(?P<minified>min))?\\.js$", "silo": "cell"},
        {"name": "all-silo-pinned", "pattern": "^api/0/a/$", "silo": "all"}],
        "pinned_url_names": ["control-and-org", "org-and-pinned", "sentry-js-sdk-loader", "all-silo-pinned"]})"));
    const SnapshotPtr world = testworld::routingTestWorld();
    const auto run = [&](const std::string& url) {
        Request request;
        request.input = url;
        return trace(*world, catalog, request);
    };
    EXPECT_EQ(run("https://sentry.io/api/0/organizations/acme/c/").outcome.status,
              "control");                                                       // step 2 before 3
    EXPECT_EQ(run("https://sentry.io/api/0/a/").outcome.status, "control");     // step 2 before 6
    const Trace org = run("https://sentry.io/api/0/organizations/bergwerk/p/"); // step 3 before 6
    EXPECT_EQ(org.outcome.status, "routed");
    EXPECT_EQ(org.outcome.cells, std::vector<std::string>{"de1"});
    const Trace loader =
        run("https://sentry.io/js-sdk-loader/e5000000000000000000000000000005.js"); // 4 before 6
    EXPECT_EQ(loader.outcome.status, "routed");
    EXPECT_EQ(loader.outcome.cells, std::vector<std::string>{"de1"});
    const Trace unknownKey = run("https://sentry.io/js-sdk-loader/ffff.js"); // falls through to 6
    EXPECT_EQ(unknownKey.outcome.status, "pinned");
    EXPECT_EQ(
        steps(unknownKey),
        (Steps{{"api-gateway", "cell_resolver"}, {"api-gateway", "pinned_url_name"}, {"cell", "serve"}}));
}

// ---- 4. Integration webhooks -------------------------------------------------------------------

TEST_F(TraceTest, WebhookPayloadMailboxPerCell)
{
    const Trace t = run("https://sentry.io/extensions/github/webhook/", "POST", {}, "gh-100");
    EXPECT_EQ(steps(t), (Steps{{"integration-control", "organization_integrations"},
                               {"integration-control", "webhookpayload"}}));
    expectOutcome(t, "fanout", "cell", {"de1", "us1", "us2"}, 202);
    expectOutcome(run("https://sentry.io/extensions/github-enterprise/webhook/", "POST", {}, "ghe-1"),
                  "routed", "cell", {"de2"}, 202);
    // No active installation: still 202, nothing to deliver.
    expectOutcome(run("https://sentry.io/extensions/github/webhook/", "POST", {}, "gh-empty"), "control",
                  "control", {}, 202);
    const Trace ghost = run("https://sentry.io/extensions/github/webhook/", "POST", {}, "gh-ghost");
    EXPECT_NE(ghost.hops.front().decision.find("without org mapping"), std::string::npos);
}

TEST_F(TraceTest, WebhookSlackAndDiscordAcknowledgeImmediately)
{
    const Trace slack = run("https://sentry.io/extensions/slack/commands/", "POST", {}, "T-SLACK");
    EXPECT_EQ(slack.hops.back().rule, "async_response");
    expectOutcome(slack, "fanout", "cell", {"de2", "us2"}, 200);
    expectOutcome(run("https://sentry.io/extensions/discord/interactions/", "POST", {}, "disc-1"), "routed",
                  "cell", {"us2"}, 200);
}

TEST_F(TraceTest, WebhookControlOnlyPaths)
{
    expectOutcome(run("https://sentry.io/extensions/github/setup/"), "control", "control", {}, std::nullopt);
    expectOutcome(run("https://sentry.io/extensions/slack/link/"), "control", "control", {}, std::nullopt);
    expectOutcome(run("https://sentry.io/extensions/external-install/github/1/"), "control", "control", {},
                  std::nullopt);
    const Trace identity = run("https://sentry.io/extensions/slack/link-identity/signed/");
    EXPECT_EQ(identity.hops.back().rule, "control_only");
    expectOutcome(identity, "control", "control", {}, std::nullopt);
    expectOutcome(run("https://sentry.io/extensions/jira/descriptor/"), "control", "control", {},
                  std::nullopt);
    expectOutcome(run("https://sentry.io/extensions/no-such-provider/hook/"), "control", "control", {},
                  std::nullopt);
}

TEST_F(TraceTest, WebhookUnknownIntegrationIs400)
{
    const Trace missing = run("https://sentry.io/extensions/github/webhook/", "POST");
    expectOutcome(missing, "rejected", "control", {}, 400);
    EXPECT_NE(missing.hops.back().decision.find("--integration"), std::string::npos);
    expectOutcome(run("https://sentry.io/extensions/github/webhook/", "POST", {}, "nope"), "rejected",
                  "control", {}, 400);
    // The integration must belong to the path's provider.
    expectOutcome(run("https://sentry.io/extensions/slack/event/", "POST", {}, "gh-100"), "rejected",
                  "control", {}, 400);
}

TEST_F(TraceTest, WebhookPluginsByOrganization)
{
    expectOutcome(run("https://sentry.io/plugins/github/organizations/5/webhook/", "POST"), "routed", "cell",
                  {"de1"}, 202);
    expectOutcome(run("https://sentry.io/plugins/github/organizations/999/webhook/", "POST"), "control",
                  "control", {}, std::nullopt);
}

// ---- 5. DSNs ----------------------------------------------------------------------------------

TEST_F(TraceTest, DsnIsTracedAsItsEnvelopeEndpoint)
{
    const Trace t = run(std::string("https://") + kBergwerkKey + "@o5.ingest.de.sentry.io/51");
    EXPECT_EQ(t.kind, "dsn");
    EXPECT_EQ(steps(t), (Steps{{"ingest-router", "ingest_host"},
                               {"ingest-router", "project_key_mapping"},
                               {"relay", "cell_relay"},
                               {"relay", "high_volume"}}));
    expectOutcome(t, "routed", "cell", {"de1"}, std::nullopt);
    EXPECT_TRUE(t.warnings.empty());
}

TEST_F(TraceTest, DsnWarnings)
{
    const Trace legacy = run(std::string("https://") + kGlobexKey + "@sentry.io/21");
    expectOutcome(legacy, "routed", "cell", {"us2"}, std::nullopt);
    EXPECT_EQ(codes(legacy), std::set<std::string>{"legacy_dsn_no_locality"});
    const Trace mismatch = run(std::string("https://") + kAcmeKey + ":secret@o7.ingest.us.sentry.io/11");
    EXPECT_EQ(codes(mismatch), std::set<std::string>{"dsn_org_mismatch"});
    const Trace orgSubdomain = run(std::string("https://") + kAcmeKey + "@o1.ingest.sentry.io/11");
    EXPECT_EQ(codes(orgSubdomain), std::set<std::string>{"legacy_dsn_no_locality"});
    const Trace wrongLocality = run(std::string("https://") + kAcmeKey + "@o1.ingest.de.sentry.io/11");
    expectOutcome(wrongLocality, "unroutable", std::nullopt, {}, std::nullopt);
    EXPECT_TRUE(hasCode(wrongLocality, "locality_mismatch"));
    expectOutcome(run("https://ffffffffffffffffffffffffffffffff@o1.ingest.us.sentry.io/1"), "unroutable",
                  std::nullopt, {}, std::nullopt);
}

TEST_F(TraceTest, InvalidDsnIsBadInputNamingTheError)
{
    for (const auto& [dsn, code] :
         std::vector<std::pair<std::string, std::string>>{{"https://key@/1", "invalid_url"},
                                                          {"https://key@sentry.io/", "no_project_id"},
                                                          {"https://key@sentry.io//", "invalid_project_id"},
                                                          {"https://:secret@sentry.io/1", "no_username"},
                                                          {"ftp://key@sentry.io/1", "invalid_scheme"}}) {
        try {
            run(dsn);
            ADD_FAILURE() << dsn << " traced";
        } catch (const Error& error) {
            EXPECT_EQ(error.code(), ErrorCode::BadInput);
            EXPECT_NE(std::string(error.what()).find(code), std::string::npos) << dsn << ": " << error.what();
        }
    }
}

TEST(DsnReport, JsonHasEveryPartOrTheError)
{
    const QJsonObject valid =
        QJsonDocument::fromJson(dsnToJson("https://abc:def@o42.ingest.de.sentry.io:8443/path/7", "sentry.io"))
            .object();
    EXPECT_TRUE(valid.value(QStringLiteral("valid")).toBool());
    EXPECT_EQ(valid.value(QStringLiteral("scheme")).toString(), QStringLiteral("https"));
    EXPECT_EQ(valid.value(QStringLiteral("public_key")).toString(), QStringLiteral("abc"));
    EXPECT_EQ(valid.value(QStringLiteral("secret_key")).toString(), QStringLiteral("def"));
    EXPECT_EQ(valid.value(QStringLiteral("host")).toString(), QStringLiteral("o42.ingest.de.sentry.io"));
    EXPECT_EQ(valid.value(QStringLiteral("port")).toInt(), 8443);
    EXPECT_EQ(valid.value(QStringLiteral("path")).toString(), QStringLiteral("/path/"));
    EXPECT_EQ(valid.value(QStringLiteral("project_id")).toString(), QStringLiteral("7"));
    EXPECT_EQ(valid.value(QStringLiteral("org_id")).toInteger(), 42);
    EXPECT_EQ(valid.value(QStringLiteral("locality")).toString(), QStringLiteral("de"));
    EXPECT_EQ(valid.value(QStringLiteral("dsn")).toString(),
              QStringLiteral("https://abc:def@o42.ingest.de.sentry.io:8443/path/7"));

    const QJsonObject legacy =
        QJsonDocument::fromJson(dsnToJson("https://abc@sentry.io/7", "sentry.io")).object();
    EXPECT_TRUE(legacy.value(QStringLiteral("secret_key")).isNull());
    EXPECT_TRUE(legacy.value(QStringLiteral("org_id")).isNull());
    EXPECT_TRUE(legacy.value(QStringLiteral("locality")).isNull());
    EXPECT_EQ(legacy.value(QStringLiteral("port")).toInt(), 443);
    EXPECT_TRUE(QJsonDocument::fromJson(dsnToJson("https://abc@o1.ingest.sentry.io/7", "sentry.io"))
                    .object()
                    .value(QStringLiteral("locality"))
                    .isNull());

    for (const auto& [dsn, code] : std::vector<std::pair<std::string, std::string>>{
             {"not a url", "invalid_url"},
             {"https://abc@sentry.io", "no_project_id"},
             {"https://sentry.io/1", "no_username"},
             {"ftp://abc@sentry.io/1", "invalid_scheme"},
             {"https://abc@sentry.io//", "invalid_project_id"}}) {
        const QJsonObject invalid = QJsonDocument::fromJson(dsnToJson(dsn, "sentry.io")).object();
        EXPECT_FALSE(invalid.value(QStringLiteral("valid")).toBool()) << dsn;
        EXPECT_EQ(invalid.value(QStringLiteral("error")).toString().toStdString(), code) << dsn;
        EXPECT_EQ(invalid.size(), 2) << dsn;
    }
    EXPECT_NE(dsnToText("https://abc@o1.ingest.us.sentry.io/7", "sentry.io").find("locality    us"),
              std::string::npos);
    EXPECT_NE(dsnToText("https://abc@sentry.io", "sentry.io").find("no_project_id"), std::string::npos);
}

// ---- 6. Known issues --------------------------------------------------------------------------

TEST_F(TraceTest, KnownIssuesAreNamedWarnings)
{
    const Trace listing = run("https://us.sentry.io/api/0/organizations/");
    EXPECT_EQ(codes(listing),
              (std::set<std::string>{"known_issue", "partial_results", "non_conforming_endpoint"}));
    EXPECT_NE(warningText(listing, "known_issue").find("org listing"), std::string::npos);

    const Trace creation = run("https://us.sentry.io/api/0/organizations/", "POST");
    EXPECT_NE(warningText(creation, "known_issue").find("org creation"), std::string::npos);
    EXPECT_FALSE(hasCode(creation, "partial_results"));

    const Trace linkage =
        run("https://sentry.io/extensions/slack/link-team/signed-params/", "GET", {}, "T-SLACK");
    expectOutcome(linkage, "unroutable", std::nullopt, {}, std::nullopt);
    EXPECT_NE(warningText(linkage, "known_issue").find("TeamLinkageView"), std::string::npos);

    const Trace jira = run("https://sentry.io/extensions/jira/issue/PROJ-7/", "GET", {}, "jira-multi");
    expectOutcome(jira, "unroutable", std::nullopt, {}, std::nullopt);
    EXPECT_NE(warningText(jira, "known_issue").find("Jira issue-details panel"), std::string::npos);
    expectOutcome(run("https://sentry.io/extensions/jira/issue/PROJ-7/", "GET", {}, "jira-single"), "routed",
                  "cell", {"us3"}, std::nullopt);
    const Trace fanout =
        run("https://sentry.io/extensions/jira/issue-details/PROJ-7/", "GET", {}, "jira-multi");
    EXPECT_EQ(fanout.hops.back().rule, "control_view_fanout");
    expectOutcome(fanout, "fanout", "cell", {"de1", "us1"}, std::nullopt);

    const Trace relocation = run("https://de.sentry.io/api/0/publickeys/relocations/");
    EXPECT_NE(warningText(relocation, "known_issue").find("relocation"), std::string::npos);
}

TEST_F(TraceTest, EveryWarningCodeIsReachable)
{
    std::set<std::string> seen;
    for (const Trace& t :
         {run("https://us.sentry.io/api/0/organizations/bergwerk/"), run("https://sentry.io/api/0/groups/1/"),
          run(std::string("https://") + kGlobexKey + "@sentry.io/21"),
          run("https://us.sentry.io/api/0/organizations/"),
          run(std::string("https://o2.ingest.us.sentry.io/api/11/store/?sentry_key=") + kAcmeKey),
          run("https://us.sentry.io/api/0/organizations/initech/")})
        for (const std::string& code : codes(t))
            seen.insert(code);
    EXPECT_EQ(seen, (std::set<std::string>{"locality_mismatch", "pinned_may_404", "legacy_dsn_no_locality",
                                           "non_conforming_endpoint", "partial_results", "dsn_org_mismatch",
                                           "org_relocating", "known_issue"}));
}

// ---- Rendering --------------------------------------------------------------------------------

TEST_F(TraceTest, JsonIsTheDocumentedShape)
{
    const Trace routed = run("https://us.sentry.io/api/0/organizations/initech/issues/");
    const QJsonObject json = QJsonDocument::fromJson(traceToJson(routed)).object();
    EXPECT_EQ(json.keys(),
              (QStringList{QStringLiteral("endpoint"), QStringLiteral("hops"), QStringLiteral("input"),
                           QStringLiteral("kind"), QStringLiteral("outcome"), QStringLiteral("warnings")}));
    const QJsonObject endpoint = json.value(QStringLiteral("endpoint")).toObject();
    EXPECT_EQ(endpoint.value(QStringLiteral("name")).toString(),
              QStringLiteral("sentry-api-0-organization-group-index"));
    EXPECT_TRUE(endpoint.value(QStringLiteral("backlog_action")).isNull());
    const QJsonObject hop = json.value(QStringLiteral("hops")).toArray().first().toObject();
    EXPECT_EQ(hop.keys(),
              (QStringList{QStringLiteral("component"), QStringLiteral("decision"), QStringLiteral("rule")}));
    const QJsonObject outcome = json.value(QStringLiteral("outcome")).toObject();
    EXPECT_EQ(outcome.value(QStringLiteral("status")).toString(), QStringLiteral("routed"));
    EXPECT_EQ(outcome.value(QStringLiteral("silo")).toString(), QStringLiteral("cell"));
    EXPECT_EQ(outcome.value(QStringLiteral("cells")).toArray().first().toString(), QStringLiteral("us2"));
    EXPECT_TRUE(outcome.value(QStringLiteral("http_status")).isNull());
    EXPECT_EQ(json.value(QStringLiteral("warnings"))
                  .toArray()
                  .first()
                  .toObject()
                  .value(QStringLiteral("code"))
                  .toString(),
              QStringLiteral("org_relocating"));

    const QJsonObject unknown =
        QJsonDocument::fromJson(traceToJson(run("https://us.sentry.io/api/0/organizations/x/nope/")))
            .object();
    EXPECT_TRUE(unknown.value(QStringLiteral("endpoint")).isNull());
    EXPECT_TRUE(unknown.value(QStringLiteral("outcome")).toObject().value(QStringLiteral("silo")).isNull());
    EXPECT_EQ(
        unknown.value(QStringLiteral("outcome")).toObject().value(QStringLiteral("http_status")).toInt(),
        404);
}

TEST_F(TraceTest, TextHasOneLinePerHopThenOutcomeAndWarnings)
{
    const Trace t = run("https://sentry.io/api/0/issues/12/");
    const std::string text = traceToText(t);
    EXPECT_NE(text.find("1.  api-gateway"), std::string::npos) << text;
    EXPECT_NE(text.find("2.  cell"), std::string::npos) << text;
    EXPECT_NE(text.find("outcome  pinned  silo cell  cells us1"), std::string::npos) << text;
    EXPECT_NE(text.find("warning  pinned_may_404: "), std::string::npos) << text;
    EXPECT_LT(text.find("outcome"), text.find("warning"));
    EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 2 + 2 + 1 + static_cast<long>(t.warnings.size()));
}

TEST_F(TraceTest, BarePathUsesTheAppHostOrTheHostHeader)
{
    expectOutcome(run("/api/0/organizations/acme/"), "routed", "cell", {"us1"}, std::nullopt);
    const Trace viaHeader = run("/api/0/organizations/acme/", "GET", {{"Host", "de.sentry.io"}});
    EXPECT_EQ(viaHeader.hops.front().component, "synapse");
    expectOutcome(viaHeader, "not_found", std::nullopt, {}, 404);
}

TEST_F(TraceTest, MethodIsCaseInsensitive)
{
    EXPECT_NE(warningText(run("https://us.sentry.io/api/0/organizations/", "post"), "known_issue")
                  .find("org creation"),
              std::string::npos);
}
