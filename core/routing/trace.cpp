#include "core/routing/trace.h"

#include "core/routing/access_log.h"
#include "core/routing/dsn.h"
#include "core/routing/router.h"
#include "core/routing/synapse_lint.h"
#include "core/routing/synapse_report.h"
#include "core/routing/url.h"
#include "core/snapshot/snapshot.h"
#include "core/util/error.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <algorithm>

namespace cellscope::routing {

namespace {

constexpr std::size_t kMaxInput = 65536;

std::string_view trimSpace(std::string_view text) noexcept
{
    const auto space = [](char c) {
        return c == ' ' || c == '\t' || c == '\r' || c == '\n';
    };
    while (!text.empty() && space(text.front()))
        text.remove_prefix(1);
    while (!text.empty() && space(text.back()))
        text.remove_suffix(1);
    return text;
}

// Printable excerpt of hostile input for an error sentence.
std::string excerpt(std::string_view text)
{
    std::string out;
    for (char c : text.substr(0, 80)) {
        const auto u = static_cast<unsigned char>(c);
        out += u < 0x20 || u == 0x7F ? '?' : c;
    }
    if (text.size() > 80)
        out += "...";
    return out;
}

bool isToken(std::string_view text) noexcept
{
    return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
        const auto u = static_cast<unsigned char>(c);
        return u > 0x20 && u < 0x7F &&
               std::string_view("()<>@,;:\\\"/[]?={}").find(c) == std::string_view::npos;
    });
}

[[noreturn]] void badInput(const std::string& sentence)
{
    fail(ErrorCode::BadInput, sentence);
}

// The userinfo marker decides DSN vs URL: SDK DSNs always carry a key before '@', request URLs never do.
bool hasUserinfo(std::string_view input) noexcept
{
    const std::size_t scheme = input.find("://");
    if (scheme == std::string_view::npos)
        return false;
    const std::string_view rest = input.substr(scheme + 3);
    return rest.substr(0, rest.find_first_of("/?#")).find('@') != std::string_view::npos;
}

void explainUnsplittable(std::string_view input)
{
    if (std::any_of(input.begin(), input.end(), [](char c) {
            const auto u = static_cast<unsigned char>(c);
            return u <= 0x20 || u == 0x7F;
        }))
        badInput("'" + excerpt(input) +
                 "' contains whitespace or control characters; give one URL, path or DSN");
    const std::size_t colon = input.find(':');
    if (colon != std::string_view::npos && colon > 0 && input.substr(colon).starts_with("://"))
        badInput("scheme '" + excerpt(input.substr(0, colon)) + "' is not http or https");
    badInput("'" + excerpt(input) + "' is not a URL, a path starting with '/' or a DSN");
}

std::string dsnLocality(const Dsn& dsn, std::string_view appHost)
{
    if (!hostIsWithin(dsn.host, appHost) || dsn.host.size() == appHost.size())
        return {};
    const std::string_view sub = std::string_view(dsn.host).substr(0, dsn.host.size() - appHost.size() - 1);
    const std::string_view label =
        sub.substr(sub.rfind('.') == std::string_view::npos ? 0 : sub.rfind('.') + 1);
    return label == "ingest" ? std::string() : std::string(label);
}

QJsonValue optionalString(const std::optional<std::string>& text)
{
    return text ? QJsonValue(QString::fromUtf8(*text)) : QJsonValue(QJsonValue::Null);
}

std::string padded(std::string_view text, std::size_t width)
{
    std::string out(text);
    if (out.size() < width)
        out.append(width - out.size(), ' ');
    return out;
}

} // namespace

