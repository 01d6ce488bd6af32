#include "core/relocation/runner.h"

#include "core/relocation/cell_session.h"
#include "core/relocation/control_store.h"
#include "core/relocation/fault_point.h"
#include "core/relocation/plan.h"
#include "core/relocation/text.h"
#include "core/util/error.h"

#include <unistd.h>

#include <QCryptographicHash>

#include <algorithm>
#include <array>
#include <chrono>
#include <functional>
#include <iterator>
#include <limits>
#include <map>
#include <memory>
#include <thread>
#include <utility>

namespace cellscope::relocation {

namespace {

using Clock = std::chrono::steady_clock;
// How often a runner that waits (drain, throttle) checks whether it was asked to stop.
constexpr auto kSlice = std::chrono::milliseconds(200);
// How long the freeze waits for writers in flight before it gives up (the step fails; retry it).
constexpr const char* kFreezeLockTimeout = "30s";
// Online: catch-up goes on until at most this many changes wait, so the freeze applies few.
constexpr std::int64_t kSmallLagRows = 2000;
// … or until this many rounds did not get there (writers outpace the apply: the freeze takes the rest).
constexpr int kMaxCatchUpRounds = 50;
// Before the freeze, online comparisons of the rows changed since the last one go on until one
// compares at most this many rows (what writers change while a pass runs), or this many passes.
constexpr std::int64_t kSmallRecheckRows = 64;
constexpr int kMaxRecheckPasses = 8;

// Thrown at a batch boundary to stop there; never escapes the runner.
struct StopSignal
{
    enum class Kind
    {
        Pause,
        Abort,
        Detach,
        Cancel,
    } kind;
};

std::string runnerName()
{
    char host[256] = {};
    gethostname(host, sizeof host - 1);
    return "pid " + std::to_string(getpid()) + " on " + host;
}

std::optional<std::int64_t> optionalKey(const std::string& text)
{
    if (text.empty())
        return std::nullopt;
    return std::stoll(text);
}

class Runner
{
public:
    Runner(const db::DatabaseConfig& config, std::int64_t id, Observer& observer, LocatorProbe* probe)
        : m_config(config), m_id(id), m_observer(observer), m_probe(probe)
    {}

    Outcome run()
    {
        try {
            m_connection = db::connect(m_config.control);
            m_store = std::make_unique<ControlStore>(*m_connection);
            if (!lockWithin(std::chrono::seconds(5))) {
                const Relocation r = m_store->load(m_id);
                fail(ErrorCode::Conflict,
                     "relocation " + std::to_string(m_id) + " is being run by another process (" + r.runner +
                         "); watch it with cellctl relocate status " + std::to_string(m_id));
            }
            m_store->takeLease(m_id, m_runner);
        } catch (...) {
            rethrowAsError("taking over relocation " + std::to_string(m_id));
        }
        try {
            const Outcome outcome = loop();
            releaseLease();
            return outcome;
        } catch (...) {
            releaseLease();
            rethrowAsError("running relocation " + std::to_string(m_id));
        }
    }

private:
    // Best effort: a lease left behind is taken over by the next runner that gets the lock.
    void releaseLease() noexcept
    {
        try {
            m_store->releaseLease(m_id);
        } catch (...) {
        }
    }

    // A runner killed a moment ago still holds the lock until the server notices its connection
    // is gone: give that a few seconds before calling it a live runner.
    bool lockWithin(Clock::duration patience)
    {
        const auto until = Clock::now() + patience;
        while (!m_store->tryLock(m_id)) {
            if (Clock::now() >= until)
                return false;
            std::this_thread::sleep_for(kSlice);
        }
        return true;
    }

    Outcome loop()
    {
        for (;;) {
            m_relocation = m_store->load(m_id);
            switch (m_relocation.state) {
            case State::Done:
                say("done: organization " + m_relocation.orgSlug + " lives in cell " +
                    m_relocation.targetCell);
                return Outcome::Done;
            case State::Cancelled:
                say("cancelled: organization " + m_relocation.orgSlug + " is back in cell " +
                    m_relocation.sourceCell + " as it was");
                return Outcome::Cancelled;
            case State::Paused:
                say("paused at step " + std::string(stepName(m_relocation.step)));
                return Outcome::Paused;
            case State::Aborted:
                say("aborted at step " + std::string(stepName(m_relocation.step)));
                return Outcome::Aborted;
            case State::Failed:
                fail(ErrorCode::Conflict, "relocation " + std::to_string(m_id) + " failed at step " +
                                              std::string(stepName(m_relocation.step)) + " (" +
                                              m_relocation.lastError + "); retry or cancel it");
            case State::Running:
                break;
            }
            if (!m_relocation.requestedAction.empty()) {
                m_store->applyRequestedStop(m_id); // asked while no step was running
                continue;
            }
            if (m_relocation.step == Step::Done)
                return Outcome::Done;
            if (auto outcome = runCurrentStep())
                return *outcome;
        }
    }

    // Runs the journal's current step between its two journal records.
    std::optional<Outcome> runCurrentStep()
    {
        m_step = m_relocation.step;
        m_throttle = m_relocation.throttle;
        const std::string name(stepName(m_step));
        m_attempt = m_store->beginStep(m_id, m_step, m_runner);
        faultPoint(name + ".begin");
        try {
            const std::string detail = runStep();
            faultPoint(name + ".done");
            if (m_step == Step::Cancel)
                m_store->finishCancel(m_id, m_attempt, detail);
            else if (m_step != Step::Switch) // the switch journals itself, inside its transaction
                m_store->finishStep(m_id, m_step, m_attempt, detail);
            return std::nullopt;
        } catch (const StopSignal& stop) {
            dropCells();
            return stopped(stop);
        } catch (...) {
            dropCells();
            failed(name);
        }
    }

    std::optional<Outcome> stopped(const StopSignal& stop)
    {
        switch (stop.kind) {
        case StopSignal::Kind::Pause:
            m_store->interruptStep(m_id, m_step, m_attempt, "paused at a batch boundary", State::Paused);
            say("paused at step " + std::string(stepName(m_step)));
            return Outcome::Paused;
        case StopSignal::Kind::Abort:
            m_store->interruptStep(m_id, m_step, m_attempt, "aborted", State::Aborted);
            say("aborted at step " + std::string(stepName(m_step)));
            return Outcome::Aborted;
        case StopSignal::Kind::Detach:
            m_store->interruptStep(m_id, m_step, m_attempt, "its runner was stopped; resume to go on",
                                   std::nullopt);
            say("stopped at step " + std::string(stepName(m_step)) + "; resume it from any process");
            return Outcome::Detached;
        case StopSignal::Kind::Cancel:
            m_store->interruptStep(m_id, m_step, m_attempt, "superseded by a cancel", std::nullopt);
            return std::nullopt;
        }
        return std::nullopt;
    }

    [[noreturn]] void failed(const std::string& step)
    {
        std::optional<Error> error;
        try {
            rethrowAsError("running step " + step);
        } catch (const Error& e) {
            error = e;
        } catch (const std::exception& e) {
            error = Error(ErrorCode::Internal, step + ": " + e.what());
        }
        try {
            m_store->failStep(m_id, m_step, m_attempt, error->what());
        } catch (...) {
            // The control database is gone as well: the step stays open in the journal, which
            // reads as interrupted, and any process can retry it.
        }
        say("failed at step " + step + ": " + error->what());
        throw *error;
    }

