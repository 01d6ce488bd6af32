#include "core/backlog/python_lexer.h"
#include "core/util/ascii.h"

#include <array>

using namespace Qt::StringLiterals;

namespace cellscope::backlog::python {

namespace {

constexpr std::array<QStringView, 4> threeCharOps = {u"**=", u"//=", u">>=", u"<<="};
constexpr std::array<QStringView, 19> twoCharOps = {u"**", u"//", u"<<", u">>", u"<=", u">=", u"==",
                                                    u"!=", u"->", u":=", u"+=", u"-=", u"*=", u"/=",
                                                    u"%=", u"&=", u"|=", u"^=", u"@="};
constexpr QStringView oneCharOps = u"()[]{},:;.@=+-*/%&|^~<>";

bool isStringPrefix(QStringView ident)
{
    const QString lower = ident.toString().toLower();
    for (QStringView prefix : {u"r", u"u", u"b", u"f", u"br", u"rb", u"fr", u"rf"}) {
        if (lower == prefix)
            return true;
    }
    return false;
}

class Lexer
{
public:
    explicit Lexer(QStringView source) : m_src(source) {}

    std::vector<Token> run()
    {
        while (!atEnd()) {
            const QChar c = peek();
            if (c == u' ' || c == u'\t' || c == u'\f') {
                advance();
            } else if (c == u'#') {
                while (!atEnd() && !atNewline())
                    advance();
            } else if (atNewline()) {
                if (m_depth == 0 && !m_tokens.empty() && m_tokens.back().kind != TokenKind::Newline) {
                    Token tok = start(TokenKind::Newline);
                    advanceNewline();
                    finish(tok);
                } else {
                    advanceNewline();
                }
            } else if (c == u'\\') {
                lexContinuation();
            } else if (isIdentifierStart()) {
                lexNameOrString();
            } else if (c.isDigit() || (c == u'.' && peek(1).isDigit())) {
                lexNumber();
            } else if (c == u'"' || c == u'\'') {
                lexString(start(TokenKind::String), false);
            } else {
                lexOp();
            }
        }
        if (m_depth == 0 && !m_tokens.empty() && m_tokens.back().kind != TokenKind::Newline) {
            Token tok = start(TokenKind::Newline);
            finish(tok);
        }
        Token end = start(TokenKind::End);
        finish(end);
        return std::move(m_tokens);
    }

private:
    bool atEnd() const { return m_pos >= m_src.size(); }
    QChar peek(qsizetype ahead = 0) const
    {
        return m_pos + ahead < m_src.size() ? m_src[m_pos + ahead] : QChar();
    }
    bool atNewline() const { return !atEnd() && (peek() == u'\n' || peek() == u'\r'); }

    char32_t codePoint(int* length) const
    {
        const QChar c = peek();
        if (c.isHighSurrogate() && peek(1).isLowSurrogate()) {
            *length = 2;
            return QChar::surrogateToUcs4(c, peek(1));
        }
        *length = 1;
        return c.unicode();
    }

    bool isIdentifierStart() const
    {
        int length = 0;
        const char32_t cp = codePoint(&length);
        return cp == U'_' || QChar::isLetter(cp);
    }

    bool isIdentifierPart() const
    {
        int length = 0;
        const char32_t cp = codePoint(&length);
        return cp == U'_' || QChar::isLetterOrNumber(cp) || QChar::isMark(cp);
    }

    // Columns count code points, so the second half of a surrogate pair does not move the column.
    void advance()
    {
        const QChar c = m_src[m_pos++];
        if (!(c.isLowSurrogate() && m_pos >= 2 && m_src[m_pos - 2].isHighSurrogate()))
            ++m_col;
    }

    void advanceNewline()
    {
        if (peek() == u'\r' && peek(1) == u'\n')
            ++m_pos;
        ++m_pos;
        ++m_line;
        m_col = 1;
    }

    Token start(TokenKind kind) const
    {
        Token tok;
        tok.kind = kind;
        tok.line = m_line;
        tok.column = m_col;
        tok.begin = m_pos;
        return tok;
    }

