#include "core/cli/command.h"

#include "core/net/locator_client.h"
#include "core/routing/catalog.h"
#include "core/routing/check.h"
#include "core/routing/dsn.h"
#include "core/routing/replay.h"
#include "core/routing/replay_input.h"
#include "core/routing/synapse_config.h"
#include "core/routing/synapse_lint.h"
#include "core/routing/trace.h"
#include "core/util/error.h"

#include <QFile>

#include <iostream>

namespace cellscope::cli {

namespace {

void addCatalogOption(QCommandLineParser& p)
{
    p.addOption(
        {QStringLiteral("catalog"),
         QStringLiteral("Endpoint catalog JSON (default: the bundled one, or one written by backlog scan)."),
         QStringLiteral("FILE")});
}

routing::Catalog catalogFor(Context& context)
{
    const QString path = context.args().value(QStringLiteral("catalog"));
    return path.isEmpty() ? routing::Catalog::bundled() : routing::Catalog::fromFile(path);
}

void addSynapseConfigOption(QCommandLineParser& p)
{
    p.addOption({QStringLiteral("synapse-config"),
                 QStringLiteral("Also route through this Synapse configuration (YAML), as Synapse would."),
                 QStringLiteral("FILE")});
}

std::optional<routing::SynapseConfig> synapseConfigFor(Context& context)
{
    if (!context.args().isSet(QStringLiteral("synapse-config")))
        return std::nullopt;
    return routing::loadSynapseConfigFile(context.option(QStringLiteral("synapse-config")));
}

// --body TEXT, or --body @FILE for a file's contents.
std::optional<std::string> bodyOption(Context& context)
{
    if (!context.args().isSet(QStringLiteral("body")))
        return std::nullopt;
    const std::string body = context.option(QStringLiteral("body"));
    if (!body.starts_with('@'))
        return body;
    QFile file(QString::fromStdString(body.substr(1)));
    if (!file.open(QIODevice::ReadOnly))
        fail(ErrorCode::BadInput, "cannot read the --body file " + body.substr(1));
    constexpr qint64 kMaxBody = 8 * 1024 * 1024;
    const QByteArray bytes = file.read(kMaxBody + 1);
    if (bytes.size() > kMaxBody)
        fail(ErrorCode::BadInput, "the --body file " + body.substr(1) + " is larger than 8 MiB");
    return bytes.toStdString();
}

int runTrace(Context& context)
{
    const QStringList positional = context.positional();
    if (positional.size() != 1)
        fail(ErrorCode::BadInput, "expects exactly one argument: the URL, path or DSN to trace");
    routing::Request request;
    request.input = positional.first().toStdString();
    request.method = context.option(QStringLiteral("method"));
    for (const QString& header : context.args().values(QStringLiteral("header"))) {
        const auto colon = header.indexOf(QLatin1Char(':'));
        if (colon <= 0)
            fail(ErrorCode::BadInput, "--header expects 'Name: value', got '" + header.toStdString() + "'");
        request.headers.emplace_back(header.left(colon).trimmed().toStdString(),
                                     header.mid(colon + 1).trimmed().toStdString());
    }
    if (context.args().isSet(QStringLiteral("integration")))
        request.integration = context.option(QStringLiteral("integration"));
    request.body = bodyOption(context);
    const std::optional<routing::SynapseConfig> synapse = synapseConfigFor(context);
    if (request.body && !synapse)
        fail(ErrorCode::BadInput,
             "--body is read by a Synapse configuration's ingest-router: add --synapse-config");
    const routing::Catalog catalog = catalogFor(context);
    routing::Trace trace = synapse
                               ? routing::traceThroughSynapse(*context.snapshot(), catalog, request, *synapse)
                               : routing::trace(*context.snapshot(), catalog, request);
    if (context.args().isSet(QStringLiteral("verify"))) {
        // Ask a running locator the same question and warn when it answers differently
        // (a stale Synapse cache, a relocation in flight).
        const auto [id, locality] = net::locatorQueryFor(catalog, *context.snapshot(), request.input);
        if (id.empty())
            fail(ErrorCode::BadInput, "--verify needs an input that names an organization or a public key");
        const QUrl locator(context.args().value(QStringLiteral("verify")));
        if (!locator.isValid() || locator.scheme().isEmpty())
            fail(ErrorCode::BadInput, "--verify expects the locator's URL, e.g. http://127.0.0.1:3000");
        if (auto warning = net::verifyWithLocator(*context.snapshot(), locator, id, locality))
            trace.warnings.push_back(std::move(*warning));
    }
    if (context.json())
        context.out() << routing::traceToJson(trace).toStdString() << '\n';
    else
        context.out() << routing::traceToText(trace);
    return 0;
}

int runDsn(Context& context)
{
    const QStringList positional = context.positional();
    if (positional.size() != 1)
        fail(ErrorCode::BadInput, "expects exactly one argument: the DSN");
    const std::string dsn = positional.first().toStdString();
    const std::string appHost = context.option(QStringLiteral("app-host"));
    if (context.json())
        context.out() << routing::dsnToJson(dsn, appHost).toStdString() << '\n';
    else
        context.out() << routing::dsnToText(dsn, appHost);
    return routing::parseDsn(dsn).dsn ? 0 : static_cast<int>(ErrorCode::BadInput);
}

int runCheck(Context& context)
{
    const QStringList positional = context.positional();
    if (positional.size() != 1)
        fail(ErrorCode::BadInput, "expects exactly one argument: the route check file");
    std::optional<double> failUnder;
    if (context.args().isSet(QStringLiteral("fail-under"))) {
        bool ok = false;
        failUnder = context.args().value(QStringLiteral("fail-under")).toDouble(&ok);
        if (!ok || *failUnder < 0 || *failUnder > 100)
            fail(ErrorCode::BadInput, "--fail-under expects a percentage between 0 and 100");
    }
    const routing::CheckFile file = routing::loadCheckFileFromPath(positional.first());
    const std::optional<routing::SynapseConfig> synapse = synapseConfigFor(context);
    if (synapse)
        routing::requireStartableSynapseConfig(*synapse);
    const routing::Catalog catalog = catalogFor(context);
    const routing::CheckReport report =
        routing::runChecks(*context.snapshot(), catalog, file, synapse ? &*synapse : nullptr);
    if (context.json())
        context.out() << routing::checkReportToJson(report).toStdString() << '\n';
    else
        context.out() << routing::checkReportToText(report,
                                                    context.args().isSet(QStringLiteral("only-failures")));
    return report.exitStatus(failUnder);
}

int runReplay(Context& context)
{
    const QStringList positional = context.positional();
    if (positional.size() != 1)
        fail(ErrorCode::BadInput, "expects exactly one argument: the log file, or - for standard input");
    routing::ReplayOptions options;
    const auto format = routing::parseLogFormat(context.option(QStringLiteral("format")));
    if (!format)
        fail(ErrorCode::BadInput, "--format expects url, combined or auto");
    options.format = *format;
    options.defaultHost = context.option(QStringLiteral("default-host"));
    options.topEndpoints = context.sizeOption(QStringLiteral("top"), 20);
    QFile input;
    const bool fromStdin = positional.first() == QStringLiteral("-");
    const bool opened = fromStdin ? input.open(stdin, QIODevice::ReadOnly)
                                  : (input.setFileName(positional.first()), input.open(QIODevice::ReadOnly));
    if (!opened)
        fail(ErrorCode::BadInput, "cannot read " + positional.first().toStdString());
    const std::optional<routing::SynapseConfig> synapse = synapseConfigFor(context);
    if (synapse)
        routing::requireStartableSynapseConfig(*synapse);
    options.synapse = synapse ? &*synapse : nullptr;
    const SnapshotPtr snapshot = context.snapshot();
    const routing::Catalog catalog = catalogFor(context);
    const std::size_t threads = context.sizeOption(QStringLiteral("threads"), 0);
    if (threads > routing::kMaxReplayThreads)
        fail(ErrorCode::BadInput, "--threads expects at most " + std::to_string(routing::kMaxReplayThreads));
    const routing::ReplayReport report = routing::replayInput(
        *snapshot, catalog, options, input, fromStdin ? "standard input" : positional.first().toStdString(),
        static_cast<unsigned>(threads));
    if (context.json())
        context.out() << routing::replayReportToJson(report).toStdString() << '\n';
    else
        context.out() << routing::replayReportToText(report);
    return 0;
}

} // namespace

void addRoutingVerbs(std::vector<Verb>& verbs)
{
    verbs.push_back(
        {"trace", "URL|DSN", "Trace how a URL, path or DSN is routed, hop by hop, with warnings",
         [](QCommandLineParser& p) {
             p.addOption({QStringLiteral("method"), QStringLiteral("HTTP method (default GET)."),
                          QStringLiteral("METHOD"), QStringLiteral("GET")});
             p.addOption({QStringLiteral("header"),
                          QStringLiteral("A request header 'Name: value' (repeatable)."),
                          QStringLiteral("HEADER")});
             p.addOption({QStringLiteral("integration"),
                          QStringLiteral("External id of the integration a webhook is for."),
                          QStringLiteral("ID")});
             p.addOption({QStringLiteral("verify"),
                          QStringLiteral("Also ask a running Synapse locator and warn if it disagrees."),
                          QStringLiteral("LOCATOR_URL")});
             addSynapseConfigOption(p);
             p.addOption({QStringLiteral("body"),
                          QStringLiteral("Request body (JSON), or @FILE, e.g. Relay's project-config "
                                         "request for the ingest-router."),
                          QStringLiteral("JSON|@FILE")});
             addCatalogOption(p);
         },
         runTrace});
    verbs.push_back(
        {"dsn", "DSN", "Parse a DSN exactly as Relay (sentry-types) does",
         [](QCommandLineParser& p) {
             p.addOption({QStringLiteral("app-host"),
                          QStringLiteral("App host the locality label is read against (default sentry.io)."),
                          QStringLiteral("HOST"), QStringLiteral("sentry.io")});
         },
         runDsn, false});
    verbs.push_back(
        {"check", "FILE", "Run a route check file (Envoy router_check_tool style); exit 1 on failure",
         [](QCommandLineParser& p) {
             p.addOption({QStringLiteral("fail-under"),
                          QStringLiteral("Fail when fewer than PCT% of catalog endpoints were exercised."),
                          QStringLiteral("PCT")});
             p.addOption({QStringLiteral("only-failures"), QStringLiteral("List only the failing tests.")});
             addSynapseConfigOption(p);
             addCatalogOption(p);
         },
         runCheck});
    verbs.push_back(
        {"replay", "FILE|-",
         "Replay an access log (plain, .gz or .zst): outcomes by status, cell and warning; top unroutable "
         "endpoints",
         [](QCommandLineParser& p) {
             p.addOption({QStringLiteral("format"), QStringLiteral("url, combined or auto (default)."),
                          QStringLiteral("FORMAT"), QStringLiteral("auto")});
             p.addOption({QStringLiteral("default-host"),
                          QStringLiteral("Host for log lines without one (default: the app host)."),
                          QStringLiteral("HOST")});
             p.addOption({QStringLiteral("top"), QStringLiteral("How many endpoints to rank (default 20)."),
                          QStringLiteral("N")});
             p.addOption(
                 {QStringLiteral("threads"),
                  QStringLiteral("Classify on N threads (default: every core); the report is the same."),
                  QStringLiteral("N")});
             addSynapseConfigOption(p);
             addCatalogOption(p);
         },
         runReplay});
}

} // namespace cellscope::cli
