#include "core/cli/command.h"

#include "core/db/migrations.h"
#include "core/demo/seed.h"
#include "core/relocation/cell_session.h"
#include "core/relocation/org_graph.h"
#include "core/snapshot/binary_snapshot.h"
#include "core/snapshot/json_snapshot.h"
#include "core/util/error.h"
#include "core/util/json_writer.h"

#include <pqxx/pqxx>
#include <pqxx/transaction>

#include <chrono>
#include <iomanip>

namespace cellscope::cli {

namespace {

// The control database plus every cell the control database declares.
std::vector<std::pair<std::string, std::string>> databasesOf(Context& context)
{
    const db::DatabaseConfig& config = context.source().databases();
    std::vector<std::pair<std::string, std::string>> databases{{"control", config.control}};
    auto control = db::connect(config.control);
    pqxx::read_transaction tx(*control);
    if (tx.exec("SELECT to_regclass('cellscope.cell') IS NOT NULL")[0][0].as<bool>())
        for (const auto& row : tx.exec("SELECT name FROM cellscope.cell ORDER BY name"))
            databases.emplace_back(row[0].as<std::string>(), config.cellConninfo(row[0].as<std::string>()));
    return databases;
}

int runMigrate(Context& context)
{
    const auto databases = databasesOf(context);
    JsonWriter w(context.out(), true);
    if (context.json())
        w.beginArray();
    for (const auto& [name, conninfo] : databases) {
        if (name != "control")
            db::ensureDatabase(conninfo);
        auto connection = db::connect(conninfo);
        const int applied =
            db::migrate(*connection, name == "control" ? db::SchemaKind::Control : db::SchemaKind::Cell);
        // Sentry's own migrations add org-scoped tables: guard each one the catalog links to an
        // organization, so a relocation can freeze it and leave it behind.
        int guarded = 0;
        if (name != "control") {
            relocation::CellSession cell(name, conninfo);
            guarded = relocation::installFreezeGuards(
                cell, relocation::discoverOrgGraph(cell, context.source().databases().orgTables));
        }
        if (context.json()) {
            w.beginObject().key("database").value(name).key("applied").value(applied);
            w.key("freeze_guards_installed").value(guarded).endObject();
        } else {
            context.out() << name << ": " << applied << (applied == 1 ? " migration" : " migrations")
                          << " applied";
            if (guarded > 0)
                context.out() << "; relocation guards installed on " << guarded
                              << (guarded == 1 ? " table" : " tables");
            context.out() << '\n';
        }
    }
    if (context.json()) {
        w.endArray();
        context.out() << '\n';
    }
    return 0;
}

int runStatus(Context& context)
{
    const auto databases = databasesOf(context);
    bool pending = false;
    JsonWriter w(context.out(), true);
    if (context.json())
        w.beginArray();
    for (const auto& [name, conninfo] : databases) {
        auto connection = db::connect(conninfo);
        const auto states = db::migrationStatus(*connection, name == "control" ? db::SchemaKind::Control
                                                                               : db::SchemaKind::Cell);
        if (context.json()) {
            w.beginObject().key("database").value(name).key("migrations").beginArray();
            for (const auto& state : states) {
                w.beginObject();
                w.key("version").value(state.migration.version);
                w.key("name").value(state.migration.name);
                w.key("applied").value(state.applied);
                if (state.applied)
                    w.key("applied_at").value(state.appliedAt);
                w.key("modified_since_applied").value(state.checksumMismatch);
                w.endObject();
            }
            w.endArray().endObject();
        } else {
            context.out() << name << " (" << db::describeConninfo(conninfo) << ")\n";
        }
        for (const auto& state : states) {
            pending = pending || !state.applied;
            if (!context.json())
                context.out() << "  " << state.migration.name << "  "
                              << (state.applied ? "applied " + state.appliedAt : std::string("PENDING"))
                              << (state.checksumMismatch ? "  (file changed since it was applied)" : "")
                              << '\n';
        }
    }
    if (context.json()) {
        w.endArray();
        context.out() << '\n';
    }
    return pending ? static_cast<int>(ErrorCode::CheckFailed) : 0;
}

int runSeed(Context& context)
{
    demo::SeedOptions options;
    options.seed = context.sizeOption(QStringLiteral("seed"), sources::kDefaultDemoSeed);
    options.orgs = context.sizeOption(QStringLiteral("orgs"), sources::kDefaultDemoOrgs);
    const auto report =
        demo::seedDemoWorld(context.source().databases(), options, [&](std::string_view message) {
            if (!context.json())
                context.err() << "cellctl seed: " << message << '\n';
        });
    std::size_t total = 0;
    for (const auto& [table, rows] : report.rows)
        total += rows;
    if (context.json()) {
        JsonWriter w(context.out(), true);
        w.beginObject();
        w.key("seed").value(static_cast<std::int64_t>(options.seed));
        w.key("organizations").value(options.orgs);
        w.key("rows").beginObject();
        for (const auto& [table, rows] : report.rows)
            w.key(table).value(rows);
        w.endObject();
        w.key("total_rows").value(total);
        w.key("seconds").value(static_cast<std::int64_t>(report.seconds * 1000) / 1000);
        w.endObject();
        context.out() << '\n';
        return 0;
    }
    TextTable table({"TABLE", "ROWS"}, {false, true});
    for (const auto& [name, rows] : report.rows)
        table.addRow({name, std::to_string(rows)});
    table.print(context.out());
    context.out() << std::fixed << std::setprecision(1) << "Seeded " << options.orgs
                  << " organizations (seed " << options.seed << "): " << total << " rows in "
                  << report.seconds << " s\n";
    return 0;
}

int runSnapshotExport(Context& context)
{
    const QStringList positional = context.positional();
    if (positional.size() != 1)
        fail(ErrorCode::BadInput, "expects exactly one argument: FILE");
    const std::string path = positional.first().toStdString();
    const std::string format =
        context.args().isSet(QStringLiteral("format")) ? context.option(QStringLiteral("format")) : "json";
    if (format != "json" && format != "binary")
        fail(ErrorCode::BadInput, "unknown --format '" + format + "' (expected json or binary)");
    if (format == "binary" && path == "-")
        fail(ErrorCode::BadInput, "--format binary writes a file, not stdout: give a FILE instead of '-'");
    const SnapshotPtr snapshot = context.snapshot();
    if (path == "-")
        writeSnapshotJson(*snapshot, context.out());
    else if (format == "binary")
        writeSnapshotBinaryFile(*snapshot, path);
    else
        writeSnapshotJsonFile(*snapshot, path);
    if (path != "-")
        context.err() << "cellctl: wrote " << snapshot->organizations().size() << " organizations to " << path
                      << '\n';
    return 0;
}

} // namespace

void addAdminVerbs(std::vector<Verb>& verbs)
{
    verbs.push_back({"db migrate",
                     "",
                     "Apply pending schema migrations to the control and cell databases",
                     {},
                     runMigrate});
    verbs.push_back(
        {"db status", "", "Show applied and pending migrations (exit 1 if any is pending)", {}, runStatus});
    verbs.push_back({"seed", "", "Replace the databases' contents with the demo world (--seed N, --orgs N)",
                     [](QCommandLineParser& p) {
                         p.addOption({QStringLiteral("seed"), QStringLiteral("Random seed (default 42)."),
                                      QStringLiteral("N")});
                         p.addOption({QStringLiteral("orgs"), QStringLiteral("Organizations (default 5000)."),
                                      QStringLiteral("N")});
                     },
                     runSeed});
    verbs.push_back({"snapshot export", "FILE",
                     "Write the world as a snapshot file: JSON ('-' for stdout) or --format binary",
                     [](QCommandLineParser& p) {
                         p.addOption(
                             {QStringLiteral("format"),
                              QStringLiteral("json (default) or binary (loads in a fraction of the time)."),
                              QStringLiteral("FORMAT")});
                     },
                     runSnapshotExport});
}

} // namespace cellscope::cli
