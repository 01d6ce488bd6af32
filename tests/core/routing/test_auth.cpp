#include "core/routing/auth.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

using namespace cellscope::routing;
using namespace std::string_literals;

namespace {

std::string headerError(std::string_view header)
{
    const AuthParseResult result = parseAuthHeader(header);
    return result.auth ? "ok" : std::string(authErrorCode(result.error));
}

Auth mustParseHeader(std::string_view header)
{
    const AuthParseResult result = parseAuthHeader(header);
    EXPECT_TRUE(result.auth) << header << " -> " << authErrorCode(result.error);
    return result.auth.value_or(Auth{});
}

bool viewsInto(std::string_view part, std::string_view whole)
{
    return part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size();
}

} // namespace

// --- X-Sentry-Auth header ------------------------------------------------------------

TEST(AuthHeader, MinimalAndFull)
{
    const Auth minimal = mustParseHeader("Sentry sentry_key=abc, sentry_version=7");
    EXPECT_EQ(minimal.publicKey, "abc");
    EXPECT_EQ(minimal.version, 7);
    EXPECT_TRUE(minimal.isPublic());
    EXPECT_EQ(minimal.clientAgent, std::nullopt);
    EXPECT_EQ(minimal.timestamp, std::nullopt);
    EXPECT_EQ(minimal.toString(), "Sentry sentry_key=abc, sentry_version=7");

    const Auth full = mustParseHeader("Sentry sentry_key=abc, sentry_secret=def, sentry_version=7.1, "
                                      "sentry_client=raven-js/3.0, sentry_timestamp=1500000000.5");
    EXPECT_EQ(full.publicKey, "abc");
    EXPECT_EQ(full.secretKey, "def");
    EXPECT_FALSE(full.isPublic());
    EXPECT_EQ(full.version, 7);
    EXPECT_EQ(full.clientAgent, "raven-js/3.0");
    EXPECT_EQ(full.timestamp, 1500000000.5);
    EXPECT_EQ(full.toString(), "Sentry sentry_key=abc, sentry_version=7, sentry_timestamp=1500000000.5, "
                               "sentry_client=raven-js/3.0, sentry_secret=def");
}

TEST(AuthHeader, PrefixIsCaseInsensitiveAndEndsAtTheFirstSpace)
{
    EXPECT_EQ(mustParseHeader("sentry sentry_key=a").publicKey, "a");
    EXPECT_EQ(mustParseHeader("SENTRY sentry_key=a").publicKey, "a");
    EXPECT_EQ(mustParseHeader("SeNtRy  sentry_key=a").publicKey, "a");
    EXPECT_EQ(headerError(""), "non_sentry_auth");
    EXPECT_EQ(headerError("Basic dXNlcjpwYXNz"), "non_sentry_auth");
    EXPECT_EQ(headerError("Bearer sentry_key=a"), "non_sentry_auth");
    EXPECT_EQ(headerError(" Sentry sentry_key=a"), "non_sentry_auth");
    EXPECT_EQ(headerError("Sentry\tsentry_key=a"), "non_sentry_auth");
    EXPECT_EQ(headerError("Sentry,sentry_key=a"), "non_sentry_auth");
    EXPECT_EQ(headerError("Sentryx sentry_key=a"), "non_sentry_auth");
    EXPECT_EQ(headerError("Sentr sentry_key=a"), "non_sentry_auth");
    EXPECT_EQ(headerError("Sentry"), "missing_public_key");
    EXPECT_EQ(headerError("Sentry "), "missing_public_key");
}

TEST(AuthHeader, VersionRules)
{
    EXPECT_EQ(mustParseHeader("Sentry sentry_key=a").version, kLatestProtocolVersion);
    EXPECT_EQ(mustParseHeader("Sentry sentry_key=a, sentry_version=5").version, 5);
    EXPECT_EQ(mustParseHeader("Sentry sentry_key=a, sentry_version=+6").version, 6);
    EXPECT_EQ(mustParseHeader("Sentry sentry_key=a, sentry_version=7.x.y").version, 7);
    EXPECT_EQ(mustParseHeader("Sentry sentry_key=a, sentry_version=007").version, 7);
    EXPECT_EQ(mustParseHeader("Sentry sentry_key=a, sentry_version=65535").version, 65535);
    for (const char* bad : {"", "x", "-7", "+", ".7", "65536", "7x", "1e1", "0x7", " 7 7"}) {
        const std::string header = "Sentry sentry_key=a, sentry_version=" + std::string(bad);
        EXPECT_EQ(headerError(header), "invalid_version") << header;
    }
    // A bad version fails at once, before the missing key is noticed.
    EXPECT_EQ(headerError("Sentry sentry_version=abc"), "invalid_version");
    EXPECT_EQ(headerError("Sentry sentry_version=abc, sentry_key=a"), "invalid_version");
}

