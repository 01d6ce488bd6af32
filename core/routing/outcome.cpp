#include "core/routing/outcome.h"

#include <array>

namespace cellscope::routing {

namespace {

constexpr std::array<std::string_view, kStatusCount> kStatusNames = {
    "routed", "fanout", "pinned", "control", "not_found", "unroutable", "rejected"};

constexpr std::array<std::string_view, kWarningCodeCount> kWarningNames = {
    "locality_mismatch", "pinned_may_404",   "legacy_dsn_no_locality", "non_conforming_endpoint",
    "partial_results",   "dsn_org_mismatch", "org_relocating",         "known_issue"};

} // namespace

std::string_view componentName(Component component) noexcept
{
    switch (component) {
    case Component::Synapse:
        return "synapse";
    case Component::IngestRouter:
        return "ingest-router";
    case Component::Relay:
        return "relay";
    case Component::ApiGateway:
        return "api-gateway";
    case Component::IntegrationControl:
        return "integration-control";
    case Component::Control:
        return "control";
    case Component::Cell:
        return "cell";
    }
    return "control";
}

std::string_view statusName(Status status) noexcept
{
    return kStatusNames[static_cast<std::size_t>(status)];
}

std::optional<Status> parseStatus(std::string_view text) noexcept
{
    for (std::size_t i = 0; i < kStatusNames.size(); ++i)
        if (kStatusNames[i] == text)
            return static_cast<Status>(i);
    return std::nullopt;
}

std::string_view outcomeSiloName(OutcomeSilo silo) noexcept
{
    switch (silo) {
    case OutcomeSilo::Cell:
        return "cell";
    case OutcomeSilo::Control:
        return "control";
    case OutcomeSilo::None:
        break;
    }
    return {};
}

std::string_view warningCodeName(WarningCode code) noexcept
{
    return kWarningNames[static_cast<std::size_t>(code)];
}

std::optional<WarningCode> parseWarningCode(std::string_view text) noexcept
{
    for (std::size_t i = 0; i < kWarningNames.size(); ++i)
        if (kWarningNames[i] == text)
            return static_cast<WarningCode>(i);
    return std::nullopt;
}

} // namespace cellscope::routing
