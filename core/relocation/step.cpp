#include "core/relocation/step.h"

#include <array>
#include <utility>

namespace cellscope::relocation {

namespace {

constexpr std::array<std::pair<Step, std::string_view>, 10> kStepNames{{
    {Step::Preflight, "preflight"},
    {Step::Freeze, "freeze"},
    {Step::Copy, "copy"},
    {Step::Verify, "verify"},
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

Step nextStep(Step step) noexcept
{
    switch (step) {
    case Step::Preflight:
        return Step::Freeze;
    case Step::Freeze:
        return Step::Copy;
    case Step::Copy:
        return Step::Verify;
    case Step::Verify:
        return Step::Switch;
    case Step::Switch:
        return Step::Drain;
    case Step::Drain:
        return Step::Unfreeze;
    case Step::Unfreeze:
        return Step::Cleanup;
    case Step::Cleanup:
    case Step::Done:
        return Step::Done;
    case Step::Cancel:
        return Step::Cancel;
    }
    return Step::Done;
}

bool beforeSwitch(Step step) noexcept
{
    return step == Step::Preflight || step == Step::Freeze || step == Step::Copy || step == Step::Verify ||
           step == Step::Switch || step == Step::Cancel;
}

bool isFinished(State state) noexcept
{
    return state == State::Done || state == State::Cancelled;
}

} // namespace cellscope::relocation
