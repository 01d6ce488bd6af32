// The backlog's pure rules: diff and violations, the projection, the status summary and the demo history.
#include "core/backlog/history.h"
#include "core/demo/demo_history.h"

#include <gtest/gtest.h>

#include <QSet>

#include <ostream>

using namespace Qt::StringLiterals;
using namespace cellscope::backlog;
using namespace cellscope::demo;

static void PrintTo(const QString& s, std::ostream* os)
{
    *os << '"' << s.toStdString() << '"';
}

namespace {

constexpr std::int64_t kDay = 86400;
constexpr std::int64_t kMonday = 1736150400; // 2025-01-06T08:00:00Z

MapEntry entry(const char* name, Action action, int line = 0)
{
    return {QString::fromLatin1(name), action, line};
}

BurndownPoint point(std::int64_t id, std::int64_t takenAt, int total)
{
    BurndownPoint p;
    p.snapshotId = id;
    p.takenAt = takenAt;
    p.total = total;
    return p;
}

QStringList names(const std::vector<MapEntry>& entries)
{
    QStringList out;
    for (const MapEntry& e : entries)
        out.append(e.urlName);
    return out;
}

} // namespace

TEST(BacklogDiff, AddedRemovedAndChangedAreSortedByName)
{
    const std::vector<MapEntry> from = {
        entry("b-kept", Action::ToBeDeleted), entry("z-gone", Action::ToBeDeprecated),
        entry("c-relabelled", Action::ToBeStandardized), entry("a-gone", Action::ToBeControlOnly)};
    const std::vector<MapEntry> to = {entry("c-relabelled", Action::ToBeDeprecated, 7),
                                      entry("b-kept", Action::ToBeDeleted, 8)};
    const SnapshotDiff diff = diffEntries(from, to);
    EXPECT_TRUE(diff.added.empty());
    EXPECT_EQ(names(diff.removed), (QStringList{u"a-gone"_s, u"z-gone"_s}));
    ASSERT_EQ(diff.changed.size(), 1u);
    EXPECT_EQ(diff.changed[0].urlName, u"c-relabelled"_s);
    EXPECT_EQ(diff.changed[0].from, Action::ToBeStandardized);
    EXPECT_EQ(diff.changed[0].to, Action::ToBeDeprecated);
    // Draining and relabelling break no rule.
    EXPECT_TRUE(diff.violations.empty());
}

TEST(BacklogDiff, EveryAddedEntryIsAViolation)
{
    const SnapshotDiff diff =
        diffEntries({entry("old", Action::ToBeDeleted)},
                    {entry("old", Action::ToBeDeleted), entry("new-b", Action::ToBeDeprecated, 4),
                     entry("new-a", Action::ToBeReplacedWithOrgScopedVariant, 3)});
    EXPECT_EQ(names(diff.added), (QStringList{u"new-a"_s, u"new-b"_s}));
    EXPECT_EQ(diff.added[0].line, 3);
    ASSERT_EQ(diff.violations.size(), 2u);
    for (const Violation& v : diff.violations)
        EXPECT_EQ(v.rule, Rule::NoNewEntries);
    EXPECT_EQ(diff.violations[0].urlName, u"new-a"_s);
    EXPECT_EQ(diff.violations[0].message, u"new-a was added to URL_NAME_TO_ACTION as "
                                          u"TO_BE_REPLACED_WITH_ORG_SCOPED_VARIANT: no new non-conforming "
                                          u"entries may be added"_s);
}

TEST(BacklogDiff, AnEntryAddedAsBrokenBreaksBothRules)
{
    const SnapshotDiff diff = diffEntries({}, {entry("relocations-retry", Action::ToBeBroken)});
    ASSERT_EQ(diff.violations.size(), 2u);
    EXPECT_EQ(diff.violations[0].rule, Rule::NoNewEntries);
    EXPECT_EQ(diff.violations[1].rule, Rule::NoNewBrokenEntries);
    EXPECT_EQ(diff.violations[1].urlName, u"relocations-retry"_s);
    EXPECT_EQ(ruleName(Rule::NoNewBrokenEntries), u"no_new_broken_entries"_s);
}

