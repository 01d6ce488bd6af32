#include "core/routing/catalog.h"
#include "core/util/error.h"

#include <QFile>

#include <gtest/gtest.h>

#include <chrono>
#include <string>

using cellscope::Error;
using cellscope::ErrorCode;
using namespace cellscope::routing;

namespace {

QByteArray bytes(const std::string& text)
{
    return QByteArray(text.data(), static_cast<qsizetype>(text.size()));
}

Catalog catalogOf(const std::string& endpointsJson, const std::string& pinned = "[]")
{
    return Catalog::fromJson(
        bytes(R"({"endpoints": )" + endpointsJson + R"(, "pinned_url_names": )" + pinned + "}"));
}

std::string matchedName(const Catalog& catalog, std::string_view path)
{
    EndpointMatch match;
    if (!catalog.match(path, match))
        return "-";
    return catalog.endpoints()[match.endpoint].name;
}

std::string kwarg(const Catalog& catalog, std::string_view path, std::string_view name)
{
    EndpointMatch match;
    if (!catalog.match(path, match))
        return "<no match>";
    const auto value = match.kwarg(name);
    return value ? std::string(*value) : "<none>";
}

std::string loadError(const std::string& json)
{
    try {
        Catalog::fromJson(bytes(json));
    } catch (const Error& error) {
        EXPECT_EQ(error.code(), ErrorCode::BadInput);
        return error.what();
    }
    return "<loaded>";
}

} // namespace

TEST(Catalog, BundledDefaultLoadsWithOneComplexPattern)
{
    const Catalog catalog = Catalog::bundled();
    EXPECT_GE(catalog.endpoints().size(), 70u);
    EXPECT_EQ(catalog.complexPatterns(), std::vector<std::string>{"sentry-api-0-organization-objectstore"});
    EXPECT_TRUE(catalog.isPinned("sentry-error-page-embed"));
    EXPECT_TRUE(catalog.isPinned("sentry-api-0-group-details"));
    EXPECT_FALSE(catalog.isPinned("sentry-api-0-organizations"));
    ASSERT_NE(catalog.find("sentry-api-0-relocations-index"), nullptr);
    EXPECT_EQ(catalog.find("sentry-api-0-relocations-index")->backlogAction, "TO_BE_BROKEN");
    EXPECT_TRUE(catalog.find("sentry-api-0-relay-projectconfigs")->pinned);
    EXPECT_EQ(catalog.find("no-such-endpoint"), nullptr);
}

TEST(Catalog, MatchesOrgScopedEndpointsWithBothKwargNames)
{
    const Catalog catalog = Catalog::bundled();
    EXPECT_EQ(matchedName(catalog, "api/0/organizations/acme/"), "sentry-api-0-organization-details");
    EXPECT_EQ(matchedName(catalog, "api/0/organizations/acme/issues/"),
              "sentry-api-0-organization-group-index");
    EXPECT_EQ(kwarg(catalog, "api/0/organizations/acme/issues/", "organization_id_or_slug"), "acme");
    EXPECT_EQ(matchedName(catalog, "api/0/organizations/acme/stats/"), "sentry-api-0-organization-stats");
    EXPECT_EQ(kwarg(catalog, "api/0/organizations/acme/stats/", "organization_slug"), "acme");
    EXPECT_EQ(kwarg(catalog, "api/0/organizations/acme/stats/", "organization_id_or_slug"), "<none>");
    EXPECT_EQ(matchedName(catalog, "api/0/organizations/"), "sentry-api-0-organizations");
    EXPECT_EQ(matchedName(catalog, "api/0/organizations/acme/releases/1.0%2B2/"),
              "sentry-api-0-organization-release-details");
}

TEST(Catalog, TrailingSlashAndSegmentCountsMatter)
{
    const Catalog catalog = Catalog::bundled();
    EXPECT_EQ(matchedName(catalog, "api/0/organizations/acme/issues"), "-");
    EXPECT_EQ(matchedName(catalog, "api/0/organizations/acme/issues/1/extra/"), "-");
    EXPECT_EQ(matchedName(catalog, "api/0/organizations//issues/"), "-"); // [^/]+ needs a character
    EXPECT_EQ(matchedName(catalog, ""), "-");
}

