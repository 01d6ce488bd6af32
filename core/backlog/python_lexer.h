#pragma once

#include <QString>
#include <QStringView>

#include <vector>

// A tokenizer for the subset of Python that the backlog tools read without running Python: the
// URL_NAME_TO_ACTION dict literal and Django URL modules. It never throws; problems become Error tokens
// so that a reader can decide whether they matter (most of a test module is irrelevant to the map).
namespace cellscope::backlog::python {

enum class TokenKind
{
    Name,
    Number,
    String,
    Op,      // punctuation and operators, brackets included
    Newline, // end of a logical line; never emitted inside brackets
    End,
    Error,
};

enum class LexError
{
    None,
    UnterminatedString,
    InvalidEscape,
    UnexpectedCharacter,
};

struct Token
{
    TokenKind kind = TokenKind::End;
    QString text;        // Name/Number/Op: the source text; String: the decoded value; Error: the message
    int line = 1;        // 1-based
    int column = 1;      // 1-based, in Unicode code points
    qsizetype begin = 0; // offsets into the source (UTF-16 units), end exclusive
    qsizetype end = 0;
    bool bytes = false;     // b"" prefix
    bool formatted = false; // f"" prefix: the value is the raw template, not an evaluated string
    LexError error = LexError::None;

    bool is(TokenKind k, QStringView t) const { return kind == k && text == t; }
    bool isOp(QStringView t) const { return is(TokenKind::Op, t); }
};

// The whole source as tokens, always terminated by an End token. After an error the lexer resumes on
// the next line, so later tokens are still usable.
std::vector<Token> tokenize(QStringView source);

// "name 'foo'", "string", "'}'", "end of file": how a token is named in an error message.
QString describe(const Token& token);

} // namespace cellscope::backlog::python
