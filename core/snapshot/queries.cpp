#include "core/snapshot/queries.h"

#include "core/snapshot/search_text.h"

#include <algorithm>

namespace cellscope {

namespace {

char lower(char c) noexcept
{
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c;
}

bool containsIgnoreCase(std::string_view haystack, std::string_view lowerNeedle) noexcept
{
    if (lowerNeedle.empty())
        return true;
    if (haystack.size() < lowerNeedle.size())
        return false;
    const char first = lowerNeedle[0];
    for (std::size_t i = 0; i + lowerNeedle.size() <= haystack.size(); ++i) {
        if (lower(haystack[i]) != first)
            continue;
        std::size_t k = 1;
        while (k < lowerNeedle.size() && lower(haystack[i + k]) == lowerNeedle[k])
            ++k;
        if (k == lowerNeedle.size())
            return true;
    }
    return false;
}

} // namespace

std::string_view localityNameOfCell(const Snapshot& snapshot, CellIndex cell) noexcept
{
    return cell < snapshot.cells().size() ? std::string_view(snapshot.cells()[cell].locality)
                                          : std::string_view();
}

std::string dsnForKey(const Snapshot& snapshot, KeyIndex index)
{
    const ProjectKey& key = snapshot.projectKeys()[index];
    std::string host;
    switch (key.dsnFormat) {
    case DsnFormat::Locality: {
        const std::string_view locality = localityNameOfCell(snapshot, key.cell);
        host = "o" + std::to_string(key.organizationId) + ".ingest." +
               std::string(locality.empty() ? snapshot.cellName(key.cell) : locality) + "." +
               snapshot.info().appHost;
        break;
    }
    case DsnFormat::OrgSubdomain:
        host = "o" + std::to_string(key.organizationId) + ".ingest." + snapshot.info().appHost;
        break;
    case DsnFormat::Legacy:
        host = snapshot.info().appHost;
        break;
    }
    return "https://" + snapshot.publicKey(index) + "@" + host + "/" + std::to_string(key.projectId);
}

OrgMatcher::OrgMatcher(const Snapshot& snapshot, const OrgFilter& filter, const OrgSearchText* text)
    : m_snapshot(snapshot), m_text(text)
{
    if (filter.cell || filter.locality) {
        m_cellAllowed.assign(snapshot.cells().size(), false);
        for (std::size_t c = 0; c < snapshot.cells().size(); ++c)
            m_cellAllowed[c] = (!filter.cell || *filter.cell == c) &&
                               (!filter.locality || snapshot.cells()[c].locality == *filter.locality);
    }
    for (char c : filter.search)
        if (c != ' ' || !m_needle.empty())
            m_needle.push_back(lower(c));
    while (!m_needle.empty() && m_needle.back() == ' ')
        m_needle.pop_back();
    if (isDecimalId(m_needle) && m_needle.size() <= 18)
        m_id = std::stoll(m_needle);
}

bool OrgMatcher::inScope(OrgIndex index) const noexcept
{
    if (m_cellAllowed.empty())
        return true;
    const CellIndex cell = m_snapshot.org(index).cell;
    return cell < m_cellAllowed.size() && m_cellAllowed[cell];
}

bool OrgMatcher::matchesId(OrgIndex index) const noexcept
{
    return m_id && m_snapshot.org(index).id == *m_id;
}

bool OrgMatcher::matches(OrgIndex index) const noexcept
{
    if (!inScope(index))
        return false;
    if (m_needle.empty() || matchesId(index))
        return true;
    if (m_text)
        return m_text->contains(index, m_needle);
    const OrganizationMapping& org = m_snapshot.org(index);
    return containsIgnoreCase(m_snapshot.text(org.slug), m_needle) ||
           containsIgnoreCase(m_snapshot.text(org.name), m_needle);
}

std::vector<OrgIndex> findOrganizations(const Snapshot& snapshot, const OrgFilter& filter, std::size_t limit,
                                        std::size_t* total)
{
    const OrgMatcher matcher(snapshot, filter);
    std::vector<OrgIndex> matches;
    std::size_t count = 0;
    for (OrgIndex i = 0; i < snapshot.organizations().size(); ++i) {
        if (!matcher.matches(i))
            continue;
        ++count;
        matches.push_back(i);
    }
    // Only the first `limit` need their order: a page of a million matches costs one pass, not a sort.
    const auto byId = [&](OrgIndex a, OrgIndex b) {
        return snapshot.org(a).id < snapshot.org(b).id;
    };
    if (matches.size() > limit) {
        std::partial_sort(matches.begin(), matches.begin() + static_cast<std::ptrdiff_t>(limit),
                          matches.end(), byId);
        matches.resize(limit);
    } else {
        std::sort(matches.begin(), matches.end(), byId);
    }
    if (total)
        *total = count;
    return matches;
}

UserOrganizations findUserOrganizations(const Snapshot& snapshot, std::string_view who)
{
    UserOrganizations result;
    std::vector<MemberIndex> rows;
    if (isDecimalId(who) && who.size() <= 18) {
        const auto span = snapshot.membersOfUser(std::stoll(std::string(who)));
        rows.assign(span.begin(), span.end());
    } else {
        rows = snapshot.membersWithEmail(who);
    }
    for (MemberIndex m : rows) {
        const MemberMapping& member = snapshot.members()[m];
        if (member.userId &&
            std::find(result.userIds.begin(), result.userIds.end(), member.userId) == result.userIds.end())
            result.userIds.push_back(member.userId);
        const std::string email(snapshot.text(member.email));
        if (!email.empty() &&
            std::find(result.emails.begin(), result.emails.end(), email) == result.emails.end())
            result.emails.push_back(email);
        const auto org = snapshot.findOrgById(member.organizationId);
        if (!org) {
            result.unmapped.push_back({m, std::nullopt});
            continue;
        }
        const CellIndex cell = snapshot.org(*org).cell;
        auto group = std::find_if(result.cells.begin(), result.cells.end(),
                                  [&](const auto& g) { return g.cell == cell; });
        if (group == result.cells.end()) {
            result.cells.push_back({cell, {}});
            group = result.cells.end() - 1;
        }
        group->entries.push_back({m, org});
    }
    std::sort(result.cells.begin(), result.cells.end(),
              [](const auto& a, const auto& b) { return a.cell < b.cell; });
    for (auto& group : result.cells)
        std::sort(group.entries.begin(), group.entries.end(), [&](const auto& a, const auto& b) {
            return snapshot.org(*a.org).id < snapshot.org(*b.org).id;
        });
    return result;
}

std::vector<CellIndex> otherCellsOfUser(const Snapshot& snapshot, std::int64_t userId, CellIndex except)
{
    std::vector<CellIndex> cells;
    if (!userId)
        return cells;
    for (MemberIndex m : snapshot.membersOfUser(userId))
        if (const auto org = snapshot.findOrgById(snapshot.members()[m].organizationId)) {
            const CellIndex cell = snapshot.org(*org).cell;
            if (cell != except && std::find(cells.begin(), cells.end(), cell) == cells.end())
                cells.push_back(cell);
        }
    std::sort(cells.begin(), cells.end());
    return cells;
}

} // namespace cellscope