    std::string runStep()
    {
        m_paceStart = Clock::now();
        m_lap = m_paceStart;
        m_pacedRows = 0;
        m_pacedThrottle = m_throttle;
        switch (m_step) {
        case Step::Preflight:
            return preflight();
        case Step::Capture:
            return capture();
        case Step::Freeze:
            return freeze();
        case Step::Copy:
            return copy();
        case Step::CatchUp:
            return catchUp();
        case Step::Verify:
            return m_relocation.online ? verifyOnline() : verify();
        case Step::Settle:
            return settle();
        case Step::Switch:
            switchCell();
            return {};
        case Step::Drain:
            return drain();
        case Step::Unfreeze:
            return unfreeze();
        case Step::Cleanup:
            return cleanup();
        case Step::Cancel:
            return cancel();
        case Step::Done:
            break;
        }
        return {};
    }

    // ---- steps -----------------------------------------------------------------------------------

    std::string preflight()
    {
        say("checking organization " + m_relocation.orgSlug + " and cells " + m_relocation.sourceCell +
            " → " + m_relocation.targetCell);
        Request request;
        request.org = std::to_string(m_relocation.organizationId);
        request.targetCell = m_relocation.targetCell;
        request.allowCrossLocality = m_relocation.crossLocality;
        request.throttle = m_relocation.throttle;
        request.batchRows = m_relocation.batchRows;
        request.drainSeconds = m_relocation.drainSeconds;
        const Plan plan = makePlan(*m_store, m_config, request, m_id);
        if (plan.org.cell != m_relocation.sourceCell)
            fail(ErrorCode::Conflict, "organization " + m_relocation.orgSlug + " moved to cell " +
                                          plan.org.cell + " after the relocation was started from " +
                                          m_relocation.sourceCell);
        if (const Check* failure = plan.firstFailure())
            fail(failure->failure, "preflight: " + failure->message);
        if (m_relocation.online && !plan.online) {
            const auto mode = std::find_if(plan.checks.begin(), plan.checks.end(),
                                           [](const Check& check) { return check.name == "mode"; });
            fail(ErrorCode::Conflict,
                 "preflight: the relocation was started online, and now " +
                     (mode == plan.checks.end() ? std::string("it cannot run online") : mode->message) +
                     "; cancel it and start it again");
        }
        confirmPlannedTables(plan);
        return "all " + std::to_string(plan.checks.size()) + " checks passed; " +
               groupedNumber(plan.totalRows) + " rows to move";
    }

    std::string freeze()
    {
        if (m_relocation.online) {
            // The freeze lasts until the switch: what is left to apply and compare then is what
            // this leaves.
            say("catching up with organization " + m_relocation.orgSlug +
                "'s latest changes before the freeze");
            catchUpUntilSmall();
            // Each pass compares what changed during the one before, so the passes shrink to what
            // writers change in a moment; settle compares only what changes after the last.
            for (int pass = 1; verifyChangedOnline() > kSmallRecheckRows && pass < kMaxRecheckPasses; ++pass)
                catchUpRound();
        }
        say("freezing organization " + m_relocation.orgSlug + " in cell " + m_relocation.sourceCell +
            ": its rows there refuse writes from now on");
        const int before =
            freezeOrganization(source(), specs(), m_relocation.organizationId, m_id, kFreezeLockTimeout);
        m_store->recordFreeze(m_id, before);
        // Offline, the copy comes next: the target keeps the rows to this relocation from here, as
        // online from the capture on. A cell the organization once left refuses its rows to anyone else.
        if (!m_relocation.online)
            guardTarget(target(), m_relocation.organizationId, m_id);
        return "frozen in cell " + m_relocation.sourceCell + " and marked relocation-pending in the mapping";
    }

    std::string copy()
    {
        requireCapture();
        auto tables = m_store->tables(m_id);
        std::int64_t total = 0;
        for (std::size_t i = 0; i < tables.size(); ++i) {
            TableProgress& progress = tables[i];
            if (!progress.copied) {
                say("copying " + progress.table + " (" + std::to_string(i + 1) + " of " +
                    std::to_string(tables.size()) + ") from cell " + m_relocation.sourceCell + " to " +
                    m_relocation.targetCell);
                copyTable(progress);
            }
            total += progress.copiedRows;
        }
        return groupedNumber(total) + " rows in " + std::to_string(tables.size()) +
               " tables copied to cell " + m_relocation.targetCell;
    }

    void copyTable(TableProgress& progress)
    {
        const OrgTable& table = planned(progress);
        const std::string org = std::to_string(m_relocation.organizationId);
        // Recorded, and committed, before the first row lands: cancel and retry know to remove it.
        m_store->recordLeftover(m_id, m_relocation.targetCell, progress.table, progress.position,
                                m_relocation.organizationId);
        const OrgTableSql from(table, source());
        const OrgTableSql to(table, target());
        // The target's rows say how far the copy got: the journal lags when a runner died between
        // committing a batch and recording it.
        const Row there = target().query(to.countAndLastKey(), {org}).at(0);
        const std::int64_t rowsThere = std::stoll(there.at(0));
        const auto lastThere = optionalKey(there.at(1));
        if (rowsThere != progress.copiedRows || lastThere != progress.copyLastKey) {
            m_store->setCopyProgress(m_id, progress.table, rowsThere, lastThere);
            progress.copiedRows = rowsThere;
            progress.copyLastKey = lastThere;
        }
        // A table without a batch key goes in one transaction: any rows there mean all of them.
        if (!table.batched && rowsThere > 0) {
            m_store->finishTableCopy(m_id, progress.table);
            progress.copied = true;
            return;
        }
        // Through cellscope.load_org_rows (migration cell/0006) when the target has it: no per-row
        // foreign-key checks for rows that satisfied them in the source, loaded parents first, and
        // compared row by row by verify. Otherwise straight into the table, keys checked per row.
        const bool unchecked = target().mayLoadUnchecked();
        // One ordered stream from the source; the target commits it in batches, in key order.
        CopyOutStream rows(source(), from.copyOut(m_relocation.organizationId, progress.copyLastKey),
                           table.batched);
        // Loaded batches alternate between two target sessions: while one loads and commits a
        // batch, the next streams into the other's staging table. A batch's load is sent only once
        // the one before it has committed, so the target always holds a prefix in key order.
        std::array<CellSession*, 2> lanes{&target(), unchecked ? &secondTarget() : &target()};
        std::array<std::string, 2> staging;
        if (unchecked)
            for (std::size_t lane = 0; lane < lanes.size(); ++lane)
                staging[lane] = stagingTable(*lanes[lane], progress);
        std::optional<Batch> loading;
        std::size_t lane = 0;
        bool more = rows.next();
        while (more) {
            const std::int64_t limit =
                table.batched ? batchLimit() : std::numeric_limits<std::int64_t>::max();
            CellSession& session = *lanes[lane];
            if (loading && loading->session == &session) // one lane: the commit comes first
                landBatch(*std::exchange(loading, std::nullopt), progress);
            session.exec("BEGIN");
            CopyInBatch batch(session, to.copyIn(staging[lane]));
            std::int64_t lastKey = 0;
            do {
                batch.put(rows.row());
                lastKey = rows.key();
                more = rows.next();
            } while (more && batch.rowsPut() < limit);
            const Batch streamed{&session, batch.finish(), table.batched ? lastKey : 0};
            faultPoint("copy.batch_streamed");
            if (loading)
                landBatch(*std::exchange(loading, std::nullopt), progress);
            session.send((unchecked
                              ? "SELECT cellscope.load_org_rows(" + session.quoteLiteral(table.sqlName) +
                                    "::regclass, " + org + ", " + session.quoteLiteral(staging[lane]) +
                                    "::regclass, " + (m_relocation.online ? "true" : "false") + "); "
                              : std::string()) +
                         "COMMIT");
            loading = streamed;
            lane = (lane + 1) % lanes.size();
        }
        if (loading)
            landBatch(*loading, progress);
        m_store->finishTableCopy(m_id, progress.table);
        progress.copied = true;
    }

