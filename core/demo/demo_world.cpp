#include "core/demo/demo_world.h"

#include "core/snapshot/flat_index.h"

#include <algorithm>
#include <array>

namespace cellscope::demo {

namespace {

constexpr std::array<DemoLocality, 3> kLocalities{{
    {"us", CellCategory::MultiTenant, "us2", true},
    {"de", CellCategory::MultiTenant, "de2", true},
    // A single-tenant deployment: provisioned privately, not customer-selectable.
    {"s4s2", CellCategory::SingleTenant, "s4s2", false},
}};

// Weights in per mille; us1 is the historic monolith and still holds the most orgs.
constexpr std::array<DemoCell, 6> kCells{{
    {"us1", "us", 1, 400},
    {"us2", "us", 2, 220},
    {"us3", "us", 3, 100},
    {"de1", "de", 11, 140},
    {"de2", "de", 12, 120},
    {"s4s2", "s4s2", 21, 20},
}};

constexpr std::array<const char*, 32> kAdjectives{
    "amber",  "brave", "calm",  "daring", "eager", "fancy", "gentle", "happy", "icy",   "jolly", "keen",
    "lively", "merry", "noble", "odd",    "proud", "quick", "rapid",  "shiny", "tidy",  "urban", "vivid",
    "witty",  "young", "zesty", "bold",   "crisp", "dusty", "fluffy", "grand", "hazel", "silent"};
constexpr std::array<const char*, 32> kNouns{
    "otter",  "falcon",  "badger", "comet",  "harbor", "meadow", "canyon", "ember",
    "forest", "glacier", "island", "jaguar", "kernel", "lagoon", "maple",  "nebula",
    "orchid", "pixel",   "quartz", "raven",  "summit", "tundra", "vertex", "walrus",
    "yak",    "zephyr",  "anchor", "beacon", "cobalt", "delta",  "fjord",  "gecko"};
constexpr std::array<const char*, 8> kSuffixes{"Labs",    "Inc",    "GmbH",   "Software",
                                               "Systems", "Studio", "Health", "Games"};
constexpr std::array<const char*, 16> kFirstNames{
    "ada",     "alan",   "grace", "linus", "margaret",  "ken",  "barbara", "dennis",
    "frances", "edsger", "radia", "tim",   "katherine", "john", "hedy",    "guido"};
constexpr std::array<const char*, 6> kMailDomains{"example.com",  "example.org",  "example.net",
                                                  "corp.example", "mail.example", "dev.example"};
constexpr std::array<const char*, 10> kProjectNames{"web",      "api",    "ios",      "android", "backend",
                                                    "frontend", "worker", "payments", "search",  "checkout"};
constexpr std::array<const char*, 10> kPlatforms{
    "javascript",       "python", "apple-ios", "android", "python-django",
    "javascript-react", "go",     "java",      "node",    "ruby"};
constexpr std::array<const char*, 6> kTeams{"backend", "frontend", "mobile", "platform", "growth", "infra"};
constexpr std::array<const char*, 8> kIssues{"TypeError: Cannot read properties of undefined (reading 'id')",
                                             "ZeroDivisionError: division by zero",
                                             "ConnectionResetError: [Errno 104] Connection reset by peer",
                                             "KeyError: 'organization_id_or_slug'",
                                             "NullPointerException in CheckoutActivity.onResume",
                                             "OperationalError: could not connect to server",
                                             "Timeout: upstream request exceeded 30s",
                                             "ValueError: invalid literal for int() with base 10"};
constexpr std::array<const char*, 10> kProviders{
    "github",  "slack",  "jira",      "gitlab", "discord",
    "msteams", "vercel", "bitbucket", "vsts",   "github_enterprise"};

constexpr std::int64_t kEpoch2016 = 1451606400;
constexpr std::int64_t kTenYears = 10LL * 365 * 24 * 3600;

std::string toBase36(std::uint64_t value)
{
    static constexpr char kDigits[] = "0123456789abcdefghijklmnopqrstuvwxyz";
    std::string out;
    do {
        out.push_back(kDigits[value % 36]);
        value /= 36;
    } while (value);
    std::reverse(out.begin(), out.end());
    return out;
}

std::string hex128(std::uint64_t hi, std::uint64_t lo)
{
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string out(32, '0');
    for (int i = 0; i < 16; ++i) {
        out[15 - i] = kDigits[(hi >> (4 * i)) & 0xF];
        out[31 - i] = kDigits[(lo >> (4 * i)) & 0xF];
    }
    return out;
}

std::string capitalised(const char* word)
{
    std::string out(word);
    if (!out.empty())
        out[0] = static_cast<char>(out[0] - 'a' + 'A');
    return out;
}

} // namespace

std::span<const DemoLocality> demoLocalities() noexcept
{
    return kLocalities;
}

std::span<const DemoCell> demoCells() noexcept
{
    return kCells;
}

std::string demoCellAddress(const char* cell)
{
    return std::string("http://") + cell + ".cells.internal";
}

DemoWorld::DemoWorld(std::uint64_t seed, std::size_t orgs)
    : m_seed(seed), m_orgs(orgs), m_users(std::max<std::size_t>(25, orgs * 3 / 2))
{}

std::uint64_t DemoWorld::hash(std::uint64_t a, std::uint64_t b, std::uint64_t c) const noexcept
{
    return mixHash(mixHash(mixHash(m_seed ^ 0x9e3779b97f4a7c15ULL) ^ a) + b * 0x632be59bd9b4e019ULL + c);
}

DemoOrg DemoWorld::org(std::size_t index) const
{
    const std::uint64_t h = hash(1, index);
    DemoOrg org;
    org.id = static_cast<std::int64_t>(index) + 1;
    const char* adjective = kAdjectives[h % kAdjectives.size()];
    const char* noun = kNouns[(h >> 8) % kNouns.size()];
    // The base-36 index keeps slugs unique; the words make them readable and searchable.
    org.slug = std::string(adjective) + "-" + noun + "-" + toBase36(index);
    org.name =
        capitalised(adjective) + " " + capitalised(noun) + " " + kSuffixes[(h >> 16) % kSuffixes.size()];

    int pick = static_cast<int>((h >> 24) % 1000);
    org.cell = 0;
    for (int i = 0; i < static_cast<int>(kCells.size()); ++i) {
        if (pick < kCells[i].weight) {
            org.cell = i;
            break;
        }
        pick -= kCells[i].weight;
    }
    const int statusRoll = static_cast<int>((h >> 34) % 1000);
    org.status = statusRoll < 985   ? OrgStatus::Active
                 : statusRoll < 995 ? OrgStatus::PendingDeletion
                                    : OrgStatus::DeletionInProgress;
    org.dateCreated = kEpoch2016 +
                      static_cast<std::int64_t>(index) * kTenYears / static_cast<std::int64_t>(m_orgs) +
                      static_cast<std::int64_t>((h >> 44) % 86400);
    org.dateUpdated = org.dateCreated + static_cast<std::int64_t>((h >> 20) % (30 * 86400));
    org.teams = 1 + static_cast<int>((h >> 40) % 2);
    org.vanityAlias = (h >> 50) % 100 < 3;
    return org;
}

std::vector<DemoMember> DemoWorld::members(const DemoOrg& org, std::size_t index) const
{
    const std::uint64_t h = hash(2, index);
    const int count = 1 + static_cast<int>(h % 5);
    // Distinct users per org: base + m * stride, with stride * 4 < userCount.
    const std::uint64_t stride = m_users / 5 + 1;
    std::vector<DemoMember> out;
    out.reserve(static_cast<std::size_t>(count));
    for (int m = 0; m < count; ++m) {
        const std::uint64_t user = ((h >> 8) + static_cast<std::uint64_t>(m) * stride) % m_users + 1;
        DemoMember member;
        member.id = org.id * 10000 + m;
        const std::uint64_t roll = hash(3, index, static_cast<std::uint64_t>(m));
        member.role = m == 0 ? "owner"
                             : (roll % 10 < 6   ? "member"
                                : roll % 10 < 8 ? "admin"
                                : roll % 10 < 9 ? "manager"
                                                : "billing");
        const bool pendingInvite = m > 0 && (roll >> 8) % 100 < 3;
        member.userId = pendingInvite ? 0 : static_cast<std::int64_t>(user);
        member.email = std::string(kFirstNames[user % kFirstNames.size()]) + std::to_string(user) + "@" +
                       kMailDomains[(user / kFirstNames.size()) % kMailDomains.size()];
        if (pendingInvite)
            member.email =
                "invite-" + std::to_string(member.id) + "@" + kMailDomains[roll % kMailDomains.size()];
        out.push_back(std::move(member));
    }
    return out;
}

std::vector<DemoProject> DemoWorld::projects(const DemoOrg& org, std::size_t index) const
{
    const std::uint64_t h = hash(4, index);
    const int count = 1 + static_cast<int>(h % 3);
    std::vector<DemoProject> out;
    out.reserve(static_cast<std::size_t>(count));
    for (int p = 0; p < count; ++p) {
        DemoProject project;
        project.id = org.id * 100 + p;
        const std::size_t nameIndex = ((h >> 8) + static_cast<std::uint64_t>(p)) % kProjectNames.size();
        project.slug = kProjectNames[nameIndex];
        project.name = capitalised(kProjectNames[nameIndex]);
        project.platform = kPlatforms[(h >> (16 + p)) % kPlatforms.size()];
        project.teamId = org.id * 100 + p % org.teams;
        project.keyId = project.id * 10;
        const auto key = static_cast<std::uint64_t>(project.keyId);
        project.publicKey = hex128(hash(5, key, 1), hash(5, key, 2));
        project.secretKey = hex128(hash(6, key, 1), hash(6, key, 2));
        const int roll = static_cast<int>(hash(7, key) % 100);
        project.dsnFormat = roll < 12   ? DsnFormat::Legacy
                            : roll < 30 ? DsnFormat::OrgSubdomain
                                        : DsnFormat::Locality;
        project.issues = static_cast<int>((hash(8, key) % 3));
        out.push_back(std::move(project));
    }
    return out;
}

std::string DemoWorld::teamSlug(int team) const
{
    return kTeams[static_cast<std::size_t>(team) % kTeams.size()];
}

std::string DemoWorld::issueMessage(std::int64_t groupId) const
{
    return kIssues[hash(9, static_cast<std::uint64_t>(groupId)) % kIssues.size()];
}

std::vector<DemoWorld::DemoIntegration> DemoWorld::integrations() const
{
    const std::size_t count = std::max<std::size_t>(12, m_orgs / 100);
    std::vector<DemoIntegration> out;
    out.reserve(count);
    for (std::size_t i = 0; i < count; ++i) {
        const std::uint64_t h = hash(10, i);
        DemoIntegration integration;
        integration.id = static_cast<std::int64_t>(i) + 1;
        integration.provider = kProviders[i % kProviders.size()];
        integration.externalId = std::to_string(100000 + h % 900000) + "-" + toBase36(i);
        integration.name = std::string(integration.provider) + " installation " + std::to_string(i + 1);
        // Shared workspaces (a Slack team, a GitHub org) are installed on orgs in several cells.
        // Older integrations sit on older orgs: integration i picks among the first 100·(i+3) orgs,
        // so the early ones are the same in every world size (route check files rely on that).
        const std::size_t pool = std::min<std::size_t>(m_orgs, 100 * (i + 3));
        const int installs = 1 + static_cast<int>((h >> 20) % 4);
        for (int k = 0; k < installs; ++k) {
            const auto orgId =
                static_cast<std::int64_t>(hash(11, i, static_cast<std::uint64_t>(k)) % pool) + 1;
            if (std::any_of(integration.installations.begin(), integration.installations.end(),
                            [&](const auto& installation) { return installation.first == orgId; }))
                continue;
            const int status = (hash(12, i, static_cast<std::uint64_t>(k)) % 20 == 0) ? 1 : 0; // 1: DISABLED
            integration.installations.emplace_back(orgId, status);
        }
        out.push_back(std::move(integration));
    }
    return out;
}

} // namespace cellscope::demo
