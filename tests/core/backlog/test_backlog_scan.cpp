#include "core/backlog/scanner.h"

#include <gtest/gtest.h>

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>

#include <algorithm>
#include <ostream>

#ifndef CELLSCOPE_FIXTURES_DIR
#error "CELLSCOPE_FIXTURES_DIR must be the absolute path of tests/fixtures"
#endif

using namespace Qt::StringLiterals;
using namespace cellscope::backlog;

static void PrintTo(const QString& s, std::ostream* os)
{
    *os << '"' << s.toStdString() << '"';
}

namespace {

const QString urlsPy = u"src/sentry/api/urls.py"_s;

QString checkoutRoot()
{
    return QStringLiteral(CELLSCOPE_FIXTURES_DIR) + u"/sentry_checkout"_s;
}

struct ExpectedEndpoint
{
    QString name;
    QString pattern;
    QString endpointClass;
    QString silo;
    bool hasOrgParam;
    QString sourceFile;
    int sourceLine;
};

// The fixture checkout, in Django's resolution order. Patterns are raw strings: they are regexes.
const std::vector<ExpectedEndpoint>& fixtureEndpoints()
{
    static const QString org = uR"(^api/0/organizations/(?P<organization_id_or_slug>[^/]+)/)"_s;
    static const QString legacyOrg = uR"(^api/0/organizations/(?P<organization_slug>[^/]+)/)"_s;
    static const std::vector<ExpectedEndpoint> endpoints = {
        {u"sentry-api-0-organizations"_s, u"^api/0/organizations/$"_s,
         u"sentry.api.endpoints.organization_index.OrganizationIndexEndpoint"_s, u"cell"_s, false, urlsPy,
         27},
        {u"sentry-api-0-organization-details"_s, org + u"$"_s,
         u"sentry.api.endpoints.organization_details.OrganizationDetailsEndpoint"_s, u"cell"_s, true, urlsPy,
         32},
        {u"sentry-api-0-organization-issues"_s, legacyOrg + u"issues/$"_s,
         u"sentry.issues.endpoints.organization_issues.OrganizationIssuesEndpoint"_s, u"cell"_s, true,
         u"src/sentry/issues/urls.py"_s, 15},
        {u"sentry-api-0-organization-issue-activity"_s,
         legacyOrg + uR"(issues/(?P<issue_id>\d+)/activity/\Z)"_s,
         u"sentry.issues.endpoints.activity.IssueActivityEndpoint"_s, u"cell"_s, true,
         u"src/sentry/issues/urls.py"_s, 7},
        {u"sentry-api-0-organization-monitor-index"_s, org + u"monitors/$"_s,
         u"sentry.monitors.endpoints.MonitorIndexEndpoint"_s, u"cell"_s, true,
         u"src/sentry/monitors/urls.py"_s, 6},
        {u"sentry-api-0-organization-monitor-details"_s, org + u"monitors/(?P<monitor_id_or_slug>[^/]+)/$"_s,
         u"sentry.monitors.endpoints.MonitorDetailsEndpoint"_s, u"cell"_s, true,
         u"src/sentry/monitors/urls.py"_s, 14},
        {u"sentry-api-0-preprod-artifacts"_s, org + u"preprod/artifacts/$"_s,
         u"sentry.preprod.endpoints.PreprodArtifactsEndpoint"_s, u"cell"_s, true,
         u"src/sentry/preprod/urls.py"_s, 6},
        {u"sentry-api-0-user-details"_s, u"^api/0/users/(?P<user_id>[^/]+)/$"_s,
         u"sentry.api.endpoints.user_details.UserDetailsEndpoint"_s, u"control"_s, false, urlsPy, 50},
        {u"sentry-api-0-user-emails"_s, u"^api/0/users/(?P<user_id>[^/]+)/emails/$"_s,
         u"sentry.api.endpoints.user_details.UserEmailsEndpoint"_s, u"control"_s, false, urlsPy, 55},
        {u"sentry-api-0-user-stats"_s, u"^api/0/users/(?P<user_id>[^/]+)/stats/$"_s, u"UserStatsEndpoint"_s,
         u"unknown"_s, false, urlsPy, 60},
        {u"sentry-api-0-rpc-service"_s,
         uR"(^api/0/internal/rpc/(?P<service_name>\w+)/(?P<method_name>\w+)/$)"_s,
         u"sentry.api.endpoints.internal.rpc.InternalRpcServiceEndpoint"_s, u"internal_cell"_s, false, urlsPy,
         68},
        {u"sentry-api-0-internal-health"_s, u"^api/0/internal/health/$"_s,
         u"sentry.api.endpoints.internal.rpc.InternalHealthEndpoint"_s, u"internal_cell"_s, false, urlsPy,
         73},
        {u"sentry-api-0-internal-org-mappings"_s, u"^api/0/internal/org-mappings/$"_s,
         u"sentry.api.endpoints.internal.rpc.InternalOrgMappingsEndpoint"_s, u"internal_control"_s, false,
         urlsPy, 74},
        {u"sentry-api-0-internal-beacon"_s, u"^api/0/internal/beacon/$"_s,
         u"sentry.api.endpoints.robots.InternalBeaconEndpoint"_s, u"all"_s, false, urlsPy, 79},
        {u"sentry-api-0-relocations-index"_s, u"^api/0/relocations/$"_s,
         u"sentry.api.endpoints.relocations.index.RelocationIndexEndpoint"_s, u"cell"_s, false, urlsPy, 83},
        {u"sentry-api-0-relocations-public-key"_s, u"^api/0/publickeys/relocations/$"_s,
         u"sentry.api.endpoints.relocations.index.RelocationPublicKeyEndpoint"_s, u"cell"_s, false, urlsPy,
         112},
        {u"sentry-api-0-ghosts"_s, u"^api/0/ghosts/$"_s, u"GhostEndpoint"_s, u"unknown"_s, false, urlsPy,
         117},
        {u"sentry-api-0-legacy-redirect"_s, u"^api/0/legacy-redirect/$"_s,
         u"sentry.api.endpoints.legacy.LegacyRedirectEndpoint"_s, u"unknown"_s, false, urlsPy, 127},
        {u"sentry-api-0-legacy-stats"_s, org + u"legacy-stats/$"_s,
         u"sentry.api.endpoints.legacy.LegacyStatsEndpoint"_s, u"cell"_s, true, urlsPy, 132},
        {u"sentry-api-0-confused"_s, u"^api/0/confused/$"_s,
         u"sentry.api.endpoints.legacy.ConfusedEndpoint"_s, u"unknown"_s, false, urlsPy, 137},
        {u"sentry-api-0-mailgun-hook"_s, u"^api/0/hooks/mailgun/$"_s, u"mailgun_webhook"_s, u"unknown"_s,
         false, urlsPy, 142},
        {u"sentry-api-0-robots"_s, uR"(^api/0/robots\.txt\Z)"_s,
         u"sentry.api.endpoints.robots.RobotsTxtEndpoint"_s, u"all"_s, false, urlsPy, 147},
    };
    return endpoints;
}

void expectEndpoints(const ScanResult& scan, const std::vector<ExpectedEndpoint>& expected)
{
    EXPECT_EQ(scan.endpoints.size(), expected.size());
    for (size_t i = 0; i < std::min(expected.size(), scan.endpoints.size()); ++i) {
        const ScannedEndpoint& actual = scan.endpoints[i];
        SCOPED_TRACE(expected[i].name.toStdString());
        EXPECT_EQ(actual.name, expected[i].name);
        EXPECT_EQ(actual.pattern, expected[i].pattern);
        EXPECT_EQ(actual.endpointClass, expected[i].endpointClass);
        EXPECT_EQ(actual.silo, expected[i].silo);
        EXPECT_EQ(actual.hasOrgParam, expected[i].hasOrgParam);
        EXPECT_EQ(actual.sourceFile, expected[i].sourceFile);
        EXPECT_EQ(actual.sourceLine, expected[i].sourceLine);
    }
}

void expectUnresolved(const ScanResult& scan, const std::vector<Unresolved>& expected)
{
    EXPECT_EQ(scan.unresolved.size(), expected.size());
    for (size_t i = 0; i < std::min(expected.size(), scan.unresolved.size()); ++i) {
        const Unresolved& actual = scan.unresolved[i];
        SCOPED_TRACE(expected[i].what.toStdString());
        EXPECT_EQ(actual.what, expected[i].what);
        EXPECT_EQ(actual.reason, expected[i].reason);
        EXPECT_EQ(actual.sourceFile, expected[i].sourceFile);
        EXPECT_EQ(actual.sourceLine, expected[i].sourceLine);
    }
}

const ScanResult& fixtureScan()
{
    static const ScanResult scan = scanSentryCheckout(checkoutRoot());
    return scan;
}

std::vector<MapEntry> fixtureMap()
{
    return {
        {u"sentry-api-0-organizations"_s, Action::ToBeControlOnly, 1},
        {u"sentry-api-0-relocations-index"_s, Action::ToBeBroken, 2},
        {u"sentry-api-0-organization-details"_s, Action::ToBeStandardized, 3},
        {u"sentry-api-0-user-details"_s, Action::ToBeControlOnly, 4},
        {u"sentry-api-0-rpc-service"_s, Action::ToBeInternalOnly, 5},
        {u"sentry-api-0-removed"_s, Action::ToBeDeprecated, 6},
        {u"sentry-api-0-ghosts"_s, Action::ToBeDeleted, 7},
        {u"sentry-api-0-internal-beacon"_s, Action::ToBeInternalOnly, 8},
    };
}

// A throwaway checkout for shapes the fixture tree does not need to carry.
class Checkout
{
public:
    void write(const QString& relativePath, const QByteArray& content)
    {
        const QString path = m_dir.filePath(relativePath);
        ASSERT_TRUE(QDir().mkpath(QFileInfo(path).path()));
        QFile file(path);
        ASSERT_TRUE(file.open(QIODevice::WriteOnly));
        file.write(content);
    }
    ScanResult scan() const { return scanSentryCheckout(m_dir.path()); }

private:
    QTemporaryDir m_dir;
};

} // namespace

