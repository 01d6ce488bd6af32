// Hostile input: the tracer either throws Error(BadInput) with one sentence or returns a trace whose
// outcome is "rejected"; it never crashes and never throws anything else.
#include "core/routing/trace.h"
#include "core/snapshot/snapshot.h"
#include "core/util/error.h"
#include "tests/core/routing/routing_test_world.h"

#include <gtest/gtest.h>

#include <random>

using namespace cellscope;
using namespace cellscope::routing;

namespace {

struct Hostile
{
    std::string input;
    std::string method = "GET";
    std::vector<std::pair<std::string, std::string>> headers;
    std::optional<std::string> integration;
};

// "bad": BadInput; "rejected": a trace with status rejected.
std::string verdict(const Snapshot& world, const Catalog& catalog, const Hostile& hostile)
{
    Request request;
    request.input = hostile.input;
    request.method = hostile.method;
    request.headers = hostile.headers;
    request.integration = hostile.integration;
    try {
        const Trace t = trace(world, catalog, request);
        return t.outcome.status;
    } catch (const Error& error) {
        EXPECT_EQ(error.code(), ErrorCode::BadInput);
        const std::string message = error.what();
        EXPECT_FALSE(message.empty());
        EXPECT_EQ(message.find('\n'), std::string::npos) << message;
        return "bad";
    }
}

const std::string kKey = "a1000000000000000000000000000001";

Hostile make(std::string input, std::string method = "GET",
             std::vector<std::pair<std::string, std::string>> headers = {},
             std::optional<std::string> integration = std::nullopt)
{
    return Hostile{std::move(input), std::move(method), std::move(headers), std::move(integration)};
}

std::vector<Hostile> hostileInputs()
{
    std::vector<Hostile> inputs;
    const auto add = [&](std::string input) {
        inputs.push_back(make(std::move(input)));
    };
    // Not URLs at all
    for (std::string text :
         {"", "   ", "\t\n", "sentry.io", "us.sentry.io/api/0/", "api/0/organizations/", "://sentry.io/",
          "https:/sentry.io/", "https:sentry.io", "http//sentry.io", "javascript:alert(1)",
          "data:text/html,hi", "file:///etc/passwd", "ftp://sentry.io/", "wss://us.sentry.io/",
          "mailto:ops@sentry.io", "//sentry.io/api/", "?dsn=x", "#frag"})
        add(text);
    // Broken authorities and hosts
    for (std::string text : {"https://",
                             "https:///api/0/",
                             "https://:443/",
                             "https://sentry.io:99999/",
                             "https://sentry.io:-1/",
                             "https://sentry.io:port/",
                             "https://[::1/",
                             "https://[zz::1]/",
                             "https://sen try.io/",
                             "https://sentry.io\\api\\0\\",
                             "https://exa%mple.com/",
                             "https://sentry..io/",
                             "https://.sentry.io/",
                             "https://example.com/api/0/organizations/acme/",
                             "https://sentry.io.evil.com/api/0/",
                             "https://evilsentry.io/",
                             "https://127.0.0.1/api/0/",
                             "https://[::1]/api/0/",
                             "https://a.b.c.d.e.sentry.io/",
                             "https://xn--.sentry.io/"})
        add(text);
    // Control characters and oversized input
    add(std::string("https://sentry.io/api/\0/", 23));
    add("https://sentry.io/api/\x01/");
    add("https://sentry.io/api/0/\r\nX-Injected: 1");
    add("https://sentry.io/" + std::string(200000, 'a'));
    add("https://" + std::string(300, 'a') + ".sentry.io/");
    add(std::string(10000, '/'));
    add("https://sentry.io/\xff\xfe\xfd/");
    // DSNs with one problem each
    for (std::string text :
         {"https://@sentry.io/1", "https://key@sentry.io", "https://key@sentry.io/",
          "https://key@sentry.io//", "gopher://key@sentry.io/1", "https://key@/1", "https://key@[::1/1",
          "https://key@sentry.io:70000/1", "https://key:@example.com/1", "https://key@evil.example/1",
          "https://key@exa mple.com/1", "https://key@sentry.io:0x50/1"})
        add(text);
    // Bad methods and headers
    inputs.push_back(make("https://sentry.io/api/0/", ""));
    inputs.push_back(make("https://sentry.io/api/0/", "GE T"));
    inputs.push_back(make("https://sentry.io/api/0/", "GET\r\n"));
    inputs.push_back(make("https://sentry.io/api/0/", "G:ET"));
    inputs.push_back(make("https://sentry.io/api/0/", "GET", {{"", "x"}}));
    inputs.push_back(make("https://sentry.io/api/0/", "GET", {{"X Bad", "x"}}));
    inputs.push_back(make("https://sentry.io/api/0/", "GET", {{"X-Sentry-Auth", "a\r\nb"}}));
    inputs.push_back(make("https://sentry.io/api/0/", "GET", {{"Host:", "x"}}));
    inputs.push_back(make("/api/0/organizations/acme/", "GET", {{"Host", "example.com"}}));
    inputs.push_back(make("https://sentry.io/extensions/github/webhook/", "POST", {}, ""));
    // Auth headers Relay refuses: a rejected outcome
    for (std::string value :
         {"", "Sentry", "Sentry ", "Basic dXNlcjpwYXNz", "Bearer abc", "Sentry sentry_version=x",
          "Sentry sentry_key=", "Sentry sentry_version=7", "sentry,,,==="})
        inputs.push_back(
            make("https://ingest.us.sentry.io/api/11/envelope/", "POST", {{"X-Sentry-Auth", value}}));
    // Requests that parse but are refused by routing
    add("https://ingest.us.sentry.io/api/11/envelope/");
    add("https://ingest.us.sentry.io/api/11/envelope/?sentry_key=");
    add("https://zz.ingest.us.sentry.io/api/11/envelope/?sentry_key=" + kKey);
    add("https://ingest.atlantis.sentry.io/api/11/envelope/?sentry_key=" + kKey);
    return inputs;
}

} // namespace

