// `cellctl cells validate`: Sentry's cell settings read from JSON or YAML and checked with Sentry's
// rules, one test per rule.
#include "core/snapshot/cell_settings.h"
#include "core/util/error.h"

#include <gtest/gtest.h>

#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>

#include <string>

namespace cellscope {
namespace {

const std::string kFixtures = std::string(CELLSCOPE_FIXTURES_DIR) + "/cells/";

std::vector<std::string> codes(const CellSettingsReport& report)
{
    std::vector<std::string> out;
    for (const CellSettingsProblem& problem : report.errors)
        out.push_back(problem.code);
    return out;
}

std::string refusal(const std::string& text)
{
    try {
        (void)validateCellSettings(text, "cells.yaml");
    } catch (const Error& e) {
        return e.what();
    }
    return {};
}

TEST(CellSettingsTest, DemoSettingsAreValid)
{
    const CellSettingsReport report = validateCellSettingsFile(kFixtures + "demo.yaml");
    EXPECT_TRUE(report.errors.empty());
    EXPECT_EQ(report.exitStatus(), 0);
    const CellSettings& s = report.settings;
    ASSERT_EQ(s.cells.size(), 6u);
    EXPECT_EQ(s.cells[3].snowflakeId, 11);
    EXPECT_EQ(s.cells[5].category, CellCategory::SingleTenant);
    EXPECT_FALSE(s.cells[5].visible);
    ASSERT_EQ(s.localities.size(), 3u);
    EXPECT_EQ(s.localities[0].locality.newOrgCell, "us2");
    EXPECT_EQ(s.fallbackCell, "us1");
    EXPECT_TRUE(s.localitiesConfigured);
}

TEST(CellSettingsTest, JsonTakesTheSameFieldNames)
{
    const CellSettingsReport report = validateCellSettingsFile(kFixtures + "demo.json");
    EXPECT_TRUE(report.errors.empty());
    ASSERT_EQ(report.settings.cells.size(), 3u);
    EXPECT_EQ(report.settings.cells[2].address, "http://de1.cells.internal");
    EXPECT_EQ(report.settings.localities[1].cells, (std::vector<std::string>{"de1"}));
    EXPECT_NE(refusal("{\"SENTRY_CELLS\": [}").find("cells.yaml: invalid JSON at offset"), std::string::npos);
}

TEST(CellSettingsTest, WithoutLocalitiesEachCellIsItsOwn)
{
    const CellSettingsReport report = validateCellSettingsFile(kFixtures + "cells_only.json");
    EXPECT_TRUE(report.errors.empty());
    EXPECT_FALSE(report.settings.localitiesConfigured);
    ASSERT_EQ(report.settings.localities.size(), 2u);
    EXPECT_EQ(report.settings.localities[1].locality.name, "de1");
    EXPECT_EQ(report.settings.localities[1].locality.newOrgCell, "de1");
}

TEST(CellSettingsTest, CellInNoLocality)
{
    const auto report = validateCellSettings(
        "SENTRY_CELLS: [{name: us1}, {name: us2}]\nSENTRY_LOCALITIES: [{name: us, cells: [us1]}]\n",
        "c.yaml");
    EXPECT_EQ(codes(report), (std::vector<std::string>{"cell_without_locality"}));
    EXPECT_EQ(report.exitStatus(), 1);
}

TEST(CellSettingsTest, CellInSeveralLocalities)
{
    const auto report =
        validateCellSettings("SENTRY_CELLS: [{name: us1}]\nSENTRY_LOCALITIES: [{name: us, cells: "
                             "[us1]}, {name: eu, cells: [us1]}]\n",
                             "c.yaml");
    EXPECT_EQ(codes(report), (std::vector<std::string>{"cell_in_several_localities"}));
    EXPECT_NE(report.errors[0].message.find("us, eu"), std::string::npos);
}

TEST(CellSettingsTest, LocalityNamesAnUndefinedCell)
{
    const auto report = validateCellSettings(
        "SENTRY_CELLS: [{name: us1}]\nSENTRY_LOCALITIES: [{name: us, cells: [us1, us9]}]\n", "c.yaml");
    EXPECT_EQ(codes(report), (std::vector<std::string>{"unknown_cell"}));
}

TEST(CellSettingsTest, NewOrgCellOutsideItsLocality)
{
    const auto report =
        validateCellSettings("SENTRY_CELLS: [{name: us1}, {name: de1}]\nSENTRY_LOCALITIES: [{name: us, "
                             "cells: [us1], new_org_cell: de1}, {name: de, cells: [de1]}]\n",
                             "c.yaml");
    EXPECT_EQ(codes(report), (std::vector<std::string>{"new_org_cell_outside_locality"}));
}

TEST(CellSettingsTest, DuplicatesAndTheFallbackCell)
{
    const auto report = validateCellSettingsFile(kFixtures + "broken_rules.yaml");
    const std::vector<std::string> found = codes(report);
    for (const char* code :
         {"duplicate_cell", "duplicate_locality", "unknown_cell", "new_org_cell_outside_locality",
          "cell_in_several_localities", "cell_without_locality", "unknown_fallback_cell"})
        EXPECT_NE(std::find(found.begin(), found.end(), code), found.end()) << code;
    const QJsonObject json = QJsonDocument::fromJson(cellSettingsReportToJson(report)).object();
    EXPECT_FALSE(json.value(QStringLiteral("valid")).toBool());
    EXPECT_EQ(json.value(QStringLiteral("fallback_cell")).toString(), QStringLiteral("monolith"));
}

TEST(CellSettingsTest, MalformedFilesAreRefusedNamingTheField)
{
    EXPECT_NE(refusal("SENTRY_LOCALITIES: []\n").find("SENTRY_CELLS: expected a list of cells"),
              std::string::npos);
    EXPECT_NE(
        refusal("SENTRY_CELLS: [{address: x}]\n").find("cells.yaml:1: SENTRY_CELLS[0]: missing field 'name'"),
        std::string::npos);
    EXPECT_NE(
        refusal("SENTRY_CELLS: [{name: a, category: HUGE}]\n").find("is not MULTI_TENANT or SINGLE_TENANT"),
        std::string::npos);
    EXPECT_NE(refusal("SENTRY_CELLS: [{name: a, snowflake_id: 1x}]\n").find("expected an integer"),
              std::string::npos);
    EXPECT_NE(refusal("SENTRY_CELLS: [{name: a, visible: maybe}]\n").find("expected true or false"),
              std::string::npos);
    EXPECT_NE(refusal("SENTRY_CELLS: [{name: a}]\nSENTRY_LOCALITIES: [{name: us}]\n")
                  .find("SENTRY_LOCALITIES[0].cells: expected a list of cell names"),
              std::string::npos);
    EXPECT_NE(refusal("SENTRY_CELLS: [{name: a}]\nSENTRY_CELLS: []\n").find("duplicate key"),
              std::string::npos);
}

TEST(CellSettingsTest, HostileYamlIsRefusedByTheBudgets)
{
    std::string bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n";
    for (int level = 1; level <= 9; ++level) {
        bomb += "l" + std::to_string(level) + ": &l" + std::to_string(level) + " [";
        for (int i = 0; i < 10; ++i)
            bomb += std::string(i ? ", " : "") + (level == 1 ? "*a" : "*l" + std::to_string(level - 1));
        bomb += "]\n";
    }
    EXPECT_NE(refusal(bomb).find("an alias bomb?"), std::string::npos);
    EXPECT_NE(refusal("SENTRY_CELLS: " + std::string(500, '[') + std::string(500, ']')).find("nests deeper"),
              std::string::npos);
}

} // namespace
} // namespace cellscope