TEST(AuthHeader, ItemSplittingAndTrimming)
{
    EXPECT_EQ(mustParseHeader("Sentry   sentry_key =  abc  ,sentry_version= 7 ").publicKey, "abc");
    // Only the first two '=' pieces count.
    EXPECT_EQ(mustParseHeader("Sentry sentry_key=a=b").publicKey, "a");
    // Items without '=' and unknown keys are ignored.
    EXPECT_EQ(mustParseHeader("Sentry foo, sentry_key=a, bar=baz,,").publicKey, "a");
    // Last occurrence wins.
    EXPECT_EQ(mustParseHeader("Sentry sentry_key=, sentry_key=b").publicKey, "b");
    EXPECT_EQ(headerError("Sentry sentry_key=a, sentry_key="), "missing_public_key");
    // Key names are case-sensitive.
    EXPECT_EQ(headerError("Sentry SENTRY_KEY=a"), "missing_public_key");
    EXPECT_EQ(headerError("Sentry sentry_key"), "missing_public_key");
    EXPECT_EQ(headerError("Sentry sentry_key=   "), "missing_public_key");
    // Rust's str::trim removes Unicode White_Space, not only ASCII.
    EXPECT_EQ(mustParseHeader("Sentry sentry_key=\xc2\xa0"
                              "abc\xe3\x80\x80, sentry_version=\xe2\x80\x83"
                              "7")
                  .publicKey,
              "abc");
    EXPECT_EQ(headerError("Sentry sentry_key=\xe2\x80\xa8\xc2\x85"), "missing_public_key");
    // No percent-decoding in the header form.
    EXPECT_EQ(mustParseHeader("Sentry sentry_key=a%20b").publicKey, "a%20b");
    // Client and secret may be empty strings (present, not absent).
    const Auth empties = mustParseHeader("Sentry sentry_key=a, sentry_client=, sentry_secret=");
    EXPECT_EQ(empties.clientAgent, "");
    EXPECT_EQ(empties.secretKey, "");
    EXPECT_FALSE(empties.isPublic());
}

TEST(AuthHeader, TimestampNeverFails)
{
    struct Case
    {
        std::string text;
        std::optional<double> value;
    };
    const std::vector<Case> cases = {
        {"1500000000", 1500000000.0},
        {"1500000000.25", 1500000000.25},
        {"+5", 5.0},
        {"5.", 5.0},
        {".5", 0.5},
        {"1e3", 1000.0},
        {"0", 0.0},
        {"-0", 0.0},
        {"9e18", 9e18},
        {"1e19", std::nullopt}, // beyond what SystemTime holds
        {"-1", std::nullopt},
        {"abc", std::nullopt},
        {"", std::nullopt},
        {"1e", std::nullopt},
        {".", std::nullopt},
        {"inf", std::nullopt},
        {"NaN", std::nullopt},
        {"1e400", std::nullopt},
        {"+-1", std::nullopt},
        {"0x10", std::nullopt},
        // Rounded to whole nanoseconds, ties to even, as the crate's SystemTime.
        {"1e-10", 0.0},
        {"0.0009765625", 0.000976562}, // 976562.5 ns -> even
        {"0.0029296875", 0.002929688}, // 2929687.5 ns -> even
        {"2.5e-9", 3e-9},              // the double is just above 2.5 ns
    };
    for (const Case& c : cases) {
        const Auth auth = mustParseHeader("Sentry sentry_key=a, sentry_timestamp=" + c.text);
        EXPECT_EQ(auth.timestamp, c.value) << c.text;
    }
    // A later unparsable timestamp clears an earlier one, as the crate assigns None.
    EXPECT_EQ(mustParseHeader("Sentry sentry_key=a, sentry_timestamp=5, sentry_timestamp=x").timestamp,
              std::nullopt);
}

