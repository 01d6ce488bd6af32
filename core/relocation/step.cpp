#include "core/relocation/step.h"

#include <algorithm>
#include <array>
#include <span>
#include <utility>

namespace cellscope::relocation {

namespace {

constexpr std::array<std::pair<Step, std::string_view>, 13> kStepNames{{
    {Step::Preflight, "preflight"},
    {Step::Capture, "capture"},
    {Step::Freeze, "freeze"},
    {Step::Copy, "copy"},
    {Step::CatchUp, "catch_up"},
    {Step::Verify, "verify"},
    {Step::Settle, "settle"},
    {Step::Switch, "switch"},
    {Step::Drain, "drain"},
    {Step::Unfreeze, "unfreeze"},
    {Step::Cleanup, "cleanup"},
    {Step::Done, "done"},
    {Step::Cancel, "cancel"},
}};

constexpr std::array<std::pair<State, std::string_view>, 6> kStateNames{{
    {State::Running, "running"},
    {State::Paused, "paused"},
    {State::Failed, "failed"},
    {State::Aborted, "aborted"},
    {State::Done, "done"},
    {State::Cancelled, "cancelled"},
}};

template <typename Enum, std::size_t N>
std::string_view nameOf(const std::array<std::pair<Enum, std::string_view>, N>& names, Enum value) noexcept
{
    for (const auto& [candidate, name] : names)
        if (candidate == value)
            return name;
    return "unknown";
}

template <typename Enum, std::size_t N>
std::optional<Enum> parse(const std::array<std::pair<Enum, std::string_view>, N>& names,
                          std::string_view text) noexcept
{
    for (const auto& [value, name] : names)
        if (name == text)
            return value;
    return std::nullopt;
}

} // namespace

std::string_view stepName(Step step) noexcept
{
    return nameOf(kStepNames, step);
}

std::optional<Step> parseStep(std::string_view text) noexcept
{
    return parse(kStepNames, text);
}

std::string_view stateName(State state) noexcept
{
    return nameOf(kStateNames, state);
}

std::optional<State> parseState(std::string_view text) noexcept
{
    return parse(kStateNames, text);
}

Step nextStep(Step step, bool online) noexcept
{
    if (step == Step::Cancel)
        return Step::Cancel;
    const auto steps = online ? std::span<const Step>(kOnlineSteps) : std::span<const Step>(kOfflineSteps);
    const auto at = std::find(steps.begin(), steps.end(), step);
    return at == steps.end() || at + 1 == steps.end() ? Step::Done : *(at + 1);
}

bool beforeSwitch(Step step) noexcept
{
    switch (step) {
    case Step::Preflight:
    case Step::Capture:
    case Step::Freeze:
    case Step::Copy:
    case Step::CatchUp:
    case Step::Verify:
    case Step::Settle:
    case Step::Switch:
    case Step::Cancel:
        return true;
    case Step::Drain:
    case Step::Unfreeze:
    case Step::Cleanup:
    case Step::Done:
        return false;
    }
    return false;
}

bool isFinished(State state) noexcept
{
    return state == State::Done || state == State::Cancelled;
}

} // namespace cellscope::relocation
