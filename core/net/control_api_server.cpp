#include "core/net/control_api_server.h"

#include "core/util/json_writer.h"

#include <QUrlQuery>

#include <sstream>

namespace cellscope::net {

namespace {

HttpReply detail(int status, std::string_view message)
{
    return {status, jsonObject("detail", message)};
}

QByteArray pageJson(MappingKind kind, const MappingPage& page, const ControlTopology& topology)
{
    std::ostringstream out;
    JsonWriter w(out);
    w.beginObject();
    w.key("data").beginArray();
    for (const MappingRow& row : page.rows) {
        w.beginObject();
        w.key("id").value(row.id);
        w.key(mappingKeyField(kind)).value(row.key);
        w.key("cell").value(row.cell);
        w.endObject();
    }
    w.endArray();
    w.key("metadata").beginObject();
    if (page.rows.empty())
        w.key("cursor").null();
    else
        w.key("cursor").value(
            encodeCursor({page.rows.back().updatedAt, page.rows.back().rowId}).toStdString());
    w.key("has_more").value(page.hasMore);
    w.key("cell_to_locality").beginObject();
    for (const auto& [cell, locality] : topology.cellToLocality)
        w.key(cell).value(locality);
    w.endObject();
    w.endObject();
    w.endObject();
    return QByteArray::fromStdString(out.str());
}

} // namespace

ControlTopology controlTopology(const Snapshot& snapshot)
{
    ControlTopology topology;
    for (const Locality& locality : snapshot.localities()) {
        auto& cells = topology.cellsOfLocality[locality.name];
        for (CellIndex c : locality.cells) {
            const std::string name(snapshot.cellName(c));
            cells.push_back(name);
            topology.cellToLocality[name] = locality.name;
        }
    }
    return topology;
}

HttpHandler controlApiHandler(std::shared_ptr<MappingTable> table, ControlTopology topology,
                              QByteArray secret)
{
    return [table = std::move(table), topology = std::move(topology),
            secret = std::move(secret)](const HttpRequest& request) -> HttpReply {
        const QString path = request.url.path();
        MappingKind kind;
        if (path == mappingPath(MappingKind::Organization))
            kind = MappingKind::Organization;
        else if (path == mappingPath(MappingKind::ProjectKey))
            kind = MappingKind::ProjectKey;
        else
            return detail(404, "The requested resource does not exist");
        if (request.method != "GET")
            return detail(405, "Method not allowed.");
        // DRF authenticates before anything else looks at the request.
        const QByteArray authorization = request.header("authorization");
        if (authorization.isEmpty())
            return detail(401, "Authentication credentials were not provided.");
        if (!verifyAuthorization(authorization, secret, path.toUtf8(), request.body))
            return detail(401, "Invalid signature.");

        const QUrlQuery query = request.query();
        int perPage = kDefaultPerPage;
        if (query.hasQueryItem(QStringLiteral("per_page"))) {
            bool ok = false;
            perPage = query.queryItemValue(QStringLiteral("per_page")).toInt(&ok);
            // Sentry lets 0 through and then pages nothing forever; refuse it instead.
            if (!ok || perPage < 1)
                return detail(400, "Invalid per_page parameter.");
            if (perPage > kMaxPerPage)
                return detail(400, "Invalid per_page parameter. Max allowed value is " +
                                       std::to_string(kMaxPerPage) + ".");
        }
        std::optional<Cursor> cursor;
        const QString cursorText = query.queryItemValue(QStringLiteral("cursor"), QUrl::FullyDecoded);
        if (!cursorText.isEmpty()) {
            cursor = decodeCursor(cursorText.toUtf8());
            if (!cursor)
                return detail(400, "Invalid cursor");
        }
        std::optional<std::vector<std::string>> cells;
        const QStringList localities =
            query.allQueryItemValues(QStringLiteral("locality"), QUrl::FullyDecoded);
        if (!localities.isEmpty()) {
            cells.emplace();
            for (const QString& locality : localities)
                if (auto it = topology.cellsOfLocality.find(locality.toStdString());
                    it != topology.cellsOfLocality.end())
                    cells->insert(cells->end(), it->second.begin(), it->second.end());
        }
        return {200, pageJson(kind, table->page(kind, cells, cursor, perPage), topology)};
    };
}

} // namespace cellscope::net
