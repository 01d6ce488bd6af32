#pragma once

#include <pqxx/connection>

#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>

namespace cellscope::db {

// Where the control database and each cell database live, as libpq connection strings (URIs or
// keyword=value; PG* variables, service files and .pgpass apply as libpq defines). No passwords are
// stored by Cellscope itself.
// How relocations find org-scoped tables beyond foreign keys: the [relocation] section of the
// settings file, `org_columns = table:column, …` (links without a foreign key) and
// `exclude = table, …` (tables never moved). Names are bare for schema public, else schema.table.
struct OrgTableHints
{
    std::map<std::string, std::string, std::less<>> orgColumns; // table → column holding the org id
    std::set<std::string, std::less<>> excluded;
};

struct DatabaseConfig
{
    std::string control;
    std::map<std::string, std::string, std::less<>> cells;
    OrgTableHints orgTables;

    // A cell without an explicit entry lives on the control server as database cellscope_cell_<name>.
    std::string cellConninfo(std::string_view cell) const;
};

// Reads the [databases] section of an INI settings file: `control = …` and one `<cell> = …` per cell.
DatabaseConfig readSettingsFile(const std::string& path);

// The settings file used when none is named: $CELLSCOPE_CONFIG or <config dir>/cellscope/cellscope.ini.
std::string defaultSettingsPath();

std::string cellDatabaseName(std::string_view cell);

// The same connection string with another database name (keyword=value form, via libpq's parser).
std::string withDatabase(const std::string& conninfo, const std::string& dbname);

// A value for a keyword=value connection string, quoted as libpq reads it ('it\'s here'): paths
// with spaces or quotes survive.
std::string quoteValue(const char* value);

// Connection string without secrets, for display ("host=/x port=5432 dbname=control").
std::string describeConninfo(const std::string& conninfo);

// The password a connection string carries (password=…, or user:password@ in a URI), or "" when it
// carries none and libpq looks in .pgpass, $PGPASSFILE or $PGPASSWORD instead.
std::string passwordOf(const std::string& conninfo);

// The same connection string without its password, for what is kept or handed on where others can
// read it (settings, another process's command line, messages). Returned unchanged when it carries
// none, else in keyword=value form. A malformed string is Error(BadInput), with no part of it quoted.
std::string withoutPassword(const std::string& conninfo);

// The same connection string taking its password from `passfile` (libpq's passfile keyword) instead
// of carrying it; the file is written by writePassfile().
std::string withPassfile(const std::string& conninfo, const std::string& passfile);

// Creates `path` anew with mode 0600, holding one .pgpass line that gives `password` to every host,
// port, database and user: the reach the password had in its connection string. Error(BadInput) for
// a password .pgpass cannot hold (a line break), Error(Internal) when the file cannot be written.
void writePassfile(const std::string& path, const std::string& password);

// The same connection string, asking the server to send no notices or warnings (errors only).
std::string quietConninfo(const std::string& conninfo);

// Opens a connection (quiet, as above); failure is Error(Unreachable) with one line naming what could not be
// reached.
std::unique_ptr<pqxx::connection> connect(const std::string& conninfo);

// Creates the database named by conninfo if it does not exist (connecting to the server's
// "postgres" maintenance database to do so).
void ensureDatabase(const std::string& conninfo);

} // namespace cellscope::db
