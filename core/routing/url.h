#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace cellscope::routing {

// The access-log target splitter (UrlView, splitUrl) is in core/routing/access_log.h.

// ASCII case-insensitive equality; `lowerAscii` must already be lowercase.
bool hostEquals(std::string_view host, std::string_view lowerAscii) noexcept;

// True when `host` is `lowerAsciiDomain` or a subdomain of it (label-aware:
// "xsentry.io" is not within "sentry.io"). ASCII case-insensitive.
bool hostIsWithin(std::string_view host, std::string_view lowerAsciiDomain) noexcept;

// ---------------------------------------------------------------------------
// WHATWG URL parser (no base URL), matching the Rust `url` crate.
//
// Special schemes (http, https, ws, wss, ftp, file) and non-special schemes are
// parsed so that validity matches the crate. Deviations, all documented here:
//   * Input must be valid UTF-8 (a Rust &str always is) -> InvalidUtf8.
//   * Non-ASCII domains (after percent-decoding) are refused with
//     IdnaUnsupported instead of being mapped to punycode; no UTS #46 tables.
//     ASCII `xn--` labels are punycode-decoded and refused when malformed or
//     when they decode to nothing/ASCII only (UTS #46 rule), but the decoded
//     code points are not checked against the UTS #46 validity tables.
//   * Error kinds follow the crate's names, but where two checks both fail
//     (e.g. an `xn--` label and a bad port) the kind reported may differ.
// Crate behaviours kept although the spec differs: `^` is not percent-encoded
// in paths; `..` never removes a segment shaped like a Windows drive letter
// ("c:", "c|") in any scheme; `file:` paths lose all leading empty segments and
// keep the crate's drive-letter handling (see its expected_failures.txt).
// ---------------------------------------------------------------------------
enum class UrlError
{
    RelativeUrlWithoutBase,
    EmptyHost,
    InvalidPort,
    InvalidIpv4Address,
    InvalidIpv6Address,
    InvalidDomainCharacter,
    IdnaError,
    IdnaUnsupported,
    InvalidUtf8,
};

std::string_view urlErrorCode(UrlError error) noexcept;
std::string_view urlErrorMessage(UrlError error) noexcept;

struct Url
{
    std::string scheme;                // lowercase
    std::string username;              // percent-encoded (userinfo set)
    std::string password;              // percent-encoded; empty means "no password"
    std::string host;                  // ASCII domain, dotted IPv4, `[v6]`, or opaque host
    std::optional<std::uint16_t> port; // nullopt when absent or the scheme default
    std::string path;                  // percent-encoded, dot segments resolved
    std::string query;                 // without '?', meaningful when hasQuery
    std::string fragment;              // without '#', meaningful when hasFragment
    bool hasAuthority = false;         // serialised with "//" (host is non-null)
    bool hasQuery = false;
    bool hasFragment = false;

    // The URL serialiser (what the crate's `Url::as_str()` returns).
    std::string href() const;
};

struct UrlParseResult
{
    std::optional<Url> url;
    UrlError error{}; // meaningful only when !url
};

UrlParseResult parseUrl(std::string_view input);

// 80 for http/ws, 443 for https/wss, 21 for ftp; nullopt otherwise.
std::optional<std::uint16_t> defaultPortForScheme(std::string_view lowerScheme) noexcept;

// Small shared text helpers.
bool isValidUtf8(std::string_view text) noexcept;
// Appends `in` with every `%XX` (two hex digits) decoded; a `%` not followed by
// two hex digits is kept literally (WHATWG percent-decode). With plusAsSpace,
// `+` becomes a space first (application/x-www-form-urlencoded).
void appendPercentDecoded(std::string& out, std::string_view in, bool plusAsSpace = false);

} // namespace cellscope::routing
