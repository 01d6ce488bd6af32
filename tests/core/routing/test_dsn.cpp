#include "core/routing/access_log.h"
#include "core/routing/dsn.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

using namespace cellscope::routing;
using namespace std::string_literals;

namespace {

Dsn mustParse(const std::string& text)
{
    const DsnParseResult result = parseDsn(text);
    EXPECT_TRUE(result.dsn) << text << " -> " << dsnErrorCode(result.error);
    return result.dsn.value_or(Dsn{});
}

std::string errorOf(const std::string& text)
{
    const DsnParseResult result = parseDsn(text);
    return result.dsn ? "ok" : std::string(dsnErrorCode(result.error));
}

} // namespace

// --- Accepted forms -------------------------------------------------------------

TEST(Dsn, PublicKeyOnly)
{
    const Dsn dsn = mustParse("https://public@sentry.example.com/42");
    EXPECT_EQ(dsn.scheme, "https");
    EXPECT_EQ(dsn.publicKey, "public");
    EXPECT_EQ(dsn.secretKey, std::nullopt);
    EXPECT_EQ(dsn.host, "sentry.example.com");
    EXPECT_EQ(dsn.port, std::nullopt);
    EXPECT_EQ(dsn.effectivePort(), 443);
    EXPECT_EQ(dsn.path, "/");
    EXPECT_EQ(dsn.projectId, "42");
    // The crate always prints the colon after the public key.
    EXPECT_EQ(dsn.toString(), "https://public:@sentry.example.com/42");
    EXPECT_EQ(dsn.storeUrl(), "https://sentry.example.com/api/42/store/");
    EXPECT_EQ(dsn.envelopeUrl(), "https://sentry.example.com/api/42/envelope/");
}

TEST(Dsn, WithSecretKey)
{
    const Dsn dsn = mustParse("https://public:secret@sentry.example.com/42");
    EXPECT_EQ(dsn.publicKey, "public");
    EXPECT_EQ(dsn.secretKey, "secret");
    EXPECT_EQ(dsn.toString(), "https://public:secret@sentry.example.com/42");
}

TEST(Dsn, ExplicitPortIsKept)
{
    const Dsn dsn = mustParse("https://username:password@domain:8888/23%21");
    EXPECT_EQ(dsn.port, 8888);
    EXPECT_EQ(dsn.effectivePort(), 8888);
    EXPECT_EQ(dsn.projectId, "23%21");
    EXPECT_EQ(dsn.path, "/");
    EXPECT_EQ(dsn.toString(), "https://username:password@domain:8888/23%21");
    EXPECT_EQ(dsn.storeUrl(), "https://domain:8888/api/23%21/store/");
    EXPECT_EQ(dsn.envelopeUrl(), "https://domain:8888/api/23%21/envelope/");
}

TEST(Dsn, DefaultPortIsDropped)
{
    const Dsn https = mustParse("https://k@host:443/42");
    EXPECT_EQ(https.port, std::nullopt);
    EXPECT_EQ(https.effectivePort(), 443);
    EXPECT_EQ(https.toString(), "https://k:@host/42");

    const Dsn http = mustParse("http://k@host:80/42");
    EXPECT_EQ(http.port, std::nullopt);
    EXPECT_EQ(http.effectivePort(), 80);
    EXPECT_EQ(http.storeUrl(), "http://host/api/42/store/");

    // 80 is not the https default, so it stays.
    const Dsn crossed = mustParse("https://k@host:80/42");
    EXPECT_EQ(crossed.port, 80);
    EXPECT_EQ(crossed.toString(), "https://k:@host:80/42");
    EXPECT_EQ(crossed.storeUrl(), "https://host:80/api/42/store/");

    EXPECT_EQ(mustParse("https://k@host:00443/42").port, std::nullopt);
    EXPECT_EQ(mustParse("https://k@host:/42").port, std::nullopt);
}

