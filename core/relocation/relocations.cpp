#include "core/relocation/relocations.h"

#include "core/relocation/actions.h"
#include "core/relocation/cell_session.h"
#include "core/relocation/control_store.h"
#include "core/relocation/text.h"
#include "core/snapshot/snapshot.h"
#include "core/util/error.h"

#include <algorithm>
#include <functional>
#include <memory>

namespace cellscope::relocation {

namespace {

void requireReason(const std::string& reason)
{
    if (reason.find_first_not_of(" \t\r\n") == std::string::npos)
        fail(ErrorCode::BadInput, "every change to a relocation needs a reason (--reason)");
}

// Runs `work` with a fresh control connection, mapping database errors to the core's.
template <typename Work>
auto withControl(const db::DatabaseConfig& config, const std::string& doing, Work&& work)
{
    auto connection = db::connect(config.control);
    ControlStore control(*connection);
    try {
        return work(control);
    } catch (...) {
        rethrowAsError(doing);
    }
}

std::string idText(std::int64_t id)
{
    return std::to_string(id);
}

// Refuses, with the rule book's sentence, an action the relocation's state does not allow.
Relocation require(ControlStore& control, Action action, std::int64_t id)
{
    Relocation r = control.load(id);
    const Verdict verdict = judge(action, r, control.runnerPid(id).has_value());
    if (verdict.allowed)
        return r;
    // Who may act at all comes first: a login without the grants hears that, not the state.
    if (!control.mayChange())
        fail(ErrorCode::Permission, "PostgreSQL refused to " + std::string(actionName(action)) +
                                        " relocation " + std::to_string(id) +
                                        ": permission denied to this login (it needs "
                                        "cellscope_staff)");
    fail(ErrorCode::Conflict, verdict.why);
}

// What repair compares, gathered from the control database and both cells.
class Diagnoser
{
public:
    Diagnoser(const db::DatabaseConfig& config, ControlStore& control, std::int64_t id)
        : m_config(config), m_control(control), m_d{control.load(id), {}, RepairAction::None, {}, {}, {}},
          m_r(m_d.relocation)
    {}

    Diagnosis run()
    {
        if (m_r.supersededBy) {
            note("journal", true,
                 std::string(stateName(m_r.state)) + "; history since relocation " +
                     std::to_string(*m_r.supersededBy) + " of the same organization");
            propose(RepairAction::None, judge(Action::Repair, m_r, false).why);
            return std::move(m_d);
        }
        const bool runnerAlive = m_control.runnerPid(m_r.id).has_value();
        m_tables = m_control.tables(m_r.id);
        note("journal", true,
             std::string(stateName(m_r.state)) + " at step " + std::string(stepName(m_r.step)) +
                 (m_r.state == State::Running
                      ? (runnerAlive ? ", run by " + m_r.runner : ", with no process running it")
                      : std::string()));
        // Where the organization should be routed, by the journal.
        const bool switched = !beforeSwitch(m_r.step) || m_r.state == State::Done;
        const std::string expected = switched ? m_r.targetCell : m_r.sourceCell;
        const bool routingOk = checkRouting(expected);
        const auto sourceRows = countRows(m_r.sourceCell, "source data");
        const auto targetRows = countRows(m_r.targetCell, "target data");
        decide(runnerAlive, switched, routingOk, sourceRows, targetRows);
        return std::move(m_d);
    }

private:
    void note(std::string subject, bool consistent, std::string text)
    {
        m_d.findings.push_back({std::move(subject), consistent, std::move(text)});
    }

    bool checkRouting(const std::string& expected)
    {
        bool ok = true;
        const auto org = m_control.findOrg(idText(m_r.organizationId));
        if (!org) {
            note("mapping", false, "the control database has no mapping for the organization");
            return false;
        }
        m_mappingCell = org->cell;
        ok = org->cell == expected;
        note("mapping", ok,
             "the organization mapping names cell " + org->cell + (ok ? "" : ", not " + expected));

        // The keys are wherever the organization's rows are.
        std::vector<std::string> keys;
        for (const std::string& cell : {m_r.targetCell, m_r.sourceCell}) {
            try {
                CellSession session(cell, m_config.cellConninfo(cell));
                keys = publicKeysOfOrganization(session, m_r.organizationId);
            } catch (const Error&) {
                continue;
            }
            if (!keys.empty())
                break;
        }
        std::int64_t onExpected = 0;
        const auto mapped = m_control.keyMappingCells(keys);
        for (const auto& [key, cell] : mapped)
            onExpected += cell == expected;
        const bool keysOk = onExpected == std::ssize(keys);
        note("key mappings", keysOk,
             groupedNumber(onExpected) + " of " + groupedNumber(std::ssize(keys)) +
                 " DSN key mappings name cell " + expected);
        std::int64_t reservationsOk = 0;
        const auto reservations = m_control.slugReservations(m_r.organizationId);
        for (const auto& r : reservations)
            reservationsOk += r.cell == expected;
        const bool slugsOk = reservationsOk == std::ssize(reservations);
        note("slug reservations", slugsOk,
             std::to_string(reservationsOk) + " of " + std::to_string(reservations.size()) +
                 " slug reservations name cell " + expected);
        return ok && keysOk && slugsOk;
    }

