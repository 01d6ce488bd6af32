#include "core/routing/locate.h"

namespace cellscope::routing {

namespace {

std::optional<CellIndex> findCellOf(const Snapshot& snapshot, std::string_view id, LocatorData data)
{
    if (data != LocatorData::ProjectKey)
        if (auto org = snapshot.findOrg(id))
            return snapshot.org(*org).cell;
    if (data != LocatorData::Organization)
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
                    const DefaultCells& defaults, LocatorData data)
{
    if (!snapshot)
        return fallback(locality, defaults, LocateStatus::NotReady);
    const auto cell = findCellOf(*snapshot, id, data);
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

} // namespace cellscope::routing
