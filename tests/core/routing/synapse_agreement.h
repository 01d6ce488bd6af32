#pragma once

// Shared by the `synapse generate` tests: does a request routed through a generated configuration
// land where Cellscope's own rules send it? Requests to locality hosts only, as those are Synapse's.
#include "core/routing/catalog.h"
#include "core/routing/synapse_config.h"
#include "core/routing/trace.h"
#include "core/snapshot/snapshot.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace cellscope::routing::testworld {

// URLs on every locality host: each organization by slug and id in every organization shape,
// every cell by name, and paths no Synapse route captures.
inline std::vector<std::string> localityHostUrls(const Snapshot& world)
{
    std::vector<std::string> urls;
    const std::string app = world.info().appHost;
    for (const Locality& locality : world.localities()) {
        const std::string base = "https://" + locality.name + "." + app;
        for (const OrganizationMapping& org : world.organizations()) {
            const std::string slug(world.text(org.slug));
            const std::string id = std::to_string(org.id);
            for (const std::string& path :
                 {"/api/0/organizations/" + slug + "/", "/api/0/organizations/" + id + "/issues/",
                  "/api/0/organizations/" + slug, "/api/0/projects/" + slug + "/web/keys/",
                  "/api/0/teams/" + id + "/backend/", "/organization-avatar/" + slug + "/0123abcd",
                  "/organization-avatar/" + slug + "/"})
                urls.push_back(base + path);
        }
        for (const Cell& cell : world.cells())
            urls.push_back(base + "/api/0/cell/" + cell.name + "/organizations/");
        for (const char* path : {"/api/0/cell/mars1/x/", "/api/0/organizations/", "/api/0/issues/42/", "/",
                                 "/api/0/organizations/no-such-org/", "/api/0/projects/"})
            urls.push_back(base + path);
    }
    return urls;
}

// The cell the native trace delivers to (through Synapse), or "" for none; the upstream Synapse
// picks (named after its cell in a generated file), or "".
inline void expectAgreement(const Snapshot& world, const Catalog& catalog, const SynapseConfig& config,
                            const std::string& url)
{
    Request request;
    request.input = url;
    const Trace trace = traceThroughSynapse(world, catalog, request, config);
    ASSERT_TRUE(trace.synapse) << url;
    const std::string native = trace.outcome.status == "routed" && trace.outcome.cells.size() == 1
                                   ? trace.outcome.cells.front()
                                   : "";
    const std::string synapse = trace.synapse->upstream ? trace.synapse->upstream->name : "";
    if (native == synapse) {
        EXPECT_EQ(native.empty(), trace.synapse->httpStatus == 404) << url;
        return;
    }
    // A one-cell locality's host is a static route: what the native rules refuse (an organization
    // of another locality, or none) still reaches the cell, which answers 404 itself; the trace
    // warns when the organization lives elsewhere.
    bool warned = false;
    for (const Warning& warning : trace.warnings)
        warned = warned || warning.code == "synapse_static_elsewhere";
    const std::string host = url.substr(8, url.find('/', 8) - 8);
    const auto locality = world.findLocality(host.substr(0, host.find('.')));
    ASSERT_TRUE(locality) << url;
    const auto& cells = world.localities()[*locality].cells;
    EXPECT_TRUE(native.empty() && trace.outcome.status == "not_found" && cells.size() == 1 &&
                synapse == world.cellName(cells.front()) &&
                (warned || url.find("no-such-org") != std::string::npos))
        << url << ": native '" << native << "' (" << trace.outcome.status << "), Synapse '" << synapse << "'";
}

} // namespace cellscope::routing::testworld
