#include "core/sources/cell_queries.h"

#include "core/db/database.h"

#include <pqxx/pqxx>
#include <pqxx/transaction>

namespace cellscope::sources {

using namespace db;

std::map<std::int64_t, ProjectInfo> projectsOfOrganization(const std::string& cellConninfo,
                                                           std::int64_t organizationId)
{
    auto connection = connect(cellConninfo);
    pqxx::read_transaction tx(*connection);
    std::map<std::int64_t, ProjectInfo> projects;
    for (const auto& row : tx.exec_params("SELECT id, slug, name, coalesce(platform, '') FROM sentry_project "
                                          "WHERE organization_id = $1 ORDER BY id",
                                          organizationId))
        projects.emplace(
            row[0].as<std::int64_t>(),
            ProjectInfo{row[1].as<std::string>(), row[2].as<std::string>(), row[3].as<std::string>()});
    return projects;
}

} // namespace cellscope::sources
