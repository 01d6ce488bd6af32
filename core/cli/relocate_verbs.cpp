#include "core/cli/command.h"
#include "core/net/locator_client.h"

#include "core/relocation/relocations.h"
#include "core/relocation/text.h"
#include "core/util/error.h"
#include "core/util/json_writer.h"
#include "core/util/time_format.h"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <iomanip>
#include <thread>

namespace cellscope::cli {

namespace {

using namespace relocation;

// Ctrl-C during a run stops the runner at its next batch boundary instead of killing it mid-batch.
std::atomic<bool> g_interrupted{false};

extern "C" void onInterrupt(int)
{
    g_interrupted = true;
}

std::string iso(double unixSeconds)
{
    return formatIsoTimestamp(static_cast<std::int64_t>(unixSeconds));
}

void optionalTime(JsonWriter& w, const char* key, std::optional<double> unixSeconds)
{
    w.key(key);
    if (unixSeconds)
        w.value(iso(*unixSeconds));
    else
        w.null();
}

void optionalNumber(JsonWriter& w, const char* key, std::optional<double> value)
{
    w.key(key);
    if (value)
        w.value(static_cast<std::int64_t>(*value));
    else
        w.null();
}

std::string singleArgument(Context& context, const char* what)
{
    const QStringList positional = context.positional();
    if (positional.size() != 1)
        fail(ErrorCode::BadInput, std::string("expects exactly one argument: ") + what);
    return positional.first().toStdString();
}

Relocations relocations(Context& context)
{
    return Relocations(context.source().databases());
}

std::string reasonOf(Context& context)
{
    return context.option(QStringLiteral("reason"));
}

void addReason(QCommandLineParser& p)
{
    p.addOption({QStringLiteral("reason"),
                 QStringLiteral("Why (required; stored in the audit log with your database role)."),
                 QStringLiteral("TEXT")});
}

void addRunOptions(QCommandLineParser& p)
{
    p.addOption({QStringLiteral("throttle"),
                 QStringLiteral("Rows per second at most (change it later with "
                                "`relocate throttle`)."),
                 QStringLiteral("N")});
    p.addOption({QStringLiteral("batch-rows"), QStringLiteral("Rows per COPY batch (default 50000)."),
                 QStringLiteral("N")});
    p.addOption(
        {QStringLiteral("drain-seconds"),
         QStringLiteral("Wait after the switch for routing caches (default 65: Synapse's 60 s refresh "
                        "plus its 5 s miss cache)."),
         QStringLiteral("S")});
    p.addOption({QStringLiteral("verify-locator"),
                 QStringLiteral("After the switch, ask this router API (repeatable) until it names the new "
                                "cell for the organization's id, slug and DSN keys; the drain ends then, or "
                                "after --drain-seconds at most."),
                 QStringLiteral("URL")});
    p.addOption({QStringLiteral("offline"),
                 QStringLiteral("Freeze the organization before the copy instead of copying it while it "
                                "stays writable (the default when both cells allow it).")});
}

Request requestOf(Context& context, const std::string& org, std::string reason)
{
    Request request;
    request.org = org;
    request.targetCell = context.option(QStringLiteral("to"));
    if (request.targetCell.empty())
        fail(ErrorCode::BadInput, "name the target cell with --to CELL");
    request.reason = std::move(reason);
    request.allowCrossLocality = context.args().isSet(QStringLiteral("allow-cross-locality"));
    if (context.args().isSet(QStringLiteral("throttle")))
        request.throttle = static_cast<std::int64_t>(context.sizeOption(QStringLiteral("throttle"), 0));
    request.batchRows =
        static_cast<std::int64_t>(context.sizeOption(QStringLiteral("batch-rows"), kDefaultBatchRows));
    request.drainSeconds =
        static_cast<int>(context.sizeOption(QStringLiteral("drain-seconds"), kDefaultDrainSeconds));
    request.offline = context.args().isSet(QStringLiteral("offline"));
    for (const QString& url : context.args().values(QStringLiteral("verify-locator"))) {
        const QUrl parsed(url, QUrl::StrictMode);
        if (!parsed.isValid() ||
            (parsed.scheme() != QLatin1String("http") && parsed.scheme() != QLatin1String("https")))
            fail(ErrorCode::BadInput, "--verify-locator needs an http(s) URL, not " + url.toStdString());
        request.verifyLocators.push_back(url.toStdString());
    }
    return request;
}

// ---- output ------------------------------------------------------------------------------------

void writeStatusJson(JsonWriter& w, const Status& s)
{
    const Relocation& r = s.relocation;
    w.beginObject();
    w.key("id").value(r.id);
    w.key("organization")
        .beginObject()
        .key("id")
        .value(r.organizationId)
        .key("slug")
        .value(r.orgSlug)
        .endObject();
    w.key("source_cell").value(r.sourceCell);
    w.key("target_cell").value(r.targetCell);
    w.key("state").value(stateName(r.state));
    w.key("step").value(stepName(r.step));
    w.key("sentence").value(s.sentence);
    w.key("runner_alive").value(s.runnerAlive);
    w.key("runner").value(r.runner);
    w.key("requested_action");
    if (r.requestedAction.empty())
        w.null();
    else
        w.value(r.requestedAction);
    w.key("cross_locality").value(r.crossLocality);
    optionalNumber(w, "throttle_rows_per_second",
                   r.throttle ? std::optional<double>(static_cast<double>(*r.throttle)) : std::nullopt);
    w.key("batch_rows").value(r.batchRows);
    w.key("drain_seconds").value(r.drainSeconds);
    w.key("mode").value(r.online ? "online" : "offline");
    w.key("change_capture");
    if (r.online) {
        w.beginObject();
        w.key("applied_changes").value(r.appliedChanges).key("rounds").value(r.appliedRound);
        optionalNumber(w, "lag_rows",
                       r.lagRows ? std::optional<double>(static_cast<double>(*r.lagRows)) : std::nullopt);
        w.key("lag_seconds");
        if (r.lagSeconds)
            w.decimal(*r.lagSeconds, 3);
        else
            w.null();
        optionalTime(w, "measured_at", r.lagAt);
        w.endObject();
    } else {
        w.null();
    }
    optionalNumber(w, "cutover_in_seconds", s.cutoverInSeconds);
    w.key("verify_locators").beginArray();
    for (const std::string& locator : r.verifyLocators)
        w.value(locator);
    w.endArray();
    w.key("drain_answers").beginArray();
    for (std::string_view rest = r.drainAnswers; !rest.empty();) {
        const auto end = std::min(rest.find('\n'), rest.size());
        w.value(std::string(rest.substr(0, end)));
        rest.remove_prefix(std::min(end + 1, rest.size()));
    }
    w.endArray();
    w.key("write_freeze");
    if (s.freezeStartedAt) {
        // Milliseconds: a freeze is meant to be shorter than a second.
        w.beginObject();
        w.key("started_at").value(formatIsoTimestampMillis(*s.freezeStartedAt));
        w.key("ended_at");
        if (s.freezeEndedAt)
            w.value(formatIsoTimestampMillis(*s.freezeEndedAt));
        else
            w.null();
        w.key("seconds");
        if (s.freezeSeconds)
            w.decimal(*s.freezeSeconds, 3);
        else
            w.null();
        w.endObject();
    } else {
        w.null();
    }
    w.key("rows").beginObject();
    w.key("planned").value(s.plannedRows).key("copied").value(s.copiedRows);
    w.key("verified").value(s.verifiedRows).key("cleaned").value(s.cleanedRows);
    w.endObject();
    optionalNumber(w, "copy_rows_per_second", s.copyRowsPerSecond);
    optionalNumber(w, "verify_rows_per_second", s.verifyRowsPerSecond);
    optionalNumber(w, "eta_seconds", s.etaSeconds);
    optionalNumber(w, "drain_seconds_left", s.drainSecondsLeft);
    w.key("last_error");
    if (r.lastError.empty())
        w.null();
    else
        w.value(r.lastError);
    w.key("last_action");
    if (s.lastAction) {
        w.beginObject();
        w.key("action").value(s.lastAction->action).key("reason").value(s.lastAction->reason);
        w.key("db_role").value(s.lastAction->dbRole).key("login_role").value(s.lastAction->loginRole);
        w.key("at").value(iso(s.lastAction->at));
        w.endObject();
    } else {
        w.null();
    }
    w.key("created_by").value(r.createdBy);
    w.key("created_at").value(iso(r.createdAt));
    w.key("updated_at").value(iso(r.updatedAt));
    optionalTime(w, "finished_at", r.finishedAt);
    w.key("tables").beginArray();
    for (const TableProgress& t : s.tables) {
        w.beginObject();
        w.key("table").value(t.table);
        w.key("planned_rows").value(t.plannedRows);
        w.key("copied_rows").value(t.copiedRows).key("copied").value(t.copied);
        optionalNumber(w, "copy_rows_per_second",
                       t.copySeconds > 0
                           ? std::optional<double>(static_cast<double>(t.copiedRows) / t.copySeconds)
                           : std::nullopt);
        w.key("verified_rows").value(t.verifiedRows).key("verified").value(t.verified);
        w.key("source_digest").value(t.sourceDigest).key("target_digest").value(t.targetDigest);
        w.key("cleaned_rows").value(t.cleanedRows).key("cleaned").value(t.cleaned);
        w.endObject();
    }
    w.endArray();
    w.key("next_steps").beginArray();
    for (const std::string& step : s.nextSteps)
        w.value(step);
    w.endArray();
    w.endObject();
}

std::string tableState(const TableProgress& t)
{
    if (t.cleaned)
        return "cleaned";
    if (t.cleanedRows > 0)
        return "cleaning";
    if (t.verified)
        return "verified";
    if (t.verifiedRows > 0)
        return "verifying";
    if (t.copied)
        return "copied";
    return t.copiedRows > 0 ? "copying" : "pending";
}

void printStatusText(std::ostream& out, const Status& s)
{
    out << s.sentence << "\n\n";
    TextTable table({"TABLE", "PLANNED", "COPIED", "VERIFIED", "CLEANED", "STATE"},
                    {false, true, true, true, true, false});
    for (const TableProgress& t : s.tables)
        table.addRow({t.table, groupedNumber(t.plannedRows), groupedNumber(t.copiedRows),
                      groupedNumber(t.verifiedRows), groupedNumber(t.cleanedRows), tableState(t)});
    table.addRow({"total", groupedNumber(s.plannedRows), groupedNumber(s.copiedRows),
                  groupedNumber(s.verifiedRows), groupedNumber(s.cleanedRows), ""});
    table.print(out, "  ");
    const Relocation& r = s.relocation;
    out << '\n';
    if (s.copyRowsPerSecond)
        out << "Copy rate: " << groupedNumber(static_cast<std::int64_t>(*s.copyRowsPerSecond)) << " rows/s";
    if (s.etaSeconds)
        out << (s.copyRowsPerSecond ? "   " : "") << "Time left: about " << humanDuration(*s.etaSeconds);
    if (s.copyRowsPerSecond || s.etaSeconds)
        out << '\n';
    out << "Mode: " << (r.online ? "online" : "offline");
    if (r.online)
        out << "   Changes applied: " << groupedNumber(r.appliedChanges) << " in " << r.appliedRound
            << " rounds"
            << (r.lagRows
                    ? "   Waiting: " + groupedNumber(*r.lagRows) +
                          (*r.lagRows > 0 ? " (oldest " + humanDuration(r.lagSeconds.value_or(0)) + ")" : "")
                    : std::string());
    if (s.cutoverInSeconds)
        out << "   Cut-over in about " << humanDuration(*s.cutoverInSeconds);
    out << '\n';
    if (!r.drainAnswers.empty())
        out << "Locators (last answers):\n" << r.drainAnswers;
    if (s.freezeSeconds)
        out << "Write freeze: " << std::fixed << std::setprecision(2) << *s.freezeSeconds << std::defaultfloat
            << " s" << (s.freezeEndedAt ? " (from the freeze to the switch's commit)" : " so far") << '\n';
    out << "Throttle: " << (r.throttle ? groupedNumber(*r.throttle) + " rows/s" : std::string("none"))
        << "   Batch: " << groupedNumber(r.batchRows) << " rows   Drain: " << r.drainSeconds << " s"
        << (r.crossLocality ? "   Cross-locality (allowed)" : "") << '\n';
    if (s.lastAction)
        out << "Last action: " << s.lastAction->action << " by " << s.lastAction->dbRole << " at "
            << iso(s.lastAction->at) << ": \"" << s.lastAction->reason << "\"\n";
    for (const std::string& step : s.nextSteps)
        out << "Next: " << step << '\n';
}

int printStatus(Context& context, const Status& status)
{
    if (context.json()) {
        JsonWriter w(context.out(), true);
        writeStatusJson(w, status);
        context.out() << '\n';
    } else {
        printStatusText(context.out(), status);
    }
    return 0;
}

// The CLI's face of a running relocation: progress lines on stderr, Ctrl-C as a clean stop.
class ProgressLines : public Observer
{
public:
    explicit ProgressLines(Context& context) : m_context(context) {}

