#pragma once

#include <string>

namespace cellscope {
class Snapshot;
}

// `cellctl synapse generate`: a complete Synapse configuration (standalone locator, proxy and
// ingest-router sections) that routes the world as Cellscope's own rules do (docs/routing.md,
// "Generating a Synapse configuration"); its lint against the same world is clean.
namespace cellscope::routing {

// One upstream per declared cell, named after it, at the cell's address. For each locality of
// several cells, {locality}.{app host} gets the organization routes (organizations, projects, teams,
// organization-avatar) and /api/0/cell/{id}/*, each cell mapped to its own upstream and no default
// (an unknown organization is a 404, as in control); a one-cell locality's host goes to its cell.
// The ingest-router lists every locality's cells and routes Relay's API on ingest.{locality}.{app
// host}, and on ingest.{app host} for the fallback cell's locality.
std::string generateSynapseConfig(const Snapshot& world);

} // namespace cellscope::routing