TEST(AuthHeader, DisplayFormatsTimestampsLikeRust)
{
    Auth auth;
    auth.publicKey = "k";
    auth.timestamp = 1.0;
    EXPECT_EQ(auth.toString(), "Sentry sentry_key=k, sentry_version=7, sentry_timestamp=1");
    auth.timestamp = 1e18;
    EXPECT_EQ(auth.toString(), "Sentry sentry_key=k, sentry_version=7, sentry_timestamp=1000000000000000000");
    auth.timestamp = 0.1;
    EXPECT_EQ(auth.toString(), "Sentry sentry_key=k, sentry_version=7, sentry_timestamp=0.1");
    // Shortest digits padded with zeros, not every integer digit.
    auth.timestamp = 274552390023935232.0;
    EXPECT_EQ(auth.toString(), "Sentry sentry_key=k, sentry_version=7, sentry_timestamp=274552390023935230");
    // Exactly halfway between two shortest candidates Rust takes the upper one.
    auth.timestamp = 79640381025265.125;
    EXPECT_EQ(auth.toString(), "Sentry sentry_key=k, sentry_version=7, sentry_timestamp=79640381025265.13");
    auth.timestamp = 1700000000.00390625;
    EXPECT_EQ(auth.toString(), "Sentry sentry_key=k, sentry_version=7, sentry_timestamp=1700000000.0039063");
}

TEST(AuthHeader, ErrorCodesAndMessages)
{
    EXPECT_EQ(authErrorCode(AuthError::NonSentryAuth), "non_sentry_auth");
    EXPECT_EQ(authErrorCode(AuthError::MissingPublicKey), "missing_public_key");
    EXPECT_EQ(authErrorCode(AuthError::InvalidVersion), "invalid_version");
    for (AuthError error : {AuthError::NonSentryAuth, AuthError::MissingPublicKey, AuthError::InvalidVersion})
        EXPECT_FALSE(authErrorMessage(error).empty());
}

TEST(AuthHeader, HostileHeadersDoNotCrash)
{
    const std::vector<std::string> inputs = {
        "Sentry \xff\xfe=\xff",
        "Sentry sentry_key=\xff",
        "Sentry sentry_key=\xe2\x80",
        "Sentry sentry_key=a\0b"s,
        "\0"s,
        "Sentry " + std::string(100000, ','),
        "Sentry " + std::string(100000, '='),
        "Sentry sentry_key=" + std::string(100000, ' '),
        "Sentry sentry_key=" + std::string(1 << 20, 'k'),
        "Sentry " + std::string(30000, '\x85'),
    };
    for (const std::string& input : inputs) {
        const AuthParseResult result = parseAuthHeader(input);
        if (result.auth) {
            EXPECT_FALSE(result.auth->publicKey.empty());
        }
        (void)parseAuthQuery(input);
        std::string scratch;
        (void)findSentryKeyInQuery(input, scratch);
    }
    // Invalid UTF-8 in a value comes out replaced, never raw.
    EXPECT_EQ(mustParseHeader("Sentry sentry_key=a\xff").publicKey, "a\xef\xbf\xbd");
    EXPECT_EQ(mustParseHeader("Sentry sentry_key=\xe2\x80").publicKey, "\xef\xbf\xbd");
    EXPECT_EQ(mustParseHeader("Sentry sentry_key=a\0b"s).publicKey, "a\0b"s);
}

// --- Query string ----------------------------------------------------------------------