TEST(TraceMalformed, EveryHostileInputIsBadInputOrRejected)
{
    const SnapshotPtr world = testworld::routingTestWorld();
    const Catalog catalog = Catalog::bundled();
    const std::vector<Hostile> inputs = hostileInputs();
    ASSERT_GE(inputs.size(), 50u);
    for (const Hostile& hostile : inputs) {
        const std::string result = verdict(*world, catalog, hostile);
        EXPECT_TRUE(result == "bad" || result == "rejected")
            << "input '" << hostile.input.substr(0, 120) << "' method '" << hostile.method << "' gave "
            << result;
    }
}

TEST(TraceMalformed, RandomInputsNeverCrash)
{
    const SnapshotPtr world = testworld::routingTestWorld();
    const Catalog catalog = Catalog::bundled();
    const std::vector<std::string> pieces = {"https://",
                                             "http://",
                                             "sentry.io",
                                             "us.",
                                             "de.",
                                             "s4s2.",
                                             "ingest.",
                                             "o5.",
                                             "o99999999999999999999.",
                                             "/",
                                             "//",
                                             "api/",
                                             "0/",
                                             "organizations/",
                                             "acme",
                                             "bergwerk",
                                             "issues/",
                                             "projects/",
                                             "teams/",
                                             "relays/",
                                             "extensions/",
                                             "github/",
                                             "slack/",
                                             "jira/",
                                             "issue/",
                                             "plugins/",
                                             "js-sdk-loader/",
                                             ".min.js",
                                             "embed/",
                                             "error-page/",
                                             "?",
                                             "&",
                                             "=",
                                             "dsn=",
                                             "sentry_key=",
                                             kKey,
                                             "%",
                                             "%2F",
                                             "%40",
                                             "@",
                                             ":",
                                             "[",
                                             "]",
                                             "..",
                                             ".",
                                             " ",
                                             "\x7f",
                                             "\xc3\xa9",
                                             "#",
                                             "store/",
                                             "envelope/",
                                             "unreal/",
                                             "cron/",
                                             "11/",
                                             "relocations/",
                                             "-",
                                             "+"};
    std::mt19937 random(20240611);
    std::uniform_int_distribution<std::size_t> pick(0, pieces.size() - 1), length(1, 14);
    for (int i = 0; i < 4000; ++i) {
        Hostile hostile;
        for (std::size_t n = length(random); n > 0; --n)
            hostile.input += pieces[pick(random)];
        if (i % 5 == 0)
            hostile.headers.push_back({"X-Sentry-Auth", "Sentry sentry_key=" + pieces[pick(random)]});
        if (i % 7 == 0)
            hostile.integration = pieces[pick(random)];
        verdict(*world, catalog, hostile); // any outcome, as long as nothing but BadInput is thrown
    }
    SUCCEED();
}
