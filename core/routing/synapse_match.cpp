#include "core/routing/synapse_match.h"

#include "core/routing/locate.h"
#include "core/routing/router.h"
#include "core/snapshot/snapshot.h"
#include "core/util/error.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <algorithm>

namespace cellscope::routing {

namespace {

// One route's match as Synapse tests it: the host compared exactly (when the route names one), the
// method (the ingest-router's routes only), then the path, capturing its parameters.
bool routeTakes(const SynapseMatch& match, std::string_view method, std::string_view host,
                std::string_view path, SynapseParams& params)
{
    if (match.host && *match.host != host)
        return false;
    if (match.method && *match.method != method)
        return false;
    return !match.path || matchSynapsePath(compileSynapsePath(*match.path), path, params);
}

// Rust's str::trim() then trim_matches('/'), as Synapse normalises both sides.
std::string_view normalise(std::string_view path) noexcept
{
    const auto space = [](char c) {
        return c == ' ' || c == '\t' || c == '\r' || c == '\n';
    };
    while (!path.empty() && space(path.front()))
        path.remove_prefix(1);
    while (!path.empty() && space(path.back()))
        path.remove_suffix(1);
    while (!path.empty() && path.front() == '/')
        path.remove_prefix(1);
    while (!path.empty() && path.back() == '/')
        path.remove_suffix(1);
    return path;
}

std::vector<std::string_view> split(std::string_view text)
{
    std::vector<std::string_view> out;
    if (text.empty())
        return out;
    while (true) {
        const std::size_t slash = text.find('/');
        out.push_back(text.substr(0, slash));
        if (slash == std::string_view::npos)
            return out;
        text.remove_prefix(slash + 1);
    }
}

std::optional<std::string_view> paramName(std::string_view segment) noexcept
{
    if (segment.size() >= 2 && segment.front() == '{' && segment.back() == '}')
        return segment.substr(1, segment.size() - 2);
    return std::nullopt;
}

const std::string* param(const SynapseParams& params, std::string_view name) noexcept
{
    // Synapse keeps parameters in a map: a name captured twice keeps the last value.
    const std::string* found = nullptr;
    for (const auto& [key, value] : params)
        if (key == name)
            found = &value;
    return found;
}

std::string_view hostWithoutPort(std::string_view host) noexcept
{
    if (host.starts_with('['))
        return host.substr(0, host.find(']') == std::string_view::npos ? host.size() : host.find(']') + 1);
    return host.substr(0, host.rfind(':'));
}

bool sameUrl(std::string_view a, std::string_view b) noexcept
{
    while (a.ends_with('/'))
        a.remove_suffix(1);
    while (b.ends_with('/'))
        b.remove_suffix(1);
    return a == b;
}

std::string routeLabel(std::string_view section, std::size_t index, int line)
{
    return std::string(section) + " route #" + std::to_string(index) + " (line " + std::to_string(line) + ")";
}

std::string describeMatch(const SynapseMatch& match)
{
    std::string out = "host " + match.host.value_or("(any)") + ", path " + match.path.value_or("(any)");
    if (match.method)
        out += ", method " + *match.method;
    return out;
}

// A locality a host names, for the warning when Synapse proxies to a cell of another one.
std::string localityOfCell(const Snapshot& snapshot, std::string_view cell)
{
    const auto index = snapshot.findCell(cell);
    const Locality* locality = index ? snapshot.localityOfCell(*index) : nullptr;
    return locality ? locality->name : std::string();
}

class ProxyRouter
{
public:
    ProxyRouter(const SynapseConfig& config, const Snapshot& snapshot, const SynapseRequest& request,
                SynapseDecision& out)
        : m_config(config), m_proxy(config.proxy), m_snapshot(snapshot), m_request(request), m_out(out)
    {}

