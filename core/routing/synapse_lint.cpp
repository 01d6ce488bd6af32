#include "core/routing/synapse_lint.h"

#include "core/routing/router.h"
#include "core/routing/synapse_match.h"
#include "core/snapshot/snapshot.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <algorithm>
#include <set>

namespace cellscope::routing {

namespace {

// True when every path `later` matches, `earlier` matches too (hosts aside).
bool pathSubsumes(const std::optional<std::string>& earlier, const std::optional<std::string>& later)
{
    if (!earlier)
        return true;
    if (!later)
        return false;
    const SynapsePath a = compileSynapsePath(*earlier);
    const SynapsePath b = compileSynapsePath(*later);
    if (a.segments.size() > b.segments.size())
        return false;
    if (!a.splat && (b.splat || a.segments.size() != b.segments.size()))
        return false;
    for (std::size_t i = 0; i < a.segments.size(); ++i)
        if (!a.segments[i].param && (b.segments[i].param || b.segments[i].text != a.segments[i].text))
            return false;
    return true;
}

bool fieldSubsumes(const std::optional<std::string>& earlier, const std::optional<std::string>& later)
{
    return !earlier || earlier == later;
}

bool hasParam(const std::optional<std::string>& path, std::string_view name)
{
    if (!path)
        return false;
    const SynapsePath compiled = compileSynapsePath(*path);
    return std::any_of(compiled.segments.begin(), compiled.segments.end(),
                       [&](const SynapsePathSegment& s) { return s.param && s.text == name; });
}

bool hasAnyParam(const std::optional<std::string>& path)
{
    if (!path)
        return false;
    const SynapsePath compiled = compileSynapsePath(*path);
    return std::any_of(compiled.segments.begin(), compiled.segments.end(),
                       [](const SynapsePathSegment& s) { return s.param; });
}

bool isWorldCell(const Snapshot& world, std::string_view name)
{
    const auto cell = world.findCell(name);
    return cell && world.cells()[*cell].declared;
}

class Linter
{
public:
    Linter(const SynapseConfig& config, const Snapshot* world, SynapseLintReport& out)
        : m_config(config), m_world(world), m_out(out)
    {}

    void run()
    {
        const auto& routes = m_config.proxy.routes;
        for (std::size_t i = 0; i < routes.size(); ++i) {
            const SynapseProxyRoute& route = routes[i];
            checkPath(route.match.path, i, route.line, "proxy");
            if (route.action.isStatic() && hasAnyParam(route.match.path))
                error("param_in_static_route", i, route.line,
                      "proxy route #" + std::to_string(i) + " has a static action (to " + *route.action.to +
                          ") but its path " + *route.match.path + " captures a parameter");
            upstreams(route, i);
            if (route.action.resolver &&
                !hasParam(route.match.path, synapseResolverParam(*route.action.resolver)))
                warn("resolver_param_missing", i, route.line,
                     "proxy route #" + std::to_string(i) + " resolves with " +
                         std::string(synapseResolverName(*route.action.resolver)) + ", which reads {" +
                         std::string(synapseResolverParam(*route.action.resolver)) + "}, but its path " +
                         route.match.path.value_or("(any)") + " does not capture it: every request goes to " +
                         (route.action.defaultUpstream
                              ? "the default upstream " + *route.action.defaultUpstream
                              : std::string("404")));
            for (std::size_t j = 0; j < i; ++j)
                if (fieldSubsumes(routes[j].match.host, route.match.host) &&
                    pathSubsumes(routes[j].match.path, route.match.path)) {
                    warn("shadowed_route", i, route.line,
                         "proxy route #" + std::to_string(i) + " can never match: route #" +
                             std::to_string(j) + " (line " + std::to_string(routes[j].line) +
                             ") matches every request it would");
                    break;
                }
            if (m_world)
                worldCells(route, i);
        }
        ingestRoutes();
        for (const SynapseLocator* locator :
             {&m_config.proxy.locator, &m_config.ingestRouter.locator, &m_config.locator})
            if (locator->present && m_world)
                worldLocator(*locator);
        if (m_world)
            worldIngestLocalities();
    }

private:
    void error(std::string code, std::optional<std::size_t> route, int line, std::string message)
    {
        m_out.errors.push_back({std::move(code), route, line, std::move(message)});
    }
    void warn(std::string code, std::optional<std::size_t> route, int line, std::string message)
    {
        m_out.warnings.push_back({std::move(code), route, line, std::move(message)});
    }

