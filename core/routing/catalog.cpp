#include "core/routing/catalog.h"

#include "core/routing/catalog_trie.h"
#include "core/util/error.h"
#include "core/util/json_type.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QJsonParseError>

#include <algorithm>

namespace cellscope::routing {

std::string_view siloName(Silo silo) noexcept
{
    switch (silo) {
    case Silo::Cell:
        return "cell";
    case Silo::Control:
        return "control";
    case Silo::InternalCell:
        return "internal_cell";
    case Silo::InternalControl:
        return "internal_control";
    case Silo::All:
        return "all";
    }
    return "cell";
}

std::optional<Silo> parseSilo(std::string_view text) noexcept
{
    for (Silo silo : {Silo::Cell, Silo::Control, Silo::InternalCell, Silo::InternalControl, Silo::All})
        if (siloName(silo) == text)
            return silo;
    return std::nullopt;
}

bool runsInControl(Silo silo) noexcept
{
    return silo == Silo::Control || silo == Silo::InternalControl || silo == Silo::All;
}

std::optional<std::string_view> EndpointMatch::kwarg(std::string_view name) const noexcept
{
    for (std::size_t i = 0; i < captureCount; ++i)
        if (captures[i].name == name)
            return captures[i].value;
    return std::nullopt;
}

Catalog::Catalog() : m_compiled(std::make_unique<Compiled>()) {}
Catalog::~Catalog() = default;
Catalog::Catalog(Catalog&&) noexcept = default;
Catalog& Catalog::operator=(Catalog&&) noexcept = default;

namespace {

[[noreturn]] void jsonFail(const std::string& origin, const std::string& path, const std::string& problem)
{
    fail(ErrorCode::BadInput, origin + ": " + path + ": " + problem);
}

std::string requireString(const QJsonObject& object, const char* key, const std::string& origin,
                          const std::string& path, bool allowEmpty)
{
    const QJsonValue value = object.value(QLatin1StringView(key));
    const std::string at = path + "." + key;
    if (value.isUndefined())
        jsonFail(origin, at, "missing");
    if (!value.isString())
        jsonFail(origin, at, "expected a string, got " + jsonTypeName(value));
    std::string text = value.toString().toStdString();
    if (!allowEmpty && text.empty())
        jsonFail(origin, at, "must not be empty");
    return text;
}
// "pinned_url_names", in file order.
std::vector<std::string> readPinned(const QJsonObject& root, const std::string& where)
{
    std::vector<std::string> pinned;
    const QJsonValue value = root.value(QLatin1StringView("pinned_url_names"));
    if (value.isUndefined())
        return pinned;
    if (!value.isArray())
        jsonFail(where, "pinned_url_names", "expected an array, got " + jsonTypeName(value));
    const QJsonArray names = value.toArray();
    for (qsizetype i = 0; i < names.size(); ++i) {
        if (!names[i].isString() || names[i].toString().isEmpty())
            jsonFail(where, "pinned_url_names[" + std::to_string(i) + "]", "expected a non-empty string");
        pinned.push_back(names[i].toString().toStdString());
    }
    return pinned;
}

// One element of "endpoints", found at JSON path `path`; whether it is pinned is left to the caller.
Endpoint readEndpoint(const QJsonValue& value, const std::string& where, const std::string& path)
{
    if (!value.isObject())
        jsonFail(where, path, "expected an object, got " + jsonTypeName(value));
    const QJsonObject object = value.toObject();
    Endpoint endpoint;
    endpoint.name = requireString(object, "name", where, path, false);
    endpoint.pattern = requireString(object, "pattern", where, path, true);
    const std::string silo = requireString(object, "silo", where, path, false);
    const auto parsedSilo = parseSilo(silo);
    if (!parsedSilo)
        jsonFail(where, path + ".silo",
                 "expected one of cell, control, internal_cell, internal_control, all (got \"" + silo +
                     "\")");
    endpoint.silo = *parsedSilo;
    const QJsonValue action = object.value(QLatin1StringView("backlog_action"));
    if (!action.isUndefined() && !action.isNull()) {
        if (!action.isString())
            jsonFail(where, path + ".backlog_action",
                     "expected a string or null, got " + jsonTypeName(action));
        endpoint.backlogAction = action.toString().toStdString();
    }
    if (endpoint.pattern.starts_with('/') || endpoint.pattern.starts_with("^/"))
        jsonFail(where, path + ".pattern",
                 "starts with '/'; patterns match the path without its leading slash");
    return endpoint;
}

} // namespace

Catalog Catalog::fromJson(const QByteArray& json, const QString& origin)
{
    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(json, &parseError);
    if (parseError.error != QJsonParseError::NoError)
        fail(ErrorCode::BadInput, origin.toStdString() + ": invalid JSON at offset " +
                                      std::to_string(parseError.offset) + ": " +
                                      parseError.errorString().toStdString());
    const std::string where = origin.toStdString();
    if (!document.isObject())
        jsonFail(where, "$", "expected an object with \"endpoints\"");
    const QJsonObject root = document.object();

    Catalog catalog;
    std::vector<std::string> pinned = readPinned(root, where);
    std::sort(pinned.begin(), pinned.end());

    const QJsonValue endpoints = root.value(QLatin1StringView("endpoints"));
    if (endpoints.isUndefined())
        jsonFail(where, "endpoints", "missing");
    if (!endpoints.isArray())
        jsonFail(where, "endpoints", "expected an array, got " + jsonTypeName(endpoints));
    const QJsonArray list = endpoints.toArray();
    Compiled& compiled = *catalog.m_compiled;
    for (qsizetype i = 0; i < list.size(); ++i) {
        const std::string path = "endpoints[" + std::to_string(i) + "]";
        Endpoint endpoint = readEndpoint(list[i], where, path);
        endpoint.pinned = std::binary_search(pinned.begin(), pinned.end(), endpoint.name);

        const auto index = static_cast<std::uint32_t>(catalog.m_endpoints.size());
        if (!compiled.compileSegmentTrie(index, endpoint.pattern))
            compiled.addFallback(index, endpoint, where + ": " + path + ".pattern");
        compiled.byName.emplace_back(endpoint.name, index);
        catalog.m_endpoints.push_back(std::move(endpoint));
    }
    // Django's reverse() and our lookups take the first definition of a duplicated name.
    std::stable_sort(compiled.byName.begin(), compiled.byName.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    catalog.m_pinned = std::move(pinned);
    compiled.buildLiteralTables();
    return catalog;
}

Catalog Catalog::fromFile(const QString& path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        fail(ErrorCode::BadInput,
             "cannot read catalog " + path.toStdString() + ": " + file.errorString().toStdString());
    return fromJson(file.readAll(), path);
}

Catalog Catalog::bundled()
{
    QFile file(QStringLiteral(":/cellscope/catalog/default_catalog.json"));
    if (!file.open(QIODevice::ReadOnly))
        fail(ErrorCode::Internal, "the bundled endpoint catalog is missing from the resources");
    return fromJson(file.readAll(), QStringLiteral("bundled catalog"));
}

const Endpoint* Catalog::find(std::string_view name) const noexcept
{
    const auto& byName = m_compiled->byName;
    auto it = std::lower_bound(byName.begin(), byName.end(), name,
                               [](const auto& entry, std::string_view key) { return entry.first < key; });
    return it != byName.end() && it->first == name ? &m_endpoints[it->second] : nullptr;
}

bool Catalog::isPinned(std::string_view urlName) const noexcept
{
    return std::binary_search(m_pinned.begin(), m_pinned.end(), urlName, std::less<>{});
}
bool Catalog::match(std::string_view path, EndpointMatch& out) const noexcept
{
    return m_compiled->match(path, out);
}

std::vector<std::string> Catalog::complexPatterns() const
{
    std::vector<std::string> names;
    for (const auto& fallback : m_compiled->fallbacks)
        names.push_back(m_endpoints[fallback.endpoint].name);
    return names;
}

} // namespace cellscope::routing