TEST(AuthQuery, FromQueryString)
{
    const AuthParseResult ok = parseAuthQuery("sentry_key=abc&sentry_version=7&sentry_client=sdk%2F1.0");
    ASSERT_TRUE(ok.auth);
    EXPECT_EQ(ok.auth->publicKey, "abc");
    EXPECT_EQ(ok.auth->clientAgent, "sdk/1.0");

    EXPECT_EQ(parseAuthQuery("sentry_key=a%20b").auth->publicKey, "a b");
    EXPECT_EQ(parseAuthQuery("sentry_key=a+b").auth->publicKey, "a b");
    EXPECT_EQ(parseAuthQuery("sentry%5Fkey=abc").auth->publicKey, "abc");
    EXPECT_EQ(parseAuthQuery("&&sentry_key=a&&").auth->publicKey, "a");
    EXPECT_EQ(parseAuthQuery("sentry_key=a=b").auth->publicKey, "a=b"); // split at the first '=' only
    EXPECT_EQ(parseAuthQuery("sentry_key=%ff").auth->publicKey, "\xef\xbf\xbd");
    EXPECT_EQ(parseAuthQuery("sentry_key=%").auth->publicKey, "%");
    EXPECT_EQ(parseAuthQuery("sentry_key=a&sentry_key=b").auth->publicKey, "b");

    EXPECT_EQ(parseAuthQuery("").error, AuthError::MissingPublicKey);
    EXPECT_EQ(parseAuthQuery("sentry_key").error, AuthError::MissingPublicKey);
    EXPECT_EQ(parseAuthQuery("sentry_key=a&sentry_key=").error, AuthError::MissingPublicKey);
    EXPECT_EQ(parseAuthQuery("sentry_key=abc&sentry_version=x").error, AuthError::InvalidVersion);
    EXPECT_EQ(parseAuthQuery("sentry_version=x").error, AuthError::InvalidVersion);
    EXPECT_EQ(parseAuthQuery("sentry_key=a;sentry_version=x").auth->publicKey, "a;sentry_version=x");
}

TEST(AuthQuery, FindSentryKeyWithoutAllocating)
{
    const std::string_view query = "x=1&sentry_key=abc&y=2";
    std::string scratch;
    const auto key = findSentryKeyInQuery(query, scratch);
    ASSERT_TRUE(key);
    EXPECT_EQ(*key, "abc");
    EXPECT_TRUE(viewsInto(*key, query));
    EXPECT_EQ(scratch.capacity(), std::string().capacity()); // untouched

    // A percent-encoded name still matches without decoding the value.
    const std::string_view encodedName = "sentry%5fkey=k";
    const auto fromEncodedName = findSentryKeyInQuery(encodedName, scratch);
    ASSERT_TRUE(fromEncodedName);
    EXPECT_EQ(*fromEncodedName, "k");
    EXPECT_TRUE(viewsInto(*fromEncodedName, encodedName));
}

TEST(AuthQuery, FindSentryKeyDecodesIntoScratch)
{
    std::string scratch = "stale";
    const auto decoded = findSentryKeyInQuery("x=1&sentry_key=a%2Bb+c", scratch);
    ASSERT_TRUE(decoded);
    EXPECT_EQ(*decoded, "a+b c");
    EXPECT_EQ(decoded->data(), scratch.data());

    EXPECT_EQ(findSentryKeyInQuery("sentry_key=%", scratch), "%");
    EXPECT_EQ(findSentryKeyInQuery("sentry_key=%zz", scratch), "%zz");
    EXPECT_EQ(findSentryKeyInQuery("sentry_key=\xff", scratch), "\xef\xbf\xbd");
    EXPECT_EQ(findSentryKeyInQuery("sentry_key=%C3%A9", scratch), "\xc3\xa9");
}

TEST(AuthQuery, FindSentryKeyRules)
{
    std::string scratch;
    EXPECT_EQ(findSentryKeyInQuery("sentry_key=a&sentry_key=b", scratch), "b");
    EXPECT_EQ(findSentryKeyInQuery("sentry_key=a&sentry_key=", scratch), std::nullopt);
    EXPECT_EQ(findSentryKeyInQuery("sentry_key=a&sentry_key", scratch), std::nullopt);
    EXPECT_EQ(findSentryKeyInQuery("sentry_key=+", scratch), " ");
    EXPECT_EQ(findSentryKeyInQuery("", scratch), std::nullopt);
    EXPECT_EQ(findSentryKeyInQuery("foo=bar", scratch), std::nullopt);
    EXPECT_EQ(findSentryKeyInQuery("sentry_keyx=a", scratch), std::nullopt);
    EXPECT_EQ(findSentryKeyInQuery("xsentry_key=a", scratch), std::nullopt);
    EXPECT_EQ(findSentryKeyInQuery("sentry+key=a", scratch), std::nullopt);
    EXPECT_EQ(findSentryKeyInQuery("sentry_key%", scratch), std::nullopt);
    EXPECT_EQ(findSentryKeyInQuery("Sentry_Key=a", scratch), std::nullopt);
    EXPECT_EQ(findSentryKeyInQuery("&&&sentry_key=a=b&&&", scratch), "a=b");
    EXPECT_EQ(findSentryKeyInQuery("sentry_key=a#frag", scratch), "a#frag"); // caller strips the fragment
}
