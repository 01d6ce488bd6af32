#include "core/demo/demo_world.h"
#include "core/snapshot/copy_text.h"
#include "core/snapshot/json_snapshot.h"
#include "core/snapshot/queries.h"
#include "core/snapshot/search_text.h"
#include "core/snapshot/snapshot.h"
#include "core/util/error.h"
#include "core/util/json_writer.h"
#include "core/util/time_format.h"

#include <gtest/gtest.h>

#include <cmath>
#include <set>
#include <sstream>

using namespace cellscope;

namespace {

// us {us1 (monolith), us2}, de {de1}; four orgs, members spanning cells, keys of each DSN format.
SnapshotPtr smallWorld()
{
    SnapshotBuilder b;
    b.info().monolithCell = "us1";
    b.info().source = "test";
    for (auto [name, locality, id] : {std::tuple{"us1", "us", 1}, {"us2", "us", 2}, {"de1", "de", 11}}) {
        Cell cell;
        cell.name = name;
        cell.snowflakeId = id;
        cell.address = std::string("http://") + name + ".internal";
        b.addCell(cell);
    }
    Locality us;
    us.name = "us";
    us.newOrgCell = "us2";
    b.addLocality(us, std::vector<std::string>{"us1", "us2"});
    Locality de;
    de.name = "de";
    de.newOrgCell = "de1";
    b.addLocality(de, std::vector<std::string>{"de1"});
    b.addOrganization(1, "acme", "Acme Corp", b.cellIndex("us1"), OrgStatus::Active, 1451606400);
    b.addOrganization(2, "globex", "Globex", b.cellIndex("us2"), OrgStatus::Active, 1451606401);
    b.addOrganization(3, "initech", "Initech GmbH", b.cellIndex("de1"), OrgStatus::PendingDeletion,
                      1451606402);
    b.addOrganization(44, "4-digits-slug", "Digits", b.cellIndex("us1"), OrgStatus::Active, 1451606403);
    b.addMember(1, 100, "ada@example.com", "owner", InviteStatus::Approved);
    b.addMember(3, 100, "ada@example.com", "member", InviteStatus::Approved);
    b.addMember(2, 200, "bob@example.com", "owner", InviteStatus::Approved);
    b.addMember(2, 0, "invitee@example.com", "member", InviteStatus::Approved);
    b.addMember(999, 100, "ada@example.com", "member", InviteStatus::Approved); // org without mapping
    b.addProjectKey("0123456789abcdef0123456789abcdef", b.cellIndex("us1"), 10, 100, 1, DsnFormat::Locality);
    b.addProjectKey("fedcba9876543210fedcba9876543210", b.cellIndex("de1"), 30, 300, 3,
                    DsnFormat::OrgSubdomain);
    b.addProjectKey("NOT-HEX-KEY", b.cellIndex("us2"), 20, 200, 2, DsnFormat::Legacy);
    b.addSlugReservation("acme", 1, 0, b.cellIndex("us1"), ReservationType::Primary);
    b.addSlugReservation("acme-old", 1, 100, b.cellIndex("us1"), ReservationType::VanityAlias);
    b.addSlugReservation("globex", 2, 0, b.cellIndex("us2"), ReservationType::Primary);
    b.addIntegration({7, "slack", "T123", "Slack workspace", {1, 3}});
    return b.finish();
}

std::string exportJson(const Snapshot& snapshot)
{
    std::ostringstream out;
    writeSnapshotJson(snapshot, out);
    return out.str();
}

std::string loadError(const std::string& json)
{
    try {
        loadSnapshotJson(json, "t.json");
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::BadInput);
        return e.what();
    }
    return "(loaded)";
}

} // namespace

TEST(Snapshot, LooksUpOrganizationsByIdAndSlugWithSentrysDigitRule)
{
    const auto s = smallWorld();
    ASSERT_TRUE(s->findOrg("2"));
    EXPECT_EQ(s->slug(*s->findOrg("2")), "globex");
    EXPECT_EQ(s->org(*s->findOrg("initech")).id, 3);
    // All digits means an id, so the slug "44" would never be consulted; "4-digits-slug" is a slug.
    EXPECT_EQ(s->slug(*s->findOrg("44")), "4-digits-slug");
    EXPECT_TRUE(s->findOrg("4-digits-slug"));
    EXPECT_FALSE(s->findOrg("99"));
    EXPECT_FALSE(s->findOrg(""));
    EXPECT_FALSE(s->findOrg("99999999999999999999999")); // overflow is simply not found
    EXPECT_EQ(s->orgCountInCell(*s->findCell("us1")), 2u);
}

