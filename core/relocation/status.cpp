#include "core/relocation/status.h"

#include "core/relocation/actions.h"
#include "core/relocation/plan.h"
#include "core/relocation/text.h"

#include <algorithm>
#include <cstdio>

namespace cellscope::relocation {

namespace {

std::optional<double> rate(std::int64_t rows, double seconds)
{
    if (rows <= 0 || seconds <= 0)
        return std::nullopt;
    return static_cast<double>(rows) / seconds;
}

// A write freeze is short: milliseconds matter.
std::string preciseSeconds(double seconds)
{
    char text[32];
    std::snprintf(text, sizeof text, "%.2f s", seconds);
    return text;
}

std::string percent(std::int64_t part, std::int64_t whole)
{
    if (whole <= 0)
        return "100%";
    return std::to_string(std::min<std::int64_t>(100, part * 100 / whole)) + "%";
}

class Describer
{
public:
    explicit Describer(Status& status) : m_s(status), m_r(status.relocation) {}

    void run()
    {
        totals();
        eta();
        sentence();
        nextSteps();
    }

private:
    void totals()
    {
        double copySeconds = 0;
        double verifySeconds = 0;
        for (const TableProgress& t : m_s.tables) {
            m_s.plannedRows += t.plannedRows;
            m_s.copiedRows += t.copiedRows;
            m_s.verifiedRows += t.verifiedRows;
            m_s.cleanedRows += t.cleanedRows;
            copySeconds += t.copySeconds;
            verifySeconds += t.verifySeconds;
        }
        m_s.copyRowsPerSecond = rate(m_s.copiedRows, copySeconds);
        m_s.verifyRowsPerSecond = rate(m_s.verifiedRows, verifySeconds);
        if (m_r.step == Step::Drain && m_r.switchedAt)
            m_s.drainSecondsLeft = std::max(0.0, *m_r.switchedAt + m_r.drainSeconds - m_r.readAt);
        if (m_r.frozenAt) {
            m_s.freezeStartedAt = m_r.frozenAt;
            m_s.freezeEndedAt = m_r.switchCommittedAt;
            if (m_r.switchCommittedAt)
                m_s.freezeSeconds = *m_r.switchCommittedAt - *m_r.frozenAt;
            else if (!isFinished(m_r.state) && m_r.step != Step::Cancel)
                m_s.freezeSeconds = m_r.readAt - *m_r.frozenAt;
        }
    }

    void eta()
    {
        if (isFinished(m_r.state) || m_r.step == Step::Cancel)
            return;
        std::int64_t copyLeft = 0;
        std::int64_t verifyLeft = 0;
        std::int64_t cleanupLeft = 0;
        for (const TableProgress& t : m_s.tables) {
            if (!t.copied)
                copyLeft += std::max<std::int64_t>(0, t.plannedRows - t.copiedRows);
            if (!t.verified)
                verifyLeft +=
                    std::max<std::int64_t>(0, (t.copied ? t.copiedRows : t.plannedRows) - t.verifiedRows);
            if (!t.cleaned)
                cleanupLeft += std::max<std::int64_t>(0, t.plannedRows - t.cleanedRows);
        }
        double copyRate = m_s.copyRowsPerSecond.value_or(kAssumedRowsPerSecond);
        if (m_r.throttle)
            copyRate = std::min(copyRate, static_cast<double>(*m_r.throttle));
        const double readRate = m_s.verifyRowsPerSecond.value_or(copyRate);
        double drainLeft = 0;
        if (m_r.step == Step::Drain)
            drainLeft = m_s.drainSecondsLeft.value_or(0);
        else if (beforeSwitch(m_r.step))
            drainLeft = m_r.drainSeconds;
        m_s.etaSeconds = static_cast<double>(copyLeft) / copyRate +
                         static_cast<double>(verifyLeft) / readRate +
                         static_cast<double>(cleanupLeft) / readRate + drainLeft;
        if (m_r.online && !m_r.frozen && beforeSwitch(m_r.step))
            m_s.cutoverInSeconds = static_cast<double>(copyLeft) / copyRate +
                                   static_cast<double>(verifyLeft) / readRate + m_r.lagSeconds.value_or(0);
    }

    std::string head() const
    {
        return "Relocation " + std::to_string(m_r.id) + " of " + m_r.orgSlug + " from " + m_r.sourceCell +
               " to " + m_r.targetCell;
    }

    std::string step() const { return std::string(stepName(m_r.step)); }

    std::string byWhom() const
    {
        if (!m_s.lastAction)
            return {};
        return " (" + m_s.lastAction->action + " by " + m_s.lastAction->dbRole + ": \"" +
               m_s.lastAction->reason + "\")";
    }

    // The captured changes still to apply, as last measured.
    std::string lag() const
    {
        if (!m_r.online || !m_r.lagRows)
            return {};
        return "; " + groupedNumber(*m_r.lagRows) + " changes waiting" +
               (*m_r.lagRows > 0 ? ", the oldest " + humanDuration(m_r.lagSeconds.value_or(0)) + " old"
                                 : std::string());
    }