    void run()
    {
        for (std::size_t i = 0; i < m_proxy.routes.size(); ++i) {
            const SynapseProxyRoute& route = m_proxy.routes[i];
            SynapseParams params;
            if (!routeTakes(route.match, m_request.method, m_request.host, m_request.path, params))
                continue;
            m_out.route = SynapseRouteRef{i, route.line, route.match.host, route.match.path};
            m_out.params = std::move(params);
            m_out.steps.push_back("first match: " + routeLabel("proxy", i, route.line) + ", " +
                                  describeMatch(route.match));
            apply(route.action);
            return;
        }
        m_out.steps.push_back("no proxy route matches host " + m_request.host + ", path " + m_request.path +
                              " → 404");
        m_out.httpStatus = 404;
    }

private:
    void apply(const SynapseAction& action)
    {
        std::optional<std::string> name;
        if (action.isStatic()) {
            name = *action.to;
            m_out.steps.push_back("static action: to " + *name);
        } else {
            name = resolve(action);
        }
        if (!name) {
            m_out.steps.push_back("no upstream and no default → 404");
            m_out.httpStatus = 404;
            return;
        }
        const SynapseUpstream* upstream = m_proxy.findUpstream(*name);
        if (!upstream) {
            m_out.steps.push_back("upstream '" + *name + "' is not declared in proxy.upstreams → 404");
            m_out.httpStatus = 404;
            return;
        }
        m_out.upstream = *upstream;
        if (action.isStatic())
            warnStaticElsewhere(*upstream);
    }

    // A static route sends every organization to one upstream: say so when the path names an
    // organization that the upstream is known not to serve.
    void warnStaticElsewhere(const SynapseUpstream& upstream)
    {
        const std::string_view org = organizationInPath(m_request.path);
        const auto index = org.empty() ? std::nullopt : m_snapshot.findOrg(org);
        if (!index)
            return;
        const std::string cell(m_snapshot.cellName(m_snapshot.org(*index).cell));
        const std::vector<std::string> served = cellsOfUpstream(m_config, m_snapshot, upstream.name);
        if (served.empty() || std::find(served.begin(), served.end(), cell) != served.end())
            return;
        std::string list;
        for (const std::string& name : served)
            list += (list.empty() ? "" : ", ") + name;
        m_out.warnings.push_back({"synapse_static_elsewhere", "the static route sends organization " +
                                                                  std::string(org) + " to upstream " +
                                                                  upstream.name + " (" + list +
                                                                  "), but it lives in " + cell});
    }

    // The resolver's cell, then cell_to_upstream, then default: Synapse falls back to the default
    // upstream whenever the first two give nothing.
    std::optional<std::string> resolve(const SynapseAction& action)
    {
        const SynapseResolver resolver = *action.resolver;
        m_out.resolver = std::string(synapseResolverName(resolver));
        const std::string_view paramName = synapseResolverParam(resolver);
        const std::string* value = param(m_out.params, paramName);
        std::string failure;
        if (!value) {
            failure = "the route captures no {" + std::string(paramName) + "}";
        } else if (resolver == SynapseResolver::CellFromId) {
            m_out.cell = *value;
            m_out.steps.push_back("cell_from_id: cell '" + *value + "' (taken as is)");
        } else {
            lookupOrganization(*value, failure);
        }
        if (m_out.cell) {
            if (const std::string* upstream = action.upstreamOfCell(*m_out.cell)) {
                m_out.steps.push_back("cell_to_upstream: " + *m_out.cell + " → " + *upstream);
                warnLocality();
                return *upstream;
            }
            failure = "cell_to_upstream has no entry for cell " + *m_out.cell;
        }
        m_out.steps.push_back(failure);
        if (!action.defaultUpstream)
            return std::nullopt;
        m_out.steps.push_back("default upstream: " + *action.defaultUpstream);
        m_out.warnings.push_back(
            {"synapse_default_upstream",
             m_out.cell ? "cell " + *m_out.cell +
                              " has no upstream in this route: Synapse sends the request to the "
                              "default upstream " +
                              *action.defaultUpstream + ", which does not serve it"
                        : failure + ": Synapse sends the request to the default upstream " +
                              *action.defaultUpstream});
        return action.defaultUpstream;
    }

    // cell_from_organization asks the proxy's locator with no locality; a locator limited to some
    // localities holds only their organizations.
    void lookupOrganization(const std::string& org, std::string& failure)
    {
        const LocateResult found = locate(&m_snapshot, org, "", {}, LocatorData::Organization);
        if (found.status != LocateStatus::Found) {
            failure = "cell_from_organization: the locator has no cell for organization '" + org + "'";
            return;
        }
        const std::vector<std::string>& filter = m_proxy.locator.localities;
        const std::string locality = localityOfCell(m_snapshot, found.cell);
        if (!filter.empty() && std::find(filter.begin(), filter.end(), locality) == filter.end()) {
            failure = "cell_from_organization: organization '" + org + "' lives in " + found.cell +
                      " (locality " + locality +
                      "), which the proxy's locator does not load (localities filter)";
            return;
        }
        m_out.cell = found.cell;
        m_out.steps.push_back("cell_from_organization: organization '" + org + "' → cell " + found.cell);
    }

