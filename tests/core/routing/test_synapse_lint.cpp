// `cellctl synapse lint`: one test per code, on small configurations in Synapse's format and the
// routing tests' world (us {us1, us2, us3}, de {de1, de2}, s4s2; new-org cells us1, de1, s4s2).
#include "core/routing/synapse_lint.h"
#include "core/util/error.h"
#include "tests/core/routing/routing_test_world.h"

#include <gtest/gtest.h>

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <string>

namespace cellscope::routing {
namespace {

using testworld::RoutingWorldTest;

class SynapseLintTest : public RoutingWorldTest
{
protected:
    static SynapseLintReport lint(const std::string& yaml, bool withWorld = true)
    {
        return lintSynapseConfig(loadSynapseConfig(yaml, "lint.yaml"), withWorld ? s_world.get() : nullptr);
    }
    // The findings of one code, errors and warnings together.
    static std::vector<SynapseFinding> only(const SynapseLintReport& report, const std::string& code)
    {
        std::vector<SynapseFinding> out;
        for (const auto* list : {&report.errors, &report.warnings})
            for (const SynapseFinding& f : *list)
                if (f.code == code)
                    out.push_back(f);
        return out;
    }
    static bool isError(const SynapseLintReport& report, const std::string& code)
    {
        return std::any_of(report.errors.begin(), report.errors.end(),
                           [&](const SynapseFinding& f) { return f.code == code; });
    }
};

// A correct file for the us locality: nothing to say.
const std::string kClean = R"(
locator:
  locality_to_default_cell: {us: us1, de: de1}
proxy:
  upstreams: [{name: us1, url: "http://us1"}, {name: us2, url: "http://us2"}, {name: us3, url: "http://us3"}]
  routes:
    - match: {host: us.sentry.io, path: "/api/0/organizations/{organization}/*"}
      action: {resolver: cell_from_organization, cell_to_upstream: {us1: us1, us2: us2, us3: us3}}
    - match: {host: us.sentry.io, path: "/api/0/cell/{id}/*"}
      action: {resolver: cell_from_id, cell_to_upstream: {us1: us1, us2: us2, us3: us3}}
)";

TEST_F(SynapseLintTest, CleanFileHasNoFindings)
{
    const SynapseLintReport report = lint(kClean);
    EXPECT_TRUE(report.errors.empty());
    EXPECT_TRUE(report.warnings.empty())
        << report.warnings.front().code << ": " << report.warnings.front().message;
    EXPECT_EQ(report.exitStatus(), 0);
}

TEST_F(SynapseLintTest, YamlError)
{
    const std::string path = std::string(CELLSCOPE_FIXTURES_DIR) + "/synapse/broken_yaml.yaml";
    const SynapseLintReport report = lintSynapseConfigFile(path, nullptr);
    ASSERT_EQ(report.errors.size(), 1u);
    EXPECT_EQ(report.errors[0].code, "yaml_error");
    EXPECT_FALSE(report.errors[0].route);
    EXPECT_EQ(report.errors[0].line, 6);
    EXPECT_EQ(report.exitStatus(), 1);
}

TEST_F(SynapseLintTest, InvalidParamName)
{
    const auto report = lint(R"(
proxy:
  routes:
    - match: {path: "/api/0/organizations/{Organization}/*"}
      action: {to: us1}
)");
    ASSERT_TRUE(isError(report, "invalid_param_name"));
    const auto found = only(report, "invalid_param_name");
    EXPECT_EQ(found[0].route, 0u);
    EXPECT_EQ(found[0].line, 4);
    EXPECT_EQ(report.exitStatus(), 1);
}

TEST_F(SynapseLintTest, ParamInStaticRoute)
{
    const auto report = lint(R"(
proxy:
  upstreams: [{name: us1, url: "http://us1"}]
  routes:
    - match: {path: "/api/0/organizations/{organization}/*"}
      action: {to: us1}
)");
    EXPECT_TRUE(isError(report, "param_in_static_route"));
    EXPECT_EQ(only(report, "param_in_static_route")[0].route, 0u);
}

TEST_F(SynapseLintTest, InvalidStaticSegment)
{
    const auto report =
        lint("proxy:\n  routes:\n    - match: {path: /api/0/~issues/}\n      action: {to: a}\n"
             "    - match: {path: /api//x}\n      action: {to: a}\n");
    const auto found = only(report, "invalid_static_segment");
    ASSERT_EQ(found.size(), 2u);
    EXPECT_EQ(found[1].route, 1u);
    EXPECT_TRUE(isError(report, "invalid_static_segment"));
}

TEST_F(SynapseLintTest, InvalidSplat)
{
    const auto report = lint("proxy:\n  routes:\n    - match: {path: /api/*/issues/}\n      action: {to: a}\n"
                             "    - match: {path: /*}\n      action: {to: a}\n");
    const auto found = only(report, "invalid_splat");
    ASSERT_EQ(found.size(), 2u);
    EXPECT_TRUE(isError(report, "invalid_splat"));
    // The ingest-router's paths follow the same rules.
    const auto ingest = lint("ingest_router:\n  localities: {us: []}\n  routes:\n"
                             "    - match: {path: /api/0/relays/*/x}\n      action: {handler: health}\n"
                             "      locality: us\n");
    EXPECT_TRUE(isError(ingest, "invalid_splat"));
}

TEST_F(SynapseLintTest, RefusedFilesCannotBeTracedThrough)
{
    const SynapseConfig config = loadSynapseConfig("proxy:\n  routes:\n    - match: {path: /a/*/b}\n"
                                                   "      action: {to: a}\n",
                                                   "bad.yaml");
    try {
        requireStartableSynapseConfig(config);
        FAIL() << "expected a refusal";
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::BadInput);
        EXPECT_NE(std::string(e.what()).find("bad.yaml:3: proxy route #0"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("(invalid_splat)"), std::string::npos);
    }
    EXPECT_NO_THROW(requireStartableSynapseConfig(loadSynapseConfig(kClean, "clean.yaml")));
}

TEST_F(SynapseLintTest, UnknownUpstream)
{
    const auto report = lint(R"(
proxy:
  upstreams: [{name: us1, url: "http://us1"}]
  routes:
    - match: {host: us.sentry.io, path: "/api/0/organizations/{organization}/*"}
      action: {resolver: cell_from_organization, cell_to_upstream: {us1: us1, us2: us2-typo, us3: us2-typo},
               default: nowhere}
    - match: {host: de.sentry.io}
      action: {to: de}
)");
    const auto found = only(report, "unknown_upstream");
    ASSERT_EQ(found.size(), 3u); // us2-typo once, nowhere, de
    EXPECT_EQ(found[2].route, 1u);
    EXPECT_TRUE(report.errors.empty());
    EXPECT_EQ(report.exitStatus(), 0);
}

TEST_F(SynapseLintTest, ResolverParamMissing)
{
    const auto report = lint(R"(
proxy:
  upstreams: [{name: us1, url: "http://us1"}]
  routes:
    - match: {path: "/api/0/cell/{cell_id}/*"}
      action: {resolver: cell_from_id, cell_to_upstream: {us1: us1}}
    - match: {path: "/api/0/organizations/{organization}/*"}
      action: {resolver: cell_from_organization, cell_to_upstream: {us1: us1}}
)",
                             false);
    const auto found = only(report, "resolver_param_missing");
    ASSERT_EQ(found.size(), 1u);
    EXPECT_EQ(found[0].route, 0u);
    EXPECT_NE(found[0].message.find("reads {id}"), std::string::npos);
}

