#pragma once

#include "core/snapshot/snapshot.h"

#include <functional>
#include <map>
#include <string>
#include <string_view>

// Synapse's locator lookup (see docs/routing.md, "Synapse as Cellscope models it"): which cell
// serves an organization id, slug or project key. It lives here, below core/net, because both the
// standalone locator (core/net/locator.h) and the Synapse configuration tracer (synapse_match.h)
// ask it.
namespace cellscope::routing {

enum class LocateStatus
{
    Found,
    NoCell,           // 404 "no cell found for organization"
    LocalityMismatch, // 404 "requested locality does not match the cell's locality"
    NotReady,         // 503 "the locator is not ready yet"
};

struct LocateResult
{
    LocateStatus status = LocateStatus::NoCell;
    std::string cell;           // Found: the cell (possibly the locality's default cell)
    std::string actualLocality; // LocalityMismatch: the cell's own locality
    bool usedDefault = false;   // Found through locality_to_default_cell
};

// locality → default cell (Synapse's locality_to_default_cell).
using DefaultCells = std::map<std::string, std::string, std::less<>>;

// What a locator holds (Synapse's data_type): Any is Cellscope's standalone locator, which
// answers both kinds from one snapshot.
enum class LocatorData
{
    Any,
    Organization,
    ProjectKey,
};

// Synapse's lookup: all digits → organization id, otherwise slug, otherwise project public key.
// No snapshot means not ready: a locality with a default cell gets that cell, anything else NotReady.
// A miss falls back to the locality's default cell; a cell in another locality than the requested
// one is a LocalityMismatch. An empty locality means none was given.
LocateResult locate(const Snapshot* snapshot, std::string_view id, std::string_view locality,
                    const DefaultCells& defaults = {}, LocatorData data = LocatorData::Any);
std::string_view locateMessage(LocateStatus status); // Synapse's error_message texts
int locateHttpStatus(LocateStatus status);           // 200, 404, 404, 503

} // namespace cellscope::routing
