#include "core/routing/access_log.h"
#include "core/routing/byte_scan.h"
#include "core/routing/url.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <string_view>
#include <vector>

using namespace cellscope::routing;
using namespace std::string_literals;

namespace {

bool viewsInto(std::string_view part, std::string_view whole)
{
    return part.empty() ||
           (part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size());
}

std::string hrefOf(std::string_view input)
{
    const UrlParseResult result = parseUrl(input);
    if (!result.url)
        return "ERROR " + std::string(urlErrorCode(result.error));
    return result.url->href();
}

} // namespace

// --- splitUrl ---------------------------------------------------------------

TEST(SplitUrl, AbsoluteUrlWithEveryPart)
{
    const std::string_view input =
        "https://key:sec@o1.ingest.de.sentry.io:8443/api/1/envelope/?sentry_key=abc#frag";
    UrlView view;
    ASSERT_TRUE(splitUrl(input, view));
    EXPECT_EQ(view.scheme, "https");
    EXPECT_EQ(view.username, "key");
    EXPECT_EQ(view.password, "sec");
    EXPECT_EQ(view.host, "o1.ingest.de.sentry.io");
    EXPECT_EQ(view.portText, "8443");
    EXPECT_EQ(view.path, "/api/1/envelope/");
    EXPECT_EQ(view.query, "sentry_key=abc");
    EXPECT_EQ(view.fragment, "frag");
    EXPECT_TRUE(view.hasAuthority);
    for (std::string_view part : {view.scheme, view.username, view.password, view.host, view.portText,
                                  view.path, view.query, view.fragment})
        EXPECT_TRUE(viewsInto(part, input));
    EXPECT_EQ(effectivePort(view), 8443);
}

TEST(SplitUrl, OriginFormPath)
{
    UrlView view;
    ASSERT_TRUE(splitUrl("/api/0/organizations/acme/issues/?query=is:unresolved#top", view));
    EXPECT_FALSE(view.hasAuthority);
    EXPECT_TRUE(view.scheme.empty());
    EXPECT_TRUE(view.host.empty());
    EXPECT_EQ(view.path, "/api/0/organizations/acme/issues/");
    EXPECT_EQ(view.query, "query=is:unresolved");
    EXPECT_EQ(view.fragment, "top");
    EXPECT_EQ(effectivePort(view), std::nullopt);

    // An HTTP request target "//x" is a path, not a scheme-relative URL.
    ASSERT_TRUE(splitUrl("//api/0/", view));
    EXPECT_EQ(view.path, "//api/0/");
    EXPECT_FALSE(view.hasAuthority);

    ASSERT_TRUE(splitUrl("/", view));
    EXPECT_EQ(view.path, "/");
}

TEST(SplitUrl, CaseInsensitiveSchemeAndNoNormalisation)
{
    UrlView view;
    ASSERT_TRUE(splitUrl("HTTP://Example.COM", view));
    EXPECT_EQ(view.scheme, "HTTP");
    EXPECT_EQ(view.host, "Example.COM");
    EXPECT_EQ(view.path, "");
    EXPECT_TRUE(hostEquals(view.host, "example.com"));
    EXPECT_EQ(effectivePort(view), 80);

    ASSERT_TRUE(splitUrl("hTTpS://h/a/../%2e?q", view));
    EXPECT_EQ(view.path, "/a/../%2e");
    EXPECT_EQ(view.query, "q");
    EXPECT_EQ(effectivePort(view), 443);
}

TEST(SplitUrl, HostShapes)
{
    UrlView view;
    ASSERT_TRUE(splitUrl("http://[::1]:8080/x", view));
    EXPECT_EQ(view.host, "[::1]");
    EXPECT_EQ(view.portText, "8080");

    ASSERT_TRUE(splitUrl("http://[::1]", view));
    EXPECT_EQ(view.host, "[::1]");
    EXPECT_TRUE(view.portText.empty());

    ASSERT_TRUE(splitUrl("http://h:/x", view));
    EXPECT_EQ(view.host, "h");
    EXPECT_EQ(view.portText, "");
    EXPECT_EQ(effectivePort(view), 80);

    ASSERT_TRUE(splitUrl("https://h?q#f", view));
    EXPECT_EQ(view.path, "");
    EXPECT_EQ(view.query, "q");
    EXPECT_EQ(view.fragment, "f");

    ASSERT_TRUE(splitUrl("http://a@b@host/", view));
    EXPECT_EQ(view.username, "a@b");
    EXPECT_EQ(view.host, "host");

    ASSERT_TRUE(splitUrl("http://host:99999/", view)); // digits only; range is effectivePort's business
    EXPECT_EQ(effectivePort(view), std::nullopt);
}

