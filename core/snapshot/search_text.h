#pragma once

#include "core/snapshot/snapshot.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace cellscope {

// Every organization's slug and name, lower-cased (ASCII, as OrgMatcher folds case) and laid end to
// end in one buffer, "slug\0name\0" per organization in index order. A search then runs memchr-
// driven finds over contiguous memory instead of folding case byte by byte per organization:
// what makes a keystroke over a million organizations cheap. About 40 bytes per organization; the
// console builds one per snapshot, off the GUI thread. The snapshot itself stays lean.
class OrgSearchText
{
public:
    explicit OrgSearchText(const Snapshot& snapshot);

    std::size_t size() const noexcept { return m_start.size() - 1; }

    // Whether the organization's slug or name contains `lowerNeedle` (lower-cased, not empty).
    bool contains(OrgIndex org, std::string_view lowerNeedle) const noexcept
    {
        const std::string_view text(m_text.data() + m_start[org], m_start[org + 1] - m_start[org]);
        return text.find(lowerNeedle) != std::string_view::npos;
    }

    // Sets marks[i] to 1 for every organization i in [begin, end) whose slug or name contains
    // `lowerNeedle`, in one pass over the buffer that skips to the next organization after a hit.
    // Leaves other marks alone, so threads may mark disjoint ranges of one vector.
    void mark(std::string_view lowerNeedle, OrgIndex begin, OrgIndex end,
              std::vector<std::uint8_t>& marks) const;

private:
    std::string m_text;
    std::vector<std::uint32_t> m_start; // organization i spans [m_start[i], m_start[i + 1])
};

} // namespace cellscope