    void stateChanged(std::string_view sentence) override
    {
        if (!m_context.json())
            m_context.err() << "cellctl relocate: " << sentence << '\n';
    }

    void tableProgress(Step step, const TableProgress& table) override
    {
        const auto now = std::chrono::steady_clock::now();
        if (m_context.json() || now - m_last < std::chrono::seconds(1))
            return;
        m_last = now;
        const std::int64_t done = step == Step::Copy     ? table.copiedRows
                                  : step == Step::Verify ? table.verifiedRows
                                                         : table.cleanedRows;
        m_context.err() << "cellctl relocate:   " << table.table << ": " << groupedNumber(done) << " of "
                        << groupedNumber(table.plannedRows) << " rows "
                        << (step == Step::Copy     ? "copied"
                            : step == Step::Verify ? "verified"
                                                   : "removed")
                        << '\n';
    }

    bool stopRequested() override { return g_interrupted; }

private:
    Context& m_context;
    std::chrono::steady_clock::time_point m_last;
};

// The drain's questions to the locators, over HTTP (core/net), from the runner's thread.
class HttpLocatorProbe : public LocatorProbe
{
public:
    LocatorReply ask(const std::string& locatorUrl, const std::string& id,
                     const std::string& locality) override
    {
        const net::LocatorAnswer answer =
            net::askLocator(QUrl(QString::fromStdString(locatorUrl)), id, locality, std::chrono::seconds(3));
        return {answer.cell, answer.message};
    }
};

// Runs the relocation in this process, then prints where it ended up. When another process is its
// runner, that one carries out what was just asked, at its next batch boundary.
int runAndReport(Context& context, const Relocations& api, std::int64_t id)
{
    const Status before = api.status(id);
    if (before.relocation.state == State::Running && before.runnerAlive) {
        if (!context.json())
            context.err() << "cellctl relocate: relocation " << id << " is run by "
                          << before.relocation.runner << ", which acts on this at its next batch boundary\n";
        return printStatus(context, api.status(id));
    }
    ProgressLines progress(context);
    g_interrupted = false;
    const auto previous = std::signal(SIGINT, onInterrupt);
    std::optional<Error> failure;
    try {
        HttpLocatorProbe locators;
        if (api.run(id, progress, &locators) == Outcome::Detached && !context.json())
            context.err()
                << "cellctl relocate: stopped at a batch boundary; resume with cellctl relocate resume " << id
                << " --reason '…'\n";
    } catch (const Error& e) {
        failure = e;
    }
    std::signal(SIGINT, previous);
    printStatus(context, api.status(id));
    if (failure)
        throw *failure;
    return 0;
}

// ---- verbs -------------------------------------------------------------------------------------

int runPlan(Context& context)
{
    const Relocations api = relocations(context);
    const Plan plan = api.plan(requestOf(context, singleArgument(context, "ORG"), {}));
    const std::string start = "cellctl relocate start " + plan.org.slug + " --to " + plan.targetCell +
                              (plan.crossLocality ? " --allow-cross-locality" : "") + " --reason '…'";
    if (context.json()) {
        JsonWriter w(context.out(), true);
        w.beginObject();
        w.key("organization").beginObject().key("id").value(plan.org.organizationId);
        w.key("slug").value(plan.org.slug).endObject();
        w.key("source_cell").value(plan.org.cell).key("target_cell").value(plan.targetCell);
        w.key("source_locality").value(plan.sourceLocality).key("target_locality").value(plan.targetLocality);
        w.key("cross_locality").value(plan.crossLocality);
        w.key("mode").value(plan.online ? "online" : "offline");
        w.key("ok").value(plan.ok());
        w.key("checks").beginArray();
        for (const Check& check : plan.checks)
            w.beginObject()
                .key("name")
                .value(check.name)
                .key("passed")
                .value(check.passed)
                .key("message")
                .value(check.message)
                .endObject();
        w.endArray();
        // The discovered graph: each table, how it reaches the organization, how it moves.
        w.key("tables").beginArray();
        for (const PlannedTable& table : plan.tables) {
            const OrgTable& spec = table.spec;
            w.beginObject().key("table").value(table.table).key("rows").value(table.sourceRows);
            w.key("depth").value(spec.depth).key("via").value(spec.via).key("filter").value(spec.orgFilter);
            w.key("key").value(spec.keyColumns).key("batched").value(spec.batched);
            w.key("cycle").value(spec.cycle).key("self_reference").value(spec.selfReference);
            w.key("declared").value(spec.declared).endObject();
        }
        w.endArray();
        w.key("not_moved").beginArray();
        for (const UncoveredTable& table : plan.graph.uncovered)
            w.beginObject().key("table").value(table.name).key("reason").value(table.reason).endObject();
        w.endArray();
        w.key("total_rows").value(plan.totalRows);
        w.key("rows_per_second").value(static_cast<std::int64_t>(plan.rowsPerSecond));
        w.key("rate_measured").value(plan.measuredRate);
        w.key("estimated_seconds").value(static_cast<std::int64_t>(plan.estimatedSeconds + 0.5));
        w.key("drain_seconds").value(plan.drainSeconds);
        w.key("warnings").beginArray();
        for (const std::string& warning : plan.warnings)
            w.value(warning);
        w.endArray();
        w.key("next_steps").beginArray();
        if (plan.ok())
            w.value(start);
        w.endArray();
        w.endObject();
        context.out() << '\n';
    } else {
        auto& out = context.out();
        out << "Plan: relocate " << plan.org.slug << " (id " << plan.org.organizationId << ") from "
            << plan.org.cell << " (locality " << plan.sourceLocality << ") to " << plan.targetCell
            << " (locality " << plan.targetLocality << ")\n\nChecks:\n";
        TextTable checks({"", "CHECK", "RESULT"});
        for (const Check& check : plan.checks)
            checks.addRow({check.passed ? "ok" : "FAIL", check.name, check.message});
        checks.print(out, "  ");
        if (!plan.tables.empty()) {
            out << "\nRows to move (org-scoped tables found in the catalog, parents first):\n";
            TextTable tables({"TABLE", "ROWS", "DEPTH", "LINK", "KEY"}, {false, true, true, false, false});
            for (const PlannedTable& table : plan.tables) {
                const OrgTable& spec = table.spec;
                std::string link = spec.via;
                if (spec.cycle > 0)
                    link += " (cycle " + std::to_string(spec.cycle) + ")";
                if (spec.selfReference)
                    link += " (self-reference)";
                tables.addRow({table.table, groupedNumber(table.sourceRows), std::to_string(spec.depth), link,
                               spec.keyColumns.empty() ? "none"
                               : spec.batched          ? spec.keyColumns
                                                       : spec.keyColumns + " (whole table)"});
            }
            tables.addRow({"total", groupedNumber(plan.totalRows), "", "", ""});
            tables.print(out, "  ");
        }
        if (!plan.graph.uncovered.empty()) {
            out << "\nNot moved (checked for rows of the organization):\n";
            TextTable uncovered({"TABLE", "WHY"});
            for (const UncoveredTable& table : plan.graph.uncovered)
                uncovered.addRow({table.name, table.reason});
            uncovered.print(out, "  ");
        }
        for (const std::string& warning : plan.warnings)
            out << "\nWarning: " << warning;
        if (!plan.warnings.empty())
            out << '\n';
        out << "\nEstimate: about " << humanDuration(plan.estimatedSeconds) << " plus a drain wait of "
            << humanDuration(plan.drainSeconds) << ".\n";
        out << (plan.ok() ? "Next: " + start : std::string("Not startable: fix the failed checks first."))
            << '\n';
    }
    if (const Check* failure = plan.firstFailure())
        return static_cast<int>(failure->failure);
    return 0;
}

int runStart(Context& context)
{
    const Relocations api = relocations(context);
    const std::int64_t id = api.start(requestOf(context, singleArgument(context, "ORG"), reasonOf(context)));
    if (!context.json())
        context.err() << "cellctl relocate: started relocation " << id << '\n';
    return runAndReport(context, api, id);
}

int runStatus(Context& context)
{
    const Relocations api = relocations(context);
    const std::int64_t id = api.resolve(singleArgument(context, "ID|ORG"));
    if (!context.args().isSet(QStringLiteral("watch")))
        return printStatus(context, api.status(id));
    const bool tty = isatty(STDOUT_FILENO);
    for (;;) {
        const Status status = api.status(id);
        if (context.json()) {
            JsonWriter w(context.out(), false); // one status object per line
            writeStatusJson(w, status);
            context.out() << std::endl;
        } else {
            if (tty)
                context.out() << "\033[H\033[2J";
            printStatusText(context.out(), status);
            context.out() << std::endl;
        }
        // Nothing will change by itself once nobody runs it.
        if (status.relocation.state != State::Running || !status.runnerAlive)
            return 0;
        std::this_thread::sleep_for(std::chrono::seconds(1));
    }
}

// pause and abort: the runner acts at its next batch boundary (or this process, when none runs).
int runStopRequest(Context& context, bool abort)
{
    const Relocations api = relocations(context);
    const std::int64_t id = api.resolve(singleArgument(context, "ID"));
    if (abort)
        api.abort(id, reasonOf(context));
    else
        api.pause(id, reasonOf(context));
    // Give a live runner a moment to reach its batch boundary, so the status shows the outcome.
    for (int i = 0; i < 50; ++i) {
        const Status status = api.status(id);
        if (status.relocation.state != State::Running || !status.runnerAlive)
            break;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return printStatus(context, api.status(id));
}

int runResume(Context& context)
{
    const Relocations api = relocations(context);
    const std::int64_t id = api.resolve(singleArgument(context, "ID"));
    api.resume(id, reasonOf(context));
    return runAndReport(context, api, id);
}

int runRetry(Context& context)
{
    const Relocations api = relocations(context);
    const std::int64_t id = api.resolve(singleArgument(context, "ID"));
    api.retry(id, reasonOf(context));
    return runAndReport(context, api, id);
}

int runCancel(Context& context)
{
    const Relocations api = relocations(context);
    const std::int64_t id = api.resolve(singleArgument(context, "ID"));
    api.cancel(id, reasonOf(context));
    return runAndReport(context, api, id);
}

int runThrottle(Context& context)
{
    const QStringList positional = context.positional();
    if (positional.size() != 2)
        fail(ErrorCode::BadInput, "expects two arguments: ID and ROWS_PER_SECOND (or off)");
    const Relocations api = relocations(context);
    const std::int64_t id = api.resolve(positional[0].toStdString());
    std::optional<std::int64_t> rows;
    if (positional[1] != QStringLiteral("off")) {
        bool ok = false;
        rows = positional[1].toLongLong(&ok);
        if (!ok || *rows <= 0)
            fail(ErrorCode::BadInput, "the throttle is a positive number of rows per second, or off");
    }
    api.throttle(id, rows, reasonOf(context));
    return printStatus(context, api.status(id));
}

int runRepair(Context& context)
{
    const Relocations api = relocations(context);
    const std::int64_t id = api.resolve(singleArgument(context, "ID"));
    const bool apply = context.args().isSet(QStringLiteral("apply"));
    const Diagnosis d = apply ? api.repair(id, reasonOf(context)) : api.diagnose(id);
    if (context.json()) {
        JsonWriter w(context.out(), true);
        w.beginObject();
        w.key("id").value(id);
        w.key("findings").beginArray();
        for (const Finding& f : d.findings)
            w.beginObject()
                .key("subject")
                .value(f.subject)
                .key("consistent")
                .value(f.consistent)
                .key("text")
                .value(f.text)
                .endObject();
        w.endArray();
        w.key("proposal").value(d.proposal);
        w.key("applied").value(apply && d.action != RepairAction::None);
        w.key("next_steps").beginArray();
        if (!apply && !d.command.empty())
            w.value(d.command);
        w.endArray();
        w.endObject();
        context.out() << '\n';
    } else {
        auto& out = context.out();
        out << "Repair diagnosis of relocation " << id << " (" << d.relocation.orgSlug << ", "
            << d.relocation.sourceCell << " → " << d.relocation.targetCell << "):\n";
        TextTable table({"", "SUBJECT", "FINDING"});
        for (const Finding& f : d.findings)
            table.addRow({f.consistent ? "ok" : "MISMATCH", f.subject, f.text});
        table.print(out, "  ");
        out << "\nProposal: " << d.proposal << '\n';
        if (!apply && !d.command.empty())
            out << "Next: " << d.command << '\n';
    }
    if (apply && d.action != RepairAction::None)
        return runAndReport(context, api, id);
    return 0;
}

int runList(Context& context)
{
    const Relocations api = relocations(context);
    const auto list =
        api.list(context.option(QStringLiteral("org")), context.args().isSet(QStringLiteral("active")),
                 context.sizeOption(QStringLiteral("limit"), 50));
    if (context.json()) {
        JsonWriter w(context.out(), true);
        w.beginArray();
        for (const Relocation& r : list) {
            w.beginObject();
            w.key("id").value(r.id);
            w.key("organization").beginObject().key("id").value(r.organizationId);
            w.key("slug").value(r.orgSlug).endObject();
            w.key("source_cell").value(r.sourceCell).key("target_cell").value(r.targetCell);
            w.key("state").value(stateName(r.state)).key("step").value(stepName(r.step));
            w.key("created_by").value(r.createdBy).key("created_at").value(iso(r.createdAt));
            w.key("updated_at").value(iso(r.updatedAt));
            optionalTime(w, "finished_at", r.finishedAt);
            w.endObject();
        }
        w.endArray();
        context.out() << '\n';
        return 0;
    }
    TextTable table({"ID", "ORGANIZATION", "FROM", "TO", "STATE", "STEP", "BY", "UPDATED"},
                    {true, false, false, false, false, false, false, false});
    for (const Relocation& r : list)
        table.addRow({std::to_string(r.id), r.orgSlug, r.sourceCell, r.targetCell,
                      std::string(stateName(r.state)), std::string(stepName(r.step)), r.createdBy,
                      iso(r.updatedAt)});
    table.print(context.out());
    return 0;
}

int runLog(Context& context)
{
    const Relocations api = relocations(context);
    const History h = api.history(api.resolve(singleArgument(context, "ID|ORG")));
    if (context.json()) {
        JsonWriter w(context.out(), true);
        w.beginObject();
        w.key("id").value(h.relocation.id);
        w.key("steps").beginArray();
        for (const StepRecord& s : h.steps) {
            w.beginObject();
            w.key("step").value(s.step).key("attempt").value(s.attempt);
            w.key("started_at").value(iso(s.startedAt));
            optionalTime(w, "finished_at", s.finishedAt);
            w.key("outcome");
            if (s.outcome.empty())
                w.null();
            else
                w.value(s.outcome);
            w.key("detail").value(s.detail).key("runner").value(s.runner);
            w.endObject();
        }
        w.endArray();
        w.key("audit").beginArray();
        for (const AuditRecord& a : h.audit) {
            w.beginObject();
            w.key("action").value(a.action).key("reason").value(a.reason).key("detail").value(a.detail);
            w.key("db_role").value(a.dbRole).key("login_role").value(a.loginRole).key("at").value(iso(a.at));
            w.endObject();
        }
        w.endArray();
        w.key("leftovers").beginArray();
        for (const Leftover& l : h.leftovers) {
            w.beginObject();
            w.key("cell").value(l.cell).key("table").value(l.table);
            w.key("removed_rows").value(l.removedRows).key("removed").value(l.removed);
            w.endObject();
        }
        w.endArray();
        w.endObject();
        context.out() << '\n';
        return 0;
    }
    // One time line: people's actions and the steps they set off.
    struct Line
    {
        double at;
        std::string text;
    };
    std::vector<Line> lines;
    for (const AuditRecord& a : h.audit)
        lines.push_back(
            {a.at, a.action + " by " + a.dbRole +
                       (a.loginRole != a.dbRole ? " (login " + a.loginRole + ")" : std::string()) + ": \"" +
                       a.reason + "\"" + (a.detail.empty() ? std::string() : "  [" + a.detail + "]")});
    for (const StepRecord& s : h.steps)
        lines.push_back(
            {s.startedAt,
             "step " + s.step + " #" + std::to_string(s.attempt) + " " +
                 (s.outcome.empty() ? std::string("(no outcome recorded)") : s.outcome) +
                 (s.finishedAt ? " after " + humanDuration(*s.finishedAt - s.startedAt) : std::string()) +
                 (s.detail.empty() ? std::string() : ": " + s.detail)});
    std::stable_sort(lines.begin(), lines.end(), [](const Line& a, const Line& b) { return a.at < b.at; });
    context.out() << "Relocation " << h.relocation.id << " of " << h.relocation.orgSlug << " from "
                  << h.relocation.sourceCell << " to " << h.relocation.targetCell << ": "
                  << stateName(h.relocation.state) << "\n";
    for (const Line& line : lines)
        context.out() << "  " << iso(line.at) << "  " << line.text << '\n';
    for (const Leftover& l : h.leftovers)
        context.out() << "  ledger: " << l.table << " copied into " << l.cell
                      << (l.removed ? ", removed again (" + groupedNumber(l.removedRows) + " rows)"
                                    : std::string())
                      << '\n';
    return 0;
}

} // namespace

void addRelocateVerbs(std::vector<Verb>& verbs)
{
    verbs.push_back(
        {"relocate plan", "ORG",
         "Dry-run a relocation: every check, the rows, the estimate (--to CELL); writes nothing",
         [](QCommandLineParser& p) {
             p.addOption({QStringLiteral("to"), QStringLiteral("Target cell."), QStringLiteral("CELL")});
             p.addOption({QStringLiteral("allow-cross-locality"),
                          QStringLiteral("Plan as if a move to another locality were allowed.")});
             addRunOptions(p);
         },
         runPlan});
    verbs.push_back(
        {"relocate start", "ORG",
         "Relocate an organization to another cell (--to CELL --reason TEXT), in this process",
         [](QCommandLineParser& p) {
             p.addOption({QStringLiteral("to"), QStringLiteral("Target cell."), QStringLiteral("CELL")});
             p.addOption({QStringLiteral("allow-cross-locality"),
                          QStringLiteral("Allow moving the data to another locality (data residency "
                                         "changes).")});
             addReason(p);
             addRunOptions(p);
         },
         runStart});
    verbs.push_back(
        {"relocate status", "ID|ORG", "Where a relocation stands: sentence, tables, rate, time left",
         [](QCommandLineParser& p) {
             p.addOption({QStringLiteral("watch"), QStringLiteral("Repeat every second while it runs.")});
         },
         runStatus});
    verbs.push_back({"relocate pause", "ID", "Pause a relocation at its next batch boundary (--reason)",
                     addReason, [](Context& c) {
                         return runStopRequest(c, false);
                     }});
    verbs.push_back({"relocate resume", "ID", "Resume a paused or interrupted relocation here (--reason)",
                     addReason, runResume});
    verbs.push_back({"relocate cancel", "ID",
                     "Undo a relocation before its switch: remove the copy, unfreeze the source (--reason)",
                     addReason, runCancel});
    verbs.push_back({"relocate abort", "ID", "Stop a relocation now, keeping its state for repair (--reason)",
                     addReason, [](Context& c) {
                         return runStopRequest(c, true);
                     }});
    verbs.push_back({"relocate retry", "ID",
                     "Run a failed or aborted relocation again from its step (--reason)", addReason,
                     runRetry});
    verbs.push_back(
        {"relocate repair", "ID",
         "Compare journal, mapping and data; propose (or --apply) what makes them consistent",
         [](QCommandLineParser& p) {
             p.addOption({QStringLiteral("apply"), QStringLiteral("Apply the proposal and run.")});
             addReason(p);
         },
         runRepair});
    verbs.push_back(
        {"relocate list", "", "List relocations, newest first (--org ORG, --active, --limit N)",
         [](QCommandLineParser& p) {
             p.addOption(
                 {QStringLiteral("org"), QStringLiteral("Only this organization."), QStringLiteral("ORG")});
             p.addOption({QStringLiteral("active"), QStringLiteral("Only unfinished relocations.")});
             p.addOption(
                 {QStringLiteral("limit"), QStringLiteral("At most N (default 50)."), QStringLiteral("N")});
         },
         runList});
    verbs.push_back(
        {"relocate log", "ID|ORG", "A relocation's journal and audit log, as one time line", {}, runLog});
    verbs.push_back({"relocate throttle", "ID ROWS|off",
                     "Change a relocation's rows/s limit, live (--reason)", addReason, runThrottle});
}

} // namespace cellscope::cli
