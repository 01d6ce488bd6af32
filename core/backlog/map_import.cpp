#include "core/backlog/map_import.h"

#include "core/backlog/python_lexer.h"

#include <QFile>
#include <QFileInfo>
#include <QHash>
#include <QStringDecoder>

using namespace Qt::StringLiterals;

namespace cellscope::backlog {

namespace {

using Reason = ImportError::Reason;

int hexValue(QChar c)
{
    const char16_t u = c.unicode();
    if (u >= u'0' && u <= u'9')
        return u - u'0';
    if (u >= u'a' && u <= u'f')
        return u - u'a' + 10;
    if (u >= u'A' && u <= u'F')
        return u - u'A' + 10;
    return -1;
}

QString positioned(const QString& file, int line, int column, const QString& message)
{
    if (line <= 0)
        return u"%1: %2"_s.arg(file, message);
    return u"%1:%2:%3: %4"_s.arg(file).arg(line).arg(column).arg(message);
}

// Shared by all formats: the error names the label and, for a mere case slip, the intended one.
Action lookupAction(const QString& name, const QString& file, int line, int column)
{
    if (const auto action = actionFromName(name))
        return *action;
    QString hint;
    for (Action candidate : allActions) {
        if (actionName(candidate).compare(name, Qt::CaseInsensitive) == 0)
            hint = u" (did you mean %1?)"_s.arg(actionName(candidate));
    }
    throw ImportError(Reason::UnknownAction, file, line, column, u"unknown action '%1'%2"_s.arg(name, hint));
}

// Rejects a repeated URL name: Python would silently keep the last value, hiding a conflict.
class SeenNames
{
public:
    void add(const QString& name, const QString& file, int line, int column)
    {
        const auto it = m_firstLine.constFind(name);
        if (it != m_firstLine.cend())
            throw ImportError(Reason::DuplicateKey, file, line, column,
                              u"duplicate URL name '%1' (first at line %2)"_s.arg(name).arg(*it));
        m_firstLine.insert(name, line);
    }

private:
    QHash<QString, int> m_firstLine;
};

// ---- Python -------------------------------------------------------------------------------------

class PythonMapParser
{
public:
    PythonMapParser(QStringView text, const QString& file) : m_file(file), m_tokens(python::tokenize(text)) {}

    std::vector<MapEntry> parse()
    {
        using python::TokenKind;
        const python::Token* firstLexError = nullptr;
        for (size_t i = 0; i < m_tokens.size(); ++i) {
            const python::Token& tok = m_tokens[i];
            if (tok.kind == TokenKind::Error && !firstLexError)
                firstLexError = &tok;
            const bool statementStart = i == 0 || m_tokens[i - 1].kind == TokenKind::Newline;
            if (!statementStart || !tok.is(TokenKind::Name, u"URL_NAME_TO_ACTION"))
                continue;
            const std::optional<size_t> value = assignedValue(i + 1);
            if (!value)
                continue; // a use such as URL_NAME_TO_ACTION.items(), or a bare annotation
            const python::Token& open = m_tokens[*value];
            if (!open.isOp(u"{")) {
                rejectLexError(open);
                fail(open, Reason::DictNotFound,
                     u"URL_NAME_TO_ACTION is assigned %1, not a dict literal"_s.arg(python::describe(open)));
            }
            m_pos = *value;
            return parseDict();
        }
        // An unterminated string can swallow the assignment; that error is the useful one then.
        if (firstLexError)
            rejectLexError(*firstLexError);
        throw ImportError(Reason::DictNotFound, m_file, 0, 0,
                          u"no assignment 'URL_NAME_TO_ACTION = {...}' found"_s);
    }

private:
    // Index of the first token of the assigned value, after an optional annotation, if this is an assignment.
    std::optional<size_t> assignedValue(size_t i) const
    {
        if (m_tokens[i].isOp(u":")) {
            int depth = 0;
            for (++i; i < m_tokens.size(); ++i) {
                const python::Token& tok = m_tokens[i];
                if (tok.kind == python::TokenKind::Newline || tok.kind == python::TokenKind::End)
                    break;
                if (tok.kind != python::TokenKind::Op)
                    continue;
                if (depth == 0 && tok.text == u"=")
                    return i + 1;
                if (tok.text == u"(" || tok.text == u"[" || tok.text == u"{")
                    ++depth;
                else if (tok.text == u")" || tok.text == u"]" || tok.text == u"}")
                    --depth;
            }
            return std::nullopt;
        }
        if (m_tokens[i].isOp(u"="))
            return i + 1;
        return std::nullopt;
    }

