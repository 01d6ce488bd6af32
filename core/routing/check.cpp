#include "core/routing/check.h"

#include "core/routing/outcome.h"
#include "core/snapshot/snapshot.h"
#include "core/util/error.h"
#include "core/util/json_type.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QJsonParseError>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <set>

namespace cellscope::routing {

namespace {

struct JsonContext
{
    std::string origin;

    [[noreturn]] void fail(const std::string& path, const std::string& problem) const
    {
        cellscope::fail(ErrorCode::BadInput, origin + ": " + path + ": " + problem);
    }
};

std::string stringAt(const JsonContext& context, const QJsonValue& value, const std::string& path)
{
    if (!value.isString())
        context.fail(path, "expected a string, got " + jsonTypeName(value));
    return value.toString().toStdString();
}

void checkKeys(const JsonContext& context, const QJsonObject& object, const std::string& path,
               std::initializer_list<const char*> allowed)
{
    for (auto it = object.begin(); it != object.end(); ++it) {
        const std::string key = it.key().toStdString();
        if (std::none_of(allowed.begin(), allowed.end(), [&](const char* name) { return key == name; })) {
            std::string names;
            for (const char* name : allowed)
                names += std::string(names.empty() ? "" : ", ") + name;
            context.fail(path + "." + key, "unknown field (expected one of " + names + ")");
        }
    }
}

std::pair<std::string, std::string> splitHeader(const JsonContext& context, const std::string& text,
                                                const std::string& path)
{
    const std::size_t colon = text.find(':');
    if (colon == std::string::npos || colon == 0)
        context.fail(path, "expected \"Name: value\"");
    std::string value = text.substr(colon + 1);
    value.erase(0, value.find_first_not_of(' '));
    return {text.substr(0, colon), value};
}

Request parseInput(const JsonContext& context, const QJsonValue& value, const std::string& path)
{
    if (!value.isObject())
        context.fail(path, "expected an object, got " + jsonTypeName(value));
    const QJsonObject input = value.toObject();
    checkKeys(context, input, path, {"url", "method", "headers", "integration", "body"});
    Request request;
    if (!input.contains(QStringLiteral("url")))
        context.fail(path + ".url", "missing");
    request.input = stringAt(context, input.value(QStringLiteral("url")), path + ".url");
    if (input.contains(QStringLiteral("method")))
        request.method = stringAt(context, input.value(QStringLiteral("method")), path + ".method");
    if (input.contains(QStringLiteral("integration")))
        request.integration =
            stringAt(context, input.value(QStringLiteral("integration")), path + ".integration");
    // A body is JSON: an object is taken as is, a string is the body's text.
    const QJsonValue body = input.value(QStringLiteral("body"));
    if (body.isObject())
        request.body = QJsonDocument(body.toObject()).toJson(QJsonDocument::Compact).toStdString();
    else if (!body.isUndefined())
        request.body = stringAt(context, body, path + ".body");
    const QJsonValue headers = input.value(QStringLiteral("headers"));
    if (headers.isObject()) {
        const QJsonObject object = headers.toObject();
        for (auto it = object.begin(); it != object.end(); ++it)
            request.headers.emplace_back(
                it.key().toStdString(),
                stringAt(context, it.value(), path + ".headers." + it.key().toStdString()));
    } else if (headers.isArray()) {
        const QJsonArray list = headers.toArray();
        for (qsizetype i = 0; i < list.size(); ++i) {
            const std::string at = path + ".headers[" + std::to_string(i) + "]";
            request.headers.push_back(splitHeader(context, stringAt(context, list[i], at), at));
        }
    } else if (!headers.isUndefined()) {
        context.fail(path + ".headers", "expected an object or an array, got " + jsonTypeName(headers));
    }
    return request;
}

std::optional<std::string> nullableString(const JsonContext& context, const QJsonValue& value,
                                          const std::string& path)
{
    if (value.isNull())
        return std::nullopt;
    return stringAt(context, value, path);
}

CheckExpect parseExpect(const JsonContext& context, const QJsonValue& value, const std::string& path)
{
    if (!value.isObject())
        context.fail(path, "expected an object, got " + jsonTypeName(value));
    const QJsonObject object = value.toObject();
    checkKeys(context, object, path,
              {"status", "cells", "silo", "warnings", "http_status", "endpoint", "synapse_upstream",
               "synapse_route", "synapse_cell"});
    if (object.isEmpty())
        context.fail(
            path,
            "expects nothing; give at least one of status, cells, silo, warnings, http_status, endpoint");
    CheckExpect expect;
    if (object.contains(QStringLiteral("status"))) {
        expect.status = stringAt(context, object.value(QStringLiteral("status")), path + ".status");
        if (!parseStatus(*expect.status))
            context.fail(path + ".status", "\"" + *expect.status +
                                               "\" is not one of routed, fanout, pinned, control, not_found, "
                                               "unroutable, rejected");
    }
    if (object.contains(QStringLiteral("cells"))) {
        const QJsonValue cells = object.value(QStringLiteral("cells"));
        if (!cells.isArray())
            context.fail(path + ".cells", "expected an array, got " + jsonTypeName(cells));
        expect.cells.emplace();
        const QJsonArray list = cells.toArray();
        for (qsizetype i = 0; i < list.size(); ++i)
            expect.cells->push_back(stringAt(context, list[i], path + ".cells[" + std::to_string(i) + "]"));
    }
    if (object.contains(QStringLiteral("silo"))) {
        expect.silo = nullableString(context, object.value(QStringLiteral("silo")), path + ".silo");
        if (*expect.silo && **expect.silo != "cell" && **expect.silo != "control")
            context.fail(path + ".silo", "expected \"cell\", \"control\" or null");
    }
    if (object.contains(QStringLiteral("warnings"))) {
        const QJsonValue warnings = object.value(QStringLiteral("warnings"));
        if (!warnings.isArray())
            context.fail(path + ".warnings",
                         "expected an array of warning codes, got " + jsonTypeName(warnings));
        const QJsonArray list = warnings.toArray();
        for (qsizetype i = 0; i < list.size(); ++i) {
            const std::string at = path + ".warnings[" + std::to_string(i) + "]";
            const std::string code = stringAt(context, list[i], at);
            if (!parseWarningCode(code) && !isSynapseWarningCode(code))
                context.fail(at, "\"" + code + "\" is not a warning code");
            expect.warnings.push_back(code);
        }
    }
    if (object.contains(QStringLiteral("http_status"))) {
        const QJsonValue status = object.value(QStringLiteral("http_status"));
        const double number = status.toDouble(-1);
        if (status.isNull())
            expect.httpStatus = std::optional<int>();
        else if (!status.isDouble() || number < 100 || number > 599 || std::floor(number) != number)
            context.fail(path + ".http_status", "expected an HTTP status code or null");
        else
            expect.httpStatus = static_cast<int>(number);
    }
    if (object.contains(QStringLiteral("endpoint")))
        expect.endpoint =
            nullableString(context, object.value(QStringLiteral("endpoint")), path + ".endpoint");
    if (object.contains(QStringLiteral("synapse_upstream")))
        expect.synapseUpstream = nullableString(context, object.value(QStringLiteral("synapse_upstream")),
                                                path + ".synapse_upstream");
    if (object.contains(QStringLiteral("synapse_cell")))
        expect.synapseCell =
            nullableString(context, object.value(QStringLiteral("synapse_cell")), path + ".synapse_cell");
    if (object.contains(QStringLiteral("synapse_route"))) {
        const QJsonValue route = object.value(QStringLiteral("synapse_route"));
        const double number = route.toDouble(-1);
        if (route.isNull())
            expect.synapseRoute = std::optional<int>();
        else if (!route.isDouble() || number < 0 || number > 1e6 || std::floor(number) != number)
            context.fail(path + ".synapse_route", "expected a route index or null");
        else
            expect.synapseRoute = static_cast<int>(number);
    }
    return expect;
}

std::string joined(std::vector<std::string> items)
{
    if (items.empty())
        return "[]";
    std::string out;
    for (const std::string& item : items)
        out += (out.empty() ? "" : ", ") + item;
    return out;
}

std::string orNone(const std::optional<std::string>& text)
{
    return text ? *text : "null";
}

std::string orNone(const std::optional<int>& number)
{
    return number ? std::to_string(*number) : "null";
}

QString qs(const std::string& text)
{
    return QString::fromStdString(text);
}

} // namespace

CheckFile loadCheckFile(const QByteArray& json, const QString& origin)
{
    const JsonContext context{origin.toStdString()};
    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(json, &parseError);
    if (parseError.error != QJsonParseError::NoError)
        cellscope::fail(ErrorCode::BadInput, context.origin + ": invalid JSON at offset " +
                                                 std::to_string(parseError.offset) + ": " +
                                                 parseError.errorString().toStdString());
    QJsonArray tests;
    std::string prefix = "tests";
    if (document.isArray()) {
        tests = document.array();
        prefix = "$";
    } else if (document.isObject()) {
        const QJsonValue value = document.object().value(QStringLiteral("tests"));
        if (!value.isArray())
            context.fail("tests",
                         value.isUndefined() ? "missing" : "expected an array, got " + jsonTypeName(value));
        tests = value.toArray();
    } else {
        context.fail("$", "expected an object with \"tests\" or an array of tests");
    }
    CheckFile file;
    std::set<std::string> names;
    for (qsizetype i = 0; i < tests.size(); ++i) {
        const std::string path = prefix + "[" + std::to_string(i) + "]";
        if (!tests[i].isObject())
            context.fail(path, "expected an object, got " + jsonTypeName(tests[i]));
        const QJsonObject test = tests[i].toObject();
        checkKeys(context, test, path, {"name", "input", "expect"});
        CheckCase check;
        if (!test.contains(QStringLiteral("name")))
            context.fail(path + ".name", "missing");
        check.name = stringAt(context, test.value(QStringLiteral("name")), path + ".name");
        if (check.name.empty())
            context.fail(path + ".name", "must not be empty");
        if (!names.insert(check.name).second)
            context.fail(path + ".name", "duplicate test name \"" + check.name + "\"");
        if (!test.contains(QStringLiteral("input")))
            context.fail(path + ".input", "missing");
        check.request = parseInput(context, test.value(QStringLiteral("input")), path + ".input");
        if (!test.contains(QStringLiteral("expect")))
            context.fail(path + ".expect", "missing");
        check.expect = parseExpect(context, test.value(QStringLiteral("expect")), path + ".expect");
        file.tests.push_back(std::move(check));
    }
    return file;
}

CheckFile loadCheckFileFromPath(const QString& path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        cellscope::fail(ErrorCode::BadInput, "cannot read check file " + path.toStdString() + ": " +
                                                 file.errorString().toStdString());
    return loadCheckFile(file.readAll(), path);
}

double CheckReport::coveragePercent() const noexcept
{
    return endpointsTotal == 0
               ? 100.0
               : 100.0 * static_cast<double>(endpointsCovered) / static_cast<double>(endpointsTotal);
}

int CheckReport::exitStatus(std::optional<double> failUnder) const noexcept
{
    const bool coverageLow = failUnder && coveragePercent() < *failUnder;
    return failed > 0 || coverageLow ? static_cast<int>(ErrorCode::CheckFailed) : 0;
}

CheckReport runChecks(const Snapshot& snapshot, const Catalog& catalog, const CheckFile& file,
                      const SynapseConfig* synapse)
{
    CheckReport report;
    std::vector<bool> covered(catalog.endpoints().size(), false);
    for (const CheckCase& check : file.tests) {
        CheckResult result;
        result.name = check.name;
        try {
            result.trace = synapse ? traceThroughSynapse(snapshot, catalog, check.request, *synapse)
                                   : trace(snapshot, catalog, check.request);
        } catch (const Error& error) {
            result.failures.push_back({"input", "a traceable URL, path or DSN", error.what()});
        }
        if (result.trace) {
            const Trace& t = *result.trace;
            const CheckExpect& expect = check.expect;
            if (t.endpoint)
                if (const Endpoint* e = catalog.find(t.endpoint->name))
                    covered[static_cast<std::size_t>(e - catalog.endpoints().data())] = true;
            if (expect.status && *expect.status != t.outcome.status)
                result.failures.push_back({"status", *expect.status, t.outcome.status});
            if (expect.cells) {
                std::vector<std::string> want = *expect.cells, have = t.outcome.cells;
                std::sort(want.begin(), want.end());
                std::sort(have.begin(), have.end());
                if (want != have)
                    result.failures.push_back({"cells", joined(want), joined(have)});
            }
            if (expect.silo && *expect.silo != t.outcome.silo)
                result.failures.push_back({"silo", orNone(*expect.silo), orNone(t.outcome.silo)});
            for (const std::string& code : expect.warnings)
                if (std::none_of(t.warnings.begin(), t.warnings.end(),
                                 [&](const Warning& w) { return w.code == code; })) {
                    std::vector<std::string> present;
                    for (const Warning& w : t.warnings)
                        present.push_back(w.code);
                    result.failures.push_back({"warnings", code, joined(present)});
                }
            if (expect.httpStatus && *expect.httpStatus != t.outcome.httpStatus)
                result.failures.push_back(
                    {"http_status", orNone(*expect.httpStatus), orNone(t.outcome.httpStatus)});
            if (expect.endpoint) {
                const std::optional<std::string> actual =
                    t.endpoint ? std::optional(t.endpoint->name) : std::optional<std::string>();
                if (*expect.endpoint != actual)
                    result.failures.push_back({"endpoint", orNone(*expect.endpoint), orNone(actual)});
            }
            const std::optional<SynapseDecision>& s = t.synapse;
            const std::string noConfig = "(no --synapse-config)";
            if (expect.synapseUpstream) {
                const std::optional<std::string> actual =
                    s && s->upstream ? std::optional(s->upstream->name) : std::optional<std::string>();
                if (!s || *expect.synapseUpstream != actual)
                    result.failures.push_back(
                        {"synapse_upstream", orNone(*expect.synapseUpstream), s ? orNone(actual) : noConfig});
            }
            if (expect.synapseCell && (!s || *expect.synapseCell != s->cell))
                result.failures.push_back(
                    {"synapse_cell", orNone(*expect.synapseCell), s ? orNone(s->cell) : noConfig});
            if (expect.synapseRoute) {
                const std::optional<int> actual =
                    s && s->route ? std::optional(static_cast<int>(s->route->index)) : std::optional<int>();
                if (!s || *expect.synapseRoute != actual)
                    result.failures.push_back(
                        {"synapse_route", orNone(*expect.synapseRoute), s ? orNone(actual) : noConfig});
            }
        }
        (result.failures.empty() ? report.passed : report.failed)++;
        report.results.push_back(std::move(result));
    }
    report.endpointsTotal = covered.size();
    for (std::size_t i = 0; i < covered.size(); ++i) {
        if (covered[i])
            ++report.endpointsCovered;
        else
            report.uncovered.push_back(catalog.endpoints()[i].name);
    }
    return report;
}

std::string checkReportToText(const CheckReport& report, bool onlyFailures)
{
    std::string out;
    for (const CheckResult& result : report.results) {
        if (onlyFailures && result.failures.empty())
            continue;
        out += (result.failures.empty() ? "PASS  " : "FAIL  ") + result.name + "\n";
        for (const CheckFailure& failure : result.failures)
            out += "      " + failure.field + ": expected " + failure.expected + ", actual " +
                   failure.actual + "\n";
    }
    char percent[32];
    std::snprintf(percent, sizeof percent, "%.1f", report.coveragePercent());
    out += std::to_string(report.results.size()) + " tests, " + std::to_string(report.passed) + " passed, " +
           std::to_string(report.failed) + " failed; coverage " + std::to_string(report.endpointsCovered) +
           "/" + std::to_string(report.endpointsTotal) + " catalog endpoints (" + percent + "%)\n";
    return out;
}

QByteArray checkReportToJson(const CheckReport& report)
{
    QJsonArray tests;
    for (const CheckResult& result : report.results) {
        QJsonArray failures;
        for (const CheckFailure& failure : result.failures)
            failures.append(QJsonObject{{QStringLiteral("field"), qs(failure.field)},
                                        {QStringLiteral("expected"), qs(failure.expected)},
                                        {QStringLiteral("actual"), qs(failure.actual)}});
        tests.append(QJsonObject{{QStringLiteral("name"), qs(result.name)},
                                 {QStringLiteral("passed"), result.failures.empty()},
                                 {QStringLiteral("failures"), failures}});
    }
    QJsonArray uncovered;
    for (const std::string& name : report.uncovered)
        uncovered.append(qs(name));
    const QJsonObject coverage{{QStringLiteral("covered"), static_cast<qint64>(report.endpointsCovered)},
                               {QStringLiteral("total"), static_cast<qint64>(report.endpointsTotal)},
                               {QStringLiteral("percent"), std::round(report.coveragePercent() * 10) / 10},
                               {QStringLiteral("uncovered"), uncovered}};
    const QJsonObject root{{QStringLiteral("tests"), tests},
                           {QStringLiteral("passed"), static_cast<qint64>(report.passed)},
                           {QStringLiteral("failed"), static_cast<qint64>(report.failed)},
                           {QStringLiteral("coverage"), coverage}};
    return QJsonDocument(root).toJson(QJsonDocument::Indented);
}

} // namespace cellscope::routing
