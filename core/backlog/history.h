#pragma once

#include "core/backlog/action.h"
#include "core/backlog/map_import.h"

#include <QString>
#include <QStringView>

#include <array>
#include <cstdint>
#include <optional>
#include <vector>

// The values the backlog store hands out, and the pure rules over them (diff, projection), kept apart from
// the store so they are testable without a database and usable by any face.
namespace cellscope::backlog {

// What the people working an entry say about it; independent of whether the map still lists it.
enum class TrackingStatus
{
    Open,
    InProgress,
    Done,
};

// "open", "in_progress", "done": the spelling stored in the database and accepted by faces.
QString trackingStatusName(TrackingStatus status);
std::optional<TrackingStatus> trackingStatusFromName(QStringView name);

// "python", "json", "csv".
QString mapFormatName(MapFormat format);
std::optional<MapFormat> mapFormatFromName(QStringView name);

// One imported map. Times are unix seconds.
struct SnapshotInfo
{
    std::int64_t id = 0;
    std::int64_t takenAt = 0;    // the moment the map describes: `--at`, else the import time
    std::int64_t importedAt = 0; // when it was stored
    QString importedBy;          // the PostgreSQL role that stored it
    QString gitRev;              // empty when none was given
    QString sourceFile;
    MapFormat format = MapFormat::Python;
    int entryCount = 0;
};

struct Tracking
{
    QString owner; // empty: nobody
    QString team;
    TrackingStatus status = TrackingStatus::Open;
    QString notes;
    QString updatedBy;          // empty: never edited
    std::int64_t updatedAt = 0; // 0: never edited
};

// An entry of one snapshot with its tracking.
struct TrackedEntry
{
    QString urlName;
    Action action = Action::ToBeReplacedWithOrgScopedVariant;
    int line = 0; // in the snapshot's source file; 0 when unknown
    Tracking tracking;
};

struct ActionChange
{
    QString urlName;
    Action from;
    Action to;
};

// The source design's rules: the map only ever shrinks. Every added entry breaks NoNewEntries; one added
// as TO_BE_BROKEN also breaks NoNewBrokenEntries (that label is reserved for the existing relocation
// endpoints), so it is reported twice.
enum class Rule
{
    NoNewEntries,
    NoNewBrokenEntries,
};

// "no_new_entries", "no_new_broken_entries".
QString ruleName(Rule rule);

struct Violation
{
    Rule rule;
    QString urlName;
    Action action;
    QString message; // one sentence naming the entry and the rule
};

// What changed from one snapshot to another; every list is sorted by URL name.
struct SnapshotDiff
{
    SnapshotInfo from;
    SnapshotInfo to;
    std::vector<MapEntry> added;   // with their line in `to`
    std::vector<MapEntry> removed; // with their line in `from`
    std::vector<ActionChange> changed;
    std::vector<Violation> violations; // in the order of `added`, NoNewEntries before NoNewBrokenEntries
};

// Compares two maps by URL name and checks the rules on the entries `to` added.
SnapshotDiff diffEntries(const std::vector<MapEntry>& from, const std::vector<MapEntry>& to);

// One snapshot's size, for the burndown chart, and its change from the snapshot before it (zero for the
// first), so a chart can mark the weeks that broke the rules.
struct BurndownPoint
{
    std::int64_t snapshotId = 0;
    std::int64_t takenAt = 0;
    std::array<int, allActions.size()> byAction{}; // indexed like allActions
    int total = 0;
    int added = 0;
    int removed = 0;
    int violations = 0; // as diffEntries() counts them
};

// "Recent" is the last kProjectionWindowDays before the latest snapshot: long enough to smooth over a week
// without merges (or one that broke the rules), short enough to follow the team's current pace rather than
// the easy wins of the start. When no other snapshot is that recent, the rate comes from the one before the
// latest, however old: the best there is.
inline constexpr int kProjectionWindowDays = 28;

// When the map reaches zero at the recent net drain rate (removals minus additions).
struct Projection
{
    enum class Outcome
    {
        Finished,         // the latest snapshot is empty
        Projected,        // finishAt is set
        NotDraining,      // the map did not shrink over the window
        NotEnoughHistory, // fewer than two snapshots at different times
    };
    Outcome outcome = Outcome::NotEnoughHistory;
    // The window: from the earliest snapshot taken in the kProjectionWindowDays before the latest one (else
    // the one before the latest) to the latest. fromSnapshotId is 0 when there is no window.
    std::int64_t fromSnapshotId = 0;
    std::int64_t toSnapshotId = 0;
    std::int64_t windowSeconds = 0;
    int drained = 0; // net entries removed over the window (negative when the map grew)
    std::optional<std::int64_t> finishAt;

    double entriesPerWeek() const;
};

// Points in snapshot order (taken_at, then id).
Projection projectFinish(const std::vector<BurndownPoint>& points);

// Entries of the latest snapshot per action and tracking status.
struct ActionSummary
{
    Action action;
    std::array<int, 3> byStatus{}; // indexed by TrackingStatus
    int total = 0;
};

// Entries of the latest snapshot per owner and team (empty owner and team: unassigned).
struct OwnerSummary
{
    QString owner;
    QString team;
    std::array<int, 3> byStatus{};
    int total = 0;
};

struct Progress
{
    int firstEntries = 0;
    int latestEntries = 0;
    int removedSinceFirst = 0;  // in the first snapshot, not in the latest
    int addedSinceFirst = 0;    // in the latest snapshot, not in the first
    int percentDrained() const; // net shrink relative to the first snapshot, floored, never negative
};

// Everything a status view shows; empty (no `latest`) before the first import.
struct StatusReport
{
    std::vector<SnapshotInfo> snapshots; // in snapshot order
    std::optional<SnapshotInfo> first;
    std::optional<SnapshotInfo> latest;
    std::vector<TrackedEntry> entries;   // of the latest snapshot, by URL name
    std::vector<ActionSummary> byAction; // all ten actions, in allActions order
    std::vector<OwnerSummary> byOwner;   // by owner, then team; unassigned last
    Progress progress;
    std::vector<BurndownPoint> burndown; // one per snapshot
    Projection projection;
};

// Builds the summaries, progress and projection from the raw parts (snapshots and burndown in snapshot
// order, entries of the first and latest snapshots).
StatusReport summarize(std::vector<SnapshotInfo> snapshots, std::vector<BurndownPoint> burndown,
                       const std::vector<MapEntry>& firstEntries, std::vector<TrackedEntry> latestEntries);

} // namespace cellscope::backlog