TEST(SplitUrl, RejectsWhatItCannotSplit)
{
    const std::vector<std::string> inputs = {
        "",
        "x",
        "*",
        "mailto:x",
        "ftp://h/",
        "ws://h/",
        "http:/h",
        "http:h",
        "http:",
        "http://",
        "http:///x",
        "http://:80/",
        "http://u@/x",
        "http://h:8a/",
        "http://h:-1/",
        "http://[::1/x",
        "http://[::1]x/",
        "http://h]/",
        "http://a[b/",
        "http://a b/",
        "/a b",
        "/a\tb",
        "http://h\t/",
        "/x\x7f",
        "\0/x"s,
        "/x\0"s,
        "h ttp://h/",
    };
    for (const std::string& input : inputs) {
        UrlView view;
        view.host = "stale";
        EXPECT_FALSE(splitUrl(input, view)) << input;
        EXPECT_TRUE(view.host.empty()) << input;
    }
}

// The 16-bytes-at-a-time scan against the bytewise one, from every start position of inputs of
// every length up to three blocks, drawn mostly from the bytes that stop it and their neighbours
// (0x20/0x21, 0x7E/0x7F/0x80, 0xFF) so that stops land at every offset of a block and its tail.
TEST(ScanTo, FindsWhatTheBytewiseScanFinds)
{
    std::mt19937 random(7);
    const std::string alphabet =
        "aZ09/?#:@[]._-%"s + '\x00' + '\x09' + '\x20' + '\x21' + '\x7E' + '\x7F' + '\x80' + '\xFF';
    std::uniform_int_distribution<std::size_t> pick(0, alphabet.size() - 1);
    std::uniform_int_distribution<int> plain(0, 3);
    for (std::size_t length = 0; length <= 48; ++length) {
        for (int round = 0; round < 200; ++round) {
            std::string input(length, 'x');
            for (char& c : input)
                if (plain(random) == 0)
                    c = alphabet[pick(random)];
            for (std::size_t i = 0; i <= length; ++i) {
                ASSERT_EQ((scanTo<'/', '?', '#', ':', '@', '[', ']'>(input, i)),
                          (scanToBytewise<'/', '?', '#', ':', '@', '[', ']'>(input, i)))
                    << "length " << length << " from " << i;
                ASSERT_EQ((scanTo<'?', '#'>(input, i)), (scanToBytewise<'?', '#'>(input, i)));
                ASSERT_EQ(scanTo<'#'>(input, i), scanToBytewise<'#'>(input, i));
                ASSERT_EQ(scanTo<>(input, i), scanToBytewise<>(input, i));
            }
        }
    }
}

TEST(ScanTo, StopsAtControlBytesAndTheGivenDelimitersOnly)
{
    EXPECT_EQ(scanToBytewise<'/'>("abc/def", 0), 3u);
    EXPECT_EQ(scanToBytewise<'/'>("abc/def", 4), 7u);
    EXPECT_EQ(scanToBytewise<'?'>("a/b c", 0), 3u);
    EXPECT_EQ(scanToBytewise<>("a\x7f", 0), 1u);
    EXPECT_EQ(scanToBytewise<>("\xc3\xa9t\xc3\xa9", 0), 5u); // UTF-8 bytes are not controls
    const std::string longer = std::string(40, 'a') + "\x7f" + std::string(20, 'b');
    EXPECT_EQ(scanTo<'/'>(longer, 0), 40u);
    EXPECT_EQ(scanTo<'/'>(longer, 41), longer.size());
}

TEST(SplitUrl, HostHelpers)
{
    EXPECT_TRUE(hostEquals("SeNtRy.Io", "sentry.io"));
    EXPECT_FALSE(hostEquals("sentry.io.", "sentry.io"));
    EXPECT_FALSE(hostEquals("sentry.i", "sentry.io"));

    EXPECT_TRUE(hostIsWithin("o1.ingest.de.sentry.io", "sentry.io"));
    EXPECT_TRUE(hostIsWithin("sentry.io", "sentry.io"));
    EXPECT_TRUE(hostIsWithin("US.SENTRY.IO", "sentry.io"));
    EXPECT_FALSE(hostIsWithin("xsentry.io", "sentry.io"));
    EXPECT_FALSE(hostIsWithin("io", "sentry.io"));
    EXPECT_FALSE(hostIsWithin(".sentry.io.evil", "sentry.io"));
    EXPECT_FALSE(hostIsWithin("a.sentry.io", ""));
}

