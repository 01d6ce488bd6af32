#include "core/snapshot/search_text.h"

#include "core/util/error.h"

#include <limits>

namespace cellscope {

namespace {

void appendLower(std::string& out, std::string_view text)
{
    for (const char c : text)
        out.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c);
    // The separator keeps a needle from matching across slug and name or across organizations.
    out.push_back('\0');
}

} // namespace

OrgSearchText::OrgSearchText(const Snapshot& snapshot)
{
    const std::size_t count = snapshot.organizations().size();
    m_start.reserve(count + 1);
    for (OrgIndex i = 0; i < count; ++i) {
        if (m_text.size() > std::numeric_limits<std::uint32_t>::max() - 1024)
            fail(ErrorCode::Internal, "the organizations' slugs and names exceed 4 GB");
        m_start.push_back(static_cast<std::uint32_t>(m_text.size()));
        appendLower(m_text, snapshot.slug(i));
        appendLower(m_text, snapshot.name(i));
    }
    m_start.push_back(static_cast<std::uint32_t>(m_text.size()));
}

void OrgSearchText::mark(std::string_view lowerNeedle, OrgIndex begin, OrgIndex end,
                         std::vector<std::uint8_t>& marks) const
{
    if (begin >= end)
        return;
    const std::string_view all(m_text.data(), m_start[end]);
    std::size_t position = m_start[begin];
    OrgIndex org = begin;
    while (true) {
        position = all.find(lowerNeedle, position);
        if (position == std::string_view::npos)
            return;
        // Positions only grow: walk the organization cursor forward instead of searching for it.
        while (m_start[org + 1] <= position)
            ++org;
        marks[org] = 1;
        position = m_start[org + 1];
        if (++org >= end)
            return;
    }
}

} // namespace cellscope
