#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

// Plain value types named after Sentry's own concepts (see docs/cell-model.md). They carry no behaviour
// beyond name conversions; the Snapshot owns and indexes them.
namespace cellscope {

using CellIndex = std::uint16_t;
inline constexpr CellIndex kNoCell = 0xFFFF;
using OrgIndex = std::uint32_t;
using MemberIndex = std::uint32_t;
using KeyIndex = std::uint32_t;

// Sentry's RegionCategory.
enum class CellCategory : std::uint8_t
{
    MultiTenant,
    SingleTenant
};
std::string_view categoryName(CellCategory category) noexcept; // "MULTI_TENANT" / "SINGLE_TENANT"
std::optional<CellCategory> parseCategory(std::string_view text) noexcept;

// Sentry's OrganizationStatus values (stored as integers in sentry_organizationmapping.status).
enum class OrgStatus : std::int16_t
{
    Active = 0,
    PendingDeletion = 1,
    DeletionInProgress = 2,
    RelocationPendingApproval = 3,
};
std::string_view orgStatusName(OrgStatus status) noexcept; // "active", "pending_deletion", ...
std::optional<OrgStatus> parseOrgStatus(std::string_view text) noexcept;

// OrganizationMemberMapping.invite_status.
enum class InviteStatus : std::uint8_t
{
    Approved = 0,
    RequestedToBeInvited = 1,
    RequestedToJoin = 2
};

// OrganizationSlugReservationType.
enum class ReservationType : std::uint8_t
{
    Primary = 0,
    VanityAlias = 1,
    TemporaryRenameAlias = 2
};
std::string_view reservationTypeName(ReservationType type) noexcept; // "primary", "vanity_alias", ...
std::optional<ReservationType> parseReservationType(std::string_view text) noexcept;

// How a project key's DSN host was issued (see docs/dsn.md): it decides whether the error-embed
// widget can find the cell from the DSN alone.
enum class DsnFormat : std::uint8_t
{
    Locality,     // https://key@o{org}.ingest.{locality}.{app_host}/{project}
    OrgSubdomain, // legacy https://key@o{org}.ingest.{app_host}/{project}
    Legacy,       // legacy https://key@{app_host}/{project}
};
std::string_view dsnFormatName(DsnFormat format) noexcept; // "locality", "org_subdomain", "legacy"
std::optional<DsnFormat> parseDsnFormat(std::string_view text) noexcept;

// A cell: one complete Sentry deployment (SENTRY_CELLS entry).
struct Cell
{
    std::string name;
    std::string locality; // empty only for a cell named by data but absent from the configuration
    std::int64_t snowflakeId = 0;
    std::string address;
    CellCategory category = CellCategory::MultiTenant;
    bool visible = true;
    bool monolith = false; // is_historic_monolith_region()
    bool declared = true;  // false: referenced by a mapping row but not configured
};

// A locality: a named group of cells, a data-residency zone or a single-tenant deployment.
struct Locality
{
    std::string name;
    CellCategory category = CellCategory::MultiTenant;
    std::vector<CellIndex> cells;
    std::string newOrgCell;
    bool visible = true;
};

} // namespace cellscope