TEST(BacklogScan, FixtureEndpointsExactly)
{
    expectEndpoints(fixtureScan(), fixtureEndpoints());
}

TEST(BacklogScan, FixtureUnresolvedExactly)
{
    expectUnresolved(
        fixtureScan(),
        {
            {u"include(create_group_urls(\"sentry-api-0\"))"_s,
             u"include() of the result of create_group_urls(\"sentry-api-0\") cannot be evaluated without "
             u"running "
             u"Python"_s,
             urlsPy, 92},
            {u"sentry-api-0-user-stats"_s,
             u"sentry.api.endpoints.user_details has no name 'UserStatsEndpoint' (imported at "
             u"src/sentry/api/urls.py:16)"_s,
             urlsPy, 60},
            {u"sentry-api-0-ghosts"_s,
             u"module sentry.missing.module not found (imported at src/sentry/api/urls.py:18)"_s, urlsPy,
             117},
            {u"sentry-api-0-legacy"_s, u"the pattern is not a string literal: LEGACY_PATTERN"_s, urlsPy, 122},
            {u"sentry-api-0-legacy-redirect"_s,
             u"class LegacyRedirectEndpoint (src/sentry/api/endpoints/legacy.py:5) has no silo decorator"_s,
             urlsPy, 127},
            {u"sentry-api-0-confused"_s,
             u"class ConfusedEndpoint (src/sentry/api/endpoints/legacy.py:15) has conflicting silo "
             u"decorators "
             u"@cell_silo_endpoint and @control_silo_endpoint"_s,
             urlsPy, 137},
            {u"sentry-api-0-mailgun-hook"_s,
             u"the view is not an <Endpoint>.as_view() call: mailgun_webhook"_s, urlsPy, 142},
            {u"^api/0/unnamed/$"_s, u"the URL has no name=, so URL_NAME_TO_ACTION cannot refer to it"_s,
             urlsPy, 148},
        });
}

