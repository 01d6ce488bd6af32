#include "core/cli/command.h"

#include "core/db/errors.h"
#include "core/util/error.h"
#include "core/util/version.h"

#include <QCoreApplication>

#include <pqxx/except>

#include <algorithm>
#include <iostream>

namespace cellscope::cli {

namespace {

std::vector<Verb> allVerbs()
{
    std::vector<Verb> verbs;
    addBrowseVerbs(verbs);
    addRoutingVerbs(verbs);
    addSynapseVerbs(verbs);
    addAdminVerbs(verbs);
    addBacklogVerbs(verbs);
    addRelocateVerbs(verbs);
    addNetworkVerbs(verbs);
    return verbs;
}

void printUsage(std::ostream& out, const std::vector<Verb>& verbs)
{
    out << "Usage: cellctl [--db CONNINFO | --snapshot FILE | --control-url URL] [--config FILE] VERB [ARGS] "
           "[--json]\n\n"
           "Inspect and operate a Sentry-style cell architecture (localities, cells, org mappings).\n"
           "With no database configured, cellctl starts Cellscope's private PostgreSQL cluster.\n\nVerbs:\n";
    std::size_t width = 0;
    for (const Verb& verb : verbs)
        width = std::max(width, verb.name.size() + verb.args.size() + 1);
    for (const Verb& verb : verbs) {
        const std::string head = verb.name + (verb.args.empty() ? "" : " " + verb.args);
        out << "  " << head << std::string(width - head.size() + 2, ' ') << verb.summary << '\n';
    }
    out << "\nRun `cellctl VERB --help` for a verb's options. Exit status: 0 ok, 1 check failed, 2 bad "
           "input,\n"
           "3 database or server unreachable, 4 conflicting state, 5 permission denied.\n";
}

std::string oneLine(std::string text)
{
    std::replace(text.begin(), text.end(), '\n', ' ');
    while (!text.empty() && text.back() == ' ')
        text.pop_back();
    return text;
}

} // namespace

int run(int argc, char** argv)
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("cellctl"));
    QCoreApplication::setApplicationVersion(QStringLiteral(CELLSCOPE_VERSION));
    const std::vector<Verb> verbs = allVerbs();
    QStringList arguments = QCoreApplication::arguments();

    // Global options may come before the verb; find the verb as the longest matching word sequence.
    const Verb* verb = nullptr;
    qsizetype verbAt = -1;
    qsizetype verbWords = 0;
    for (qsizetype i = 1; i < arguments.size() && !verb; ++i) {
        const QString& word = arguments[i];
        if (word.startsWith(QLatin1Char('-'))) {
            if (word == QStringLiteral("--version") || word == QStringLiteral("-V")) {
                std::cout << "cellctl " << CELLSCOPE_VERSION << '\n';
                return 0;
            }
            if (word == QStringLiteral("--help") || word == QStringLiteral("-h")) {
                printUsage(std::cout, verbs);
                return 0;
            }
            // Skip the value of a global option given as "--opt value".
            if ((word == QStringLiteral("--db") || word == QStringLiteral("--snapshot") ||
                 word == QStringLiteral("--config") || word == QStringLiteral("--control-url")) &&
                i + 1 < arguments.size())
                ++i;
            continue;
        }
        for (const Verb& candidate : verbs) {
            const QStringList words = QString::fromStdString(candidate.name).split(QLatin1Char(' '));
            if (arguments.mid(i, words.size()) == words && words.size() > verbWords) {
                verb = &candidate;
                verbAt = i;
                verbWords = words.size();
            }
        }
        if (!verb) {
            std::cerr << "cellctl: unknown verb '" << word.toStdString() << "' (see cellctl --help)\n";
            return static_cast<int>(ErrorCode::BadInput);
        }
    }
    if (!verb) {
        printUsage(std::cerr, verbs);
        return static_cast<int>(ErrorCode::BadInput);
    }
    arguments.erase(arguments.begin() + verbAt, arguments.begin() + verbAt + verbWords);

    QCommandLineParser parser;
    parser.setApplicationDescription(QString::fromStdString(verb->summary));
    parser.setSingleDashWordOptionMode(QCommandLineParser::ParseAsLongOptions);
    const QCommandLineOption help({QStringLiteral("h"), QStringLiteral("help")},
                                  QStringLiteral("Show this help."));
    parser.addOption(help);
    parser.addOption({QStringLiteral("json"), QStringLiteral("Print JSON instead of text.")});
    if (verb->needsSource) {
        parser.addOption({QStringLiteral("db"), QStringLiteral("Control database (libpq connection string)."),
                          QStringLiteral("CONNINFO")});
        parser.addOption({QStringLiteral("snapshot"), QStringLiteral("Read the world from a snapshot file."),
                          QStringLiteral("FILE")});
        parser.addOption({QStringLiteral("config"),
                          QStringLiteral("Settings file ([databases] control/cells)."),
                          QStringLiteral("FILE")});
        parser.addOption({QStringLiteral("control-url"),
                          QStringLiteral("Pull the mappings from control's API, like Synapse (signed with "
                                         "$SYNAPSE_HMAC_SECRET)."),
                          QStringLiteral("URL")});
    }
    if (verb->options)
        verb->options(parser);
    if (!parser.parse(arguments)) {
        std::cerr << "cellctl " << verb->name << ": " << parser.errorText().toStdString() << '\n';
        return static_cast<int>(ErrorCode::BadInput);
    }
    if (parser.isSet(help)) {
        std::cout << "Usage: cellctl " << verb->name << (verb->args.empty() ? "" : " " + verb->args)
                  << " [options]\n"
                  << verb->summary << "\n\n"
                  << parser.helpText().section(QLatin1Char('\n'), 2).toStdString();
        return 0;
    }

    Context context(parser, std::cout, std::cerr);
    try {
        return verb->run(context);
    } catch (const Error& e) {
        std::cerr << "cellctl " << verb->name << ": " << oneLine(e.what()) << '\n';
        return e.exitStatus();
    } catch (const pqxx::failure&) {
        // A database error no step translated: the one translation of core/db/errors.h.
        try {
            db::rethrowAsError("running cellctl " + verb->name);
        } catch (const Error& e) {
            std::cerr << "cellctl " << verb->name << ": " << oneLine(e.what()) << '\n';
            return e.exitStatus();
        }
    } catch (const std::exception& e) {
        std::cerr << "cellctl " << verb->name << ": internal error: " << oneLine(e.what()) << '\n';
        return static_cast<int>(ErrorCode::Internal);
    }
}