Trace trace(const Snapshot& snapshot, const Catalog& catalog, const Request& request)
{
    const std::string_view input = trimSpace(request.input);
    if (input.empty())
        badInput("nothing to trace: give a URL, a path or a DSN");
    // Servers refuse request lines far shorter than this; a longer input is not a request.
    if (input.size() > kMaxInput)
        badInput("the input is " + std::to_string(input.size()) + " bytes long; at most " +
                 std::to_string(kMaxInput) + " can be traced");
    if (input.starts_with("//"))
        badInput("'" + excerpt(input) + "' is scheme-relative; add https:");
    if (!isToken(request.method))
        badInput("method '" + excerpt(request.method) + "' is not an HTTP method token");
    std::string method = request.method;
    std::transform(method.begin(), method.end(), method.begin(),
                   [](char c) { return c >= 'a' && c <= 'z' ? static_cast<char>(c - 32) : c; });
    std::string_view hostHeader;
    for (const auto& [name, value] : request.headers) {
        if (!isToken(name))
            badInput("header name '" + excerpt(name) + "' is not a valid token");
        if (std::any_of(value.begin(), value.end(),
                        [](char c) { return c == '\r' || c == '\n' || c == '\0'; }))
            badInput("header " + name + " contains a line break or NUL");
        if (hostEquals(name, "host"))
            hostHeader = trimSpace(value);
    }
    if (request.integration && request.integration->empty())
        badInput("the integration external id is empty");

    Trace result;
    result.input = std::string(input);
    Scratch scratch;
    TraceSink sink(snapshot, catalog, result);
    const std::string_view appHost = snapshot.info().appHost;

    if (hasUserinfo(input)) {
        result.kind = "dsn";
        const DsnParseResult parsed = parseDsn(input);
        if (!parsed.dsn)
            badInput("invalid DSN (" + std::string(dsnErrorCode(parsed.error)) +
                     "): " + std::string(dsnErrorMessage(parsed.error)));
        if (!isServedHost(snapshot, parsed.dsn->host))
            badInput("DSN host " + excerpt(parsed.dsn->host) + " is not " + std::string(appHost) +
                     " or one of its subdomains");
        routeDsn(snapshot, catalog, *parsed.dsn, scratch, sink);
        return result;
    }

    result.kind = "url";
    UrlView url;
    if (!splitUrl(input, url))
        explainUnsplittable(input);
    std::string_view host = url.host;
    if (url.hasAuthority) {
        const UrlParseResult parsed = parseUrl(input);
        if (!parsed.url)
            badInput("invalid URL '" + excerpt(input) + "': " + std::string(urlErrorMessage(parsed.error)));
    } else if (!hostHeader.empty()) {
        host =
            hostHeader.substr(0, hostHeader.rfind(':') == std::string_view::npos || hostHeader.back() == ']'
                                     ? hostHeader.size()
                                     : hostHeader.rfind(':'));
    }
    if (!host.empty() && !isServedHost(snapshot, host))
        badInput("host " + excerpt(host) + " is not " + std::string(appHost) + " or one of its subdomains");

    RequestView view;
    view.method = method;
    view.host = host;
    view.path = url.path;
    view.query = url.query;
    view.headers = request.headers;
    if (request.integration)
        view.integration = *request.integration;
    route(snapshot, catalog, view, scratch, sink);
    return result;
}

Trace traceThroughSynapse(const Snapshot& snapshot, const Catalog& catalog, const Request& request,
                          const SynapseConfig& config)
{
    requireStartableSynapseConfig(config);
    Trace result = trace(snapshot, catalog, request); // refuses what is not a request
    SynapseDecision decision;
    if (result.kind == "dsn") {
        decision.config = config.origin;
        decision.steps.push_back("an SDK's envelopes go to the cell's Relay: Synapse does not see them");
    } else {
        UrlView url;
        splitUrl(result.input, url);
        SynapseRequest seen;
        seen.method = request.method;
        std::transform(seen.method.begin(), seen.method.end(), seen.method.begin(),
                       [](char c) { return c >= 'a' && c <= 'z' ? static_cast<char>(c - 32) : c; });
        // Synapse reads the request URI's host, else the Host header as sent (port and all).
        seen.host = std::string(url.host);
        if (!url.hasAuthority) {
            seen.host = snapshot.info().appHost;
            for (const auto& [name, value] : request.headers)
                if (hostEquals(name, "host"))
                    seen.host = std::string(trimSpace(value));
        }
        seen.path = url.path.empty() ? std::string("/") : std::string(url.path);
        seen.body = request.body;
        decision = routeThroughSynapse(config, snapshot, seen);
    }
    for (const SynapseWarning& warning : decision.warnings)
        result.warnings.push_back({warning.code, warning.message});
    result.synapse = std::move(decision);
    return result;
}