TEST(Dsn, CustomPathPrefix)
{
    const Dsn dsn = mustParse("http://username:@domain:8888/pathone/pathtwo/pid");
    EXPECT_EQ(dsn.projectId, "pid");
    EXPECT_EQ(dsn.path, "/pathone/pathtwo/");
    EXPECT_EQ(dsn.toString(), "http://username:@domain:8888/pathone/pathtwo/pid");
    EXPECT_EQ(dsn.storeUrl(), "http://domain:8888/pathone/pathtwo/api/pid/store/");

    // Trailing slash trimmed; inner empty segments kept; dot segments resolved first.
    EXPECT_EQ(mustParse("https://k@h/sentry/7/").path, "/sentry/");
    EXPECT_EQ(mustParse("https://k@h/sentry/7/").projectId, "7");
    EXPECT_EQ(mustParse("https://k@h/a//7").path, "/a//");
    EXPECT_EQ(mustParse("https://k@h///a/7").path, "/a/");
    EXPECT_EQ(mustParse("https://k@h/a/b/../7").path, "/a/");
    EXPECT_EQ(mustParse("https://k@h/a/b/../7").toString(), "https://k:@h/a/7");
    // The url crate never lets ".." remove a drive-letter-shaped segment.
    EXPECT_EQ(mustParse("https://k@h/c:/../7").path, "/c:/");
}

TEST(Dsn, Ipv6Host)
{
    const Dsn dsn = mustParse("http://k@[0:0:0:0:0:0:0:1]:9000/1");
    EXPECT_EQ(dsn.host, "[::1]");
    EXPECT_EQ(dsn.port, 9000);
    EXPECT_EQ(dsn.toString(), "http://k:@[::1]:9000/1");
    EXPECT_EQ(dsn.storeUrl(), "http://[::1]:9000/api/1/store/");
    EXPECT_EQ(mustParse("https://k@[2001:DB8::1]/1").host, "[2001:db8::1]");
}

TEST(Dsn, SaasShapes)
{
    const Dsn legacy = mustParse("https://key@sentry.io/1");
    EXPECT_EQ(legacy.host, "sentry.io");
    EXPECT_EQ(legacy.orgId(), std::nullopt);
    EXPECT_EQ(dsnHostLabelBeforeAppHost(legacy.host, "sentry.io"), std::nullopt);

    const Dsn regionless = mustParse("https://key@o1.ingest.sentry.io/1");
    EXPECT_EQ(regionless.orgId(), 1u);
    EXPECT_EQ(dsnHostLabelBeforeAppHost(regionless.host, "sentry.io"), std::nullopt);

    const Dsn regional = mustParse("https://key@o1.ingest.de.sentry.io/1");
    EXPECT_EQ(regional.orgId(), 1u);
    EXPECT_EQ(dsnHostLabelBeforeAppHost(regional.host, "sentry.io"), "de");
    EXPECT_EQ(regional.toString(), "https://key:@o1.ingest.de.sentry.io/1");
    EXPECT_EQ(regional.envelopeUrl(), "https://o1.ingest.de.sentry.io/api/1/envelope/");
}

TEST(Dsn, NormalisesLikeTheUrlCrate)
{
    const Dsn dsn = mustParse("  HTTPS://Pub%41:S%20c@O7.INGEST.US.SENTRY.IO/42\n");
    EXPECT_EQ(dsn.scheme, "https");
    EXPECT_EQ(dsn.publicKey, "Pub%41"); // username stays percent-encoded
    EXPECT_EQ(dsn.secretKey, "S%20c");
    EXPECT_EQ(dsn.host, "o7.ingest.us.sentry.io");
    EXPECT_EQ(dsn.orgId(), 7u);

    EXPECT_EQ(mustParse("https://a b:c d@h/1").publicKey, "a%20b");
    EXPECT_EQ(mustParse("https://a b:c d@h/1").secretKey, "c%20d");
    EXPECT_EQ(mustParse("https://k:@h/1").secretKey, std::nullopt);
    EXPECT_EQ(mustParse("https://k@h/1?sentry_key=x#frag").projectId, "1");
    EXPECT_EQ(mustParse("https://k@h/abc123youandme%21%21").projectId, "abc123youandme%21%21");
    EXPECT_EQ(mustParse("https://k@h/42xxx").projectId, "42xxx"); // newer ProjectId: any non-empty string
    EXPECT_EQ(mustParse("https://k@h/1%").projectId, "1%");       // like the crate, a stray '%' is data
    EXPECT_EQ(mustParse("https:k@h/1").host, "h");                // special schemes need no slashes
    EXPECT_EQ(mustParse("https:\\\\k@h\\p\\1").path, "/p/");
}