    const python::Token& current() const { return m_tokens[m_pos]; }

    [[noreturn]] void fail(const python::Token& at, Reason reason, const QString& message) const
    {
        throw ImportError(reason, m_file, at.line, at.column, message);
    }

    void rejectLexError(const python::Token& tok) const
    {
        if (tok.kind == python::TokenKind::Error) {
            fail(tok,
                 tok.error == python::LexError::UnterminatedString ? Reason::UnterminatedString
                                                                   : Reason::Syntax,
                 tok.text);
        }
    }

    // Inside the dict, lexer errors and the end of the file pre-empt whatever else was expected.
    void rejectUnusable(const python::Token& tok) const
    {
        rejectLexError(tok);
        if (tok.kind == python::TokenKind::End) {
            fail(tok, Reason::UnexpectedEof,
                 u"unexpected end of file: the '{' at line %1, column %2 is never closed"_s.arg(m_open.line)
                     .arg(m_open.column));
        }
    }

    void expectClose()
    {
        if (!current().isOp(u")")) {
            rejectUnusable(current());
            fail(current(), Reason::Syntax, u"expected ')', found %1"_s.arg(python::describe(current())));
        }
        ++m_pos;
    }

    // Adjacent literals concatenate, as in Python; returns the first token for positions.
    python::Token concatenatedString(Reason whenNotPlain, const QString& what)
    {
        python::Token first = current();
        QString value;
        while (current().kind == python::TokenKind::String) {
            if (current().bytes || current().formatted) {
                fail(current(), whenNotPlain,
                     u"%1 must be a plain string literal, not a %2 string"_s.arg(
                         what, current().bytes ? u"bytes"_s : u"formatted"_s));
            }
            value += current().text;
            ++m_pos;
        }
        first.text = value;
        return first;
    }

    std::vector<MapEntry> parseDict()
    {
        m_open = current();
        ++m_pos;
        std::vector<MapEntry> entries;
        SeenNames seen;
        for (;;) {
            if (current().isOp(u"}"))
                break;
            const python::Token key = parseKey();
            seen.add(key.text, m_file, key.line, key.column);
            if (!current().isOp(u":")) {
                rejectUnusable(current());
                fail(current(), Reason::ExpectedColon,
                     u"expected ':' after the key '%1', found %2"_s.arg(key.text,
                                                                        python::describe(current())));
            }
            ++m_pos;
            entries.push_back({key.text, parseValue(), key.line});
            if (current().isOp(u",")) {
                ++m_pos;
                continue;
            }
            if (current().isOp(u"}"))
                break;
            rejectUnusable(current());
            fail(current(), Reason::ExpectedComma,
                 u"expected ',' or '}' after the entry for '%1', found %2"_s.arg(
                     key.text, python::describe(current())));
        }
        return entries;
    }

    python::Token parseKey()
    {
        if (current().isOp(u"(")) {
            ++m_pos;
            python::Token key = parseKey();
            expectClose();
            return key;
        }
        if (current().kind != python::TokenKind::String) {
            rejectUnusable(current());
            fail(current(), Reason::NonStringKey,
                 u"a URL name must be a string literal, found %1"_s.arg(python::describe(current())));
        }
        python::Token key = concatenatedString(Reason::NonStringKey, u"a URL name"_s);
        if (key.text.isEmpty())
            fail(key, Reason::EmptyUrlName, u"empty URL name"_s);
        return key;
    }

