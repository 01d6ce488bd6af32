#pragma once

#include "core/relocation/journal.h"

#include <optional>
#include <string>
#include <vector>

namespace cellscope::relocation {

// Where a relocation stands, for `status`, the GUI's live view and `--watch`: one sentence, every
// table (finished ones too), rates and the time left.
struct Status
{
    Relocation relocation;
    std::vector<TableProgress> tables;
    std::optional<AuditRecord> lastAction; // the latest person's action and its reason
    bool runnerAlive = false;              // a process holds the runner lock right now
    std::int64_t plannedRows = 0;
    std::int64_t copiedRows = 0;
    std::int64_t verifiedRows = 0;
    std::int64_t cleanedRows = 0;
    std::optional<double> copyRowsPerSecond;
    std::optional<double> verifyRowsPerSecond;
    std::optional<double> drainSecondsLeft;
    std::optional<double> etaSeconds; // until done, drain included; none once finished or cancelling
    // Online, before the freeze: about how long until it (copy, catch-up and verify left).
    std::optional<double> cutoverInSeconds;
    // The write freeze: from the freeze to the commit of the switch (unix seconds, server clock).
    // While frozen and not yet switched, `freezeSeconds` is how long it has lasted so far.
    std::optional<double> freezeStartedAt;
    std::optional<double> freezeEndedAt;
    std::optional<double> freezeSeconds;
    std::string sentence;
    std::vector<std::string> nextSteps; // cellctl commands that make sense now
};

// Pure: builds the status from what the journal holds.
Status describe(Relocation relocation, std::vector<TableProgress> tables,
                std::optional<AuditRecord> lastAction, bool runnerAlive);

} // namespace cellscope::relocation
