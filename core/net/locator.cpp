#include "core/net/locator.h"

#include <QUrlQuery>

namespace cellscope::net {

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
