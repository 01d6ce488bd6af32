#include "core/net/locator.h"

#include <QUrlQuery>

namespace cellscope::net {

namespace {

std::optional<CellIndex> findCellOf(const Snapshot& snapshot, std::string_view id)
{
    if (auto org = snapshot.findOrg(id))
        return snapshot.org(*org).cell;
    if (auto key = snapshot.findProjectKey(id))
        return snapshot.projectKeys()[*key].cell;
    return std::nullopt;
}

LocateResult fallback(std::string_view locality, const DefaultCells& defaults, LocateStatus otherwise)
{
    if (!locality.empty())
        if (auto it = defaults.find(locality); it != defaults.end())
            return {LocateStatus::Found, it->second, {}, true};
    return {otherwise, {}, {}, false};
}

} // namespace

LocateResult locate(const Snapshot* snapshot, std::string_view id, std::string_view locality,
                    const DefaultCells& defaults)
{
    if (!snapshot)
        return fallback(locality, defaults, LocateStatus::NotReady);
    const auto cell = findCellOf(*snapshot, id);
    if (!cell)
        return fallback(locality, defaults, LocateStatus::NoCell);
    const std::string name(snapshot->cellName(*cell));
    if (!locality.empty()) {
        const Locality* own = snapshot->localityOfCell(*cell);
        const std::string actual = own ? own->name : std::string();
        if (actual != locality)
            return {LocateStatus::LocalityMismatch, name, actual, false};
    }
    return {LocateStatus::Found, name, {}, false};
}

std::string_view locateMessage(LocateStatus status)
{
    switch (status) {
    case LocateStatus::Found:
        return "";
    case LocateStatus::NoCell:
        return "no cell found for organization";
    case LocateStatus::LocalityMismatch:
        return "requested locality does not match the cell's locality";
    case LocateStatus::NotReady:
        return "the locator is not ready yet";
    }
    return "internal error";
}

int locateHttpStatus(LocateStatus status)
{
    switch (status) {
    case LocateStatus::Found:
        return 200;
    case LocateStatus::NoCell:
    case LocateStatus::LocalityMismatch:
        return 404;
    case LocateStatus::NotReady:
        return 503;
    }
    return 500;
}

HttpHandler locatorHandler(SnapshotProvider snapshot, DefaultCells defaults)
{
    return [snapshot = std::move(snapshot), defaults = std::move(defaults)](const HttpRequest& request) {
        const QString path = request.url.path();
        const bool known = path == QStringLiteral("/") || path == QStringLiteral("/health") ||
                           path == QStringLiteral("/ready");
        if (!known)
            return HttpReply{404, jsonObject("error_message", "not found")};
        if (request.method != "GET")
            return HttpReply{405, jsonObject("error_message", "method not allowed")};
        const SnapshotPtr world = snapshot();
        if (path == QStringLiteral("/health"))
            return HttpReply{200, jsonObject("status", "ok")};
        if (path == QStringLiteral("/ready"))
            return world ? HttpReply{200, jsonObject("status", "ready")}
                         : HttpReply{503, jsonObject("error_message", locateMessage(LocateStatus::NotReady))};
        const QUrlQuery query = request.query();
        const std::string id = query.queryItemValue(QStringLiteral("id"), QUrl::FullyDecoded).toStdString();
        if (id.empty())
            return HttpReply{400, jsonObject("error_message", "missing query parameter id")};
        const std::string locality =
            query.queryItemValue(QStringLiteral("locality"), QUrl::FullyDecoded).toStdString();
        const LocateResult result = locate(world.get(), id, locality, defaults);
        if (result.status == LocateStatus::Found)
            return HttpReply{200, jsonObject("cell", result.cell)};
        return HttpReply{locateHttpStatus(result.status),
                         jsonObject("error_message", locateMessage(result.status))};
    };
}

} // namespace cellscope::net
