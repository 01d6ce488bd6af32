#pragma once

#include "core/routing/synapse_config.h"

#include <QByteArray>

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace cellscope {
class Snapshot;
}

// `cellctl synapse lint`: what Synapse refuses at start (errors) and what it accepts but routes
// wrongly (warnings), in a Synapse configuration and against the world. The codes are listed in
// docs/routing.md ("Linting a Synapse configuration").
namespace cellscope::routing {

struct SynapseFinding
{
    std::string code;
    std::optional<std::size_t> route; // 0-based index in its section's route list
    int line = 0;                     // 1-based; 0 when the finding has no place in the file
    std::string message;
};

struct SynapseLintReport
{
    std::vector<SynapseFinding> errors;
    std::vector<SynapseFinding> warnings;

    int exitStatus() const noexcept { return errors.empty() ? 0 : 1; }
};

// Checks a loaded file; with a world, also its cells, localities and default cells. Errors:
// invalid_param_name, invalid_static_segment, invalid_splat, param_in_static_route. Warnings:
// unknown_upstream, resolver_param_missing, shadowed_route, cell_without_upstream, unknown_cell,
// default_cell_mismatch, unknown_locality, ingest_locality_unconfigured, ingest_cell_missing,
// ingest_cell_other_locality.
SynapseLintReport lintSynapseConfig(const SynapseConfig& config, const Snapshot* world);
// Loads FILE first: a file that does not load is one yaml_error with its line. With `loaded`, the
// file as loaded is handed back (empty when it did not load), so a caller need not read it twice.
SynapseLintReport lintSynapseConfigFile(const std::string& path, const Snapshot* world,
                                        std::optional<SynapseConfig>* loaded = nullptr);

// Throws Error(BadInput) naming the first error, for faces that route through a file Synapse
// would refuse to start with.
void requireStartableSynapseConfig(const SynapseConfig& config);

// {"errors": [{"code", "route", "line", "message"}], "warnings": [...]}
QByteArray synapseLintToJson(const SynapseLintReport& report);
// "FILE:LINE: error CODE: message" lines, then the totals.
std::string synapseLintToText(const SynapseLintReport& report, const std::string& origin);

} // namespace cellscope::routing
