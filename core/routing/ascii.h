#pragma once

// ASCII character tests shared by the access-log splitter (core/routing/access_log.cpp) and the WHATWG URL
// parser (core/routing/url.cpp). Locale-free on purpose: URL syntax is ASCII whatever the C locale says.

#include <cstddef>
#include <string_view>

namespace cellscope::routing {

constexpr bool isAsciiAlpha(int c) noexcept
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
constexpr bool isAsciiDigit(int c) noexcept
{
    return c >= '0' && c <= '9';
}
constexpr bool isAsciiHex(int c) noexcept
{
    return isAsciiDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
constexpr int hexValue(int c) noexcept
{
    if (isAsciiDigit(c))
        return c - '0';
    return (c | 0x20) - 'a' + 10;
}
constexpr char asciiLower(char c) noexcept
{
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
}

// ASCII case-insensitive equality; `lower` must already be lowercase.
constexpr bool asciiIEqualsLower(std::string_view text, std::string_view lower) noexcept
{
    if (text.size() != lower.size())
        return false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (asciiLower(text[i]) != lower[i])
            return false;
    }
    return true;
}

} // namespace cellscope::routing
