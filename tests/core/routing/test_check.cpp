// Route test files: loading with JSON-path errors, pass/fail with field/expected/actual, coverage, reports.
#include "core/routing/check.h"
#include "core/snapshot/snapshot.h"
#include "core/util/error.h"
#include "tests/core/routing/routing_test_world.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <gtest/gtest.h>

using namespace cellscope;
using namespace cellscope::routing;

namespace {

QByteArray bytes(const std::string& text)
{
    return QByteArray(text.data(), static_cast<qsizetype>(text.size()));
}

std::string loadError(const std::string& json)
{
    try {
        loadCheckFile(bytes(json), QStringLiteral("t.json"));
    } catch (const Error& error) {
        EXPECT_EQ(error.code(), ErrorCode::BadInput);
        return error.what();
    }
    return "<loaded>";
}

std::string test(const std::string& input, const std::string& expect)
{
    return R"({"name": "t", "input": )" + input + R"(, "expect": )" + expect + "}";
}

class CheckTest : public testworld::RoutingWorldTest
{
protected:
    static CheckReport run(const std::string& json)
    {
        return runChecks(*s_world, *s_catalog, loadCheckFile(bytes(json)));
    }
};

} // namespace

TEST(CheckFileLoad, ErrorsNameTheJsonPath)
{
    EXPECT_NE(loadError("{").find("t.json: invalid JSON"), std::string::npos);
    EXPECT_NE(loadError("{}").find("t.json: tests: missing"), std::string::npos);
    EXPECT_NE(loadError(R"("tests")").find("t.json: "), std::string::npos);
    EXPECT_NE(loadError(R"({"tests": [{"input": {"url": "/"}, "expect": {"status": "routed"}}]})")
                  .find("tests[0].name: missing"),
              std::string::npos);
    EXPECT_NE(loadError("[" + test(R"({"method": "GET"})", R"({"status": "routed"})") + "]")
                  .find("$[0].input.url: missing"),
              std::string::npos);
    EXPECT_NE(loadError(R"({"tests": [)" + test(R"({"url": "/"})", R"({"status": "lost"})") + "]}")
                  .find("tests[0].expect.status: \"lost\" is not one of routed"),
              std::string::npos);
    EXPECT_NE(loadError(R"({"tests": [)" + test(R"({"url": "/"})", R"({"warnings": ["bogus"]})") + "]}")
                  .find("tests[0].expect.warnings[0]: \"bogus\" is not a warning code"),
              std::string::npos);
    EXPECT_NE(loadError(R"({"tests": [)" + test(R"({"url": "/"})", R"({"http_status": 2000})") + "]}")
                  .find("tests[0].expect.http_status"),
              std::string::npos);
    EXPECT_NE(loadError(R"({"tests": [)" + test(R"({"url": "/"})", R"({"silo": "region"})") + "]}")
                  .find("tests[0].expect.silo"),
              std::string::npos);
    EXPECT_NE(loadError(R"({"tests": [)" + test(R"({"url": "/"})", R"({})") + "]}")
                  .find("tests[0].expect: expects nothing"),
              std::string::npos);
    EXPECT_NE(
        loadError(R"({"tests": [)" + test(R"({"url": "/", "verb": "GET"})", R"({"status": "routed"})") + "]}")
            .find("tests[0].input.verb: unknown field"),
        std::string::npos);
    EXPECT_NE(loadError(R"({"tests": [)" +
                        test(R"({"url": "/", "headers": ["no colon"]})", R"({"status": "routed"})") + "]}")
                  .find("tests[0].input.headers[0]: expected \"Name: value\""),
              std::string::npos);
    EXPECT_NE(loadError(R"({"tests": [)" + test(R"({"url": "/"})", R"({"status": "routed"})") + "," +
                        test(R"({"url": "/"})", R"({"status": "routed"})") + "]}")
                  .find("tests[1].name: duplicate test name"),
              std::string::npos);
}

TEST(CheckFileLoad, AcceptsBothHeaderForms)
{
    const CheckFile file = loadCheckFile(bytes(
        R"({"tests": [{"name": "a", "input": {"url": "/", "headers": {"X-Sentry-Auth": "Sentry sentry_key=k"}, "integration": "i", "method": "POST"}, "expect": {"silo": null}},
                      {"name": "b", "input": {"url": "/", "headers": ["Host: de.sentry.io"]}, "expect": {"http_status": null, "endpoint": null}}]})"));
    ASSERT_EQ(file.tests.size(), 2u);
    EXPECT_EQ(file.tests[0].request.headers.front().first, "X-Sentry-Auth");
    EXPECT_EQ(file.tests[0].request.method, "POST");
    EXPECT_EQ(file.tests[0].request.integration, "i");
    ASSERT_TRUE(file.tests[0].expect.silo.has_value());
    EXPECT_FALSE(file.tests[0].expect.silo->has_value());
    EXPECT_EQ(file.tests[1].request.headers.front(),
              (std::pair<std::string, std::string>{"Host", "de.sentry.io"}));
    EXPECT_TRUE(file.tests[1].expect.httpStatus.has_value());
    EXPECT_FALSE(file.tests[1].expect.httpStatus->has_value());
}