    std::string doing() const
    {
        const std::string planned = groupedNumber(m_s.plannedRows);
        switch (m_r.step) {
        case Step::Preflight:
            return "running its preflight checks";
        case Step::Capture:
            return "starting to capture the organization's changes in " + m_r.sourceCell;
        case Step::Freeze:
            return (m_r.online ? "catching up, then freezing the organization in "
                               : "freezing the organization in ") +
                   m_r.sourceCell + lag();
        case Step::CatchUp:
            return "catching up: " + groupedNumber(m_r.appliedChanges) + " changes applied" + lag();
        case Step::Settle:
            return "settling inside the freeze: applying the last changes and comparing the rows they "
                   "touched";
        case Step::Copy:
            return "copying: " + groupedNumber(m_s.copiedRows) + " of " + planned + " rows (" +
                   percent(m_s.copiedRows, m_s.plannedRows) + ")" +
                   (m_s.copyRowsPerSecond
                        ? " at " + groupedNumber(static_cast<std::int64_t>(*m_s.copyRowsPerSecond)) +
                              " rows/s"
                        : std::string());
        case Step::Verify:
            return std::string(m_r.online ? "verifying online: " : "verifying: ") +
                   groupedNumber(m_s.verifiedRows) + " of " + planned + " rows compared (" +
                   percent(m_s.verifiedRows, m_s.plannedRows) + ")" + lag();
        case Step::Switch:
            return "switching the mapping, key mappings and slug reservations";
        case Step::Drain:
            return "waiting for routing caches to converge (" +
                   humanDuration(m_s.drainSecondsLeft.value_or(0)) + " left)";
        case Step::Unfreeze:
            return "unfreezing the organization in " + m_r.targetCell;
        case Step::Cleanup:
            return "removing the old copy from " + m_r.sourceCell + ": " + groupedNumber(m_s.cleanedRows) +
                   " of " + planned + " rows (" + percent(m_s.cleanedRows, m_s.plannedRows) + ")";
        case Step::Cancel:
            return "being cancelled: removing the copy from " + m_r.targetCell + ", then unfreezing " +
                   m_r.sourceCell;
        case Step::Done:
            break;
        }
        return "finishing";
    }

    void sentence()
    {
        std::string& out = m_s.sentence;
        switch (m_r.state) {
        case State::Running:
            if (m_s.runnerAlive) {
                out = head() + " is " + doing();
                if (m_s.etaSeconds)
                    out += ", about " + humanDuration(*m_s.etaSeconds) + " left";
                out += "; run by " + m_r.runner;
                if (!m_r.requestedAction.empty())
                    out += " (" + m_r.requestedAction + " requested: it stops at the next batch boundary)";
            } else {
                out = head() + " stopped at step " + step() + " with no process running it";
                if (m_r.heartbeatAt)
                    out += " (last heartbeat " + humanDuration(m_r.readAt - *m_r.heartbeatAt) + " ago, " +
                           m_r.runner + ")";
                out += ": resume it";
            }
            break;
        case State::Paused:
            out = head() + " is paused at step " + step() + byWhom();
            break;
        case State::Failed:
            out = head() + " failed at step " + step() + ": " + m_r.lastError;
            break;
        case State::Aborted:
            out = head() + " was aborted at step " + step() + byWhom();
            break;
        case State::Done:
            out = head() + " is done: the organization lives in " + m_r.targetCell;
            if (m_r.finishedAt)
                out += " (took " + humanDuration(*m_r.finishedAt - m_r.createdAt) +
                       (m_s.freezeSeconds ? "; writes were refused for " + preciseSeconds(*m_s.freezeSeconds)
                                          : std::string()) +
                       ")";
            break;
        case State::Cancelled:
            out = head() + " was cancelled at step " +
                  std::string(stepName(m_r.cancelledAtStep.value_or(Step::Preflight))) +
                  ": the organization is in " + m_r.sourceCell + " as it was";
            break;
        }
        if (!out.empty() && out.back() != '.')
            out += '.';
    }

    std::string command(const std::string& verb, bool reason) const
    {
        return "cellctl relocate " + verb + " " + std::to_string(m_r.id) + (reason ? " --reason '…'" : "");
    }

    // The commands the rule book (relocation/actions.h) allows now, most useful first.
    void nextSteps()
    {
        auto& next = m_s.nextSteps;
        if (m_r.supersededBy) {
            next.push_back("cellctl relocate status " + std::to_string(*m_r.supersededBy));
            return;
        }
        auto offer = [&](Action action, std::string command) {
            if (judge(action, m_r, m_s.runnerAlive).allowed)
                next.push_back(std::move(command));
        };
        switch (m_r.state) {
        case State::Running:
            if (m_s.runnerAlive) {
                next.push_back(command("status", false) + " --watch");
                offer(Action::Pause, command("pause", true));
                offer(Action::Throttle, "cellctl relocate throttle " + std::to_string(m_r.id) +
                                            " ROWS_PER_SECOND --reason '…'");
            } else {
                offer(Action::Resume, command("resume", true));
                next.push_back(command("repair", false));
            }
            break;
        case State::Paused:
            offer(Action::Resume, command("resume", true));
            break;
        case State::Failed:
        case State::Aborted:
            offer(Action::Retry, command("retry", true));
            next.push_back(command("repair", false));
            break;
        case State::Done:
            offer(Action::MoveBack, "cellctl relocate start " + m_r.orgSlug + " --to " + m_r.sourceCell +
                                        " --reason '…'   (to move it back)");
            break;
        case State::Cancelled:
            next.push_back(command("log", false));
            break;
        }
        // A cancel already under way goes on with resume, offered above.
        if (m_r.step != Step::Cancel)
            offer(Action::Cancel, command("cancel", true));
    }

    Status& m_s;
    const Relocation& m_r;
};

} // namespace

Status describe(Relocation relocation, std::vector<TableProgress> tables,
                std::optional<AuditRecord> lastAction, bool runnerAlive)
{
    Status status;
    status.relocation = std::move(relocation);
    status.tables = std::move(tables);
    status.lastAction = std::move(lastAction);
    status.runnerAlive = runnerAlive;
    Describer(status).run();
    return status;
}

} // namespace cellscope::relocation