TEST(BacklogScan, EveryUnknownSiloIsExplained)
{
    for (const ScannedEndpoint& endpoint : fixtureScan().endpoints) {
        if (endpoint.silo != u"unknown")
            continue;
        bool explained = false;
        for (const Unresolved& u : fixtureScan().unresolved)
            explained |= u.what == endpoint.name;
        EXPECT_TRUE(explained) << endpoint.name.toStdString();
    }
}

TEST(BacklogScan, MissingCheckoutIsReportedNotEmpty)
{
    const ScanResult scan = scanSentryCheckout(u"/nonexistent/sentry"_s);
    EXPECT_TRUE(scan.endpoints.empty());
    expectUnresolved(scan, {{urlsPy, u"file not found under /nonexistent/sentry"_s, urlsPy, 0}});
}

// A urls.py nesting inline includes and unpacking 40,000 deep is walked to a bounded depth and
// reported, not recursed into until the stack runs out.
TEST(BacklogScan, DeepNestingIsReportedNotRecursed)
{
    Checkout checkout;
    QByteArray nested = "re_path(r\"^x/$\", A.as_view(), name=\"deep\")";
    for (int i = 0; i < 40000; ++i)
        nested = (i % 2 ? "*[" : "re_path(r\"^n/\", include([") + nested + (i % 2 ? "]" : "]))");
    checkout.write(urlsPy, "from django.urls import include, re_path\nfrom sentry.api.ep import A\n\n"
                           "urlpatterns = [" +
                               nested + "]\n");
    const ScanResult scan = checkout.scan();
    EXPECT_TRUE(scan.endpoints.empty());
    ASSERT_FALSE(scan.unresolved.empty());
    EXPECT_TRUE(std::any_of(scan.unresolved.begin(), scan.unresolved.end(), [](const auto& u) {
        return u.reason.contains(u"nested deeper than 64 levels"_s);
    }));
}