// The crate's own tests (sentry-types/src/dsn.rs), re-stated.
TEST(Dsn, CrateRoundTrips)
{
    for (const char* text :
         {"https://username:@domain/42", "http://username:@domain/42", "https://username:@domain:8888/42",
          "http://username:@domain:8888/42", "https://username:password@domain:8888/23%21"})
        EXPECT_EQ(mustParse(text).toString(), text);
    EXPECT_EQ(mustParse("https://username@domain:8888/42").toString(), "https://username:@domain:8888/42");
    EXPECT_EQ(mustParse("https://username:@domain:8888/42").storeUrl(), "https://domain:8888/api/42/store/");
    EXPECT_EQ(mustParse("http://username:@domain/42").envelopeUrl(), "http://domain/api/42/envelope/");
}

// The DSNs Sentry itself generates (the formats in docs/dsn.md).
TEST(Dsn, SentrySideExamples)
{
    struct Case
    {
        std::string text;
        std::string canonical;
        std::string host;
        std::optional<std::uint16_t> port;
        std::optional<std::uint64_t> orgId;
    };
    const std::vector<Case> cases = {
        {"http://public:secret@example.com/42", "http://public:secret@example.com/42", "example.com", {}, {}},
        {"https://public:secret@example.com/42",
         "https://public:secret@example.com/42",
         "example.com",
         {},
         {}},
        {"http://public:secret@example.com:81/42",
         "http://public:secret@example.com:81/42",
         "example.com",
         81,
         {}},
        {"http://public@public_endpoint.com/42",
         "http://public:@public_endpoint.com/42",
         "public_endpoint.com",
         {},
         {}},
        {"http://public:secret@endpoint.com/42",
         "http://public:secret@endpoint.com/42",
         "endpoint.com",
         {},
         {}},
        {"http://abc:xyz@testserver/42", "http://abc:xyz@testserver/42", "testserver", {}, {}},
        {"http://abc@testserver/42", "http://abc:@testserver/42", "testserver", {}, {}},
        {"http://abc@o1.ingest.testserver/42",
         "http://abc:@o1.ingest.testserver/42",
         "o1.ingest.testserver",
         {},
         {}},
        {"http://abc@us.testserver/42", "http://abc:@us.testserver/42", "us.testserver", {}, {}},
        {"http://abc@o1.ingest.us.testserver/42",
         "http://abc:@o1.ingest.us.testserver/42",
         "o1.ingest.us.testserver",
         {},
         {}},
        {"https://0123456789abcdef0123456789abcdef@o4505.ingest.us.sentry.io/4506",
         "https://0123456789abcdef0123456789abcdef:@o4505.ingest.us.sentry.io/4506",
         "o4505.ingest.us.sentry.io",
         {},
         4505},
        {"https://0123456789abcdef0123456789abcdef@o4505.ingest.sentry.io/4506",
         "https://0123456789abcdef0123456789abcdef:@o4505.ingest.sentry.io/4506",
         "o4505.ingest.sentry.io",
         {},
         4505},
        {"https://0123456789abcdef0123456789abcdef@sentry.io/4506",
         "https://0123456789abcdef0123456789abcdef:@sentry.io/4506",
         "sentry.io",
         {},
         {}},
    };
    for (const Case& c : cases) {
        const Dsn dsn = mustParse(c.text);
        EXPECT_EQ(dsn.toString(), c.canonical) << c.text;
        EXPECT_EQ(dsn.host, c.host) << c.text;
        EXPECT_EQ(dsn.port, c.port) << c.text;
        EXPECT_EQ(dsn.orgId(), c.orgId) << c.text;
    }
    EXPECT_EQ(dsnHostLabelBeforeAppHost("o1.ingest.us.testserver", "testserver"), "us");
    EXPECT_EQ(dsnHostLabelBeforeAppHost("o1.ingest.testserver", "testserver"), std::nullopt);
}

