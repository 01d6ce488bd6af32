#include "core/cli/command.h"

#include "core/backlog/scanner.h"
#include "core/backlog/store.h"
#include "core/backlog/traffic.h"
#include "core/util/error.h"
#include "core/util/json_writer.h"
#include "core/util/time_format.h"

#include <QFile>
#include <QSaveFile>

#include <algorithm>
#include <iomanip>
#include <sstream>

using namespace Qt::StringLiterals;

namespace cellscope::cli {

namespace {

using namespace cellscope::backlog;
using backlog::SnapshotInfo; // not the world snapshot's

std::string str(const QString& text)
{
    return text.toStdString();
}

std::string date(std::int64_t unixSeconds)
{
    return formatIsoTimestamp(unixSeconds).substr(0, 10);
}

std::string shortRev(const QString& rev)
{
    return str(rev.left(12));
}

// "snapshot 12 (2025-08-18, git 1a2b3c4d5e6f)"
std::string describe(const SnapshotInfo& snapshot)
{
    return "snapshot " + std::to_string(snapshot.id) + " (" + date(snapshot.takenAt) +
           (snapshot.gitRev.isEmpty() ? "" : ", git " + shortRev(snapshot.gitRev)) + ")";
}

std::string plural(std::size_t count, const std::string& one, const std::string& many)
{
    return std::to_string(count) + " " + (count == 1 ? one : many);
}

std::string onePositional(Context& context, const char* what)
{
    const QStringList positional = context.positional();
    if (positional.size() != 1)
        fail(ErrorCode::BadInput, std::string("expects exactly one argument: ") + what);
    return str(positional.first());
}

Store openStore(Context& context)
{
    return Store(context.source().databases().control);
}

// ---- JSON pieces -------------------------------------------------------------------------------------

// Import provenance (imported_at/by) is left to the import receipt, so other outputs are reproducible.
void writeSnapshot(JsonWriter& w, const SnapshotInfo& snapshot, bool withImport = false)
{
    w.beginObject();
    w.key("id").value(snapshot.id);
    w.key("taken_at").value(formatIsoTimestamp(snapshot.takenAt));
    if (withImport) {
        w.key("imported_at").value(formatIsoTimestamp(snapshot.importedAt));
        w.key("imported_by").value(str(snapshot.importedBy));
    }
    w.key("git_rev");
    if (snapshot.gitRev.isEmpty())
        w.null();
    else
        w.value(str(snapshot.gitRev));
    w.key("source_file").value(str(snapshot.sourceFile));
    w.key("format").value(str(mapFormatName(snapshot.format)));
    w.key("entries").value(snapshot.entryCount);
    w.endObject();
}

void writeOptionalText(JsonWriter& w, const char* key, const QString& text)
{
    w.key(key);
    if (text.isEmpty())
        w.null();
    else
        w.value(str(text));
}

void writeEntry(JsonWriter& w, const TrackedEntry& entry)
{
    w.beginObject();
    w.key("url_name").value(str(entry.urlName));
    w.key("action").value(str(actionName(entry.action)));
    w.key("status").value(str(trackingStatusName(entry.tracking.status)));
    writeOptionalText(w, "owner", entry.tracking.owner);
    writeOptionalText(w, "team", entry.tracking.team);
    writeOptionalText(w, "notes", entry.tracking.notes);
    writeOptionalText(w, "updated_by", entry.tracking.updatedBy);
    w.key("updated_at");
    if (entry.tracking.updatedAt > 0)
        w.value(formatIsoTimestamp(entry.tracking.updatedAt));
    else
        w.null();
    w.endObject();
}

void writeDiff(JsonWriter& w, const SnapshotDiff& diff)
{
    w.beginObject();
    w.key("from");
    writeSnapshot(w, diff.from);
    w.key("to");
    writeSnapshot(w, diff.to);
    for (const auto& [key, list] : {std::pair{"added", &diff.added}, std::pair{"removed", &diff.removed}}) {
        w.key(key).beginArray();
        for (const MapEntry& entry : *list)
            w.beginObject()
                .key("url_name")
                .value(str(entry.urlName))
                .key("action")
                .value(str(actionName(entry.action)))
                .endObject();
        w.endArray();
    }
    w.key("changed").beginArray();
    for (const ActionChange& change : diff.changed)
        w.beginObject()
            .key("url_name")
            .value(str(change.urlName))
            .key("from")
            .value(str(actionName(change.from)))
            .key("to")
            .value(str(actionName(change.to)))
            .endObject();
    w.endArray();
    w.key("violations").beginArray();
    for (const Violation& violation : diff.violations)
        w.beginObject()
            .key("rule")
            .value(str(ruleName(violation.rule)))
            .key("url_name")
            .value(str(violation.urlName))
            .key("action")
            .value(str(actionName(violation.action)))
            .key("message")
            .value(str(violation.message))
            .endObject();
    w.endArray();
    w.endObject();
}

// ---- text pieces -------------------------------------------------------------------------------------

void printViolations(std::ostream& out, const SnapshotDiff& diff)
{
    if (diff.violations.empty()) {
        out << "No rule violations: the map did not grow.\n";
        return;
    }
    out << "RULE VIOLATIONS (" << diff.violations.size() << "):\n";
    for (const Violation& violation : diff.violations)
        out << "  !! [" << str(ruleName(violation.rule)) << "] " << str(violation.message) << '\n';
}

std::string diffCounts(const SnapshotDiff& diff)
{
    return std::to_string(diff.removed.size()) + " removed, " + std::to_string(diff.added.size()) +
           " added, " + std::to_string(diff.changed.size()) + " changed action";
}

// Exit status for --check: the rules are a check, so a violation is "check failed".
int checked(Context& context, const char* verb, const SnapshotDiff* diff)
{
    if (!context.args().isSet(u"check"_s) || !diff || diff->violations.empty())
        return 0;
    context.err() << "cellctl " << verb << ": check failed: snapshot " << diff->to.id
                  << " breaks the backlog rules " << plural(diff->violations.size(), "time", "times")
                  << " against snapshot " << diff->from.id << '\n';
    return static_cast<int>(ErrorCode::CheckFailed);
}

// ---- backlog status ----------------------------------------------------------------------------------

const char* outcomeName(Projection::Outcome outcome)
{
    switch (outcome) {
    case Projection::Outcome::Finished:
        return "finished";
    case Projection::Outcome::Projected:
        return "projected";
    case Projection::Outcome::NotDraining:
        return "not_draining";
    case Projection::Outcome::NotEnoughHistory:
        return "not_enough_history";
    }
    return "";
}

// Everything the status shows, read from the store in one go; both forms below write the same report.
StatusReport gatherStatus(Context& context)
{
    if (!context.positional().isEmpty())
        fail(ErrorCode::BadInput, "takes no arguments");
    Store store = openStore(context);
    return store.status();
}

void writeSummaries(JsonWriter& w, const StatusReport& report)
{
    w.key("by_action").beginArray();
    for (const ActionSummary& summary : report.byAction)
        w.beginObject()
            .key("action")
            .value(str(actionName(summary.action)))
            .key("open")
            .value(summary.byStatus[0])
            .key("in_progress")
            .value(summary.byStatus[1])
            .key("done")
            .value(summary.byStatus[2])
            .key("total")
            .value(summary.total)
            .endObject();
    w.endArray();
    w.key("by_owner").beginArray();
    for (const OwnerSummary& summary : report.byOwner) {
        w.beginObject();
        writeOptionalText(w, "owner", summary.owner);
        writeOptionalText(w, "team", summary.team);
        w.key("open").value(summary.byStatus[0]).key("in_progress").value(summary.byStatus[1]);
        w.key("done").value(summary.byStatus[2]).key("total").value(summary.total);
        w.endObject();
    }
    w.endArray();
}

void writeProgress(JsonWriter& w, const Progress& progress)
{
    w.key("progress").beginObject();
    w.key("first_entries").value(progress.firstEntries);
    w.key("latest_entries").value(progress.latestEntries);
    w.key("removed_since_first").value(progress.removedSinceFirst);
    w.key("added_since_first").value(progress.addedSinceFirst);
    w.key("percent_drained").value(progress.percentDrained());
    w.endObject();
}

void writeProjection(JsonWriter& w, const Projection& projection)
{
    w.key("projection").beginObject();
    w.key("outcome").value(outcomeName(projection.outcome));
    w.key("window_days").value(kProjectionWindowDays);
    if (projection.fromSnapshotId > 0) {
        w.key("from_snapshot").value(projection.fromSnapshotId);
        w.key("to_snapshot").value(projection.toSnapshotId);
        w.key("drained").value(projection.drained);
        w.key("days").value(projection.windowSeconds / 86400);
    }
    w.key("finish_date");
    if (projection.finishAt)
        w.value(date(*projection.finishAt));
    else
        w.null();
    w.endObject();
}

void writeBurndown(JsonWriter& w, const std::vector<BurndownPoint>& burndown)
{
    w.key("burndown").beginArray();
    for (const BurndownPoint& point : burndown) {
        w.beginObject();
        w.key("snapshot").value(point.snapshotId);
        w.key("taken_at").value(formatIsoTimestamp(point.takenAt));
        w.key("total").value(point.total);
        w.key("removed").value(point.removed);
        w.key("added").value(point.added);
        w.key("violations").value(point.violations);
        w.key("by_action").beginObject();
        for (std::size_t a = 0; a < allActions.size(); ++a)
            w.key(str(actionName(allActions[a]))).value(point.byAction[a]);
        w.endObject();
        w.endObject();
    }
    w.endArray();
}

void writeStatusJson(std::ostream& out, const StatusReport& report)
{
    JsonWriter w(out, true);
    w.beginObject();
    for (const auto& [key, snapshot] :
         {std::pair{"first_snapshot", &report.first}, std::pair{"latest_snapshot", &report.latest}}) {
        w.key(key);
        if (*snapshot)
            writeSnapshot(w, **snapshot);
        else
            w.null();
    }
    writeSummaries(w, report);
    writeProgress(w, report.progress);
    writeProjection(w, report.projection);
    writeBurndown(w, report.burndown);
    w.key("entries").beginArray();
    for (const TrackedEntry& entry : report.entries)
        writeEntry(w, entry);
    w.endArray();
    w.endObject();
    out << '\n';
}

// The action table ends with a TOTAL row.
void printActionTable(std::ostream& out, const StatusReport& report)
{
    TextTable actions({"ACTION", "OPEN", "IN PROGRESS", "DONE", "TOTAL"}, {false, true, true, true, true});
    std::array<int, 3> totals{};
    for (const ActionSummary& summary : report.byAction) {
        actions.addRow({str(actionName(summary.action)), std::to_string(summary.byStatus[0]),
                        std::to_string(summary.byStatus[1]), std::to_string(summary.byStatus[2]),
                        std::to_string(summary.total)});
        for (std::size_t s = 0; s < totals.size(); ++s)
            totals[s] += summary.byStatus[s];
    }
    actions.addRow({"TOTAL", std::to_string(totals[0]), std::to_string(totals[1]), std::to_string(totals[2]),
                    std::to_string(report.latest->entryCount)});
    actions.print(out);
}

void printOwnerTable(std::ostream& out, const std::vector<OwnerSummary>& byOwner)
{
    TextTable owners({"OWNER", "TEAM", "OPEN", "IN PROGRESS", "DONE", "TOTAL"},
                     {false, false, true, true, true, true});
    for (const OwnerSummary& summary : byOwner) {
        const bool unassigned = summary.owner.isEmpty() && summary.team.isEmpty();
        owners.addRow({unassigned ? "(unassigned)" : str(summary.owner), str(summary.team),
                       std::to_string(summary.byStatus[0]), std::to_string(summary.byStatus[1]),
                       std::to_string(summary.byStatus[2]), std::to_string(summary.total)});
    }
    owners.print(out);
}

void printHistory(std::ostream& out, const StatusReport& report)
{
    TextTable history({"SNAPSHOT", "TAKEN", "GIT REV", "ENTRIES", "REMOVED", "ADDED", ""},
                      {true, false, false, true, true, true, false});
    for (std::size_t i = 0; i < report.snapshots.size(); ++i) {
        const SnapshotInfo& snapshot = report.snapshots[i];
        const BurndownPoint& point = report.burndown[i];
        history.addRow({std::to_string(snapshot.id), date(snapshot.takenAt), shortRev(snapshot.gitRev),
                        std::to_string(snapshot.entryCount), i == 0 ? "" : std::to_string(point.removed),
                        i == 0 ? "" : std::to_string(point.added),
                        point.violations > 0 ? "!! " + plural(static_cast<std::size_t>(point.violations),
                                                              "rule violation", "rule violations")
                                             : ""});
    }
    history.print(out, "  ");
}

void printProjection(std::ostream& out, const Projection& projection)
{
    std::ostringstream rate;
    rate << std::fixed << std::setprecision(1) << projection.entriesPerWeek();
    switch (projection.outcome) {
    case Projection::Outcome::Finished:
        out << "Finished: the map is empty.\n";
        break;
    case Projection::Outcome::NotEnoughHistory:
        out << "Projection: needs two snapshots taken at different times.\n";
        break;
    case Projection::Outcome::NotDraining:
    case Projection::Outcome::Projected:
        out << "Recent rate: net " << projection.drained << " drained in the "
            << projection.windowSeconds / 86400 << " days from snapshot " << projection.fromSnapshotId
            << " to " << projection.toSnapshotId << ", " << rate.str() << " a week"
            << (projection.windowSeconds > kProjectionWindowDays * 86400
                    ? " (no other snapshot in the last " + std::to_string(kProjectionWindowDays) + " days)"
                    : std::string())
            << '\n';
        if (projection.finishAt)
            out << "Projected finish: " << date(*projection.finishAt) << '\n';
        else
            out << "Projected finish: none, the map is not shrinking.\n";
        break;
    }
}

void printEntries(std::ostream& out, const std::vector<TrackedEntry>& tracked)
{
    TextTable entries({"URL NAME", "ACTION", "STATUS", "OWNER", "TEAM", "NOTES"});
    for (const TrackedEntry& entry : tracked)
        entries.addRow({str(entry.urlName), str(actionName(entry.action)),
                        str(trackingStatusName(entry.tracking.status)), str(entry.tracking.owner),
                        str(entry.tracking.team), str(entry.tracking.notes)});
    entries.print(out);
}

void printStatusText(std::ostream& out, const StatusReport& report, bool withEntries)
{
    if (!report.latest) {
        out << "No backlog snapshots yet: import the URL_NAME_TO_ACTION map with `cellctl backlog import "
               "FILE`.\n";
        return;
    }
    out << "Backlog at " << describe(*report.latest) << ": "
        << plural(static_cast<std::size_t>(report.latest->entryCount), "entry", "entries") << "\n\n";
    printActionTable(out, report);
    out << '\n';
    printOwnerTable(out, report.byOwner);
    out << "\nHistory:\n";
    printHistory(out, report);

    const Progress& progress = report.progress;
    out << "\nProgress since " << describe(*report.first) << ": " << progress.firstEntries << " -> "
        << progress.latestEntries << " entries, " << progress.percentDrained() << "% drained ("
        << progress.removedSinceFirst << " removed, " << progress.addedSinceFirst << " added)\n";
    printProjection(out, report.projection);

    if (withEntries) {
        out << '\n';
        printEntries(out, report.entries);
    } else {
        out << "\n(--entries lists every entry with its owner, status and notes)\n";
    }
}

// ---- verbs -------------------------------------------------------------------------------------------

int runImport(Context& context)
{
    const QString path = QString::fromStdString(onePositional(context, "FILE"));
    ImportOptions options;
    if (context.args().isSet(u"at"_s)) {
        const std::string at = context.option(u"at"_s);
        options.takenAt = parseTimestamp(at);
        if (!options.takenAt)
            fail(ErrorCode::BadInput,
                 "--at expects a date (YYYY-MM-DD) or a UTC time (YYYY-MM-DDTHH:MM:SSZ), got '" + at + "'");
    }
    options.gitRev = context.args().value(u"rev"_s);
    Store store = openStore(context);
    const ImportResult result = store.importFile(path, options);
    const SnapshotInfo& snapshot = result.snapshot;

    if (context.json()) {
        JsonWriter w(context.out(), true);
        w.beginObject();
        w.key("snapshot");
        writeSnapshot(w, snapshot, true);
        w.key("since_previous");
        if (result.sincePrevious)
            writeDiff(w, *result.sincePrevious);
        else
            w.null();
        w.endObject();
        context.out() << '\n';
        return checked(context, "backlog import", result.sincePrevious ? &*result.sincePrevious : nullptr);
    }
    auto& out = context.out();
    out << "Imported " << describe(snapshot) << ": "
        << plural(static_cast<std::size_t>(snapshot.entryCount), "entry", "entries") << " from "
        << str(snapshot.sourceFile) << " (" << str(mapFormatName(snapshot.format)) << ")\n";
    if (!result.sincePrevious) {
        out << "This is the first snapshot: later imports are checked against it.\n";
        return 0;
    }
    const SnapshotDiff& diff = *result.sincePrevious;
    out << "Since " << describe(diff.from) << ": " << diffCounts(diff) << '\n';
    printViolations(out, diff);
    return checked(context, "backlog import", &diff);
}

int runStatus(Context& context)
{
    const StatusReport report = gatherStatus(context);
    if (context.json())
        writeStatusJson(context.out(), report);
    else
        printStatusText(context.out(), report, context.args().isSet(u"entries"_s));
    return 0;
}

int runDiff(Context& context)
{
    const QStringList positional = context.positional();
    if (positional.size() != 2)
        fail(ErrorCode::BadInput, "expects two snapshots: A B (snapshot ids, first or latest)");
    Store store = openStore(context);
    const SnapshotInfo from = store.resolveSnapshot(positional[0]);
    const SnapshotInfo to = store.resolveSnapshot(positional[1]);
    const SnapshotDiff diff = store.diff(from.id, to.id);

    if (context.json()) {
        JsonWriter w(context.out(), true);
        writeDiff(w, diff);
        context.out() << '\n';
        return checked(context, "backlog diff", &diff);
    }
    auto& out = context.out();
    out << describe(diff.from) << " -> " << describe(diff.to) << ": " << diffCounts(diff) << '\n';
    if (diff.from.takenAt > diff.to.takenAt)
        out << "(A is newer than B: the rules are meant for an older A)\n";
    const auto list = [&](const char* title, const std::vector<MapEntry>& entries) {
        if (entries.empty())
            return;
        out << '\n' << title << " (" << entries.size() << "):\n";
        TextTable table({"URL NAME", "ACTION"});
        for (const MapEntry& entry : entries)
            table.addRow({str(entry.urlName), str(actionName(entry.action))});
        table.print(out, "  ");
    };
    list("Removed", diff.removed);
    list("Added", diff.added);
    if (!diff.changed.empty()) {
        out << "\nChanged action (" << diff.changed.size() << "):\n";
        TextTable table({"URL NAME", "FROM", "TO"});
        for (const ActionChange& change : diff.changed)
            table.addRow({str(change.urlName), str(actionName(change.from)), str(actionName(change.to))});
        table.print(out, "  ");
    }
    out << '\n';
    printViolations(out, diff);
    return checked(context, "backlog diff", &diff);
}

int runSet(Context& context)
{
    const QString urlName = QString::fromStdString(onePositional(context, "URL_NAME"));
    TrackingUpdate update;
    QCommandLineParser& args = context.args();
    if (args.isSet(u"owner"_s))
        update.owner = args.value(u"owner"_s);
    if (args.isSet(u"team"_s))
        update.team = args.value(u"team"_s);
    if (args.isSet(u"notes"_s))
        update.notes = args.value(u"notes"_s);
    if (args.isSet(u"status"_s)) {
        update.status = trackingStatusFromName(args.value(u"status"_s));
        if (!update.status)
            fail(ErrorCode::BadInput,
                 "--status expects open, in_progress or done, got '" + context.option(u"status"_s) + "'");
    }
    Store store = openStore(context);
    const TrackedEntry entry = store.updateTracking(urlName, update);
    if (context.json()) {
        JsonWriter w(context.out(), true);
        writeEntry(w, entry);
        context.out() << '\n';
        return 0;
    }
    const auto orNone = [](const QString& text) {
        return text.isEmpty() ? std::string("-") : str(text);
    };
    auto& out = context.out();
    out << str(entry.urlName) << " (" << str(actionName(entry.action)) << ")\n"
        << "  status  " << str(trackingStatusName(entry.tracking.status)) << '\n'
        << "  owner   " << orNone(entry.tracking.owner) << '\n'
        << "  team    " << orNone(entry.tracking.team) << '\n'
        << "  notes   " << orNone(entry.tracking.notes) << '\n'
        << "Saved by PostgreSQL role " << str(entry.tracking.updatedBy) << ".\n";
    return 0;
}

int runActions(Context& context)
{
    if (!context.positional().isEmpty())
        fail(ErrorCode::BadInput, "takes no arguments");
    if (context.json()) {
        JsonWriter w(context.out(), true);
        w.beginArray();
        for (Action action : allActions) {
            w.beginObject();
            w.key("action").value(str(actionName(action)));
            w.key("meaning").value(str(actionMeaning(action)));
            w.key("definition_of_done").beginArray();
            for (const QString& step : actionDefinitionOfDone(action))
                w.value(str(step));
            w.endArray();
            w.endObject();
        }
        w.endArray();
        context.out() << '\n';
        return 0;
    }
    auto& out = context.out();
    for (Action action : allActions) {
        out << str(actionName(action)) << '\n' << "  " << str(actionMeaning(action)) << "\n  Done when:\n";
        int step = 0;
        for (const QString& text : actionDefinitionOfDone(action))
            out << "    " << ++step << ". " << str(text) << '\n';
        out << '\n';
    }
    return 0;
}

int runScan(Context& context)
{
    const QString root = QString::fromStdString(onePositional(context, "PATH"));
    std::vector<MapEntry> map;
    std::string mapSource;
    if (context.args().isSet(u"map"_s)) {
        map = importMapFile(context.args().value(u"map"_s));
        mapSource = context.option(u"map"_s);
    } else {
        Store store = openStore(context);
        const SnapshotInfo latest = store.resolveSnapshot(u"latest");
        for (const TrackedEntry& entry : store.entries(latest.id))
            map.push_back({entry.urlName, entry.action, entry.line});
        mapSource = describe(latest);
    }
    const ScanResult scan = scanSentryCheckout(root);
    const ScanReport report = analyze(scan, map);

    if (context.args().isSet(u"catalog-out"_s)) {
        const QString target = context.args().value(u"catalog-out"_s);
        QStringList pinned;
        for (const QString& name : context.args().value(u"pinned"_s).split(u',', Qt::SkipEmptyParts))
            pinned.append(name.trimmed());
        QSaveFile file(target);
        if (!file.open(QIODevice::WriteOnly) || file.write(toCatalogJson(scan, pinned, map)) < 0 ||
            !file.commit())
            fail(ErrorCode::BadInput,
                 "cannot write the catalog to " + str(target) + ": " + str(file.errorString()));
    }

    const auto actionOf = [&](const QString& urlName) -> std::string {
        for (const MapEntry& entry : map)
            if (entry.urlName == urlName)
                return str(actionName(entry.action));
        return {};
    };
    const auto source = [](const QString& file, int line) {
        return str(file) + (line > 0 ? ":" + std::to_string(line) : "");
    };

    if (context.json()) {
        JsonWriter w(context.out(), true);
        w.beginObject();
        w.key("root").value(str(root));
        w.key("map").value(mapSource);
        w.key("url_count_by_silo").beginObject();
        for (auto it = report.urlCountBySilo.cbegin(); it != report.urlCountBySilo.cend(); ++it)
            w.key(str(it.key())).value(it.value());
        w.endObject();
        for (const auto& [key, list] : {std::pair{"non_conforming", &report.nonConforming},
                                        std::pair{"missing_from_map", &report.missingFromMap}}) {
            w.key(key).beginArray();
            for (const ScannedEndpoint& endpoint : *list) {
                w.beginObject();
                w.key("name").value(str(endpoint.name));
                w.key("pattern").value(str(endpoint.pattern));
                w.key("endpoint_class").value(str(endpoint.endpointClass));
                w.key("source").value(source(endpoint.sourceFile, endpoint.sourceLine));
                const std::string action = actionOf(endpoint.name);
                w.key("backlog_action");
                if (action.empty())
                    w.null();
                else
                    w.value(action);
                w.endObject();
            }
            w.endArray();
        }
        w.key("ready_to_drain").beginArray();
        for (const DrainCandidate& candidate : report.readyToDrain)
            w.beginObject()
                .key("url_name")
                .value(str(candidate.entry.urlName))
                .key("action")
                .value(str(actionName(candidate.entry.action)))
                .key("reason")
                .value(str(drainReasonName(candidate.reason)))
                .key("detail")
                .value(str(candidate.detail))
                .endObject();
        w.endArray();
        w.key("unresolved").beginArray();
        for (const Unresolved& unresolved : scan.unresolved)
            w.beginObject()
                .key("what")
                .value(str(unresolved.what))
                .key("reason")
                .value(str(unresolved.reason))
                .key("source")
                .value(source(unresolved.sourceFile, unresolved.sourceLine))
                .endObject();
        w.endArray();
        w.endObject();
        context.out() << '\n';
        return 0;
    }

    auto& out = context.out();
    out << "Scanned " << str(root) << ": " << plural(scan.endpoints.size(), "named URL", "named URLs")
        << " (";
    bool firstSilo = true;
    for (auto it = report.urlCountBySilo.cbegin(); it != report.urlCountBySilo.cend(); ++it) {
        out << (firstSilo ? "" : ", ") << str(it.key()) << " " << it.value();
        firstSilo = false;
    }
    out << ")\nCompared with the map of " << mapSource << " (" << plural(map.size(), "entry", "entries")
        << ")\n";

    out << "\nNon-conforming cell-silo URLs (" << report.nonConforming.size() << "):\n";
    TextTable nonConforming({"URL NAME", "MAP ACTION", "PATTERN"});
    for (const ScannedEndpoint& endpoint : report.nonConforming) {
        const std::string action = actionOf(endpoint.name);
        nonConforming.addRow(
            {str(endpoint.name), action.empty() ? "(not in map)" : action, str(endpoint.pattern)});
    }
    nonConforming.print(out, "  ");

    out << "\nMissing from the map, so Sentry's CI fails on them (" << report.missingFromMap.size() << "):\n";
    if (!report.missingFromMap.empty()) {
        TextTable missing({"URL NAME", "ENDPOINT CLASS", "DEFINED AT"});
        for (const ScannedEndpoint& endpoint : report.missingFromMap)
            missing.addRow({str(endpoint.name), str(endpoint.endpointClass),
                            source(endpoint.sourceFile, endpoint.sourceLine)});
        missing.print(out, "  ");
    }

    out << "\nReady to drain from the map (" << report.readyToDrain.size() << "):\n";
    if (!report.readyToDrain.empty()) {
        TextTable drain({"URL NAME", "ACTION", "WHY"});
        for (const DrainCandidate& candidate : report.readyToDrain)
            drain.addRow({str(candidate.entry.urlName), str(actionName(candidate.entry.action)),
                          str(drainReasonName(candidate.reason)) + ": " + str(candidate.detail)});
        drain.print(out, "  ");
    }

    // Never silently dropped: each with the place where the chain broke.
    out << "\nNot resolved (" << scan.unresolved.size() << "):\n";
    for (const Unresolved& unresolved : scan.unresolved)
        out << "  " << source(unresolved.sourceFile, unresolved.sourceLine) << ": " << str(unresolved.what)
            << ": " << str(unresolved.reason) << '\n';
    return 0;
}

// "unroutable 120, not_found 3": how the router answered an entry's requests.
std::string outcomes(const RankedEntry& ranked)
{
    std::string text;
    for (std::size_t s = 0; s < ranked.byStatus.size(); ++s)
        if (ranked.byStatus[s] > 0)
            text += (text.empty() ? "" : ", ") +
                    std::string(routing::statusName(static_cast<routing::Status>(s))) + " " +
                    std::to_string(ranked.byStatus[s]);
    return text;
}

int runRank(Context& context)
{
    if (!context.positional().isEmpty())
        fail(ErrorCode::BadInput, "takes no arguments; give the access log with --replay LOG");
    const QString logPath = context.args().value(u"replay"_s);
    if (logPath.isEmpty())
        fail(ErrorCode::BadInput, "give the access log to replay with --replay LOG ('-' for standard input)");
    routing::ReplayOptions options;
    const auto format = routing::parseLogFormat(context.option(u"format"_s));
    if (!format)
        fail(ErrorCode::BadInput,
             "--format expects url, combined or auto, got '" + context.option(u"format"_s) + "'");
    options.format = *format;
    options.defaultHost = context.option(u"default-host"_s);
    const std::size_t limit = context.sizeOption(u"limit"_s, 0);
    QFile log;
    const bool opened = logPath == u"-" ? log.open(stdin, QIODevice::ReadOnly)
                                        : (log.setFileName(logPath), log.open(QIODevice::ReadOnly));
    if (!opened)
        fail(ErrorCode::BadInput,
             "cannot read the access log " + str(logPath) + ": " + str(log.errorString()));

    Store store = openStore(context);
    const SnapshotInfo latest = store.resolveSnapshot(u"latest");
    const QString catalogPath = context.args().value(u"catalog"_s);
    const routing::Catalog catalog =
        catalogPath.isEmpty() ? routing::Catalog::bundled() : routing::Catalog::fromFile(catalogPath);
    const TrafficRanking ranking =
        rankByTraffic(*context.snapshot(), catalog, store.entries(latest.id), log, options);
    std::vector<const RankedEntry*> hit;
    std::vector<const RankedEntry*> unknown;
    for (const RankedEntry& ranked : ranking.entries) {
        if (ranked.requests > 0 && (limit == 0 || hit.size() < limit))
            hit.push_back(&ranked);
        if (!ranked.inCatalog)
            unknown.push_back(&ranked);
    }

    if (context.json()) {
        JsonWriter w(context.out(), true);
        w.beginObject();
        w.key("snapshot");
        writeSnapshot(w, latest);
        w.key("lines").value(static_cast<std::int64_t>(ranking.lines));
        w.key("malformed").value(static_cast<std::int64_t>(ranking.malformed));
        w.key("backlog_requests").value(static_cast<std::int64_t>(ranking.backlogRequests));
        w.key("entries").beginArray();
        // Every entry in rank order (the first N with --limit), untrafficked and unmeasured ones included.
        for (std::size_t i = 0; i < ranking.entries.size() && (limit == 0 || i < limit); ++i) {
            const RankedEntry& ranked = ranking.entries[i];
            w.beginObject();
            w.key("url_name").value(str(ranked.entry.urlName));
            w.key("action").value(str(actionName(ranked.entry.action)));
            w.key("status").value(str(trackingStatusName(ranked.entry.tracking.status)));
            writeOptionalText(w, "owner", ranked.entry.tracking.owner);
            w.key("in_catalog").value(ranked.inCatalog);
            w.key("requests").value(static_cast<std::int64_t>(ranked.requests));
            w.key("by_outcome").beginObject();
            for (std::size_t s = 0; s < ranked.byStatus.size(); ++s)
                if (ranked.byStatus[s] > 0)
                    w.key(routing::statusName(static_cast<routing::Status>(s)))
                        .value(static_cast<std::int64_t>(ranked.byStatus[s]));
            w.endObject();
            w.endObject();
        }
        w.endArray();
        w.endObject();
        context.out() << '\n';
        return 0;
    }

    auto& out = context.out();
    std::size_t entriesHit = 0;
    for (const RankedEntry& ranked : ranking.entries)
        entriesHit += ranked.requests > 0 ? 1 : 0;
    out << "Replayed " << str(logPath) << ": " << plural(ranking.lines, "log line", "log lines") << " ("
        << ranking.malformed << " not a request); " << plural(ranking.backlogRequests, "request", "requests")
        << " reached " << entriesHit << " of the " << latest.entryCount << " entries of " << describe(latest)
        << "\n\n";
    TextTable table({"RANK", "REQUESTS", "URL NAME", "ACTION", "STATUS", "OWNER", "OUTCOMES"},
                    {true, true, false, false, false, false, false});
    for (std::size_t i = 0; i < hit.size(); ++i)
        table.addRow({std::to_string(i + 1), std::to_string(hit[i]->requests), str(hit[i]->entry.urlName),
                      str(actionName(hit[i]->entry.action)),
                      str(trackingStatusName(hit[i]->entry.tracking.status)),
                      str(hit[i]->entry.tracking.owner), outcomes(*hit[i])});
    table.print(out);
    // Traffic to an entry the catalog does not know cannot be measured: say so rather than rank it last.
    if (!unknown.empty()) {
        constexpr std::size_t kShown = 10;
        out << "\nNot in the catalog, so their traffic is unknown (" << unknown.size()
            << "; --catalog takes the one `backlog scan --catalog-out` writes):\n";
        for (std::size_t i = 0; i < std::min(kShown, unknown.size()); ++i)
            out << "  " << str(unknown[i]->entry.urlName) << '\n';
        if (unknown.size() > kShown)
            out << "  ... and " << unknown.size() - kShown << " more (--json lists them all)\n";
    }
    return 0;
}

QCommandLineOption valueOption(const char* name, const char* description, const char* valueName)
{
    return {QString::fromLatin1(name), QString::fromLatin1(description), QString::fromLatin1(valueName)};
}

QCommandLineOption checkOption()
{
    return {u"check"_s, u"Exit with status 1 when the new snapshot breaks a backlog rule."_s};
}

} // namespace

void addBacklogVerbs(std::vector<Verb>& verbs)
{
    verbs.push_back({"backlog import", "FILE",
                     "Store a URL_NAME_TO_ACTION map (.py, .json or .csv) as a backlog snapshot",
                     [](QCommandLineParser& p) {
                         p.addOption(valueOption("at",
                                                 "When the map was current (YYYY-MM-DD or UTC time); "
                                                 "default now.",
                                                 "DATE"));
                         p.addOption(valueOption("rev", "The git commit the map was read from.", "GITREV"));
                         p.addOption(checkOption());
                     },
                     runImport});
    verbs.push_back(
        {"backlog scan", "PATH",
         "Find non-conforming cell-silo URLs in a Sentry checkout and compare with the map",
         [](QCommandLineParser& p) {
             p.addOption(
                 valueOption("map", "Compare with this map file instead of the latest snapshot.", "FILE"));
             p.addOption(valueOption("catalog-out", "Write the routing catalog of the scan.", "FILE"));
             p.addOption(valueOption("pinned", "REGION_PINNED_URL_NAMES for --catalog-out, comma-separated.",
                                     "NAMES"));
         },
         runScan});
    verbs.push_back({"backlog status", "",
                     "Backlog by action, status and owner; progress and projected finish",
                     [](QCommandLineParser& p) {
                         p.addOption({u"entries"_s, u"List every entry of the latest snapshot."_s});
                     },
                     runStatus});
    verbs.push_back({"backlog diff", "A B",
                     "Added, removed and relabelled entries between two snapshots, with rule violations",
                     [](QCommandLineParser& p) { p.addOption(checkOption()); }, runDiff});
    verbs.push_back({"backlog set", "URL_NAME",
                     "Set an entry's owner, team, status or notes (cellscope_lead)",
                     [](QCommandLineParser& p) {
                         p.addOption(valueOption("owner", "Who fixes it ('' clears).", "NAME"));
                         p.addOption(valueOption("team", "The owning team ('' clears).", "TEAM"));
                         p.addOption(valueOption("status", "open, in_progress or done.", "STATUS"));
                         p.addOption(valueOption("notes", "Free text ('' clears).", "TEXT"));
                     },
                     runSet});
    verbs.push_back(
        {"backlog rank", "--replay LOG",
         "Rank the latest snapshot's entries by the requests an access log sends them",
         [](QCommandLineParser& p) {
             p.addOption(valueOption("replay", "The access log ('-' for standard input).", "LOG"));
             p.addOption({u"format"_s, u"url, combined or auto (default)."_s, u"FORMAT"_s, u"auto"_s});
             p.addOption(valueOption("default-host",
                                     "Host for log lines without one (default: the app host).", "HOST"));
             p.addOption(valueOption("catalog",
                                     "Endpoint catalog JSON (default: the bundled one, or one written by "
                                     "backlog scan --catalog-out).",
                                     "FILE"));
             p.addOption(valueOption("limit", "List at most N entries (default all with traffic).", "N"));
         },
         runRank});
    verbs.push_back({"backlog actions",
                     "",
                     "The ten backlog actions, their meaning and definition of done",
                     {},
                     runActions,
                     false});
}

} // namespace cellscope::cli
