#pragma once

#include "core/routing/locate.h"
#include "core/util/error.h"
#include "core/util/yaml_error.h"

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

// A Synapse configuration file as Synapse reads it (see docs/routing.md, "Tracing through a Synapse
// configuration"): the proxy's upstreams and routes, the ingest-router's localities and routes, and
// the locators. Loading checks only the file's shape; what Synapse refuses or gets wrong in a
// well-formed file is synapse_lint.h's business, and matching is synapse_match.h's.
namespace cellscope::routing {

// Hostile input is refused before it costs much: the file size before parsing, and the nesting
// depth and node count (aliases counted each time they are used, so an alias bomb stops at the
// budget) before anything is read from the tree.
inline constexpr std::size_t kMaxSynapseConfigBytes = 8 * 1024 * 1024;
inline constexpr std::size_t kMaxSynapseConfigNodes = 1'000'000;
inline constexpr int kMaxSynapseConfigDepth = 64;

// A problem with the file itself (core/util/yaml_error.h): "file:line: sentence" and the line.
using SynapseConfigError = YamlError;

struct SynapseUpstream
{
    std::string name;
    std::string url;
    int line = 0;
};

enum class SynapseResolver
{
    CellFromOrganization,
    CellFromId,
};
std::string_view synapseResolverName(SynapseResolver resolver) noexcept;  // "cell_from_organization", …
std::string_view synapseResolverParam(SynapseResolver resolver) noexcept; // "organization", "id"

// A route's action: static (`to:`) or dynamic (`resolver:` with cell_to_upstream and default).
struct SynapseAction
{
    std::optional<std::string> to;
    std::optional<SynapseResolver> resolver;
    std::vector<std::pair<std::string, std::string>> cellToUpstream; // cell → upstream, file order
    std::optional<std::string> defaultUpstream;
    int line = 0;

    bool isStatic() const noexcept { return to.has_value(); }
    const std::string* upstreamOfCell(std::string_view cell) const noexcept;
};

struct SynapseMatch
{
    std::optional<std::string> host;
    std::optional<std::string> path;
    std::optional<std::string> method; // the ingest-router's routes only
};

struct SynapseProxyRoute
{
    SynapseMatch match;
    SynapseAction action;
    int line = 0; // the route's first line
};

// A locator block (`proxy.locator`, `ingest_router.locator` or the standalone `locator`).
struct SynapseLocator
{
    bool present = false;
    std::string type;     // "in_process" | "url" (empty for the standalone locator)
    std::string url;      // type url
    std::string dataType; // "organization" | "project_key" | empty
    std::vector<std::string> localities;
    std::vector<std::pair<std::string, std::string>> localityToDefaultCell; // file order
    int line = 0;
    int defaultsLine = 0; // locality_to_default_cell

    DefaultCells defaults() const;
};

struct SynapseProxy
{
    bool present = false;
    SynapseLocator locator;
    std::vector<SynapseUpstream> upstreams;
    std::vector<SynapseProxyRoute> routes;
    int line = 0;

    const SynapseUpstream* findUpstream(std::string_view name) const noexcept;
};

enum class IngestHandler
{
    RelayProjectConfigs,
    Health,
    RegisterChallenge,
    RegisterResponse,
    PublicKeys,
};
std::string_view ingestHandlerName(IngestHandler handler) noexcept; // "relay_project_configs", …

struct SynapseIngestRoute
{
    SynapseMatch match;
    IngestHandler handler = IngestHandler::Health;
    std::string locality;
    int line = 0;
};

// One cell of an ingest-router locality: where its Sentry and its Relay listen.
struct SynapseIngestCell
{
    std::string id;
    std::string sentryUrl;
    std::string relayUrl;
    int line = 0;
};

struct SynapseIngestLocality
{
    std::string name;
    std::vector<SynapseIngestCell> cells; // in priority order
    int line = 0;
};

struct SynapseIngestRouter
{
    bool present = false;
    SynapseLocator locator;
    std::vector<SynapseIngestLocality> localities;
    std::vector<SynapseIngestRoute> routes;
    int line = 0;

    const SynapseIngestLocality* findLocality(std::string_view name) const noexcept;
};

struct SynapseConfig
{
    std::string origin; // the file, as given
    SynapseProxy proxy;
    SynapseIngestRouter ingestRouter;
    SynapseLocator locator; // the standalone locator section
};

// Parses a Synapse YAML document with yaml-cpp. Unknown keys are ignored, as Synapse ignores them;
// anchors and aliases work. Throws SynapseConfigError ("origin:line: sentence") for YAML syntax
// errors, a duplicate key, a wrong type, a missing required field, an unknown resolver or handler,
// and for input over the size, depth or node budgets above.
SynapseConfig loadSynapseConfig(std::string_view yaml, const std::string& origin);
// Reads FILE (refused before reading when it is larger than kMaxSynapseConfigBytes).
SynapseConfig loadSynapseConfigFile(const std::string& path);

} // namespace cellscope::routing
