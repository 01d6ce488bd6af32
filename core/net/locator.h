#pragma once

#include "core/net/http_service.h"
#include "core/snapshot/snapshot.h"

#include <functional>
#include <map>
#include <string>
#include <string_view>

// Synapse's locator (see docs/routing.md): which cell serves an organization id, slug or project key,
// answered from a Snapshot, and its standalone HTTP API.
namespace cellscope::net {

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

// Synapse's lookup: all digits → organization id, otherwise slug, otherwise project public key.
// No snapshot means not ready: a locality with a default cell gets that cell, anything else NotReady.
// A miss falls back to the locality's default cell; a cell in another locality than the requested
// one is a LocalityMismatch. An empty locality means none was given.
LocateResult locate(const Snapshot* snapshot, std::string_view id, std::string_view locality,
                    const DefaultCells& defaults = {});
std::string_view locateMessage(LocateStatus status); // Synapse's error_message texts
int locateHttpStatus(LocateStatus status);           // 200, 404, 404, 503

// The current world, or null while not ready (a locator fed by the control API before its first pull).
using SnapshotProvider = std::function<SnapshotPtr()>;

// Handler for Synapse's standalone locator API:
//   GET /?id=<id|slug|key>[&locality=<loc>] → 200 {"cell": …}, 404/503 {"error_message": …}
//   GET /health → 200; GET /ready → 200 when a snapshot is loaded, else 503.
// A missing id is 400, another path 404, another method 405, all with {"error_message": …}.
HttpHandler locatorHandler(SnapshotProvider snapshot, DefaultCells defaults = {});

} // namespace cellscope::net