    // A batch whose load and commit were sent to `session`.
    struct Batch
    {
        CellSession* session = nullptr;
        std::int64_t rows = 0;
        std::int64_t lastKey = 0;
    };

    // Waits for the batch's commit, then journals it and honours what was asked meanwhile.
    void landBatch(const Batch& batch, TableProgress& progress)
    {
        batch.session->await("loading a batch");
        faultPoint("copy.batch_committed");
        const double seconds = lap();
        const Control control =
            m_store->recordCopyBatch(m_id, progress.table, batch.rows, batch.lastKey, seconds);
        faultPoint("copy.batch_journaled");
        progress.copiedRows += batch.rows;
        progress.copyLastKey = batch.lastKey;
        progress.copySeconds += seconds;
        m_observer.tableProgress(Step::Copy, progress);
        honour(control);
        pace(batch.rows);
    }

    // A temporary table of `session` shaped like `progress`'s table, emptied at every commit: a
    // batch lands there, and cellscope.load_org_rows moves it into the table.
    static std::string stagingTable(CellSession& session, const TableProgress& progress)
    {
        const std::string name = "cellscope_stage_" + std::to_string(progress.position);
        session.exec("CREATE TEMP TABLE IF NOT EXISTS " + name + " (LIKE " + progress.spec.sqlName +
                     ") ON COMMIT DELETE ROWS");
        return "pg_temp." + name;
    }

    // ---- online: change capture, catch-up, settle -----------------------------------------------

    std::string capture()
    {
        say("capturing changes of organization " + m_relocation.orgSlug + " in cell " +
            m_relocation.sourceCell +
            ": it stays writable, and every write to its rows is logged for catch-up");
        startCapture(source(), specs(), m_relocation.organizationId, m_id, kFreezeLockTimeout);
        guardTarget(target(), m_relocation.organizationId, m_id);
        return "cell " + m_relocation.sourceCell + " logs every change of the organization's rows; cell " +
               m_relocation.targetCell + " keeps them to this relocation until the switch";
    }

    // What one catch-up round did, and the changes waiting after it.
    struct Round
    {
        int round = 0;
        std::int64_t changes = 0;
        std::int64_t lagRows = 0;
        double lagSeconds = 0;
    };

    // Changed keys of one table, in the order of the plan.
    struct Changes
    {
        std::vector<std::int64_t> keys;
        bool whole = false; // a change without a key: the table's rows of the organization, whole
    };

    // The journal's tables by their oid in the source cell: how the change log names them.
    std::map<std::string, std::size_t> tablesByOid(const std::vector<TableProgress>& tables)
    {
        std::map<std::string, std::size_t> out;
        for (std::size_t i = 0; i < tables.size(); ++i)
            out[source().query("SELECT to_regclass($1)::oid", {planned(tables[i]).sqlName}).at(0).at(0)] = i;
        return out;
    }

    std::vector<Changes> groupChanges(const std::vector<Row>& rows, const std::vector<TableProgress>& tables)
    {
        const auto byOid = tablesByOid(tables);
        std::vector<Changes> out(tables.size());
        for (const Row& row : rows) {
            const auto found = byOid.find(row.at(0));
            if (found == byOid.end())
                fail(ErrorCode::Internal,
                     "the change log names a table the plan does not move (oid " + row.at(0) + ")");
            Changes& changes = out[found->second];
            if (row.at(1).empty())
                changes.whole = true;
            else
                changes.keys.push_back(std::stoll(row.at(1)));
        }
        for (Changes& changes : out) {
            std::sort(changes.keys.begin(), changes.keys.end());
            changes.keys.erase(std::unique(changes.keys.begin(), changes.keys.end()), changes.keys.end());
        }
        return out;
    }

    // The changes logged but not applied yet, and those applied in rounds after `round`, as the
    // source's current snapshot sees them; the last round applied.
    std::vector<Changes> pendingChanges(const std::vector<TableProgress>& tables)
    {
        return groupChanges(
            source().query("SELECT table_oid, coalesce(key::text, '') FROM cellscope.org_change "
                           "WHERE relocation_id = $1 AND round IS NULL",
                           {std::to_string(m_id)}),
            tables);
    }

    std::vector<Changes> changesAfter(const std::vector<TableProgress>& tables, int round)
    {
        return groupChanges(
            source().query("SELECT table_oid, coalesce(key::text, '') FROM cellscope.org_change "
                           "WHERE relocation_id = $1 AND round > $2",
                           {std::to_string(m_id), std::to_string(round)}),
            tables);
    }

    int lastRound()
    {
        return std::stoi(
            source()
                .query("SELECT coalesce(max(round), 0) FROM cellscope.org_change WHERE relocation_id = $1",
                       {std::to_string(m_id)})
                .at(0)
                .at(0));
    }

    // The rows of `changes` in one table: a condition on its key, none when the table changed whole.
    static std::string rowsOf(const OrgTableSql& sql, const Changes& changes)
    {
        return changes.whole ? std::string() : sql.keyCondition(changes.keys);
    }