TEST(BacklogScan, IncludeFormsPathConvertersAndDeadEnds)
{
    Checkout checkout;
    checkout.write(u"src/sentry/api/ep.py"_s, "from sentry.api.base import cell_silo_endpoint\n\n\n"
                                              "@cell_silo_endpoint\nclass A:\n    pass\n");
    checkout.write(u"src/sentry/api/other.py"_s,
                   "from django.urls import re_path\nfrom .ep import A\n\n"
                   "urlpatterns = [re_path(r\"^o/$\", A.as_view(), name=\"other\")]\n");
    checkout.write(urlsPy, R"py(from django.urls import include, path, re_path
from sentry.api.ep import A

BASE = [re_path(r"^base/$", A.as_view(), name="base")]
MORE = BASE + [
    path("<int:id>/<slug:s>/<uuid:u>/<p>/f.j+son", A.as_view(), name="conv"),
]
CYCLE = [re_path(r"^again/", include(CYCLE))]
urlpatterns = [
    re_path(r"^more/", include(MORE)),
    re_path(r"^tuple/", include(("sentry.api.other", "ns"), namespace="ns")),
    path("inline/", include([re_path(route=r"^x/$", view=A.as_view(), name="inline")])),
    re_path(r"^cycle/", include(CYCLE)),
    re_path(r"^bad-conv/", include([path("<float:f>/", A.as_view(), name="float")])),
    re_path(r"^nope/", include("sentry.nope.urls")),
    re_path(r"^class/", include(A)),
    [x for x in y],
    re_path(f"^{PREFIX}/$", A.as_view(), name="fstring"),
    re_path(r"^empty-pkg/", include("sentry.api")),
]
)py");
    const ScanResult scan = checkout.scan();
    const QString a = u"sentry.api.ep.A"_s;
    expectEndpoints(
        scan, {
                  {u"base"_s, u"^api/0/more/base/$"_s, a, u"cell"_s, false, urlsPy, 4},
                  {u"conv"_s,
                   uR"(^api/0/more/(?P<id>[0-9]+)/(?P<s>[-a-zA-Z0-9_]+)/)"
                   uR"((?P<u>[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})/)"
                   uR"((?P<p>[^/]+)/f\.j\+son\Z)"_s,
                   a, u"cell"_s, false, urlsPy, 6},
                  {u"other"_s, u"^api/0/tuple/o/$"_s, a, u"cell"_s, false, u"src/sentry/api/other.py"_s, 4},
                  {u"inline"_s, u"^api/0/inline/x/$"_s, a, u"cell"_s, false, urlsPy, 12},
              });
    expectUnresolved(
        scan, {
                  {u"include(CYCLE)"_s, u"include cycle: sentry.api.urls.CYCLE includes itself"_s, urlsPy, 8},
                  {u"float"_s, u"path() route '<float:f>/' uses the unknown converter 'float'"_s, urlsPy, 14},
                  {u"include(\"sentry.nope.urls\")"_s, u"module sentry.nope.urls not found"_s, urlsPy, 15},
                  {u"include(A)"_s, u"class sentry.api.ep.A is not a URL list"_s, urlsPy, 16},
                  {u"[x for x in y]"_s, u"not a re_path(), url() or path() entry"_s, urlsPy, 17},
                  {u"fstring"_s, u"the pattern is not a string literal: f\"^{PREFIX}/$\""_s, urlsPy, 18},
                  {u"include(\"sentry.api\")"_s, u"module sentry.api (src/sentry/api) has no urlpatterns"_s,
                   urlsPy, 19},
              });
}