TEST_F(SynapseLintTest, ShadowedRoute)
{
    const auto report = lint(R"(
proxy:
  upstreams: [{name: a, url: "http://a"}]
  routes:
    - match: {host: us.sentry.io, path: "/api/0/organizations/{organization}/*"}
      action: {resolver: cell_from_organization, default: a}
    - match: {host: us.sentry.io, path: "/api/0/organizations/{org}/issues/"}
      action: {resolver: cell_from_organization, default: a}
    - match: {host: de.sentry.io, path: "/api/0/organizations/{organization}/"}
      action: {resolver: cell_from_organization, default: a}
    - match: {path: "/api/0/projects/{organization}"}
      action: {resolver: cell_from_organization, default: a}
    - match: {host: us.sentry.io, path: "/api/0/projects/{organization}/*"}
      action: {resolver: cell_from_organization, default: a}
    - match: {host: us.sentry.io, path: "/api/0/organizations"}
      action: {to: a}
)",
                             false);
    const auto found = only(report, "shadowed_route");
    // #1 is under #0; #2 is another host; #4's splat reaches paths #3 does not; #5 is one segment short of
    // #0.
    ASSERT_EQ(found.size(), 1u);
    EXPECT_EQ(found[0].route, 1u);
    EXPECT_NE(found[0].message.find("route #0"), std::string::npos);
}

TEST_F(SynapseLintTest, CellWithoutUpstream)
{
    const auto report = lint(R"(
proxy:
  upstreams: [{name: us1, url: "http://us1"}, {name: us2, url: "http://us2"}]
  routes:
    - match: {host: us.sentry.io, path: "/api/0/organizations/{organization}/*"}
      action: {resolver: cell_from_organization, cell_to_upstream: {us1: us1, us2: us2}, default: us1}
)");
    const auto found = only(report, "cell_without_upstream");
    ASSERT_EQ(found.size(), 1u);
    EXPECT_NE(found[0].message.find("cell us3"), std::string::npos);
    EXPECT_NE(found[0].message.find("default upstream us1"), std::string::npos);
    // Without a world there is nothing to compare with.
    EXPECT_TRUE(only(lint(R"(
proxy:
  upstreams: [{name: us1, url: "http://us1"}]
  routes:
    - match: {host: us.sentry.io, path: "/api/0/organizations/{organization}/*"}
      action: {resolver: cell_from_organization, cell_to_upstream: {us1: us1}}
)",
                          false),
                     "cell_without_upstream")
                    .empty());
}

