#include "core/snapshot/json_snapshot.h"

#include "core/util/error.h"
#include "core/util/json_type.h"
#include "core/util/json_writer.h"
#include "core/util/time_format.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <fstream>
#include <sstream>

namespace cellscope {

void writeSnapshotJson(const Snapshot& s, std::ostream& out)
{
    JsonWriter w(out);
    w.beginObject();
    w.key("version").value(s.info().version);
    w.key("app_host").value(s.info().appHost);
    if (auto monolith = s.monolithCell())
        w.key("monolith_cell").value(s.cellName(*monolith));
    else
        w.key("monolith_cell").null();
    w.key("taken_at").value(formatIsoTimestamp(s.info().takenAt));

    w.key("localities").beginArray();
    for (const Locality& locality : s.localities()) {
        w.beginObject();
        w.key("name").value(locality.name);
        w.key("category").value(categoryName(locality.category));
        w.key("cells").beginArray();
        for (CellIndex cell : locality.cells)
            w.value(s.cellName(cell));
        w.endArray();
        w.key("new_org_cell").value(locality.newOrgCell);
        w.key("visible").value(locality.visible);
        w.endObject();
    }
    w.endArray();

    w.key("cells").beginArray();
    for (const Cell& cell : s.cells()) {
        if (!cell.declared)
            continue; // referenced only by rows: the rows carry the name, loading re-creates it
        w.beginObject();
        w.key("name").value(cell.name);
        w.key("locality").value(cell.locality);
        w.key("snowflake_id").value(cell.snowflakeId);
        w.key("address").value(cell.address);
        w.key("category").value(categoryName(cell.category));
        w.key("visible").value(cell.visible);
        w.endObject();
    }
    w.endArray();

    w.key("organizations").beginArray();
    for (const OrganizationMapping& org : s.organizations()) {
        w.breakLine().beginObject();
        w.key("id").value(org.id);
        w.key("slug").value(s.text(org.slug));
        w.key("name").value(s.text(org.name));
        w.key("cell").value(s.cellName(org.cell));
        w.key("status").value(orgStatusName(org.status));
        w.key("date_created").value(formatIsoTimestamp(org.dateCreated));
        w.endObject();
    }
    w.endArray();

    w.key("members").beginArray();
    for (const MemberMapping& member : s.members()) {
        w.breakLine().beginObject();
        w.key("organization_id").value(member.organizationId);
        if (member.userId)
            w.key("user_id").value(member.userId);
        else
            w.key("user_id").null();
        w.key("email").value(s.text(member.email));
        w.key("role").value(s.role(member));
        w.key("invite_status").value(static_cast<int>(member.inviteStatus));
        w.endObject();
    }
    w.endArray();

    w.key("project_keys").beginArray();
    for (KeyIndex i = 0; i < s.projectKeys().size(); ++i) {
        const ProjectKey& key = s.projectKeys()[i];
        w.breakLine().beginObject();
        w.key("public_key").value(s.publicKey(i));
        w.key("cell").value(s.cellName(key.cell));
        w.key("project_key_id").value(key.projectKeyId);
        w.key("project_id").value(key.projectId);
        w.key("organization_id").value(key.organizationId);
        w.key("dsn_format").value(dsnFormatName(key.dsnFormat));
        w.endObject();
    }
    w.endArray();

    w.key("integrations").beginArray();
    for (const Integration& integration : s.integrations()) {
        w.breakLine().beginObject();
        w.key("id").value(integration.id);
        w.key("provider").value(integration.provider);
        w.key("external_id").value(integration.externalId);
        w.key("name").value(integration.name);
        w.key("organizations").beginArray();
        for (std::int64_t org : integration.organizations)
            w.value(org);
        w.endArray();
        w.endObject();
    }
    w.endArray();

    w.key("slug_reservations").beginArray();
    for (const SlugReservation& reservation : s.slugReservations()) {
        w.breakLine().beginObject();
        w.key("slug").value(s.text(reservation.slug));
        w.key("organization_id").value(reservation.organizationId);
        w.key("cell").value(s.cellName(reservation.cellIndex()));
        w.key("reservation_type").value(reservationTypeName(reservation.reservationType()));
        if (reservation.userId)
            w.key("user_id").value(reservation.userId);
        w.endObject();
    }
    w.endArray();
    w.endObject();
    out << '\n';
}

void writeSnapshotJsonFile(const Snapshot& snapshot, const std::string& path)
{
    // Write next to the target and rename, so a reader never sees half a file.
    const std::string temporary = path + ".partial";
    {
        std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
        if (!out)
            fail(ErrorCode::BadInput, "cannot write " + path);
        writeSnapshotJson(snapshot, out);
        out.flush();
        if (!out)
            fail(ErrorCode::BadInput, "writing " + path + " failed (disk full?)");
    }
    if (std::rename(temporary.c_str(), path.c_str()) != 0)
        fail(ErrorCode::BadInput, "cannot move the snapshot into place at " + path);
}

namespace {

// Walks the parsed document, remembering the JSON path for error messages.
class Reader
{
public:
    explicit Reader(std::string source) : m_source(std::move(source)) {}