namespace cellscope {
namespace {

TEST(CellSettingsTest, ValidSettingsAreAWorldOfTheirTopology)
{
    ASSERT_TRUE(isCellSettingsFile(kFixtures + "demo.yaml"));
    ASSERT_TRUE(isCellSettingsFile(kFixtures + "demo.json"));
    EXPECT_FALSE(isCellSettingsFile(std::string(CELLSCOPE_FIXTURES_DIR) + "/snapshots/small.json"));
    // The name as a value (an organization's slug) is not the key.
    QTemporaryDir dir;
    QFile named(dir.filePath(QStringLiteral("named.json")));
    ASSERT_TRUE(named.open(QIODevice::WriteOnly));
    named.write(R"({"version": 1, "organizations": [{"id": 1, "slug": "SENTRY_CELLS", "cell": "us1"}]})");
    named.close();
    EXPECT_FALSE(isCellSettingsFile(named.fileName().toStdString()));
    const std::string path = kFixtures + "demo.yaml";
    const SnapshotPtr world = snapshotFromCellSettings(validateCellSettingsFile(path), path);
    EXPECT_EQ(world->cells().size(), 6u);
    EXPECT_EQ(world->localities().size(), 3u);
    EXPECT_TRUE(world->organizations().empty());
    ASSERT_TRUE(world->monolithCell().has_value());
    EXPECT_EQ(world->cellName(*world->monolithCell()), "us1");
    const auto us = world->findLocality("us");
    ASSERT_TRUE(us.has_value());
    EXPECT_EQ(world->localities()[*us].newOrgCell, "us2");
    EXPECT_EQ(world->localities()[*us].cells.size(), 3u);
    EXPECT_EQ(world->info().source, "cell settings " + path);
    EXPECT_GT(world->info().takenAt, 0);
}

TEST(CellSettingsTest, SettingsThatBreakARuleAreNoWorld)
{
    const std::string path = kFixtures + "broken_rules.yaml";
    try {
        (void)snapshotFromCellSettings(validateCellSettingsFile(path), path);
        FAIL() << "accepted";
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::BadInput);
        EXPECT_NE(std::string(e.what()).find("see cellctl cells validate"), std::string::npos) << e.what();
    }
}

} // namespace
} // namespace cellscope