    // One round: takes every change logged so far and applies the current rows of the changed keys,
    // read from one snapshot of the source, to the target in one transaction (see below). The
    // source marks the changes applied only after the target committed: a runner that dies between
    // the two applies them again, which is harmless.
    Round catchUpRound()
    {
        const std::string id = std::to_string(m_id);
        const std::string org = std::to_string(m_relocation.organizationId);
        const auto tables = m_store->tables(m_id);
        CellSession& from = source();
        CellSession& to = target();
        from.exec("BEGIN ISOLATION LEVEL REPEATABLE READ");
        const auto taken = from.query(
            "WITH next AS (SELECT coalesce(max(round), 0) + 1 AS n FROM cellscope.org_change WHERE "
            "relocation_id = "
            "$1) UPDATE cellscope.org_change c SET round = next.n FROM next WHERE c.relocation_id = $1 AND "
            "c.round IS NULL RETURNING c.table_oid, coalesce(c.key::text, ''), next.n",
            {id});
        Round round;
        round.changes = std::ssize(taken);
        if (taken.empty()) {
            from.exec("ROLLBACK");
        } else {
            round.round = std::stoi(taken.front().at(2));
            const auto changes = groupChanges(taken, tables);
            to.exec("BEGIN");
            // Tables without a key first: their rows go and come back whole (they are leaves).
            std::string with;
            for (std::size_t i = 0; i < tables.size(); ++i)
                if (changes[i].whole)
                    with +=
                        (with.empty() ? "WITH " : ", ") +
                        OrgTableSql(planned(tables[i]), to).deleteItem("whole" + std::to_string(i), {}, true);
            if (!with.empty())
                to.query(with + " SELECT 1", {org});
            // Parents first: rows still there are updated in place, new ones loaded; keys the source
            // no longer has are deleted at the end, all in one statement (keys checked at its end).
            with.clear();
            for (std::size_t i = 0; i < tables.size(); ++i) {
                if (!changes[i].whole && changes[i].keys.empty())
                    continue;
                const OrgTable& table = planned(tables[i]);
                const OrgTableSql sql(table, from);
                const std::string staging = stagingTable(to, tables[i]);
                CopyOutStream rows(
                    from, sql.copyOut(m_relocation.organizationId, std::nullopt, rowsOf(sql, changes[i])),
                    table.batched);
                CopyInBatch batch(to, sql.copyIn(staging));
                std::vector<std::int64_t> found;
                while (rows.next()) {
                    batch.put(rows.row());
                    if (table.batched)
                        found.push_back(rows.key());
                }
                batch.finish();
                if (changes[i].whole) {
                    to.query("SELECT cellscope.load_org_rows(" + to.quoteLiteral(table.sqlName) +
                             "::regclass, " + org + ", " + to.quoteLiteral(staging) + "::regclass)");
                    continue;
                }
                to.query(sql.updateFromStaging(staging, found), {org});
                to.query("SELECT cellscope.load_org_rows(" + to.quoteLiteral(table.sqlName) + "::regclass, " +
                         org + ", " + to.quoteLiteral(staging) + "::regclass)");
                std::vector<std::int64_t> gone;
                std::set_difference(changes[i].keys.begin(), changes[i].keys.end(), found.begin(),
                                    found.end(), std::back_inserter(gone));
                if (!gone.empty())
                    with += (with.empty() ? "WITH " : ", ") +
                            sql.deleteItem("gone" + std::to_string(i), gone, false);
            }
            if (!with.empty())
                to.query(with + " SELECT 1", {org});
            to.exec("COMMIT");
            faultPoint("catch_up.applied");
            from.exec("COMMIT");
        }
        const Row lag = from.query("SELECT count(*), coalesce(extract(epoch FROM clock_timestamp() - "
                                   "min(captured_at)), 0) FROM cellscope.org_change WHERE relocation_id = $1 "
                                   "AND round IS NULL",
                                   {id})
                            .at(0);
        round.lagRows = std::stoll(lag.at(0));
        round.lagSeconds = std::stod(lag.at(1));
        honour(m_store->recordCatchUp(m_id, round.round, round.changes, round.lagRows, round.lagSeconds));
        return round;
    }

    // Rounds until what waits is small enough to apply inside the freeze quickly, or until rounds
    // stop gaining on the writers (then the freeze applies the rest).
    Round catchUpUntilSmall()
    {
        Round last;
        for (int rounds = 0; rounds < kMaxCatchUpRounds; ++rounds) {
            last = catchUpRound();
            if (last.lagRows <= kSmallLagRows)
                break;
        }
        return last;
    }

    // An online copy is only as good as the change log that covers it.
    void requireCapture()
    {
        if (m_relocation.online && !freezePhase(source(), m_relocation.organizationId, m_id))
            fail(ErrorCode::Conflict, "cell " + m_relocation.sourceCell +
                                          " does not capture the changes of "
                                          "organization " +
                                          m_relocation.orgSlug +
                                          " for this relocation; cancel it "
                                          "and start it again");
    }

    std::string catchUp()
    {
        requireCapture();
        say("catching up: applying the changes made to organization " + m_relocation.orgSlug +
            "'s rows while it was copied");
        const Round last = catchUpUntilSmall();
        const Relocation now = m_store->load(m_id);
        return groupedNumber(now.appliedChanges) + " changes applied in " + std::to_string(now.appliedRound) +
               " rounds; " + groupedNumber(last.lagRows) + " waiting";
    }

    // Like Vitess's VDiff: the source at one snapshot against the target at the same point of the
    // change log (no round runs meanwhile). Rows changed but not yet applied at that snapshot differ
    // legitimately: they are left out here and compared inside the freeze by settle, with every
    // row changed later. So the freeze compares only what changed, yet the switch still needs the
    // target equal to the source row for row.
    std::string verifyOnline()
    {
        catchUpRound();
        m_store->recordVerifiedRound(m_id, std::nullopt, true); // an interrupted comparison starts over
        auto tables = m_store->tables(m_id);
        CellSession& from = source();
        from.exec("BEGIN ISOLATION LEVEL REPEATABLE READ");
        const auto pending = pendingChanges(tables);
        const int round = lastRound();
        std::int64_t total = 0;
        for (std::size_t i = 0; i < tables.size(); ++i) {
            TableProgress& progress = tables[i];
            if (pending[i].whole)
                continue; // compared whole by settle
            say("verifying " + progress.table + " (" + std::to_string(i + 1) + " of " +
                std::to_string(tables.size()) + ") online: cells " + m_relocation.sourceCell + " and " +
                m_relocation.targetCell + " at one point of the change log");
            verifyTable(progress,
                        pending[i].keys.empty()
                            ? std::string()
                            : OrgTableSql(planned(progress), from).keyCondition(pending[i].keys, true));
            total += progress.verifiedRows;
        }
        from.exec("COMMIT");
        m_store->recordVerifiedRound(m_id, round, false);
        return groupedNumber(total) + " rows in " + std::to_string(tables.size()) +
               " tables are equal in both cells as of catch-up round " + std::to_string(round) +
               "; rows changed since are compared in the freeze";
    }

    // Online verify again, for the rows changed since it last compared: the source at one snapshot
    // against the target at the same point of the change log, rows still waiting left out. What
    // settle compares inside the freeze is then only what changed during this pass.
    // Returns how many rows it compared.
    std::int64_t verifyChangedOnline()
    {
        if (!m_relocation.verifiedRound)
            fail(ErrorCode::Internal, "the journal has no round online verify compared");
        auto tables = m_store->tables(m_id);
        CellSession& from = source();
        from.exec("BEGIN ISOLATION LEVEL REPEATABLE READ");
        const auto pending = pendingChanges(tables);
        const auto changed = changesAfter(tables, *m_relocation.verifiedRound);
        const int round = lastRound();
        std::int64_t compared = 0;
        for (std::size_t i = 0; i < tables.size(); ++i) {
            if (pending[i].whole || (!changed[i].whole && changed[i].keys.empty()))
                continue; // nothing to compare, or compared whole by settle
            const OrgTableSql sql(planned(tables[i]), from);
            std::vector<std::int64_t> keys;
            std::set_difference(changed[i].keys.begin(), changed[i].keys.end(), pending[i].keys.begin(),
                                pending[i].keys.end(), std::back_inserter(keys));
            if (changed[i].whole)
                compared +=
                    compareRows(tables[i], sql.copyOut(m_relocation.organizationId, std::nullopt,
                                                       pending[i].keys.empty()
                                                           ? std::string()
                                                           : sql.keyCondition(pending[i].keys, true)));
            else if (!keys.empty())
                compared += compareRows(tables[i], sql.copyOut(m_relocation.organizationId, std::nullopt,
                                                               sql.keyCondition(keys)));
        }
        from.exec("COMMIT");
        m_store->recordVerifiedRound(m_id, round, false);
        m_relocation.verifiedRound = round;
        say(groupedNumber(compared) + " rows changed during online verify are equal in both cells");
        return compared;
    }

