#pragma once

#include "core/model/topology.h"

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace cellscope::demo {

// The demo world: a fixed topology and organizations derived purely from (seed, index), so any
// thread can produce any org's rows independently and the same seed always yields the same world.
struct DemoCell
{
    const char* name;
    const char* locality;
    std::int64_t snowflakeId;
    int weight; // share of orgs, in per mille
};

struct DemoLocality
{
    const char* name;
    CellCategory category;
    const char* newOrgCell;
    bool visible;
};

std::span<const DemoLocality> demoLocalities() noexcept;
std::span<const DemoCell> demoCells() noexcept;
inline constexpr const char* kDemoMonolithCell = "us1";
std::string demoCellAddress(const char* cell);

struct DemoMember
{
    std::int64_t id;
    std::int64_t userId; // 0 for a pending invite
    std::string email;
    const char* role;
};

struct DemoProject
{
    std::int64_t id;
    std::string slug;
    std::string name;
    const char* platform;
    std::int64_t teamId;
    std::int64_t keyId;
    std::string publicKey;
    std::string secretKey;
    DsnFormat dsnFormat;
    int issues; // sentry_groupedmessage rows
};

struct DemoOrg
{
    std::int64_t id;
    std::string slug;
    std::string name;
    int cell; // index into demoCells()
    OrgStatus status;
    std::int64_t dateCreated; // unix seconds
    std::int64_t dateUpdated;
    int teams;
    bool vanityAlias; // also holds a VANITY_ALIAS slug reservation "<slug>-alias"
};

class DemoWorld
{
public:
    DemoWorld(std::uint64_t seed, std::size_t orgs);

    std::size_t orgCount() const noexcept { return m_orgs; }
    std::size_t userCount() const noexcept { return m_users; }
    std::uint64_t seed() const noexcept { return m_seed; }

    DemoOrg org(std::size_t index) const;
    std::vector<DemoMember> members(const DemoOrg& org, std::size_t index) const;
    std::vector<DemoProject> projects(const DemoOrg& org, std::size_t index) const;
    std::string teamSlug(int team) const;
    std::string issueMessage(std::int64_t groupId) const;

    struct DemoIntegration
    {
        std::int64_t id;
        const char* provider;
        std::string externalId;
        std::string name;
        std::vector<std::pair<std::int64_t, int>> installations; // (organization id, ObjectStatus)
    };
    std::vector<DemoIntegration> integrations() const;

    std::uint64_t hash(std::uint64_t a, std::uint64_t b = 0, std::uint64_t c = 0) const noexcept;

private:
    std::uint64_t m_seed;
    std::size_t m_orgs;
    std::size_t m_users;
};

} // namespace cellscope::demo