TEST(Catalog, LegacyShapesAndAlternatives)
{
    const Catalog catalog = Catalog::bundled();
    EXPECT_EQ(matchedName(catalog, "api/0/issues/123/"), "sentry-api-0-group-details");
    EXPECT_EQ(matchedName(catalog, "api/0/groups/123/events/"), "sentry-api-0-group-events");
    EXPECT_EQ(kwarg(catalog, "api/0/groups/123/", "issue_id"), "123");
    EXPECT_EQ(matchedName(catalog, "api/0/issues/abc/"), "-"); // \d+
    EXPECT_EQ(matchedName(catalog, "api/0/organizations/acme/groups/77/"),
              "sentry-api-0-organization-group-group-details");
    EXPECT_EQ(kwarg(catalog, "api/0/organizations/acme/issues/77/", "issue_id"), "77");
    EXPECT_EQ(matchedName(catalog, "api/0/projects/acme/backend/keys/"), "sentry-api-0-project-keys");
    EXPECT_EQ(kwarg(catalog, "api/0/teams/acme/platform/projects/", "team_id_or_slug"), "platform");
    EXPECT_EQ(kwarg(catalog, "api/0/internal/rpc/organization/get_org/", "method_name"), "get_org");
    EXPECT_EQ(matchedName(catalog, "api/0/internal/rpc/org-x/get/"), "-"); // \w+ has no '-'
}

TEST(Catalog, JsLoaderOptionalGroupAndLazyKey)
{
    const Catalog catalog = Catalog::bundled();
    EXPECT_EQ(kwarg(catalog, "js-sdk-loader/abc123.min.js", "public_key"), "abc123");
    EXPECT_EQ(kwarg(catalog, "js-sdk-loader/abc123.min.js", "minified"), "min");
    EXPECT_EQ(kwarg(catalog, "js-sdk-loader/abc123.js", "public_key"), "abc123");
    EXPECT_EQ(kwarg(catalog, "js-sdk-loader/abc123.js", "minified"), "<none>");
    EXPECT_EQ(kwarg(catalog, "js-sdk-loader/a.min.min.js", "public_key"), "a.min");
    EXPECT_EQ(matchedName(catalog, "js-sdk-loader/.js"), "-");
    EXPECT_EQ(matchedName(catalog, "js-sdk-loader/abc.min.jsx"), "-");
    EXPECT_EQ(matchedName(catalog, "js-sdk-loader/abc.min.js/"), "-");
}

TEST(Catalog, RegexFallbackCrossesSegments)
{
    const Catalog catalog = Catalog::bundled();
    EXPECT_EQ(matchedName(catalog, "api/0/organizations/acme/objectstore/a/b/c"),
              "sentry-api-0-organization-objectstore");
    EXPECT_EQ(kwarg(catalog, "api/0/organizations/acme/objectstore/a/b/c", "path"), "a/b/c");
    EXPECT_EQ(kwarg(catalog, "api/0/organizations/acme/objectstore/a/b/c", "organization_id_or_slug"),
              "acme");
}

TEST(Catalog, FirstPatternInFileOrderWins)
{
    const Catalog general = catalogOf(R"([{"name": "any", "pattern": "^api/(?P<a>[^/]+)/$", "silo": "cell"},
                                          {"name": "literal", "pattern": "^api/literal/$", "silo": "cell"}])");
    EXPECT_EQ(matchedName(general, "api/literal/"), "any");
    const Catalog specific = catalogOf(R"([{"name": "literal", "pattern": "^api/literal/$", "silo": "cell"},
                                           {"name": "any", "pattern": "^api/(?P<a>[^/]+)/$", "silo": "cell"}])");
    EXPECT_EQ(matchedName(specific, "api/literal/"), "literal");
    EXPECT_EQ(matchedName(specific, "api/other/"), "any");
    // A regex-fallback pattern earlier in the file beats a later compiled one.
    const Catalog mixed = catalogOf(R"([{"name": "deep", "pattern": "^api/(?P<rest>.+)$", "silo": "cell"},
                                        {"name": "literal", "pattern": "^api/literal/$", "silo": "cell"}])");
    EXPECT_EQ(matchedName(mixed, "api/literal/"), "deep");
    EXPECT_EQ(kwarg(mixed, "api/x/y/", "rest"), "x/y/");
}