    // Inside the freeze: applies what is left, then compares every row changed since online verify.
    // The rest was compared by online verify, and has changed in neither cell since: not in the
    // source (no change logged), not in the target (only this relocation may write there).
    std::string settle()
    {
        if (!m_relocation.verifiedRound)
            fail(ErrorCode::Internal,
                 "settle needs the round online verify compared, and the journal has none");
        say("settling: applying the last changes of organization " + m_relocation.orgSlug +
            " and comparing them");
        const auto started = Clock::now();
        // The source refuses writes now: one round takes everything, a second finds nothing.
        for (int rounds = 1; catchUpRound().lagRows > 0; ++rounds)
            if (rounds == kMaxCatchUpRounds)
                fail(ErrorCode::Internal, "settle: changes are still being logged in cell " +
                                              m_relocation.sourceCell +
                                              " although the organization is frozen");
        auto tables = m_store->tables(m_id);
        const auto changed = changesAfter(tables, *m_relocation.verifiedRound);
        std::int64_t compared = 0;
        for (std::size_t i = 0; i < tables.size(); ++i) {
            const OrgTableSql sql(planned(tables[i]), source());
            if (changed[i].whole || !changed[i].keys.empty())
                compared += compareRows(tables[i], sql.copyOut(m_relocation.organizationId, std::nullopt,
                                                               rowsOf(sql, changed[i])));
        }
        faultPoint("settle.compared");
        const double seconds = std::chrono::duration<double>(Clock::now() - started).count();
        return groupedNumber(compared) + " rows changed since online verify are equal in both cells (" +
               std::to_string(static_cast<int>(seconds * 1000)) + " ms)";
    }

    // Compares the rows `copyOut` selects in both cells, in key order; CheckFailed at the first
    // difference. Returns how many rows it compared.
    std::int64_t compareRows(const TableProgress& progress, const std::string& copyOut)
    {
        const bool keyed = planned(progress).batched;
        CopyOutStream inSource(source(), copyOut, keyed);
        CopyOutStream inTarget(target(), copyOut, keyed);
        std::int64_t rows = 0;
        for (;;) {
            const bool sourceMore = inSource.next();
            const bool targetMore = inTarget.next();
            if (!sourceMore && !targetMore)
                return rows;
            const std::string where =
                keyed ? " with key " + std::to_string(sourceMore ? inSource.key() : inTarget.key())
                      : " " + std::to_string(rows + 1) + " in key order";
            if (sourceMore != targetMore)
                fail(ErrorCode::CheckFailed,
                     "settle: " + progress.table + ": cell " + m_relocation.targetCell +
                         (sourceMore ? " lacks the row" : " has an extra row") + where);
            if ((keyed && inSource.key() != inTarget.key()) || inSource.row() != inTarget.row())
                fail(ErrorCode::CheckFailed, "settle: " + progress.table + ": the row" + where +
                                                 " differs between cells " + m_relocation.sourceCell +
                                                 " and " + m_relocation.targetCell);
            ++rows;
        }
    }

    std::string verify()
    {
        auto tables = m_store->tables(m_id);
        std::int64_t total = 0;
        for (std::size_t i = 0; i < tables.size(); ++i) {
            TableProgress& progress = tables[i];
            if (!progress.copied)
                fail(ErrorCode::Internal, "the journal says " + progress.table + " was never fully copied");
            if (!progress.verified) {
                say("verifying " + progress.table + " (" + std::to_string(i + 1) + " of " +
                    std::to_string(tables.size()) + "): every row in cells " + m_relocation.sourceCell +
                    " and " + m_relocation.targetCell);
                verifyTable(progress);
            }
            total += progress.verifiedRows;
        }
        return groupedNumber(total) + " rows in " + std::to_string(tables.size()) +
               " tables are equal in both cells, row by row (md5 per table in the journal)";
    }

    // Reads the org's rows from both cells side by side, in key order, and compares them byte for
    // byte; each batch's md5 on either side goes to the journal, chained per table.
    void verifyTable(TableProgress& progress, const std::string& also = {})
    {
        const OrgTable& table = planned(progress);
        const OrgTableSql sql(table, source());
        // A table without a batch key is compared whole, in one pass: a resume starts it over.
        if (!table.batched && progress.verifiedRows > 0)
            m_store->restartTableVerify(m_id, progress.table);
        if (!table.batched) {
            progress.verifiedRows = 0;
            progress.verifyLastKey.reset();
        }
        const std::string copyOut = sql.copyOut(m_relocation.organizationId, progress.verifyLastKey, also);
        CopyOutStream inSource(source(), copyOut, table.batched);
        CopyOutStream inTarget(target(), copyOut, table.batched);
        auto mismatch = [&](const std::string& what) {
            fail(ErrorCode::CheckFailed,
                 "verify: " + progress.table + " differs after " +
                     (progress.verifyLastKey ? "key " + std::to_string(*progress.verifyLastKey)
                                             : std::string("the start")) +
                     ": " + what);
        };
        for (;;) {
            const std::int64_t limit =
                table.batched ? batchLimit() : std::numeric_limits<std::int64_t>::max();
            QCryptographicHash sourceMd5(QCryptographicHash::Md5);
            QCryptographicHash targetMd5(QCryptographicHash::Md5);
            std::int64_t rows = 0;
            std::int64_t lastKey = 0;
            bool sourceMore = false;
            bool targetMore = false;
            while (rows < limit) {
                sourceMore = inSource.next();
                targetMore = inTarget.next();
                if (!sourceMore || !targetMore)
                    break;
                if (table.batched && inSource.key() != inTarget.key())
                    mismatch("cell " + m_relocation.sourceCell + " has key " +
                             std::to_string(inSource.key()) + " where cell " + m_relocation.targetCell +
                             " has key " + std::to_string(inTarget.key()));
                if (inSource.row() != inTarget.row())
                    mismatch(table.batched ? "the row with key " + std::to_string(inSource.key()) + " differs"
                                           : "row " + std::to_string(rows + 1) + " in key order differs");
                sourceMd5.addData(
                    QByteArrayView(inSource.row().data(), static_cast<qsizetype>(inSource.row().size())));
                targetMd5.addData(
                    QByteArrayView(inTarget.row().data(), static_cast<qsizetype>(inTarget.row().size())));
                lastKey = inSource.key();
                ++rows;
            }
            if (sourceMore != targetMore)
                mismatch(std::string("cell ") + m_relocation.targetCell +
                         (sourceMore ? " lacks a row" : " has an extra row") +
                         (table.batched
                              ? " with key " + std::to_string(sourceMore ? inSource.key() : inTarget.key())
                              : std::string()));
            faultPoint("verify.batch_compared");
            if (rows > 0) {
                const double seconds = lap();
                const Control control = m_store->recordVerifyBatch(
                    m_id, progress.table, rows, table.batched ? lastKey : 0, seconds,
                    sourceMd5.result().toHex().toStdString(), targetMd5.result().toHex().toStdString());
                faultPoint("verify.batch_journaled");
                progress.verifiedRows += rows;
                progress.verifyLastKey = lastKey;
                progress.verifySeconds += seconds;
                m_observer.tableProgress(Step::Verify, progress);
                honour(control);
                pace(rows);
            }
            if (rows < limit)
                break;
        }
        m_store->finishTableVerify(m_id, progress.table);
        progress.verified = true;
    }