// --- parseUrl: accepted URLs and their serialisation ------------------------

struct HrefCase
{
    std::string input;
    std::string href;
};

TEST(ParseUrl, SerialisesLikeTheUrlCrate)
{
    const std::vector<HrefCase> cases = {
        // scheme, trimming, tab/newline removal, slashes
        {"http://example.com", "http://example.com/"},
        {"HTTP://EXAMPLE.COM/A", "http://example.com/A"},
        {" \x01 http://example.com/ \x1f", "http://example.com/"},
        {"ht\ttp://exa\nmple.com/a\rb", "http://example.com/ab"},
        {"http:\\\\host\\a\\b", "http://host/a/b"},
        {"http:host/x", "http://host/x"},
        {"https:////host", "https://host/"},
        {"http:///x", "http://x/"},
        {"http://host?x", "http://host/?x"},
        {"http://host/?", "http://host/?"},
        {"http://host/#", "http://host/#"},
        // ports
        {"http://host:80/", "http://host/"},
        {"http://host:0080/", "http://host/"},
        {"https://host:443/", "https://host/"},
        {"https://host:80/", "https://host:80/"},
        {"http://host:/", "http://host/"},
        {"http://host:65535/", "http://host:65535/"},
        {"http://host:0/", "http://host:0/"},
        {"ws://host:80/", "ws://host/"},
        {"ftp://host:21/", "ftp://host/"},
        // userinfo
        {"http://user:pass@host/", "http://user:pass@host/"},
        {"http://a b:c@d@host/", "http://a%20b:c%40d@host/"},
        {"http://u:p:q@h/", "http://u:p%3Aq@h/"},
        {"http://:p@h/", "http://:p@h/"},
        {"http://u:@h/", "http://u@h/"},
        {"http://@h/", "http://h/"},
        {"http://:@h/", "http://h/"},
        {"http://\xc3\xa9:x@h/", "http://%C3%A9:x@h/"},
        // paths: dot segments (including %2e forms) and encoding
        {"http://h/a/./b/../c", "http://h/a/c"},
        {"http://h/a/%2e%2E/b", "http://h/b"},
        {"http://h/a/.%2e", "http://h/"},
        {"http://h/a/%2e.", "http://h/"},
        {"http://h/..", "http://h/"},
        {"http://h/../../x", "http://h/x"},
        {"http://h/a/b/..", "http://h/a/"},
        {"http://h/a/b/.", "http://h/a/b/"},
        {"http://h/a/b/%2E/", "http://h/a/b/"},
        {"http://h/a/...", "http://h/a/..."},
        {"http://h/a b<>\"`{}^|", "http://h/a%20b%3C%3E%22%60%7B%7D^|"},
        {"http://h/\xc3\xa9", "http://h/%C3%A9"},
        {"http://h/%zz%", "http://h/%zz%"},
        // query and fragment sets
        {"http://h/?a b'\"<>`", "http://h/?a%20b%27%22%3C%3E`"},
        {"http://h/#a b`<>\"'", "http://h/#a%20b%60%3C%3E%22'"},
        {"http://h/?q#f#g", "http://h/?q#f#g"},
        // hosts
        {"http://EX%41MPLE.com/", "http://example.com/"},
        {"http://a..b/", "http://a..b/"},
        {"http://under_score.example/", "http://under_score.example/"},
        {"http://xn--bcher-kva.de/", "http://xn--bcher-kva.de/"},
        {"http://XN--NXASMQ6B.com/", "http://xn--nxasmq6b.com/"},
        // IPv4 forms
        {"http://0x7f.1/", "http://127.0.0.1/"},
        {"http://2130706433/", "http://127.0.0.1/"},
        {"http://0177.0.0.1/", "http://127.0.0.1/"},
        {"http://1.2.3.4./", "http://1.2.3.4/"},
        {"http://0x/", "http://0.0.0.0/"},
        {"http://4294967295/", "http://255.255.255.255/"},
        {"http://1.65535/", "http://1.0.255.255/"},
        {"http://1.2.3.4../", "http://1.2.3.4../"},
        // IPv6
        {"http://[::1]/", "http://[::1]/"},
        {"http://[0:0:0:0:0:0:0:1]/", "http://[::1]/"},
        {"http://[2001:DB8::1]:8080/", "http://[2001:db8::1]:8080/"},
        {"http://[::ffff:192.168.0.1]/", "http://[::ffff:c0a8:1]/"},
        {"http://[1:0:0:2:0:0:0:3]/", "http://[1:0:0:2::3]/"},
        {"http://[1:0:0:2:0:0:3:4]/", "http://[1::2:0:0:3:4]/"},
        {"http://[0:0:1::]/", "http://[0:0:1::]/"},
        {"http://[::]/", "http://[::]/"},
        {"http://[1:2:3:4:5:6:7:8]/", "http://[1:2:3:4:5:6:7:8]/"},
        {"http://[1::]:443/", "http://[1::]:443/"},
        // non-special schemes
        {"foo://user@host:99/a/../b?x y#z", "foo://user@host:99/b?x%20y#z"},
        {"mailto:someone@example.com", "mailto:someone@example.com"},
        {"foo:/a/..//b", "foo:/.//b"},
        {"foo://", "foo://"},
        {"foo:///x", "foo:///x"},
        {"foo://[::1]/", "foo://[::1]/"},
        {"foo://%zz/", "foo://%zz/"},
        {"foo://\xc3\xbc/", "foo://%C3%BC/"},
        {"foo:a\x01"
         "b",
         "foo:a%01b"},
        {"foo:", "foo:"},
        {"foo:/", "foo:/"},
        {"javascript:alert(1)", "javascript:alert(1)"},
        {"foo://h:1\\x", "foo://h:1/\\x"},
        // file
        {"file:", "file:///"},
        {"file:///C:/x/..", "file:///C:/"},
        {"file:///C:/..", "file:///C:/"},
        {"file://localhost/x", "file:///x"},
        {"file://host/x", "file://host/x"},
        {"file:c|/x", "file:///c:/x"},
        {"file://C|/x", "file:///C:/x"},
        {"file://h/c:/x", "file:///c:/x"},
        {"file:////x", "file:///x"},
        {"file:/x", "file:///x"},
        {"file:\\\\h\\x", "file://h/x"},
        // crate quirks kept on purpose (the spec differs)
        {"http://h/c:/../x", "http://h/c:/x"},
        {"http://h/x/c|/..", "http://h/x/c|/"},
        {"foo://h/c:/../x", "foo://h/c:/x"},
        {"file:///c|/x", "file:///c|/x"},
        {"file:///x/c:/..", "file:///x/c:/"},
        {"file:c:x", "file:///c:/x"},
        {"file://h/c:x", "file://h/c:/x"},
        {"file://h/s::x", "file://h/s:/:x"},
    };
    for (const HrefCase& c : cases)
        EXPECT_EQ(hrefOf(c.input), c.href) << "input: " << c.input;
}