// Literal alternations in several segments multiply into trie paths: repeats collapse, and a
// pattern past the bound is left to the regex fallback instead of compiling for minutes (a fuzzed
// catalog, tests/fixtures/catalog/many_alternations.json, took 21 s before the bound).
TEST(Catalog, AlternationsThatMultiplyAcrossSegmentsStayBounded)
{
    std::string twelve = "(?:";
    for (int i = 0; i < 12; ++i)
        twelve += (i ? "|x" : "x") + std::to_string(i);
    twelve += ")";
    const std::string repeats = "(?:issues|||||||||||||||||||||||||||||groups|issues)";
    const Catalog catalog = catalogOf(
        R"([{"name": "wide", "pattern": "^a/)" + twelve + "/" + twelve + "/" + twelve + "/" + twelve +
        R"(/$", "silo": "cell"}, {"name": "repeats", "pattern": "^b/)" + repeats + "/" + repeats + "/" +
        repeats + "/" + repeats + "/" + repeats + "/" + repeats + R"(/$", "silo": "cell"}])");
    EXPECT_EQ(catalog.complexPatterns(), std::vector<std::string>{"wide"});
    EXPECT_EQ(matchedName(catalog, "a/x3/x5/x11/x0/"), "wide");
    EXPECT_EQ(matchedName(catalog, "a/x3/x5/x12/x0/"), "-");
    EXPECT_EQ(matchedName(catalog, "b/issues/groups//issues/groups/issues/"), "repeats");
    EXPECT_EQ(matchedName(catalog, "b/issues/groups/other/issues/groups/issues/"), "-");

    QFile found(QStringLiteral(CELLSCOPE_FIXTURES_DIR "/catalog/many_alternations.json"));
    ASSERT_TRUE(found.open(QIODevice::ReadOnly));
    // Its first endpoint is the expensive one; the refusal comes from the second, so the first was
    // compiled (quickly) on the way.
    try {
        (void)Catalog::fromJson(found.readAll());
        ADD_FAILURE() << "the fuzzed catalog loaded";
    } catch (const Error& e) {
        EXPECT_STREQ(e.what(), "catalog: endpoints[1].silo: missing");
    }
}

TEST(Catalog, PrefixAndUnanchoredSemantics)
{
    const Catalog catalog = catalogOf(R"([{"name": "prefix", "pattern": "^api/0/", "silo": "cell"},
                                          {"name": "stem", "pattern": "^hooks/foo", "silo": "cell"},
                                          {"name": "search", "pattern": "api/(?P<id>\\d+)/", "silo": "cell"},
                                          {"name": "full", "pattern": "v2/(?P<id>\\d+)/$", "silo": "cell"}])");
    EXPECT_EQ(matchedName(catalog, "api/0/anything/deep/"), "prefix");
    EXPECT_EQ(matchedName(catalog, "api/0"), "-");
    EXPECT_EQ(matchedName(catalog, "hooks/foobar/x"), "stem");
    EXPECT_EQ(matchedName(catalog, "hooks/fo"), "-");
    // Without '^' Django searches anywhere; such patterns go to the regex fallback.
    EXPECT_EQ(matchedName(catalog, "v1/api/42/"), "search");
    EXPECT_EQ(kwarg(catalog, "v1/api/42/", "id"), "42");
    // ...but a pattern ending in '$' must match the whole path (fullmatch).
    EXPECT_EQ(matchedName(catalog, "v2/7/"), "full");
    EXPECT_EQ(matchedName(catalog, "x/v2/7/"), "-");
    EXPECT_EQ(catalog.complexPatterns(), (std::vector<std::string>{"search", "full"}));
}

TEST(Catalog, EscapesClassesAndCounts)
{
    const Catalog catalog = catalogOf(R"([
        {"name": "dot", "pattern": "^files/name\\.txt/$", "silo": "cell"},
        {"name": "hex", "pattern": "^events/(?P<event_id>[A-Fa-f0-9]{32})/$", "silo": "cell"},
        {"name": "either", "pattern": "^ev/(?P<event_id>(?:\\d+|[A-Fa-f0-9-]{32,36}))/$", "silo": "cell"},
        {"name": "word", "pattern": "^p/(?P<slug>[\\w_-]+)/$", "silo": "cell"},
        {"name": "slash", "pattern": "^q/(?P<rest>[^?]+)$", "silo": "cell"}])");
    EXPECT_EQ(matchedName(catalog, "files/name.txt/"), "dot");
    EXPECT_EQ(matchedName(catalog, "files/nameXtxt/"), "-");
    EXPECT_EQ(matchedName(catalog, "events/0123456789abcdef0123456789ABCDEF/"), "hex");
    EXPECT_EQ(matchedName(catalog, "events/0123/"), "-");
    EXPECT_EQ(kwarg(catalog, "ev/123/", "event_id"), "123");
    EXPECT_EQ(kwarg(catalog, "ev/0123456789abcdef0123456789abcdef/", "event_id"),
              "0123456789abcdef0123456789abcdef");
    EXPECT_EQ(matchedName(catalog, "ev/xyz/"), "-");
    EXPECT_EQ(kwarg(catalog, "p/my_project-1/", "slug"), "my_project-1");
    EXPECT_EQ(matchedName(catalog, "p/a.b/"), "-");
    EXPECT_EQ(kwarg(catalog, "q/a/b", "rest"), "a/b");
    EXPECT_EQ(catalog.complexPatterns(), std::vector<std::string>{"slash"});
}