    Action parseValue()
    {
        if (current().isOp(u"(")) {
            ++m_pos;
            const Action action = parseValue();
            expectClose();
            return action;
        }
        if (current().kind == python::TokenKind::String) {
            const python::Token value = concatenatedString(Reason::InvalidValue, u"an action"_s);
            return lookupAction(value.text, m_file, value.line, value.column);
        }
        if (current().kind == python::TokenKind::Name) {
            // SomeEnum.ACTION or Foo.Bar.ACTION: only the last component names the action.
            python::Token last = current();
            ++m_pos;
            while (current().isOp(u".")) {
                ++m_pos;
                if (current().kind != python::TokenKind::Name) {
                    rejectUnusable(current());
                    fail(current(), Reason::InvalidValue,
                         u"expected a name after '.', found %1"_s.arg(python::describe(current())));
                }
                last = current();
                ++m_pos;
            }
            return lookupAction(last.text, m_file, last.line, last.column);
        }
        rejectUnusable(current());
        fail(current(), Reason::InvalidValue,
             u"expected an action such as URLAction.TO_BE_DELETED or \"TO_BE_DELETED\", found %1"_s.arg(
                 python::describe(current())));
    }

    QString m_file;
    std::vector<python::Token> m_tokens;
    size_t m_pos = 0;
    python::Token m_open;
};

// ---- JSON ---------------------------------------------------------------------------------------

// A strict RFC 8259 reader that keeps positions, which QJsonDocument does not: errors and entries need lines.
struct JsonValue
{
    enum class Type
    {
        Object,
        Array,
        String,
        Number,
        Literal
    };
    Type type = Type::Literal;
    int line = 0;
    int column = 0;
    QString text; // String: decoded value; Number and Literal: source text
    std::vector<std::pair<JsonValue, JsonValue>> members;
    std::vector<JsonValue> items;

    QString typeName() const
    {
        switch (type) {
        case Type::Object:
            return u"an object"_s;
        case Type::Array:
            return u"an array"_s;
        case Type::String:
            return u"a string"_s;
        case Type::Number:
            return u"a number"_s;
        case Type::Literal:
            return text;
        }
        return {};
    }
};

class JsonReader
{
public:
    JsonReader(QStringView text, const QString& file) : m_src(text), m_file(file) {}

    JsonValue parseDocument()
    {
        skipWhitespace();
        JsonValue root = parseValue(0);
        skipWhitespace();
        if (!atEnd())
            fail(Reason::Syntax, u"unexpected %1 after the JSON value"_s.arg(found()));
        return root;
    }

private:
    static constexpr int maxDepth = 256; // hostile nesting must not exhaust the stack

    bool atEnd() const { return m_pos >= m_src.size(); }
    QChar peek() const { return atEnd() ? QChar() : m_src[m_pos]; }

    void advance()
    {
        const QChar c = m_src[m_pos++];
        if (c == u'\n') {
            ++m_line;
            m_column = 1;
        } else if (!(c.isLowSurrogate() && m_pos >= 2 && m_src[m_pos - 2].isHighSurrogate())) {
            ++m_column;
        }
    }

    void skipWhitespace()
    {
        while (!atEnd() && (peek() == u' ' || peek() == u'\t' || peek() == u'\n' || peek() == u'\r'))
            advance();
    }

    QString found() const { return atEnd() ? u"end of file"_s : u"'%1'"_s.arg(peek()); }

    [[noreturn]] void fail(Reason reason, const QString& message) const
    {
        failAt(reason, m_line, m_column, message);
    }
    [[noreturn]] void failAt(Reason reason, int line, int column, const QString& message) const
    {
        throw ImportError(reason, m_file, line, column, message);
    }
    void failOnEnd(const char16_t* opened, int line, int column) const
    {
        if (atEnd())
            failAt(Reason::UnexpectedEof, m_line, m_column,
                   u"unexpected end of file: the '%1' at line %2, column %3 is never closed"_s
                       .arg(QStringView(opened))
                       .arg(line)
                       .arg(column));
    }

    JsonValue start(JsonValue::Type type) const
    {
        JsonValue value;
        value.type = type;
        value.line = m_line;
        value.column = m_column;
        return value;
    }

