#include "core/backlog/history.h"

#include <QHash>

#include <algorithm>
#include <cmath>
#include <map>

using namespace Qt::StringLiterals;

namespace cellscope::backlog {

namespace {

constexpr std::int64_t kSecondsPerDay = 86400;

std::size_t actionIndex(Action action)
{
    return static_cast<std::size_t>(std::find(allActions.begin(), allActions.end(), action) -
                                    allActions.begin());
}

} // namespace

QString trackingStatusName(TrackingStatus status)
{
    switch (status) {
    case TrackingStatus::Open:
        return u"open"_s;
    case TrackingStatus::InProgress:
        return u"in_progress"_s;
    case TrackingStatus::Done:
        return u"done"_s;
    }
    Q_UNREACHABLE();
    return {};
}

std::optional<TrackingStatus> trackingStatusFromName(QStringView name)
{
    for (TrackingStatus status : {TrackingStatus::Open, TrackingStatus::InProgress, TrackingStatus::Done})
        if (name == trackingStatusName(status))
            return status;
    return std::nullopt;
}

QString mapFormatName(MapFormat format)
{
    switch (format) {
    case MapFormat::Python:
        return u"python"_s;
    case MapFormat::Json:
        return u"json"_s;
    case MapFormat::Csv:
        return u"csv"_s;
    }
    Q_UNREACHABLE();
    return {};
}

std::optional<MapFormat> mapFormatFromName(QStringView name)
{
    for (MapFormat format : {MapFormat::Python, MapFormat::Json, MapFormat::Csv})
        if (name == mapFormatName(format))
            return format;
    return std::nullopt;
}

QString ruleName(Rule rule)
{
    return rule == Rule::NoNewEntries ? u"no_new_entries"_s : u"no_new_broken_entries"_s;
}

SnapshotDiff diffEntries(const std::vector<MapEntry>& from, const std::vector<MapEntry>& to)
{
    QHash<QString, const MapEntry*> before;
    for (const MapEntry& entry : from)
        before.insert(entry.urlName, &entry);
    QHash<QString, const MapEntry*> after;
    for (const MapEntry& entry : to)
        after.insert(entry.urlName, &entry);

    SnapshotDiff diff;
    for (const MapEntry& entry : to) {
        const MapEntry* old = before.value(entry.urlName);
        if (!old)
            diff.added.push_back(entry);
        else if (old->action != entry.action)
            diff.changed.push_back({entry.urlName, old->action, entry.action});
    }
    for (const MapEntry& entry : from)
        if (!after.contains(entry.urlName))
            diff.removed.push_back(entry);

    const auto byName = [](const auto& a, const auto& b) {
        return a.urlName < b.urlName;
    };
    std::sort(diff.added.begin(), diff.added.end(), byName);
    std::sort(diff.removed.begin(), diff.removed.end(), byName);
    std::sort(diff.changed.begin(), diff.changed.end(), byName);

    for (const MapEntry& entry : diff.added) {
        diff.violations.push_back(
            {Rule::NoNewEntries, entry.urlName, entry.action,
             u"%1 was added to URL_NAME_TO_ACTION as %2: no new non-conforming entries may be added"_s.arg(
                 entry.urlName, actionName(entry.action))});
        if (entry.action == Action::ToBeBroken)
            diff.violations.push_back(
                {Rule::NoNewBrokenEntries, entry.urlName, entry.action,
                 u"%1 was added as TO_BE_BROKEN: that label is reserved for the existing relocation "
                 u"endpoints and must never gain entries"_s.arg(entry.urlName)});
    }
    return diff;
}

double Projection::entriesPerWeek() const
{
    if (windowSeconds <= 0)
        return 0;
    return drained * 7.0 * kSecondsPerDay / static_cast<double>(windowSeconds);
}

Projection projectFinish(const std::vector<BurndownPoint>& points)
{
    Projection projection;
    if (points.empty())
        return projection;
    const BurndownPoint& latest = points.back();
    projection.toSnapshotId = latest.snapshotId;
    if (latest.total == 0) {
        projection.outcome = Projection::Outcome::Finished;
        projection.finishAt = latest.takenAt;
        return projection;
    }
    const std::int64_t windowStart = latest.takenAt - kProjectionWindowDays * kSecondsPerDay;
    const BurndownPoint* start = nullptr;
    for (const BurndownPoint& point : points)
        if (point.takenAt >= windowStart && point.takenAt < latest.takenAt) {
            start = &point;
            break;
        }
    for (auto it = points.rbegin(); !start && it != points.rend(); ++it)
        if (it->takenAt < latest.takenAt)
            start = &*it;
    if (!start) {
        projection.outcome = Projection::Outcome::NotEnoughHistory;
        return projection;
    }
    projection.fromSnapshotId = start->snapshotId;
    projection.windowSeconds = latest.takenAt - start->takenAt;
    projection.drained = start->total - latest.total;
    if (projection.drained <= 0) {
        projection.outcome = Projection::Outcome::NotDraining;
        return projection;
    }
    // latest.total / (drained / window): rounded up to a whole day, since nobody finishes at 03:17.
    const double seconds = static_cast<double>(latest.total) * static_cast<double>(projection.windowSeconds) /
                           projection.drained;
    const auto days = static_cast<std::int64_t>(std::ceil(seconds / kSecondsPerDay));
    projection.outcome = Projection::Outcome::Projected;
    projection.finishAt = latest.takenAt + days * kSecondsPerDay;
    return projection;
}

int Progress::percentDrained() const
{
    if (firstEntries <= 0 || latestEntries >= firstEntries)
        return 0;
    return (firstEntries - latestEntries) * 100 / firstEntries;
}

StatusReport summarize(std::vector<SnapshotInfo> snapshots, std::vector<BurndownPoint> burndown,
                       const std::vector<MapEntry>& firstEntries, std::vector<TrackedEntry> latestEntries)
{
    StatusReport report;
    for (Action action : allActions)
        report.byAction.push_back({action, {}, 0});
    if (!snapshots.empty()) {
        report.first = snapshots.front();
        report.latest = snapshots.back();
    }
    report.snapshots = std::move(snapshots);
    report.burndown = std::move(burndown);
    report.projection = projectFinish(report.burndown);

    std::sort(latestEntries.begin(), latestEntries.end(),
              [](const TrackedEntry& a, const TrackedEntry& b) { return a.urlName < b.urlName; });
    std::map<std::pair<QString, QString>, OwnerSummary> owners;
    std::vector<MapEntry> latestMap;
    for (const TrackedEntry& entry : latestEntries) {
        const auto status = static_cast<std::size_t>(entry.tracking.status);
        ActionSummary& byAction = report.byAction[actionIndex(entry.action)];
        ++byAction.byStatus[status];
        ++byAction.total;
        OwnerSummary& owner = owners[{entry.tracking.owner, entry.tracking.team}];
        owner.owner = entry.tracking.owner;
        owner.team = entry.tracking.team;
        ++owner.byStatus[status];
        ++owner.total;
        latestMap.push_back({entry.urlName, entry.action, entry.line});
    }
    for (auto& [key, summary] : owners)
        if (!key.first.isEmpty() || !key.second.isEmpty())
            report.byOwner.push_back(summary);
    if (const auto unassigned = owners.find({}); unassigned != owners.end())
        report.byOwner.push_back(unassigned->second);

    const SnapshotDiff sinceFirst = diffEntries(firstEntries, latestMap);
    report.progress.firstEntries = static_cast<int>(firstEntries.size());
    report.progress.latestEntries = static_cast<int>(latestEntries.size());
    report.progress.removedSinceFirst = static_cast<int>(sinceFirst.removed.size());
    report.progress.addedSinceFirst = static_cast<int>(sinceFirst.added.size());
    report.entries = std::move(latestEntries);
    return report;
}

} // namespace cellscope::backlog
