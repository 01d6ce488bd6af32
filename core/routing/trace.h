#pragma once

#include "core/routing/catalog.h"
#include "core/routing/outcome.h"
#include "core/routing/synapse_match.h"

#include <QByteArray>

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cellscope {
class Snapshot;
}

namespace cellscope::routing {

// What an SRE pasted: a URL (or a bare path, served by the app host unless a Host header says
// otherwise) or a DSN, plus what `cellctl trace` options add.
struct Request
{
    std::string input;
    std::string method = "GET";
    std::vector<std::pair<std::string, std::string>> headers;
    std::optional<std::string> integration; // external id of the integration a webhook is for
    std::optional<std::string> body;        // read only by a Synapse configuration's ingest-router
};

struct EndpointRef
{
    std::string name;
    std::string silo;
    std::optional<std::string> backlogAction;
};

struct Hop
{
    std::string component; // componentName()
    std::string rule;      // which rule decided, e.g. "organization_kwarg"
    std::string decision;  // one sentence
};

struct Warning
{
    std::string code; // warningCodeName()
    std::string message;
};

struct Outcome
{
    std::string status;              // statusName()
    std::optional<std::string> silo; // "cell" | "control"
    std::vector<std::string> cells;  // cell names, in delivery order
    std::optional<int> httpStatus;   // set when routing alone decides the answer
};

struct Trace
{
    std::string input;
    std::string kind; // "url" | "dsn"
    std::optional<EndpointRef> endpoint;
    std::vector<Hop> hops;
    Outcome outcome;
    std::vector<Warning> warnings;
    std::optional<SynapseDecision> synapse; // traced through a Synapse configuration (synapse_trace.h)
};

// The tracer: a pure function of the world, the catalog and the request (no I/O, no globals).
// Throws Error(BadInput) with one sentence when the input is not a URL, path or DSN of this world;
// anything it can parse gets a Trace, possibly with status "rejected".
Trace trace(const Snapshot& snapshot, const Catalog& catalog, const Request& request);

// trace(), then the same request through a Synapse configuration: Trace::synapse says which route,
// resolver, cell and upstream Synapse picks, and its warnings join the trace's. A DSN's envelopes
// never pass Synapse. Throws Error(BadInput) when Synapse would refuse to start with the file.
Trace traceThroughSynapse(const Snapshot& snapshot, const Catalog& catalog, const Request& request,
                          const SynapseConfig& config);

// {"input","kind","endpoint":{...}|null,"hops":[...],"outcome":{...},"warnings":[...]} (README), and
// "synapse":{...} when traced through a Synapse configuration.
QByteArray traceToJson(const Trace& trace);
// One line per hop, then the outcome and the warnings.
std::string traceToText(const Trace& trace);

// `cellctl dsn`: the parsed parts of a DSN with org_id and locality (relative to appHost), or
// {"valid": false, "error": E}.
QByteArray dsnToJson(std::string_view dsn, std::string_view appHost);
std::string dsnToText(std::string_view dsn, std::string_view appHost);

} // namespace cellscope::routing
