#include "core/routing/access_log.h"

#include "core/util/ascii.h"

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstring>

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

// Byte classes of the splitter: which bytes end a part of a target, and which may not appear at all.
enum SplitClass : std::uint8_t
{
    kInvalid = 1, // <= 0x20 or 0x7F: a log token never holds raw whitespace or controls
    kSlash = 2,
    kQuestion = 4,
    kHash = 8,
    kColon = 16,
    kAt = 32,
    kBracket = 64,
};

constexpr std::array<std::uint8_t, 256> kSplitClass = [] {
    std::array<std::uint8_t, 256> table{};
    for (int c = 0; c <= 0x20; ++c)
        table[c] = kInvalid;
    table[0x7F] = kInvalid;
    table['/'] = kSlash;
    table['?'] = kQuestion;
    table['#'] = kHash;
    table[':'] = kColon;
    table['@'] = kAt;
    table['['] = table[']'] = kBracket;
    return table;
}();

// Whether one of the 8 bytes of `word` is invalid or of a class in Stop. Each test is the classic
// "has a byte below n" / "has a zero byte" trick, exact for the word as a whole in any byte order.
template <std::uint8_t Stop>
constexpr bool wordHasStop(std::uint64_t word) noexcept
{
    constexpr std::uint64_t kOnes = 0x0101010101010101ULL, kHigh = kOnes * 0x80;
    const auto hasByte = [word](unsigned char c) {
        const std::uint64_t x = word ^ (kOnes * c);
        return (x - kOnes) & ~x & kHigh;
    };
    std::uint64_t hit = ((word - kOnes * 0x21) & ~word & kHigh) | hasByte(0x7F);
    if constexpr ((Stop & kSlash) != 0)
        hit |= hasByte('/');
    if constexpr ((Stop & kQuestion) != 0)
        hit |= hasByte('?');
    if constexpr ((Stop & kHash) != 0)
        hit |= hasByte('#');
    if constexpr ((Stop & kColon) != 0)
        hit |= hasByte(':');
    if constexpr ((Stop & kAt) != 0)
        hit |= hasByte('@');
    if constexpr ((Stop & kBracket) != 0)
        hit |= hasByte('[') | hasByte(']');
    return hit != 0;
}

// The first position from `i` whose byte is invalid or of a class in Stop; input.size() if none.
// Plain bytes are skipped a word at a time, the word that holds a stop is then read byte by byte:
// this one pass replaces a memchr per byte (find_first_of) plus a separate control-character pass.
template <std::uint8_t Stop>
std::size_t scanTo(std::string_view input, std::size_t i) noexcept
{
    for (std::uint64_t word = 0; i + 8 <= input.size(); i += 8) {
        std::memcpy(&word, input.data() + i, sizeof word);
        if (wordHasStop<Stop>(word))
            break;
    }
    while (i < input.size() && (kSplitClass[static_cast<unsigned char>(input[i])] & (Stop | kInvalid)) == 0)
        ++i;
    return i;
}

// Cuts input[i..] (what follows the authority, or a whole origin-form target) into path, query
// (after the first '?' before any '#') and fragment (after the first '#'); false on an invalid byte.
bool splitPathQueryFragment(std::string_view input, std::size_t i, UrlView& out) noexcept
{
    const std::size_t n = input.size();
    std::size_t at = scanTo<kQuestion | kHash>(input, i);
    out.path = input.substr(i, at - i);
    if (at < n && input[at] == '?') {
        const std::size_t queryEnd = scanTo<kHash>(input, at + 1);
        out.query = input.substr(at + 1, queryEnd - at - 1);
        at = queryEnd;
    }
    if (at < n && input[at] == '#') {
        out.fragment = input.substr(at + 1);
        at = scanTo<0>(input, at + 1);
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
        end = scanTo<kSlash | kQuestion | kHash | kColon | kAt | kBracket>(input, end);
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