    void warnLocality()
    {
        const Locality* hostLocality = routing::hostLocality(m_snapshot, m_request.host);
        const std::string cellLocality = localityOfCell(m_snapshot, *m_out.cell);
        if (hostLocality && !cellLocality.empty() && cellLocality != hostLocality->name)
            m_out.warnings.push_back({"locality_mismatch", "Synapse proxies a request to " + m_request.host +
                                                               " to cell " + *m_out.cell + " of locality " +
                                                               cellLocality + ": it leaves " +
                                                               hostLocality->name});
    }

    const SynapseConfig& m_config;
    const SynapseProxy& m_proxy;
    const Snapshot& m_snapshot;
    const SynapseRequest& m_request;
    SynapseDecision& m_out;
};

std::vector<std::string> publicKeysOf(const std::optional<std::string>& body)
{
    if (!body)
        fail(ErrorCode::BadInput, "the ingest-router splits Relay's project-config request by its body: give "
                                  "--body '{\"publicKeys\": [...]}' or --body @FILE");
    QJsonParseError error;
    const QJsonDocument document = QJsonDocument::fromJson(QByteArray::fromStdString(*body), &error);
    if (error.error != QJsonParseError::NoError || !document.isObject())
        fail(ErrorCode::BadInput,
             "the request body is not a JSON object: " + (error.error != QJsonParseError::NoError
                                                              ? error.errorString().toStdString()
                                                              : std::string("expected {...}")));
    const QJsonValue keys = document.object().value(QStringLiteral("publicKeys"));
    if (!keys.isArray())
        fail(ErrorCode::BadInput, "the request body has no publicKeys list");
    std::vector<std::string> out;
    for (const QJsonValue& key : keys.toArray()) {
        if (!key.isString())
            fail(ErrorCode::BadInput, "publicKeys must hold strings");
        out.push_back(key.toString().toStdString());
    }
    return out;
}

class IngestRouter
{
public:
    IngestRouter(const SynapseConfig& config, const Snapshot& snapshot, const SynapseRequest& request,
                 SynapseDecision& out)
        : m_router(config.ingestRouter), m_snapshot(snapshot), m_request(request), m_out(out)
    {}

    void run()
    {
        m_out.ingestRouter = true;
        const std::string host(hostWithoutPort(m_request.host)); // the ingest-router drops the port
        for (std::size_t i = 0; i < m_router.routes.size(); ++i) {
            const SynapseIngestRoute& route = m_router.routes[i];
            SynapseParams params;
            if (!routeTakes(route.match, m_request.method, host, m_request.path, params))
                continue;
            m_out.route = SynapseRouteRef{i, route.line, route.match.host, route.match.path};
            m_out.params = std::move(params);
            m_out.handler = std::string(ingestHandlerName(route.handler));
            m_out.locality = route.locality;
            m_out.steps.push_back("first match: " + routeLabel("ingest-router", i, route.line) + ", " +
                                  describeMatch(route.match) + " → handler " + *m_out.handler +
                                  ", locality " + route.locality);
            handle(route);
            return;
        }
        m_out.steps.push_back("no ingest-router route matches host " + host + ", " + m_request.method + " " +
                              m_request.path + " → 404");
        m_out.httpStatus = 404;
    }

private:
    void handle(const SynapseIngestRoute& route)
    {
        const SynapseIngestLocality* locality = m_router.findLocality(route.locality);
        switch (route.handler) {
        case IngestHandler::Health:
            m_out.steps.push_back("the ingest-router answers itself");
            m_out.httpStatus = 200;
            return;
        case IngestHandler::RegisterChallenge:
        case IngestHandler::RegisterResponse:
        case IngestHandler::PublicKeys:
            if (!locality || locality->cells.empty()) {
                m_out.steps.push_back("locality " + route.locality +
                                      " has no cells in ingest_router.localities");
                return;
            }
            m_out.cell = locality->cells.front().id;
            m_out.steps.push_back("any-cell failover: " + locality->cells.front().id +
                                  " answers, the next cells on "
                                  "failure");
            return;
        case IngestHandler::RelayProjectConfigs:
            splitKeys(route, locality);
            return;
        }
    }