TEST(BacklogDiff, RelabellingAnExistingEntryAsBrokenIsNotAnAddition)
{
    const SnapshotDiff diff = diffEntries({entry("relocations-index", Action::ToBeDeleted)},
                                          {entry("relocations-index", Action::ToBeBroken)});
    EXPECT_EQ(diff.changed.size(), 1u);
    EXPECT_TRUE(diff.violations.empty());
}

TEST(BacklogProjection, ProjectsFromTheLastFourWeeks)
{
    // A fast start (100 → 60 in the first week) must not flatter the projection: only the 28 days before
    // the latest snapshot count. 50 → 42 over 28 days is 2 a week; 42 left takes 147 days.
    std::vector<BurndownPoint> points = {point(1, kMonday, 100), point(2, kMonday + 7 * kDay, 60)};
    for (int week = 2; week <= 6; ++week)
        points.push_back(point(week + 1, kMonday + week * 7 * kDay, 54 - 2 * week));
    const Projection projection = projectFinish(points);
    EXPECT_EQ(projection.outcome, Projection::Outcome::Projected);
    EXPECT_EQ(projection.fromSnapshotId, 3);
    EXPECT_EQ(projection.toSnapshotId, 7);
    EXPECT_EQ(projection.windowSeconds, 28 * kDay);
    EXPECT_EQ(projection.drained, 8);
    EXPECT_DOUBLE_EQ(projection.entriesPerWeek(), 2.0);
    ASSERT_TRUE(projection.finishAt.has_value());
    EXPECT_EQ(*projection.finishAt, kMonday + 6 * 7 * kDay + 147 * kDay);
}

TEST(BacklogProjection, RoundsUpToWholeDays)
{
    // 3 left at 2 a day is a day and a half: finished on the second day.
    const Projection projection = projectFinish({point(1, kMonday, 5), point(2, kMonday + kDay, 3)});
    EXPECT_EQ(projection.outcome, Projection::Outcome::Projected);
    EXPECT_EQ(projection.fromSnapshotId, 1); // history shorter than the window: from the first snapshot
    EXPECT_EQ(*projection.finishAt, kMonday + 3 * kDay);
}

TEST(BacklogProjection, SparseHistoryUsesTheRecentSnapshotsOrElseThePreviousOne)
{
    // Only snapshot 2 lies in the 28 days before snapshot 3: 10 → 8 in 10 days.
    Projection projection = projectFinish(
        {point(1, kMonday, 20), point(2, kMonday + 60 * kDay, 10), point(3, kMonday + 70 * kDay, 8)});
    EXPECT_EQ(projection.fromSnapshotId, 2);
    EXPECT_EQ(projection.windowSeconds, 10 * kDay);
    EXPECT_EQ(*projection.finishAt, kMonday + 110 * kDay);
    // None does: the previous snapshot, two months back, is the best there is.
    projection = projectFinish({point(1, kMonday, 20), point(2, kMonday + 60 * kDay, 10)});
    EXPECT_EQ(projection.fromSnapshotId, 1);
    EXPECT_EQ(projection.drained, 10);
    EXPECT_EQ(*projection.finishAt, kMonday + 120 * kDay);
}

