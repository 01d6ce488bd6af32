#include "core/routing/url.h"

#include "core/util/ascii.h"

#include <array>
#include <cstddef>
#include <utility>

namespace cellscope::routing {

namespace {

constexpr int kEof = -1;

// ---------------------------------------------------------------------------
// WHATWG parser
// ---------------------------------------------------------------------------

// A set of ASCII bytes to percent-encode; bytes >= 0x80 are always encoded
// (the UTF-8 percent-encode of a non-ASCII code point).
struct AsciiSet
{
    std::array<std::uint64_t, 2> bits{};

    constexpr AsciiSet add(char c) const noexcept
    {
        AsciiSet copy = *this;
        const auto u = static_cast<unsigned char>(c);
        copy.bits[u >> 6] |= std::uint64_t{1} << (u & 63);
        return copy;
    }
    constexpr bool contains(unsigned char c) const noexcept
    {
        return c >= 0x80 || ((bits[c >> 6] >> (c & 63)) & 1) != 0;
    }
};

constexpr AsciiSet makeControls() noexcept
{
    AsciiSet set;
    for (int c = 0; c < 0x20; ++c)
        set = set.add(static_cast<char>(c));
    return set.add('\x7F');
}

// The crate's sets (url/src/parser.rs). Note its path set predates the spec's
// addition of `^`, so `^` stays literal in paths, as the crate does.
constexpr AsciiSet kControls = makeControls();
constexpr AsciiSet kFragmentSet = kControls.add(' ').add('"').add('<').add('>').add('`');
constexpr AsciiSet kPathSet = kFragmentSet.add('#').add('?').add('{').add('}');
constexpr AsciiSet kUserinfoSet =
    kPathSet.add('/').add(':').add(';').add('=').add('@').add('[').add('\\').add(']').add('^').add('|');
constexpr AsciiSet kQuerySet = kControls.add(' ').add('"').add('#').add('<').add('>');
constexpr AsciiSet kSpecialQuerySet = kQuerySet.add('\'');

constexpr char kUpperHex[] = "0123456789ABCDEF";

void appendEncodedByte(std::string& out, char c, const AsciiSet& set)
{
    const auto u = static_cast<unsigned char>(c);
    if (set.contains(u)) {
        out += '%';
        out += kUpperHex[u >> 4];
        out += kUpperHex[u & 15];
    } else {
        out += c;
    }
}

void appendEncoded(std::string& out, std::string_view in, const AsciiSet& set)
{
    for (char c : in)
        appendEncodedByte(out, c, set);
}

enum class SchemeKind
{
    SpecialNotFile,
    File,
    NotSpecial
};

SchemeKind schemeKindOf(std::string_view scheme) noexcept
{
    if (scheme == "http" || scheme == "https" || scheme == "ws" || scheme == "wss" || scheme == "ftp")
        return SchemeKind::SpecialNotFile;
    if (scheme == "file")
        return SchemeKind::File;
    return SchemeKind::NotSpecial;
}

// --- IPv4 (WHATWG "IPv4 number parser" / "IPv4 parser") ---

// nullopt: not a number at all; value > 0xFFFFFFFF means "overflowed".
std::optional<std::uint64_t> parseIpv4Number(std::string_view part) noexcept
{
    if (part.empty())
        return std::nullopt;
    int radix = 10;
    if (part.size() >= 2 && part[0] == '0' && (part[1] == 'x' || part[1] == 'X')) {
        part.remove_prefix(2);
        radix = 16;
    } else if (part.size() >= 2 && part[0] == '0') {
        part.remove_prefix(1);
        radix = 8;
    }
    std::uint64_t value = 0;
    for (char c : part) {
        int digit = 0;
        if (radix == 16 && isAsciiHex(c))
            digit = hexDigitValue(static_cast<unsigned char>(c));
        else if (radix == 10 && isAsciiDigit(c))
            digit = c - '0';
        else if (radix == 8 && c >= '0' && c <= '7')
            digit = c - '0';
        else
            return std::nullopt;
        // Saturate: anything above 32 bits is rejected later, so stop growing.
        if (value <= 0xFFFFFFFFu)
            value = value * static_cast<std::uint64_t>(radix) + static_cast<std::uint64_t>(digit);
    }
    return value;
}

// WHATWG "ends in a number checker".
bool endsInANumber(std::string_view domain) noexcept
{
    std::string_view last = domain;
    if (!last.empty() && last.back() == '.') {
        last.remove_suffix(1);
        if (last.empty())
            return false;
    }
    const std::size_t dot = last.rfind('.');
    if (dot != std::string_view::npos)
        last = last.substr(dot + 1);
    if (last.empty())
        return false;
    bool allDigits = true;
    for (char c : last)
        allDigits = allDigits && isAsciiDigit(c);
    return allDigits || parseIpv4Number(last).has_value();
}

std::optional<std::uint32_t> parseIpv4(std::string_view domain) noexcept
{
    if (!domain.empty() && domain.back() == '.')
        domain.remove_suffix(1);
    std::array<std::uint64_t, 4> numbers{};
    std::size_t count = 0;
    while (true) {
        const std::size_t dot = domain.find('.');
        const std::string_view part = domain.substr(0, dot);
        if (count == numbers.size())
            return std::nullopt;
        const auto number = parseIpv4Number(part);
        if (!number)
            return std::nullopt;
        numbers[count++] = *number;
        if (dot == std::string_view::npos)
            break;
        domain.remove_prefix(dot + 1);
    }
    for (std::size_t i = 0; i + 1 < count; ++i) {
        if (numbers[i] > 255)
            return std::nullopt;
    }
    const std::uint64_t last = numbers[count - 1];
    if (last >= (std::uint64_t{1} << (8 * (5 - count))))
        return std::nullopt;
    std::uint64_t address = last;
    for (std::size_t i = 0; i + 1 < count; ++i)
        address += numbers[i] << (8 * (3 - i));
    return static_cast<std::uint32_t>(address);
}

std::string serializeIpv4(std::uint32_t address)
{
    std::string out;
    for (int shift = 24; shift >= 0; shift -= 8) {
        out += std::to_string((address >> shift) & 0xFF);
        if (shift != 0)
            out += '.';
    }
    return out;
}

// --- IPv6 (WHATWG "IPv6 parser" / "IPv6 serializer") ---

std::optional<std::array<std::uint16_t, 8>> parseIpv6(std::string_view in) noexcept
{
    std::array<std::uint16_t, 8> pieces{};
    std::size_t pieceIndex = 0;
    std::optional<std::size_t> compress;
    std::size_t p = 0;
    const std::size_t n = in.size();
    auto at = [&](std::size_t i) -> int {
        return i < n ? static_cast<unsigned char>(in[i]) : kEof;
    };

    if (at(0) == ':') {
        if (at(1) != ':')
            return std::nullopt;
        p = 2;
        compress = ++pieceIndex;
    }
    while (p < n) {
        if (pieceIndex == 8)
            return std::nullopt;
        if (in[p] == ':') {
            if (compress)
                return std::nullopt;
            ++p;
            compress = ++pieceIndex;
            continue;
        }
        std::uint32_t value = 0;
        std::size_t length = 0;
        while (length < 4 && isAsciiHex(at(p))) {
            value = value * 16 + static_cast<std::uint32_t>(hexDigitValue(static_cast<unsigned char>(in[p])));
            ++p;
            ++length;
        }
        if (at(p) == '.') {
            // Embedded IPv4: rewind and read four decimal parts into two pieces.
            if (length == 0 || pieceIndex > 6)
                return std::nullopt;
            p -= length;
            int numbersSeen = 0;
            while (p < n) {
                if (numbersSeen > 0) {
                    if (in[p] != '.' || numbersSeen >= 4)
                        return std::nullopt;
                    ++p;
                }
                if (!isAsciiDigit(at(p)))
                    return std::nullopt;
                int part = -1;
                while (isAsciiDigit(at(p))) {
                    const int digit = in[p] - '0';
                    if (part == 0)
                        return std::nullopt; // no leading zeros
                    part = part < 0 ? digit : part * 10 + digit;
                    if (part > 255)
                        return std::nullopt;
                    ++p;
                }
                pieces[pieceIndex] = static_cast<std::uint16_t>(pieces[pieceIndex] * 0x100 + part);
                ++numbersSeen;
                if (numbersSeen == 2 || numbersSeen == 4)
                    ++pieceIndex;
            }
            if (numbersSeen != 4)
                return std::nullopt;
            break;
        }
        if (at(p) == ':') {
            ++p;
            if (p == n)
                return std::nullopt;
        } else if (p < n) {
            return std::nullopt;
        }
        pieces[pieceIndex++] = static_cast<std::uint16_t>(value);
    }
    if (compress) {
        std::size_t swaps = pieceIndex - *compress;
        pieceIndex = 7;
        while (pieceIndex != 0 && swaps > 0) {
            std::swap(pieces[pieceIndex], pieces[*compress + swaps - 1]);
            --pieceIndex;
            --swaps;
        }
    } else if (pieceIndex != 8) {
        return std::nullopt;
    }
    return pieces;
}

std::string serializeIpv6(const std::array<std::uint16_t, 8>& pieces)
{
    // Compress the first longest run of two or more zero pieces.
    std::size_t bestStart = 8, bestLength = 1;
    for (std::size_t i = 0; i < 8;) {
        if (pieces[i] != 0) {
            ++i;
            continue;
        }
        std::size_t j = i;
        while (j < 8 && pieces[j] == 0)
            ++j;
        if (j - i > bestLength) {
            bestStart = i;
            bestLength = j - i;
        }
        i = j;
    }
    std::string out = "[";
    bool ignoreZero = false;
    for (std::size_t i = 0; i < 8; ++i) {
        if (ignoreZero && pieces[i] == 0)
            continue;
        ignoreZero = false;
        if (i == bestStart) {
            out += (i == 0) ? "::" : ":";
            ignoreZero = true;
            continue;
        }
        char buffer[4];
        int length = 0;
        std::uint16_t value = pieces[i];
        do {
            buffer[length++] = "0123456789abcdef"[value & 15];
            value = static_cast<std::uint16_t>(value >> 4);
        } while (value != 0);
        while (length > 0)
            out += buffer[--length];
        if (i != 7)
            out += ':';
    }
    out += ']';
    return out;
}

// --- Punycode (RFC 3492) validation for ASCII `xn--` labels ---

// The idna crate refuses punycode inputs longer than this.
constexpr std::size_t kPunycodeMaxInput = 2000;

// True when `encoded` (the part after "xn--") decodes to a non-empty label with
// at least one non-ASCII code point, per UTS #46 (Unicode 15.1) step 4.
bool punycodeDecodesToUnicode(std::string_view encoded) noexcept
{
    if (encoded.size() > kPunycodeMaxInput)
        return false;
    constexpr std::uint32_t base = 36, tMin = 1, tMax = 26, skew = 38, damp = 700;
    const std::size_t delimiter = encoded.rfind('-');
    std::size_t outputLength = 0;
    std::size_t pos = 0;
    if (delimiter != std::string_view::npos) {
        outputLength = delimiter;
        pos = delimiter + 1;
    }
    std::uint64_t n = 128, bias = 72, i = 0;
    bool decodedAny = false;
    while (pos < encoded.size()) {
        const std::uint64_t oldI = i;
        std::uint64_t w = 1;
        for (std::uint64_t k = base;; k += base) {
            if (pos >= encoded.size())
                return false;
            const char c = encoded[pos++];
            std::uint64_t digit = 0;
            if (c >= 'a' && c <= 'z')
                digit = static_cast<std::uint64_t>(c - 'a');
            else if (isAsciiDigit(c))
                digit = static_cast<std::uint64_t>(c - '0') + 26;
            else
                return false;
            i += digit * w;
            if (i > 0xFFFFFFFFu)
                return false;
            const std::uint64_t t = k <= bias ? tMin : (k >= bias + tMax ? tMax : k - bias);
            if (digit < t)
                break;
            w *= base - t;
            if (w > 0xFFFFFFFFu)
                return false;
        }
        ++outputLength;
        // Bias adaptation (RFC 3492 section 6.1).
        std::uint64_t delta = (oldI == 0) ? (i - oldI) / damp : (i - oldI) / 2;
        delta += delta / outputLength;
        std::uint64_t k = 0;
        while (delta > ((base - tMin) * tMax) / 2) {
            delta /= base - tMin;
            k += base;
        }
        bias = k + (base - tMin + 1) * delta / (delta + skew);
        n += i / outputLength;
        i %= outputLength;
        // n starts at 128 and only grows, so every decoded code point is non-ASCII.
        if (n > 0x10FFFF || (n >= 0xD800 && n <= 0xDFFF))
            return false;
        decodedAny = true;
        ++i;
    }
    return decodedAny;
}

// WHATWG "forbidden domain code point" (ASCII part).
bool isForbiddenDomainByte(unsigned char c) noexcept
{
    if (c <= 0x20 || c == 0x7F)
        return true;
    switch (c) {
    case '#':
    case '%':
    case '/':
    case ':':
    case '<':
    case '>':
    case '?':
    case '@':
    case '[':
    case '\\':
    case ']':
    case '^':
    case '|':
        return true;
    default:
        return false;
    }
}

// WHATWG "forbidden host code point" (opaque hosts).
bool isForbiddenHostByte(unsigned char c) noexcept
{
    switch (c) {
    case 0:
    case '\t':
    case '\n':
    case '\r':
    case ' ':
    case '#':
    case '/':
    case ':':
    case '<':
    case '>':
    case '?':
    case '@':
    case '[':
    case '\\':
    case ']':
    case '^':
    case '|':
        return true;
    default:
        return false;
    }
}

std::optional<UrlError> parseBracketedIpv6(std::string_view input, std::string& out)
{
    if (input.size() < 2 || input.back() != ']')
        return UrlError::InvalidIpv6Address;
    const auto pieces = parseIpv6(input.substr(1, input.size() - 2));
    if (!pieces)
        return UrlError::InvalidIpv6Address;
    out = serializeIpv6(*pieces);
    return std::nullopt;
}

// WHATWG "host parser" for special schemes (isOpaque false).
std::optional<UrlError> parseSpecialHost(std::string_view input, std::string& out)
{
    if (!input.empty() && input.front() == '[')
        return parseBracketedIpv6(input, out);

    std::string domain;
    appendPercentDecoded(domain, input);
    for (char c : domain) {
        if (static_cast<unsigned char>(c) >= 0x80)
            return isValidUtf8(domain) ? UrlError::IdnaUnsupported : UrlError::IdnaError;
    }
    // UTS #46 on ASCII input: map uppercase to lowercase, then check each
    // `xn--` label decodes.
    for (char& c : domain)
        c = asciiLower(c);
    for (std::size_t start = 0; start <= domain.size();) {
        std::size_t end = domain.find('.', start);
        if (end == std::string::npos)
            end = domain.size();
        const std::string_view label = std::string_view(domain).substr(start, end - start);
        if (label.substr(0, 4) == "xn--" && !punycodeDecodesToUnicode(label.substr(4)))
            return UrlError::IdnaError;
        start = end + 1;
    }
    if (domain.empty())
        return UrlError::EmptyHost;
    for (char c : domain) {
        if (isForbiddenDomainByte(static_cast<unsigned char>(c)))
            return UrlError::InvalidDomainCharacter;
    }
    if (endsInANumber(domain)) {
        const auto address = parseIpv4(domain);
        if (!address)
            return UrlError::InvalidIpv4Address;
        out = serializeIpv4(*address);
        return std::nullopt;
    }
    out = std::move(domain);
    return std::nullopt;
}

// WHATWG "opaque-host parser" (non-special schemes).
std::optional<UrlError> parseOpaqueHost(std::string_view input, std::string& out)
{
    if (!input.empty() && input.front() == '[')
        return parseBracketedIpv6(input, out);
    for (char c : input) {
        if (isForbiddenHostByte(static_cast<unsigned char>(c)))
            return UrlError::InvalidDomainCharacter;
    }
    out.clear();
    appendEncoded(out, input, kControls);
    return std::nullopt;
}

bool isWindowsDriveLetter(std::string_view s) noexcept
{
    return s.size() == 2 && isAsciiAlpha(s[0]) && (s[1] == ':' || s[1] == '|');
}

bool isSingleDot(std::string_view s) noexcept
{
    return s == "." || s == "%2e" || s == "%2E";
}

bool isDoubleDot(std::string_view s) noexcept
{
    if (s == "..")
        return true;
    // ".%2e", "%2e." and "%2e%2e", with either case of 'e'.
    if (s.size() == 4)
        return (isSingleDot(s.substr(0, 1)) && isSingleDot(s.substr(1))) ||
               (isSingleDot(s.substr(0, 3)) && isSingleDot(s.substr(3)));
    return s.size() == 6 && isSingleDot(s.substr(0, 3)) && isSingleDot(s.substr(3));
}

class UrlParser
{
public:
    explicit UrlParser(std::string_view input) : m_in(input) {}

