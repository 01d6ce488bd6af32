#pragma once

#include "core/db/database.h"
#include "core/relocation/control_store.h"
#include "core/relocation/org_graph.h"
#include "core/util/error.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace cellscope::relocation {

inline constexpr std::int64_t kDefaultBatchRows = 50000;
// Synapse refreshes its mapping cache every 60 s and caches a miss for 5 s: after 65 s no router
// can still send the organization to the old cell.
inline constexpr int kDefaultDrainSeconds = 65;
// Until relocations have been measured here: a rate a single COPY stream reaches with indexes and
// foreign keys on modest hardware, so a first estimate errs long.
inline constexpr double kAssumedRowsPerSecond = 150000;

// What a person asks for when starting (or planning) a relocation.
struct Request
{
    std::string org; // id or slug
    std::string targetCell;
    std::string reason;
    bool allowCrossLocality = false;
    std::optional<std::int64_t> throttle; // rows per second
    std::int64_t batchRows = kDefaultBatchRows;
    int drainSeconds = kDefaultDrainSeconds;
    bool offline = false; // frozen from before the copy, as before online relocation existed
    // Router APIs (locators) to ask after the switch: the drain ends once each names the target for
    // the organization's id, slug and DSN keys, or after drainSeconds at most.
    std::vector<std::string> verifyLocators;
};

struct Check
{
    std::string name; // stable id: "org_active", "target_clean", …
    bool passed = false;
    std::string message;                     // one sentence, whether it passed or not
    ErrorCode failure = ErrorCode::Conflict; // what a failure means for an exit status
};

struct PlannedTable
{
    std::string table;
    std::int64_t sourceRows = 0;
    OrgTable spec;
};

// The dry run: every check a relocation makes before its first write, the rows it would move and
// how long that should take. Building it writes nothing.
struct Plan
{
    OrgMapping org;
    std::string targetCell;
    std::string sourceLocality;
    std::string targetLocality;
    bool crossLocality = false;
    // Copied while the organization stays writable, its changes captured and caught up before a short
    // freeze; else frozen from before the copy. `mode` says which and why (the "mode" check).
    bool online = false;
    std::vector<Check> checks;
    std::vector<PlannedTable> tables; // the order rows are written in: parents first
    OrgGraph graph;                   // the source cell's org-scoped tables, as discovered
    std::vector<std::string> warnings;
    std::int64_t totalRows = 0;
    double rowsPerSecond = 0;    // the rate the estimate assumes
    bool measuredRate = false;   // from recent relocations, else a conservative default
    double estimatedSeconds = 0; // copy, verify and cleanup; the drain wait comes on top
    int drainSeconds = 0;

    bool ok() const;
    const Check* firstFailure() const;
};

// Runs every check. Error(BadInput) when the organization or the target cell does not exist at all;
// every other problem is a failed check in the plan. `self` is the relocation being checked, whose
// own journal entry is no conflict.
Plan makePlan(ControlStore& control, const db::DatabaseConfig& config, const Request& request,
              std::optional<std::int64_t> self = std::nullopt);

} // namespace cellscope::relocation