TEST(BacklogProjection, NoDateWhenNotShrinkingOrTooShort)
{
    EXPECT_EQ(projectFinish({}).outcome, Projection::Outcome::NotEnoughHistory);
    EXPECT_EQ(projectFinish({point(1, kMonday, 10)}).outcome, Projection::Outcome::NotEnoughHistory);
    EXPECT_EQ(projectFinish({point(1, kMonday, 10), point(2, kMonday, 9)}).outcome,
              Projection::Outcome::NotEnoughHistory);
    const Projection grew = projectFinish({point(1, kMonday, 10), point(2, kMonday + 7 * kDay, 12)});
    EXPECT_EQ(grew.outcome, Projection::Outcome::NotDraining);
    EXPECT_EQ(grew.drained, -2);
    EXPECT_FALSE(grew.finishAt.has_value());
    const Projection done = projectFinish({point(1, kMonday, 10), point(2, kMonday + 7 * kDay, 0)});
    EXPECT_EQ(done.outcome, Projection::Outcome::Finished);
    EXPECT_EQ(*done.finishAt, kMonday + 7 * kDay);
}

TEST(BacklogStatus, SummarizesByActionStatusAndOwner)
{
    SnapshotInfo first;
    first.id = 1;
    first.takenAt = kMonday;
    SnapshotInfo latest;
    latest.id = 2;
    latest.takenAt = kMonday + 7 * kDay;
    const auto tracked = [](const char* name, Action action, const char* owner, const char* team,
                            TrackingStatus status) {
        TrackedEntry e;
        e.urlName = QString::fromLatin1(name);
        e.action = action;
        e.tracking.owner = QString::fromLatin1(owner);
        e.tracking.team = QString::fromLatin1(team);
        e.tracking.status = status;
        return e;
    };
    const StatusReport report =
        summarize({first, latest}, {point(1, kMonday, 4), point(2, kMonday + 7 * kDay, 3)},
                  {entry("a", Action::ToBeDeleted), entry("b", Action::ToBeDeleted),
                   entry("c", Action::ToBeBroken), entry("d", Action::ToBeDeprecated)},
                  {tracked("d", Action::ToBeDeprecated, "", "", TrackingStatus::Open),
                   tracked("b", Action::ToBeDeleted, "esme.r", "issues", TrackingStatus::Done),
                   tracked("e", Action::ToBeDeleted, "esme.r", "issues", TrackingStatus::InProgress)});

    ASSERT_TRUE(report.latest.has_value());
    EXPECT_EQ(report.latest->id, 2);
    EXPECT_EQ(report.first->id, 1);
    ASSERT_EQ(report.entries.size(), 3u);
    EXPECT_EQ(report.entries[0].urlName, u"b"_s); // sorted by name
    ASSERT_EQ(report.byAction.size(), allActions.size());
    const ActionSummary& deleted = report.byAction[7];
    EXPECT_EQ(deleted.action, Action::ToBeDeleted);
    EXPECT_EQ(deleted.total, 2);
    EXPECT_EQ(deleted.byStatus, (std::array<int, 3>{0, 1, 1}));
    EXPECT_EQ(report.byAction[8].total, 0); // TO_BE_BROKEN drained

    ASSERT_EQ(report.byOwner.size(), 2u);
    EXPECT_EQ(report.byOwner[0].owner, u"esme.r"_s);
    EXPECT_EQ(report.byOwner[0].total, 2);
    EXPECT_TRUE(report.byOwner[1].owner.isEmpty()); // unassigned last
    EXPECT_EQ(report.byOwner[1].total, 1);

    EXPECT_EQ(report.progress.firstEntries, 4);
    EXPECT_EQ(report.progress.latestEntries, 3);
    EXPECT_EQ(report.progress.removedSinceFirst, 2);
    EXPECT_EQ(report.progress.addedSinceFirst, 1);
    EXPECT_EQ(report.progress.percentDrained(), 25);
    EXPECT_EQ(report.projection.outcome, Projection::Outcome::Projected);
}

TEST(BacklogStatus, EmptyBeforeTheFirstImport)
{
    const StatusReport report = summarize({}, {}, {}, {});
    EXPECT_FALSE(report.latest.has_value());
    EXPECT_EQ(report.byAction.size(), allActions.size());
    EXPECT_TRUE(report.byOwner.empty());
    EXPECT_EQ(report.progress.percentDrained(), 0);
    EXPECT_EQ(report.projection.outcome, Projection::Outcome::NotEnoughHistory);
}

