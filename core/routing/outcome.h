#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

// The closed vocabularies of a trace, shared by the tracer, replay and check files. Their names are
// part of the stable JSON (README "Trace JSON").
namespace cellscope::routing {

// Who takes a decision (see docs/routing.md, "The three ways into a cell").
enum class Component : std::uint8_t
{
    Synapse,
    IngestRouter,
    Relay,
    ApiGateway,
    IntegrationControl,
    Control,
    Cell
};

enum class Status : std::uint8_t
{
    Routed,
    Fanout,
    Pinned,
    Control,
    NotFound,
    Unroutable,
    Rejected
};
inline constexpr std::size_t kStatusCount = 7;

// Which silo finally serves the request; None serialises as null.
enum class OutcomeSilo : std::uint8_t
{
    None,
    Cell,
    Control
};

enum class WarningCode : std::uint8_t
{
    LocalityMismatch,
    PinnedMay404,
    LegacyDsnNoLocality,
    NonConformingEndpoint,
    PartialResults,
    DsnOrgMismatch,
    OrgRelocating,
    KnownIssue,
};
inline constexpr std::size_t kWarningCodeCount = 8;

std::string_view componentName(Component component) noexcept; // "synapse", "ingest-router", ...
std::string_view statusName(Status status) noexcept;          // "routed", "not_found", ...
std::optional<Status> parseStatus(std::string_view text) noexcept;
std::string_view outcomeSiloName(OutcomeSilo silo) noexcept; // "", "cell", "control"
std::string_view warningCodeName(WarningCode code) noexcept; // "locality_mismatch", ...
std::optional<WarningCode> parseWarningCode(std::string_view text) noexcept;

} // namespace cellscope::routing
