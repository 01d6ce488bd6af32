// Route check files with --synapse-config: the synapse_* expectations and Synapse's warnings.
#include "core/routing/check.h"
#include "core/routing/synapse_config.h"
#include "core/util/error.h"
#include "tests/core/routing/routing_test_world.h"

#include <gtest/gtest.h>

namespace cellscope::routing {
namespace {

using testworld::RoutingWorldTest;

class SynapseCheckTest : public RoutingWorldTest
{
protected:
    static SynapseConfig config()
    {
        return loadSynapseConfigFile(std::string(CELLSCOPE_FIXTURES_DIR) + "/synapse/routing_world.yaml");
    }
};

const QByteArray kChecks = R"({"tests": [
  {"name": "globex through its upstream",
   "input": {"url": "https://us.sentry.io/api/0/organizations/globex/"},
   "expect": {"status": "routed", "cells": ["us2"], "synapse_upstream": "us2-api", "synapse_route": 0,
              "synapse_cell": "us2"}},
  {"name": "umbrella falls to the default",
   "input": {"url": "https://us.sentry.io/api/0/organizations/umbrella/"},
   "expect": {"synapse_upstream": "us1-api", "warnings": ["synapse_default_upstream"]}},
  {"name": "no route",
   "input": {"url": "https://us.sentry.io/api/0/issues/1/"},
   "expect": {"synapse_upstream": null, "synapse_route": null}},
  {"name": "project configs",
   "input": {"url": "https://ingest.us.sentry.io/api/0/relays/projectconfigs/", "method": "POST",
             "body": {"publicKeys": ["e5000000000000000000000000000005"]}},
   "expect": {"synapse_route": 0, "warnings": ["locality_mismatch"]}},
  {"name": "a wrong expectation",
   "input": {"url": "https://us.sentry.io/api/0/organizations/acme/"},
   "expect": {"synapse_upstream": "us2-api"}}
]})";

TEST_F(SynapseCheckTest, SynapseExpectationsAreChecked)
{
    const SynapseConfig synapse = config();
    const CheckReport report = runChecks(*s_world, *s_catalog, loadCheckFile(kChecks), &synapse);
    ASSERT_EQ(report.results.size(), 5u);
    for (std::size_t i = 0; i < 4; ++i)
        EXPECT_TRUE(report.results[i].failures.empty())
            << report.results[i].name << ": " << report.results[i].failures.front().field << " "
            << report.results[i].failures.front().actual;
    ASSERT_EQ(report.results[4].failures.size(), 1u);
    EXPECT_EQ(report.results[4].failures[0].field, "synapse_upstream");
    EXPECT_EQ(report.results[4].failures[0].expected, "us2-api");
    EXPECT_EQ(report.results[4].failures[0].actual, "us1-api");
    EXPECT_EQ(report.exitStatus(), 1);
}

TEST_F(SynapseCheckTest, SynapseExpectationsWithoutAConfigFail)
{
    const CheckReport report = runChecks(*s_world, *s_catalog, loadCheckFile(kChecks));
    EXPECT_EQ(report.results[0].failures.size(), 3u);
    EXPECT_EQ(report.results[0].failures[0].actual, "(no --synapse-config)");
}

TEST_F(SynapseCheckTest, BadSynapseExpectationsAreRefused)
{
    EXPECT_THROW(loadCheckFile(R"([{"name": "x", "input": {"url": "/"}, "expect": {"synapse_route": "0"}}])"),
                 Error);
    EXPECT_THROW(
        loadCheckFile(R"([{"name": "x", "input": {"url": "/"}, "expect": {"warnings": ["synapse_nope"]}}])"),
        Error);
    EXPECT_THROW(
        loadCheckFile(R"([{"name": "x", "input": {"url": "/", "body": 3}, "expect": {"status": "routed"}}])"),
        Error);
}

} // namespace
} // namespace cellscope::routing