TEST(Snapshot, TopologyAndMonolith)
{
    const auto s = smallWorld();
    ASSERT_EQ(s->localities().size(), 2u);
    EXPECT_EQ(s->cellName(*s->monolithCell()), "us1");
    EXPECT_EQ(s->localityOfCell(*s->findCell("de1"))->name, "de");
    EXPECT_EQ(s->cells()[*s->findCell("us2")].locality, "us");
}

TEST(Snapshot, ProjectKeysPackedAndForeign)
{
    const auto s = smallWorld();
    const auto key = s->findProjectKey("fedcba9876543210fedcba9876543210");
    ASSERT_TRUE(key);
    EXPECT_EQ(s->projectKeys()[*key].organizationId, 3);
    EXPECT_EQ(s->publicKey(*key), "fedcba9876543210fedcba9876543210");
    const auto foreign = s->findProjectKey("NOT-HEX-KEY");
    ASSERT_TRUE(foreign);
    EXPECT_EQ(s->publicKey(*foreign), "NOT-HEX-KEY");
    EXPECT_FALSE(s->findProjectKey("FEDCBA9876543210FEDCBA9876543210")); // keys are case-sensitive
    EXPECT_FALSE(s->findProjectKey("00000000000000000000000000000000"));
    EXPECT_EQ(s->keysOfOrg(*s->findOrg("acme")).size(), 1u);
}

// textHash is part of the binary snapshot format (its hash indexes are stored as they are), so it
// must give these values in every build, whatever the standard library. Changing it needs a new
// format version.
TEST(TextHash, GivesTheSameValuesInEveryBuild)
{
    EXPECT_EQ(textHash(""), 0x143943f99d57eb4dULL);
    EXPECT_EQ(textHash("acme"), 0x7e5bae58f01b6621ULL);
    EXPECT_EQ(textHash("org-123456789"), 0xdf353115b04fe2fdULL);            // a word and a tail
    EXPECT_EQ(textHash("a-slug-of-exactly-24-byt"), 0x8231a8d3e70edd96ULL); // whole words only
    const char packedKey[] = "\x01\x23\x45\x67\x89\xab\xcd\xef\x01\x23\x45\x67\x89\xab\xcd\xef";
    EXPECT_EQ(textHash(std::string_view(packedKey, 16)), 0x3e1acf54ba678fdcULL);
    EXPECT_NE(textHash(std::string_view("a\0", 2)), textHash("a"));
}

TEST(Snapshot, MembersByOrgAndUser)
{
    const auto s = smallWorld();
    EXPECT_EQ(s->membersOfOrg(*s->findOrg("globex")).size(), 2u);
    EXPECT_EQ(s->membersOfUser(100).size(), 3u);
    EXPECT_EQ(s->membersOfUser(12345).size(), 0u);
    EXPECT_EQ(s->membersWithEmail("ADA@example.com").size(), 3u);
}

TEST(Snapshot, ReservationsAndIntegrations)
{
    const auto s = smallWorld();
    EXPECT_EQ(s->reservationsOfOrg(1).size(), 2u);
    EXPECT_EQ(s->reservationsOfOrg(3).size(), 0u);
    ASSERT_NE(s->findReservation("acme-old"), nullptr);
    EXPECT_EQ(s->findReservation("acme-old")->reservationType(), ReservationType::VanityAlias);
    ASSERT_NE(s->findIntegration("slack", "T123"), nullptr);
    EXPECT_EQ(s->findIntegration("slack", "T123")->organizations, (std::vector<std::int64_t>{1, 3}));
    EXPECT_EQ(s->findIntegration("github", "T123"), nullptr);
    EXPECT_EQ(s->findIntegrationById(7)->provider, "slack");
}