    UrlParseResult run()
    {
        if (!parseScheme())
            return fail(UrlError::RelativeUrlWithoutBase);
        m_kind = schemeKindOf(m_url.scheme);
        std::optional<UrlError> error;
        switch (m_kind) {
        case SchemeKind::File:
            error = parseFile();
            break;
        case SchemeKind::SpecialNotFile:
            // "special authority ignore slashes state": any run of / and \.
            while (at(m_pos) == '/' || at(m_pos) == '\\')
                ++m_pos;
            error = parseAuthorityAndPath();
            break;
        case SchemeKind::NotSpecial:
            if (at(m_pos) == '/' && at(m_pos + 1) == '/') {
                m_pos += 2;
                error = parseAuthorityAndPath();
            } else if (at(m_pos) == '/') {
                ++m_pos;
                parsePath();
            } else {
                parseOpaquePath();
            }
            break;
        }
        if (error)
            return fail(*error);
        parseQueryAndFragment();
        return UrlParseResult{std::move(m_url), {}};
    }

private:
    static UrlParseResult fail(UrlError error) { return UrlParseResult{std::nullopt, error}; }

    int at(std::size_t i) const noexcept
    {
        return i < m_in.size() ? static_cast<unsigned char>(m_in[i]) : kEof;
    }

    bool isSpecial() const noexcept { return m_kind != SchemeKind::NotSpecial; }

