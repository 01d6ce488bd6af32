#pragma once

#include "core/routing/url.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace cellscope::routing {

// A Sentry DSN, parsed exactly as the `sentry-types` crate (getsentry/sentry-rust,
// sentry-types/src/dsn.rs and project_id.rs) parses it, which is what Relay uses.
enum class DsnError
{
    InvalidUrl,
    NoProjectId,
    NoUsername,
    InvalidScheme,
    InvalidProjectId
};

std::string_view dsnErrorCode(DsnError error) noexcept;
std::string_view dsnErrorMessage(DsnError error) noexcept;

struct Dsn
{
    std::string scheme; // "http" | "https"
    std::string publicKey;
    std::optional<std::string> secretKey;
    std::string host;
    std::optional<std::uint16_t> port; // nullopt when absent or the scheme default
    std::string path;                  // "/" or "/{rest}/"
    std::string projectId;             // any non-empty string (newer ProjectId rule)

    std::uint16_t effectivePort() const noexcept;
    // The crate's Display: scheme://public:[secret]@host[:port]{path}{project}.
    std::string toString() const;
    // The crate's org_id(): o<digits>.ingest.sentry.io or
    // o<digits>.ingest.<label>.sentry.io, digits fitting in u64.
    std::optional<std::uint64_t> orgId() const noexcept;
    std::string storeUrl() const;
    std::string envelopeUrl() const;
};

struct DsnParseResult
{
    std::optional<Dsn> dsn;
    DsnError error{};                 // meaningful only when !dsn
    std::optional<UrlError> urlError; // why the URL parser refused (error == InvalidUrl)
};

DsnParseResult parseDsn(std::string_view text);

// For routing an error-embed request: the cell label a DSN host names relative
// to the app host (the netloc of `system.url-prefix`, e.g. "sentry.io"). Mirrors
// the API gateway's ErrorEmbedResolver: plain, case-sensitive suffix test, then
// the label at index -(labels(appHost) + 1) when the host has at least 3 more
// dot-separated labels than appHost ("o1.ingest.de.sentry.io" -> "de").
// nullopt when the host does not end with appHost (the gateway does not proxy)
// or has fewer extra labels (legacy DSN: the gateway uses the monolith cell).
std::optional<std::string> dsnHostLabelBeforeAppHost(std::string_view host, std::string_view appHost);

} // namespace cellscope::routing
