#include "core/model/topology.h"

#include <array>
#include <utility>

namespace cellscope {

namespace {

template <typename Enum, std::size_t N>
std::optional<Enum> lookup(const std::array<std::pair<std::string_view, Enum>, N>& table,
                           std::string_view text) noexcept
{
    for (const auto& [name, value] : table)
        if (name == text)
            return value;
    return std::nullopt;
}

template <typename Enum, std::size_t N>
std::string_view nameOf(const std::array<std::pair<std::string_view, Enum>, N>& table, Enum value) noexcept
{
    for (const auto& [name, candidate] : table)
        if (candidate == value)
            return name;
    return "unknown";
}

constexpr std::array<std::pair<std::string_view, CellCategory>, 2> kCategories{{
    {"MULTI_TENANT", CellCategory::MultiTenant},
    {"SINGLE_TENANT", CellCategory::SingleTenant},
}};

constexpr std::array<std::pair<std::string_view, OrgStatus>, 4> kStatuses{{
    {"active", OrgStatus::Active},
    {"pending_deletion", OrgStatus::PendingDeletion},
    {"deletion_in_progress", OrgStatus::DeletionInProgress},
    {"relocation_pending_approval", OrgStatus::RelocationPendingApproval},
}};

constexpr std::array<std::pair<std::string_view, ReservationType>, 3> kReservationTypes{{
    {"primary", ReservationType::Primary},
    {"vanity_alias", ReservationType::VanityAlias},
    {"temporary_rename_alias", ReservationType::TemporaryRenameAlias},
}};

constexpr std::array<std::pair<std::string_view, DsnFormat>, 3> kDsnFormats{{
    {"locality", DsnFormat::Locality},
    {"org_subdomain", DsnFormat::OrgSubdomain},
    {"legacy", DsnFormat::Legacy},
}};

} // namespace

std::string_view categoryName(CellCategory category) noexcept
{
    return nameOf(kCategories, category);
}
std::optional<CellCategory> parseCategory(std::string_view text) noexcept
{
    return lookup(kCategories, text);
}
std::string_view orgStatusName(OrgStatus status) noexcept
{
    return nameOf(kStatuses, status);
}
std::optional<OrgStatus> parseOrgStatus(std::string_view text) noexcept
{
    return lookup(kStatuses, text);
}
std::string_view reservationTypeName(ReservationType type) noexcept
{
    return nameOf(kReservationTypes, type);
}
std::optional<ReservationType> parseReservationType(std::string_view text) noexcept
{
    return lookup(kReservationTypes, text);
}
std::string_view dsnFormatName(DsnFormat format) noexcept
{
    return nameOf(kDsnFormats, format);
}
std::optional<DsnFormat> parseDsnFormat(std::string_view text) noexcept
{
    return lookup(kDsnFormats, text);
}

} // namespace cellscope