    struct CellRows
    {
        bool reachable = false;
        std::int64_t rows = 0;
        std::optional<std::int64_t> frozenBy;
    };

    CellRows countRows(const std::string& cell, const std::string& subject)
    {
        CellRows out;
        try {
            CellSession session(cell, m_config.cellConninfo(cell));
            const std::vector<std::string> org{idText(m_r.organizationId)};
            for (const TableProgress& table : m_tables)
                if (!table.spec.sqlName.empty())
                    out.rows +=
                        std::stoll(session.query(OrgTableSql(table.spec, session).count(), org).at(0).at(0));
            out.frozenBy = frozenBy(session, m_r.organizationId);
            out.reachable = true;
            note(subject, true,
                 "cell " + cell + " holds " + groupedNumber(out.rows) + " rows of the organization" +
                     (out.frozenBy ? ", frozen by relocation " + std::to_string(*out.frozenBy)
                                   : ", not frozen"));
        } catch (const Error& e) {
            note(subject, false, e.what());
        }
        return out;
    }

    bool allTables(bool TableProgress::*flag) const
    {
        return std::all_of(m_tables.begin(), m_tables.end(), [&](const TableProgress& t) { return t.*flag; });
    }

    void propose(RepairAction action, std::string proposal, std::optional<Step> realignTo = std::nullopt)
    {
        m_d.action = action;
        m_d.proposal = std::move(proposal);
        m_d.realignTo = realignTo;
        const std::string id = idText(m_r.id);
        switch (action) {
        case RepairAction::None:
            break;
        case RepairAction::Resume:
            m_d.command = "cellctl relocate resume " + id + " --reason '…'";
            break;
        case RepairAction::Retry:
            m_d.command = "cellctl relocate retry " + id + " --reason '…'";
            break;
        case RepairAction::Realign:
            m_d.command = "cellctl relocate repair " + id + " --apply --reason '…'";
            break;
        }
    }

    void decide(bool runnerAlive, bool switched, bool routingOk, const CellRows& source,
                const CellRows& target)
    {
        if (!source.reachable || !target.reachable) {
            propose(RepairAction::None,
                    "a cell database is unreachable: repair can only judge once both answer");
            return;
        }
        if (!routingOk && m_r.state != State::Cancelled) {
            if (!switched && m_mappingCell == m_r.targetCell) {
                // Routed to the target before the data was verified there: finish the way forward.
                const Step from = allTables(&TableProgress::verified) ? Step::Switch
                                  : allTables(&TableProgress::copied) ? Step::Verify
                                                                      : Step::Copy;
                propose(RepairAction::Realign,
                        "the organization is already routed to " + m_r.targetCell +
                            " although the journal is at step " + std::string(stepName(m_r.step)) +
                            ": continue from step " + std::string(stepName(from)) +
                            " so the copy is completed and verified, and the switch "
                            "re-applied",
                        from);
            } else {
                propose(RepairAction::Realign,
                        "the switch is not (fully) in effect: run it again, so the mapping, every key "
                        "mapping and "
                        "every slug reservation name " +
                            m_r.targetCell,
                        Step::Switch);
            }
            return;
        }
        if (m_r.state == State::Cancelled) {
            if (m_mappingCell != m_r.sourceCell)
                propose(RepairAction::None, "the cancelled relocation's organization is routed to " +
                                                m_mappingCell + ", not " + m_r.sourceCell +
                                                ": its data is in " + m_r.sourceCell +
                                                "; route it back by hand");
            else if (target.rows > 0 || source.frozenBy == m_r.id)
                propose(RepairAction::Realign,
                        "leftovers of the cancel remain: run the cancel again to remove the copy from " +
                            m_r.targetCell + " and unfreeze " + m_r.sourceCell,
                        Step::Cancel);
            else
                propose(RepairAction::None,
                        "consistent: the organization is in " + m_r.sourceCell + " as it was");
            return;
        }
        if (m_r.state == State::Done) {
            if (source.rows > 0 || source.frozenBy == m_r.id)
                propose(RepairAction::Realign,
                        "cell " + m_r.sourceCell + " still holds the old copy: run the cleanup again",
                        Step::Cleanup);
            else
                propose(RepairAction::None, "consistent: the organization lives in " + m_r.targetCell);
            return;
        }
        switch (m_r.state) {
        case State::Running:
            if (runnerAlive)
                propose(RepairAction::None,
                        "consistent: " + m_r.runner + " is running it; nothing to repair");
            else
                propose(RepairAction::Resume, "consistent, but no process runs it: resume it from step " +
                                                  std::string(stepName(m_r.step)));
            break;
        case State::Paused:
            propose(RepairAction::Resume, "consistent and paused: resume it when ready");
            break;
        case State::Failed:
        case State::Aborted:
            propose(RepairAction::Retry,
                    "consistent: retry step " + std::string(stepName(m_r.step)) +
                        (m_r.lastError.empty() ? std::string()
                                               : " once its cause is fixed (" + m_r.lastError + ")") +
                        (beforeSwitch(m_r.step) ? ", or cancel it" : ""));
            break;
        case State::Done:
        case State::Cancelled:
            break;
        }
    }

