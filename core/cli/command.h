#pragma once

#include "core/snapshot/snapshot.h"
#include "core/sources/world_source.h"

#include <QCommandLineParser>

#include <functional>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

namespace cellscope::cli {

// What a verb gets: its parsed arguments, the output streams, and the world opened lazily so that
// verbs needing no data (dsn) never start a database.
class Context
{
public:
    Context(QCommandLineParser& parser, std::ostream& out, std::ostream& err);

    QCommandLineParser& args() { return m_parser; }
    std::ostream& out() { return m_out; }
    std::ostream& err() { return m_err; }
    bool json() const;
    QStringList positional() const { return m_parser.positionalArguments(); }
    std::string option(const QString& name) const { return m_parser.value(name).toStdString(); }
    // A non-negative integer option; Error(BadInput) naming the option otherwise.
    std::size_t sizeOption(const QString& name, std::size_t fallback) const;

    sources::WorldSource& source();
    SnapshotPtr snapshot();

private:
    QCommandLineParser& m_parser;
    std::ostream& m_out;
    std::ostream& m_err;
    std::unique_ptr<sources::WorldSource> m_source;
    SnapshotPtr m_snapshot;
};

struct Verb
{
    std::string name;    // "world", "db migrate", …
    std::string args;    // usage after the name, e.g. "ID|SLUG"
    std::string summary; // one line for the verb list
    std::function<void(QCommandLineParser&)> options;
    std::function<int(Context&)> run;
    bool needsSource = true; // accepts --db/--snapshot/--control-url/--config
};

void addBrowseVerbs(std::vector<Verb>& verbs);
void addAdminVerbs(std::vector<Verb>& verbs);
void addRoutingVerbs(std::vector<Verb>& verbs);
void addSynapseVerbs(std::vector<Verb>& verbs);
void addBacklogVerbs(std::vector<Verb>& verbs);
void addRelocateVerbs(std::vector<Verb>& verbs);
void addNetworkVerbs(std::vector<Verb>& verbs);

// Entry point of the cellctl program.
int run(int argc, char** argv);

// Fixed-width text tables for human output.
class TextTable
{
public:
    explicit TextTable(std::vector<std::string> headers, std::vector<bool> rightAligned = {});
    void addRow(std::vector<std::string> cells);
    void print(std::ostream& out, const std::string& indent = {}) const;

private:
    std::vector<std::string> m_headers;
    std::vector<bool> m_right;
    std::vector<std::vector<std::string>> m_rows;
};

} // namespace cellscope::cli