    void switchCell()
    {
        const auto tables = m_store->tables(m_id);
        for (const TableProgress& table : tables)
            if (!table.verified)
                fail(ErrorCode::Conflict,
                     "the switch needs every table verified, and " + table.table + " is not");
        say("switching organization " + m_relocation.orgSlug + " to cell " + m_relocation.targetCell +
            ": its mapping, DSN key mappings and slug reservations, in one transaction");
        const auto keys = publicKeysOfOrganization(target(), m_relocation.organizationId);
        const auto confirm = [&] {
            faultPoint("switch.before_commit");
            confirmTargetHoldsTheOrganization(tables);
        };
        if (!m_store->switchCell(m_id, m_attempt, keys, confirm))
            throw StopSignal{StopSignal::Kind::Cancel};
    }

    // Runs inside the switch's transaction, which holds the relocation's row: the mapping may name
    // the target only if the target holds the organization's rows at this moment. While the source
    // is still frozen by this relocation, that is exactly the rows verify compared; once it is
    // unfrozen (a repair re-applying a switch after cleanup), the source must hold none of them.
    void confirmTargetHoldsTheOrganization(const std::vector<TableProgress>& tables)
    {
        const std::vector<std::string> org{std::to_string(m_relocation.organizationId)};
        const bool frozenHere = frozenBy(source(), m_relocation.organizationId) == m_id;
        const bool guarded = freezePhase(target(), m_relocation.organizationId, m_id) == "loading";
        // Online, the target's rows were compared before the freeze and kept to this relocation
        // since; settle compared what changed. Once the guard is gone (a switch retried after it was
        // released), only counting both cells, the source frozen, says the target still holds them.
        const bool countBoth = m_relocation.online && frozenHere && !guarded;
        std::int64_t leftInSource = 0;
        for (const TableProgress& progress : tables) {
            const OrgTable& table = planned(progress);
            if (m_relocation.online && guarded && table.name != "sentry_organization")
                continue;
            const std::int64_t there =
                std::stoll(target().query(OrgTableSql(table, target()).count(), org).at(0).at(0));
            const std::int64_t expected =
                countBoth ? std::stoll(source().query(OrgTableSql(table, source()).count(), org).at(0).at(0))
                          : progress.verifiedRows;
            if (frozenHere && (!m_relocation.online || countBoth) && there != expected)
                fail(ErrorCode::Conflict, "the switch refuses: cell " + m_relocation.targetCell + " holds " +
                                              groupedNumber(there) + " rows of " + progress.table +
                                              " where " +
                                              (countBoth ? "cell " + m_relocation.sourceCell + " holds "
                                                         : std::string("verify compared ")) +
                                              groupedNumber(expected));
            if (table.name == "sentry_organization" && there != 1)
                fail(ErrorCode::Conflict, "the switch refuses: cell " + m_relocation.targetCell +
                                              " does not hold organization " + m_relocation.orgSlug);
            if (!frozenHere)
                leftInSource +=
                    std::stoll(source().query(OrgTableSql(table, source()).count(), org).at(0).at(0));
        }
        if (leftInSource > 0)
            fail(ErrorCode::Conflict, "the switch refuses: cell " + m_relocation.sourceCell +
                                          " is not frozen by "
                                          "relocation " +
                                          std::to_string(m_id) + " and still holds " +
                                          groupedNumber(leftInSource) + " rows of the organization");
        // The target takes the organization's writes from the switch's commit on.
        releaseTarget(target(), m_relocation.organizationId, m_id);
        faultPoint("switch.target_released");
    }

    // Cleanup and cancel delete an organization's rows from a cell: never from the cell its mapping
    // names, whatever the journal says.
    void refuseToDeleteWhereRouted(const std::string& cell, const char* doing)
    {
        const auto mapping = m_store->findOrg(std::to_string(m_relocation.organizationId));
        if (!mapping || mapping->cell == cell)
            fail(ErrorCode::Conflict, std::string(doing) +
                                          " refuses to delete: the mapping of organization " +
                                          m_relocation.orgSlug + " names cell " + cell +
                                          (mapping ? "" : " (or is gone)") + ", whose rows it would remove");
    }

    // The journal's tables as planned; Conflict for a plan made before tables were discovered.
    const OrgTable& planned(const TableProgress& progress) const
    {
        if (progress.spec.sqlName.empty() || progress.spec.orgFilter.empty())
            fail(ErrorCode::Conflict, "relocation " + std::to_string(m_id) +
                                          " was planned by an older Cellscope "
                                          "that did not journal how to find " +
                                          progress.table + "'s rows; cancel it and start it again");
        return progress.spec;
    }

    std::vector<OrgTable> specs() const
    {
        std::vector<OrgTable> out;
        for (const TableProgress& progress : m_store->tables(m_id))
            out.push_back(planned(progress));
        return out;
    }

    // The tables a resumed preflight finds must be the ones journaled at the start: the steps move
    // what the journal lists, and a table added since would be left behind.
    void confirmPlannedTables(const Plan& plan) const
    {
        const auto journaled = m_store->tables(m_id);
        std::string changed;
        for (const PlannedTable& table : plan.tables) {
            const auto found = std::find_if(journaled.begin(), journaled.end(),
                                            [&](const TableProgress& t) { return t.table == table.table; });
            if (found == journaled.end() || found->spec.orgFilter != table.spec.orgFilter)
                changed += (changed.empty() ? "" : ", ") + table.table;
        }
        if (journaled.size() != plan.tables.size() && changed.empty())
            changed = "a table the plan listed is gone";
        if (!changed.empty())
            fail(ErrorCode::Conflict, "the org-scoped tables of cell " + m_relocation.sourceCell +
                                          " changed since the relocation was planned (" + changed +
                                          "); cancel it and start it again");
    }

