#pragma once

#include "core/backlog/action.h"
#include "core/util/error.h"

#include <QByteArray>
#include <QString>

#include <optional>
#include <vector>

namespace cellscope::backlog {

// One entry of URL_NAME_TO_ACTION. `line` is where the URL name is written in the imported file.
struct MapEntry
{
    QString urlName;
    Action action;
    int line = 0;
};

enum class MapFormat
{
    Python, // the test module that assigns URL_NAME_TO_ACTION = {...}
    Json,   // {"url-name": "ACTION", ...} or [{"url_name": ..., "action": ...}, ...]
    Csv,    // RFC 4180 with a header naming the columns url_name and action
};

// A refused import. The whole file is refused on the first problem, so a caller never stores a partial map.
// It is a cellscope::Error with code BadInput, whose what() is toString().
class ImportError : public cellscope::Error
{
public:
    // Stable reasons, for faces and tests; the message is the human sentence.
    enum class Reason
    {
        FileUnreadable,
        InvalidEncoding,
        UnknownFormat,
        DictNotFound,
        UnterminatedString,
        Syntax, // any other malformed input: bad escape, stray character, bad JSON/CSV structure
        ExpectedColon,
        ExpectedComma,
        NonStringKey,
        InvalidValue,
        UnexpectedEof,
        UnknownAction,
        DuplicateKey,
        EmptyUrlName,
        MissingField,
    };

    // line and column are 1-based (columns count code points); line 0 means the problem has no position.
    ImportError(Reason reason, const QString& file, int line, int column, const QString& message);

    Reason reason() const noexcept { return m_reason; }
    const QString& file() const noexcept { return m_file; }
    int line() const noexcept { return m_line; }
    int column() const noexcept { return m_column; }
    const QString& message() const noexcept { return m_message; }

    // "file:line:column: message", or "file: message" when there is no position.
    QString toString() const;

private:
    Reason m_reason;
    QString m_file;
    int m_line;
    int m_column;
    QString m_message;
};

// By extension (.py, .json, .csv, case-insensitive), else by sniffing the content; nullopt if neither tells.
std::optional<MapFormat> detectMapFormat(const QString& fileName, const QByteArray& content);

// Reads and parses a map file; throws ImportError. Entries come in file order.
std::vector<MapEntry> importMapFile(const QString& path);

// Parses UTF-8 content; fileName names the source in errors and picks the format when none is given.
std::vector<MapEntry> importMap(const QByteArray& content, const QString& fileName,
                                std::optional<MapFormat> format = std::nullopt);

} // namespace cellscope::backlog
