#pragma once

#include "core/routing/catalog.h"
#include "core/routing/trace.h"

#include <QByteArray>
#include <QString>

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace cellscope {
class Snapshot;
}

// Route test files (`cellctl check FILE`), after Envoy's router_check_tool: each test names an input and
// the fields it expects; a run reports every mismatch with field, expected and actual, plus how much of
// the catalog the tests exercised.
namespace cellscope::routing {

// Every field is optional; an absent one is not checked. For silo, http_status and endpoint, a present
// JSON null expects "none".
struct CheckExpect
{
    std::optional<std::string> status;
    std::optional<std::vector<std::string>> cells; // compared as a set
    std::optional<std::optional<std::string>> silo;
    std::vector<std::string> warnings; // codes that must be present
    std::optional<std::optional<int>> httpStatus;
    std::optional<std::optional<std::string>> endpoint;
    // Checked only with a Synapse configuration (runChecks' last argument).
    std::optional<std::optional<std::string>> synapseUpstream; // upstream name, null: none (404)
    std::optional<std::optional<int>> synapseRoute;            // proxy or ingest-router route index
    std::optional<std::optional<std::string>> synapseCell;
};

struct CheckCase
{
    std::string name;
    Request request;
    CheckExpect expect;
};

struct CheckFile
{
    std::vector<CheckCase> tests;
};

// {"tests": [{"name", "input": {"url", "method"?, "headers"?, "integration"?, "body"?}, "expect": {...}}]} or
// the bare array. "headers" is an object {"Name": "value"} or an array of "Name: value" strings. Throws
// Error(BadInput) naming the JSON path of the first problem, prefixed by `origin`.
CheckFile loadCheckFile(const QByteArray& json, const QString& origin = QStringLiteral("check file"));
CheckFile loadCheckFileFromPath(const QString& path);

struct CheckFailure
{
    std::string field;
    std::string expected;
    std::string actual;
};

struct CheckResult
{
    std::string name;
    std::vector<CheckFailure> failures; // empty: passed
    std::optional<Trace> trace;         // absent when the input could not be traced
};

struct CheckReport
{
    std::vector<CheckResult> results;
    std::size_t passed = 0;
    std::size_t failed = 0;
    std::size_t endpointsTotal = 0;
    std::size_t endpointsCovered = 0;
    std::vector<std::string> uncovered; // catalog endpoints no test reached

    double coveragePercent() const noexcept;
    // 0 when every test passed and coverage reaches failUnder (a percentage), else 1
    // (ErrorCode::CheckFailed).
    int exitStatus(std::optional<double> failUnder = std::nullopt) const noexcept;
};

// With a Synapse configuration every input is also routed through it (traceThroughSynapse), and the
// synapse_* expectations are checked; without one, a test expecting them fails.
CheckReport runChecks(const Snapshot& snapshot, const Catalog& catalog, const CheckFile& file,
                      const SynapseConfig* synapse = nullptr);

// One PASS/FAIL line per test (failures indented below), then the totals and coverage.
std::string checkReportToText(const CheckReport& report, bool onlyFailures = false);
// {"tests": [{"name", "passed", "failures": [{"field", "expected", "actual"}]}], "passed", "failed",
//  "coverage": {"covered", "total", "percent", "uncovered": [...]}}
QByteArray checkReportToJson(const CheckReport& report);

} // namespace cellscope::routing