TEST(SnapshotBuilder, RefusesDuplicatesAndBadTopology)
{
    auto duplicate = [](auto&& add) {
        SnapshotBuilder b;
        add(b);
        try {
            b.finish();
        } catch (const Error& e) {
            return std::string(e.what());
        }
        return std::string("(accepted)");
    };
    EXPECT_EQ(duplicate([](SnapshotBuilder& b) {
                  b.addOrganization(1, "a", "A", b.cellIndex("x"), OrgStatus::Active, 0);
                  b.addOrganization(1, "b", "B", b.cellIndex("x"), OrgStatus::Active, 0);
              }),
              "organization id 1 appears twice");
    EXPECT_EQ(duplicate([](SnapshotBuilder& b) {
                  b.addOrganization(1, "a", "A", b.cellIndex("x"), OrgStatus::Active, 0);
                  b.addOrganization(2, "a", "B", b.cellIndex("x"), OrgStatus::Active, 0);
              }),
              "organization slug 'a' appears twice");
    EXPECT_EQ(
        duplicate([](SnapshotBuilder& b) {
            b.addProjectKey("0123456789abcdef0123456789abcdef", b.cellIndex("x"), 1, 1, 1, DsnFormat::Legacy);
            b.addProjectKey("0123456789abcdef0123456789abcdef", b.cellIndex("x"), 2, 2, 2, DsnFormat::Legacy);
        }),
        "public key 0123456789abcdef0123456789abcdef appears twice");
    EXPECT_EQ(duplicate([](SnapshotBuilder& b) {
                  b.addLocality(Locality{"us", CellCategory::MultiTenant, {}, "", true},
                                std::vector<std::string>{"zz"});
              }),
              "locality 'us' names cell 'zz', which is not defined");
    EXPECT_EQ(duplicate([](SnapshotBuilder& b) {
                  Cell cell;
                  cell.name = "c1";
                  b.addCell(cell);
                  Locality a, bLocality;
                  a.name = "a";
                  bLocality.name = "b";
                  b.addLocality(a, std::vector<std::string>{"c1"});
                  b.addLocality(bLocality, std::vector<std::string>{"c1"});
              }),
              "cell 'c1' belongs to two localities ('a' and 'b')");
}

TEST(SnapshotBuilder, UnknownCellNamesBecomeUndeclaredCells)
{
    SnapshotBuilder b;
    b.addOrganization(1, "a", "A", b.cellIndex("mystery"), OrgStatus::Active, 0);
    const auto s = b.finish();
    ASSERT_TRUE(s->findCell("mystery"));
    EXPECT_FALSE(s->cells()[*s->findCell("mystery")].declared);
    EXPECT_EQ(s->localityOfCell(*s->findCell("mystery")), nullptr);
}

TEST(SnapshotJson, RoundTripIsExact)
{
    const auto original = smallWorld();
    const std::string first = exportJson(*original);
    const auto reloaded = loadSnapshotJson(first, "roundtrip.json");
    EXPECT_EQ(exportJson(*reloaded), first);
    EXPECT_EQ(reloaded->organizations().size(), 4u);
    EXPECT_EQ(reloaded->publicKey(*reloaded->findProjectKey("NOT-HEX-KEY")), "NOT-HEX-KEY");
    EXPECT_EQ(reloaded->org(*reloaded->findOrg("initech")).status, OrgStatus::PendingDeletion);
    EXPECT_EQ(reloaded->cellName(*reloaded->monolithCell()), "us1");
}

// Every invite status survives the record's 2-bit field and a JSON round trip (2 once came back
// as -2, which the loader then refused).
TEST(SnapshotJson, EveryInviteStatusRoundTrips)
{
    SnapshotBuilder b;
    Cell cell;
    cell.name = "us1";
    b.addCell(cell);
    b.addOrganization(1, "acme", "Acme", 0, OrgStatus::Active, 0);
    for (const InviteStatus status :
         {InviteStatus::Approved, InviteStatus::RequestedToBeInvited, InviteStatus::RequestedToJoin})
        b.addMember(1, 10 + static_cast<int>(status), "a@example.com", "member", status);
    const auto s = b.finish();
    const auto reloaded = loadSnapshotJson(exportJson(*s), "invites.json");
    ASSERT_EQ(reloaded->members().size(), 3u);
    for (const MemberMapping& member : reloaded->members())
        EXPECT_EQ(static_cast<std::int64_t>(member.inviteStatus), member.userId - 10);
}

