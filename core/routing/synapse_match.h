#pragma once

#include "core/routing/synapse_config.h"

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cellscope {
class Snapshot;
}

// A request through a Synapse configuration, exactly as Synapse routes it (see docs/routing.md,
// "Tracing through a Synapse configuration"): the first matching route, its action, the resolver
// asked against the world, the upstream, or 404; for the ingest-router, the Relay project-config
// request split by cell.
namespace cellscope::routing {

// A match.path as Synapse compiles it: whitespace and '/' trimmed at both ends, a trailing "/*"
// taken off as the splat, the rest split on '/'; "{name}" is a parameter, anything else static.
struct SynapsePathSegment
{
    std::string text; // the parameter's name, or the static text
    bool param = false;
};

struct SynapsePath
{
    std::vector<SynapsePathSegment> segments;
    bool splat = false;
};

SynapsePath compileSynapsePath(std::string_view path);

// What Synapse refuses in a match.path at start (the lint errors of the same names).
enum class SynapsePathProblem
{
    None,
    InvalidParamName,     // a parameter name other than lowercase letters and '_'
    InvalidStaticSegment, // a static segment with other than alphanumerics, '-', '_', '.' (or empty)
    InvalidSplat,         // '*' anywhere but a trailing "/*"
};

struct SynapsePathCheck
{
    SynapsePathProblem problem = SynapsePathProblem::None;
    std::string segment; // the offending segment
};

SynapsePathCheck checkSynapsePath(std::string_view path);

using SynapseParams = std::vector<std::pair<std::string, std::string>>; // in path order

// The request path (raw, without the query) against a compiled route path: both trimmed of
// whitespace and '/' at both ends only, so an empty inner segment stays a segment; a parameter
// takes exactly one segment; without the splat the segment counts must be equal.
bool matchSynapsePath(const SynapsePath& pattern, std::string_view requestPath, SynapseParams& params);

// Which route of a file takes a request, without resolving it: for counting hits over a whole
// access log (replay), so paths are compiled once and a match allocates nothing.
class SynapseRouteMatcher
{
public:
    explicit SynapseRouteMatcher(const SynapseConfig& config);

    struct Match
    {
        bool ingestRouter = false;
        std::size_t index = 0;
    };
    // The same section choice and first-match rule as routeThroughSynapse(); nullopt: no route.
    std::optional<Match> match(std::string_view method, std::string_view host,
                               std::string_view path) const noexcept;

private:
    const SynapseConfig& m_config;
    std::vector<std::optional<SynapsePath>> m_proxy;
    std::vector<std::optional<SynapsePath>> m_ingest;
};

struct SynapseRouteRef
{
    std::size_t index = 0; // 0-based, in the section's route list
    int line = 0;          // 1-based
    std::optional<std::string> host;
    std::optional<std::string> path;
};

// The warnings a Synapse decision adds to a trace (check files may expect them).
bool isSynapseWarningCode(std::string_view code) noexcept;

struct SynapseWarning
{
    std::string code;
    std::string message;
};

// Where Synapse sends one request, and why (the "synapse" object of a trace).
struct SynapseDecision
{
    std::string config;
    bool ingestRouter = false; // decided by the ingest-router's routes, not the proxy's
    std::optional<SynapseRouteRef> route;
    SynapseParams params;
    std::optional<std::string> resolver;
    std::optional<std::string> cell;
    std::optional<SynapseUpstream> upstream;
    std::optional<int> httpStatus; // 404 when Synapse has no upstream; 200 for the router's own health
    // The ingest-router's handler and what it did with Relay's project-config request.
    std::optional<std::string> handler;
    std::optional<std::string> locality;
    std::map<std::string, std::vector<std::string>> keysByCell;
    std::vector<std::string> pending;
    std::vector<std::string> steps; // one sentence per decision, for text output
    std::vector<SynapseWarning> warnings;
};

struct SynapseRequest
{
    std::string method = "GET";
    std::string host; // the request URI's host, or else the raw Host header (port and all)
    std::string path; // raw, without the query
    std::optional<std::string> body;
};

// Relay's API calls (/api/0/relays/…) go through the ingest-router's routes when the file has
// that section; everything else through the proxy's. Throws Error(BadInput) when Relay's
// project-config request has no body or a body without a publicKeys list of strings.
SynapseDecision routeThroughSynapse(const SynapseConfig& config, const Snapshot& snapshot,
                                    const SynapseRequest& request);

// The cells an upstream serves, as far as the file and the world tell: the cells some dynamic
// route maps to it, and the cell whose address is its URL.
std::vector<std::string> cellsOfUpstream(const SynapseConfig& config, const Snapshot& snapshot,
                                         std::string_view upstream);

} // namespace cellscope::routing
