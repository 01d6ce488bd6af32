#pragma once

#include "core/relocation/journal.h"

#include <pqxx/connection>
#include <pqxx/transaction>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace cellscope::relocation {

// The organization as the control database maps it.
struct OrgMapping
{
    std::int64_t organizationId = 0;
    std::string slug;
    std::string cell;
    std::optional<std::int64_t> status;
};

struct CellInfo
{
    std::string name;
    std::string locality;
    bool visible = true;
};

struct SlugReservationRow
{
    std::string slug;
    int type = 0;
    std::string cell;
};

// Everything a relocation reads and writes in the control database: Sentry's mapping tables and
// Cellscope's journal and audit log. Each write is one transaction; every action a person takes is
// written together with its audit row, so a role that may not write the log cannot act either.
class ControlStore
{
public:
    explicit ControlStore(pqxx::connection& connection) : m_connection(connection) {}

    // ---- the world -------------------------------------------------------------------------------
    std::optional<OrgMapping> findOrg(const std::string& idOrSlug);
    std::vector<CellInfo> cells();
    std::vector<SlugReservationRow> slugReservations(std::int64_t organizationId);
    // (public key, cell) for those of `publicKeys` that have a key mapping.
    std::vector<std::pair<std::string, std::string>>
    keyMappingCells(const std::vector<std::string>& publicKeys);
    // (dsn_format, keys) of the organization's keys, from cellscope.projectkey_info.
    std::vector<std::pair<std::string, std::int64_t>> dsnFormats(std::int64_t organizationId);
    // Copy rate of recently finished relocations (rows per second), for the plan's estimate.
    std::optional<double> measuredCopyRate();

    // ---- the journal -----------------------------------------------------------------------------
    std::optional<Relocation> find(std::int64_t id);
    Relocation load(std::int64_t id); // Error(BadInput) when there is none
    std::optional<Relocation> activeFor(std::int64_t organizationId);
    std::optional<Relocation> latestFor(std::int64_t organizationId);
    // Whether PostgreSQL's grants let this login start and change relocations (cellscope_staff).
    bool mayChange();
    std::vector<Relocation> list(std::optional<std::int64_t> organizationId, bool activeOnly,
                                 std::size_t limit);
    std::vector<TableProgress> tables(std::int64_t id);
    std::vector<StepRecord> steps(std::int64_t id);
    std::vector<AuditRecord> audit(std::int64_t id);
    std::vector<Leftover> leftovers(std::int64_t id);

    struct NewRelocation
    {
        OrgMapping org;
        std::string targetCell;
        bool crossLocality = false;
        std::int64_t batchRows = 0;
        std::optional<std::int64_t> throttle;
        int drainSeconds = 0;
        bool online = false;
        std::vector<std::string> verifyLocators;
        std::vector<std::pair<OrgTable, std::int64_t>> tables; // write order, planned rows
        std::string reason;
        std::string auditDetail;
    };
    // Error(Conflict) when the organization already has an unfinished relocation.
    std::int64_t create(const NewRelocation& relocation);

    // ---- the runner ------------------------------------------------------------------------------
    // The session-level advisory lock that makes one process the runner; it goes with the connection,
    // so a killed runner frees it.
    bool tryLock(std::int64_t id);
    void unlock(std::int64_t id);
    // The backend pid holding a relocation's runner lock, if any process is running it.
    std::optional<int> runnerPid(std::int64_t id);
    // Makes this store the relocation's runner: a new lease token, which every journal write of the
    // runner below must still find (fencing); Error(Conflict) once another runner took it. Take it
    // only while holding the advisory lock above.
    std::string takeLease(std::int64_t id, const std::string& runner);
    void releaseLease(std::int64_t id);

    int beginStep(std::int64_t id, Step step, const std::string& runner);
    void finishStep(std::int64_t id, Step step, int attempt, const std::string& detail);
    void failStep(std::int64_t id, Step step, int attempt, const std::string& message);
    // Ends the step as interrupted; with a state, also moves the relocation there (pause, abort).
    void interruptStep(std::int64_t id, Step step, int attempt, const std::string& detail,
                       std::optional<State> state);
    void finishCancel(std::int64_t id, int attempt, const std::string& detail);
    Control checkpoint(std::int64_t id);

