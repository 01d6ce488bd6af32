#pragma once

#include "core/model/topology.h"
#include "core/snapshot/flat_index.h"
#include "core/snapshot/string_pool.h"

#include <array>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace cellscope {

// Records as the snapshot stores them: fixed-size, text in the snapshot's StringPool.
// 32 bytes each; a million-org snapshot holds a million.
struct OrganizationMapping
{
    std::int64_t id = 0;
    StrRef slug;
    StrRef name;
    std::uint32_t dateCreated = 0; // unix seconds (1970–2106)
    CellIndex cell = kNoCell;
    OrgStatus status = OrgStatus::Active;
};
static_assert(sizeof(OrganizationMapping) == 32);

// 24 bytes: a million-org world has three million of these. User ids fit 53 bits (Sentry's are
// sequential bigints far below that); the loader refuses larger ones.
struct MemberMapping
{
    std::int64_t organizationId = 0;
    std::int64_t userId : 53 = 0;      // 0: an invite by email with no user yet
    std::int64_t role : 9 = 0;         // index into Snapshot::roles()
    std::uint64_t inviteStatus : 2 = 0; // InviteStatus (unsigned: RequestedToJoin is 2)
    StrRef email;
};
static_assert(sizeof(MemberMapping) == 24);
inline constexpr std::int64_t kMaxUserId = (std::int64_t{1} << 52) - 1;

// A DSN public key. Sentry's keys are 32 lowercase hex digits (uuid4().hex); those are packed into
// 16 bytes. Any other text is kept in the pool and flagged, so foreign data still round-trips.
struct ProjectKey
{
    std::array<std::uint8_t, 16> packed{};
    std::int64_t projectId = 0;
    std::int64_t organizationId = 0;
    // Small fields share one 8-byte word (40 bytes a key; a million-org world has two million).
    CellIndex cell : 16 = kNoCell;
    DsnFormat dsnFormat : 2 = DsnFormat::Locality;
    bool packedHex : 1 = true;
    std::int64_t projectKeyId : 45 = 0;
};
static_assert(sizeof(ProjectKey) == 40);

struct SlugReservation
{
    StrRef slug;
    std::int64_t organizationId = 0;
    std::int64_t userId : 40 = 0; // Sentry writes -1 for reservations made by the system
    std::uint64_t type : 8 = 0;   // ReservationType
    std::uint64_t cell : 16 = kNoCell;
    ReservationType reservationType() const noexcept { return static_cast<ReservationType>(type); }
    CellIndex cellIndex() const noexcept { return static_cast<CellIndex>(cell); }
};
static_assert(sizeof(SlugReservation) == 24);

struct Integration
{
    std::int64_t id = 0;
    std::string provider;
    std::string externalId;
    std::string name;
    std::vector<std::int64_t> organizations; // active installations (sentry_organizationintegration)
};

struct SnapshotInfo
{
    int version = 1; // JSON format version
    std::string appHost = "sentry.io";
    std::string monolithCell; // SENTRY_MONOLITH_REGION
    std::string source;       // "postgresql://…", "file:…", "control-api:…"
    std::int64_t takenAt = 0; // unix seconds when the data was read
};

// The world, frozen: built once by a loader, never mutated, shared as shared_ptr<const Snapshot>.
// Every lookup is O(1) or O(log n) and allocation-free, so tracers and views can call it per keystroke.
class Snapshot
{
public:
    const SnapshotInfo& info() const noexcept { return m_info; }
    std::string_view text(StrRef ref) const noexcept { return m_pools[StringPool::poolOf(ref)].view(ref); }

    // Topology
    std::span<const Locality> localities() const noexcept { return m_localities; }
    std::span<const Cell> cells() const noexcept { return m_cells; }
    std::optional<CellIndex> findCell(std::string_view name) const noexcept;
    std::optional<std::size_t> findLocality(std::string_view name) const noexcept;
    const Locality* localityOfCell(CellIndex cell) const noexcept;
    std::optional<CellIndex> monolithCell() const noexcept;
    std::string_view cellName(CellIndex cell) const noexcept;

    // Organizations
    std::span<const OrganizationMapping> organizations() const noexcept { return m_orgs; }
    const OrganizationMapping& org(OrgIndex index) const noexcept { return m_orgs[index]; }
    std::string_view slug(OrgIndex index) const noexcept { return text(m_orgs[index].slug); }
    std::string_view name(OrgIndex index) const noexcept { return text(m_orgs[index].name); }
    std::optional<OrgIndex> findOrgById(std::int64_t id) const noexcept;
    std::optional<OrgIndex> findOrgBySlug(std::string_view slug) const noexcept;
    // get_cell_for_organization's rule: all decimal digits → id, otherwise slug.
    std::optional<OrgIndex> findOrg(std::string_view idOrSlug) const noexcept;
    std::size_t orgCountInCell(CellIndex cell) const noexcept { return m_orgsPerCell[cell]; }

    // Members
    std::span<const MemberMapping> members() const noexcept { return m_members; }
    std::span<const MemberIndex> membersOfOrg(OrgIndex index) const noexcept;
    std::span<const MemberIndex> membersOfUser(std::int64_t userId) const noexcept;
    std::vector<MemberIndex> membersWithEmail(std::string_view email) const; // case-insensitive scan
    std::span<const std::string> roles() const noexcept { return m_roles; }
    std::string_view role(const MemberMapping& member) const noexcept { return m_roles[member.role]; }

    // Project keys
    std::span<const ProjectKey> projectKeys() const noexcept { return m_keys; }
    std::string publicKey(KeyIndex index) const;
    std::optional<KeyIndex> findProjectKey(std::string_view publicKey) const noexcept;
    std::span<const KeyIndex> keysOfOrg(OrgIndex index) const noexcept;

