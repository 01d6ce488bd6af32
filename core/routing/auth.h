#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace cellscope::routing {

// Sentry SDK authentication, parsed as the `sentry-types` crate does
// (getsentry/sentry-rust, sentry-types/src/auth.rs): from an `X-Sentry-Auth`
// header value or from a request's query string.
enum class AuthError
{
    NonSentryAuth,
    MissingPublicKey,
    InvalidVersion
};

std::string_view authErrorCode(AuthError error) noexcept;
std::string_view authErrorMessage(AuthError error) noexcept;

// sentry-types `protocol::LATEST`: the version assumed when none is given.
inline constexpr std::uint16_t kLatestProtocolVersion = 7;

struct Auth
{
    std::string publicKey;                          // sentry_key
    std::optional<std::string> secretKey;           // sentry_secret
    std::uint16_t version = kLatestProtocolVersion; // major part of sentry_version
    std::optional<std::string> clientAgent;         // sentry_client
    // sentry_timestamp in seconds since the Unix epoch, rounded to whole
    // nanoseconds as the crate's SystemTime holds it; an unparsable, negative or
    // out-of-range value yields nullopt, never an error (crate rule).
    std::optional<double> timestamp;

    bool isPublic() const noexcept { return !secretKey.has_value(); }
    // The crate's Display: "Sentry sentry_key=…, sentry_version=…[, sentry_timestamp=…]
    // [, sentry_client=…][, sentry_secret=…]".
    std::string toString() const;
};

struct AuthParseResult
{
    std::optional<Auth> auth;
    AuthError error{}; // meaningful only when !auth
};

// `Sentry sentry_key=…, sentry_version=…`: the prefix is everything before the
// first ' ' and must equal "sentry" ASCII case-insensitively; items are split on
// ',' then '=' (only the first two '=' pieces count) and Unicode-trimmed.
// Unknown keys are ignored; a repeated key keeps its last value; a bad
// sentry_version fails at once, before the missing-key check.
AuthParseResult parseAuthHeader(std::string_view header);

// Auth from an application/x-www-form-urlencoded query string (no leading '?').
AuthParseResult parseAuthQuery(std::string_view query);

// The effective (last) `sentry_key` value of a query string, form-decoded
// ('+' is a space, %XX decoded, invalid UTF-8 replaced by U+FFFD); nullopt when
// absent or empty, which the crate treats as MissingPublicKey. The result views
// `query` when the value needs no decoding; otherwise it is decoded into
// `scratch` (overwritten), which allocates only when its capacity is too small.
std::optional<std::string_view> findSentryKeyInQuery(std::string_view query, std::string& scratch);

} // namespace cellscope::routing