    const db::DatabaseConfig& m_config;
    ControlStore& m_control;
    Diagnosis m_d;
    Relocation& m_r;
    std::vector<TableProgress> m_tables;
    std::string m_mappingCell;
};

} // namespace

Plan Relocations::plan(const Request& request) const
{
    return withControl(m_config, "planning the relocation",
                       [&](ControlStore& control) { return makePlan(control, m_config, request); });
}

std::int64_t Relocations::start(const Request& request) const
{
    requireReason(request.reason);
    if (request.batchRows <= 0)
        fail(ErrorCode::BadInput, "the batch size must be at least one row");
    if (request.throttle && *request.throttle <= 0)
        fail(ErrorCode::BadInput, "the throttle must be at least one row per second");
    if (request.drainSeconds < 0)
        fail(ErrorCode::BadInput, "the drain wait cannot be negative");
    return withControl(m_config, "starting the relocation", [&](ControlStore& control) {
        const Plan plan = makePlan(control, m_config, request);
        if (const Check* failure = plan.firstFailure())
            fail(failure->failure, failure->message);
        ControlStore::NewRelocation relocation;
        relocation.org = plan.org;
        relocation.targetCell = plan.targetCell;
        relocation.crossLocality = plan.crossLocality;
        relocation.batchRows = request.batchRows;
        relocation.throttle = request.throttle;
        relocation.drainSeconds = request.drainSeconds;
        relocation.online = plan.online;
        relocation.verifyLocators = request.verifyLocators;
        for (const PlannedTable& table : plan.tables)
            relocation.tables.emplace_back(table.spec, table.sourceRows);
        relocation.reason = request.reason;
        relocation.auditDetail = plan.org.cell + " → " + plan.targetCell +
                                 (plan.crossLocality ? " (cross-locality, " + plan.sourceLocality + " → " +
                                                           plan.targetLocality + ", allowed)"
                                                     : std::string());
        return control.create(relocation);
    });
}

Outcome Relocations::run(std::int64_t id, Observer& observer, LocatorProbe* probe) const
{
    return runRelocation(m_config, id, observer, probe);
}

void Relocations::pause(std::int64_t id, const std::string& reason) const
{
    requireReason(reason);
    withControl(m_config, "pausing relocation " + idText(id), [&](ControlStore& control) {
        require(control, Action::Pause, id);
        control.requestStop(id, "pause", reason);
        // With no runner to act on it, apply it here (holding the lock, so none starts meanwhile).
        if (control.tryLock(id)) {
            control.applyRequestedStop(id);
            control.unlock(id);
        }
    });
}

void Relocations::abort(std::int64_t id, const std::string& reason) const
{
    requireReason(reason);
    withControl(m_config, "aborting relocation " + idText(id), [&](ControlStore& control) {
        require(control, Action::Abort, id);
        control.requestStop(id, "abort", reason);
        if (control.tryLock(id)) {
            control.applyRequestedStop(id);
            control.unlock(id);
        }
    });
}

void Relocations::resume(std::int64_t id, const std::string& reason) const
{
    requireReason(reason);
    withControl(m_config, "resuming relocation " + idText(id), [&](ControlStore& control) {
        require(control, Action::Resume, id);
        control.markRunning(id, {State::Paused, State::Running}, "resume", reason, "");
    });
}

void Relocations::retry(std::int64_t id, const std::string& reason) const
{
    requireReason(reason);
    withControl(m_config, "retrying relocation " + idText(id), [&](ControlStore& control) {
        const Relocation r = require(control, Action::Retry, id);
        control.markRunning(id, {State::Failed, State::Aborted}, "retry", reason,
                            "from step " + std::string(stepName(r.step)));
    });
}

void Relocations::cancel(std::int64_t id, const std::string& reason) const
{
    requireReason(reason);
    withControl(m_config, "cancelling relocation " + idText(id), [&](ControlStore& control) {
        require(control, Action::Cancel, id);
        control.requestCancel(id, reason);
    });
}

void Relocations::throttle(std::int64_t id, std::optional<std::int64_t> rowsPerSecond,
                           const std::string& reason) const
{
    requireReason(reason);
    if (rowsPerSecond && *rowsPerSecond <= 0)
        fail(ErrorCode::BadInput, "the throttle must be at least one row per second (or off)");
    withControl(m_config, "throttling relocation " + idText(id), [&](ControlStore& control) {
        require(control, Action::Throttle, id);
        control.setThrottle(id, rowsPerSecond, reason);
    });
}

bool Relocations::mayChange() const
{
    return withControl(m_config, "reading your permissions",
                       [](ControlStore& control) { return control.mayChange(); });
}

Status Relocations::status(std::int64_t id) const
{
    return withControl(m_config, "reading relocation " + idText(id), [&](ControlStore& control) {
        Relocation relocation = control.load(id);
        auto audit = control.audit(id);
        std::optional<AuditRecord> last;
        if (!audit.empty())
            last = std::move(audit.back());
        const bool alive = control.runnerPid(id).has_value();
        return describe(std::move(relocation), control.tables(id), std::move(last), alive);
    });
}

std::vector<Relocation> Relocations::list(const std::string& org, bool activeOnly, std::size_t limit) const
{
    return withControl(m_config, "listing relocations", [&](ControlStore& control) {
        std::optional<std::int64_t> organizationId;
        if (!org.empty()) {
            const auto mapping = control.findOrg(org);
            if (!mapping)
                fail(ErrorCode::BadInput, "no organization " + org + " in the control database");
            organizationId = mapping->organizationId;
        }
        return control.list(organizationId, activeOnly, limit);
    });
}

History Relocations::history(std::int64_t id) const
{
    return withControl(m_config, "reading relocation " + idText(id), [&](ControlStore& control) {
        return History{control.load(id), control.steps(id), control.audit(id), control.leftovers(id)};
    });
}

Diagnosis Relocations::diagnose(std::int64_t id) const
{
    return withControl(m_config, "diagnosing relocation " + idText(id),
                       [&](ControlStore& control) { return Diagnoser(m_config, control, id).run(); });
}

Diagnosis Relocations::repair(std::int64_t id, const std::string& reason) const
{
    requireReason(reason);
    Diagnosis diagnosis = diagnose(id);
    withControl(m_config, "repairing relocation " + idText(id), [&](ControlStore& control) {
        require(control, Action::Repair, id);
        switch (diagnosis.action) {
        case RepairAction::None:
            break;
        case RepairAction::Resume:
            control.markRunning(id, {State::Paused, State::Running}, "repair", reason, "resume");
            break;
        case RepairAction::Retry:
            control.markRunning(id, {State::Failed, State::Aborted}, "repair", reason, "retry");
            break;
        case RepairAction::Realign:
            control.realignStep(id, *diagnosis.realignTo, reason,
                                "journal moved to step " + std::string(stepName(*diagnosis.realignTo)) +
                                    ": " + diagnosis.proposal);
            break;
        }
    });
    return diagnosis;
}

std::int64_t Relocations::resolve(const std::string& relocationOrOrg) const
{
    if (relocationOrOrg.empty())
        fail(ErrorCode::BadInput, "give a relocation id or an organization slug");
    if (isDecimalId(relocationOrOrg) && relocationOrOrg.size() < 19)
        return std::stoll(relocationOrOrg);
    const std::string org = relocationOrOrg.starts_with("org:") ? relocationOrOrg.substr(4) : relocationOrOrg;
    return withControl(m_config, "finding the relocation of " + org, [&](ControlStore& control) {
        const auto mapping = control.findOrg(org);
        if (!mapping)
            fail(ErrorCode::BadInput, "no organization " + org + " in the control database");
        const auto latest = control.latestFor(mapping->organizationId);
        if (!latest)
            fail(ErrorCode::BadInput, "organization " + mapping->slug + " has never been relocated");
        return latest->id;
    });
}

} // namespace cellscope::relocation