    JsonValue parseValue(int depth)
    {
        if (depth > maxDepth)
            fail(Reason::Syntax, u"JSON nested too deeply"_s);
        const QChar c = peek();
        if (c == u'{')
            return parseObject(depth);
        if (c == u'[')
            return parseArray(depth);
        if (c == u'"')
            return parseString();
        if (c == u'-' || c.isDigit())
            return parseNumber();
        if (c.isLetter())
            return parseLiteral();
        if (atEnd())
            fail(Reason::UnexpectedEof, u"unexpected end of file, expected a JSON value"_s);
        fail(Reason::Syntax, u"expected a JSON value, found %1"_s.arg(found()));
    }

    JsonValue parseObject(int depth)
    {
        JsonValue object = start(JsonValue::Type::Object);
        advance();
        skipWhitespace();
        if (peek() == u'}') {
            advance();
            return object;
        }
        QHash<QString, int> seen;
        for (;;) {
            skipWhitespace();
            failOnEnd(u"{", object.line, object.column);
            if (peek() != u'"') {
                fail(peek() == u'}' ? Reason::Syntax : Reason::NonStringKey,
                     peek() == u'}' ? u"trailing comma before '}' is not allowed in JSON"_s
                                    : u"an object key must be a string, found %1"_s.arg(found()));
            }
            JsonValue key = parseString();
            if (const auto it = seen.constFind(key.text); it != seen.cend())
                failAt(Reason::DuplicateKey, key.line, key.column,
                       u"duplicate key '%1' (first at line %2)"_s.arg(key.text).arg(*it));
            seen.insert(key.text, key.line);
            skipWhitespace();
            failOnEnd(u"{", object.line, object.column);
            if (peek() != u':')
                fail(Reason::ExpectedColon,
                     u"expected ':' after the key '%1', found %2"_s.arg(key.text, found()));
            advance();
            skipWhitespace();
            failOnEnd(u"{", object.line, object.column);
            JsonValue value = parseValue(depth + 1);
            object.members.emplace_back(std::move(key), std::move(value));
            skipWhitespace();
            failOnEnd(u"{", object.line, object.column);
            if (peek() == u'}') {
                advance();
                return object;
            }
            if (peek() != u',')
                fail(Reason::ExpectedComma, u"expected ',' or '}', found %1"_s.arg(found()));
            advance();
        }
    }

    JsonValue parseArray(int depth)
    {
        JsonValue array = start(JsonValue::Type::Array);
        advance();
        skipWhitespace();
        if (peek() == u']') {
            advance();
            return array;
        }
        for (;;) {
            skipWhitespace();
            failOnEnd(u"[", array.line, array.column);
            if (peek() == u']')
                fail(Reason::Syntax, u"trailing comma before ']' is not allowed in JSON"_s);
            array.items.push_back(parseValue(depth + 1));
            skipWhitespace();
            failOnEnd(u"[", array.line, array.column);
            if (peek() == u']') {
                advance();
                return array;
            }
            if (peek() != u',')
                fail(Reason::ExpectedComma, u"expected ',' or ']', found %1"_s.arg(found()));
            advance();
        }
    }

    JsonValue parseString()
    {
        JsonValue string = start(JsonValue::Type::String);
        advance();
        for (;;) {
            if (atEnd() || peek() == u'\n' || peek() == u'\r')
                failAt(Reason::UnterminatedString, string.line, string.column, u"unterminated string"_s);
            const QChar c = peek();
            if (c == u'"') {
                advance();
                return string;
            }
            if (c.unicode() < 0x20)
                fail(Reason::Syntax,
                     u"control character U+%1 in a string"_s.arg(int(c.unicode()), 4, 16, QChar(u'0')));
            if (c != u'\\') {
                string.text += c;
                advance();
                continue;
            }
            const int escapeLine = m_line;
            const int escapeColumn = m_column;
            advance();
            if (atEnd())
                failAt(Reason::UnterminatedString, string.line, string.column, u"unterminated string"_s);
            const QChar e = peek();
            const QString simple = u"\"\\/bfnrt"_s;
            const QString decoded = u"\"\\/\b\f\n\r\t"_s;
            if (const qsizetype i = simple.indexOf(e); i >= 0) {
                string.text += decoded[i];
                advance();
                continue;
            }
            if (e == u'u') {
                advance();
                char16_t unit = 0;
                for (int i = 0; i < 4; ++i) {
                    const int digit = hexValue(peek());
                    if (digit < 0)
                        failAt(Reason::Syntax, escapeLine, escapeColumn, u"truncated \\u escape"_s);
                    unit = char16_t(unit * 16 + digit);
                    advance();
                }
                string.text += QChar(unit); // surrogate pairs arrive as two escapes and join up as UTF-16
                continue;
            }
            failAt(Reason::Syntax, escapeLine, escapeColumn, u"invalid escape '\\%1'"_s.arg(e));
        }
    }