    void checkPath(const std::optional<std::string>& path, std::size_t index, int line,
                   std::string_view section)
    {
        if (!path)
            return;
        const SynapsePathCheck check = checkSynapsePath(*path);
        const std::string where =
            std::string(section) + " route #" + std::to_string(index) + ": path " + *path;
        switch (check.problem) {
        case SynapsePathProblem::None:
            return;
        case SynapsePathProblem::InvalidParamName:
            error("invalid_param_name", index, line,
                  where + ": parameter " + check.segment + " may use only lowercase letters and '_'");
            return;
        case SynapsePathProblem::InvalidStaticSegment:
            error("invalid_static_segment", index, line,
                  where + ": segment '" + check.segment + "' may use only letters, digits, '-', '_' and '.'" +
                      (check.segment.empty() ? " (an empty segment, '//')" : ""));
            return;
        case SynapsePathProblem::InvalidSplat:
            error("invalid_splat", index, line,
                  where + ": '" + check.segment +
                      "': '*' is allowed only as a trailing '/*' after a segment");
            return;
        }
    }

    void upstreams(const SynapseProxyRoute& route, std::size_t index)
    {
        std::set<std::string> reported;
        const auto check = [&](const std::string& name, const std::string& role) {
            if (m_config.proxy.findUpstream(name) || !reported.insert(name).second)
                return;
            warn("unknown_upstream", index, route.line,
                 "proxy route #" + std::to_string(index) + ": " + role + " upstream '" + name +
                     "' is not declared in proxy.upstreams: requests sent to it answer 404");
        };
        if (route.action.to)
            check(*route.action.to, "the static");
        for (const auto& [cell, name] : route.action.cellToUpstream)
            check(name, "cell " + cell + "'s");
        if (route.action.defaultUpstream)
            check(*route.action.defaultUpstream, "the default");
    }

    void worldCells(const SynapseProxyRoute& route, std::size_t index)
    {
        for (const auto& [cell, name] : route.action.cellToUpstream)
            if (!isWorldCell(*m_world, cell))
                warn("unknown_cell", index, route.line,
                     "proxy route #" + std::to_string(index) + ": cell_to_upstream names cell " + cell +
                         ", which the world does not have");
        if (!route.action.resolver || !route.match.host)
            return;
        const Locality* locality = hostLocality(*m_world, *route.match.host);
        if (!locality)
            return;
        for (CellIndex cell : locality->cells) {
            const std::string_view name = m_world->cellName(cell);
            if (!route.action.upstreamOfCell(name))
                warn("cell_without_upstream", index, route.line,
                     "proxy route #" + std::to_string(index) + " (" + *route.match.host +
                         ") has no upstream for cell " + std::string(name) + " of locality " +
                         locality->name + ": its requests go to " +
                         (route.action.defaultUpstream
                              ? "the default upstream " + *route.action.defaultUpstream
                              : std::string("404")));
        }
    }

    void worldLocator(const SynapseLocator& locator)
    {
        for (const std::string& name : locator.localities)
            if (!m_world->findLocality(name))
                warn("unknown_locality", std::nullopt, locator.line,
                     "the locator loads locality " + name + ", which the world does not have");
        for (const auto& [name, cell] : locator.localityToDefaultCell) {
            const auto index = m_world->findLocality(name);
            if (!index) {
                warn("unknown_locality", std::nullopt, locator.defaultsLine,
                     "locality_to_default_cell names locality " + name + ", which the world does not have");
                continue;
            }
            if (!isWorldCell(*m_world, cell)) {
                warn("unknown_cell", std::nullopt, locator.defaultsLine,
                     "locality_to_default_cell sends " + name + " to cell " + cell +
                         ", which the world does not have");
                continue;
            }
            const Locality& locality = m_world->localities()[*index];
            if (cell != locality.newOrgCell)
                warn("default_cell_mismatch", std::nullopt, locator.defaultsLine,
                     "locality_to_default_cell sends " + name + " to " + cell +
                         ", but the world's new-organization cell of " + name + " is " +
                         (locality.newOrgCell.empty() ? "(none)" : locality.newOrgCell));
        }
    }

    void ingestRoutes()
    {
        const auto& routes = m_config.ingestRouter.routes;
        for (std::size_t i = 0; i < routes.size(); ++i) {
            const SynapseIngestRoute& route = routes[i];
            checkPath(route.match.path, i, route.line, "ingest-router");
            for (std::size_t j = 0; j < i; ++j)
                if (fieldSubsumes(routes[j].match.host, route.match.host) &&
                    fieldSubsumes(routes[j].match.method, route.match.method) &&
                    pathSubsumes(routes[j].match.path, route.match.path)) {
                    warn("shadowed_route", i, route.line,
                         "ingest-router route #" + std::to_string(i) + " can never match: route #" +
                             std::to_string(j) + " (line " + std::to_string(routes[j].line) +
                             ") matches every request it would");
                    break;
                }
            if (!m_config.ingestRouter.findLocality(route.locality))
                warn("ingest_locality_unconfigured", i, route.line,
                     "ingest-router route #" + std::to_string(i) + " is for locality " + route.locality +
                         ", which ingest_router.localities does not list: it has no cell to ask");
            if (m_world && !m_world->findLocality(route.locality))
                warn("unknown_locality", i, route.line,
                     "ingest-router route #" + std::to_string(i) + " is for locality " + route.locality +
                         ", which the world does not have");
        }
    }

