#include "core/routing/replay.h"

#include "core/routing/url.h"
#include "core/snapshot/snapshot.h"

#include <QIODevice>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <algorithm>

namespace cellscope::routing {

namespace {

std::string_view trimLine(std::string_view line) noexcept
{
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t'))
        line.remove_suffix(1);
    while (!line.empty() && (line.front() == ' ' || line.front() == '\t'))
        line.remove_prefix(1);
    return line;
}

bool isMethod(std::string_view method) noexcept
{
    return !method.empty() && method.size() <= 16 && std::all_of(method.begin(), method.end(), [](char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
    });
}

bool looksLikeUrl(std::string_view line) noexcept
{
    const auto prefixed = [&](std::string_view scheme) {
        return line.size() >= scheme.size() && hostEquals(line.substr(0, scheme.size()), scheme);
    };
    return line.starts_with('/') || prefixed("http://") || prefixed("https://");
}

// The "$request" field of nginx's combined format: `... [time] "GET /path HTTP/1.1" 200 ...`. nginx writes
// a '"' inside the request as \x22, so the next quote closes the field.
bool requestLine(std::string_view line, std::string_view& method, std::string_view& target) noexcept
{
    const std::size_t open = line.find('"');
    if (open == std::string_view::npos)
        return false;
    const std::size_t close = line.find('"', open + 1);
    if (close == std::string_view::npos)
        return false;
    const std::string_view request = line.substr(open + 1, close - open - 1);
    const std::size_t space = request.find(' ');
    if (space == std::string_view::npos)
        return false;
    method = request.substr(0, space);
    const std::string_view rest = request.substr(space + 1);
    target = rest.substr(0, rest.find(' '));
    return !target.empty();
}

} // namespace

std::optional<LogFormat> parseLogFormat(std::string_view text) noexcept
{
    if (text == "url")
        return LogFormat::Url;
    if (text == "combined")
        return LogFormat::Combined;
    if (text == "auto")
        return LogFormat::Auto;
    return std::nullopt;
}

Replayer::Replayer(const Snapshot& snapshot, const Catalog& catalog, ReplayOptions options)
    : m_snapshot(snapshot), m_catalog(catalog), m_options(std::move(options))
{
    if (m_options.defaultHost.empty())
        m_options.defaultHost = snapshot.info().appHost;
    m_scratch.prepare(snapshot);
    m_byCell.assign(snapshot.cells().size(), 0);
    m_unroutableByEndpoint.assign(catalog.endpoints().size(), 0);
    m_pinnedByEndpoint.assign(catalog.endpoints().size(), 0);
    if (m_options.synapse) {
        m_synapse.emplace(*m_options.synapse);
        m_proxyHits.assign(m_options.synapse->proxy.routes.size(), 0);
        m_ingestHits.assign(m_options.synapse->ingestRouter.routes.size(), 0);
    }
}

bool Replayer::classifyTarget(std::string_view method, std::string_view target, Classification& out) noexcept
{
    if (!isMethod(method) || !splitUrl(target, m_url))
        return false;
    RequestView request;
    request.method = method;
    request.host = m_url.hasAuthority ? m_url.host : std::string_view(m_options.defaultHost);
    request.path = m_url.path;
    request.query = m_url.query;
    m_method = method;
    m_host = request.host;
    ClassifySink sink(out);
    route(m_snapshot, m_catalog, request, m_scratch, sink);
    return true;
}

bool Replayer::classify(std::string_view line, Classification& out) noexcept
{
    line = trimLine(line);
    const bool asUrl =
        m_options.format == LogFormat::Url || (m_options.format == LogFormat::Auto && looksLikeUrl(line));
    if (asUrl)
        return classifyTarget("GET", line, out);
    std::string_view method, target;
    return requestLine(line, method, target) && classifyTarget(method, target, out);
}

void Replayer::add(std::string_view line) noexcept
{
    if (trimLine(line).empty())
        return;
    ++m_lines;
    if (!classify(line, m_current)) {
        ++m_malformed;
        return;
    }
    if (m_synapse)
        countSynapseRoute();
    const Classification& c = m_current;
    ++m_byStatus[static_cast<std::size_t>(c.status)];
    for (std::size_t i = 0; i < std::min<std::size_t>(c.cellCount, kMaxClassifiedCells); ++i)
        if (c.cells[i] < m_byCell.size())
            ++m_byCell[c.cells[i]];
    for (std::size_t code = 0; code < kWarningCodeCount; ++code)
        if ((c.warnings >> code) & 1u)
            ++m_byWarning[code];
    if (c.status == Status::Unroutable || c.status == Status::Pinned) {
        if (c.endpoint == kNoEndpoint)
            m_unroutableWithoutEndpoint += c.status == Status::Unroutable;
        else
            ++(c.status == Status::Unroutable ? m_unroutableByEndpoint : m_pinnedByEndpoint)[c.endpoint];
    }
}

void Replayer::countSynapseRoute() noexcept
{
    const auto found =
        m_synapse->match(m_method, m_host, m_url.path.empty() ? std::string_view("/") : m_url.path);
    if (!found)
        ++m_synapseUnmatched;
    else
        ++(found->ingestRouter ? m_ingestHits : m_proxyHits)[found->index];
}

void Replayer::feed(std::string_view chunk)
{
    while (!chunk.empty()) {
        const std::size_t newline = chunk.find('\n');
        const std::string_view piece = chunk.substr(0, newline);
        if (!m_overlong && m_carry.size() + piece.size() > kMaxLineBytes) {
            m_overlong = true;
            m_carry.clear();
            m_carry.shrink_to_fit();
        }
        if (newline == std::string_view::npos) {
            if (!m_overlong)
                m_carry.append(piece);
            return;
        }
        if (m_overlong) {
            ++m_lines;
            ++m_malformed;
            m_overlong = false;
        } else if (m_carry.empty()) {
            add(piece);
        } else {
            m_carry.append(piece);
            add(m_carry);
            m_carry.clear();
        }
        chunk.remove_prefix(newline + 1);
    }
}

void Replayer::finish()
{
    if (m_overlong) {
        ++m_lines;
        ++m_malformed;
        m_overlong = false;
    } else if (!m_carry.empty()) {
        add(m_carry);
        m_carry.clear();
    }
}

void Replayer::readAll(QIODevice& device)
{
    std::vector<char> buffer(1 << 20);
    while (true) {
        const qint64 read = device.read(buffer.data(), static_cast<qint64>(buffer.size()));
        if (read <= 0)
            break;
        feed(std::string_view(buffer.data(), static_cast<std::size_t>(read)));
    }
    finish();
}

void Replayer::merge(const Replayer& other)
{
    const auto add = [](auto& into, const auto& from) {
        for (std::size_t i = 0; i < into.size() && i < from.size(); ++i)
            into[i] += from[i];
    };
    m_lines += other.m_lines;
    m_malformed += other.m_malformed;
    add(m_byStatus, other.m_byStatus);
    add(m_byCell, other.m_byCell);
    add(m_byWarning, other.m_byWarning);
    add(m_unroutableByEndpoint, other.m_unroutableByEndpoint);
    add(m_pinnedByEndpoint, other.m_pinnedByEndpoint);
    m_unroutableWithoutEndpoint += other.m_unroutableWithoutEndpoint;
    add(m_proxyHits, other.m_proxyHits);
    add(m_ingestHits, other.m_ingestHits);
    m_synapseUnmatched += other.m_synapseUnmatched;
}

ReplayReport Replayer::report() const
{
    ReplayReport report;
    report.lines = m_lines;
    report.malformed = m_malformed;
    report.byStatus = m_byStatus;
    report.byWarning = m_byWarning;
    report.unroutableWithoutEndpoint = m_unroutableWithoutEndpoint;
    for (std::size_t cell = 0; cell < m_byCell.size(); ++cell)
        if (m_byCell[cell])
            report.byCell.emplace_back(std::string(m_snapshot.cellName(static_cast<CellIndex>(cell))),
                                       m_byCell[cell]);
    std::stable_sort(report.byCell.begin(), report.byCell.end(),
                     [](const auto& a, const auto& b) { return a.second > b.second; });
    for (std::size_t i = 0; i < m_unroutableByEndpoint.size(); ++i) {
        if (!m_unroutableByEndpoint[i] && !m_pinnedByEndpoint[i])
            continue;
        const Endpoint& e = m_catalog.endpoints()[i];
        report.topEndpoints.push_back({e.name, std::string(siloName(e.silo)), e.backlogAction,
                                       m_unroutableByEndpoint[i], m_pinnedByEndpoint[i]});
    }
    std::stable_sort(
        report.topEndpoints.begin(), report.topEndpoints.end(),
        [](const auto& a, const auto& b) { return a.unroutable + a.pinned > b.unroutable + b.pinned; });
    if (report.topEndpoints.size() > m_options.topEndpoints)
        report.topEndpoints.resize(m_options.topEndpoints);
    if (const SynapseConfig* config = m_options.synapse) {
        SynapseReplay& synapse = report.synapse.emplace();
        synapse.config = config->origin;
        synapse.unmatched = m_synapseUnmatched;
        for (std::size_t i = 0; i < m_proxyHits.size(); ++i) {
            const SynapseProxyRoute& route = config->proxy.routes[i];
            synapse.routes.push_back(
                {false, i, route.line, route.match.host, route.match.path, m_proxyHits[i]});
        }
        for (std::size_t i = 0; i < m_ingestHits.size(); ++i) {
            const SynapseIngestRoute& route = config->ingestRouter.routes[i];
            synapse.routes.push_back(
                {true, i, route.line, route.match.host, route.match.path, m_ingestHits[i]});
        }
    }
    return report;
}

std::string replayReportToText(const ReplayReport& report)
{
    const auto number = [](std::uint64_t n) {
        return std::to_string(n);
    };
    std::string out =
        "lines " + number(report.lines) + ", malformed " + number(report.malformed) + "\n\nby status\n";
    for (std::size_t i = 0; i < kStatusCount; ++i)
        if (report.byStatus[i])
            out += "  " + std::string(statusName(static_cast<Status>(i))) +
                   std::string(14 - statusName(static_cast<Status>(i)).size(), ' ') +
                   number(report.byStatus[i]) + "\n";
    out += "\nby cell\n";
    for (const auto& [cell, count] : report.byCell)
        out += "  " + cell + std::string(cell.size() < 14 ? 14 - cell.size() : 1, ' ') + number(count) + "\n";
    out += "\nby warning\n";
    for (std::size_t i = 0; i < kWarningCodeCount; ++i)
        if (report.byWarning[i]) {
            const std::string_view code = warningCodeName(static_cast<WarningCode>(i));
            out += "  " + std::string(code) + std::string(25 - code.size(), ' ') +
                   number(report.byWarning[i]) + "\n";
        }
    out += "\ntop unroutable or pinned endpoints\n";
    for (const EndpointTraffic& e : report.topEndpoints)
        out += "  " + e.name + "  unroutable " + number(e.unroutable) + ", pinned " + number(e.pinned) +
               "  [" + e.silo + (e.backlogAction.empty() ? "" : ", " + e.backlogAction) + "]\n";
    if (report.unroutableWithoutEndpoint)
        out += "  (no catalog endpoint)  unroutable " + number(report.unroutableWithoutEndpoint) + "\n";
    if (report.synapse) {
        out += "\nsynapse routes (" + report.synapse->config + ")\n";
        std::string unused;
        for (const SynapseRouteHits& route : report.synapse->routes) {
            const std::string name =
                std::string(route.ingestRouter ? "ingest-router #" : "proxy #") + std::to_string(route.index);
            out += "  " + name + std::string(name.size() < 18 ? 18 - name.size() : 1, ' ') + "line " +
                   std::to_string(route.line) + "  " + route.host.value_or("(any host)") + " " +
                   route.path.value_or("(any path)") + "  " + number(route.hits) + "\n";
            if (!route.hits)
                unused += (unused.empty() ? "" : ", ") + name + " (line " + std::to_string(route.line) + ")";
        }
        out += "  no route (404)    " + number(report.synapse->unmatched) + "\n";
        out += "  never matched: " + (unused.empty() ? std::string("none") : unused) + "\n";
    }
    return out;
}

QByteArray replayReportToJson(const ReplayReport& report)
{
    QJsonObject byStatus, byCell, byWarning;
    for (std::size_t i = 0; i < kStatusCount; ++i)
        byStatus.insert(QString::fromUtf8(statusName(static_cast<Status>(i))),
                        static_cast<qint64>(report.byStatus[i]));
    for (const auto& [cell, count] : report.byCell)
        byCell.insert(QString::fromUtf8(cell), static_cast<qint64>(count));
    for (std::size_t i = 0; i < kWarningCodeCount; ++i)
        byWarning.insert(QString::fromUtf8(warningCodeName(static_cast<WarningCode>(i))),
                         static_cast<qint64>(report.byWarning[i]));
    QJsonArray top;
    for (const EndpointTraffic& e : report.topEndpoints)
        top.append(QJsonObject{{QStringLiteral("name"), QString::fromUtf8(e.name)},
                               {QStringLiteral("silo"), QString::fromUtf8(e.silo)},
                               {QStringLiteral("backlog_action"),
                                e.backlogAction.empty() ? QJsonValue(QJsonValue::Null)
                                                        : QJsonValue(QString::fromUtf8(e.backlogAction))},
                               {QStringLiteral("unroutable"), static_cast<qint64>(e.unroutable)},
                               {QStringLiteral("pinned"), static_cast<qint64>(e.pinned)}});
    QJsonObject root{{QStringLiteral("lines"), static_cast<qint64>(report.lines)},
                     {QStringLiteral("malformed"), static_cast<qint64>(report.malformed)},
                     {QStringLiteral("by_status"), byStatus},
                     {QStringLiteral("by_cell"), byCell},
                     {QStringLiteral("by_warning"), byWarning},
                     {QStringLiteral("top_endpoints"), top},
                     {QStringLiteral("unroutable_without_endpoint"),
                      static_cast<qint64>(report.unroutableWithoutEndpoint)}};
    if (report.synapse) {
        QJsonArray routes, unused;
        for (const SynapseRouteHits& route : report.synapse->routes) {
            const QString section =
                route.ingestRouter ? QStringLiteral("ingest_router") : QStringLiteral("proxy");
            const auto optional = [](const std::optional<std::string>& text) {
                return text ? QJsonValue(QString::fromStdString(*text)) : QJsonValue(QJsonValue::Null);
            };
            routes.append(QJsonObject{{QStringLiteral("section"), section},
                                      {QStringLiteral("index"), static_cast<qint64>(route.index)},
                                      {QStringLiteral("line"), route.line},
                                      {QStringLiteral("host"), optional(route.host)},
                                      {QStringLiteral("path"), optional(route.path)},
                                      {QStringLiteral("hits"), static_cast<qint64>(route.hits)}});
            if (!route.hits)
                unused.append(QJsonObject{{QStringLiteral("section"), section},
                                          {QStringLiteral("index"), static_cast<qint64>(route.index)},
                                          {QStringLiteral("line"), route.line}});
        }
        root.insert(QStringLiteral("synapse"),
                    QJsonObject{{QStringLiteral("config"), QString::fromStdString(report.synapse->config)},
                                {QStringLiteral("routes"), routes},
                                {QStringLiteral("unmatched"), static_cast<qint64>(report.synapse->unmatched)},
                                {QStringLiteral("unused"), unused}});
    }
    return QJsonDocument(root).toJson(QJsonDocument::Indented);
}

} // namespace cellscope::routing
