#pragma once

#include "core/db/database.h"
#include "core/relocation/journal.h"
#include "core/relocation/locator_probe.h"
#include "core/relocation/observer.h"
#include "core/relocation/plan.h"
#include "core/relocation/runner.h"
#include "core/relocation/status.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace cellscope::relocation {

// A relocation's whole record: its steps with their outcomes, the audit log, the leftovers ledger.
struct History
{
    Relocation relocation;
    std::vector<StepRecord> steps;
    std::vector<AuditRecord> audit;
    std::vector<Leftover> leftovers;
};

// One thing repair compared: what the journal expects against what the mapping or data hold.
struct Finding
{
    std::string subject; // "journal", "mapping", "key mappings", "slug reservations", "source data", …
    bool consistent = true;
    std::string text;
};

enum class RepairAction
{
    None,    // consistent, or a live runner is on it
    Resume,  // running without a runner, or paused
    Retry,   // failed or aborted: run the step again
    Realign, // the journal disagrees with the mapping or data: put its step where they are, then run
};

struct Diagnosis
{
    Relocation relocation;
    std::vector<Finding> findings;
    RepairAction action = RepairAction::None;
    std::optional<Step> realignTo;
    std::string proposal; // one sentence: what brings it to a consistent state
    std::string command;  // the cellctl command that does it; empty when there is nothing to do
};

// The core API of relocations, for the CLI and the GUI alike. Every call opens its own connections,
// so any thread may call any of them; run() blocks for the whole relocation (call it off the GUI
// thread). Every state-changing call needs a reason, stored with the database role in the audit
// log in the same transaction as the change; PostgreSQL's grants decide who may make it.
class Relocations
{
public:
    explicit Relocations(db::DatabaseConfig config) : m_config(std::move(config)) {}

    // The dry run: every check, the rows, the estimate. Writes nothing.
    Plan plan(const Request& request) const;
    // Checks, then journals the relocation and its audit row; Error (with the failed check's code)
    // when a check fails, Conflict when the organization already has an unfinished relocation.
    std::int64_t start(const Request& request) const;
    // Runs (or resumes) the steps in this thread until the outcome; see runRelocation.
    Outcome run(std::int64_t id, Observer& observer, LocatorProbe* probe = nullptr) const;

    void pause(std::int64_t id, const std::string& reason) const;
    void abort(std::int64_t id, const std::string& reason) const;
    // Make a paused (or runner-less) relocation running again; run() then carries it on.
    void resume(std::int64_t id, const std::string& reason) const;
    // Make a failed or aborted relocation running again from the step that stopped; run() after.
    void retry(std::int64_t id, const std::string& reason) const;
    // Before the switch: turns the relocation back (run() removes the copy, unfreezes the source).
    // After it: Conflict, suggesting to relocate back.
    void cancel(std::int64_t id, const std::string& reason) const;
    void throttle(std::int64_t id, std::optional<std::int64_t> rowsPerSecond,
                  const std::string& reason) const;

    // Whether this login may start and change relocations: a face greys its controls out when not
    // (PostgreSQL refuses the change anyway).
    bool mayChange() const;
    Status status(std::int64_t id) const;
    std::vector<Relocation> list(const std::string& org, bool activeOnly, std::size_t limit) const;
    History history(std::int64_t id) const;
    Diagnosis diagnose(std::int64_t id) const;
    // Applies the diagnosis' action (not the run); returns it.
    Diagnosis repair(std::int64_t id, const std::string& reason) const;

    // A relocation id, or an organization id/slug prefixed "org:" or given as a slug: its latest
    // relocation.
    std::int64_t resolve(const std::string& relocationOrOrg) const;

private:
    db::DatabaseConfig m_config;
};

} // namespace cellscope::relocation