    void worldIngestLocalities()
    {
        for (const SynapseIngestLocality& configured : m_config.ingestRouter.localities) {
            const auto index = m_world->findLocality(configured.name);
            if (!index) {
                warn("unknown_locality", std::nullopt, configured.line,
                     "ingest_router.localities lists locality " + configured.name +
                         ", which the world does not have");
                continue;
            }
            const Locality& locality = m_world->localities()[*index];
            for (const SynapseIngestCell& cell : configured.cells) {
                const auto found = m_world->findCell(cell.id);
                if (!found || !m_world->cells()[*found].declared) {
                    warn("unknown_cell", std::nullopt, cell.line,
                         "ingest_router.localities." + configured.name + " lists cell " + cell.id +
                             ", which the world does not have");
                } else if (m_world->cells()[*found].locality != locality.name) {
                    warn("ingest_cell_other_locality", std::nullopt, cell.line,
                         "ingest_router.localities." + configured.name + " lists cell " + cell.id +
                             ", which belongs to locality " + m_world->cells()[*found].locality +
                             ": the locator never places a key of " + configured.name + " there");
                }
            }
            for (CellIndex cell : locality.cells) {
                const std::string_view name = m_world->cellName(cell);
                if (std::none_of(configured.cells.begin(), configured.cells.end(),
                                 [&](const SynapseIngestCell& c) { return c.id == name; }))
                    warn("ingest_cell_missing", std::nullopt, configured.line,
                         "ingest_router.localities." + configured.name + " does not list cell " +
                             std::string(name) + ": project configs of its keys stay pending");
            }
        }
    }

    const SynapseConfig& m_config;
    const Snapshot* m_world;
    SynapseLintReport& m_out;
};

QJsonArray findingsToJson(const std::vector<SynapseFinding>& findings)
{
    QJsonArray out;
    for (const SynapseFinding& f : findings)
        out.append(QJsonObject{
            {QStringLiteral("code"), QString::fromStdString(f.code)},
            {QStringLiteral("route"),
             f.route ? QJsonValue(static_cast<qint64>(*f.route)) : QJsonValue(QJsonValue::Null)},
            {QStringLiteral("line"), f.line > 0 ? QJsonValue(f.line) : QJsonValue(QJsonValue::Null)},
            {QStringLiteral("message"), QString::fromStdString(f.message)}});
    return out;
}

} // namespace

SynapseLintReport lintSynapseConfig(const SynapseConfig& config, const Snapshot* world)
{
    SynapseLintReport report;
    Linter(config, world, report).run();
    return report;
}

SynapseLintReport lintSynapseConfigFile(const std::string& path, const Snapshot* world,
                                        std::optional<SynapseConfig>* loaded)
{
    SynapseConfig config;
    try {
        config = loadSynapseConfigFile(path);
    } catch (const SynapseConfigError& e) {
        SynapseLintReport report;
        report.errors.push_back({"yaml_error", std::nullopt, e.line(), e.what()});
        return report;
    }
    SynapseLintReport report = lintSynapseConfig(config, world);
    if (loaded)
        *loaded = std::move(config);
    return report;
}

void requireStartableSynapseConfig(const SynapseConfig& config)
{
    const SynapseLintReport report = lintSynapseConfig(config, nullptr);
    if (report.errors.empty())
        return;
    const SynapseFinding& first = report.errors.front();
    fail(ErrorCode::BadInput, config.origin + ":" + std::to_string(first.line) + ": " + first.message + " (" +
                                  first.code +
                                  "); Synapse refuses to start with this file, see cellctl "
                                  "synapse lint");
}

QByteArray synapseLintToJson(const SynapseLintReport& report)
{
    QJsonObject root;
    root.insert(QStringLiteral("errors"), findingsToJson(report.errors));
    root.insert(QStringLiteral("warnings"), findingsToJson(report.warnings));
    return QJsonDocument(root).toJson(QJsonDocument::Indented);
}

std::string synapseLintToText(const SynapseLintReport& report, const std::string& origin)
{
    std::string out;
    const auto lines = [&](const std::vector<SynapseFinding>& findings, const char* kind) {
        for (const SynapseFinding& f : findings) {
            // A yaml_error's message already starts with the file and line.
            if (f.code != "yaml_error")
                out += origin + (f.line > 0 ? ":" + std::to_string(f.line) : std::string()) + ": ";
            out += std::string(kind) + " " + f.code + ": " + f.message + "\n";
        }
    };
    lines(report.errors, "error");
    lines(report.warnings, "warning");
    out += std::to_string(report.errors.size()) + (report.errors.size() == 1 ? " error, " : " errors, ") +
           std::to_string(report.warnings.size()) +
           (report.warnings.size() == 1 ? " warning\n" : " warnings\n");
    return out;
}

} // namespace cellscope::routing