    bool endsAuthorityPart(int c) const noexcept
    {
        return c == kEof || c == '/' || c == '?' || c == '#' || (isSpecial() && c == '\\');
    }

    bool parseScheme()
    {
        if (!isAsciiAlpha(at(0)))
            return false;
        std::size_t i = 1;
        for (int c = at(i); isAsciiAlpha(c) || isAsciiDigit(c) || c == '+' || c == '-' || c == '.';
             c = at(++i)) {
        }
        if (at(i) != ':')
            return false;
        for (std::size_t j = 0; j < i; ++j)
            m_url.scheme += asciiLower(m_in[j]);
        m_pos = i + 1;
        return true;
    }

    // Authority state, host state, port state, then path start (crate's
    // after_double_slash).
    std::optional<UrlError> parseAuthorityAndPath()
    {
        m_url.hasAuthority = true;
        bool hasCredentials = false;
        // The last '@' before the end of the authority splits userinfo off.
        std::size_t end = m_pos;
        std::size_t lastAt = std::string_view::npos;
        for (; !endsAuthorityPart(at(end)); ++end) {
            if (m_in[end] == '@')
                lastAt = end;
        }
        if (lastAt != std::string_view::npos) {
            if (lastAt == m_pos) {
                // "@" with empty userinfo directly followed by the path: no host.
                const int next = at(lastAt + 1);
                if (next != kEof && endsAuthorityPart(next))
                    return UrlError::EmptyHost;
            } else {
                const std::string_view userinfo = m_in.substr(m_pos, lastAt - m_pos);
                const std::size_t colon = userinfo.find(':');
                appendEncoded(m_url.username, userinfo.substr(0, colon), kUserinfoSet);
                if (colon != std::string_view::npos)
                    appendEncoded(m_url.password, userinfo.substr(colon + 1), kUserinfoSet);
                hasCredentials = !m_url.username.empty() || !m_url.password.empty();
            }
            m_pos = lastAt + 1;
        }

        // Host: up to ':' outside brackets or the end of the authority.
        const std::size_t hostStart = m_pos;
        bool insideBrackets = false;
        for (int c = at(m_pos); !endsAuthorityPart(c) && !(c == ':' && !insideBrackets); c = at(++m_pos)) {
            if (c == '[')
                insideBrackets = true;
            else if (c == ']')
                insideBrackets = false;
        }
        const std::string_view hostText = m_in.substr(hostStart, m_pos - hostStart);
        if (isSpecial()) {
            if (hostText.empty())
                return UrlError::EmptyHost;
            if (auto error = parseSpecialHost(hostText, m_url.host))
                return error;
        } else {
            if (auto error = parseOpaqueHost(hostText, m_url.host))
                return error;
            if (m_url.host.empty() && (at(m_pos) == ':' || hasCredentials))
                return UrlError::EmptyHost;
        }

        if (at(m_pos) == ':') {
            ++m_pos;
            if (auto error = parsePort())
                return error;
        }

        // Path start state: a special URL always has a path beginning with '/'.
        const int c = at(m_pos);
        if (isSpecial()) {
            if (c == '/' || c == '\\')
                ++m_pos;
            parsePath();
        } else if (c != kEof && c != '?' && c != '#') {
            if (c == '/')
                ++m_pos;
            parsePath();
        }
        return std::nullopt;
    }

