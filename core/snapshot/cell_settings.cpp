#include "core/snapshot/cell_settings.h"

#include "core/util/error.h"
#include "core/util/yaml_load.h"

#include <QDateTime>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QRegularExpression>
#include <QJsonDocument>
#include <QJsonObject>
#include <QJsonParseError>

#include <algorithm>
#include <map>
#include <set>

namespace cellscope {

namespace {

class Reader
{
public:
    explicit Reader(std::string origin) : m_origin(std::move(origin)) {}

    [[noreturn]] void fail(const YAML::Node& at, const std::string& sentence) const
    {
        failYaml(m_origin, yamlLine(at), sentence);
    }

    std::optional<std::string> string(const YAML::Node& map, const char* key, const std::string& where) const
    {
        const YAML::Node value = map[key];
        if (!value.IsDefined() || value.IsNull())
            return std::nullopt;
        if (!value.IsScalar())
            fail(value, where + "." + key + ": expected a string");
        return value.Scalar();
    }

    std::string name(const YAML::Node& map, const std::string& where) const
    {
        const auto value = string(map, "name", where);
        if (!value || value->empty())
            fail(map, where + ": missing field 'name'");
        return *value;
    }

    std::optional<bool> boolean(const YAML::Node& map, const char* key, const std::string& where) const
    {
        const auto text = string(map, key, where);
        if (!text)
            return std::nullopt;
        if (*text == "true" || *text == "True")
            return true;
        if (*text == "false" || *text == "False")
            return false;
        fail(map[key], where + "." + key + ": expected true or false");
    }

    CellCategory category(const YAML::Node& map, const std::string& where) const
    {
        const auto text = string(map, "category", where);
        if (!text)
            return CellCategory::MultiTenant;
        const auto parsed = parseCategory(*text);
        if (!parsed)
            fail(map["category"], where + ".category: '" + *text + "' is not MULTI_TENANT or SINGLE_TENANT");
        return *parsed;
    }

    Cell cell(const YAML::Node& node, const std::string& where) const
    {
        if (!node.IsMap())
            fail(node, where + ": expected a mapping");
        Cell cell;
        cell.name = name(node, where);
        if (const auto id = string(node, "snowflake_id", where)) {
            try {
                std::size_t used = 0;
                cell.snowflakeId = std::stoll(*id, &used);
                if (used != id->size())
                    throw std::invalid_argument("trailing text");
            } catch (const std::exception&) {
                fail(node["snowflake_id"], where + ".snowflake_id: expected an integer");
            }
        }
        cell.address = string(node, "address", where).value_or("");
        cell.category = category(node, where);
        cell.visible = boolean(node, "visible", where).value_or(true);
        return cell;
    }