QByteArray traceToJson(const Trace& trace)
{
    QJsonObject root;
    root.insert(QStringLiteral("input"), QString::fromUtf8(trace.input));
    root.insert(QStringLiteral("kind"), QString::fromUtf8(trace.kind));
    if (trace.endpoint) {
        QJsonObject endpoint;
        endpoint.insert(QStringLiteral("name"), QString::fromUtf8(trace.endpoint->name));
        endpoint.insert(QStringLiteral("silo"), QString::fromUtf8(trace.endpoint->silo));
        endpoint.insert(QStringLiteral("backlog_action"), optionalString(trace.endpoint->backlogAction));
        root.insert(QStringLiteral("endpoint"), endpoint);
    } else {
        root.insert(QStringLiteral("endpoint"), QJsonValue(QJsonValue::Null));
    }
    QJsonArray hops;
    for (const Hop& hop : trace.hops)
        hops.append(QJsonObject{{QStringLiteral("component"), QString::fromUtf8(hop.component)},
                                {QStringLiteral("rule"), QString::fromUtf8(hop.rule)},
                                {QStringLiteral("decision"), QString::fromUtf8(hop.decision)}});
    root.insert(QStringLiteral("hops"), hops);
    QJsonArray cells;
    for (const std::string& cell : trace.outcome.cells)
        cells.append(QString::fromUtf8(cell));
    root.insert(QStringLiteral("outcome"),
                QJsonObject{{QStringLiteral("status"), QString::fromUtf8(trace.outcome.status)},
                            {QStringLiteral("silo"), optionalString(trace.outcome.silo)},
                            {QStringLiteral("cells"), cells},
                            {QStringLiteral("http_status"), trace.outcome.httpStatus
                                                                ? QJsonValue(*trace.outcome.httpStatus)
                                                                : QJsonValue(QJsonValue::Null)}});
    QJsonArray warnings;
    for (const Warning& warning : trace.warnings)
        warnings.append(QJsonObject{{QStringLiteral("code"), QString::fromUtf8(warning.code)},
                                    {QStringLiteral("message"), QString::fromUtf8(warning.message)}});
    root.insert(QStringLiteral("warnings"), warnings);
    if (trace.synapse)
        root.insert(QStringLiteral("synapse"), synapseDecisionToJson(*trace.synapse));
    return QJsonDocument(root).toJson(QJsonDocument::Indented);
}

std::string traceToText(const Trace& trace)
{
    std::string out = "trace    " + trace.input + " (" + trace.kind + ")\n";
    out += "endpoint ";
    if (trace.endpoint) {
        out += trace.endpoint->name + " [" + trace.endpoint->silo + " silo";
        if (trace.endpoint->backlogAction)
            out += ", backlog " + *trace.endpoint->backlogAction;
        out += "]\n";
    } else {
        out += "(none in the catalog)\n";
    }
    std::size_t ruleWidth = 0;
    for (const Hop& hop : trace.hops)
        ruleWidth = std::max(ruleWidth, hop.rule.size());
    for (std::size_t i = 0; i < trace.hops.size(); ++i) {
        const Hop& hop = trace.hops[i];
        out += padded(std::to_string(i + 1) + ".", 4) + padded(hop.component, 20) +
               padded(hop.rule, ruleWidth + 2) + hop.decision + "\n";
    }
    out += "outcome  " + trace.outcome.status;
    if (trace.outcome.silo)
        out += "  silo " + *trace.outcome.silo;
    if (!trace.outcome.cells.empty()) {
        out += "  cells ";
        for (std::size_t i = 0; i < trace.outcome.cells.size(); ++i)
            out += (i ? ", " : "") + trace.outcome.cells[i];
    }
    if (trace.outcome.httpStatus)
        out += "  http " + std::to_string(*trace.outcome.httpStatus);
    out += "\n";
    if (trace.synapse)
        out += synapseDecisionToText(*trace.synapse);
    for (const Warning& warning : trace.warnings)
        out += "warning  " + warning.code + ": " + warning.message + "\n";
    return out;
}