    JsonValue parseNumber()
    {
        JsonValue number = start(JsonValue::Type::Number);
        const qsizetype begin = m_pos;
        const auto digits = [this] {
            const qsizetype from = m_pos;
            while (!atEnd() && peek().isDigit() && peek().unicode() < 0x80)
                advance();
            return m_pos - from;
        };
        if (peek() == u'-')
            advance();
        const bool leadingZero = peek() == u'0';
        const qsizetype integer = digits();
        bool valid = integer > 0 && !(leadingZero && integer > 1);
        if (valid && peek() == u'.') {
            advance();
            valid = digits() > 0;
        }
        if (valid && (peek() == u'e' || peek() == u'E')) {
            advance();
            if (peek() == u'+' || peek() == u'-')
                advance();
            valid = digits() > 0;
        }
        if (!valid)
            failAt(Reason::Syntax, number.line, number.column, u"malformed number"_s);
        number.text = m_src.sliced(begin, m_pos - begin).toString();
        return number;
    }

    JsonValue parseLiteral()
    {
        JsonValue literal = start(JsonValue::Type::Literal);
        const qsizetype begin = m_pos;
        while (!atEnd() && peek().isLetterOrNumber())
            advance();
        literal.text = m_src.sliced(begin, m_pos - begin).toString();
        if (literal.text != u"true" && literal.text != u"false" && literal.text != u"null")
            failAt(Reason::Syntax, literal.line, literal.column,
                   u"expected a JSON value, found '%1'"_s.arg(literal.text));
        return literal;
    }