    std::string drain()
    {
        const double left = m_relocation.switchedAt
                                ? *m_relocation.switchedAt + m_relocation.drainSeconds - m_relocation.readAt
                                : 0;
        const auto until =
            Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(left));
        if (!m_relocation.verifyLocators.empty() && m_probe)
            return drainByObservation(until);
        say("waiting " + humanDuration(left) + " until every router's cache names cell " +
            m_relocation.targetCell + " (Synapse refreshes every 60 s and caches a miss for 5 s)" +
            (m_relocation.verifyLocators.empty() ? std::string()
                                                 : "; the locators cannot be asked from here"));
        while (Clock::now() < until) {
            std::this_thread::sleep_for(std::min<Clock::duration>(kSlice, until - Clock::now()));
            checkpoint();
        }
        return "waited " + std::to_string(m_relocation.drainSeconds) + " s after the switch";
    }

    // Asks every locator, once a second, for the organization's id, slug and DSN keys until each
    // names the target for all of them, or the drain's time is up (then it goes on: the time is the
    // maximum a router cache can lag, and the answers stay in the journal for a person to read).
    std::string drainByObservation(Clock::time_point until)
    {
        std::vector<std::string> ids{std::to_string(m_relocation.organizationId), m_relocation.orgSlug};
        for (std::string& key : publicKeysOfOrganization(target(), m_relocation.organizationId))
            ids.push_back(std::move(key));
        std::string locality;
        for (const CellInfo& cell : m_store->cells())
            if (cell.name == m_relocation.targetCell)
                locality = cell.locality;
        const auto started = Clock::now();
        say("asking " + std::to_string(m_relocation.verifyLocators.size()) +
            " locators until each names cell " + m_relocation.targetCell +
            " for the organization's id, slug and " + std::to_string(ids.size() - 2) + " DSN keys (at most " +
            std::to_string(m_relocation.drainSeconds) + " s)");
        for (;;) {
            std::string answers;
            std::string firstStale;
            for (const std::string& locator : m_relocation.verifyLocators)
                for (const std::string& id : ids) {
                    const LocatorReply reply = m_probe->ask(locator, id, locality);
                    answers += locator + " " + id + " → " +
                               reply.cell.value_or("none (" + reply.message + ")") + "\n";
                    if (firstStale.empty() && reply.cell != m_relocation.targetCell)
                        firstStale = locator + " names " +
                                     reply.cell.value_or("no cell (" + reply.message + ")") + " for " + id;
                }
            honour(m_store->recordDrainAnswers(m_id, answers));
            const double waited = std::chrono::duration<double>(Clock::now() - started).count();
            if (firstStale.empty())
                return "every locator names cell " + m_relocation.targetCell +
                       " for the organization after " + humanDuration(waited);
            if (Clock::now() >= until)
                return "waited the whole " + std::to_string(m_relocation.drainSeconds) +
                       " s: not every locator names cell " + m_relocation.targetCell + " yet (" + firstStale +
                       ")";
            for (const auto next = std::min(until, Clock::now() + std::chrono::seconds(1));
                 Clock::now() < next;) {
                std::this_thread::sleep_for(std::min<Clock::duration>(kSlice, next - Clock::now()));
                checkpoint();
            }
        }
    }

    std::string unfreeze()
    {
        if (!m_relocation.frozen || !m_relocation.cellStatusBefore)
            fail(ErrorCode::Internal, "the journal has no record of the freeze to undo");
        say("unfreezing organization " + m_relocation.orgSlug + " in cell " + m_relocation.targetCell);
        setOrganizationStatus(target(), m_relocation.organizationId, *m_relocation.cellStatusBefore);
        forgetDeparture(target(), m_relocation.organizationId);
        m_store->restoreMappingStatus(m_id);
        return "the organization has its previous status again, in cell " + m_relocation.targetCell;
    }

    std::string cleanup()
    {
        auto tables = m_store->tables(m_id);
        refuseToDeleteWhereRouted(m_relocation.sourceCell, "cleanup");
        beginCleanup(source(), m_relocation.organizationId, m_id);
        std::int64_t total = 0;
        // Children before parents: the plan's order backwards.
        for (std::size_t i = tables.size(); i-- > 0;) {
            TableProgress& progress = tables[i];
            if (!progress.cleaned) {
                refuseToDeleteWhereRouted(m_relocation.sourceCell, "cleanup");
                say("removing " + progress.table + " from cell " + m_relocation.sourceCell + " (" +
                    std::to_string(tables.size() - i) + " of " + std::to_string(tables.size()) + ")");
                removeRows(source(), tables, progress, "cleanup.batch_deleted",
                           [&](TableProgress& done, std::int64_t rows) {
                               const Control control = m_store->recordCleanupBatch(m_id, done.table, rows);
                               done.cleanedRows += rows;
                               m_observer.tableProgress(Step::Cleanup, done);
                               return control;
                           });
                for (TableProgress& done : tables)
                    if (sameDeletion(done, progress) && !done.cleaned) {
                        m_store->finishTableCleanup(m_id, done.table);
                        done.cleaned = true;
                    }
            }
        }
        for (const TableProgress& progress : tables)
            total += progress.cleanedRows;
        leaveCell(source(), m_relocation.organizationId, m_id, m_relocation.targetCell);
        return groupedNumber(total) + " rows removed from cell " + m_relocation.sourceCell;
    }

    std::string cancel()
    {
        auto tables = m_store->tables(m_id);
        auto leftovers = m_store->leftovers(m_id);
        std::reverse(leftovers.begin(), leftovers.end()); // children before parents
        std::int64_t removed = 0;
        for (const Leftover& leftover : leftovers) {
            removed += leftover.removedRows;
            if (leftover.removed)
                continue;
            TableProgress& progress = progressOf(tables, leftover.table);
            refuseToDeleteWhereRouted(leftover.cell, "cancel");
            say("cancelling: removing the copy of " + leftover.table + " from cell " + leftover.cell);
            std::unique_ptr<CellSession> other;
            CellSession& cell = leftover.cell == m_relocation.targetCell ? target()
                                : leftover.cell == m_relocation.sourceCell
                                    ? source()
                                    : *(other = ownSession(leftover.cell));
            removeRows(
                cell, tables, progress, "cancel.batch_deleted", [&](TableProgress& done, std::int64_t rows) {
                    removed += rows;
                    return m_store->recordLeftoverRemoval(m_id, leftover.cell, done.table, rows, false);
                });
            // Removed together with it (a cycle or a self-reference): their ledger rows are done too.
            for (const Leftover& together : leftovers)
                if (together.cell == leftover.cell && !together.removed &&
                    sameDeletion(progressOf(tables, together.table), progress))
                    m_store->recordLeftoverRemoval(m_id, together.cell, together.table, 0, true);
        }
        releaseTarget(target(), m_relocation.organizationId, m_id);
        say("cancelling: unfreezing organization " + m_relocation.orgSlug + " in cell " +
            m_relocation.sourceCell + " exactly as it was");
        unfreezeOrganization(source(), specs(), m_relocation.organizationId, m_id, kFreezeLockTimeout);
        m_store->restoreMappingStatus(m_id);
        return groupedNumber(removed) + " copied rows removed from cell " + m_relocation.targetCell +
               "; cell " + m_relocation.sourceCell + " unfrozen as it was";
    }