    std::optional<UrlError> parsePort()
    {
        std::uint32_t value = 0;
        bool anyDigit = false;
        for (int c = at(m_pos); c != kEof; c = at(++m_pos)) {
            if (isAsciiDigit(c)) {
                value = value * 10 + static_cast<std::uint32_t>(c - '0');
                if (value > 65535)
                    return UrlError::InvalidPort;
                anyDigit = true;
            } else if (c == '/' || c == '\\' || c == '?' || c == '#') {
                // The crate ends the port at '\' for every scheme.
                break;
            } else {
                return UrlError::InvalidPort;
            }
        }
        if (anyDigit && defaultPortForScheme(m_url.scheme) != value)
            m_url.port = static_cast<std::uint16_t>(value);
        return std::nullopt;
    }

    // "file state" without a base URL.
    std::optional<UrlError> parseFile()
    {
        m_url.hasAuthority = true; // file URLs always serialise as file://
        const bool firstSlash = at(m_pos) == '/' || at(m_pos) == '\\';
        if (firstSlash && (at(m_pos + 1) == '/' || at(m_pos + 1) == '\\')) {
            m_pos += 2;
            std::size_t end = m_pos;
            while (at(end) != kEof && at(end) != '/' && at(end) != '\\' && at(end) != '?' && at(end) != '#')
                ++end;
            const std::string_view hostText = m_in.substr(m_pos, end - m_pos);
            // A drive letter in host position is the first path segment instead.
            if (!isWindowsDriveLetter(hostText)) {
                m_pos = end;
                if (!hostText.empty()) {
                    if (auto error = parseSpecialHost(hostText, m_url.host))
                        return error;
                    if (m_url.host == "localhost")
                        m_url.host.clear();
                }
                // The crate consumes the path's leading slash only after a real
                // host; after an empty one that slash becomes an empty first
                // segment (stripped below), so a drive letter there is not "first".
                if (!m_url.host.empty() && (at(m_pos) == '/' || at(m_pos) == '\\'))
                    ++m_pos;
            }
        } else if (firstSlash) {
            ++m_pos;
        }
        parsePath();
        // The crate drops every leading empty segment of a file path.
        const std::size_t firstNonSlash = m_url.path.find_first_not_of('/');
        m_url.path.erase(0, firstNonSlash == std::string::npos ? m_url.path.size() : firstNonSlash);
        m_url.path.insert(0, 1, '/');
        return std::nullopt;
    }

