#include "core/routing/auth.h"

#include "core/util/ascii.h"

#include "core/routing/url.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstddef>

namespace cellscope::routing {

namespace {

constexpr char32_t kReplacementCharacter = 0xFFFD;

// Decodes one well-formed UTF-8 sequence at text[i]; returns its length, or 0
// when the bytes there are not a valid sequence.
std::size_t decodeUtf8(std::string_view text, std::size_t i, char32_t& codePoint) noexcept
{
    const auto b0 = static_cast<unsigned char>(text[i]);
    if (b0 < 0x80) {
        codePoint = b0;
        return 1;
    }
    std::size_t length = 0;
    if (b0 >= 0xC2 && b0 <= 0xDF)
        length = 2;
    else if (b0 >= 0xE0 && b0 <= 0xEF)
        length = 3;
    else if (b0 >= 0xF0 && b0 <= 0xF4)
        length = 4;
    else
        return 0;
    if (text.size() - i < length || !isValidUtf8(text.substr(i, length)))
        return 0;
    codePoint = b0 & (0xFF >> (length + 1));
    for (std::size_t k = 1; k < length; ++k)
        codePoint = (codePoint << 6) | (static_cast<unsigned char>(text[i + k]) & 0x3F);
    return length;
}

// Length of the maximal prefix of an ill-formed sequence at text[i] (Unicode
// "substitution of maximal subparts", which Rust's from_utf8_lossy follows).
std::size_t invalidSubpartLength(std::string_view text, std::size_t i) noexcept
{
    const auto b0 = static_cast<unsigned char>(text[i]);
    std::size_t length = 0;
    unsigned char low = 0x80, high = 0xBF;
    if (b0 >= 0xC2 && b0 <= 0xDF) {
        length = 2;
    } else if (b0 >= 0xE0 && b0 <= 0xEF) {
        length = 3;
        low = b0 == 0xE0 ? 0xA0 : 0x80;
        high = b0 == 0xED ? 0x9F : 0xBF;
    } else if (b0 >= 0xF0 && b0 <= 0xF4) {
        length = 4;
        low = b0 == 0xF0 ? 0x90 : 0x80;
        high = b0 == 0xF4 ? 0x8F : 0xBF;
    } else {
        return 1;
    }
    std::size_t k = 1;
    for (; k < length && i + k < text.size(); ++k) {
        const auto b = static_cast<unsigned char>(text[i + k]);
        const unsigned char lo = k == 1 ? low : 0x80;
        const unsigned char hi = k == 1 ? high : 0xBF;
        if (b < lo || b > hi)
            break;
    }
    return k;
}

void appendUtf8Lossy(std::string& out, std::string_view text)
{
    for (std::size_t i = 0; i < text.size();) {
        char32_t codePoint = 0;
        const std::size_t length = decodeUtf8(text, i, codePoint);
        if (length > 0) {
            out.append(text.substr(i, length));
            i += length;
        } else {
            out += "\xEF\xBF\xBD"; // U+FFFD
            i += invalidSubpartLength(text, i);
        }
    }
}

std::string toUtf8Lossy(std::string_view text)
{
    std::string out;
    out.reserve(text.size());
    appendUtf8Lossy(out, text);
    return out;
}

// Unicode White_Space, what Rust's str::trim removes.
bool isUnicodeWhitespace(char32_t c) noexcept
{
    return (c >= 0x09 && c <= 0x0D) || c == 0x20 || c == 0x85 || c == 0xA0 || c == 0x1680 ||
           (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F ||
           c == 0x3000;
}

std::string_view trimUnicode(std::string_view text) noexcept
{
    while (!text.empty()) {
        char32_t c = kReplacementCharacter;
        const std::size_t length = decodeUtf8(text, 0, c);
        if (length == 0 || !isUnicodeWhitespace(c))
            break;
        text.remove_prefix(length);
    }
    while (!text.empty()) {
        // Step back to the lead byte of the last sequence (at most 3 continuation bytes).
        std::size_t start = text.size() - 1;
        while (start > 0 && text.size() - start < 4 &&
               (static_cast<unsigned char>(text[start]) & 0xC0) == 0x80)
            --start;
        char32_t c = kReplacementCharacter;
        const std::size_t length = decodeUtf8(text, start, c);
        if (length != text.size() - start || !isUnicodeWhitespace(c))
            break;
        text.remove_suffix(length);
    }
    return text;
}

bool asciiIEquals(std::string_view a, std::string_view b) noexcept
{
    if (a.size() != b.size())
        return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        const char x = (a[i] >= 'A' && a[i] <= 'Z') ? static_cast<char>(a[i] + 32) : a[i];
        const char y = (b[i] >= 'A' && b[i] <= 'Z') ? static_cast<char>(b[i] + 32) : b[i];
        if (x != y)
            return false;
    }
    return true;
}

// Rust's u16::from_str: an optional '+', then one or more ASCII digits.
std::optional<std::uint16_t> parseRustU16(std::string_view text) noexcept
{
    if (!text.empty() && text.front() == '+')
        text.remove_prefix(1);
    if (text.empty())
        return std::nullopt;
    std::uint32_t value = 0;
    for (char c : text) {
        if (c < '0' || c > '9')
            return std::nullopt;
        value = value * 10 + static_cast<std::uint32_t>(c - '0');
        if (value > 65535)
            return std::nullopt;
    }
    return static_cast<std::uint16_t>(value);
}

// Rust's f64::from_str followed by timestamp_to_datetime(): a finite,
// non-negative number of seconds that fits a SystemTime (< 2^63 s on Unix).
std::optional<double> parseTimestamp(std::string_view text) noexcept
{
    if (!text.empty() && text.front() == '+') {
        text.remove_prefix(1);
        if (!text.empty() && text.front() == '-')
            return std::nullopt;
    }
    double value = 0;
    const char* end = text.data() + text.size();
    const auto [ptr, ec] = std::from_chars(text.data(), end, value);
    if (ec != std::errc{} || ptr != end)
        return std::nullopt;
    if (!(value >= 0.0) || !(value < 9223372036854775808.0))
        return std::nullopt; // negative, NaN, infinite or too large
    // The crate keeps a SystemTime: Duration::try_from_secs_f64 rounds to whole
    // nanoseconds (ties to even); report what as_secs_f64() then gives back.
    const double seconds = std::floor(value);
    const long double nanos = std::nearbyint(static_cast<long double>(value - seconds) * 1e9L);
    return seconds + static_cast<double>(nanos) / 1e9; // also turns -0.0 into 0
}

// The crate's Auth::from_pairs, one pair at a time.
class AuthBuilder
{
public:
    // Returns false when the pair makes the whole parse fail.
    bool apply(std::string_view key, std::string_view value)
    {
        if (key == "sentry_timestamp") {
            m_auth.timestamp = parseTimestamp(value);
        } else if (key == "sentry_client") {
            m_auth.clientAgent = toUtf8Lossy(value);
        } else if (key == "sentry_version") {
            // Only the major part counts: "7.1" is version 7.
            const auto version = parseRustU16(value.substr(0, value.find('.')));
            if (!version)
                return false;
            m_auth.version = *version;
        } else if (key == "sentry_key") {
            m_auth.publicKey = toUtf8Lossy(value);
        } else if (key == "sentry_secret") {
            m_auth.secretKey = toUtf8Lossy(value);
        }
        return true;
    }

