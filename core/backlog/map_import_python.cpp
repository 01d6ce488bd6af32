#include "core/backlog/map_import_formats.h"

#include "core/backlog/python_lexer.h"

using namespace Qt::StringLiterals;

namespace cellscope::backlog {

namespace {

using Reason = ImportError::Reason;

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
        // Grouping parentheses around a value: counted, not recursed into, so a hostile file with
        // a million of them cannot exhaust the stack.
        int open = 0;
        while (current().isOp(u"(")) {
            if (++open > kMaxParentheses)
                fail(current(), Reason::Syntax,
                     u"a value nested in more than %1 parentheses"_s.arg(kMaxParentheses));
            ++m_pos;
        }
        const Action action = parseBareValue();
        for (; open > 0; --open)
            expectClose();
        return action;
    }

    static constexpr int kMaxParentheses = 100;

    Action parseBareValue()
    {
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

} // namespace

std::vector<MapEntry> parsePythonMap(QStringView text, const QString& file)
{
    return PythonMapParser(text, file).parse();
}

} // namespace cellscope::backlog