    // "path state": segments separated by '/' (and '\' when special), dot
    // segments resolved on the percent-encoded buffer ("%2e" counts as '.').
    void parsePath()
    {
        std::string& path = m_url.path;
        std::string buffer;
        while (true) {
            const int c = at(m_pos);
            const bool separator = c == '/' || (isSpecial() && c == '\\');
            const bool done = c == kEof || c == '?' || c == '#';
            if (!separator && !done) {
                // Crate quirk (file only): a leading normalized drive letter
                // followed by more characters ("c:x") is split into "c:" and "x".
                if (m_kind == SchemeKind::File && path.empty() && buffer.size() == 2 &&
                    isAsciiAlpha(buffer[0]) && buffer[1] == ':') {
                    path += '/';
                    path += buffer;
                    buffer.clear();
                }
                appendEncodedByte(buffer, m_in[m_pos], kPathSet);
                ++m_pos;
                continue;
            }
            if (isDoubleDot(buffer)) {
                shortenPath();
                if (!separator)
                    path += '/';
            } else if (isSingleDot(buffer)) {
                if (!separator)
                    path += '/';
            } else {
                if (m_kind == SchemeKind::File && path.empty() && isWindowsDriveLetter(buffer)) {
                    m_url.host.clear();
                    buffer[1] = ':';
                }
                path += '/';
                path += buffer;
            }
            buffer.clear();
            if (done)
                return;
            ++m_pos;
        }
    }