// --- org_id ------------------------------------------------------------------------

TEST(Dsn, OrgIdEdgeCases)
{
    struct Case
    {
        std::string host;
        std::optional<std::uint64_t> orgId;
    };
    const std::vector<Case> cases = {
        {"o123.ingest.sentry.io", 123},
        {"o123.ingest.de.sentry.io", 123},
        {"o0.ingest.sentry.io", 0},
        {"o007.ingest.sentry.io", 7},
        {"o18446744073709551615.ingest.sentry.io", std::numeric_limits<std::uint64_t>::max()},
        {"o18446744073709551616.ingest.sentry.io", std::nullopt}, // overflow
        {"o99999999999999999999999.ingest.sentry.io", std::nullopt},
        {"blah.ingest.sentry.io", std::nullopt},
        {"o123.sentry.io", std::nullopt},
        {"relay.example.com", std::nullopt},
        {"localhost", std::nullopt},
        {"oabc.ingest.sentry.io", std::nullopt},
        {"o12a.ingest.sentry.io", std::nullopt},
        {"o-1.ingest.sentry.io", std::nullopt},
        {"o+1.ingest.sentry.io", std::nullopt},
        {"123.ingest.sentry.io", std::nullopt},
        {".ingest.sentry.io", std::nullopt},
        {"o.ingest.sentry.io", std::nullopt},
        {"o1.ingest.a.b.sentry.io", std::nullopt}, // splitn(6): too many labels
        {"o1.ingest..sentry.io", 1},               // any middle label, even empty
        {"o1.ingest.sentry.io.", std::nullopt},
        {"o1.ingest.sentry.io.evil.com", std::nullopt},
        {"o1.ingest.sentry.com", std::nullopt},
        {"o1.notingest.sentry.io", std::nullopt},
        {"oo1.ingest.sentry.io", std::nullopt},
    };
    for (const Case& c : cases) {
        Dsn dsn;
        dsn.host = c.host;
        EXPECT_EQ(dsn.orgId(), c.orgId) << c.host;
    }
    // Through the parser the host is lowercased first.
    EXPECT_EQ(mustParse("https://k@O42.INGEST.SENTRY.IO/1").orgId(), 42u);
}

// --- Errors in the crate's order -----------------------------------------------------

TEST(Dsn, CrateErrors)
{
    EXPECT_EQ(errorOf("https://:password@domain:8888/23"), "no_username");
    EXPECT_EQ(errorOf("random string"), "invalid_url");
    EXPECT_EQ(errorOf("https://username:password@:8888/42"), "invalid_url");
    EXPECT_EQ(errorOf("https://username:password@domain:8888/"), "no_project_id");
    EXPECT_EQ(errorOf("ftp://username:password@domain:8888/1"), "invalid_scheme");
}

TEST(Dsn, FirstProblemMetIsReported)
{
    // URL validity is checked before anything else.
    EXPECT_EQ(errorOf("ftp://:p@domain:99999/"), "invalid_url");
    // Empty path beats a missing username and a wrong scheme.
    EXPECT_EQ(errorOf("ftp://domain/"), "no_project_id");
    EXPECT_EQ(errorOf("https://:@host/"), "no_project_id");
    EXPECT_EQ(errorOf("https://host"), "no_project_id");
    EXPECT_EQ(errorOf("https://k@h/a/.."), "no_project_id");
    // An empty project id beats a missing username and a wrong scheme.
    EXPECT_EQ(errorOf("ftp://domain//"), "invalid_project_id");
    EXPECT_EQ(errorOf("https://h//"), "invalid_project_id");
    EXPECT_EQ(errorOf("foo:"), "invalid_project_id");
    // A missing username beats a wrong scheme.
    EXPECT_EQ(errorOf("ftp://domain/1"), "no_username");
    EXPECT_EQ(errorOf("mailto:x"), "no_username");
    EXPECT_EQ(errorOf("file:///1"), "no_username");
    // Only then the scheme.
    EXPECT_EQ(errorOf("foo://u@h/1"), "invalid_scheme");
    EXPECT_EQ(errorOf("wss://u@h/1"), "invalid_scheme");
}