    QStringView m_src;
    QString m_file;
    qsizetype m_pos = 0;
    int m_line = 1;
    int m_column = 1;
};

std::vector<MapEntry> parseJsonMap(QStringView text, const QString& file)
{
    const JsonValue root = JsonReader(text, file).parseDocument();
    std::vector<MapEntry> entries;
    if (root.type == JsonValue::Type::Object) {
        // Duplicate keys were already refused by the reader.
        for (const auto& [key, value] : root.members) {
            if (key.text.isEmpty())
                throw ImportError(Reason::EmptyUrlName, file, key.line, key.column, u"empty URL name"_s);
            if (value.type != JsonValue::Type::String)
                throw ImportError(
                    Reason::InvalidValue, file, value.line, value.column,
                    u"the action of '%1' must be a string, found %2"_s.arg(key.text, value.typeName()));
            entries.push_back({key.text, lookupAction(value.text, file, value.line, value.column), key.line});
        }
        return entries;
    }
    if (root.type != JsonValue::Type::Array)
        throw ImportError(Reason::Syntax, file, root.line, root.column,
                          u"expected an object {\"url-name\": \"ACTION\"} or an array of "
                          u"{\"url_name\": ..., \"action\": ...} objects, found %1"_s.arg(root.typeName()));
    SeenNames seen;
    for (const JsonValue& item : root.items) {
        if (item.type != JsonValue::Type::Object)
            throw ImportError(
                Reason::InvalidValue, file, item.line, item.column,
                u"expected an object {\"url_name\": ..., \"action\": ...}, found %1"_s.arg(item.typeName()));
        const JsonValue* name = nullptr;
        const JsonValue* action = nullptr;
        for (const auto& [key, value] : item.members) {
            if (key.text == u"url_name")
                name = &value;
            else if (key.text == u"action")
                action = &value;
        }
        for (const auto& [field, value] : {std::pair{u"url_name"_s, name}, std::pair{u"action"_s, action}}) {
            if (!value)
                throw ImportError(Reason::MissingField, file, item.line, item.column,
                                  u"entry has no \"%1\""_s.arg(field));
            if (value->type != JsonValue::Type::String)
                throw ImportError(Reason::InvalidValue, file, value->line, value->column,
                                  u"\"%1\" must be a string, found %2"_s.arg(field, value->typeName()));
        }
        if (name->text.isEmpty())
            throw ImportError(Reason::EmptyUrlName, file, name->line, name->column, u"empty URL name"_s);
        seen.add(name->text, file, name->line, name->column);
        entries.push_back(
            {name->text, lookupAction(action->text, file, action->line, action->column), name->line});
    }
    return entries;
}

// ---- CSV ----------------------------------------------------------------------------------------

struct CsvField
{
    QString value;
    int line = 0;
    int column = 0;
    bool quoted = false;
};

struct CsvRecord
{
    int line = 0;
    std::vector<CsvField> fields;
};

std::vector<CsvRecord> readCsv(QStringView text, const QString& file)
{
    std::vector<CsvRecord> records;
    qsizetype pos = 0;
    int line = 1;
    int column = 1;
    const auto atEnd = [&] {
        return pos >= text.size();
    };
    const auto atNewline = [&] {
        return !atEnd() && (text[pos] == u'\n' || text[pos] == u'\r');
    };
    const auto advance = [&] {
        if (atNewline()) {
            if (text[pos] == u'\r' && pos + 1 < text.size() && text[pos + 1] == u'\n')
                ++pos;
            ++pos;
            ++line;
            column = 1;
            return;
        }
        const QChar c = text[pos++];
        if (!(c.isLowSurrogate() && pos >= 2 && text[pos - 2].isHighSurrogate()))
            ++column;
    };

    while (!atEnd()) {
        CsvRecord record;
        record.line = line;
        for (;;) {
            CsvField field{{}, line, column, !atEnd() && text[pos] == u'"'};
            if (field.quoted) {
                advance();
                for (;;) {
                    if (atEnd())
                        throw ImportError(Reason::UnterminatedString, file, field.line, field.column,
                                          u"unterminated quoted field"_s);
                    if (text[pos] == u'"') {
                        advance();
                        if (atEnd() || text[pos] != u'"')
                            break;
                    }
                    field.value += atNewline() ? QChar(u'\n') : text[pos];
                    advance();
                }
                if (!atEnd() && !atNewline() && text[pos] != u',')
                    throw ImportError(
                        Reason::Syntax, file, line, column,
                        u"expected ',' or the end of the line after a closing quote, found '%1'"_s.arg(
                            text[pos]));
            } else {
                while (!atEnd() && !atNewline() && text[pos] != u',') {
                    if (text[pos] == u'"')
                        throw ImportError(Reason::Syntax, file, line, column,
                                          u"a quote may only appear inside a quoted field"_s);
                    field.value += text[pos];
                    advance();
                }
            }
            record.fields.push_back(std::move(field));
            if (!atEnd() && text[pos] == u',') {
                advance();
                continue;
            }
            if (atNewline())
                advance();
            break;
        }
        // Blank lines (a single empty unquoted field) are tolerated, typically at the end of the file.
        const bool blank = record.fields.size() == 1 && !record.fields[0].quoted &&
                           record.fields[0].value.trimmed().isEmpty();
        if (!blank)
            records.push_back(std::move(record));
    }
    return records;
}

std::vector<MapEntry> parseCsvMap(QStringView text, const QString& file)
{
    const std::vector<CsvRecord> records = readCsv(text, file);
    if (records.empty())
        throw ImportError(Reason::MissingField, file, 0, 0,
                          u"empty file: expected a header url_name,action"_s);
    const CsvRecord& header = records.front();
    qsizetype nameColumn = -1;
    qsizetype actionColumn = -1;
    for (size_t i = 0; i < header.fields.size(); ++i) {
        const QString title = header.fields[i].value.trimmed().toLower();
        if (title == u"url_name")
            nameColumn = qsizetype(i);
        else if (title == u"action")
            actionColumn = qsizetype(i);
    }
    if (nameColumn < 0 || actionColumn < 0)
        throw ImportError(Reason::MissingField, file, header.line, 1,
                          u"the header must name the columns url_name and action"_s);

    std::vector<MapEntry> entries;
    SeenNames seen;
    for (size_t r = 1; r < records.size(); ++r) {
        const CsvRecord& record = records[r];
        if (record.fields.size() != header.fields.size())
            throw ImportError(Reason::Syntax, file, record.line, 1,
                              u"expected %1 fields as in the header, found %2"_s.arg(header.fields.size())
                                  .arg(record.fields.size()));
        const CsvField& name = record.fields[size_t(nameColumn)];
        const CsvField& action = record.fields[size_t(actionColumn)];
        const QString urlName = name.value.trimmed();
        if (urlName.isEmpty())
            throw ImportError(Reason::EmptyUrlName, file, name.line, name.column, u"empty URL name"_s);
        seen.add(urlName, file, name.line, name.column);
        entries.push_back(
            {urlName, lookupAction(action.value.trimmed(), file, action.line, action.column), record.line});
    }
    return entries;
}

} // namespace

ImportError::ImportError(Reason reason, const QString& file, int line, int column, const QString& message)
    : cellscope::Error(ErrorCode::BadInput, positioned(file, line, column, message).toStdString()),
      m_reason(reason), m_file(file), m_line(line), m_column(column), m_message(message)
{}

QString ImportError::toString() const
{
    return positioned(m_file, m_line, m_column, m_message);
}

std::optional<MapFormat> detectMapFormat(const QString& fileName, const QByteArray& content)
{
    const QString suffix = QFileInfo(fileName).suffix().toLower();
    if (suffix == u"py")
        return MapFormat::Python;
    if (suffix == u"json")
        return MapFormat::Json;
    if (suffix == u"csv")
        return MapFormat::Csv;

    const QByteArray trimmed = content.trimmed();
    const QByteArray body = trimmed.startsWith("\xEF\xBB\xBF") ? trimmed.mid(3).trimmed() : trimmed;
    if (body.startsWith('{') || body.startsWith('['))
        return MapFormat::Json;
    if (body.contains("URL_NAME_TO_ACTION"))
        return MapFormat::Python;
    const QByteArray firstLine = body.left(body.indexOf('\n')).toLower();
    if (firstLine.contains("url_name") && firstLine.contains(','))
        return MapFormat::Csv;
    return std::nullopt;
}

std::vector<MapEntry> importMapFile(const QString& path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        throw ImportError(Reason::FileUnreadable, path, 0, 0,
                          u"cannot read the file: %1"_s.arg(file.errorString()));
    return importMap(file.readAll(), path);
}

std::vector<MapEntry> importMap(const QByteArray& content, const QString& fileName,
                                std::optional<MapFormat> format)
{
    QStringDecoder decoder(QStringConverter::Utf8);
    const QString text = decoder.decode(content);
    if (decoder.hasError())
        throw ImportError(Reason::InvalidEncoding, fileName, 0, 0, u"the file is not valid UTF-8"_s);

    if (!format)
        format = detectMapFormat(fileName, content);
    if (!format)
        throw ImportError(
            Reason::UnknownFormat, fileName, 0, 0,
            u"cannot tell whether this is a Python, JSON or CSV map; name it .py, .json or .csv"_s);
    switch (*format) {
    case MapFormat::Python:
        return PythonMapParser(text, fileName).parse();
    case MapFormat::Json:
        return parseJsonMap(text, fileName);
    case MapFormat::Csv:
        return parseCsvMap(text, fileName);
    }
    Q_UNREACHABLE();
    return {};
}

} // namespace cellscope::backlog
