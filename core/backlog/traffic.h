#pragma once

#include "core/backlog/history.h"
#include "core/routing/catalog.h"
#include "core/routing/outcome.h"
#include "core/routing/replay.h"

#include <array>
#include <cstdint>
#include <vector>

class QIODevice;

namespace cellscope {
class Snapshot;
}

namespace cellscope::backlog {

// A backlog entry with the requests of an access log that reached its URL, by how the router answered them
// (unroutable, pinned to the monolith cell, 404 in control, ...).
struct RankedEntry
{
    TrackedEntry entry;
    bool inCatalog = false; // false: the catalog has no endpoint of that name, so its traffic is unknown
    std::array<std::uint64_t, routing::kStatusCount> byStatus{}; // indexed by routing::Status
    std::uint64_t requests = 0;
};

struct TrafficRanking
{
    std::uint64_t lines = 0;           // non-blank lines read
    std::uint64_t malformed = 0;       // lines that are not a request
    std::uint64_t backlogRequests = 0; // requests that reached one of the entries
    // Most requests first, then by URL name; entries the catalog lacks come last.
    std::vector<RankedEntry> entries;
};

// Replays the log with the routing replay's classifier against `world` and `catalog`, and counts per backlog
// entry the requests whose routing depended on its endpoint, whatever the outcome: a non-conforming URL that
// answers 404 in control is traffic the migration must not break. Requests routed without consulting the
// endpoint (a single-cell locality, where Synapse passes everything through) are not the entry's: the
// non-conformance costs them nothing.
TrafficRanking rankByTraffic(const Snapshot& world, const routing::Catalog& catalog,
                             std::vector<TrackedEntry> entries, QIODevice& log,
                             const routing::ReplayOptions& options = {});

} // namespace cellscope::backlog