    void finish(Token& tok)
    {
        tok.end = m_pos;
        if (tok.kind == TokenKind::Name || tok.kind == TokenKind::Number || tok.kind == TokenKind::Op)
            tok.text = m_src.sliced(tok.begin, tok.end - tok.begin).toString();
        m_tokens.push_back(std::move(tok));
    }

    void fail(Token tok, LexError error, const QString& message)
    {
        tok.kind = TokenKind::Error;
        tok.error = error;
        tok.end = m_pos;
        tok.text = message;
        m_tokens.push_back(std::move(tok));
    }

    void lexContinuation()
    {
        const Token tok = start(TokenKind::Error);
        advance();
        if (atNewline())
            advanceNewline();
        else
            fail(tok, LexError::UnexpectedCharacter, u"unexpected character after line continuation"_s);
    }

    void lexNameOrString()
    {
        Token tok = start(TokenKind::Name);
        while (!atEnd() && isIdentifierPart()) {
            int length = 0;
            codePoint(&length);
            for (int i = 0; i < length; ++i)
                advance();
        }
        const QStringView ident = m_src.sliced(tok.begin, m_pos - tok.begin);
        if ((peek() == u'"' || peek() == u'\'') && isStringPrefix(ident)) {
            const QString lower = ident.toString().toLower();
            tok.kind = TokenKind::String;
            tok.bytes = lower.contains(u'b');
            tok.formatted = lower.contains(u'f');
            lexString(std::move(tok), lower.contains(u'r'));
            return;
        }
        finish(tok);
    }

    void lexNumber()
    {
        Token tok = start(TokenKind::Number);
        const bool prefixed = peek() == u'0' && peek(1).isLetter(); // 0x, 0o, 0b: no exponent
        while (!atEnd()) {
            const QChar c = peek();
            const QChar prev = m_pos > tok.begin ? m_src[m_pos - 1] : QChar();
            if (c.isLetterOrNumber() || c == u'_' || c == u'.')
                advance();
            else if ((c == u'+' || c == u'-') && !prefixed && (prev == u'e' || prev == u'E'))
                advance();
            else
                break;
        }
        finish(tok);
    }

    void lexOp()
    {
        Token tok = start(TokenKind::Op);
        const QStringView rest = m_src.sliced(m_pos);
        qsizetype length = 0;
        for (QStringView op : threeCharOps) {
            if (rest.startsWith(op))
                length = 3;
        }
        if (length == 0) {
            for (QStringView op : twoCharOps) {
                if (rest.startsWith(op))
                    length = 2;
            }
        }
        if (length == 0 && oneCharOps.contains(peek()))
            length = 1;
        if (length == 0) {
            advance();
            fail(tok, LexError::UnexpectedCharacter,
                 u"unexpected character '%1'"_s.arg(tok.begin < m_src.size() ? m_src[tok.begin] : QChar()));
            return;
        }
        for (qsizetype i = 0; i < length; ++i)
            advance();
        const QChar c = m_src[tok.begin];
        if (length == 1 && (c == u'(' || c == u'[' || c == u'{'))
            ++m_depth;
        else if (length == 1 && (c == u')' || c == u']' || c == u'}') && m_depth > 0)
            --m_depth;
        finish(tok);
    }