TEST_F(CheckTest, PassAndFailWithFieldExpectedActual)
{
    const CheckReport report = run(R"({"tests": [
        {"name": "routes", "input": {"url": "https://us.sentry.io/api/0/organizations/globex/issues/"},
         "expect": {"status": "routed", "cells": ["us2"], "silo": "cell", "http_status": null,
                    "endpoint": "sentry-api-0-organization-group-index"}},
        {"name": "fanout cells are a set", "input": {"url": "https://sentry.io/extensions/github/webhook/", "method": "POST", "integration": "gh-100"},
         "expect": {"cells": ["us2", "us1", "de1"], "http_status": 202}},
        {"name": "wrong", "input": {"url": "https://us.sentry.io/api/0/organizations/bergwerk/"},
         "expect": {"status": "routed", "cells": ["de1"], "silo": "cell", "warnings": ["locality_mismatch", "org_relocating"],
                    "http_status": 200, "endpoint": "sentry-api-0-organization-group-index"}},
        {"name": "bad input", "input": {"url": "ftp://nowhere/"}, "expect": {"status": "rejected"}}]})");
    ASSERT_EQ(report.results.size(), 4u);
    EXPECT_EQ(report.passed, 2u);
    EXPECT_EQ(report.failed, 2u);
    EXPECT_TRUE(report.results[0].failures.empty());
    EXPECT_TRUE(report.results[1].failures.empty());
    const auto& failures = report.results[2].failures;
    ASSERT_EQ(failures.size(), 6u);
    EXPECT_EQ(failures[0].field, "status");
    EXPECT_EQ(failures[0].expected, "routed");
    EXPECT_EQ(failures[0].actual, "not_found");
    EXPECT_EQ(failures[1].field, "cells");
    EXPECT_EQ(failures[1].actual, "[]");
    EXPECT_EQ(failures[2].field, "silo");
    EXPECT_EQ(failures[2].actual, "null");
    EXPECT_EQ(failures[3].field, "warnings");
    EXPECT_EQ(failures[3].expected, "org_relocating");
    EXPECT_EQ(failures[3].actual, "locality_mismatch");
    EXPECT_EQ(failures[4].field, "http_status");
    EXPECT_EQ(failures[4].actual, "404");
    EXPECT_EQ(failures[5].field, "endpoint");
    EXPECT_EQ(failures[5].actual, "sentry-api-0-organization-details");
    EXPECT_EQ(report.results[3].failures.front().field, "input");
    EXPECT_FALSE(report.results[3].trace);
    EXPECT_EQ(report.exitStatus(), 1);
}

TEST_F(CheckTest, CoverageCountsCatalogEndpointsExercised)
{
    const CheckReport report = run(R"([
        {"name": "a", "input": {"url": "https://sentry.io/api/0/issues/1/"}, "expect": {"status": "pinned"}},
        {"name": "b", "input": {"url": "https://sentry.io/api/0/groups/2/"}, "expect": {"status": "pinned"}},
        {"name": "c", "input": {"url": "https://sentry.io/api/0/users/me/"}, "expect": {"status": "control"}}])");
    EXPECT_EQ(report.failed, 0u);
    EXPECT_EQ(report.endpointsTotal, s_catalog->endpoints().size());
    EXPECT_EQ(report.endpointsCovered, 2u);
    EXPECT_EQ(report.uncovered.size(), report.endpointsTotal - 2);
    EXPECT_NEAR(report.coveragePercent(), 200.0 / static_cast<double>(report.endpointsTotal), 1e-9);
    EXPECT_EQ(report.exitStatus(), 0);
    EXPECT_EQ(report.exitStatus(1.0), 0);
    EXPECT_EQ(report.exitStatus(50.0), 1);
}

TEST_F(CheckTest, Reports)
{
    const CheckReport report = run(R"([
        {"name": "ok", "input": {"url": "https://sentry.io/api/0/users/me/"}, "expect": {"status": "control"}},
        {"name": "broken", "input": {"url": "https://sentry.io/api/0/users/me/"}, "expect": {"status": "routed"}}])");
    const std::string text = checkReportToText(report);
    EXPECT_NE(text.find("PASS  ok\n"), std::string::npos) << text;
    EXPECT_NE(text.find("FAIL  broken\n      status: expected routed, actual control\n"), std::string::npos)
        << text;
    EXPECT_NE(text.find("2 tests, 1 passed, 1 failed; coverage 1/"), std::string::npos) << text;
    EXPECT_EQ(checkReportToText(report, true).find("PASS"), std::string::npos);
    const QJsonObject json = QJsonDocument::fromJson(checkReportToJson(report)).object();
    EXPECT_EQ(json.value(QStringLiteral("failed")).toInt(), 1);
    const QJsonObject broken = json.value(QStringLiteral("tests")).toArray().at(1).toObject();
    EXPECT_FALSE(broken.value(QStringLiteral("passed")).toBool());
    const QJsonObject failure = broken.value(QStringLiteral("failures")).toArray().first().toObject();
    EXPECT_EQ(failure.value(QStringLiteral("field")).toString(), QStringLiteral("status"));
    EXPECT_EQ(failure.value(QStringLiteral("actual")).toString(), QStringLiteral("control"));
    EXPECT_EQ(json.value(QStringLiteral("coverage")).toObject().value(QStringLiteral("covered")).toInt(), 1);
}

// The shipped demo check file: everything but the TODO_DEMO placeholders holds in any world with the
// demo's topology, so it must pass against the test world.
// The shipped check file's "demo world:" cases name seeded orgs and keys; CI runs the whole file
// against the seeded demo world (cli_check_demo_world). The rest must hold in any world shaped
// like the demo's topology, such as this test's.
TEST_F(CheckTest, ShippedDemoCheckFilePassesOutsideItsSeededCases)
{
    const CheckFile file =
        loadCheckFileFromPath(QStringLiteral(CELLSCOPE_FIXTURES_DIR "/routing/demo_world.check.json"));
    CheckFile independent;
    for (const CheckCase& check : file.tests)
        if (check.name.rfind("demo world: ", 0) != 0)
            independent.tests.push_back(check);
    ASSERT_GE(independent.tests.size(), 40u);
    const CheckReport report = runChecks(*s_world, *s_catalog, independent);
    EXPECT_EQ(report.failed, 0u) << checkReportToText(report, true);
}