TEST(Dsn, InvalidUrlCarriesTheUrlReason)
{
    const DsnParseResult result = parseDsn("https://key@b\xc3\xbc"
                                           "cher.de/1");
    ASSERT_FALSE(result.dsn);
    EXPECT_EQ(result.error, DsnError::InvalidUrl);
    ASSERT_TRUE(result.urlError);
    EXPECT_EQ(urlErrorCode(*result.urlError), "idna_unsupported");

    const DsnParseResult other = parseDsn("https://h//");
    EXPECT_EQ(other.urlError, std::nullopt);
}

TEST(Dsn, ErrorCodesAndMessages)
{
    EXPECT_EQ(dsnErrorCode(DsnError::InvalidUrl), "invalid_url");
    EXPECT_EQ(dsnErrorCode(DsnError::NoProjectId), "no_project_id");
    EXPECT_EQ(dsnErrorCode(DsnError::NoUsername), "no_username");
    EXPECT_EQ(dsnErrorCode(DsnError::InvalidScheme), "invalid_scheme");
    EXPECT_EQ(dsnErrorCode(DsnError::InvalidProjectId), "invalid_project_id");
    for (DsnError error : {DsnError::InvalidUrl, DsnError::NoProjectId, DsnError::NoUsername,
                           DsnError::InvalidScheme, DsnError::InvalidProjectId}) {
        const std::string_view message = dsnErrorMessage(error);
        EXPECT_FALSE(message.empty());
        EXPECT_EQ(message.back(), '.');
    }
}

// --- Hostile input: rejected cleanly, never a crash ------------------------------------