TEST_F(SynapseLintTest, UnknownCell)
{
    const auto report = lint(R"(
locator:
  locality_to_default_cell: {us: us9}
proxy:
  upstreams: [{name: us1, url: "http://us1"}]
  routes:
    - match: {path: "/api/0/cell/{id}/*"}
      action: {resolver: cell_from_id, cell_to_upstream: {us1: us1, mars1: us1}}
ingest_router:
  localities:
    us: [{id: us1, relay_url: "http://r"}, {id: us2, relay_url: "http://r"}, {id: us3, relay_url: "http://r"},
         {id: venus1, relay_url: "http://r"}]
)");
    const auto found = only(report, "unknown_cell");
    ASSERT_EQ(found.size(), 3u);
    EXPECT_NE(found[0].message.find("mars1"), std::string::npos);
    EXPECT_FALSE(found[1].route);
}

TEST_F(SynapseLintTest, DefaultCellMismatch)
{
    const auto report = lint("locator:\n  locality_to_default_cell: {us: us2, de: de1}\n");
    const auto found = only(report, "default_cell_mismatch");
    ASSERT_EQ(found.size(), 1u);
    EXPECT_EQ(found[0].line, 2);
    EXPECT_NE(found[0].message.find("new-organization cell of us is us1"), std::string::npos);
    // The proxy's and the ingest-router's locators are checked the same way.
    EXPECT_EQ(
        only(lint("ingest_router:\n  locator: {type: in_process, locality_to_default_cell: {de: de2}}\n"),
             "default_cell_mismatch")
            .size(),
        1u);
}

TEST_F(SynapseLintTest, UnknownLocality)
{
    const auto report = lint(R"(
locator:
  localities: [us, eu]
  locality_to_default_cell: {mars: us1}
ingest_router:
  localities:
    jp: []
  routes:
    - match: {path: /api/0/relays/projectconfigs/}
      action: {handler: relay_project_configs}
      locality: jp
)");
    EXPECT_EQ(only(report, "unknown_locality").size(), 4u); // eu, mars, route jp, localities jp
}

TEST_F(SynapseLintTest, IngestRouterLocalitiesAgainstTheWorld)
{
    const auto report = lint(R"(
ingest_router:
  localities:
    us: [{id: us1, relay_url: "http://r1"}, {id: de1, relay_url: "http://r2"}]
  routes:
    - match: {path: /api/0/relays/projectconfigs/}
      action: {handler: relay_project_configs}
      locality: us
    - match: {path: /api/0/relays/projectconfigs/}
      action: {handler: relay_project_configs}
      locality: de
)");
    const auto other = only(report, "ingest_cell_other_locality");
    ASSERT_EQ(other.size(), 1u);
    EXPECT_NE(other[0].message.find("de1"), std::string::npos);
    const auto missing = only(report, "ingest_cell_missing");
    ASSERT_EQ(missing.size(), 2u); // us2, us3
    const auto unconfigured = only(report, "ingest_locality_unconfigured");
    ASSERT_EQ(unconfigured.size(), 1u);
    EXPECT_EQ(unconfigured[0].route, 1u);
    // The second route is the same match as the first: shadowed.
    EXPECT_EQ(only(report, "shadowed_route").size(), 1u);
}

TEST_F(SynapseLintTest, JsonHasTheFourFieldsOfEachFinding)
{
    const auto report =
        lint("proxy:\n  routes:\n    - match: {path: /a/*/b}\n      action: {to: x}\n", false);
    const QJsonObject root = QJsonDocument::fromJson(synapseLintToJson(report)).object();
    const QJsonArray errors = root.value(QStringLiteral("errors")).toArray();
    ASSERT_EQ(errors.size(), 1);
    const QJsonObject error = errors[0].toObject();
    EXPECT_EQ(error.value(QStringLiteral("code")).toString(), QStringLiteral("invalid_splat"));
    EXPECT_EQ(error.value(QStringLiteral("route")).toInt(), 0);
    EXPECT_EQ(error.value(QStringLiteral("line")).toInt(), 3);
    EXPECT_EQ(error.keys().size(), 4);
    EXPECT_EQ(root.value(QStringLiteral("warnings")).toArray().size(), 1); // unknown_upstream x
    EXPECT_EQ(synapseLintToText(report, "f.yaml").substr(0, 30), "f.yaml:3: error invalid_splat:");
}

} // namespace
} // namespace cellscope::routing
