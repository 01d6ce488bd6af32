#include "core/routing/synapse_config.h"

#include "core/util/yaml_load.h"

namespace cellscope::routing {

namespace {

int lineOf(const YAML::Node& node)
{
    return yamlLine(node);
}

std::string describe(const YAML::Node& node)
{
    if (!node.IsDefined())
        return "nothing";
    switch (node.Type()) {
    case YAML::NodeType::Null:
        return "null";
    case YAML::NodeType::Scalar:
        return "a scalar";
    case YAML::NodeType::Sequence:
        return "a list";
    case YAML::NodeType::Map:
        return "a mapping";
    case YAML::NodeType::Undefined:
        break;
    }
    return "nothing";
}

class Reader
{
public:
    explicit Reader(std::string origin) : m_origin(std::move(origin)) {}

    [[noreturn]] void fail(int line, const std::string& sentence) const
    {
        throw SynapseConfigError(line > 0 ? m_origin + ":" + std::to_string(line) + ": " + sentence
                                          : m_origin + ": " + sentence,
                                 line);
    }
    [[noreturn]] void fail(const YAML::Node& at, const std::string& sentence) const
    {
        fail(lineOf(at), sentence);
    }

    YAML::Node mapAt(const YAML::Node& node, const std::string& where) const
    {
        if (!node.IsDefined() || !node.IsMap())
            fail(node, where + ": expected a mapping, got " + describe(node));
        return node;
    }

    std::optional<std::string> optionalString(const YAML::Node& map, const char* key,
                                              const std::string& where) const
    {
        const YAML::Node value = map[key];
        if (!value.IsDefined() || value.IsNull())
            return std::nullopt;
        if (!value.IsScalar())
            fail(value, where + "." + key + ": expected a string, got " + describe(value));
        return value.Scalar();
    }

    std::string requiredString(const YAML::Node& map, const char* key, const std::string& where) const
    {
        auto value = optionalString(map, key, where);
        if (!value)
            fail(map, where + ": missing field '" + key + "'");
        return *value;
    }

    std::vector<std::pair<std::string, std::string>> stringMap(const YAML::Node& node,
                                                               const std::string& where) const
    {
        std::vector<std::pair<std::string, std::string>> out;
        if (!node.IsDefined() || node.IsNull())
            return out;
        mapAt(node, where);
        for (auto it = node.begin(); it != node.end(); ++it) {
            if (!it->first.IsScalar() || !it->second.IsScalar())
                fail(it->first, where + ": expected a mapping of strings to strings");
            out.emplace_back(it->first.Scalar(), it->second.Scalar());
        }
        return out;
    }

    std::vector<std::string> stringList(const YAML::Node& node, const std::string& where) const
    {
        std::vector<std::string> out;
        if (!node.IsDefined() || node.IsNull())
            return out;
        if (!node.IsSequence())
            fail(node, where + ": expected a list, got " + describe(node));
        for (const YAML::Node& item : node) {
            if (!item.IsScalar())
                fail(item, where + ": expected a list of strings");
            out.push_back(item.Scalar());
        }
        return out;
    }

    SynapseLocator locator(const YAML::Node& node, const std::string& where, bool standalone) const
    {
        SynapseLocator out;
        if (!node.IsDefined() || node.IsNull())
            return out;
        mapAt(node, where);
        out.present = true;
        out.line = lineOf(node);
        if (!standalone) {
            out.type = requiredString(node, "type", where);
            if (out.type != "in_process" && out.type != "url")
                fail(node["type"], where + ".type: '" + out.type + "' is not in_process or url");
            if (out.type == "url")
                out.url = requiredString(node, "url", where);
        }
        out.dataType = optionalString(node, "data_type", where).value_or("");
        if (!out.dataType.empty() && out.dataType != "organization" && out.dataType != "project_key")
            fail(node["data_type"],
                 where + ".data_type: '" + out.dataType + "' is not organization or project_key");
        out.localities = stringList(node["localities"], where + ".localities");
        const YAML::Node defaults = node["locality_to_default_cell"];
        out.localityToDefaultCell = stringMap(defaults, where + ".locality_to_default_cell");
        out.defaultsLine = defaults.IsDefined() ? lineOf(defaults) : 0;
        return out;
    }

    SynapseMatch match(const YAML::Node& route, const std::string& where, bool withMethod) const
    {
        const YAML::Node node = route["match"];
        if (!node.IsDefined())
            fail(route, where + ": missing field 'match'");
        SynapseMatch out;
        if (node.IsNull())
            return out;
        mapAt(node, where + ".match");
        out.host = optionalString(node, "host", where + ".match");
        out.path = optionalString(node, "path", where + ".match");
        if (withMethod)
            out.method = optionalString(node, "method", where + ".match");
        return out;
    }