    void setCopyProgress(std::int64_t id, const std::string& table, std::int64_t rows,
                         std::optional<std::int64_t> lastKey);
    Control recordCopyBatch(std::int64_t id, const std::string& table, std::int64_t rows,
                            std::int64_t lastKey, double seconds);
    void finishTableCopy(std::int64_t id, const std::string& table);
    Control recordVerifyBatch(std::int64_t id, const std::string& table, std::int64_t rows,
                              std::int64_t lastKey, double seconds, const std::string& sourceMd5,
                              const std::string& targetMd5);
    void finishTableVerify(std::int64_t id, const std::string& table);
    // Online: a catch-up round applied (`applied` changes) and the lag measured after it.
    Control recordCatchUp(std::int64_t id, int round, std::int64_t applied,
                          std::optional<std::int64_t> lagRows, std::optional<double> lagSeconds);
    // The drain's latest locator answers, one line each.
    Control recordDrainAnswers(std::int64_t id, const std::string& answers);
    // Online verify compared the target with the source as of `round` (none: not yet); with
    // `restart`, every table's verify progress is forgotten, to compare again from the start.
    void recordVerifiedRound(std::int64_t id, std::optional<int> round, bool restart);
    // Forgets a table's verify progress: an unbatched table is compared again from its start.
    void restartTableVerify(std::int64_t id, const std::string& table);
    Control recordCleanupBatch(std::int64_t id, const std::string& table, std::int64_t rows);
    void finishTableCleanup(std::int64_t id, const std::string& table);

    void recordLeftover(std::int64_t id, const std::string& cell, const std::string& table, int position,
                        std::int64_t organizationId);
    Control recordLeftoverRemoval(std::int64_t id, const std::string& cell, const std::string& table,
                                  std::int64_t rows, bool done);

    // Records what the freeze replaces (once) and marks the mapping relocation-pending.
    void recordFreeze(std::int64_t id, int cellStatusBefore);
    // The switch, in one transaction: the org mapping, every key mapping in `publicKeys`, the slug
    // reservations, and the journal's step. False when the relocation is no longer at the switch
    // (cancelled meanwhile). `beforeCommit` runs inside the transaction, before the mappings are stamped
    // (core/db/mapping_stamp.h); it refuses the switch by throwing.
    bool switchCell(std::int64_t id, int attempt, const std::vector<std::string>& publicKeys,
                    const std::function<void()>& beforeCommit);
    // Puts back the mapping status the freeze replaced (no-op when it is already back).
    void restoreMappingStatus(std::int64_t id);

    // ---- actions (each with its audit row) -------------------------------------------------------
    // Asks the runner to pause or abort at its next batch boundary.
    void requestStop(std::int64_t id, const std::string& action, const std::string& reason);
    // Applies a requested pause or abort itself, when no runner is there to do it.
    void applyRequestedStop(std::int64_t id);
    // running again, from one of `from`; `action` is the audit's (resume, retry, repair).
    void markRunning(std::int64_t id, const std::vector<State>& from, const std::string& action,
                     const std::string& reason, const std::string& detail);
    void requestCancel(std::int64_t id, const std::string& reason);
    void setThrottle(std::int64_t id, std::optional<std::int64_t> rowsPerSecond, const std::string& reason);
    // Puts the journal's step where the data is (repair), with its audit row.
    void realignStep(std::int64_t id, Step step, const std::string& reason, const std::string& detail);

private:
    // Inside a runner's write: renews the lease, or fails when another runner holds it now.
    void fence(pqxx::work& tx, std::int64_t id);
    [[noreturn]] void leaseLost(std::int64_t id);
    // Marks the runner alive (fenced) and reads what people asked of it since the last batch, in
    // the caller's transaction (so a batch's progress and its heartbeat commit together).
    Control heartbeat(pqxx::work& tx, std::int64_t id);

    pqxx::connection& m_connection;
    std::optional<std::string> m_lease;
};

// Maps the libpqxx exception being handled to the core's Error (Unreachable, Permission, Conflict,
// Internal), with `doing` saying what failed; an Error passes through unchanged.
[[noreturn]] void rethrowAsError(const std::string& doing);

} // namespace cellscope::relocation
