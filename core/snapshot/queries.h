#pragma once

#include "core/snapshot/snapshot.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cellscope {

// The DSN a key was issued with, rebuilt from its DsnFormat (shapes in docs/dsn.md):
// locality "https://KEY@o{org}.ingest.{locality}.{app_host}/{project}", org_subdomain
// "https://KEY@o{org}.ingest.{app_host}/{project}", legacy "https://KEY@{app_host}/{project}".
std::string dsnForKey(const Snapshot& snapshot, KeyIndex key);

std::string_view localityNameOfCell(const Snapshot& snapshot, CellIndex cell) noexcept;

// Which organizations a browse view shows: a scope (all, one cell, one locality) and a search text
// matched against the slug and name (case-insensitive substring) or, when all digits, the id.
struct OrgFilter
{
    std::optional<CellIndex> cell;
    std::optional<std::string> locality;
    std::string search;
};

class OrgSearchText;

// Prepared once per filter so that testing a million orgs does no allocation per org. With an
// OrgSearchText of the same snapshot, the text test runs on its lower-cased buffer.
class OrgMatcher
{
public:
    OrgMatcher(const Snapshot& snapshot, const OrgFilter& filter, const OrgSearchText* text = nullptr);
    bool matches(OrgIndex org) const noexcept;

    // The parts of matches(), for a caller that finds text matches in bulk (OrgSearchText::mark):
    // matches(o) == inScope(o) && (needle().empty() || matchesId(o) || <slug or name contains needle>).
    bool inScope(OrgIndex org) const noexcept;
    bool matchesId(OrgIndex org) const noexcept;
    const std::string& needle() const noexcept { return m_needle; }

private:
    const Snapshot& m_snapshot;
    const OrgSearchText* m_text;
    std::vector<bool> m_cellAllowed; // empty: every cell
    std::string m_needle;            // lower-cased search text
    std::optional<std::int64_t> m_id;
};

// Organizations matching the filter in id order, at most `limit` of them; `total` gets the count
// of all matches.
std::vector<OrgIndex> findOrganizations(const Snapshot& snapshot, const OrgFilter& filter, std::size_t limit,
                                        std::size_t* total = nullptr);

// The user lens: find_cells_for_user, with the member rows behind it.
struct UserOrganizations
{
    struct Entry
    {
        MemberIndex member;
        std::optional<OrgIndex> org; // absent when the mapping row has no organization mapping
    };
    struct CellGroup
    {
        CellIndex cell = kNoCell;
        std::vector<Entry> entries;
    };
    std::vector<std::int64_t> userIds;
    std::vector<std::string> emails;
    std::vector<CellGroup> cells; // in cell order
    std::vector<Entry> unmapped;  // member rows whose organization has no mapping
};

// `who` is a user id (all digits) or an email address (case-insensitive).
UserOrganizations findUserOrganizations(const Snapshot& snapshot, std::string_view who);

// The other cells (besides `except`) where a user has organizations: the member-row hint in org
// detail views. Sorted, without duplicates.
std::vector<CellIndex> otherCellsOfUser(const Snapshot& snapshot, std::int64_t userId, CellIndex except);

} // namespace cellscope