    CellSettingsLocality locality(const YAML::Node& node, const std::string& where) const
    {
        if (!node.IsMap())
            fail(node, where + ": expected a mapping");
        CellSettingsLocality out;
        out.locality.name = name(node, where);
        out.locality.category = category(node, where);
        out.locality.newOrgCell = string(node, "new_org_cell", where).value_or("");
        out.locality.visible = boolean(node, "visible", where).value_or(true);
        const YAML::Node cells = node["cells"];
        if (!cells.IsDefined() || !cells.IsSequence())
            fail(node, where + ".cells: expected a list of cell names");
        for (const YAML::Node& cell : cells) {
            if (!cell.IsScalar())
                fail(cell, where + ".cells: expected a list of cell names");
            out.cells.push_back(cell.Scalar());
        }
        return out;
    }

private:
    std::string m_origin;
};

// JSON goes through Qt's parser (its errors name the offset), then in compact form through the
// same reader as YAML, so both take the same field names and rules.
std::string asYaml(std::string_view text, const std::string& origin)
{
    const std::size_t first = text.find_first_not_of(" \t\r\n");
    if (first == std::string_view::npos || (text[first] != '{' && text[first] != '['))
        return std::string(text);
    QJsonParseError error;
    const QJsonDocument document =
        QJsonDocument::fromJson(QByteArray(text.data(), static_cast<qsizetype>(text.size())), &error);
    if (error.error != QJsonParseError::NoError)
        fail(ErrorCode::BadInput, origin + ": invalid JSON at offset " + std::to_string(error.offset) + ": " +
                                      error.errorString().toStdString());
    return document.toJson(QJsonDocument::Compact).toStdString();
}

void check(CellSettingsReport& report)
{
    CellSettings& s = report.settings;
    const auto error = [&](std::string code, std::string message) {
        report.errors.push_back({std::move(code), std::move(message)});
    };
    std::set<std::string> cells;
    for (const Cell& cell : s.cells)
        if (!cells.insert(cell.name).second)
            error("duplicate_cell", "cell " + cell.name + " is defined twice in SENTRY_CELLS");
    std::set<std::string> localities;
    std::map<std::string, std::vector<std::string>> localitiesOfCell;
    for (const CellSettingsLocality& entry : s.localities) {
        const std::string& name = entry.locality.name;
        if (!localities.insert(name).second)
            error("duplicate_locality", "locality " + name + " is defined twice in SENTRY_LOCALITIES");
        for (const std::string& cell : entry.cells) {
            if (!cells.count(cell))
                error("unknown_cell",
                      "locality " + name + " names cell " + cell + ", which SENTRY_CELLS does not define");
            localitiesOfCell[cell].push_back(name);
        }
        const std::string& newOrg = entry.locality.newOrgCell;
        if (!newOrg.empty() && std::find(entry.cells.begin(), entry.cells.end(), newOrg) == entry.cells.end())
            error("new_org_cell_outside_locality",
                  "locality " + name + "'s new_org_cell " + newOrg + " is not one of its cells");
    }
    for (const Cell& cell : s.cells) {
        const auto found = localitiesOfCell.find(cell.name);
        if (found == localitiesOfCell.end()) {
            error("cell_without_locality", "cell " + cell.name + " belongs to no locality");
        } else if (found->second.size() > 1) {
            std::string names;
            for (const std::string& locality : found->second)
                names += (names.empty() ? "" : ", ") + locality;
            error("cell_in_several_localities",
                  "cell " + cell.name + " belongs to several localities: " + names);
        }
    }
    if (s.fallbackCell && !cells.count(*s.fallbackCell))
        error("unknown_fallback_cell",
              "SENTRY_FALLBACK_CELL names cell " + *s.fallbackCell + ", which SENTRY_CELLS does not define");
}

} // namespace

CellSettingsReport validateCellSettings(std::string_view text, const std::string& origin)
{
    const YAML::Node root = loadYaml(asYaml(text, origin), origin);
    const Reader reader(origin);
    CellSettingsReport report;
    CellSettings& s = report.settings;
    if (!root.IsMap())
        reader.fail(root, "expected a mapping with SENTRY_CELLS (and SENTRY_LOCALITIES)");
    const YAML::Node cells = root["SENTRY_CELLS"];
    if (!cells.IsDefined() || !cells.IsSequence())
        reader.fail(root, "SENTRY_CELLS: expected a list of cells");
    for (std::size_t i = 0; i < cells.size(); ++i)
        s.cells.push_back(reader.cell(cells[i], "SENTRY_CELLS[" + std::to_string(i) + "]"));
    const YAML::Node localities = root["SENTRY_LOCALITIES"];
    if (localities.IsDefined() && !localities.IsNull()) {
        if (!localities.IsSequence())
            reader.fail(localities, "SENTRY_LOCALITIES: expected a list of localities");
        s.localitiesConfigured = localities.size() > 0;
        for (std::size_t i = 0; i < localities.size(); ++i)
            s.localities.push_back(
                reader.locality(localities[i], "SENTRY_LOCALITIES[" + std::to_string(i) + "]"));
    }
    if (const YAML::Node fallback = root["SENTRY_FALLBACK_CELL"];
        fallback.IsDefined() && !fallback.IsNull()) {
        if (!fallback.IsScalar())
            reader.fail(fallback, "SENTRY_FALLBACK_CELL: expected a cell name");
        s.fallbackCell = fallback.Scalar();
    }
    // Sentry: with no localities configured, each cell is a locality of its own.
    if (!s.localitiesConfigured)
        for (const Cell& cell : s.cells) {
            CellSettingsLocality own;
            own.locality.name = cell.name;
            own.locality.category = cell.category;
            own.locality.newOrgCell = cell.name;
            own.locality.visible = cell.visible;
            own.cells = {cell.name};
            s.localities.push_back(std::move(own));
        }
    check(report);
    return report;
}

CellSettingsReport validateCellSettingsFile(const std::string& path)
{
    return validateCellSettings(readYamlFile(path), path);
}

bool isCellSettingsFile(const std::string& path)
{
    QFile file(QString::fromStdString(path));
    if (!file.open(QIODevice::ReadOnly))
        return false;
    // SENTRY_CELLS as a key (followed by ':'), so a snapshot with an organization of that name in
    // its text is not mistaken for settings; a binary snapshot starts with its own magic.
    const QByteArray head = file.read(64 * 1024);
    static const QRegularExpression key(QStringLiteral("(^|[{,\\s])\"?SENTRY_CELLS\"?\\s*:"));
    return !head.startsWith("CSSNAP") && key.match(QString::fromUtf8(head)).hasMatch();
}

SnapshotPtr snapshotFromCellSettings(const CellSettingsReport& report, const std::string& origin)
{
    if (!report.errors.empty())
        fail(ErrorCode::BadInput, origin + ": " + report.errors.front().message + " (" +
                                      report.errors.front().code + "; see cellctl cells validate)");
    const CellSettings& settings = report.settings;
    SnapshotBuilder builder;
    builder.info().source = "cell settings " + origin;
    builder.info().monolithCell = settings.fallbackCell.value_or(std::string());
    // The world is as old as the settings file: what the status bar and `cellctl` age show.
    if (const QFileInfo file(QString::fromStdString(origin)); file.exists())
        builder.info().takenAt = file.lastModified().toSecsSinceEpoch();
    for (const Cell& cell : settings.cells)
        builder.addCell(cell);
    for (const CellSettingsLocality& entry : settings.localities)
        builder.addLocality(entry.locality, entry.cells);
    return builder.finish();
}

QByteArray cellSettingsReportToJson(const CellSettingsReport& report)
{
    const CellSettings& s = report.settings;
    QJsonArray cells, localities, errors;
    for (const Cell& cell : s.cells)
        cells.append(QString::fromStdString(cell.name));
    for (const CellSettingsLocality& entry : s.localities) {
        QJsonArray names;
        for (const std::string& cell : entry.cells)
            names.append(QString::fromStdString(cell));
        localities.append(QJsonObject{{QStringLiteral("name"), QString::fromStdString(entry.locality.name)},
                                      {QStringLiteral("cells"), names},
                                      {QStringLiteral("new_org_cell"),
                                       entry.locality.newOrgCell.empty()
                                           ? QJsonValue(QJsonValue::Null)
                                           : QJsonValue(QString::fromStdString(entry.locality.newOrgCell))}});
    }
    for (const CellSettingsProblem& problem : report.errors)
        errors.append(QJsonObject{{QStringLiteral("code"), QString::fromStdString(problem.code)},
                                  {QStringLiteral("message"), QString::fromStdString(problem.message)}});
    const QJsonObject root{
        {QStringLiteral("valid"), report.errors.empty()},
        {QStringLiteral("fallback_cell"),
         s.fallbackCell ? QJsonValue(QString::fromStdString(*s.fallbackCell)) : QJsonValue(QJsonValue::Null)},
        {QStringLiteral("localities_configured"), s.localitiesConfigured},
        {QStringLiteral("cells"), cells},
        {QStringLiteral("localities"), localities},
        {QStringLiteral("errors"), errors}};
    return QJsonDocument(root).toJson(QJsonDocument::Indented);
}

std::string cellSettingsReportToText(const CellSettingsReport& report, const std::string& origin)
{
    const CellSettings& s = report.settings;
    std::string out =
        origin + ": " + std::to_string(s.cells.size()) + (s.cells.size() == 1 ? " cell" : " cells") + " in " +
        std::to_string(s.localities.size()) + (s.localities.size() == 1 ? " locality" : " localities") +
        (s.localitiesConfigured ? "" : " (none configured: each cell is its own)") +
        (s.fallbackCell ? ", fallback cell " + *s.fallbackCell : std::string()) + "\n";
    for (const CellSettingsLocality& entry : s.localities) {
        std::string names;
        for (const std::string& cell : entry.cells)
            names += (names.empty() ? "" : ", ") + cell;
        out += "  " + entry.locality.name + ": " + (names.empty() ? "(no cells)" : names) +
               (entry.locality.newOrgCell.empty()
                    ? ""
                    : " (new organizations in " + entry.locality.newOrgCell + ")") +
               "\n";
    }
    for (const CellSettingsProblem& problem : report.errors)
        out += "error " + problem.code + ": " + problem.message + "\n";
    out += report.errors.empty() ? "valid\n"
                                 : std::to_string(report.errors.size()) +
                                       (report.errors.size() == 1 ? " error\n" : " errors\n");
    return out;
}

} // namespace cellscope
