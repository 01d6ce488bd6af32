#include "core/snapshot/snapshot.h"

#include "core/util/error.h"

#include <algorithm>
#include <cstring>
#include <numeric>

namespace cellscope {

namespace {

// Lowercase hex digit values; -1 for every other byte.
constexpr std::array<std::int8_t, 256> kHexValue = [] {
    std::array<std::int8_t, 256> table{};
    table.fill(-1);
    for (int c = '0'; c <= '9'; ++c)
        table[c] = static_cast<std::int8_t>(c - '0');
    for (int c = 'a'; c <= 'f'; ++c)
        table[c] = static_cast<std::int8_t>(c - 'a' + 10);
    return table;
}();

// Packs a 32-digit lowercase hex key into 16 bytes; false for anything else. Branch-free per digit
// (every lookup of a key runs it): a bad digit's -1 sets the sign bit that `bad` collects.
bool packHexKey(std::string_view key, std::array<std::uint8_t, 16>& out) noexcept
{
    if (key.size() != 32)
        return false;
    int bad = 0;
    for (std::size_t i = 0; i < 16; ++i) {
        const int hi = kHexValue[static_cast<unsigned char>(key[2 * i])];
        const int lo = kHexValue[static_cast<unsigned char>(key[2 * i + 1])];
        bad |= hi | lo;
        out[i] = static_cast<std::uint8_t>((hi & 15) << 4 | (lo & 15));
    }
    return bad >= 0;
}

StrRef unpackRef(const std::array<std::uint8_t, 16>& packed) noexcept
{
    StrRef ref;
    std::memcpy(&ref, packed.data(), sizeof ref);
    return ref;
}

bool equalsIgnoreCase(std::string_view a, std::string_view b) noexcept
{
    if (a.size() != b.size())
        return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        auto lower = [](char c) {
            return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c;
        };
        if (lower(a[i]) != lower(b[i]))
            return false;
    }
    return true;
}

std::string integrationKey(std::string_view provider, std::string_view externalId)
{
    std::string key(provider);
    key += '\x1f';
    key += externalId;
    return key;
}

// Counting sort of record indexes into CSR form: group g's entries are list[start[g], start[g+1]).
template <typename GroupOf>
void buildCsr(std::size_t groups, std::size_t records, GroupOf groupOf, std::vector<std::uint32_t>& start,
              std::vector<std::uint32_t>& list)
{
    start.assign(groups + 1, 0);
    for (std::size_t i = 0; i < records; ++i)
        if (auto g = groupOf(i))
            ++start[*g + 1];
    std::partial_sum(start.begin(), start.end(), start.begin());
    list.resize(start.back());
    std::vector<std::uint32_t> fill(start.begin(), start.end() - 1);
    for (std::size_t i = 0; i < records; ++i)
        if (auto g = groupOf(i))
            list[fill[*g]++] = static_cast<std::uint32_t>(i);
}

} // namespace

