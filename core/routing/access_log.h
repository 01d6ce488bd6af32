#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace cellscope::routing {

// ---------------------------------------------------------------------------
// Fast, non-allocating splitter for access-log request targets.
//
// It does NOT normalise anything (no percent-decoding, no dot segments, no
// lowercasing); it only cuts the input into views. Accepted shapes:
//   * absolute `http://` / `https://` URLs (scheme case-insensitive), with
//     optional userinfo, a non-empty host (`[...]` for IPv6), optional digits-only
//     port, path, query and fragment;
//   * an origin-form target that starts with `/` (RFC 9112 absolute-path); `//x`
//     is a path here, as in an HTTP request line, not a scheme-relative URL.
// Any byte <= 0x20 or 0x7F makes the input unsplittable: a log token never
// contains raw whitespace or controls, so such input is garbage.
// ---------------------------------------------------------------------------
struct UrlView
{
    std::string_view scheme, username, password, host, portText, path, query, fragment;
    bool hasAuthority = false;
};

// Returns false (and leaves `out` empty) when the input cannot be split.
bool splitUrl(std::string_view input, UrlView& out) noexcept;

// The port a view addresses: its port text when present, else the scheme's
// default (80/443). nullopt for a bare path or an out-of-range port.
std::optional<std::uint16_t> effectivePort(const UrlView& view) noexcept;

} // namespace cellscope::routing