    // WHATWG "shorten a URL's path", as the crate does it: a last segment shaped
    // like a Windows drive letter ("c:" or "c|") is never removed, for every
    // scheme (its last_slash_can_be_removed); the spec only protects a lone
    // normalized one in file URLs.
    void shortenPath()
    {
        std::string& path = m_url.path;
        if (path.empty())
            return;
        const std::size_t lastSlash = path.rfind('/');
        if (isWindowsDriveLetter(std::string_view(path).substr(lastSlash + 1)))
            return;
        path.erase(lastSlash);
    }

    // "opaque path state": C0-control percent-encoding only.
    void parseOpaquePath()
    {
        for (int c = at(m_pos); c != kEof && c != '?' && c != '#'; c = at(++m_pos))
            appendEncodedByte(m_url.path, m_in[m_pos], kControls);
    }

    void parseQueryAndFragment()
    {
        if (at(m_pos) == '?') {
            ++m_pos;
            m_url.hasQuery = true;
            const AsciiSet& set = isSpecial() ? kSpecialQuerySet : kQuerySet;
            for (int c = at(m_pos); c != kEof && c != '#'; c = at(++m_pos))
                appendEncodedByte(m_url.query, m_in[m_pos], set);
        }
        if (at(m_pos) == '#') {
            ++m_pos;
            m_url.hasFragment = true;
            appendEncoded(m_url.fragment, m_in.substr(m_pos), kFragmentSet);
            m_pos = m_in.size();
        }
    }

