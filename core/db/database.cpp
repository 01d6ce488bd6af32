#include "core/db/database.h"

#include "core/util/error.h"
#include "core/util/text.h"

#include <QSettings>
#include <QStandardPaths>

#include <libpq-fe.h>
#include <pqxx/except>
#include <pqxx/nontransaction>
#include <pqxx/pqxx>

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <memory>

namespace cellscope::db {

namespace {

struct ConninfoOptions
{
    PQconninfoOption* options = nullptr;
    ~ConninfoOptions() { PQconninfoFree(options); }
};

// libpq's parse errors quote the offending part of the string (`missing "=" after "ret"`, or the
// whole URI), which may be a piece of a password. Keep the sentence, hide what it quotes from the
// first quoted text longer than one character (`"="`, `"]"` stay) to the last quote.
std::string withoutQuotedText(const std::string& message)
{
    for (std::size_t open = message.find('"'); open != std::string::npos;) {
        const std::size_t close = message.find('"', open + 1);
        if (close == std::string::npos)
            break;
        if (close - open > 2)
            return message.substr(0, open + 1) + "..." + message.substr(message.rfind('"'));
        open = message.find('"', close + 1);
    }
    return message;
}

// Parses with libpq itself so every form it accepts (URI, keyword=value) is handled identically.
ConninfoOptions parseConninfo(const std::string& conninfo)
{
    char* error = nullptr;
    ConninfoOptions parsed{PQconninfoParse(conninfo.c_str(), &error)};
    if (!parsed.options) {
        std::string message = error ? error : "out of memory";
        PQfreemem(error);
        while (!message.empty() && message.back() == '\n')
            message.pop_back();
        fail(ErrorCode::BadInput, "malformed connection string: " + withoutQuotedText(message));
    }
    return parsed;
}

// keyword=value form of what was set, leaving out the keywords named.
std::string rebuiltWithout(const ConninfoOptions& parsed, std::initializer_list<std::string_view> left)
{
    std::string out;
    for (PQconninfoOption* o = parsed.options; o->keyword; ++o) {
        if (!o->val || std::find(left.begin(), left.end(), std::string_view(o->keyword)) != left.end())
            continue;
        if (!out.empty())
            out += ' ';
        out += std::string(o->keyword) + "=" + quoteValue(o->val);
    }
    return out;
}

std::string passwordOf(const ConninfoOptions& parsed)
{
    for (PQconninfoOption* o = parsed.options; o->keyword; ++o)
        if (std::string_view(o->keyword) == "password" && o->val)
            return o->val;
    return {};
}

} // namespace

std::string quoteValue(const char* value)
{
    std::string quoted = "'";
    for (const char* p = value; *p; ++p) {
        if (*p == '\'' || *p == '\\')
            quoted += '\\';
        quoted += *p;
    }
    return quoted + "'";
}

std::string cellDatabaseName(std::string_view cell)
{
    return "cellscope_cell_" + std::string(cell);
}

std::string DatabaseConfig::cellConninfo(std::string_view cell) const
{
    if (auto it = cells.find(cell); it != cells.end())
        return it->second;
    return withDatabase(control, cellDatabaseName(cell));
}

DatabaseConfig readSettingsFile(const std::string& path)
{
    QSettings settings(QString::fromStdString(path), QSettings::IniFormat);
    if (settings.status() != QSettings::NoError)
        fail(ErrorCode::BadInput, "cannot read settings file " + path);
    DatabaseConfig config;
    settings.beginGroup(QStringLiteral("databases"));
    for (const QString& key : settings.childKeys()) {
        const std::string value = settings.value(key).toString().toStdString();
        if (key == QStringLiteral("control"))
            config.control = value;
        else
            config.cells.emplace(key.toStdString(), value);
    }
    settings.endGroup();
    settings.beginGroup(QStringLiteral("relocation"));
    // QSettings splits an unquoted value at commas into a list.
    auto items = [&](const char* key) {
        QStringList values = settings.value(QLatin1String(key)).toStringList();
        if (values.size() == 1)
            values = values.first().split(QLatin1Char(','));
        QStringList out;
        for (const QString& value : values)
            if (!value.trimmed().isEmpty())
                out.push_back(value.trimmed());
        return out;
    };
    for (const QString& link : items("org_columns")) {
        const auto parts = link.split(QLatin1Char(':'));
        if (parts.size() != 2 || parts[0].trimmed().isEmpty() || parts[1].trimmed().isEmpty())
            fail(ErrorCode::BadInput, "settings file " + path +
                                          ": [relocation] org_columns takes table:column, not " +
                                          link.toStdString());
        config.orgTables.orgColumns.emplace(parts[0].trimmed().toStdString(),
                                            parts[1].trimmed().toStdString());
    }
    for (const QString& table : items("exclude"))
        config.orgTables.excluded.insert(table.toStdString());
    return config;
}

std::string defaultSettingsPath()
{
    if (const char* explicitPath = std::getenv("CELLSCOPE_CONFIG"); explicitPath && *explicitPath)
        return explicitPath;
    return (QStandardPaths::writableLocation(QStandardPaths::GenericConfigLocation) +
            QStringLiteral("/cellscope/cellscope.ini"))
        .toStdString();
}

std::string withDatabase(const std::string& conninfo, const std::string& dbname)
{
    const ConninfoOptions parsed = parseConninfo(conninfo);
    std::string out;
    for (PQconninfoOption* o = parsed.options; o->keyword; ++o) {
        if (!o->val || std::string_view(o->keyword) == "dbname")
            continue;
        out += std::string(o->keyword) + "=" + quoteValue(o->val) + " ";
    }
    return out + "dbname=" + quoteValue(dbname.c_str());
}

std::string describeConninfo(const std::string& conninfo)
{
    const ConninfoOptions parsed = parseConninfo(conninfo);
    std::string out;
    // Where, then what, then who; never the password.
    for (const std::string_view wanted : {"host", "hostaddr", "port", "dbname", "user", "service"}) {
        for (PQconninfoOption* o = parsed.options; o->keyword; ++o) {
            if (wanted != o->keyword || !o->val || !*o->val)
                continue;
            if (!out.empty())
                out += ' ';
            out += std::string(wanted) + "=" + o->val;
        }
    }
    return out.empty() ? "(libpq defaults)" : out;
}

std::string passwordOf(const std::string& conninfo)
{
    return passwordOf(parseConninfo(conninfo));
}

std::string withoutPassword(const std::string& conninfo)
{
    const ConninfoOptions parsed = parseConninfo(conninfo);
    if (passwordOf(parsed).empty())
        return conninfo;
    return rebuiltWithout(parsed, {"password"});
}

std::string withPassfile(const std::string& conninfo, const std::string& passfile)
{
    const std::string rest = rebuiltWithout(parseConninfo(conninfo), {"password", "passfile"});
    return (rest.empty() ? "" : rest + " ") + "passfile=" + quoteValue(passfile.c_str());
}

void writePassfile(const std::string& path, const std::string& password)
{
    if (password.find_first_of("\r\n") != std::string::npos)
        fail(ErrorCode::BadInput,
             "a password with a line break cannot be handed on in a password file; use PGPASSWORD instead");
    // hostname:port:database:username:password; a ':' or a backslash in a field is escaped by a backslash.
    std::string line = "*:*:*:*:";
    for (const char c : password) {
        if (c == ':' || c == '\\')
            line += '\\';
        line += c;
    }
    line += '\n';
    // Created here with 0600 (O_EXCL: never someone else's file, never through a symlink), so it is
    // not readable by others even for a moment; libpq ignores a password file others may read.
    ::unlink(path.c_str());
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    bool written = fd >= 0;
    for (std::size_t done = 0; written && done < line.size();) {
        const ssize_t n = ::write(fd, line.data() + done, line.size() - done);
        written = n > 0 || (n < 0 && errno == EINTR);
        done += n > 0 ? static_cast<std::size_t>(n) : 0;
    }
    const int error = errno;
    if (fd >= 0)
        ::close(fd);
    if (!written) {
        ::unlink(path.c_str());
        fail(ErrorCode::Internal, "cannot write the password file " + path + ": " + std::strerror(error));
    }
}

std::string quietConninfo(const std::string& conninfo)
{
    const ConninfoOptions parsed = parseConninfo(conninfo);
    std::string out;
    std::string options;
    for (PQconninfoOption* o = parsed.options; o->keyword; ++o) {
        if (!o->val)
            continue;
        if (std::string_view(o->keyword) == "options")
            options = o->val;
        else
            out += std::string(o->keyword) + "=" + quoteValue(o->val) + " ";
    }
    // The server's own NOTICEs and WARNINGs ("truncate cascades to table …") would otherwise reach
    // the terminal between Cellscope's sentences; errors still arrive, as exceptions. Later -c
    // settings win, so a client_min_messages the user gives still applies.
    return out + "options=" + quoteValue(("-c client_min_messages=error " + options).c_str());
}

std::unique_ptr<pqxx::connection> connect(const std::string& conninfo)
{
    const std::string quiet = quietConninfo(conninfo); // malformed: bad input, not an unreachable server
    try {
        return std::make_unique<pqxx::connection>(quiet);
    } catch (const pqxx::broken_connection& e) {
        fail(ErrorCode::Unreachable,
             "cannot connect to PostgreSQL (" + describeConninfo(conninfo) + "): " + firstLine(e.what()));
    } catch (const pqxx::sql_error& e) {
        fail(ErrorCode::Unreachable, "PostgreSQL refused the connection (" + describeConninfo(conninfo) +
                                         "): " + firstLine(e.what()));
    }
}

void ensureDatabase(const std::string& conninfo)
{
    const ConninfoOptions parsed = parseConninfo(conninfo);
    std::string dbname;
    for (PQconninfoOption* o = parsed.options; o->keyword; ++o)
        if (std::string_view(o->keyword) == "dbname" && o->val)
            dbname = o->val;
    if (dbname.empty())
        fail(ErrorCode::BadInput, "connection string names no database: " + describeConninfo(conninfo));
    auto admin = connect(withDatabase(conninfo, "postgres"));
    pqxx::nontransaction tx(*admin);
    if (!tx.exec_params("SELECT 1 FROM pg_database WHERE datname = $1", dbname).empty())
        return;
    try {
        tx.exec0("CREATE DATABASE " + tx.quote_name(dbname));
    } catch (const pqxx::sql_error& e) {
        // Another process created it between the look and the CREATE: it exists, as wanted.
        if (e.sqlstate() != "42P04" && e.sqlstate() != "23505")
            throw;
    }
}

} // namespace cellscope::db
