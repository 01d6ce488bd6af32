// A Synapse configuration file, as --synapse-config and `synapse lint` read it: loading (size,
// depth and alias budgets), lint without a world, and every route's path compiled, checked and
// matched against a few request paths.
#include "core/routing/synapse_config.h"
#include "core/routing/synapse_lint.h"
#include "core/routing/synapse_match.h"
#include "core/util/error.h"
#include "tests/fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    using namespace cellscope::routing;
    try {
        const SynapseConfig config = loadSynapseConfig(cellscope::fuzz::text(data, size), "fuzz.yaml");
        (void)lintSynapseConfig(config, nullptr);
        const SynapseRouteMatcher matcher(config);
        SynapseParams params;
        for (const SynapseProxyRoute& route : config.proxy.routes) {
            if (!route.match.path)
                continue;
            (void)checkSynapsePath(*route.match.path);
            const SynapsePath path = compileSynapsePath(*route.match.path);
            // The route's own text as a request path, and a few common ones.
            for (std::string_view request :
                 {std::string_view(*route.match.path), std::string_view("/"),
                  std::string_view("/api/0/organizations/acme/issues/"), std::string_view("//a//b//")})
                (void)matchSynapsePath(path, request, params);
        }
        for (std::string_view request : {"/", "/api/0/relays/projectconfigs/", "/api/0/organizations/1/"})
            (void)matcher.match("POST", "us.sentry.io", request);
    } catch (const cellscope::Error&) {
    }
    return 0;
}