    AuthParseResult finish()
    {
        if (m_auth.publicKey.empty())
            return AuthParseResult{std::nullopt, AuthError::MissingPublicKey};
        return AuthParseResult{std::move(m_auth), {}};
    }

private:
    Auth m_auth;
};

AuthParseResult invalidVersion()
{
    return AuthParseResult{std::nullopt, AuthError::InvalidVersion};
}

// Calls visit(name, value) for each non-empty '&'-separated piece, split at its
// first '=' (form_urlencoded::parse); stops early when visit returns false.
template <typename Visit>
bool forEachQueryPair(std::string_view query, Visit&& visit)
{
    while (!query.empty()) {
        const std::size_t amp = query.find('&');
        const std::string_view piece = query.substr(0, amp);
        query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
        if (piece.empty())
            continue;
        const std::size_t eq = piece.find('=');
        const std::string_view name = piece.substr(0, eq);
        const std::string_view value =
            eq == std::string_view::npos ? std::string_view{} : piece.substr(eq + 1);
        if (!visit(name, value))
            return false;
    }
    return true;
}

std::string formDecode(std::string_view text)
{
    std::string bytes;
    appendPercentDecoded(bytes, text, /*plusAsSpace=*/true);
    return isValidUtf8(bytes) ? bytes : toUtf8Lossy(bytes);
}

// Compares the form-decoded `name` with the ASCII `target` without allocating.
bool formDecodedEquals(std::string_view name, std::string_view target) noexcept
{
    std::size_t j = 0;
    for (std::size_t i = 0; i < name.size(); ++i, ++j) {
        char c = name[i];
        if (c == '%' && i + 2 < name.size() && isAsciiHex(name[i + 1]) && isAsciiHex(name[i + 2])) {
            c = static_cast<char>(hexDigitValue(static_cast<unsigned char>(name[i + 1])) * 16 +
                                  hexDigitValue(static_cast<unsigned char>(name[i + 2])));
            i += 2;
        } else if (c == '+') {
            c = ' ';
        }
        if (j >= target.size() || target[j] != c)
            return false;
    }
    return j == target.size();
}

// Splits std::to_chars scientific output into its significant digits and
// decimal exponent.
void splitScientific(std::string_view text, std::string& digits, int& exponent)
{
    const std::size_t e = text.find('e');
    digits.clear();
    for (char c : text.substr(0, e)) {
        if (c != '.')
            digits += c;
    }
    const char* first = text.data() + e + 1;
    if (*first == '+')
        ++first;
    std::from_chars(first, text.data() + text.size(), exponent);
}

// Rust's `{}` for a finite non-negative f64: the shortest round-trip digits,
// written out in plain decimal (zero-padded, never an exponent, no ".0").
std::string formatLikeRustF64(double value)
{
    char buffer[1100];
    std::string digits;
    int exponent = 0;
    auto result = std::to_chars(buffer, buffer + sizeof buffer, value, std::chars_format::scientific);
    splitScientific(std::string_view(buffer, static_cast<std::size_t>(result.ptr - buffer)), digits,
                    exponent);

    // When the value lies exactly halfway between two shortest candidates,
    // to_chars picks the even one and Rust the upper one. 767 significant
    // digits hold any double exactly, so the tie can be seen there.
    std::string exact;
    int exactExponent = 0;
    result = std::to_chars(buffer, buffer + sizeof buffer, value, std::chars_format::scientific, 767);
    splitScientific(std::string_view(buffer, static_cast<std::size_t>(result.ptr - buffer)), exact,
                    exactExponent);
    const std::size_t n = digits.size();
    if (exact[n] == '5' && exact.find_first_not_of('0', n + 1) == std::string::npos) {
        digits = exact.substr(0, n);
        exponent = exactExponent;
        std::size_t i = n;
        while (i > 0 && digits[i - 1] == '9')
            digits[--i] = '0';
        if (i == 0) {
            digits.insert(0, 1, '1');
            ++exponent;
        } else {
            ++digits[i - 1];
        }
        digits.erase(std::max<std::size_t>(1, digits.find_last_not_of('0') + 1));
    }

    const auto count = static_cast<int>(digits.size());
    if (exponent < 0)
        return "0." + std::string(static_cast<std::size_t>(-exponent - 1), '0') + digits;
    if (exponent + 1 >= count)
        return digits + std::string(static_cast<std::size_t>(exponent + 1 - count), '0');
    return digits.substr(0, static_cast<std::size_t>(exponent + 1)) + "." +
           digits.substr(static_cast<std::size_t>(exponent + 1));
}

} // namespace

std::string_view authErrorCode(AuthError error) noexcept
{
    switch (error) {
    case AuthError::NonSentryAuth:
        return "non_sentry_auth";
    case AuthError::MissingPublicKey:
        return "missing_public_key";
    case AuthError::InvalidVersion:
        return "invalid_version";
    }
    return "unknown";
}

std::string_view authErrorMessage(AuthError error) noexcept
{
    switch (error) {
    case AuthError::NonSentryAuth:
        return "The auth header does not start with the \"Sentry\" scheme.";
    case AuthError::MissingPublicKey:
        return "The auth has no sentry_key (public key), or it is empty.";
    case AuthError::InvalidVersion:
        return "The sentry_version is not a whole number from 0 to 65535.";
    }
    return "Unknown auth error.";
}

std::string Auth::toString() const
{
    std::string out = "Sentry sentry_key=" + publicKey + ", sentry_version=" + std::to_string(version);
    if (timestamp)
        out += ", sentry_timestamp=" + formatLikeRustF64(*timestamp);
    if (clientAgent)
        out += ", sentry_client=" + *clientAgent;
    if (secretKey)
        out += ", sentry_secret=" + *secretKey;
    return out;
}

AuthParseResult parseAuthHeader(std::string_view header)
{
    const std::size_t space = header.find(' ');
    const std::string_view prefix = header.substr(0, space);
    std::string_view items = space == std::string_view::npos ? std::string_view{} : header.substr(space + 1);
    if (!asciiIEquals(prefix, "sentry"))
        return AuthParseResult{std::nullopt, AuthError::NonSentryAuth};

    AuthBuilder builder;
    while (true) {
        const std::size_t comma = items.find(',');
        const std::string_view item = items.substr(0, comma);
        // Items without '=' are skipped; "a=b=c" yields ("a", "b").
        const std::size_t eq = item.find('=');
        if (eq != std::string_view::npos) {
            const std::string_view afterEq = item.substr(eq + 1);
            const std::string_view value = afterEq.substr(0, afterEq.find('='));
            if (!builder.apply(trimUnicode(item.substr(0, eq)), trimUnicode(value)))
                return invalidVersion();
        }
        if (comma == std::string_view::npos)
            break;
        items.remove_prefix(comma + 1);
    }
    return builder.finish();
}

AuthParseResult parseAuthQuery(std::string_view query)
{
    AuthBuilder builder;
    const bool ok = forEachQueryPair(query, [&](std::string_view name, std::string_view value) {
        return builder.apply(formDecode(name), formDecode(value));
    });
    return ok ? builder.finish() : invalidVersion();
}

std::optional<std::string_view> findSentryKeyInQuery(std::string_view query, std::string& scratch)
{
    std::optional<std::string_view> raw;
    forEachQueryPair(query, [&](std::string_view name, std::string_view value) {
        if (formDecodedEquals(name, "sentry_key"))
            raw = value; // the crate keeps the last occurrence
        return true;
    });
    if (!raw || raw->empty())
        return std::nullopt;
    // One pass over the (usually 32 hex digit) value decides whether it can be returned as it is.
    bool encoded = false, nonAscii = false;
    for (char c : *raw) {
        encoded |= c == '%' || c == '+';
        nonAscii |= static_cast<unsigned char>(c) >= 0x80;
    }
    if (!encoded && (!nonAscii || isValidUtf8(*raw)))
        return raw;
    // Decoded into the caller's buffer, so a warm loop does not allocate (never empty: every input
    // byte yields at least one).
    scratch.clear();
    appendPercentDecoded(scratch, *raw, /*plusAsSpace=*/true);
    if (!isValidUtf8(scratch)) {
        // The lossy copy (at most 3 bytes per input byte) goes after the decoded bytes, into capacity
        // reserved first so that the view of them stays valid, then those bytes are dropped.
        const std::size_t decoded = scratch.size();
        scratch.reserve(4 * decoded);
        appendUtf8Lossy(scratch, std::string_view(scratch.data(), decoded));
        scratch.erase(0, decoded);
    }
    return std::string_view(scratch);
}

} // namespace cellscope::routing
