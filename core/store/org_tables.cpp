#include "store/org_tables.h"

#include <array>

namespace cellscope::store {

namespace {

constexpr std::string_view kOrgProjects =
    "project_id IN (SELECT id FROM sentry_project WHERE organization_id = $1)";

constexpr std::array<OrgScopedTable, 7> kTables{{
    {"sentry_organization", "id = $1", "id"},
    {"sentry_team", "organization_id = $1", "id"},
    {"sentry_organizationmember", "organization_id = $1", "id"},
    {"sentry_project", "organization_id = $1", "id"},
    {"sentry_projectteam", kOrgProjects, "id"},
    {"sentry_projectkey", kOrgProjects, "id"},
    {"sentry_groupedmessage", kOrgProjects, "id"},
}};

} // namespace

std::span<const OrgScopedTable> orgScopedTables() noexcept
{
    return kTables;
}

} // namespace cellscope::store
