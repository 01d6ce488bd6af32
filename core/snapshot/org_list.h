#pragma once

#include "core/snapshot/queries.h"
#include "core/snapshot/search_text.h"
#include "core/snapshot/snapshot.h"

#include <vector>

namespace cellscope {

// The columns a list of organizations can be sorted by, in the order the console shows them.
enum class OrgColumn
{
    Id,
    Slug,
    Name,
    Cell,
    Locality,
    Status,
    Members,
    Created,
};
inline constexpr int kOrgColumnCount = static_cast<int>(OrgColumn::Created) + 1;

// Every organization sorted by a column, ascending; ties by id, so the order is total and
// deterministic. What a browse view caches per column.
std::vector<OrgIndex> sortOrganizations(const Snapshot& snapshot, OrgColumn column);

// The organizations matching `filter`, in the order of `order` (every organization in index order
// when null), walked backwards when `descending`. With the snapshot's search text, a search over
// every organization marks the text matches in one pass over that buffer; a narrower `order` (the
// rows already shown, when typing narrows a search) is tested organization by organization. Large
// lists are split across two threads; the result is the same as one thread's.
std::vector<OrgIndex> listOrganizations(const Snapshot& snapshot, const OrgFilter& filter,
                                        const std::vector<OrgIndex>* order, bool descending,
                                        const OrgSearchText* text = nullptr);

} // namespace cellscope