    // Each key is looked up with the route's locality; keys are grouped by cell, and a key the
    // locator cannot place, or whose cell the locality does not list, comes back pending.
    void splitKeys(const SynapseIngestRoute& route, const SynapseIngestLocality* locality)
    {
        const DefaultCells defaults = m_router.locator.defaults();
        for (const std::string& key : publicKeysOf(m_request.body)) {
            const LocateResult found =
                locate(&m_snapshot, key, route.locality, defaults, LocatorData::ProjectKey);
            if (found.status == LocateStatus::LocalityMismatch) {
                m_out.pending.push_back(key);
                m_out.warnings.push_back({"locality_mismatch", "key " + key + " lives in " + found.cell +
                                                                   " (locality " + found.actualLocality +
                                                                   "): the locator refuses it for locality " +
                                                                   route.locality + ", it stays pending"});
                continue;
            }
            if (found.status != LocateStatus::Found) {
                m_out.pending.push_back(key);
                m_out.steps.push_back("key " + key + ": no cell → pending");
                continue;
            }
            const bool listed =
                locality && std::any_of(locality->cells.begin(), locality->cells.end(),
                                        [&](const SynapseIngestCell& c) { return c.id == found.cell; });
            if (!listed) {
                m_out.pending.push_back(key);
                m_out.warnings.push_back(
                    {"synapse_cell_not_configured", "key " + key + " belongs to cell " + found.cell +
                                                        ", which ingest_router.localities." + route.locality +
                                                        " does not list: the key stays pending"});
                continue;
            }
            if (found.usedDefault)
                m_out.warnings.push_back(
                    {"synapse_default_cell", "key " + key + " has no cell: the locator falls back to " +
                                                 route.locality + "'s default cell " + found.cell});
            m_out.keysByCell[found.cell].push_back(key);
        }
        for (const auto& [cell, keys] : m_out.keysByCell)
            m_out.steps.push_back(std::to_string(keys.size()) + (keys.size() == 1 ? " key" : " keys") +
                                  " → " + cell + "'s Relay");
        if (!m_out.pending.empty())
            m_out.steps.push_back(std::to_string(m_out.pending.size()) +
                                  (m_out.pending.size() == 1 ? " key" : " keys") +
                                  " pending: Relay asks again");
    }