    // Slug reservations, sorted by organization id
    std::span<const SlugReservation> slugReservations() const noexcept { return m_reservations; }
    std::span<const SlugReservation> reservationsOfOrg(std::int64_t organizationId) const noexcept;
    const SlugReservation* findReservation(std::string_view slug) const noexcept;

    // Integrations
    std::span<const Integration> integrations() const noexcept { return m_integrations; }
    const Integration* findIntegration(std::string_view provider, std::string_view externalId) const noexcept;
    const Integration* findIntegrationById(std::int64_t id) const noexcept;

private:
    friend class SnapshotBuilder;
    friend class BinarySnapshotCodec; // reads and writes the arrays below as they are (binary_snapshot.cpp)
    Snapshot() = default;
    void indexIntegrations(); // throws Error(BadInput) on a duplicate provider/external id

    // One pool per bulk table so that loader threads never share one (see SnapshotBuilder).
    enum Pool : std::uint32_t
    {
        kMiscPool,
        kOrgPool,
        kMemberPool,
        kKeyPool
    };
    SnapshotInfo m_info;
    std::array<StringPool, 4> m_pools{StringPool(kMiscPool), StringPool(kOrgPool), StringPool(kMemberPool),
                                      StringPool(kKeyPool)};
    std::vector<Locality> m_localities;
    std::vector<Cell> m_cells;
    std::vector<OrganizationMapping> m_orgs;
    std::vector<std::size_t> m_orgsPerCell;
    std::vector<MemberMapping> m_members;
    std::vector<std::string> m_roles;
    std::vector<ProjectKey> m_keys;
    std::vector<SlugReservation> m_reservations;
    std::vector<Integration> m_integrations;

    FlatIndex m_orgById;
    FlatIndex m_orgBySlug;
    FlatIndex m_keyByPublicKey;
    FlatIndex m_reservationBySlug;
    std::vector<std::uint32_t> m_orgMemberStart; // CSR: members of org i are [start[i], start[i+1])
    std::vector<MemberIndex> m_orgMembers;
    std::vector<MemberIndex> m_membersByUser; // sorted by userId
    std::vector<std::uint32_t> m_orgKeyStart;
    std::vector<KeyIndex> m_orgKeys;
    std::unordered_map<std::string, std::uint32_t> m_integrationByExternal; // "provider\x1fexternal"
};

using SnapshotPtr = std::shared_ptr<const Snapshot>;

// Collects records from a loader, then freezes them into a Snapshot with all its indexes.
// Loaders add localities and cells first; a cell name no configuration declares becomes an
// undeclared cell, so data from a real replica is never dropped.
//
// Threading: after the topology is added, addOrganization, addMember, addProjectKey and
// addSlugReservation may run concurrently with each other, each kind from one thread (each kind
// has its own records and string pool); cellIndex() is safe from any thread.
class SnapshotBuilder
{
public:
    SnapshotBuilder();

    SnapshotInfo& info() noexcept { return m_snapshot->m_info; }
    void reserve(std::size_t orgs, std::size_t members, std::size_t keys, std::size_t reservations = 0);

    void addLocality(Locality locality, std::span<const std::string> cellNames);
    CellIndex addCell(Cell cell);
    CellIndex cellIndex(std::string_view name); // finds or adds an undeclared cell

    void addOrganization(std::int64_t id, std::string_view slug, std::string_view name, CellIndex cell,
                         OrgStatus status, std::int64_t dateCreated);
    void addMember(std::int64_t organizationId, std::int64_t userId, std::string_view email,
                   std::string_view role, InviteStatus inviteStatus);
    void addProjectKey(std::string_view publicKey, CellIndex cell, std::int64_t projectKeyId,
                       std::int64_t projectId, std::int64_t organizationId, DsnFormat format);
    void addSlugReservation(std::string_view slug, std::int64_t organizationId, std::int64_t userId,
                            CellIndex cell, ReservationType type);
    void addIntegration(Integration integration);

    // Fills in a loaded key's project and organization (a control replica keeps them apart from the
    // key mapping). Needs indexProjectKeys() first; false when the key is unknown.
    bool annotateProjectKey(std::string_view publicKey, std::int64_t projectId, std::int64_t organizationId,
                            DsnFormat format);

    // Each table's indexes can be built by the thread that loaded it, as soon as it is loaded;
    // finish() builds whatever is still missing. They throw Error(BadInput) on a duplicate key.
    void indexOrganizations();
    void indexMembersByUser();
    void indexProjectKeys();
    // These two resolve organization ids: they build the organization index if it is missing, so
    // when they run on two threads at once, call indexOrganizations() before starting either.
    void indexMembersByOrganization();
    void indexProjectKeysByOrganization();

    // Builds the remaining indexes and checks uniqueness (org id, slug, public key); throws
    // Error(BadInput) naming the first duplicate. The builder is empty afterwards.
    SnapshotPtr finish();

private:
    std::uint8_t roleIndex(std::string_view role);

    std::unique_ptr<Snapshot> m_snapshot;
    bool m_orgsIndexed = false;
    bool m_membersIndexed = false;
    bool m_keysIndexed = false;
    bool m_membersByOrgIndexed = false;
    bool m_keysByOrgIndexed = false;
    std::mutex m_cellMutex;
    std::unordered_map<std::string, CellIndex> m_cellByName;
    std::vector<StrRef> m_emailOfUser; // dense user id → first email seen, to store each email once
    std::vector<std::vector<std::string>> m_localityCellNames;
};

// True when every character is an ASCII decimal digit (Python's str.isdecimal() for ASCII input).
bool isDecimalId(std::string_view text) noexcept;

} // namespace cellscope