TEST(ParseUrl, ExposesComponents)
{
    const UrlParseResult result = parseUrl("HTTPS://Pub:Sec@O1.Ingest.DE.Sentry.IO:8443/a/%7e/1?q=1#f");
    ASSERT_TRUE(result.url);
    const Url& url = *result.url;
    EXPECT_EQ(url.scheme, "https");
    EXPECT_EQ(url.username, "Pub");
    EXPECT_EQ(url.password, "Sec");
    EXPECT_EQ(url.host, "o1.ingest.de.sentry.io");
    EXPECT_EQ(url.port, 8443);
    EXPECT_EQ(url.path, "/a/%7e/1");
    EXPECT_TRUE(url.hasQuery);
    EXPECT_EQ(url.query, "q=1");
    EXPECT_TRUE(url.hasFragment);
    EXPECT_EQ(url.fragment, "f");
    EXPECT_TRUE(url.hasAuthority);

    const UrlParseResult noPort = parseUrl("http://h:80");
    ASSERT_TRUE(noPort.url);
    EXPECT_EQ(noPort.url->port, std::nullopt);
    EXPECT_EQ(noPort.url->path, "/");
    EXPECT_FALSE(noPort.url->hasQuery);

    const UrlParseResult opaque = parseUrl("mailto:x");
    ASSERT_TRUE(opaque.url);
    EXPECT_FALSE(opaque.url->hasAuthority);
    EXPECT_EQ(opaque.url->path, "x");
}

// --- parseUrl: rejected URLs --------------------------------------------------