    [[noreturn]] void problem(const std::string& path, const std::string& message) const
    {
        fail(ErrorCode::BadInput, m_source + ": " + path + ": " + message);
    }

    QJsonObject object(const QJsonValue& value, const std::string& path) const
    {
        if (!value.isObject())
            problem(path, "expected an object");
        return value.toObject();
    }
    QJsonArray array(const QJsonObject& parent, const char* key, const std::string& path,
                     bool required = true) const
    {
        const QJsonValue value = parent.value(QLatin1StringView(key));
        if (value.isUndefined() && !required)
            return {};
        if (!value.isArray())
            problem(path + "." + key,
                    value.isUndefined() ? "missing (expected an array)" : "expected an array");
        return value.toArray();
    }
    std::string string(const QJsonObject& o, const char* key, const std::string& path, bool required = true,
                       const std::string& fallback = {}) const
    {
        const QJsonValue value = o.value(QLatin1StringView(key));
        if (value.isUndefined() || (value.isNull() && !required))
            return required ? (problem(path + "." + key, "missing (expected a string)"), std::string())
                            : fallback;
        if (!value.isString())
            problem(path + "." + key, "expected a string");
        return value.toString().toStdString();
    }
    std::int64_t integer(const QJsonObject& o, const char* key, const std::string& path, bool required = true,
                         std::int64_t fallback = 0) const
    {
        const QJsonValue value = o.value(QLatin1StringView(key));
        if (value.isUndefined() || value.isNull()) {
            if (required)
                problem(path + "." + key, "missing (expected an integer)");
            return fallback;
        }
        // Ids may be written as strings by tools that fear 53-bit JSON numbers.
        if (value.isString()) {
            bool ok = false;
            const qint64 parsed = value.toString().toLongLong(&ok);
            if (!ok)
                problem(path + "." + key, "expected an integer");
            return parsed;
        }
        const auto number = value.isDouble() ? exactInt64(value.toDouble()) : std::nullopt;
        if (!number)
            problem(path + "." + key, "expected an integer");
        return number.value_or(fallback);
    }
    bool boolean(const QJsonObject& o, const char* key, const std::string& path, bool fallback) const
    {
        const QJsonValue value = o.value(QLatin1StringView(key));
        if (value.isUndefined())
            return fallback;
        if (!value.isBool())
            problem(path + "." + key, "expected true or false");
        return value.toBool();
    }

private:
    std::string m_source;
};

std::string at(const std::string& path, qsizetype index)
{
    return path + "[" + std::to_string(index) + "]";
}

std::pair<int, int> lineColumn(const std::string& bytes, std::size_t offset)
{
    int line = 1, column = 1;
    for (std::size_t i = 0; i < offset && i < bytes.size(); ++i) {
        if (bytes[i] == '\n') {
            ++line;
            column = 1;
        } else {
            ++column;
        }
    }
    return {line, column};
}

} // namespace

SnapshotPtr loadSnapshotJson(const std::string& bytes, const std::string& sourceName)
{
    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(
        QByteArray::fromRawData(bytes.data(), static_cast<qsizetype>(bytes.size())), &parseError);
    if (parseError.error != QJsonParseError::NoError) {
        const auto [line, column] = lineColumn(bytes, static_cast<std::size_t>(parseError.offset));
        fail(ErrorCode::BadInput, sourceName + ":" + std::to_string(line) + ":" + std::to_string(column) +
                                      ": not valid JSON (" + parseError.errorString().toStdString() + ")");
    }
    const Reader r(sourceName);
    const QJsonObject root =
        r.object(document.isObject() ? QJsonValue(document.object()) : QJsonValue(), "$");
    const std::int64_t version = r.integer(root, "version", "$");
    if (version != kSnapshotFormatVersion)
        r.problem("$.version", "unsupported snapshot format version " + std::to_string(version) +
                                   " (this build reads " + std::to_string(kSnapshotFormatVersion) + ")");

    SnapshotBuilder builder;
    builder.info().source = "file: " + sourceName;
    builder.info().appHost = r.string(root, "app_host", "$", false, "sentry.io");
    builder.info().monolithCell = r.string(root, "monolith_cell", "$", false);
    if (root.contains(QLatin1StringView("taken_at"))) {
        const std::string takenAt = r.string(root, "taken_at", "$");
        const auto seconds = parseTimestamp(takenAt);
        if (!seconds)
            r.problem("$.taken_at", "expected a timestamp like 2026-01-31T12:00:00Z");
        builder.info().takenAt = *seconds;
    }

    const QJsonArray cells = r.array(root, "cells", "$");
    for (qsizetype i = 0; i < cells.size(); ++i) {
        const std::string path = at("$.cells", i);
        const QJsonObject o = r.object(cells[i], path);
        Cell cell;
        cell.name = r.string(o, "name", path);
        if (cell.name.empty())
            r.problem(path + ".name", "must not be empty");
        cell.snowflakeId = r.integer(o, "snowflake_id", path, false);
        cell.address = r.string(o, "address", path, false);
        const std::string category = r.string(o, "category", path, false, "MULTI_TENANT");
        const auto parsed = parseCategory(category);
        if (!parsed)
            r.problem(path + ".category", "expected MULTI_TENANT or SINGLE_TENANT, got '" + category + "'");
        cell.category = *parsed;
        cell.visible = r.boolean(o, "visible", path, true);
        cell.monolith = cell.name == builder.info().monolithCell;
        try {
            builder.addCell(std::move(cell));
        } catch (const Error& e) {
            r.problem(path + ".name", e.what());
        }
    }
    const QJsonArray localities = r.array(root, "localities", "$");
    for (qsizetype i = 0; i < localities.size(); ++i) {
        const std::string path = at("$.localities", i);
        const QJsonObject o = r.object(localities[i], path);
        Locality locality;
        locality.name = r.string(o, "name", path);
        const std::string category = r.string(o, "category", path, false, "MULTI_TENANT");
        const auto parsed = parseCategory(category);
        if (!parsed)
            r.problem(path + ".category", "expected MULTI_TENANT or SINGLE_TENANT, got '" + category + "'");
        locality.category = *parsed;
        locality.newOrgCell = r.string(o, "new_org_cell", path, false);
        locality.visible = r.boolean(o, "visible", path, true);
        std::vector<std::string> cellNames;
        const QJsonArray names = r.array(o, "cells", path);
        for (qsizetype c = 0; c < names.size(); ++c) {
            if (!names[c].isString())
                r.problem(at(path + ".cells", c), "expected a cell name");
            cellNames.push_back(names[c].toString().toStdString());
        }
        builder.addLocality(std::move(locality), cellNames);
    }

    const QJsonArray orgs = r.array(root, "organizations", "$");
    builder.reserve(static_cast<std::size_t>(orgs.size()), 0, 0);
    for (qsizetype i = 0; i < orgs.size(); ++i) {
        const std::string path = at("$.organizations", i);
        const QJsonObject o = r.object(orgs[i], path);
        OrgStatus status = OrgStatus::Active;
        const QJsonValue statusValue = o.value(QLatin1StringView("status"));
        if (statusValue.isString()) {
            const auto parsed = parseOrgStatus(statusValue.toString().toStdString());
            if (!parsed)
                r.problem(path + ".status",
                          "unknown organization status '" + statusValue.toString().toStdString() + "'");
            status = *parsed;
        } else if (!statusValue.isUndefined() && !statusValue.isNull()) {
            const std::int64_t code = r.integer(o, "status", path);
            if (code < 0 || code > 3)
                r.problem(path + ".status", "unknown organization status " + std::to_string(code));
            status = static_cast<OrgStatus>(code);
        }
        std::int64_t created = 0;
        if (const std::string text = r.string(o, "date_created", path, false); !text.empty()) {
            const auto seconds = parseTimestamp(text);
            if (!seconds)
                r.problem(path + ".date_created", "expected a timestamp like 2026-01-31T12:00:00Z");
            created = *seconds;
        }
        const std::string slug = r.string(o, "slug", path);
        if (slug.empty())
            r.problem(path + ".slug", "must not be empty");
        builder.addOrganization(r.integer(o, "id", path), slug, r.string(o, "name", path, false),
                                builder.cellIndex(r.string(o, "cell", path)), status, created);
    }

    const QJsonArray members = r.array(root, "members", "$", false);
    for (qsizetype i = 0; i < members.size(); ++i) {
        const std::string path = at("$.members", i);
        const QJsonObject o = r.object(members[i], path);
        const std::int64_t invite = r.integer(o, "invite_status", path, false);
        if (invite < 0 || invite > 2)
            r.problem(path + ".invite_status", "expected 0, 1 or 2");
        builder.addMember(r.integer(o, "organization_id", path), r.integer(o, "user_id", path, false),
                          r.string(o, "email", path, false), r.string(o, "role", path, false, "member"),
                          static_cast<InviteStatus>(invite));
    }

    const QJsonArray keys = r.array(root, "project_keys", "$", false);
    for (qsizetype i = 0; i < keys.size(); ++i) {
        const std::string path = at("$.project_keys", i);
        const QJsonObject o = r.object(keys[i], path);
        const std::string publicKey = r.string(o, "public_key", path);
        if (publicKey.empty())
            r.problem(path + ".public_key", "must not be empty");
        const std::string format = r.string(o, "dsn_format", path, false, "locality");
        const auto parsedFormat = parseDsnFormat(format);
        if (!parsedFormat)
            r.problem(path + ".dsn_format", "expected locality, org_subdomain or legacy");
        builder.addProjectKey(publicKey, builder.cellIndex(r.string(o, "cell", path)),
                              r.integer(o, "project_key_id", path, false),
                              r.integer(o, "project_id", path, false),
                              r.integer(o, "organization_id", path, false), *parsedFormat);
    }

    const QJsonArray integrations = r.array(root, "integrations", "$", false);
    for (qsizetype i = 0; i < integrations.size(); ++i) {
        const std::string path = at("$.integrations", i);
        const QJsonObject o = r.object(integrations[i], path);
        Integration integration;
        integration.id = r.integer(o, "id", path);
        integration.provider = r.string(o, "provider", path);
        integration.externalId = r.string(o, "external_id", path);
        integration.name = r.string(o, "name", path, false);
        const QJsonArray installed = r.array(o, "organizations", path, false);
        for (qsizetype k = 0; k < installed.size(); ++k) {
            const QJsonValue value = installed[k];
            const auto organization = value.isDouble() ? exactInt64(value.toDouble()) : std::nullopt;
            if (!organization)
                r.problem(at(path + ".organizations", k), "expected an organization id");
            integration.organizations.push_back(organization.value_or(0));
        }
        builder.addIntegration(std::move(integration));
    }

    const QJsonArray reservations = r.array(root, "slug_reservations", "$", false);
    for (qsizetype i = 0; i < reservations.size(); ++i) {
        const std::string path = at("$.slug_reservations", i);
        const QJsonObject o = r.object(reservations[i], path);
        ReservationType type = ReservationType::Primary;
        const QJsonValue typeValue = o.value(QLatin1StringView("reservation_type"));
        if (typeValue.isString()) {
            const auto parsed = parseReservationType(typeValue.toString().toStdString());
            if (!parsed)
                r.problem(path + ".reservation_type",
                          "expected primary, vanity_alias or temporary_rename_alias");
            type = *parsed;
        } else if (!typeValue.isUndefined()) {
            const std::int64_t code = r.integer(o, "reservation_type", path);
            if (code < 0 || code > 2)
                r.problem(path + ".reservation_type", "expected 0, 1 or 2");
            type = static_cast<ReservationType>(code);
        }
        builder.addSlugReservation(r.string(o, "slug", path), r.integer(o, "organization_id", path),
                                   r.integer(o, "user_id", path, false),
                                   builder.cellIndex(r.string(o, "cell", path)), type);
    }
    try {
        return builder.finish();
    } catch (const Error& e) {
        fail(ErrorCode::BadInput, sourceName + ": " + e.what());
    }
}

SnapshotPtr loadSnapshotJsonFile(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in)
        fail(ErrorCode::BadInput, "cannot open snapshot file " + path);
    std::ostringstream bytes;
    bytes << in.rdbuf();
    return loadSnapshotJson(bytes.str(), path);
}

} // namespace cellscope