    // Tables whose rows go in one statement: those of one foreign-key cycle, each self-referencing
    // or unbatched table alone. Everything else goes in key ranges.
    static bool sameDeletion(const TableProgress& a, const TableProgress& b)
    {
        return a.table == b.table || (a.spec.cycle > 0 && a.spec.cycle == b.spec.cycle);
    }

    static bool deletedInOneStatement(const OrgTable& table)
    {
        return table.cycle > 0 || table.selfReference || !table.batched;
    }

    // Removes the organization's rows of `progress`'s table from `cell` (with the rest of its cycle,
    // if any); `record` journals the rows removed per table.
    void removeRows(CellSession& cell, std::vector<TableProgress>& tables, TableProgress& progress,
                    const char* point, const std::function<Control(TableProgress&, std::int64_t)>& record)
    {
        const OrgTable& table = planned(progress);
        if (!deletedInOneStatement(table)) {
            deleteInBatches(cell, table, m_relocation.organizationId, point,
                            [&](std::int64_t rows) { return record(progress, rows); });
            return;
        }
        std::vector<TableProgress*> group;
        std::vector<OrgTable> specs;
        for (TableProgress& other : tables)
            if (sameDeletion(other, progress)) {
                group.push_back(&other);
                specs.push_back(planned(other));
            }
        const Row counts =
            cell.query(deleteTogether(specs), {std::to_string(m_relocation.organizationId)}).at(0);
        faultPoint(point);
        std::optional<Control> control;
        for (std::size_t i = 0; i < group.size(); ++i)
            if (const std::int64_t rows = std::stoll(counts.at(i)); rows > 0)
                control = record(*group[i], rows);
        if (control)
            honour(*control);
    }

    // Deletes the organization's rows of `table` in key ranges of about a batch each (the bounds come
    // from one ordered pass), each in its own transaction; `record` journals a batch.
    void deleteInBatches(CellSession& cell, const OrgTable& table, std::int64_t organizationId,
                         const char* point, const std::function<Control(std::int64_t)>& record)
    {
        const OrgTableSql sql(table, cell);
        const std::string org = std::to_string(organizationId);
        std::vector<std::string> bounds;
        for (Row& row : cell.query(sql.batchBounds(), {org, std::to_string(batchLimit())}))
            bounds.push_back(std::move(row.at(0)));
        bounds.emplace_back(); // the last range is open
        std::string after;
        for (const std::string& upTo : bounds) {
            const std::int64_t rows =
                std::stoll(cell.query(sql.deleteRange(), {org, after, upTo}).at(0).at(0));
            faultPoint(point);
            after = upTo;
            if (rows == 0)
                continue;
            honour(record(rows));
            pace(rows);
        }
    }

    // ---- helpers ---------------------------------------------------------------------------------

    // A session of `cell` that the target's guard knows as this relocation's own.
    std::unique_ptr<CellSession> ownSession(const std::string& cell)
    {
        auto session = std::make_unique<CellSession>(cell, m_config.cellConninfo(cell));
        session->actFor(m_id);
        return session;
    }

    CellSession& source()
    {
        if (!m_source)
            m_source = ownSession(m_relocation.sourceCell);
        return *m_source;
    }

    CellSession& target()
    {
        if (!m_target)
            m_target = ownSession(m_relocation.targetCell);
        return *m_target;
    }

    // The target's second session, for loading batches in turn with the first.
    CellSession& secondTarget()
    {
        if (!m_secondTarget)
            m_secondTarget = ownSession(m_relocation.targetCell);
        return *m_secondTarget;
    }

    // After a failure a session may be mid-COPY or mid-transaction: start afresh.
    void dropCells()
    {
        m_source.reset();
        m_target.reset();
        m_secondTarget.reset();
    }

    TableProgress& progressOf(std::vector<TableProgress>& tables, std::string_view name)
    {
        const auto found = std::find_if(tables.begin(), tables.end(),
                                        [&](const TableProgress& t) { return t.table == name; });
        if (found == tables.end())
            fail(ErrorCode::Internal, "the journal has no progress row for " + std::string(name));
        return *found;
    }

    // What was asked of this runner, honoured at a batch boundary by stopping there.
    void honour(const Control& control)
    {
        m_throttle = control.throttle;
        if (m_step != Step::Cancel && control.step == Step::Cancel)
            throw StopSignal{StopSignal::Kind::Cancel};
        if (control.requestedAction == "pause")
            throw StopSignal{StopSignal::Kind::Pause};
        if (control.requestedAction == "abort")
            throw StopSignal{StopSignal::Kind::Abort};
        if (m_observer.stopRequested())
            throw StopSignal{StopSignal::Kind::Detach};
    }

    void checkpoint() { honour(m_store->checkpoint(m_id)); }

    // A batch never holds more than a second of throttled rows, so a throttle change applies soon.
    std::int64_t batchLimit() const
    {
        return m_throttle ? std::clamp<std::int64_t>(*m_throttle, 1, m_relocation.batchRows)
                          : m_relocation.batchRows;
    }

    // Keeps the step's pace at or under the throttle, checking in while it waits. A changed throttle
    // starts a new measure.
    void pace(std::int64_t rows)
    {
        if (m_throttle != m_pacedThrottle) {
            m_pacedThrottle = m_throttle;
            m_paceStart = Clock::now();
            m_pacedRows = 0;
            return;
        }
        if (!m_throttle)
            return;
        m_pacedRows += rows;
        const auto due =
            m_paceStart + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(
                              static_cast<double>(m_pacedRows) / static_cast<double>(*m_throttle)));
        while (Clock::now() < due && m_throttle == m_pacedThrottle) {
            std::this_thread::sleep_for(std::min<Clock::duration>(kSlice, due - Clock::now()));
            checkpoint();
        }
    }

    // Seconds since the last batch was journaled (or the step began): a batch's time includes the
    // throttle's wait before it, so journaled rates are the real pace.
    double lap()
    {
        const auto now = Clock::now();
        const double seconds = std::chrono::duration<double>(now - m_lap).count();
        m_lap = now;
        return seconds;
    }

    void say(const std::string& sentence) { m_observer.stateChanged(sentence); }

    const db::DatabaseConfig& m_config;
    const std::int64_t m_id;
    Observer& m_observer;
    LocatorProbe* m_probe;
    const std::string m_runner = runnerName();
    std::unique_ptr<pqxx::connection> m_connection;
    std::unique_ptr<ControlStore> m_store;
    Relocation m_relocation;
    Step m_step = Step::Preflight;
    int m_attempt = 0;
    std::optional<std::int64_t> m_throttle;
    std::optional<std::int64_t> m_pacedThrottle;
    Clock::time_point m_paceStart;
    Clock::time_point m_lap;
    std::int64_t m_pacedRows = 0;
    std::unique_ptr<CellSession> m_source;
    std::unique_ptr<CellSession> m_target;
    std::unique_ptr<CellSession> m_secondTarget;
};

} // namespace

Outcome runRelocation(const db::DatabaseConfig& config, std::int64_t id, Observer& observer,
                      LocatorProbe* probe)
{
    return Runner(config, id, observer, probe).run();
}

} // namespace cellscope::relocation