struct ErrorCase
{
    std::string input;
    UrlError error;
};

TEST(ParseUrl, RejectsWithTheCratesErrorKind)
{
    const std::vector<ErrorCase> cases = {
        {"", UrlError::RelativeUrlWithoutBase},
        {"abc", UrlError::RelativeUrlWithoutBase},
        {"//host/x", UrlError::RelativeUrlWithoutBase},
        {"/x", UrlError::RelativeUrlWithoutBase},
        {"1http://x", UrlError::RelativeUrlWithoutBase},
        {"http//x", UrlError::RelativeUrlWithoutBase},
        {"://x", UrlError::RelativeUrlWithoutBase},
        {"ht tp://x", UrlError::RelativeUrlWithoutBase},
        {"http", UrlError::RelativeUrlWithoutBase},
        {"http:", UrlError::EmptyHost},
        {"http://", UrlError::EmptyHost},
        {"http://:80/", UrlError::EmptyHost},
        {"http://user@/", UrlError::EmptyHost},
        {"http://@/x", UrlError::EmptyHost},
        {"http://u@", UrlError::EmptyHost},
        {"foo://u@/x", UrlError::EmptyHost},
        {"foo://:1/", UrlError::EmptyHost},
        {"http://h:65536/", UrlError::InvalidPort},
        {"http://h:99999/", UrlError::InvalidPort},
        {"http://h:8a/", UrlError::InvalidPort},
        {"http://h:-1/", UrlError::InvalidPort},
        {"http://h:1:2/", UrlError::InvalidPort},
        {"http://h: 1/", UrlError::InvalidPort},
        {"http://4294967296/", UrlError::InvalidIpv4Address},
        {"http://1.2.3.256/", UrlError::InvalidIpv4Address},
        {"http://1.2.3.4.5/", UrlError::InvalidIpv4Address},
        {"http://foo.09/", UrlError::InvalidIpv4Address},
        {"http://foo.0x/", UrlError::InvalidIpv4Address},
        {"http://1.2.3.09/", UrlError::InvalidIpv4Address},
        {"http://256.1.1/", UrlError::InvalidIpv4Address},
        {"http://0x100000000/", UrlError::InvalidIpv4Address},
        {"http://[::1/", UrlError::InvalidIpv6Address},
        {"http://[/", UrlError::InvalidIpv6Address},
        {"http://[]/", UrlError::InvalidIpv6Address},
        {"http://[:]/", UrlError::InvalidIpv6Address},
        {"http://[:1]/", UrlError::InvalidIpv6Address},
        {"http://[1:]/", UrlError::InvalidIpv6Address},
        {"http://[::1::]/", UrlError::InvalidIpv6Address},
        {"http://[1:2:3:4:5:6:7:8:9]/", UrlError::InvalidIpv6Address},
        {"http://[1:2:3:4:5:6:7]/", UrlError::InvalidIpv6Address},
        {"http://[12345::]/", UrlError::InvalidIpv6Address},
        {"http://[1.2.3.4]/", UrlError::InvalidIpv6Address},
        {"http://[::1.2.3.256]/", UrlError::InvalidIpv6Address},
        {"http://[::01.2.3.4]/", UrlError::InvalidIpv6Address},
        {"http://[::1.2.3]/", UrlError::InvalidIpv6Address},
        {"http://[::1.2.3.4.5]/", UrlError::InvalidIpv6Address},
        {"http://[1:2:3:4:5:6:7:1.2.3.4]/", UrlError::InvalidIpv6Address},
        {"http://[::1]x/", UrlError::InvalidIpv6Address},
        {"http://[zz::1]/", UrlError::InvalidIpv6Address},
        {"foo://[::1/", UrlError::InvalidIpv6Address},
        {"http://a b/", UrlError::InvalidDomainCharacter},
        {"http://a<b/", UrlError::InvalidDomainCharacter},
        {"http://a%25b/", UrlError::InvalidDomainCharacter},
        {"http://a%/", UrlError::InvalidDomainCharacter},
        {"http://a^b/", UrlError::InvalidDomainCharacter},
        {"http://a|b/", UrlError::InvalidDomainCharacter},
        {"http://a]b/", UrlError::InvalidDomainCharacter},
        {"http://a%00b/", UrlError::InvalidDomainCharacter},
        {"http://a\x7f"
         "b/",
         UrlError::InvalidDomainCharacter},
        {"foo://a b/", UrlError::InvalidDomainCharacter},
        {"foo://h\\x/", UrlError::InvalidDomainCharacter},
        {"file://user@host/x", UrlError::InvalidDomainCharacter},
        {"file://host:80/x", UrlError::InvalidDomainCharacter},
        {"http://b\xc3\xbc"
         "cher.de/",
         UrlError::IdnaUnsupported},
        {"http://%C3%BC.de/", UrlError::IdnaUnsupported},
        {"http://%FF.de/", UrlError::IdnaError},
        {"http://xn--/", UrlError::IdnaError},
        {"http://xn--abc-.de/", UrlError::IdnaError},
        {"http://xn--bcher-kva!.de/", UrlError::IdnaError},
        {"http://xn--" + std::string(2001, 'a') + "/", UrlError::IdnaError},
        {"http://h/\xff", UrlError::InvalidUtf8},
        {"\xc3\x28", UrlError::InvalidUtf8},
        {"http://h/\xed\xa0\x80", UrlError::InvalidUtf8},
    };
    for (const ErrorCase& c : cases) {
        const UrlParseResult result = parseUrl(c.input);
        EXPECT_FALSE(result.url) << c.input << " -> " << (result.url ? result.url->href() : "");
        EXPECT_EQ(urlErrorCode(result.error), urlErrorCode(c.error)) << c.input;
    }
}