    SynapseAction action(const YAML::Node& route, const std::string& where) const
    {
        const YAML::Node node = route["action"];
        if (!node.IsDefined())
            fail(route, where + ": missing field 'action'");
        const std::string at = where + ".action";
        mapAt(node, at);
        SynapseAction out;
        out.line = lineOf(node);
        out.to = optionalString(node, "to", at);
        const auto resolver = optionalString(node, "resolver", at);
        if (out.to && resolver)
            fail(node, at + ": has both 'to' (static) and 'resolver' (dynamic); give one");
        if (!out.to && !resolver)
            fail(node, at + ": needs 'to' (a static upstream) or 'resolver' (cell_from_organization or "
                            "cell_from_id)");
        if (resolver) {
            if (*resolver == "cell_from_organization")
                out.resolver = SynapseResolver::CellFromOrganization;
            else if (*resolver == "cell_from_id")
                out.resolver = SynapseResolver::CellFromId;
            else
                fail(node["resolver"], at + ".resolver: unknown resolver '" + *resolver +
                                           "' (expected cell_from_organization or cell_from_id)");
            out.cellToUpstream = stringMap(node["cell_to_upstream"], at + ".cell_to_upstream");
            out.defaultUpstream = optionalString(node, "default", at);
        } else if (node["cell_to_upstream"].IsDefined() || node["default"].IsDefined()) {
            fail(node, at + ": a static action ('to') takes no cell_to_upstream or default");
        }
        return out;
    }

    SynapseProxy proxy(const YAML::Node& node) const
    {
        SynapseProxy out;
        if (!node.IsDefined() || node.IsNull())
            return out;
        mapAt(node, "proxy");
        out.present = true;
        out.line = lineOf(node);
        out.locator = locator(node["locator"], "proxy.locator", false);
        const YAML::Node upstreams = node["upstreams"];
        if (upstreams.IsDefined() && !upstreams.IsNull()) {
            if (!upstreams.IsSequence())
                fail(upstreams, "proxy.upstreams: expected a list, got " + describe(upstreams));
            for (std::size_t i = 0; i < upstreams.size(); ++i) {
                const std::string where = "proxy.upstreams[" + std::to_string(i) + "]";
                const YAML::Node item = mapAt(upstreams[i], where);
                out.upstreams.push_back(
                    {requiredString(item, "name", where), requiredString(item, "url", where), lineOf(item)});
            }
        }
        const YAML::Node routes = node["routes"];
        if (routes.IsDefined() && !routes.IsNull()) {
            if (!routes.IsSequence())
                fail(routes, "proxy.routes: expected a list, got " + describe(routes));
            for (std::size_t i = 0; i < routes.size(); ++i) {
                const std::string where = "proxy.routes[" + std::to_string(i) + "]";
                const YAML::Node item = mapAt(routes[i], where);
                out.routes.push_back({match(item, where, false), action(item, where), lineOf(item)});
            }
        }
        return out;
    }

