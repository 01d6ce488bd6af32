#include "core/routing/access_log.h"

#include "core/routing/byte_scan.h"
#include "core/util/ascii.h"

#include <algorithm>
#include <cstddef>

namespace cellscope::routing {

namespace {

std::optional<std::uint16_t> parsePortText(std::string_view text) noexcept
{
    if (text.empty())
        return std::nullopt;
    std::uint32_t value = 0;
    for (char c : text) {
        if (!isAsciiDigit(c))
            return std::nullopt;
        value = value * 10 + static_cast<std::uint32_t>(c - '0');
        if (value > 65535)
            return std::nullopt;
    }
    return static_cast<std::uint16_t>(value);
}

// Cuts input[i..] (what follows the authority, or a whole origin-form target) into path, query
// (after the first '?' before any '#') and fragment (after the first '#'); false on an invalid byte.
bool splitPathQueryFragment(std::string_view input, std::size_t i, UrlView& out) noexcept
{
    const std::size_t n = input.size();
    std::size_t at = scanTo<'?', '#'>(input, i);
    out.path = input.substr(i, at - i);
    if (at < n && input[at] == '?') {
        const std::size_t queryEnd = scanTo<'#'>(input, at + 1);
        out.query = input.substr(at + 1, queryEnd - at - 1);
        at = queryEnd;
    }
    if (at < n && input[at] == '#') {
        out.fragment = input.substr(at + 1);
        at = scanTo<>(input, at + 1);
    }
    return at == n;
}

// Length of an `http:` or `https:` scheme (ASCII case-insensitive) at the start of input, else 0.
std::size_t httpSchemeLength(std::string_view input) noexcept
{
    if (input.size() < 5 || !asciiIEqualsLower(input.substr(0, 4), "http"))
        return 0;
    if (input[4] == ':')
        return 4;
    return input.size() > 5 && asciiLower(input[4]) == 's' && input[5] == ':' ? 5 : 0;
}

bool splitUrlImpl(std::string_view input, UrlView& out) noexcept
{
    if (input.empty())
        return false;
    if (input.front() == '/')
        return splitPathQueryFragment(input, 0, out);
    const std::size_t schemeLength = httpSchemeLength(input);
    if (schemeLength == 0 || input.substr(schemeLength + 1, 2) != "//")
        return false;
    out.scheme = input.substr(0, schemeLength);
    out.hasAuthority = true;

    // The authority runs to the first '/', '?' or '#'. One pass notes its last '@' (userinfo ends
    // there), the first ':' overall (the userinfo's, when before that '@') and, after the last '@',
    // the first ':', '[' and ']' (the host's).
    constexpr std::size_t npos = std::string_view::npos;
    const std::size_t start = schemeLength + 3;
    std::size_t lastAt = npos, firstColon = npos, hostColon = npos, open = npos, close = npos;
    std::size_t end = start;
    for (;; ++end) {
        end = scanTo<'/', '?', '#', ':', '@', '[', ']'>(input, end);
        if (end == input.size())
            break;
        const char c = input[end];
        if (c == '@') {
            lastAt = end;
            hostColon = open = close = npos;
        } else if (c == ':') {
            firstColon = std::min(firstColon, end);
            hostColon = std::min(hostColon, end);
        } else if (c == '[') {
            open = std::min(open, end);
        } else if (c == ']') {
            close = std::min(close, end);
        } else if (c == '/' || c == '?' || c == '#') {
            break;
        } else {
            return false;
        }
    }

    if (lastAt != npos) {
        out.username = input.substr(start, std::min(firstColon, lastAt) - start);
        if (firstColon < lastAt)
            out.password = input.substr(firstColon + 1, lastAt - firstColon - 1);
    }
    const std::size_t hostStart = lastAt == npos ? start : lastAt + 1;
    std::size_t hostEnd = 0;
    if (hostStart < end && input[hostStart] == '[') {
        if (close == npos)
            return false;
        hostEnd = close + 1;
        if (hostEnd < end && input[hostEnd] != ':')
            return false;
    } else {
        hostEnd = std::min(hostColon, end);
        if (std::min(open, close) < hostEnd)
            return false;
    }
    if (hostEnd == hostStart)
        return false;
    out.host = input.substr(hostStart, hostEnd - hostStart);
    if (hostEnd < end) {
        out.portText = input.substr(hostEnd + 1, end - hostEnd - 1);
        for (char c : out.portText) {
            if (!isAsciiDigit(c))
                return false;
        }
    }
    return end == input.size() || splitPathQueryFragment(input, end, out);
}

} // namespace

bool splitUrl(std::string_view input, UrlView& out) noexcept
{
    // Field by field: GCC turns `out = UrlView{}` (136 bytes) into a `rep stos`, whose start-up cost
    // showed in replay profiles; these become plain vector stores.
    out.scheme = out.username = out.password = out.host = out.portText = {};
    out.path = out.query = out.fragment = {};
    out.hasAuthority = false;
    if (splitUrlImpl(input, out))
        return true;
    out = UrlView{};
    return false;
}

std::optional<std::uint16_t> effectivePort(const UrlView& view) noexcept
{
    if (!view.hasAuthority)
        return std::nullopt;
    if (!view.portText.empty())
        return parsePortText(view.portText);
    return asciiIEqualsLower(view.scheme, "https") ? std::uint16_t{443} : std::uint16_t{80};
}

} // namespace cellscope::routing
