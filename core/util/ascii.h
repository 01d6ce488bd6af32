#pragma once

// ASCII character tests for the parsers (URLs, DSNs and auth headers, Python and JSON backlog maps).
// Locale-free on purpose: their syntax is ASCII whatever the C locale says.

#include <cstddef>
#include <string_view>

namespace cellscope {

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
// The value of a hex digit, -1 for any other character (char16_t and char32_t fit: Qt's QChar).
constexpr int hexDigitValue(char32_t c) noexcept
{
    if (c >= '0' && c <= '9')
        return static_cast<int>(c - '0');
    if ((c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))
        return static_cast<int>((c | 0x20) - 'a' + 10);
    return -1;
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

} // namespace cellscope