TEST(BacklogScan, BrokenListsAndImportsAreExplained)
{
    Checkout checkout;
    checkout.write(u"src/sentry/api/ep.py"_s, "from sentry.api import base\n\n\n"
                                              "@base.control_silo_endpoint\nclass A:\n    pass\n");
    checkout.write(urlsPy, R"py(from ...toplevel import X
from .ep import A
BROKEN = [re_path(r"^x/$", A.as_view(), name="x"), $]
urlpatterns = [
    re_path(r"^broken/", include(BROKEN)),
    re_path(r"^x/$", X.as_view(), name="beyond"),
    re_path(r"^y/$", A.as_view(), {"extra": 1}, "positional-name"),
    re_path(r"^z/$"),
    re_path(r"^w/$", A.as_view(), name=NAME),
]
if settings.DEBUG:
    urlpatterns += [re_path(r"^debug/$", A.as_view(), name="debug")]
)py");
    const ScanResult scan = checkout.scan();
    expectEndpoints(scan, {
                              {u"beyond"_s, u"^api/0/x/$"_s, u"X"_s, u"unknown"_s, false, urlsPy, 6},
                              {u"positional-name"_s, u"^api/0/y/$"_s, u"sentry.api.ep.A"_s, u"control"_s,
                               false, urlsPy, 7},
                          });
    expectUnresolved(
        scan,
        {
            {u"include(BROKEN)"_s,
             u"BROKEN cannot be read: unexpected character '$' at src/sentry/api/urls.py:3:52"_s, urlsPy, 5},
            {u"beyond"_s,
             u"relative import ...toplevel goes beyond the top-level package (at src/sentry/api/urls.py:1)"_s,
             urlsPy, 6},
            {u"re_path(r\"^z/$\")"_s, u"a URL entry needs a pattern and a view"_s, urlsPy, 8},
            {u"NAME"_s, u"the URL name is not a string literal"_s, urlsPy, 9},
        });
}

