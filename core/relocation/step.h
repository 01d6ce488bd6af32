#pragma once

#include <optional>
#include <string_view>

namespace cellscope::relocation {

// The steps of a relocation. Each is idempotent: a runner that dies inside one runs it again from
// the start, and it picks up where the journal and the data say it was. Cancel is the way back
// before the switch: it removes the target copy, stops change capture and unfreezes the source.
// Offline: preflight, freeze, copy, verify, switch, … — frozen from before the copy.
// Online: preflight, capture, copy, catch_up, verify, freeze, settle, switch, … — writable until the
// freeze; settle applies the last changes and compares the rows they touched.
enum class Step
{
    Preflight,
    Capture,
    Freeze,
    Copy,
    CatchUp,
    Verify,
    Settle,
    Switch,
    Drain,
    Unfreeze,
    Cleanup,
    Done,
    Cancel,
};

// running: a runner owns it (or did, and died: resume it). paused/failed/aborted wait for a person.
enum class State
{
    Running,
    Paused,
    Failed,
    Aborted,
    Done,
    Cancelled,
};

std::string_view stepName(Step step) noexcept; // "preflight", "freeze", …
std::optional<Step> parseStep(std::string_view text) noexcept;
std::string_view stateName(State state) noexcept; // "running", "paused", …
std::optional<State> parseState(std::string_view text) noexcept;

// The step after this one on the way forward (Done after Cleanup and Done; Cancel has no other).
Step nextStep(Step step, bool online) noexcept;
// True while the organization's mapping still names the source cell, so cancel can restore it.
bool beforeSwitch(Step step) noexcept;
bool isFinished(State state) noexcept;

inline constexpr Step kOfflineSteps[] = {Step::Preflight, Step::Freeze, Step::Copy,     Step::Verify,
                                         Step::Switch,    Step::Drain,  Step::Unfreeze, Step::Cleanup};
inline constexpr Step kOnlineSteps[] = {Step::Preflight, Step::Capture,  Step::Copy,   Step::CatchUp,
                                        Step::Verify,    Step::Freeze,   Step::Settle, Step::Switch,
                                        Step::Drain,     Step::Unfreeze, Step::Cleanup};

} // namespace cellscope::relocation