bool isDecimalId(std::string_view text) noexcept
{
    return !text.empty() &&
           std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// ---- Snapshot queries -------------------------------------------------------------------------

std::optional<CellIndex> Snapshot::findCell(std::string_view name) const noexcept
{
    for (std::size_t i = 0; i < m_cells.size(); ++i)
        if (m_cells[i].name == name)
            return static_cast<CellIndex>(i);
    return std::nullopt;
}

std::optional<std::size_t> Snapshot::findLocality(std::string_view name) const noexcept
{
    for (std::size_t i = 0; i < m_localities.size(); ++i)
        if (m_localities[i].name == name)
            return i;
    return std::nullopt;
}

const Locality* Snapshot::localityOfCell(CellIndex cell) const noexcept
{
    if (cell >= m_cells.size())
        return nullptr;
    for (const auto& locality : m_localities)
        if (locality.name == m_cells[cell].locality)
            return &locality;
    return nullptr;
}

std::optional<CellIndex> Snapshot::monolithCell() const noexcept
{
    for (std::size_t i = 0; i < m_cells.size(); ++i)
        if (m_cells[i].monolith)
            return static_cast<CellIndex>(i);
    return std::nullopt;
}

std::string_view Snapshot::cellName(CellIndex cell) const noexcept
{
    return cell < m_cells.size() ? std::string_view(m_cells[cell].name) : std::string_view();
}

std::optional<OrgIndex> Snapshot::findOrgById(std::int64_t id) const noexcept
{
    return m_orgById.find(mixHash(static_cast<std::uint64_t>(id)),
                          [&](std::uint32_t i) { return m_orgs[i].id == id; });
}

std::optional<OrgIndex> Snapshot::findOrgBySlug(std::string_view slug) const noexcept
{
    return m_orgBySlug.find(textHash(slug), [&](std::uint32_t i) { return text(m_orgs[i].slug) == slug; });
}

std::optional<OrgIndex> Snapshot::findOrg(std::string_view idOrSlug) const noexcept
{
    if (isDecimalId(idOrSlug)) {
        if (idOrSlug.size() > 19)
            return std::nullopt;
        std::int64_t id = 0;
        for (char c : idOrSlug) {
            const std::int64_t digit = c - '0';
            if (id > (INT64_MAX - digit) / 10)
                return std::nullopt;
            id = id * 10 + digit;
        }
        return findOrgById(id);
    }
    return findOrgBySlug(idOrSlug);
}

std::span<const MemberIndex> Snapshot::membersOfOrg(OrgIndex index) const noexcept
{
    if (index + 1 >= m_orgMemberStart.size())
        return {};
    return std::span<const MemberIndex>(m_orgMembers)
        .subspan(m_orgMemberStart[index], m_orgMemberStart[index + 1] - m_orgMemberStart[index]);
}

std::span<const MemberIndex> Snapshot::membersOfUser(std::int64_t userId) const noexcept
{
    const auto byUser = [&](MemberIndex m, std::int64_t id) {
        return m_members[m].userId < id;
    };
    const auto first = std::lower_bound(m_membersByUser.begin(), m_membersByUser.end(), userId, byUser);
    auto last = first;
    while (last != m_membersByUser.end() && m_members[*last].userId == userId)
        ++last;
    return {first, last};
}

std::vector<MemberIndex> Snapshot::membersWithEmail(std::string_view email) const
{
    std::vector<MemberIndex> found;
    for (std::size_t i = 0; i < m_members.size(); ++i)
        if (equalsIgnoreCase(text(m_members[i].email), email))
            found.push_back(static_cast<MemberIndex>(i));
    return found;
}

std::string Snapshot::publicKey(KeyIndex index) const
{
    const ProjectKey& key = m_keys[index];
    if (!key.packedHex)
        return std::string(text(unpackRef(key.packed)));
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string out(32, '0');
    for (std::size_t i = 0; i < 16; ++i) {
        out[2 * i] = kDigits[key.packed[i] >> 4];
        out[2 * i + 1] = kDigits[key.packed[i] & 0xF];
    }
    return out;
}

std::optional<KeyIndex> Snapshot::findProjectKey(std::string_view publicKey) const noexcept
{
    std::array<std::uint8_t, 16> packed{};
    if (packHexKey(publicKey, packed)) {
        const std::uint64_t hash = textHash({reinterpret_cast<const char*>(packed.data()), packed.size()});
        return m_keyByPublicKey.find(
            hash, [&](std::uint32_t i) { return m_keys[i].packedHex && m_keys[i].packed == packed; });
    }
    return m_keyByPublicKey.find(textHash(publicKey), [&](std::uint32_t i) {
        return !m_keys[i].packedHex && text(unpackRef(m_keys[i].packed)) == publicKey;
    });
}

std::span<const KeyIndex> Snapshot::keysOfOrg(OrgIndex index) const noexcept
{
    if (index + 1 >= m_orgKeyStart.size())
        return {};
    return std::span<const KeyIndex>(m_orgKeys).subspan(m_orgKeyStart[index],
                                                        m_orgKeyStart[index + 1] - m_orgKeyStart[index]);
}

std::span<const SlugReservation> Snapshot::reservationsOfOrg(std::int64_t organizationId) const noexcept
{
    const auto range = std::equal_range(
        m_reservations.begin(), m_reservations.end(), organizationId, [](const auto& a, const auto& b) {
            if constexpr (std::is_same_v<std::decay_t<decltype(a)>, SlugReservation>)
                return a.organizationId < b;
            else
                return a < b.organizationId;
        });
    return {range.first, range.second};
}

const SlugReservation* Snapshot::findReservation(std::string_view slug) const noexcept
{
    const auto found = m_reservationBySlug.find(
        textHash(slug), [&](std::uint32_t i) { return text(m_reservations[i].slug) == slug; });
    return found ? &m_reservations[*found] : nullptr;
}

const Integration* Snapshot::findIntegration(std::string_view provider,
                                             std::string_view externalId) const noexcept
{
    const auto it = m_integrationByExternal.find(integrationKey(provider, externalId));
    return it == m_integrationByExternal.end() ? nullptr : &m_integrations[it->second];
}

const Integration* Snapshot::findIntegrationById(std::int64_t id) const noexcept
{
    for (const auto& integration : m_integrations)
        if (integration.id == id)
            return &integration;
    return nullptr;
}

void Snapshot::indexIntegrations()
{
    m_integrationByExternal.clear();
    for (std::uint32_t i = 0; i < m_integrations.size(); ++i) {
        const auto& integration = m_integrations[i];
        if (!m_integrationByExternal.emplace(integrationKey(integration.provider, integration.externalId), i)
                 .second)
            fail(ErrorCode::BadInput,
                 "integration " + integration.provider + "/" + integration.externalId + " appears twice");
    }
}

// ---- Builder ----------------------------------------------------------------------------------

SnapshotBuilder::SnapshotBuilder() : m_snapshot(new Snapshot) {}

void SnapshotBuilder::reserve(std::size_t orgs, std::size_t members, std::size_t keys,
                              std::size_t reservations)
{
    m_snapshot->m_orgs.reserve(orgs);
    m_snapshot->m_members.reserve(members);
    m_snapshot->m_keys.reserve(keys);
    m_snapshot->m_reservations.reserve(reservations);
}

void SnapshotBuilder::addLocality(Locality locality, std::span<const std::string> cellNames)
{
    locality.cells.clear();
    m_localityCellNames.emplace_back(cellNames.begin(), cellNames.end());
    m_snapshot->m_localities.push_back(std::move(locality));
}

CellIndex SnapshotBuilder::addCell(Cell cell)
{
    std::lock_guard lock(m_cellMutex);
    if (auto it = m_cellByName.find(cell.name); it != m_cellByName.end()) {
        // A declaration arriving after rows that referenced the name completes the undeclared cell.
        Cell& existing = m_snapshot->m_cells[it->second];
        if (existing.declared)
            fail(ErrorCode::BadInput, "cell '" + cell.name + "' is defined twice");
        existing = std::move(cell);
        return it->second;
    }
    if (m_snapshot->m_cells.size() >= kNoCell)
        fail(ErrorCode::BadInput, "too many cells");
    const auto index = static_cast<CellIndex>(m_snapshot->m_cells.size());
    m_cellByName.emplace(cell.name, index);
    m_snapshot->m_cells.push_back(std::move(cell));
    return index;
}

CellIndex SnapshotBuilder::cellIndex(std::string_view name)
{
    {
        std::lock_guard lock(m_cellMutex);
        if (auto it = m_cellByName.find(std::string(name)); it != m_cellByName.end())
            return it->second;
    }
    Cell cell;
    cell.name = std::string(name);
    cell.declared = false;
    return addCell(std::move(cell));
}

std::uint8_t SnapshotBuilder::roleIndex(std::string_view role)
{
    auto& roles = m_snapshot->m_roles;
    for (std::size_t i = 0; i < roles.size(); ++i)
        if (roles[i] == role)
            return static_cast<std::uint8_t>(i);
    if (roles.size() == 255)
        fail(ErrorCode::BadInput, "more than 255 distinct member roles");
    roles.emplace_back(role);
    return static_cast<std::uint8_t>(roles.size() - 1);
}

void SnapshotBuilder::addOrganization(std::int64_t id, std::string_view slug, std::string_view name,
                                      CellIndex cell, OrgStatus status, std::int64_t dateCreated)
{
    auto& s = *m_snapshot;
    if (dateCreated < 0 || dateCreated > std::int64_t{UINT32_MAX})
        fail(ErrorCode::BadInput,
             "organization " + std::to_string(id) + " has a creation date outside 1970–2106");
    auto& pool = s.m_pools[Snapshot::kOrgPool];
    s.m_orgs.push_back(
        {id, pool.add(slug), pool.add(name), static_cast<std::uint32_t>(dateCreated), cell, status});
}

void SnapshotBuilder::addMember(std::int64_t organizationId, std::int64_t userId, std::string_view email,
                                std::string_view role, InviteStatus inviteStatus)
{
    auto& s = *m_snapshot;
    if (userId < 0 || userId > kMaxUserId)
        fail(ErrorCode::BadInput, "user id " + std::to_string(userId) + " is out of the supported range");
    MemberMapping member;
    member.organizationId = organizationId;
    member.userId = userId;
    member.role = roleIndex(role);
    member.inviteStatus = static_cast<std::uint64_t>(inviteStatus);
    // A user's email repeats in every membership; with dense user ids (Sentry's are sequential) keep
    // one copy per user. The table grows with the largest id seen, bounded relative to the rows.
    auto& pool = s.m_pools[Snapshot::kMemberPool];
    const auto user = static_cast<std::size_t>(userId);
    if (userId > 0 && user < 4 * s.m_members.capacity() + 1024) {
        if (user >= m_emailOfUser.size())
            m_emailOfUser.resize(std::max(user + 1, m_emailOfUser.size() * 3 / 2));
        StrRef& known = m_emailOfUser[user];
        if (known.length == 0 || s.text(known) != email)
            known = pool.add(email);
        member.email = known;
    } else {
        member.email = pool.add(email);
    }
    s.m_members.push_back(member);
}

void SnapshotBuilder::addProjectKey(std::string_view publicKey, CellIndex cell, std::int64_t projectKeyId,
                                    std::int64_t projectId, std::int64_t organizationId, DsnFormat format)
{
    auto& s = *m_snapshot;
    ProjectKey key;
    key.packedHex = packHexKey(publicKey, key.packed);
    if (!key.packedHex) {
        const StrRef ref = s.m_pools[Snapshot::kKeyPool].add(publicKey);
        std::memcpy(key.packed.data(), &ref, sizeof ref);
    }
    if (projectKeyId < 0 || projectKeyId >= (std::int64_t{1} << 44))
        fail(ErrorCode::BadInput,
             "project key id " + std::to_string(projectKeyId) + " is out of the supported range");
    key.projectKeyId = projectKeyId;
    key.projectId = projectId;
    key.organizationId = organizationId;
    key.cell = cell;
    key.dsnFormat = format;
    s.m_keys.push_back(key);
}

void SnapshotBuilder::addSlugReservation(std::string_view slug, std::int64_t organizationId,
                                         std::int64_t userId, CellIndex cell, ReservationType type)
{
    auto& s = *m_snapshot;
    SlugReservation reservation;
    reservation.slug = s.m_pools[Snapshot::kMiscPool].add(slug);
    reservation.organizationId = organizationId;
    reservation.userId = userId;
    reservation.type = static_cast<std::uint64_t>(type);
    reservation.cell = cell;
    s.m_reservations.push_back(reservation);
}

void SnapshotBuilder::addIntegration(Integration integration)
{
    m_snapshot->m_integrations.push_back(std::move(integration));
}

void SnapshotBuilder::indexOrganizations()
{
    if (m_orgsIndexed)
        return;
    Snapshot& s = *m_snapshot;
    s.m_orgById.reset(s.m_orgs.size());
    s.m_orgBySlug.reset(s.m_orgs.size());
    for (std::uint32_t i = 0; i < s.m_orgs.size(); ++i) {
        const auto& org = s.m_orgs[i];
        if (s.m_orgById.insert(mixHash(static_cast<std::uint64_t>(org.id)), i,
                               [&](std::uint32_t j) { return s.m_orgs[j].id == org.id; }))
            fail(ErrorCode::BadInput, "organization id " + std::to_string(org.id) + " appears twice");
        const std::string_view slug = s.text(org.slug);
        if (s.m_orgBySlug.insert(textHash(slug), i,
                                 [&](std::uint32_t j) { return s.text(s.m_orgs[j].slug) == slug; }))
            fail(ErrorCode::BadInput, "organization slug '" + std::string(slug) + "' appears twice");
    }
    m_orgsIndexed = true;
}

void SnapshotBuilder::indexMembersByUser()
{
    if (m_membersIndexed)
        return;
    Snapshot& s = *m_snapshot;
    std::int64_t maxUser = 0;
    for (const auto& member : s.m_members)
        maxUser = std::max<std::int64_t>(maxUser, member.userId);
    if (static_cast<std::uint64_t>(maxUser) <= 4 * s.m_members.size() + 1024) {
        // Dense ids (Sentry's are sequential): a counting sort is linear and stable.
        std::vector<std::uint32_t> start;
        buildCsr(
            static_cast<std::size_t>(maxUser) + 1, s.m_members.size(),
            [&](std::size_t i) { return std::optional(static_cast<std::uint32_t>(s.m_members[i].userId)); },
            start, s.m_membersByUser);
    } else {
        s.m_membersByUser.resize(s.m_members.size());
        std::iota(s.m_membersByUser.begin(), s.m_membersByUser.end(), 0u);
        std::stable_sort(
            s.m_membersByUser.begin(), s.m_membersByUser.end(),
            [&](MemberIndex a, MemberIndex b) { return s.m_members[a].userId < s.m_members[b].userId; });
    }
    m_membersIndexed = true;
}

void SnapshotBuilder::indexMembersByOrganization()
{
    if (m_membersByOrgIndexed)
        return;
    indexOrganizations();
    Snapshot& s = *m_snapshot;
    buildCsr(
        s.m_orgs.size(), s.m_members.size(),
        [&](std::size_t i) -> std::optional<std::uint32_t> {
            return s.findOrgById(s.m_members[i].organizationId);
        },
        s.m_orgMemberStart, s.m_orgMembers);
    m_membersByOrgIndexed = true;
}

void SnapshotBuilder::indexProjectKeysByOrganization()
{
    if (m_keysByOrgIndexed)
        return;
    indexOrganizations();
    Snapshot& s = *m_snapshot;
    buildCsr(
        s.m_orgs.size(), s.m_keys.size(),
        [&](std::size_t i) -> std::optional<std::uint32_t> {
            return s.findOrgById(s.m_keys[i].organizationId);
        },
        s.m_orgKeyStart, s.m_orgKeys);
    m_keysByOrgIndexed = true;
}

void SnapshotBuilder::indexProjectKeys()
{
    if (m_keysIndexed)
        return;
    Snapshot& s = *m_snapshot;
    s.m_keyByPublicKey.reset(s.m_keys.size());
    for (std::uint32_t i = 0; i < s.m_keys.size(); ++i) {
        const ProjectKey& key = s.m_keys[i];
        const bool duplicate =
            key.packedHex
                ? s.m_keyByPublicKey
                      .insert(textHash({reinterpret_cast<const char*>(key.packed.data()), key.packed.size()}),
                              i,
                              [&](std::uint32_t j) {
                                  return s.m_keys[j].packedHex && s.m_keys[j].packed == key.packed;
                              })
                      .has_value()
                : s.m_keyByPublicKey
                      .insert(textHash(s.text(unpackRef(key.packed))), i,
                              [&](std::uint32_t j) {
                                  return !s.m_keys[j].packedHex && s.text(unpackRef(s.m_keys[j].packed)) ==
                                                                       s.text(unpackRef(key.packed));
                              })
                      .has_value();
        if (duplicate)
            fail(ErrorCode::BadInput, "public key " + s.publicKey(i) + " appears twice");
    }
    m_keysIndexed = true;
}

bool SnapshotBuilder::annotateProjectKey(std::string_view publicKey, std::int64_t projectId,
                                         std::int64_t organizationId, DsnFormat format)
{
    const auto found = m_snapshot->findProjectKey(publicKey);
    if (!found)
        return false;
    ProjectKey& key = m_snapshot->m_keys[*found];
    key.projectId = projectId;
    key.organizationId = organizationId;
    key.dsnFormat = format;
    return true;
}

SnapshotPtr SnapshotBuilder::finish()
{
    Snapshot& s = *m_snapshot;

    // Localities know their cells by index; cells know their locality by name.
    for (std::size_t l = 0; l < s.m_localities.size(); ++l) {
        Locality& locality = s.m_localities[l];
        for (const std::string& cellName : m_localityCellNames[l]) {
            auto it = m_cellByName.find(cellName);
            if (it == m_cellByName.end())
                fail(ErrorCode::BadInput,
                     "locality '" + locality.name + "' names cell '" + cellName + "', which is not defined");
            Cell& cell = s.m_cells[it->second];
            if (!cell.locality.empty() && cell.locality != locality.name)
                fail(ErrorCode::BadInput, "cell '" + cellName + "' belongs to two localities ('" +
                                              cell.locality + "' and '" + locality.name + "')");
            cell.locality = locality.name;
            locality.cells.push_back(it->second);
        }
    }
    for (Cell& cell : s.m_cells)
        cell.monolith =
            cell.monolith || (!s.m_info.monolithCell.empty() && cell.name == s.m_info.monolithCell);

    indexOrganizations();
    s.m_orgsPerCell.assign(s.m_cells.size(), 0);
    for (const auto& org : s.m_orgs)
        ++s.m_orgsPerCell[org.cell];

    indexMembersByOrganization();
    indexMembersByUser();
    indexProjectKeys();
    indexProjectKeysByOrganization();

    std::stable_sort(s.m_reservations.begin(), s.m_reservations.end(),
                     [](const auto& a, const auto& b) { return a.organizationId < b.organizationId; });
    s.m_reservationBySlug.reset(s.m_reservations.size());
    for (std::uint32_t i = 0; i < s.m_reservations.size(); ++i) {
        const std::string_view slug = s.text(s.m_reservations[i].slug);
        if (s.m_reservationBySlug.insert(
                textHash(slug), i, [&](std::uint32_t j) { return s.text(s.m_reservations[j].slug) == slug; }))
            fail(ErrorCode::BadInput, "slug reservation '" + std::string(slug) + "' appears twice");
    }

    s.indexIntegrations();

    m_cellByName.clear();
    m_localityCellNames.clear();
    m_emailOfUser = {};
    m_orgsIndexed = m_membersIndexed = m_keysIndexed = m_membersByOrgIndexed = m_keysByOrgIndexed = false;
    SnapshotPtr frozen(m_snapshot.release());
    m_snapshot.reset(new Snapshot);
    return frozen;
}

} // namespace cellscope