TEST(Catalog, PathologicalSegmentsStayFast)
{
    const Catalog catalog = catalogOf(
        R"([{"name": "nasty", "pattern": "^a/(?P<x>[a-z]*[a-z]*[a-z]*[a-z]*[a-z]*b)/$", "silo": "cell"}])");
    const std::string path = "a/" + std::string(400, 'a') + "/";
    const auto start = std::chrono::steady_clock::now();
    EXPECT_EQ(matchedName(catalog, path), "-");
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(1));
    EXPECT_EQ(matchedName(catalog, "a/aab/"), "nasty");
}

TEST(Catalog, HostilePathsNeverCrash)
{
    const Catalog catalog = Catalog::bundled();
    const std::string inputs[] = {std::string(100000, '/'),
                                  std::string(100000, 'a'),
                                  "api/0/organizations/" + std::string(5000, 'x') + "/issues/",
                                  std::string("api/0/\0organizations/", 22),
                                  "api/0/organizations/\xff\xfe/issues/",
                                  "js-sdk-loader/" + std::string(3000, '.') + ".js",
                                  "api/0/organizations/acme/objectstore/" + std::string(20000, '/')};
    for (const std::string& path : inputs) {
        EndpointMatch match;
        catalog.match(path, match);
    }
    SUCCEED();
}

TEST(Catalog, LoadErrorsNameTheJsonPath)
{
    EXPECT_NE(loadError("{").find("invalid JSON at offset"), std::string::npos);
    EXPECT_NE(loadError("[]").find("$: expected an object"), std::string::npos);
    EXPECT_NE(loadError(R"({"pinned_url_names": []})").find("endpoints: missing"), std::string::npos);
    EXPECT_NE(loadError(R"({"endpoints": {}})").find("endpoints: expected an array, got an object"),
              std::string::npos);
    EXPECT_NE(loadError(R"({"endpoints": [{"pattern": "^a/$", "silo": "cell"}]})")
                  .find("endpoints[0].name: missing"),
              std::string::npos);
    EXPECT_NE(loadError(R"({"endpoints": [{"name": "a", "pattern": "^a/$", "silo": "cell"},
                                          {"name": "b", "pattern": "^b/$", "silo": "region"}]})")
                  .find("endpoints[1].silo: expected one of cell, control"),
              std::string::npos);
    EXPECT_NE(loadError(R"({"endpoints": [{"name": "a", "pattern": 3, "silo": "cell"}]})")
                  .find("endpoints[0].pattern: expected a string, got a number"),
              std::string::npos);
    EXPECT_NE(loadError(R"({"endpoints": [{"name": "a", "pattern": "^/api/$", "silo": "cell"}]})")
                  .find("endpoints[0].pattern: starts with '/'"),
              std::string::npos);
    EXPECT_NE(loadError(R"({"endpoints": [{"name": "a", "pattern": "^api/(?P<x>[^/]+/$", "silo": "cell"}]})")
                  .find("endpoints[0].pattern: invalid regular expression"),
              std::string::npos);
    EXPECT_NE(
        loadError(
            R"({"endpoints": [{"name": "a", "pattern": "^(?P<x>[^/]+)/(?P<x>[^/]+)/$", "silo": "cell"}]})")
            .find("endpoints[0].pattern: invalid regular expression"),
        std::string::npos);
    EXPECT_NE(
        loadError(R"({"endpoints": [{"name": "a", "pattern": "^a/$", "silo": "cell", "backlog_action": 1}]})")
            .find("endpoints[0].backlog_action: expected a string or null"),
        std::string::npos);
    EXPECT_NE(loadError(R"({"endpoints": [], "pinned_url_names": ["a", 2]})").find("pinned_url_names[1]"),
              std::string::npos);
    EXPECT_EQ(
        loadError(
            R"({"endpoints": [{"name": "a", "pattern": "^a/$", "silo": "all", "backlog_action": null}]})"),
        "<loaded>");
}

TEST(Catalog, FromFileReportsUnreadableFiles)
{
    try {
        Catalog::fromFile(QStringLiteral("/nonexistent/catalog.json"));
        FAIL() << "expected an error";
    } catch (const Error& error) {
        EXPECT_EQ(error.code(), ErrorCode::BadInput);
        EXPECT_NE(std::string(error.what()).find("/nonexistent/catalog.json"), std::string::npos);
    }
}
