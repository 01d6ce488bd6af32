#include "core/cli/command.h"

#include "core/net/cell_probe.h"
#include "core/net/control_api_server.h"
#include "core/net/control_api_source.h"
#include "core/net/locator.h"
#include "core/net/stop_signals.h"
#include "core/snapshot/cell_settings.h"
#include "core/util/error.h"
#include "core/util/json_writer.h"

#include <QEventLoop>

#include <cstdio>
#include <iostream>

namespace cellscope::cli {

namespace {

net::LogSink stderrLog()
{
    return [](std::string_view line) {
        std::cerr << line << '\n';
    };
}

net::ListenAddress listenOption(Context& context, std::string_view fallback)
{
    const std::string text = context.option(QStringLiteral("listen"));
    return net::parseListenAddress(text.empty() ? fallback : text);
}

// Serves until SIGTERM or SIGINT, then closes every connection and says so.
int serveUntilStopped(Context& context, net::HttpService& service)
{
    net::StopSignals stopSignals;
    QEventLoop loop;
    int received = 0;
    QObject::connect(&stopSignals, &net::StopSignals::stopRequested, &loop, [&](int signalNumber) {
        received = signalNumber;
        loop.quit();
    });
    loop.exec();
    service.stop();
    context.out() << "cellctl: stopped on " << net::StopSignals::name(received) << std::endl;
    return 0;
}

void announce(Context& context, const std::string& what, const net::HttpService& service)
{
    // The first line of stdout names the URL, so scripts (and tests using port 0) can read it.
    context.out() << "cellctl: serving " << what << " on " << service.url().toString().toStdString()
                  << std::endl;
}

void addListenOption(QCommandLineParser& parser, const char* fallback)
{
    parser.addOption({QStringLiteral("listen"),
                      QStringLiteral("Address to listen on (default %1; port 0 picks a free one).")
                          .arg(QLatin1StringView(fallback)),
                      QStringLiteral("HOST:PORT")});
}

// ---- serve control-api ------------------------------------------------------------------------------

constexpr const char* kControlApiListen = "127.0.0.1:8000";

int runServeControlApi(Context& context)
{
    const QByteArray secret = net::hmacSecretFromEnvironment();
    if (secret.isEmpty())
        fail(ErrorCode::BadInput,
             "set SYNAPSE_HMAC_SECRET: the control API answers only requests signed with it");
    const net::ListenAddress listen = listenOption(context, kControlApiListen);
    sources::WorldSource& source = context.source();
    const SnapshotPtr snapshot = context.snapshot();
    std::shared_ptr<net::MappingTable> table;
    if (source.isFile() || source.isControlApi()) {
        table = net::MemoryMappingTable::fromSnapshot(*snapshot);
        context.err()
            << "cellctl: note: a snapshot has no date_updated, so every row is served with updated_at 0 "
               "in snapshot order: full pulls work, incremental pulls find nothing new\n";
    } else {
        table = std::make_shared<net::PostgresMappingTable>(source.databases().control);
    }
    net::HttpService service(net::controlApiHandler(table, net::controlTopology(*snapshot), secret),
                             stderrLog());
    service.start(listen);
    announce(context,
             "Sentry's control API (org-cell-mappings, projectkey-cell-mappings) from " +
                 source.description(),
             service);
    return serveUntilStopped(context, service);
}

// ---- serve locator ------------------------------------------------------------------------------------

constexpr const char* kLocatorListen = "127.0.0.1:3000";

net::DefaultCells defaultCellsOption(Context& context)
{
    net::DefaultCells defaults;
    for (const QString& value : context.args().values(QStringLiteral("default-cell"))) {
        const qsizetype equals = value.indexOf(QLatin1Char('='));
        if (equals <= 0 || equals == value.size() - 1)
            fail(ErrorCode::BadInput,
                 "--default-cell expects LOCALITY=CELL, got '" + value.toStdString() + "'");
        defaults[value.first(equals).toStdString()] = value.sliced(equals + 1).toStdString();
    }
    return defaults;
}

int runServeLocator(Context& context)
{
    const net::ListenAddress listen = listenOption(context, kLocatorListen);
    const net::DefaultCells defaults = defaultCellsOption(context);
    sources::WorldSource& source = context.source();
    std::unique_ptr<net::ControlApiSource> control;
    net::SnapshotProvider provider;
    if (source.isControlApi()) {
        // Like Synapse: serve at once, answer 503 until the first pull (or the backup) is in.
        std::string settings = context.option(QStringLiteral("config"));
        if (settings.empty())
            settings = db::defaultSettingsPath();
        control = std::make_unique<net::ControlApiSource>(
            net::controlApiOptions(context.option(QStringLiteral("control-url")), settings));
        QObject::connect(control.get(), &net::ControlApiSource::statusChanged, control.get(),
                         [](const QString& text) { std::cerr << "cellctl: " << text.toStdString() << '\n'; });
        provider = [&control] {
            return control->snapshot();
        };
    } else {
        provider = [snapshot = context.snapshot()] {
            return snapshot;
        };
    }
    net::HttpService service(net::locatorHandler(provider, defaults), stderrLog());
    service.start(listen);
    announce(context, "the locator API from " + source.description(), service);
    if (control)
        control->start();
    return serveUntilStopped(context, service);
}

// ---- cells ---------------------------------------------------------------------------------------------

std::string formatLatency(double ms)
{
    char text[32];
    std::snprintf(text, sizeof text, "%.1f ms", ms);
    return text;
}

int runCells(Context& context)
{
    const SnapshotPtr snapshot = context.snapshot();
    const Snapshot& s = *snapshot;
    const bool probe = context.args().isSet(QStringLiteral("probe"));
    net::ProbeOptions options;
    if (const std::string path = context.option(QStringLiteral("health-path")); !path.empty())
        options.healthPath = path;
    options.timeout = std::chrono::milliseconds(context.sizeOption(QStringLiteral("timeout"), 3000));
    std::vector<net::CellProbe> probes;
    if (probe)
        probes = net::probeCells(s, options);
    bool allHealthy = true;
    for (const net::CellProbe& p : probes)
        allHealthy = allHealthy && (p.url.empty() || p.healthy());

    if (context.json()) {
        JsonWriter w(context.out(), true);
        w.beginObject();
        if (probe) {
            w.key("health_path").value(options.healthPath);
            w.key("timeout_ms").value(static_cast<std::int64_t>(options.timeout.count()));
        }
        w.key("cells").beginArray();
        for (CellIndex c = 0; c < s.cells().size(); ++c) {
            const Cell& cell = s.cells()[c];
            w.beginObject();
            w.key("name").value(cell.name);
            w.key("locality").value(cell.locality);
            w.key("category").value(categoryName(cell.category));
            w.key("address").value(cell.address);
            w.key("monolith").value(cell.monolith);
            if (probe) {
                const net::CellProbe& p = probes[c];
                w.key("probe").beginObject();
                if (p.url.empty())
                    w.key("url").null();
                else
                    w.key("url").value(p.url);
                w.key("reachable").value(p.reachable);
                w.key("healthy").value(p.healthy());
                if (p.reachable)
                    w.key("http_status")
                        .value(p.httpStatus)
                        .key("latency_us")
                        .value(static_cast<std::int64_t>(p.latencyMs * 1000));
                else
                    w.key("http_status").null().key("latency_us").null();
                if (p.error.empty())
                    w.key("error").null();
                else
                    w.key("error").value(p.error);
                w.endObject();
            }
            w.endObject();
        }
        w.endArray();
        w.endObject();
        context.out() << '\n';
        return allHealthy ? 0 : static_cast<int>(ErrorCode::CheckFailed);
    }
    if (!probe) {
        TextTable table({"CELL", "LOCALITY", "CATEGORY", "MONOLITH", "ADDRESS"});
        for (const Cell& cell : s.cells())
            table.addRow({cell.name, cell.locality.empty() ? "(undeclared)" : cell.locality,
                          std::string(categoryName(cell.category)), cell.monolith ? "yes" : "",
                          cell.address});
        table.print(context.out());
        return 0;
    }
    TextTable table({"CELL", "LOCALITY", "URL", "REACHABLE", "STATUS", "LATENCY"},
                    {false, false, false, false, true, true});
    for (const net::CellProbe& p : probes)
        table.addRow({p.cell, p.locality, p.url.empty() ? "-" : p.url, p.reachable ? "yes" : "no",
                      p.reachable ? std::to_string(p.httpStatus) : p.error,
                      p.reachable ? formatLatency(p.latencyMs) : ""});
    table.print(context.out());
    if (!allHealthy)
        context.out() << "(some cells did not answer " << options.healthPath << " with 2xx)\n";
    return allHealthy ? 0 : static_cast<int>(ErrorCode::CheckFailed);
}

int runCellsValidate(Context& context)
{
    const QStringList positional = context.positional();
    if (positional.size() != 1)
        fail(ErrorCode::BadInput, "expects exactly one argument: the cell settings file (JSON or YAML)");
    const std::string path = positional.first().toStdString();
    const CellSettingsReport report = validateCellSettingsFile(path);
    if (context.json())
        context.out() << cellSettingsReportToJson(report).toStdString() << '\n';
    else
        context.out() << cellSettingsReportToText(report, path);
    return report.exitStatus();
}

} // namespace

void addNetworkVerbs(std::vector<Verb>& verbs)
{
    verbs.push_back({"serve control-api", "",
                     "Serve Sentry's Synapse endpoints (org/projectkey-cell-mappings) from this world",
                     [](QCommandLineParser& p) { addListenOption(p, kControlApiListen); },
                     runServeControlApi});
    verbs.push_back({"serve locator", "",
                     "Serve Synapse's locator API (GET /?id=&locality=, /health, /ready) from this world",
                     [](QCommandLineParser& p) {
                         addListenOption(p, kLocatorListen);
                         p.addOption({QStringLiteral("default-cell"),
                                      QStringLiteral("A locality's fallback cell (locality_to_default_cell); "
                                                     "repeatable."),
                                      QStringLiteral("LOCALITY=CELL")});
                     },
                     runServeLocator});
    verbs.push_back(
        {"cells", "", "Cells and their addresses; --probe GETs each health path (exit 1 if one is not 2xx)",
         [](QCommandLineParser& p) {
             p.addOption({QStringLiteral("probe"), QStringLiteral("Probe every cell's address.")});
             p.addOption({QStringLiteral("health-path"),
                          QStringLiteral("Path to GET on each cell (default /_health/)."),
                          QStringLiteral("PATH")});
             p.addOption({QStringLiteral("timeout"),
                          QStringLiteral("Per-cell timeout in milliseconds (default 3000)."),
                          QStringLiteral("MS")});
         },
         runCells});
    verbs.push_back(
        {"cells validate",
         "FILE",
         "Check SENTRY_CELLS / SENTRY_LOCALITIES (JSON or YAML) with Sentry's rules; exit 1 on errors",
         {},
         runCellsValidate,
         false});
}

} // namespace cellscope::cli
