#pragma once

#include "core/relocation/org_graph.h"
#include "core/relocation/step.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace cellscope::relocation {

// Plain values read from the journal in the control database (cellscope.relocation*). Times are
// unix seconds with fractions, from the server's clock.

struct Relocation
{
    std::int64_t id = 0;
    std::int64_t organizationId = 0;
    std::string orgSlug;
    std::string sourceCell;
    std::string targetCell;
    State state = State::Running;
    Step step = Step::Preflight;
    std::optional<Step> cancelledAtStep;
    std::string requestedAction; // "", "pause" or "abort"
    bool crossLocality = false;
    std::int64_t batchRows = 0;
    std::optional<std::int64_t> throttle; // rows per second; none: unthrottled
    int drainSeconds = 0;
    bool online = false; // writable while copied (change capture and catch-up); else frozen throughout
    bool frozen = false; // the freeze is recorded: the statuses below are what it replaced
    std::optional<double> frozenAt;
    std::optional<std::int64_t> mappingStatusBefore;
    std::optional<int> cellStatusBefore;
    std::optional<double> switchedAt;
    std::optional<double> switchCommittedAt; // the write freeze ends here
    // Online only: the last catch-up round applied, the round online verify compared, changes
    // applied so far, and the captured changes still waiting when last measured.
    int appliedRound = 0;
    std::optional<int> verifiedRound;
    std::int64_t appliedChanges = 0;
    std::optional<std::int64_t> lagRows;
    std::optional<double> lagSeconds;
    std::optional<double> lagAt;
    // Drain by observation: the locators to ask after the switch, and their last answers.
    std::vector<std::string> verifyLocators;
    std::string drainAnswers; // one line per locator and id: "URL id → cell"
    std::string lastError;
    std::string runner; // "pid 4242 on host": the last process that ran it
    std::optional<double> heartbeatAt;
    std::string createdBy;
    double createdAt = 0;
    double updatedAt = 0;
    std::optional<double> finishedAt;
    double readAt = 0; // the server's clock when this was read
    // A later relocation of the same organization, which makes this one history.
    std::optional<std::int64_t> supersededBy;
};

struct TableProgress
{
    int position = 0;
    std::string table;
    OrgTable spec; // how to find the organization's rows in it, as planned (empty sqlName: an old plan)
    std::int64_t plannedRows = 0;
    std::int64_t copiedRows = 0;
    std::optional<std::int64_t> copyLastKey;
    double copySeconds = 0;
    bool copied = false;
    std::int64_t verifiedRows = 0;
    std::optional<std::int64_t> verifyLastKey;
    double verifySeconds = 0;
    std::string sourceDigest;
    std::string targetDigest;
    bool verified = false;
    std::int64_t cleanedRows = 0;
    bool cleaned = false;
};

struct StepRecord
{
    std::string step;
    int attempt = 0;
    double startedAt = 0;
    std::optional<double> finishedAt;
    std::string outcome; // "ok", "failed", "interrupted"; "" while running or if its runner died
    std::string detail;
    std::string runner;
};

struct AuditRecord
{
    std::int64_t id = 0;
    std::int64_t relocationId = 0;
    std::string action;
    std::string reason;
    std::string detail;
    std::string dbRole;    // current_user when it was written
    std::string loginRole; // session_user
    double at = 0;
};

struct Leftover
{
    std::string cell;
    std::string table;
    int position = 0;
    std::int64_t organizationId = 0;
    std::int64_t removedRows = 0;
    bool removed = false;
};

// What a runner learns at every batch boundary: whether to go on.
struct Control
{
    State state = State::Running;
    Step step = Step::Preflight;
    std::string requestedAction;
    std::optional<std::int64_t> throttle;
};

} // namespace cellscope::relocation