TEST(SnapshotJson, AcceptsMinimalFilesAndIgnoresExtraFields)
{
    const auto s = loadSnapshotJson(R"({"version": 1, "extra": {"x": 1},
        "localities": [{"name": "us", "cells": ["us1"], "new_org_cell": "us1"}],
        "cells": [{"name": "us1", "locality": "us", "comment": "ignored"}],
        "organizations": [{"id": "12", "slug": "a", "name": "A", "cell": "us1", "status": 0}]})",
                                    "min.json");
    EXPECT_EQ(s->info().appHost, "sentry.io");
    EXPECT_EQ(s->org(*s->findOrg("12")).cell, *s->findCell("us1"));
    EXPECT_TRUE(s->members().empty());
}

TEST(SnapshotJson, MalformedFilesNameTheJsonPathOfTheFirstProblem)
{
    const std::string head = R"({"version": 1, "localities": [], "cells": [],)";
    EXPECT_EQ(loadError("{\n  \"version\": 1,\n  oops\n}"),
              "t.json:3:4: not valid JSON (unterminated object)");
    EXPECT_EQ(loadError("[1, 2]"), "t.json: $: expected an object");
    EXPECT_EQ(loadError(R"({"cells": []})"), "t.json: $.version: missing (expected an integer)");
    EXPECT_EQ(loadError(R"({"version": 2})"),
              "t.json: $.version: unsupported snapshot format version 2 (this build reads 1)");
    EXPECT_EQ(loadError(head + R"("organizations": {}})"), "t.json: $.organizations: expected an array");
    EXPECT_EQ(loadError(head + R"("organizations": [{"id": 1, "slug": "a", "cell": "x"},
                                                     {"id": 2, "slug": 7, "cell": "x"}]})"),
              "t.json: $.organizations[1].slug: expected a string");
    EXPECT_EQ(loadError(head + R"("organizations": [{"id": 1.5, "slug": "a", "cell": "x"}]})"),
              "t.json: $.organizations[0].id: expected an integer");
    // Numbers no 64-bit id can be: an error, never a cast the compiler may do anything with.
    for (const char* huge : {"1e300", "-1e19", "9223372036854775808", "1e-300"})
        EXPECT_EQ(
            loadError(head + R"("organizations": [{"id": )" + huge + R"(, "slug": "a", "cell": "x"}]})"),
            "t.json: $.organizations[0].id: expected an integer")
            << huge;
    EXPECT_EQ(
        loadError(head + R"("organizations": [{"id": 1, "slug": "a", "cell": "x", "status": "frozen"}]})"),
        "t.json: $.organizations[0].status: unknown organization status 'frozen'");
    EXPECT_EQ(loadError(head + R"("organizations": [], "project_keys": [{"cell": "x"}]})"),
              "t.json: $.project_keys[0].public_key: missing (expected a string)");
    EXPECT_EQ(
        loadError(
            R"({"version": 1, "localities": [{"name": "us", "cells": [3]}], "cells": [], "organizations": []})"),
        "t.json: $.localities[0].cells[0]: expected a cell name");
    EXPECT_EQ(loadError(head + R"("organizations": [{"id": 1, "slug": "a", "cell": "x"},
                                                     {"id": 1, "slug": "b", "cell": "x"}]})"),
              "t.json: organization id 1 appears twice");
}

TEST(CopyText, SplitsFieldsAndUnescapes)
{
    CopyTextLine line;
    ASSERT_TRUE(line.parse("1\tacme\t\\N\t2016-01-01 00:00:00+00", 4));
    EXPECT_EQ(line.integer(0), 1);
    EXPECT_EQ(line.text(1), "acme");
    EXPECT_TRUE(line.isNull(2));
    ASSERT_TRUE(line.parse("a\\tb\tc\\\\d\t\\101\\x41\t\\n", 4));
    EXPECT_EQ(line.text(0), "a\tb");
    EXPECT_EQ(line.text(1), "c\\d");
    EXPECT_EQ(line.text(2), "AA");
    EXPECT_EQ(line.text(3), "\n");
    EXPECT_FALSE(line.parse("only\ttwo", 3));
    ASSERT_TRUE(line.parse("x12", 1));
    EXPECT_THROW(line.integer(0), Error);
}

// Fractions are written with the places asked for; a value JSON cannot hold is written as 0.
TEST(JsonWriterTest, WritesDecimals)
{
    std::ostringstream out;
    JsonWriter w(out);
    w.beginArray().decimal(0.0456, 3).decimal(12.5, 1).decimal(std::nan(""), 2).endArray();
    EXPECT_EQ(out.str(), "[0.046,12.5,0.00]");
}