QByteArray dsnToJson(std::string_view dsn, std::string_view appHost)
{
    const DsnParseResult parsed = parseDsn(trimSpace(dsn));
    QJsonObject root;
    if (!parsed.dsn) {
        root.insert(QStringLiteral("valid"), false);
        root.insert(QStringLiteral("error"), QString::fromUtf8(dsnErrorCode(parsed.error)));
        return QJsonDocument(root).toJson(QJsonDocument::Indented);
    }
    const Dsn& d = *parsed.dsn;
    const std::string locality = dsnLocality(d, appHost);
    root.insert(QStringLiteral("valid"), true);
    root.insert(QStringLiteral("dsn"), QString::fromUtf8(d.toString()));
    root.insert(QStringLiteral("scheme"), QString::fromUtf8(d.scheme));
    root.insert(QStringLiteral("public_key"), QString::fromUtf8(d.publicKey));
    root.insert(QStringLiteral("secret_key"), optionalString(d.secretKey));
    root.insert(QStringLiteral("host"), QString::fromUtf8(d.host));
    root.insert(QStringLiteral("port"), d.effectivePort());
    root.insert(QStringLiteral("path"), QString::fromUtf8(d.path));
    root.insert(QStringLiteral("project_id"), QString::fromUtf8(d.projectId));
    const auto orgId = d.orgId();
    // JSON numbers above 2^63 do not survive most readers; such ids are written as strings.
    root.insert(QStringLiteral("org_id"), !orgId ? QJsonValue(QJsonValue::Null)
                                          : *orgId <= static_cast<std::uint64_t>(INT64_MAX)
                                              ? QJsonValue(static_cast<qint64>(*orgId))
                                              : QJsonValue(QString::number(*orgId)));
    root.insert(QStringLiteral("locality"),
                locality.empty() ? QJsonValue(QJsonValue::Null) : QJsonValue(QString::fromUtf8(locality)));
    return QJsonDocument(root).toJson(QJsonDocument::Indented);
}

std::string dsnToText(std::string_view dsn, std::string_view appHost)
{
    const DsnParseResult parsed = parseDsn(trimSpace(dsn));
    if (!parsed.dsn)
        return "invalid DSN: " + std::string(dsnErrorCode(parsed.error)) + " (" +
               std::string(dsnErrorMessage(parsed.error)) + ")\n";
    const Dsn& d = *parsed.dsn;
    const std::string locality = dsnLocality(d, appHost);
    const auto orgId = d.orgId();
    std::string out;
    const auto line = [&](std::string_view label, std::string_view value) {
        out += padded(label, 12) + std::string(value) + "\n";
    };
    line("dsn", d.toString());
    line("scheme", d.scheme);
    line("public_key", d.publicKey);
    line("secret_key", d.secretKey ? *d.secretKey : "-");
    line("host", d.host);
    line("port", std::to_string(d.effectivePort()));
    line("path", d.path);
    line("project_id", d.projectId);
    line("org_id", orgId ? std::to_string(*orgId) : "-");
    line("locality", locality.empty() ? "-" : locality);
    return out;
}

} // namespace cellscope::routing
