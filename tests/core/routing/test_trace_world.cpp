// The routing tests' world: a small copy of the demo's shape (localities us {us1 = monolith, us2, us3},
// de {de1, de2}, single-tenant s4s2 {s4s2}) with orgs, keys and integrations spread over cells.
// Other routing test files use it through routing_test_world.h, and the constants documented here.
#include "core/snapshot/snapshot.h"
#include "tests/core/routing/routing_test_world.h"

#include <string>
#include <vector>

namespace cellscope::routing::testworld {

namespace {

void addLocality(SnapshotBuilder& builder, const std::string& name, CellCategory category,
                 const std::vector<std::string>& cells)
{
    for (const std::string& cellName : cells) {
        Cell cell;
        cell.name = cellName;
        cell.address = "https://" + cellName + ".internal.example";
        cell.category = category;
        builder.addCell(cell);
    }
    Locality locality;
    locality.name = name;
    locality.category = category;
    locality.newOrgCell = cells.front();
    builder.addLocality(locality, cells);
}

} // namespace

// Keys are 32 hex digits; the first two say whose they are.
SnapshotPtr routingTestWorld()
{
    SnapshotBuilder builder;
    builder.info().appHost = "sentry.io";
    builder.info().monolithCell = "us1";
    addLocality(builder, "us", CellCategory::MultiTenant, {"us1", "us2", "us3"});
    addLocality(builder, "de", CellCategory::MultiTenant, {"de1", "de2"});
    addLocality(builder, "s4s2", CellCategory::SingleTenant, {"s4s2"});

    builder.addOrganization(1, "acme", "Acme", builder.cellIndex("us1"), OrgStatus::Active, 0);
    builder.addOrganization(2, "globex", "Globex", builder.cellIndex("us2"), OrgStatus::Active, 0);
    builder.addOrganization(3, "initech", "Initech", builder.cellIndex("us2"),
                            OrgStatus::RelocationPendingApproval, 0);
    builder.addOrganization(4, "umbrella", "Umbrella", builder.cellIndex("us3"), OrgStatus::Active, 0);
    builder.addOrganization(5, "bergwerk", "Bergwerk", builder.cellIndex("de1"), OrgStatus::Active, 0);
    builder.addOrganization(6, "kaffeehaus", "Kaffeehaus", builder.cellIndex("de2"), OrgStatus::Active, 0);
    builder.addOrganization(7, "s4s", "Sentry for Sentry", builder.cellIndex("s4s2"), OrgStatus::Active, 0);
    // An org whose slug equals a locality name: locality subdomains must still never be read as slugs.
    builder.addOrganization(8, "de", "De Corp", builder.cellIndex("us3"), OrgStatus::Active, 0);

    builder.addProjectKey("a1000000000000000000000000000001", builder.cellIndex("us1"), 101, 11, 1,
                          DsnFormat::Locality);
    builder.addProjectKey("b2000000000000000000000000000002", builder.cellIndex("us2"), 102, 21, 2,
                          DsnFormat::Legacy);
    builder.addProjectKey("c3000000000000000000000000000003", builder.cellIndex("us2"), 103, 31, 3,
                          DsnFormat::Locality);
    builder.addProjectKey("d4000000000000000000000000000004", builder.cellIndex("us3"), 104, 41, 4,
                          DsnFormat::OrgSubdomain);
    builder.addProjectKey("e5000000000000000000000000000005", builder.cellIndex("de1"), 105, 51, 5,
                          DsnFormat::Locality);
    builder.addProjectKey("f6000000000000000000000000000006", builder.cellIndex("de2"), 106, 61, 6,
                          DsnFormat::Locality);
    builder.addProjectKey("07000000000000000000000000000007", builder.cellIndex("s4s2"), 107, 71, 7,
                          DsnFormat::Locality);

    const auto integration = [&](std::int64_t id, std::string provider, std::string externalId,
                                 std::vector<std::int64_t> orgs) {
        Integration row;
        row.id = id;
        row.provider = std::move(provider);
        row.externalId = std::move(externalId);
        row.name = row.provider + " " + row.externalId;
        row.organizations = std::move(orgs);
        builder.addIntegration(std::move(row));
    };
    integration(1, "github", "gh-100", {1, 2, 5});
    integration(2, "slack", "T-SLACK", {2, 6});
    integration(3, "jira", "jira-multi", {1, 5});
    integration(4, "jira", "jira-single", {4});
    integration(5, "discord", "disc-1", {3});
    integration(6, "github", "gh-empty", {});
    integration(7, "github", "gh-ghost", {999});
    integration(8, "github_enterprise", "ghe-1", {6});
    return builder.finish();
}

} // namespace cellscope::routing::testworld