Context::Context(QCommandLineParser& parser, std::ostream& out, std::ostream& err)
    : m_parser(parser), m_out(out), m_err(err)
{}

bool Context::json() const
{
    return m_parser.isSet(QStringLiteral("json"));
}

std::size_t Context::sizeOption(const QString& name, std::size_t fallback) const
{
    if (!m_parser.isSet(name))
        return fallback;
    bool ok = false;
    const qulonglong value = m_parser.value(name).toULongLong(&ok);
    if (!ok)
        fail(ErrorCode::BadInput,
             "--" + name.toStdString() + " expects a non-negative whole number, got '" + option(name) + "'");
    return static_cast<std::size_t>(value);
}

sources::WorldSource& Context::source()
{
    if (!m_source) {
        sources::SourceOptions options;
        options.snapshotFile = option(QStringLiteral("snapshot"));
        options.db = option(QStringLiteral("db"));
        options.settingsFile = option(QStringLiteral("config"));
        options.controlUrl = option(QStringLiteral("control-url"));
        if (!options.snapshotFile.empty() + !options.db.empty() + !options.controlUrl.empty() > 1)
            fail(ErrorCode::BadInput, "give only one of --db, --snapshot and --control-url");
        m_source = sources::WorldSource::open(options, [this](std::string_view message) {
            if (!json() || message.starts_with("warning: "))
                m_err << "cellctl: " << message << '\n';
        });
    }
    return *m_source;
}

SnapshotPtr Context::snapshot()
{
    if (!m_snapshot)
        m_snapshot = source().loadSnapshot();
    return m_snapshot;
}

TextTable::TextTable(std::vector<std::string> headers, std::vector<bool> rightAligned)
    : m_headers(std::move(headers)), m_right(std::move(rightAligned))
{
    m_right.resize(m_headers.size(), false);
}

void TextTable::addRow(std::vector<std::string> cells)
{
    cells.resize(m_headers.size());
    m_rows.push_back(std::move(cells));
}

// Columns line up on a terminal: count characters, not the bytes of their UTF-8 ("→", "…").
static std::size_t displayWidth(const std::string& text)
{
    return static_cast<std::size_t>(std::count_if(
        text.begin(), text.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

void TextTable::print(std::ostream& out, const std::string& indent) const
{
    std::vector<std::size_t> widths(m_headers.size());
    for (std::size_t c = 0; c < m_headers.size(); ++c) {
        widths[c] = displayWidth(m_headers[c]);
        for (const auto& row : m_rows)
            widths[c] = std::max(widths[c], displayWidth(row[c]));
    }
    auto line = [&](const std::vector<std::string>& cells) {
        std::string text = indent;
        for (std::size_t c = 0; c < cells.size(); ++c) {
            const std::string pad(widths[c] - displayWidth(cells[c]), ' ');
            text += m_right[c] ? pad + cells[c] : cells[c] + (c + 1 < cells.size() ? pad : "");
            if (c + 1 < cells.size())
                text += "  ";
        }
        while (!text.empty() && text.back() == ' ')
            text.pop_back();
        out << text << '\n';
    };
    line(m_headers);
    for (const auto& row : m_rows)
        line(row);
}

} // namespace cellscope::cli
