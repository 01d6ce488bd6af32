#pragma once

#include "core/db/database.h"

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace cellscope::demo {

struct SeedOptions
{
    std::uint64_t seed = 42;
    std::size_t orgs = 5000;
};

struct SeedReport
{
    std::vector<std::pair<std::string, std::size_t>> rows; // "database.table" → rows written
    double seconds = 0;
};

// Replaces the contents of the control database and every demo cell database with the demo world
// (creating and migrating the cell databases as needed). Every table is written with COPY inside
// the transaction that truncated it. `progress` receives short sentences as work advances.
SeedReport seedDemoWorld(const db::DatabaseConfig& config, const SeedOptions& options,
                         const std::function<void(std::string_view)>& progress = {});

} // namespace cellscope::demo