TEST(TimeFormat, FormatsAndParsesUtc)
{
    EXPECT_EQ(formatTimestamp(0), "1970-01-01 00:00:00+00");
    EXPECT_EQ(formatIsoTimestamp(1451606400), "2016-01-01T00:00:00Z");
    EXPECT_EQ(formatIsoTimestamp(951782400), "2000-02-29T00:00:00Z");
    EXPECT_EQ(formatIsoTimestampMillis(1451606400.0456), "2016-01-01T00:00:00.046Z");
    EXPECT_EQ(formatIsoTimestampMillis(1451606399.9996), "2016-01-01T00:00:00.000Z");
    EXPECT_EQ(formatIsoTimestampMillis(-0.25), "1969-12-31T23:59:59.750Z");
    EXPECT_EQ(parseTimestamp("2016-01-01 00:00:00+00"), 1451606400);
    EXPECT_EQ(parseTimestamp("2016-01-01T01:00:00.123456+01:00"), 1451606400);
    EXPECT_EQ(parseTimestamp("2016-01-01T00:00:00Z"), 1451606400);
    EXPECT_EQ(parseTimestamp("2016-01-01"), 1451606400);
    EXPECT_FALSE(parseTimestamp("2016-13-01"));
    EXPECT_FALSE(parseTimestamp("yesterday"));
    EXPECT_FALSE(parseTimestamp("2016-01-01 00:00:00+00 junk"));
    for (std::int64_t t : {0LL, 951782400LL, 1451606399LL, 4102444800LL})
        EXPECT_EQ(parseTimestamp(formatTimestamp(t)), t);
}

TEST(Queries, OrgFilterMatchesSlugNameAndIdWithinScope)
{
    const auto s = smallWorld();
    auto slugs = [&](const OrgFilter& filter) {
        std::vector<std::string> out;
        for (OrgIndex i : findOrganizations(*s, filter, 100))
            out.emplace_back(s->slug(i));
        return out;
    };
    EXPECT_EQ(slugs({}), (std::vector<std::string>{"acme", "globex", "initech", "4-digits-slug"}));
    EXPECT_EQ(slugs({std::nullopt, std::nullopt, "GMBH"}), (std::vector<std::string>{"initech"}));
    EXPECT_EQ(slugs({std::nullopt, std::nullopt, "44"}), (std::vector<std::string>{"4-digits-slug"}));
    EXPECT_EQ(slugs({std::nullopt, std::string("us"), ""}),
              (std::vector<std::string>{"acme", "globex", "4-digits-slug"}));
    EXPECT_EQ(slugs({s->findCell("us1"), std::nullopt, "a"}), (std::vector<std::string>{"acme"}));
    std::size_t total = 0;
    EXPECT_EQ(findOrganizations(*s, {}, 1, &total).size(), 1u);
    EXPECT_EQ(total, 4u);
}

TEST(Queries, DsnForEachIssuedFormat)
{
    const auto s = smallWorld();
    EXPECT_EQ(dsnForKey(*s, *s->findProjectKey("0123456789abcdef0123456789abcdef")),
              "https://0123456789abcdef0123456789abcdef@o1.ingest.us.sentry.io/100");
    EXPECT_EQ(dsnForKey(*s, *s->findProjectKey("fedcba9876543210fedcba9876543210")),
              "https://fedcba9876543210fedcba9876543210@o3.ingest.sentry.io/300");
    EXPECT_EQ(dsnForKey(*s, *s->findProjectKey("NOT-HEX-KEY")), "https://NOT-HEX-KEY@sentry.io/200");
}

TEST(Queries, UserLensGroupsByCellLikeFindCellsForUser)
{
    const auto s = smallWorld();
    const auto byId = findUserOrganizations(*s, "100");
    ASSERT_EQ(byId.cells.size(), 2u);
    EXPECT_EQ(s->cellName(byId.cells[0].cell), "us1");
    EXPECT_EQ(s->cellName(byId.cells[1].cell), "de1");
    ASSERT_EQ(byId.unmapped.size(), 1u);
    EXPECT_EQ(s->members()[byId.unmapped[0].member].organizationId, 999);
    const auto byEmail = findUserOrganizations(*s, "Ada@Example.com");
    EXPECT_EQ(byEmail.cells.size(), 2u);
    EXPECT_EQ(byEmail.userIds, (std::vector<std::int64_t>{100}));
    EXPECT_TRUE(findUserOrganizations(*s, "nobody@example.com").cells.empty());
    EXPECT_EQ(otherCellsOfUser(*s, 100, *s->findCell("us1")), (std::vector<CellIndex>{*s->findCell("de1")}));
    EXPECT_TRUE(otherCellsOfUser(*s, 0, *s->findCell("us1")).empty());
}