TEST(BacklogScan, ReExportChainsAndModuleImports)
{
    Checkout checkout;
    checkout.write(u"src/sentry/__init__.py"_s, "");
    // `from . import leaf` names the submodule, which `sentry.deep.leaf` below then goes through.
    checkout.write(u"src/sentry/deep/__init__.py"_s,
                   "from sentry.deep.middle import *\nfrom . import leaf\n");
    checkout.write(u"src/sentry/deep/middle.py"_s, "from .leaf import Leaf as Renamed\n");
    checkout.write(u"src/sentry/deep/leaf.py"_s, "@internal_control_silo_endpoint\nclass Leaf:\n    pass\n");
    checkout.write(u"src/sentry/loop.py"_s, "from sentry.loop2 import Spin\n");
    checkout.write(u"src/sentry/loop2.py"_s, "from sentry.loop import Spin\n");
    checkout.write(urlsPy, R"py(import sentry.deep
import sentry.loop as loop
from sentry.deep import Renamed

urlpatterns = [
    re_path(r"^a/$", Renamed.as_view(), name="renamed"),
    re_path(r"^b/$", sentry.deep.middle.Renamed.as_view(), name="dotted"),
    re_path(r"^c/$", loop.Spin.as_view(), name="cycle"),
    re_path(r"^d/$", sentry.deep.leaf.Leaf.nested.as_view(), name="nested"),
]
)py");
    const ScanResult scan = checkout.scan();
    const QString leaf = u"sentry.deep.leaf.Leaf"_s;
    expectEndpoints(scan, {
                              {u"renamed"_s, u"^api/0/a/$"_s, leaf, u"internal_control"_s, false, urlsPy, 6},
                              {u"dotted"_s, u"^api/0/b/$"_s, leaf, u"internal_control"_s, false, urlsPy, 7},
                              {u"cycle"_s, u"^api/0/c/$"_s, u"loop.Spin"_s, u"unknown"_s, false, urlsPy, 8},
                              {u"nested"_s, u"^api/0/d/$"_s, u"sentry.deep.leaf.Leaf.nested"_s, u"unknown"_s,
                               false, urlsPy, 9},
                          });
    ASSERT_EQ(scan.unresolved.size(), 2u);
    EXPECT_EQ(scan.unresolved[0].what, u"cycle"_s);
    EXPECT_TRUE(scan.unresolved[0].reason.startsWith(u"import cycle while resolving 'Spin'"_s))
        << scan.unresolved[0].reason.toStdString();
    EXPECT_EQ(scan.unresolved[1].reason,
              u"sentry.deep.leaf.Leaf is not a module, so 'nested' cannot be looked up in it"_s);
}

// ---- Analysis and the routing catalog -----------------------------------------------------------

TEST(BacklogAnalyze, CountsBySilo)
{
    const ScanReport report = analyze(fixtureScan(), fixtureMap());
    const QMap<QString, int> expected{{u"all"_s, 2},
                                      {u"cell"_s, 10},
                                      {u"control"_s, 2},
                                      {u"internal_cell"_s, 2},
                                      {u"internal_control"_s, 1},
                                      {u"unknown"_s, 5}};
    EXPECT_EQ(report.urlCountBySilo, expected);
}

TEST(BacklogAnalyze, NonConformingAndMissingFromMap)
{
    const ScanReport report = analyze(fixtureScan(), fixtureMap());
    QStringList nonConforming;
    for (const ScannedEndpoint& e : report.nonConforming)
        nonConforming << e.name;
    EXPECT_EQ(nonConforming,
              (QStringList{u"sentry-api-0-organizations"_s, u"sentry-api-0-relocations-index"_s,
                           u"sentry-api-0-relocations-public-key"_s}));
    ASSERT_EQ(report.missingFromMap.size(), 1u);
    EXPECT_EQ(report.missingFromMap[0].name, u"sentry-api-0-relocations-public-key"_s);
    EXPECT_EQ(report.missingFromMap[0].pattern, u"^api/0/publickeys/relocations/$"_s);

    // With no map at all, every non-conforming URL would fail CI.
    EXPECT_EQ(analyze(fixtureScan(), {}).missingFromMap.size(), 3u);
}

TEST(BacklogAnalyze, ReadyToDrain)
{
    const ScanReport report = analyze(fixtureScan(), fixtureMap());
    struct Drain
    {
        QString name;
        DrainReason reason;
        QString detail;
    };
    const std::vector<Drain> expected = {
        {u"sentry-api-0-organization-details"_s, DrainReason::Conforming,
         u"the pattern now captures the organization"_s},
        {u"sentry-api-0-user-details"_s, DrainReason::Conforming, u"no longer cell silo: now control"_s},
        {u"sentry-api-0-rpc-service"_s, DrainReason::Internal,
         u"now @internal_cell_silo_endpoint, exempt from the routing rule"_s},
        {u"sentry-api-0-removed"_s, DrainReason::Gone,
         u"no URL named sentry-api-0-removed in the checkout"_s},
        {u"sentry-api-0-internal-beacon"_s, DrainReason::Conforming, u"no longer cell silo: now all"_s},
    };
    ASSERT_EQ(report.readyToDrain.size(), expected.size());
    for (size_t i = 0; i < expected.size(); ++i) {
        SCOPED_TRACE(expected[i].name.toStdString());
        EXPECT_EQ(report.readyToDrain[i].entry.urlName, expected[i].name);
        EXPECT_EQ(drainReasonName(report.readyToDrain[i].reason), drainReasonName(expected[i].reason));
        EXPECT_EQ(report.readyToDrain[i].detail, expected[i].detail);
    }
    EXPECT_EQ(drainReasonName(DrainReason::Gone), u"gone"_s);
}

