#pragma once

#include "core/backlog/store.h"

#include <cstdint>
#include <string>
#include <vector>

namespace cellscope::demo {

// A synthetic backlog history for the demo world, so the burndown and the rule checks show something on
// first start: kDemoWeeks weekly imports of a map that starts with a few hundred entries across all ten
// actions and mostly shrinks (deleted and internal-only entries drain fast, deprecations slowly, TO_BE_BROKEN
// never), with a couple of relabelled entries and exactly one week that adds entries, one of them
// TO_BE_BROKEN. Derived purely from the seed.
struct DemoBacklog
{
    std::vector<backlog::ParsedSnapshot> snapshots; // oldest first
    std::vector<backlog::TrackingRecord> tracking;
    int ruleBreakingWeek = 0; // index into snapshots
};

inline constexpr int kDemoWeeks = 16;

DemoBacklog makeDemoBacklog(std::uint64_t seed);

// Replaces the control database's backlog with makeDemoBacklog(seed), in one transaction.
void seedBacklogDemo(const std::string& controlConninfo, std::uint64_t seed);

} // namespace cellscope::demo