    const SynapseIngestRouter& m_router;
    const Snapshot& m_snapshot;
    const SynapseRequest& m_request;
    SynapseDecision& m_out;
};

} // namespace

bool isSynapseWarningCode(std::string_view code) noexcept
{
    // locality_mismatch is a trace warning code already.
    for (std::string_view known : {"synapse_default_upstream", "synapse_static_elsewhere",
                                   "synapse_default_cell", "synapse_cell_not_configured"})
        if (code == known)
            return true;
    return false;
}

SynapsePath compileSynapsePath(std::string_view path)
{
    SynapsePath out;
    std::string_view rest = normalise(path);
    if (rest.ends_with("/*")) {
        out.splat = true;
        rest.remove_suffix(2);
    }
    for (std::string_view segment : split(rest)) {
        if (const auto name = paramName(segment))
            out.segments.push_back({std::string(*name), true});
        else
            out.segments.push_back({std::string(segment), false});
    }
    return out;
}

SynapsePathCheck checkSynapsePath(std::string_view path)
{
    std::string_view rest = normalise(path);
    if (rest.ends_with("/*"))
        rest.remove_suffix(2);
    for (std::string_view segment : split(rest)) {
        if (segment.find('*') != std::string_view::npos)
            return {SynapsePathProblem::InvalidSplat, std::string(segment)};
        if (const auto name = paramName(segment)) {
            if (name->empty() || !std::all_of(name->begin(), name->end(),
                                              [](char c) { return (c >= 'a' && c <= 'z') || c == '_'; }))
                return {SynapsePathProblem::InvalidParamName, std::string(segment)};
            continue;
        }
        const bool valid = !segment.empty() && std::all_of(segment.begin(), segment.end(), [](char c) {
            return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                   c == '_' || c == '.';
        });
        if (!valid)
            return {SynapsePathProblem::InvalidStaticSegment, std::string(segment)};
    }
    return {};
}

bool matchSynapsePath(const SynapsePath& pattern, std::string_view requestPath, SynapseParams& params)
{
    params.clear();
    const std::vector<std::string_view> segments = split(normalise(requestPath));
    if (segments.size() < pattern.segments.size() ||
        (!pattern.splat && segments.size() != pattern.segments.size()))
        return false;
    for (std::size_t i = 0; i < pattern.segments.size(); ++i) {
        const SynapsePathSegment& expected = pattern.segments[i];
        if (expected.param)
            params.emplace_back(expected.text, std::string(segments[i]));
        else if (segments[i] != expected.text)
            return false;
    }
    return true;
}

namespace {

// matchSynapsePath() without the captures, walking the request's segments in place.
bool pathMatches(const SynapsePath& pattern, std::string_view requestPath) noexcept
{
    std::string_view rest = normalise(requestPath);
    bool more = !rest.empty();
    for (const SynapsePathSegment& expected : pattern.segments) {
        if (!more)
            return false;
        const std::size_t slash = rest.find('/');
        const std::string_view segment = rest.substr(0, slash);
        if (!expected.param && segment != expected.text)
            return false;
        more = slash != std::string_view::npos;
        rest = more ? rest.substr(slash + 1) : std::string_view();
    }
    return pattern.splat || !more;
}

} // namespace

SynapseRouteMatcher::SynapseRouteMatcher(const SynapseConfig& config) : m_config(config)
{
    for (const SynapseProxyRoute& route : config.proxy.routes)
        m_proxy.push_back(route.match.path ? std::optional(compileSynapsePath(*route.match.path))
                                           : std::nullopt);
    for (const SynapseIngestRoute& route : config.ingestRouter.routes)
        m_ingest.push_back(route.match.path ? std::optional(compileSynapsePath(*route.match.path))
                                            : std::nullopt);
}

std::optional<SynapseRouteMatcher::Match> SynapseRouteMatcher::match(std::string_view method,
                                                                     std::string_view host,
                                                                     std::string_view path) const noexcept
{
    if (normalise(path).starts_with("api/0/relays/") && m_config.ingestRouter.present) {
        const std::string_view bare = hostWithoutPort(host);
        for (std::size_t i = 0; i < m_ingest.size(); ++i) {
            const SynapseMatch& m = m_config.ingestRouter.routes[i].match;
            if ((!m.host || *m.host == bare) && (!m.method || *m.method == method) &&
                (!m_ingest[i] || pathMatches(*m_ingest[i], path)))
                return Match{true, i};
        }
        return std::nullopt;
    }
    for (std::size_t i = 0; i < m_proxy.size(); ++i) {
        const SynapseMatch& m = m_config.proxy.routes[i].match;
        if ((!m.host || *m.host == host) && (!m_proxy[i] || pathMatches(*m_proxy[i], path)))
            return Match{false, i};
    }
    return std::nullopt;
}

SynapseDecision routeThroughSynapse(const SynapseConfig& config, const Snapshot& snapshot,
                                    const SynapseRequest& request)
{
    SynapseDecision out;
    out.config = config.origin;
    const bool relayApi = normalise(request.path).starts_with("api/0/relays/");
    if (relayApi && config.ingestRouter.present) {
        IngestRouter(config, snapshot, request, out).run();
    } else if (config.proxy.present) {
        ProxyRouter(config, snapshot, request, out).run();
    } else {
        out.steps.push_back("the file has no proxy section → 404");
        out.httpStatus = 404;
    }
    return out;
}

std::vector<std::string> cellsOfUpstream(const SynapseConfig& config, const Snapshot& snapshot,
                                         std::string_view upstream)
{
    std::vector<std::string> cells;
    const auto add = [&](const std::string& cell) {
        if (std::find(cells.begin(), cells.end(), cell) == cells.end())
            cells.push_back(cell);
    };
    for (const SynapseProxyRoute& route : config.proxy.routes)
        for (const auto& [cell, name] : route.action.cellToUpstream)
            if (name == upstream)
                add(cell);
    if (const SynapseUpstream* declared = config.proxy.findUpstream(upstream))
        for (const Cell& cell : snapshot.cells())
            if (!cell.address.empty() && sameUrl(cell.address, declared->url))
                add(cell.name);
    std::sort(cells.begin(), cells.end());
    return cells;
}

} // namespace cellscope::routing