TEST(BacklogNames, StatusAndFormatNamesRoundTrip)
{
    for (TrackingStatus status : {TrackingStatus::Open, TrackingStatus::InProgress, TrackingStatus::Done})
        EXPECT_EQ(trackingStatusFromName(trackingStatusName(status)), status);
    EXPECT_EQ(trackingStatusName(TrackingStatus::InProgress), u"in_progress"_s);
    EXPECT_FALSE(trackingStatusFromName(u"In_Progress").has_value());
    for (MapFormat format : {MapFormat::Python, MapFormat::Json, MapFormat::Csv})
        EXPECT_EQ(mapFormatFromName(mapFormatName(format)), format);
}

TEST(BacklogDemo, IsDeterministicPerSeed)
{
    const DemoBacklog a = makeDemoBacklog(42);
    const DemoBacklog b = makeDemoBacklog(42);
    const DemoBacklog c = makeDemoBacklog(7);
    ASSERT_EQ(a.snapshots.size(), b.snapshots.size());
    for (std::size_t i = 0; i < a.snapshots.size(); ++i) {
        EXPECT_EQ(names(a.snapshots[i].entries), names(b.snapshots[i].entries));
        EXPECT_EQ(a.snapshots[i].options.gitRev, b.snapshots[i].options.gitRev);
    }
    EXPECT_EQ(a.tracking.size(), b.tracking.size());
    EXPECT_NE(names(a.snapshots.back().entries), names(c.snapshots.back().entries));
}

TEST(BacklogDemo, SixteenWeeksThatMostlyShrinkWithOneRuleBreakingWeek)
{
    for (std::uint64_t seed : {1ULL, 42ULL, 2025ULL}) {
        SCOPED_TRACE(seed);
        const DemoBacklog demo = makeDemoBacklog(seed);
        ASSERT_EQ(demo.snapshots.size(), static_cast<std::size_t>(kDemoWeeks));
        const auto& first = demo.snapshots.front().entries;
        EXPECT_GE(first.size(), 200u);
        EXPECT_LE(first.size(), 400u);
        QSet<int> actions;
        for (const MapEntry& e : first)
            actions.insert(static_cast<int>(e.action));
        EXPECT_EQ(actions.size(), static_cast<qsizetype>(allActions.size()));
        EXPECT_LT(demo.snapshots.back().entries.size(), first.size() * 3 / 4);

        int breakingWeeks = 0;
        for (std::size_t week = 1; week < demo.snapshots.size(); ++week) {
            const ParsedSnapshot& snapshot = demo.snapshots[week];
            EXPECT_EQ(*snapshot.options.takenAt - *demo.snapshots[week - 1].options.takenAt, 7 * kDay);
            const SnapshotDiff diff = diffEntries(demo.snapshots[week - 1].entries, snapshot.entries);
            if (diff.violations.empty())
                continue;
            ++breakingWeeks;
            EXPECT_EQ(static_cast<int>(week), demo.ruleBreakingWeek);
            bool brokenAdded = false;
            for (const Violation& v : diff.violations)
                brokenAdded |= v.rule == Rule::NoNewBrokenEntries;
            EXPECT_TRUE(brokenAdded);
        }
        EXPECT_EQ(breakingWeeks, 1);

        // Tracking only names entries the history lists.
        QSet<QString> listed;
        for (const ParsedSnapshot& snapshot : demo.snapshots)
            for (const MapEntry& e : snapshot.entries)
                listed.insert(e.urlName);
        EXPECT_FALSE(demo.tracking.empty());
        for (const TrackingRecord& record : demo.tracking)
            EXPECT_TRUE(listed.contains(record.urlName)) << record.urlName.toStdString();
    }
}