TEST(Dsn, HostileInputsAreRejected)
{
    struct Case
    {
        std::string text;
        DsnError error;
    };
    const std::string mega(1 << 20, 'a');
    const std::vector<Case> cases = {
        {"", DsnError::InvalidUrl},
        {" ", DsnError::InvalidUrl},
        {"\t\n\r", DsnError::InvalidUrl},
        {"\0"s, DsnError::InvalidUrl},
        {"\0\0\0"s, DsnError::InvalidUrl},
        {"https://key@ho\0st/1"s, DsnError::InvalidUrl},
        {"https://key@host\0:80/1"s, DsnError::InvalidUrl},
        {"https", DsnError::InvalidUrl},
        {"https:", DsnError::InvalidUrl},
        {"https:/", DsnError::InvalidUrl},
        {"https://", DsnError::InvalidUrl},
        {"https://key@", DsnError::InvalidUrl},
        {"https://key@/1", DsnError::InvalidUrl},
        {"https://key@:80/1", DsnError::InvalidUrl},
        {"https://key@host:99999/1", DsnError::InvalidUrl},
        {"https://key@host:65536/1", DsnError::InvalidUrl},
        {"https://key@host:-1/1", DsnError::InvalidUrl},
        {"https://key@host:80a/1", DsnError::InvalidUrl},
        {"https://key@host: 1/1", DsnError::InvalidUrl},
        {"https://key@host:1:2/1", DsnError::InvalidUrl},
        {"https://key@host:8080:/1", DsnError::InvalidUrl},
        {"https://key@host:65535x/1", DsnError::InvalidUrl},
        {"https://key@[::1/1", DsnError::InvalidUrl},
        {"https://key@[/1", DsnError::InvalidUrl},
        {"https://key@]/1", DsnError::InvalidUrl},
        {"https://key@[]/1", DsnError::InvalidUrl},
        {"https://key@[::1::2]/1", DsnError::InvalidUrl},
        {"https://key@[1:2:3:4:5:6:7:8:9]/1", DsnError::InvalidUrl},
        {"https://key@[::1]x/1", DsnError::InvalidUrl},
        {"https://key@[zz::1]/1", DsnError::InvalidUrl},
        {"https://key@[::1.2.3.256]/1", DsnError::InvalidUrl},
        {"https://key@[v1.x]/1", DsnError::InvalidUrl},
        {"https://key@[::1]:99999/1", DsnError::InvalidUrl},
        {"https://key@1.2.3.256/1", DsnError::InvalidUrl},
        {"https://key@1.2.3.4.5/1", DsnError::InvalidUrl},
        {"https://key@4294967296/1", DsnError::InvalidUrl},
        {"http://key@0x100000000/1", DsnError::InvalidUrl},
        {"https://key@foo.09/1", DsnError::InvalidUrl},
        {"https://key@%/1", DsnError::InvalidUrl},
        {"https://key@host%/1", DsnError::InvalidUrl},
        {"https://key@ho%25st/1", DsnError::InvalidUrl},
        {"https://key@ho st/1", DsnError::InvalidUrl},
        {"https://key@ho<st/1", DsnError::InvalidUrl},
        {"https://key@ho^st/1", DsnError::InvalidUrl},
        {"https://key@ho|st/1", DsnError::InvalidUrl},
        {"https://key@ho\x7fst/1", DsnError::InvalidUrl},
        {"https://key@b\xc3\xbc"
         "cher.de/1",
         DsnError::InvalidUrl},
        {"https://key@%C3%BC.de/1", DsnError::InvalidUrl},
        {"https://key@%FF.de/1", DsnError::InvalidUrl},
        {"https://key@xn--.de/1", DsnError::InvalidUrl},
        {"https://key@xn--bcher-kva!.de/1", DsnError::InvalidUrl},
        {"https://key@xn--" + std::string(3000, 'a') + "/1", DsnError::InvalidUrl},
        {"https://key@host/1\xff", DsnError::InvalidUrl},
        {"\xc3\x28", DsnError::InvalidUrl},
        {"https://\xed\xa0\x80@host/1", DsnError::InvalidUrl},
        {"%", DsnError::InvalidUrl},
        {"abc", DsnError::InvalidUrl},
        {"/1", DsnError::InvalidUrl},
        {"//key@host/1", DsnError::InvalidUrl},
        {"key@host/1", DsnError::InvalidUrl},
        {"1https://key@host/1", DsnError::InvalidUrl},
        {"ht tp://key@host/1", DsnError::InvalidUrl},
        {"https//key@host/1", DsnError::InvalidUrl},
        {"file://key@host/1", DsnError::InvalidUrl},
        {"https://key@" + mega + ".com:99999/1", DsnError::InvalidUrl},
        {std::string(1 << 20, '['), DsnError::InvalidUrl},
        {"https://key@" + std::string(100000, '[') + "/1", DsnError::InvalidUrl},
        {std::string(10000, '%'), DsnError::InvalidUrl},
        {"https://key@host", DsnError::NoProjectId},
        {"https://key@host/", DsnError::NoProjectId},
        {"https://key@host:/", DsnError::NoProjectId},
        {"https://key:secret@host", DsnError::NoProjectId},
        {"https://key@host/?x=1", DsnError::NoProjectId},
        {"https://key@host/#1", DsnError::NoProjectId},
        {"https://key@host/./", DsnError::NoProjectId},
        {"https://key@host/%2e%2e", DsnError::NoProjectId},
        {"https://key@host\\", DsnError::NoProjectId},
        {"https://key@host//", DsnError::InvalidProjectId},
        {"https://key@host" + std::string(5000, '/'), DsnError::InvalidProjectId},
        {"https://@host/1", DsnError::NoUsername},
        {"https://:secret@host/1", DsnError::NoUsername},
        {"  \x01https://:@host/1", DsnError::NoUsername},
        {"file:///1", DsnError::NoUsername},
        {"mailto:key@host", DsnError::NoUsername},
        {"javascript:alert(1)", DsnError::NoUsername},
        {"data:text/plain,1", DsnError::NoUsername},
        {"ftp://key@host/1", DsnError::InvalidScheme},
        {"ws://key@host/1", DsnError::InvalidScheme},
        {"sentry://key@host/1", DsnError::InvalidScheme},
        {"HTTPX://key@host/1", DsnError::InvalidScheme},
    };
    ASSERT_GE(cases.size(), 60u);
    for (const Case& c : cases) {
        const std::string shown = c.text.substr(0, 80);
        const DsnParseResult result = parseDsn(c.text);
        EXPECT_FALSE(result.dsn) << shown << " -> " << (result.dsn ? result.dsn->toString() : "");
        EXPECT_EQ(dsnErrorCode(result.error), dsnErrorCode(c.error)) << shown;
        // Every other entry point must survive the same bytes.
        (void)parseUrl(c.text);
        UrlView view;
        (void)splitUrl(c.text, view);
        (void)dsnHostLabelBeforeAppHost(c.text, "sentry.io");
    }
}

