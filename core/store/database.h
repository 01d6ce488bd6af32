#pragma once

#include <pqxx/connection>

#include <map>
#include <memory>
#include <string>
#include <string_view>

namespace cellscope::store {

// Where the control database and each cell database live, as libpq connection strings (URIs or
// keyword=value; PG* variables, service files and .pgpass apply as libpq defines). No passwords are
// stored by Cellscope itself.
struct DatabaseConfig
{
    std::string control;
    std::map<std::string, std::string, std::less<>> cells;

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

// Connection string without secrets, for display ("host=/x port=5432 dbname=control").
std::string describeConninfo(const std::string& conninfo);

// Opens a connection; failure is Error(Unreachable) with one line naming what could not be reached.
std::unique_ptr<pqxx::connection> connect(const std::string& conninfo);

// Creates the database named by conninfo if it does not exist (connecting to the server's
// "postgres" maintenance database to do so).
void ensureDatabase(const std::string& conninfo);

} // namespace cellscope::store