    SynapseIngestRouter ingestRouter(const YAML::Node& node) const
    {
        SynapseIngestRouter out;
        if (!node.IsDefined() || node.IsNull())
            return out;
        mapAt(node, "ingest_router");
        out.present = true;
        out.line = lineOf(node);
        out.locator = locator(node["locator"], "ingest_router.locator", false);
        const YAML::Node localities = node["localities"];
        if (localities.IsDefined() && !localities.IsNull()) {
            mapAt(localities, "ingest_router.localities");
            for (auto it = localities.begin(); it != localities.end(); ++it) {
                if (!it->first.IsScalar())
                    fail(it->first, "ingest_router.localities: expected locality names as keys");
                SynapseIngestLocality locality{it->first.Scalar(), {}, lineOf(it->first)};
                const std::string where = "ingest_router.localities." + locality.name;
                if (!it->second.IsSequence())
                    fail(it->second, where + ": expected a list of cells, got " + describe(it->second));
                for (std::size_t i = 0; i < it->second.size(); ++i) {
                    const std::string at = where + "[" + std::to_string(i) + "]";
                    const YAML::Node cell = mapAt(it->second[i], at);
                    locality.cells.push_back({requiredString(cell, "id", at),
                                              optionalString(cell, "sentry_url", at).value_or(""),
                                              requiredString(cell, "relay_url", at), lineOf(cell)});
                }
                out.localities.push_back(std::move(locality));
            }
        }
        const YAML::Node routes = node["routes"];
        if (routes.IsDefined() && !routes.IsNull()) {
            if (!routes.IsSequence())
                fail(routes, "ingest_router.routes: expected a list, got " + describe(routes));
            for (std::size_t i = 0; i < routes.size(); ++i) {
                const std::string where = "ingest_router.routes[" + std::to_string(i) + "]";
                const YAML::Node item = mapAt(routes[i], where);
                SynapseIngestRoute route;
                route.line = lineOf(item);
                route.match = match(item, where, true);
                if (!item["action"].IsDefined())
                    fail(item, where + ": missing field 'action'");
                const YAML::Node action = mapAt(item["action"], where + ".action");
                const std::string handler = requiredString(action, "handler", where + ".action");
                bool known = false;
                for (IngestHandler h : {IngestHandler::RelayProjectConfigs, IngestHandler::Health,
                                        IngestHandler::RegisterChallenge, IngestHandler::RegisterResponse,
                                        IngestHandler::PublicKeys})
                    if (ingestHandlerName(h) == handler) {
                        route.handler = h;
                        known = true;
                    }
                if (!known)
                    fail(action["handler"], where + ".action.handler: unknown handler '" + handler +
                                                "' (expected relay_project_configs, health, "
                                                "register_challenge, register_response or public_keys)");
                route.locality = requiredString(item, "locality", where);
                out.routes.push_back(std::move(route));
            }
        }
        return out;
    }

private:
    std::string m_origin;
};

} // namespace

std::string_view synapseResolverName(SynapseResolver resolver) noexcept
{
    return resolver == SynapseResolver::CellFromOrganization ? "cell_from_organization" : "cell_from_id";
}

std::string_view synapseResolverParam(SynapseResolver resolver) noexcept
{
    return resolver == SynapseResolver::CellFromOrganization ? "organization" : "id";
}

std::string_view ingestHandlerName(IngestHandler handler) noexcept
{
    switch (handler) {
    case IngestHandler::RelayProjectConfigs:
        return "relay_project_configs";
    case IngestHandler::Health:
        return "health";
    case IngestHandler::RegisterChallenge:
        return "register_challenge";
    case IngestHandler::RegisterResponse:
        return "register_response";
    case IngestHandler::PublicKeys:
        return "public_keys";
    }
    return "";
}

const std::string* SynapseAction::upstreamOfCell(std::string_view cell) const noexcept
{
    for (const auto& [name, upstream] : cellToUpstream)
        if (name == cell)
            return &upstream;
    return nullptr;
}

DefaultCells SynapseLocator::defaults() const
{
    DefaultCells out;
    for (const auto& [locality, cell] : localityToDefaultCell)
        out.emplace(locality, cell);
    return out;
}

const SynapseUpstream* SynapseProxy::findUpstream(std::string_view name) const noexcept
{
    for (const SynapseUpstream& upstream : upstreams)
        if (upstream.name == name)
            return &upstream;
    return nullptr;
}

const SynapseIngestLocality* SynapseIngestRouter::findLocality(std::string_view name) const noexcept
{
    for (const SynapseIngestLocality& locality : localities)
        if (locality.name == name)
            return &locality;
    return nullptr;
}

SynapseConfig loadSynapseConfig(std::string_view yaml, const std::string& origin)
{
    const Reader reader(origin);
    const YAML::Node root =
        loadYaml(yaml, origin, {kMaxSynapseConfigBytes, kMaxSynapseConfigNodes, kMaxSynapseConfigDepth});
    SynapseConfig config;
    config.origin = origin;
    try {
        if (root.IsNull())
            reader.fail(0, "the file is empty; expected proxy, ingest_router or locator sections");
        reader.mapAt(root, "the document");
        config.proxy = reader.proxy(root["proxy"]);
        config.ingestRouter = reader.ingestRouter(root["ingest_router"]);
        config.locator = reader.locator(root["locator"], "locator", true);
    } catch (const YAML::Exception& e) {
        // yaml-cpp's own refusals while reading the tree (e.g. a bad conversion).
        reader.fail(e.mark.is_null() ? 0 : e.mark.line + 1, "invalid YAML: " + e.msg);
    }
    if (!config.proxy.present && !config.ingestRouter.present && !config.locator.present)
        reader.fail(0, "no proxy, ingest_router or locator section: this is not a Synapse configuration");
    return config;
}

SynapseConfig loadSynapseConfigFile(const std::string& path)
{
    return loadSynapseConfig(
        readYamlFile(path, {kMaxSynapseConfigBytes, kMaxSynapseConfigNodes, kMaxSynapseConfigDepth}), path);
}

} // namespace cellscope::routing
