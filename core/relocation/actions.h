#pragma once

#include "core/relocation/journal.h"

#include <string>
#include <string_view>

namespace cellscope::relocation {

// What a person can ask of a relocation.
enum class Action
{
    Pause,
    Resume,
    Abort,
    Retry,
    Cancel,
    Throttle,
    Repair,
    MoveBack, // start a new relocation back to the source: only after a relocation is done
};

// Whether an action is legal now, and if not, the one sentence that says why and what to do
// instead (the message of the Conflict a refused action raises).
struct Verdict
{
    bool allowed = false;
    std::string why;
};

// The single rule book of person actions by relocation state: the core enforces it (and the
// journal's own SQL re-checks the decisive parts), cellctl's hints and the console's buttons show
// it. `runnerAlive`: a process holds the relocation's lease right now. A relocation that a later
// relocation of the same organization superseded is history: nothing may be done to it.
Verdict judge(Action action, const Relocation& relocation, bool runnerAlive);

std::string_view actionName(Action action) noexcept; // "pause", "move back", …

} // namespace cellscope::relocation
