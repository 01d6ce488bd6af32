#include "core/cli/command.h"

#include "core/routing/synapse_generate.h"
#include "core/routing/synapse_lint.h"
#include "core/util/error.h"

#include <QFile>
#include <QSaveFile>

#include <cstdlib>

namespace cellscope::cli {

namespace {

// Lint compares the file with a world only when one is named, so that it runs offline (in CI, on
// a laptop) without starting the embedded database.
bool sourceGiven(Context& context)
{
    for (const char* name : {"db", "snapshot", "config", "control-url"})
        if (context.args().isSet(QString::fromLatin1(name)))
            return true;
    const char* env = std::getenv("CELLSCOPE_DB");
    return env && *env;
}

int runSynapseLint(Context& context)
{
    const QStringList positional = context.positional();
    if (positional.size() != 1)
        fail(ErrorCode::BadInput, "expects exactly one argument: the Synapse configuration file");
    const std::string path = positional.first().toStdString();
    const SnapshotPtr world = sourceGiven(context) ? context.snapshot() : nullptr;
    const routing::SynapseLintReport report = routing::lintSynapseConfigFile(path, world.get());
    if (context.json())
        context.out() << routing::synapseLintToJson(report).toStdString() << '\n';
    else
        context.out() << routing::synapseLintToText(report, path);
    return report.exitStatus();
}

int runSynapseGenerate(Context& context)
{
    if (!context.positional().isEmpty())
        fail(ErrorCode::BadInput, "takes no arguments: the world comes from the source options");
    const std::string yaml = routing::generateSynapseConfig(*context.snapshot());
    const QString out = context.args().value(QStringLiteral("out"));
    if (out.isEmpty() || out == QStringLiteral("-")) {
        context.out() << yaml;
        return 0;
    }
    QSaveFile file(out);
    if (!file.open(QIODevice::WriteOnly) || file.write(yaml.data(), static_cast<qint64>(yaml.size())) < 0 ||
        !file.commit())
        fail(ErrorCode::BadInput,
             "cannot write " + out.toStdString() + ": " + file.errorString().toStdString());
    context.err() << "cellctl: wrote a Synapse configuration to " << out.toStdString() << '\n';
    return 0;
}

} // namespace

void addSynapseVerbs(std::vector<Verb>& verbs)
{
    verbs.push_back(
        {"synapse lint",
         "FILE",
         "Check a Synapse configuration: errors Synapse refuses at start, warnings where it routes "
         "wrongly (against the world when a source is given); exit 1 on errors",
         {},
         runSynapseLint});
    verbs.push_back({"synapse generate", "",
                     "Write a Synapse configuration (locator, proxy, ingest-router) that routes the world",
                     [](QCommandLineParser& p) {
                         p.addOption({QStringLiteral("out"),
                                      QStringLiteral("Write to FILE (default: stdout)."),
                                      QStringLiteral("FILE")});
                     },
                     runSynapseGenerate});
}

} // namespace cellscope::cli