// --- Error-embed cell label ------------------------------------------------------------

TEST(Dsn, HostLabelBeforeAppHost)
{
    EXPECT_EQ(dsnHostLabelBeforeAppHost("o1.ingest.de.sentry.io", "sentry.io"), "de");
    EXPECT_EQ(dsnHostLabelBeforeAppHost("o1.ingest.us.sentry.io", "sentry.io"), "us");
    EXPECT_EQ(dsnHostLabelBeforeAppHost("x.o1.ingest.de.sentry.io", "sentry.io"), "de");
    EXPECT_EQ(dsnHostLabelBeforeAppHost("o1.ingest.sentry.io", "sentry.io"), std::nullopt);
    EXPECT_EQ(dsnHostLabelBeforeAppHost("ingest.de.sentry.io", "sentry.io"), std::nullopt);
    EXPECT_EQ(dsnHostLabelBeforeAppHost("sentry.io", "sentry.io"), std::nullopt);
    EXPECT_EQ(dsnHostLabelBeforeAppHost("io", "sentry.io"), std::nullopt);
    EXPECT_EQ(dsnHostLabelBeforeAppHost("", "sentry.io"), std::nullopt);
    EXPECT_EQ(dsnHostLabelBeforeAppHost("o1.ingest.de.example.com", "sentry.io"), std::nullopt);
    // The gateway's test is Python's str.endswith: plain and case-sensitive.
    EXPECT_EQ(dsnHostLabelBeforeAppHost("a.b.c.xsentry.io", "sentry.io"), "c");
    EXPECT_EQ(dsnHostLabelBeforeAppHost("o1.ingest.de.SENTRY.IO", "sentry.io"), std::nullopt);
    // The gateway passes urlparse's netloc: userinfo rides in the first label, a port defeats the suffix.
    EXPECT_EQ(dsnHostLabelBeforeAppHost("key@o1.ingest.de.sentry.io", "sentry.io"), "de");
    EXPECT_EQ(dsnHostLabelBeforeAppHost("o1.ingest.de.sentry.io:443", "sentry.io"), std::nullopt);
    // Empty labels count, as with str.split('.').
    EXPECT_EQ(dsnHostLabelBeforeAppHost("a..b.sentry.io", "sentry.io"), "b");
    EXPECT_EQ(dsnHostLabelBeforeAppHost("o1.ingest..sentry.io", "sentry.io"), "");
    // An empty app host matches everything and has one (empty) label.
    EXPECT_EQ(dsnHostLabelBeforeAppHost("a.b.c.d", ""), "c");
    EXPECT_EQ(dsnHostLabelBeforeAppHost("a.b.c", ""), std::nullopt);
}