TEST(ParseUrl, DotOnlyHostIsADomain)
{
    // "%2e%2E" decodes to "..", which is neither empty nor forbidden nor a number.
    EXPECT_EQ(hrefOf("http://%2e%2E"), "http://../");
}

TEST(ParseUrl, ErrorCodesAndMessagesAreDistinct)
{
    const std::vector<UrlError> all = {
        UrlError::RelativeUrlWithoutBase,
        UrlError::EmptyHost,
        UrlError::InvalidPort,
        UrlError::InvalidIpv4Address,
        UrlError::InvalidIpv6Address,
        UrlError::InvalidDomainCharacter,
        UrlError::IdnaError,
        UrlError::IdnaUnsupported,
        UrlError::InvalidUtf8,
    };
    for (std::size_t i = 0; i < all.size(); ++i) {
        EXPECT_FALSE(urlErrorMessage(all[i]).empty());
        for (std::size_t j = i + 1; j < all.size(); ++j)
            EXPECT_NE(urlErrorCode(all[i]), urlErrorCode(all[j]));
    }
    EXPECT_EQ(urlErrorCode(UrlError::IdnaUnsupported), "idna_unsupported");
}

TEST(ParseUrl, HugeInputsDoNotCrash)
{
    const std::string bigHost = "http://" + std::string(1 << 20, 'a') + "/";
    const UrlParseResult big = parseUrl(bigHost);
    ASSERT_TRUE(big.url);
    EXPECT_EQ(big.url->host.size(), std::size_t{1} << 20);

    EXPECT_FALSE(parseUrl(std::string(1 << 20, '[')).url);
    EXPECT_FALSE(parseUrl("http://" + std::string(100000, '[') + "/").url);
    EXPECT_EQ(hrefOf("http://h/" + std::string(10000, '/')).size(), std::string("http://h/").size() + 10000);
    const UrlParseResult dots = parseUrl("http://h" + std::string(50000, '/') + "/..");
    ASSERT_TRUE(dots.url);
}

TEST(ParseUrl, Helpers)
{
    EXPECT_EQ(defaultPortForScheme("http"), 80);
    EXPECT_EQ(defaultPortForScheme("wss"), 443);
    EXPECT_EQ(defaultPortForScheme("ftp"), 21);
    EXPECT_EQ(defaultPortForScheme("file"), std::nullopt);
    EXPECT_EQ(defaultPortForScheme("HTTP"), std::nullopt);

    EXPECT_TRUE(isValidUtf8("plain"));
    EXPECT_TRUE(isValidUtf8("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"));
    EXPECT_FALSE(isValidUtf8("\xc0\xaf"));         // overlong
    EXPECT_FALSE(isValidUtf8("\xf4\x90\x80\x80")); // above U+10FFFF
    EXPECT_FALSE(isValidUtf8("\xe2\x82"));         // truncated

    std::string out;
    appendPercentDecoded(out, "a%41%4a%zz%4+b%", false);
    EXPECT_EQ(out, "aAJ%zz%4+b%");
    out.clear();
    appendPercentDecoded(out, "a+b%2B", true);
    EXPECT_EQ(out, "a b+");
}