TEST(BacklogAnalyze, AUrlNameSharedByAConformingAndANonConformingPatternIsNotDrained)
{
    ScanResult scan;
    scan.endpoints.push_back({u"invite"_s,
                              u"^api/0/accept-invite/(?P<organization_id_or_slug>[^/]+)/$"_s,
                              {},
                              u"cell"_s,
                              true,
                              urlsPy,
                              1});
    scan.endpoints.push_back({u"invite"_s, u"^api/0/accept-invite/$"_s, {}, u"cell"_s, false, urlsPy, 2});
    const ScanReport report = analyze(scan, {{u"invite"_s, Action::ToBeStandardized, 1}});
    EXPECT_TRUE(report.readyToDrain.empty());
    EXPECT_EQ(report.nonConforming.size(), 1u);
    EXPECT_TRUE(report.missingFromMap.empty());
}

TEST(BacklogCatalog, FixtureCatalogHasEveryKnownSiloEndpointWithItsAction)
{
    const std::vector<MapEntry> map = fixtureMap();
    const QByteArray json = toCatalogJson(fixtureScan(), {u"sentry-api-0-organizations"_s}, map);
    QJsonParseError error;
    const QJsonDocument document = QJsonDocument::fromJson(json, &error);
    ASSERT_EQ(error.error, QJsonParseError::NoError);

    QJsonArray expected;
    for (const ExpectedEndpoint& e : fixtureEndpoints()) {
        if (e.silo == u"unknown")
            continue;
        QJsonObject object{{u"name"_s, e.name}, {u"pattern"_s, e.pattern}, {u"silo"_s, e.silo}};
        for (const MapEntry& entry : map) {
            if (entry.urlName == e.name)
                object.insert(u"backlog_action"_s, actionName(entry.action));
        }
        expected.append(object);
    }
    EXPECT_EQ(expected.size(), 17);
    EXPECT_EQ(document.object().value(u"endpoints"_s).toArray(), expected);
    EXPECT_EQ(document.object().value(u"pinned_url_names"_s).toArray(),
              QJsonArray{u"sentry-api-0-organizations"_s});
    EXPECT_EQ(document.object().keys(), (QStringList{u"endpoints"_s, u"pinned_url_names"_s}));
}

TEST(BacklogCatalog, ExactBytes)
{
    ScanResult scan;
    scan.endpoints.push_back({u"sentry-api-0-relocations-index"_s, u"^api/0/relocations/$"_s, u"X"_s,
                              u"cell"_s, false, urlsPy, 1});
    scan.endpoints.push_back({u"sentry-api-0-rpc-service"_s, uR"(^api/0/internal/rpc/(?P<s>\w+)/$)"_s, u"Y"_s,
                              u"internal_cell"_s, false, urlsPy, 2});
    scan.endpoints.push_back(
        {u"sentry-api-0-ghost"_s, u"^api/0/ghost/$"_s, u"Z"_s, u"unknown"_s, false, urlsPy, 3});
    const QByteArray json = toCatalogJson(scan, {u"sentry-api-0-a"_s, u"sentry-api-0-b"_s},
                                          {{u"sentry-api-0-relocations-index"_s, Action::ToBeBroken, 1}});
    EXPECT_EQ(json.toStdString(), R"json({
    "endpoints": [
        {
            "backlog_action": "TO_BE_BROKEN",
            "name": "sentry-api-0-relocations-index",
            "pattern": "^api/0/relocations/$",
            "silo": "cell"
        },
        {
            "name": "sentry-api-0-rpc-service",
            "pattern": "^api/0/internal/rpc/(?P<s>\\w+)/$",
            "silo": "internal_cell"
        }
    ],
    "pinned_url_names": [
        "sentry-api-0-a",
        "sentry-api-0-b"
    ]
}
)json");
}
