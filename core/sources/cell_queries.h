#pragma once

#include <cstdint>
#include <map>
#include <string>

namespace cellscope::sources {

struct ProjectInfo
{
    std::string slug;
    std::string name;
    std::string platform;
};

// The organization's projects as its cell database holds them (control has no project names).
std::map<std::int64_t, ProjectInfo> projectsOfOrganization(const std::string& cellConninfo,
                                                           std::int64_t organizationId);

} // namespace cellscope::sources