    std::string_view m_in;
    std::size_t m_pos = 0;
    SchemeKind m_kind = SchemeKind::NotSpecial;
    Url m_url;
};

} // namespace

bool hostEquals(std::string_view host, std::string_view lowerAscii) noexcept
{
    return asciiIEqualsLower(host, lowerAscii);
}

bool hostIsWithin(std::string_view host, std::string_view lowerAsciiDomain) noexcept
{
    if (host.size() == lowerAsciiDomain.size())
        return asciiIEqualsLower(host, lowerAsciiDomain);
    if (lowerAsciiDomain.empty() || host.size() < lowerAsciiDomain.size() + 1)
        return false;
    const std::size_t split = host.size() - lowerAsciiDomain.size();
    return host[split - 1] == '.' && asciiIEqualsLower(host.substr(split), lowerAsciiDomain);
}

std::string_view urlErrorCode(UrlError error) noexcept
{
    switch (error) {
    case UrlError::RelativeUrlWithoutBase:
        return "relative_url_without_base";
    case UrlError::EmptyHost:
        return "empty_host";
    case UrlError::InvalidPort:
        return "invalid_port";
    case UrlError::InvalidIpv4Address:
        return "invalid_ipv4_address";
    case UrlError::InvalidIpv6Address:
        return "invalid_ipv6_address";
    case UrlError::InvalidDomainCharacter:
        return "invalid_domain_character";
    case UrlError::IdnaError:
        return "idna_error";
    case UrlError::IdnaUnsupported:
        return "idna_unsupported";
    case UrlError::InvalidUtf8:
        return "invalid_utf8";
    }
    return "unknown";
}

std::string_view urlErrorMessage(UrlError error) noexcept
{
    switch (error) {
    case UrlError::RelativeUrlWithoutBase:
        return "The URL has no scheme, and relative URLs need a base URL.";
    case UrlError::EmptyHost:
        return "The URL needs a host but its host is empty.";
    case UrlError::InvalidPort:
        return "The port is not a number between 0 and 65535.";
    case UrlError::InvalidIpv4Address:
        return "The host ends in a number but is not a valid IPv4 address.";
    case UrlError::InvalidIpv6Address:
        return "The bracketed host is not a valid IPv6 address.";
    case UrlError::InvalidDomainCharacter:
        return "The host contains a character that is not allowed in a host.";
    case UrlError::IdnaError:
        return "The host is not a valid internationalised domain name.";
    case UrlError::IdnaUnsupported:
        return "Non-ASCII (internationalised) host names are not supported.";
    case UrlError::InvalidUtf8:
        return "The URL is not valid UTF-8 text.";
    }
    return "Unknown URL error.";
}

std::string Url::href() const
{
    std::string out = scheme;
    out += ':';
    if (hasAuthority) {
        out += "//";
        if (!username.empty() || !password.empty()) {
            out += username;
            if (!password.empty()) {
                out += ':';
                out += password;
            }
            out += '@';
        }
        out += host;
        if (port) {
            out += ':';
            out += std::to_string(*port);
        }
    } else if (path.size() > 1 && path[0] == '/' && path[1] == '/') {
        // WHATWG serialiser: keep "/." so the path cannot be read as a host.
        out += "/.";
    }
    out += path;
    if (hasQuery) {
        out += '?';
        out += query;
    }
    if (hasFragment) {
        out += '#';
        out += fragment;
    }
    return out;
}

UrlParseResult parseUrl(std::string_view input)
{
    // A Rust &str is always UTF-8; refuse what the crate could never be given.
    if (!isValidUtf8(input))
        return UrlParseResult{std::nullopt, UrlError::InvalidUtf8};
    // Strip leading and trailing C0 control or space.
    while (!input.empty() && static_cast<unsigned char>(input.front()) <= 0x20)
        input.remove_prefix(1);
    while (!input.empty() && static_cast<unsigned char>(input.back()) <= 0x20)
        input.remove_suffix(1);
    // Remove all ASCII tab or newline.
    if (input.find_first_of("\t\n\r") == std::string_view::npos)
        return UrlParser(input).run();
    std::string cleaned;
    cleaned.reserve(input.size());
    for (char c : input) {
        if (c != '\t' && c != '\n' && c != '\r')
            cleaned += c;
    }
    return UrlParser(cleaned).run();
}

std::optional<std::uint16_t> defaultPortForScheme(std::string_view lowerScheme) noexcept
{
    if (lowerScheme == "http" || lowerScheme == "ws")
        return 80;
    if (lowerScheme == "https" || lowerScheme == "wss")
        return 443;
    if (lowerScheme == "ftp")
        return 21;
    return std::nullopt;
}

bool isValidUtf8(std::string_view text) noexcept
{
    std::size_t i = 0;
    const std::size_t n = text.size();
    while (i < n) {
        const auto b0 = static_cast<unsigned char>(text[i]);
        if (b0 < 0x80) {
            ++i;
            continue;
        }
        std::size_t length = 0;
        unsigned char low = 0x80, high = 0xBF; // allowed range of the second byte
        if (b0 >= 0xC2 && b0 <= 0xDF) {
            length = 2;
        } else if (b0 >= 0xE0 && b0 <= 0xEF) {
            length = 3;
            if (b0 == 0xE0)
                low = 0xA0; // overlong
            else if (b0 == 0xED)
                high = 0x9F; // surrogates
        } else if (b0 >= 0xF0 && b0 <= 0xF4) {
            length = 4;
            if (b0 == 0xF0)
                low = 0x90; // overlong
            else if (b0 == 0xF4)
                high = 0x8F; // above U+10FFFF
        } else {
            return false;
        }
        if (n - i < length)
            return false;
        const auto b1 = static_cast<unsigned char>(text[i + 1]);
        if (b1 < low || b1 > high)
            return false;
        for (std::size_t k = 2; k < length; ++k) {
            const auto b = static_cast<unsigned char>(text[i + k]);
            if (b < 0x80 || b > 0xBF)
                return false;
        }
        i += length;
    }
    return true;
}

void appendPercentDecoded(std::string& out, std::string_view in, bool plusAsSpace)
{
    for (std::size_t i = 0; i < in.size(); ++i) {
        const char c = in[i];
        if (c == '%' && i + 2 < in.size() && isAsciiHex(in[i + 1]) && isAsciiHex(in[i + 2])) {
            out += static_cast<char>(hexDigitValue(static_cast<unsigned char>(in[i + 1])) * 16 +
                                     hexDigitValue(static_cast<unsigned char>(in[i + 2])));
            i += 2;
        } else if (plusAsSpace && c == '+') {
            out += ' ';
        } else {
            out += c;
        }
    }
}

} // namespace cellscope::routing
