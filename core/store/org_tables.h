#pragma once

#include <span>
#include <string_view>

namespace cellscope::store {

// One org-scoped table of a cell database. This list is the single place that says which rows
// belong to an organization and in which order they can be written (parents before children);
// seeding, relocation copy, verify and cleanup all iterate it.
struct OrgScopedTable
{
    std::string_view name;
    std::string_view orgFilter; // SQL predicate selecting the org's rows; $1 is the organization id
    std::string_view orderKey;  // unique column, for batching and checksums in a stable order
};

std::span<const OrgScopedTable> orgScopedTables() noexcept;

} // namespace cellscope::store
