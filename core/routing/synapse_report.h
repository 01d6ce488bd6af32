#pragma once

#include "core/routing/synapse_match.h"

#include <QJsonObject>

#include <string>

// How a Synapse decision is shown: the "synapse" object of trace JSON (format in
// core/routing/README.md) and the lines of trace text.
namespace cellscope::routing {

// {"config", "route": {"index", "line", "host", "path"} | null, "params": {…}, "resolver", "cell",
//  "upstream": {"name", "url"} | null, "http_status"}; the ingest-router's decisions add "handler",
//  "locality", "keys_by_cell": {cell: [keys]} and "pending": [keys].
QJsonObject synapseDecisionToJson(const SynapseDecision& decision);
// "synapse  FILE" and one indented line per step, then the keys by cell and the pending ones.
std::string synapseDecisionToText(const SynapseDecision& decision);

} // namespace cellscope::routing
