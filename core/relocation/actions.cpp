#include "core/relocation/actions.h"

namespace cellscope::relocation {

namespace {

Verdict allowed()
{
    return {true, {}};
}

Verdict refused(std::string why)
{
    return {false, std::move(why)};
}

std::string idOf(const Relocation& r)
{
    return std::to_string(r.id);
}

std::string stateText(const Relocation& r)
{
    return "relocation " + idOf(r) + " is " + std::string(stateName(r.state));
}

Verdict judgeCancel(const Relocation& r)
{
    if (r.state == State::Cancelled)
        return refused("relocation " + idOf(r) + " is already cancelled");
    if (r.state == State::Done)
        return refused("relocation " + idOf(r) + " is done: organization " + r.orgSlug + " lives in " +
                       r.targetCell + "; to undo it, relocate it back: cellctl relocate start " + r.orgSlug +
                       " --to " + r.sourceCell + " --reason …");
    if (!beforeSwitch(r.step))
        return refused("relocation " + idOf(r) + " already switched organization " + r.orgSlug + " to " +
                       r.targetCell +
                       ", so it can no longer be cancelled; let it finish (cellctl relocate "
                       "resume " +
                       idOf(r) + ") and then relocate it back to " + r.sourceCell);
    return allowed();
}

} // namespace

Verdict judge(Action action, const Relocation& r, bool runnerAlive)
{
    if (r.supersededBy)
        return refused("relocation " + idOf(r) + " is history: relocation " +
                       std::to_string(*r.supersededBy) + " of organization " + r.orgSlug +
                       " came after it; act on that one instead");
    const bool finished = isFinished(r.state);
    const bool running = r.state == State::Running;
    switch (action) {
    case Action::Pause:
    case Action::Abort:
        if (!running)
            return refused(stateText(r) + ", not running: there is nothing to " +
                           std::string(actionName(action)));
        if (action == Action::Pause && r.step == Step::Cancel)
            return refused("relocation " + idOf(r) + " is being cancelled: a cancel cannot be paused");
        if (action == Action::Pause && !r.requestedAction.empty())
            return refused("relocation " + idOf(r) + " was already asked to " + r.requestedAction);
        return allowed();
    case Action::Resume:
        if (r.state == State::Failed || r.state == State::Aborted)
            return refused(stateText(r) + " at step " + std::string(stepName(r.step)) +
                           ": retry it (cellctl relocate retry " + idOf(r) + ") or cancel it");
        if (running && runnerAlive)
            return refused("relocation " + idOf(r) + " is already running (" + r.runner + ")");
        if (r.state != State::Paused && !running)
            return refused(stateText(r) + ": it cannot be resumed");
        return allowed();
    case Action::Retry:
        if (r.state != State::Failed && r.state != State::Aborted)
            return refused(stateText(r) + ": it cannot be retried");
        return allowed();
    case Action::Cancel:
        return judgeCancel(r);
    case Action::Throttle:
        if (finished)
            return refused("relocation " + idOf(r) + " is finished; there is nothing to throttle");
        return allowed();
    case Action::Repair:
        return allowed();
    case Action::MoveBack:
        if (r.state != State::Done)
            return refused(stateText(r) + ": only a finished move can be moved back");
        return allowed();
    }
    return refused("unknown action");
}

std::string_view actionName(Action action) noexcept
{
    switch (action) {
    case Action::Pause:
        return "pause";
    case Action::Resume:
        return "resume";
    case Action::Abort:
        return "abort";
    case Action::Retry:
        return "retry";
    case Action::Cancel:
        return "cancel";
    case Action::Throttle:
        return "throttle";
    case Action::Repair:
        return "repair";
    case Action::MoveBack:
        return "move back";
    }
    return "";
}

} // namespace cellscope::relocation