// The search text must agree with OrgMatcher's own case folding for every needle, whether it tests
// one organization (contains) or marks a range in one pass (mark), at range edges too.
TEST(Queries, SearchTextAgreesWithTheMatcher)
{
    const demo::DemoWorld world(42, 3000);
    SnapshotBuilder b;
    for (const auto& demo : demo::demoCells()) {
        Cell cell;
        cell.name = demo.name;
        b.addCell(cell);
    }
    for (std::size_t i = 0; i < world.orgCount(); ++i) {
        const auto org = world.org(i);
        // Mixed case in some names and slugs, and an empty name, exercise the folding.
        const std::string name = i % 7 == 0 ? std::string() : i % 3 == 0 ? "ACME " + org.name : org.name;
        const std::string slug = i % 11 == 0 ? "Up-" + org.slug : org.slug;
        b.addOrganization(org.id, slug, name, static_cast<CellIndex>(org.cell), org.status, org.dateCreated);
    }
    const auto s = b.finish();
    const OrgSearchText text(*s);
    ASSERT_EQ(text.size(), s->organizations().size());
    for (const char* needle : {"o", "ot", "otter", "ACME", "acme o", "up-", "-1", "44", "zz-no-such", "a"}) {
        const OrgFilter filter{std::nullopt, std::nullopt, needle};
        const OrgMatcher plain(*s, filter);
        const OrgMatcher fast(*s, filter, &text);
        std::vector<std::uint8_t> marks(s->organizations().size(), 0);
        const auto third = static_cast<OrgIndex>(marks.size() / 3);
        text.mark(fast.needle(), 0, third, marks);
        text.mark(fast.needle(), third, static_cast<OrgIndex>(marks.size()), marks);
        std::size_t matches = 0;
        for (OrgIndex i = 0; i < s->organizations().size(); ++i) {
            const bool expected = plain.matches(i);
            matches += expected;
            ASSERT_EQ(fast.matches(i), expected) << needle << " org " << s->slug(i);
            ASSERT_EQ(marks[i] != 0 || fast.matchesId(i), expected) << needle << " org " << s->slug(i);
        }
        if (std::string_view(needle) == "zz-no-such")
            EXPECT_EQ(matches, 0u);
        else
            EXPECT_GT(matches, 0u) << needle;
    }
}

TEST(DemoWorld, IsDeterministicAndWellFormed)
{
    const demo::DemoWorld a(42, 5000), b(42, 5000), c(7, 5000);
    EXPECT_EQ(a.org(123).slug, b.org(123).slug);
    EXPECT_EQ(a.projects(a.org(9), 9)[0].publicKey, b.projects(b.org(9), 9)[0].publicKey);
    int differences = 0;
    for (std::size_t i = 0; i < 50; ++i)
        differences += a.org(i).cell != c.org(i).cell;
    EXPECT_GT(differences, 10);

    std::set<std::string> slugs, keys;
    std::set<int> cellsSeen;
    std::size_t members = 0, spanning = 0;
    for (std::size_t i = 0; i < 5000; ++i) {
        const auto org = a.org(i);
        EXPECT_TRUE(slugs.insert(org.slug).second) << org.slug;
        cellsSeen.insert(org.cell);
        std::set<std::int64_t> users;
        for (const auto& member : a.members(org, i)) {
            ++members;
            if (member.userId) {
                EXPECT_TRUE(users.insert(member.userId).second) << "user twice in org " << org.id;
            }
        }
        for (const auto& project : a.projects(org, i))
            EXPECT_TRUE(keys.insert(project.publicKey).second);
        spanning += a.members(org, i).front().role == std::string("owner");
    }
    EXPECT_EQ(cellsSeen.size(), demo::demoCells().size());
    EXPECT_EQ(spanning, 5000u); // every org has its owner first
    EXPECT_NEAR(static_cast<double>(members) / 5000, 3.0, 0.1);
    EXPECT_NEAR(static_cast<double>(keys.size()) / 5000, 2.0, 0.1);
}