    // The opening quote is at the current position; tok starts at the prefix, where errors point.
    void lexString(Token tok, bool raw)
    {
        const QChar quote = peek();
        const bool triple = peek(1) == quote && peek(2) == quote;
        for (int i = 0; i < (triple ? 3 : 1); ++i)
            advance();

        QString value;
        Token escapeError;
        bool hasEscapeError = false;
        for (;;) {
            if (atEnd() || (!triple && atNewline())) {
                fail(tok, LexError::UnterminatedString,
                     triple ? u"unterminated triple-quoted string literal"_s
                            : u"unterminated string literal"_s);
                return;
            }
            const QChar c = peek();
            if (atNewline()) {
                value += u'\n';
                advanceNewline();
            } else if (c == quote && (!triple || (peek(1) == quote && peek(2) == quote))) {
                for (int i = 0; i < (triple ? 3 : 1); ++i)
                    advance();
                break;
            } else if (c == u'\\') {
                Token escape = start(TokenKind::Error);
                advance();
                if (atEnd())
                    continue;
                if (raw) {
                    // A raw string keeps the backslash; it only stops the next character from ending it.
                    value += u'\\';
                    if (atNewline()) {
                        value += u'\n';
                        advanceNewline();
                    } else {
                        value += peek();
                        advance();
                    }
                    continue;
                }
                const QString problem = decodeEscape(value, tok.bytes);
                if (!problem.isEmpty() && !hasEscapeError) {
                    hasEscapeError = true;
                    escapeError = escape;
                    escapeError.text = problem;
                }
            } else {
                value += c;
                advance();
            }
        }
        if (hasEscapeError) {
            fail(escapeError, LexError::InvalidEscape, escapeError.text);
            return;
        }
        tok.text = value;
        tok.end = m_pos;
        m_tokens.push_back(std::move(tok));
    }

    // The backslash is consumed; returns a message when the escape is malformed.
    QString decodeEscape(QString& value, bool bytes)
    {
        if (atNewline()) {
            advanceNewline();
            return {};
        }
        const QChar c = peek();
        advance();
        switch (c.unicode()) {
        case u'\\':
        case u'\'':
        case u'"':
            value += c;
            return {};
        case u'a':
            value += QChar(0x07);
            return {};
        case u'b':
            value += QChar(0x08);
            return {};
        case u'f':
            value += QChar(0x0c);
            return {};
        case u'n':
            value += QChar(0x0a);
            return {};
        case u'r':
            value += QChar(0x0d);
            return {};
        case u't':
            value += QChar(0x09);
            return {};
        case u'v':
            value += QChar(0x0b);
            return {};
        default:
            break;
        }
        if (c >= u'0' && c <= u'7') {
            int code = c.unicode() - u'0';
            for (int i = 0; i < 2 && peek() >= u'0' && peek() <= u'7'; ++i) {
                code = code * 8 + (peek().unicode() - u'0');
                advance();
            }
            value += QChar(code);
            return {};
        }
        const int digits = c == u'x' ? 2 : (c == u'u' && !bytes) ? 4 : (c == u'U' && !bytes) ? 8 : 0;
        if (digits > 0) {
            char32_t code = 0;
            for (int i = 0; i < digits; ++i) {
                const int v = hexDigitValue(peek().unicode());
                if (v < 0)
                    return u"truncated \\%1 escape"_s.arg(c);
                code = code * 16 + char32_t(v);
                advance();
            }
            if (code > 0x10FFFF)
                return u"illegal Unicode character in \\U escape"_s;
            value += QString::fromUcs4(&code, 1);
            return {};
        }
        if (c == u'N' && !bytes)
            return u"\\N{...} escapes are not supported"_s;
        // Python keeps unknown escapes as written (with a warning), e.g. "\d" in a non-raw regex.
        value += u'\\';
        value += c;
        return {};
    }

    QStringView m_src;
    qsizetype m_pos = 0;
    int m_line = 1;
    int m_col = 1;
    int m_depth = 0;
    std::vector<Token> m_tokens;
};

} // namespace

std::vector<Token> tokenize(QStringView source)
{
    return Lexer(source).run();
}

QString describe(const Token& token)
{
    switch (token.kind) {
    case TokenKind::Name:
        return u"name '%1'"_s.arg(token.text);
    case TokenKind::Number:
        return u"number %1"_s.arg(token.text);
    case TokenKind::String:
        return token.text.size() > 40 ? u"string \"%1...\""_s.arg(token.text.left(40))
                                      : u"string \"%1\""_s.arg(token.text);
    case TokenKind::Op:
        return u"'%1'"_s.arg(token.text);
    case TokenKind::Newline:
        return u"end of line"_s;
    case TokenKind::End:
        return u"end of file"_s;
    case TokenKind::Error:
        return token.text;
    }
    return {};
}

} // namespace cellscope::backlog::python
