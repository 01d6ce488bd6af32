#include "core/backlog/map_import_formats.h"
#include "core/util/ascii.h"

using namespace Qt::StringLiterals;

namespace cellscope::backlog {

namespace {

using Reason = ImportError::Reason;

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
    QString text;  // String: decoded value; Number and Literal: source text
    struct Member; // key and value; a std::pair of this still incomplete type is not portable
    std::vector<Member> members;
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

struct JsonValue::Member
{
    JsonValue key;
    JsonValue value;
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
            object.members.push_back({std::move(key), std::move(value)});
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
                    const int digit = hexDigitValue(peek().unicode());
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

// {"url-name": "ACTION", ...}
std::vector<MapEntry> objectEntries(const JsonValue& root, const QString& file)
{
    std::vector<MapEntry> entries;
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

// [{"url_name": ..., "action": ...}, ...]
std::vector<MapEntry> arrayEntries(const JsonValue& root, const QString& file)
{
    std::vector<MapEntry> entries;
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

} // namespace

std::vector<MapEntry> parseJsonMap(QStringView text, const QString& file)
{
    const JsonValue root = JsonReader(text, file).parseDocument();
    if (root.type == JsonValue::Type::Object)
        return objectEntries(root, file);
    if (root.type != JsonValue::Type::Array)
        throw ImportError(Reason::Syntax, file, root.line, root.column,
                          u"expected an object {\"url-name\": \"ACTION\"} or an array of "
                          u"{\"url_name\": ..., \"action\": ...} objects, found %1"_s.arg(root.typeName()));
    return arrayEntries(root, file);
}

} // namespace cellscope::backlog
