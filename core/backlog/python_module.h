#pragma once

// A Python module read without running it: its tokens and its module-level bindings (classes, URL lists,
// functions, imports), which core/backlog/scanner.cpp follows from one URL module to the next.

#include "core/backlog/python_lexer.h"

#include <QHash>
#include <QString>
#include <QStringList>
#include <QStringView>

#include <cstddef>
#include <optional>
#include <utility>
#include <vector>

namespace cellscope::backlog::python {

// In Module::closing: the token opens no bracket, or its bracket is never closed.
inline constexpr size_t noMatch = size_t(-1);

// Tokens [begin, end) of a module.
struct Span
{
    size_t begin = 0;
    size_t end = 0;
    bool empty() const { return begin >= end; }
};

// The span inside a bracketed span.
inline Span inner(Span s)
{
    return {s.begin + 1, s.end - 1};
}

struct ClassDef
{
    QString name;
    int line = 0;
    QStringList decorators; // as imported: `from x import a as b` + `@b` gives "a"; `@m.a(...)` gives "a"
    std::vector<Span> bases;
};

// A module-level list of URL entries: `X = [...]`, `X = A + [...]`, `X += [...]`.
struct UrlList
{
    QString name;
    int line = 0;
    std::vector<Span> terms; // each a [...] literal or a dotted reference
    QString problem;         // set when the statement could not be read
};

struct Binding
{
    enum class Kind
    {
        Class,
        UrlList,
        Function,
        ModuleImport,
        FromImport,
        Other
    };
    Kind kind = Kind::Other;
    int line = 0;
    size_t index = 0; // into Module::classes or Module::lists
    QString module;   // imports: the absolute module
    QString attr;     // FromImport: the imported name
    QString problem;  // FromImport: a relative import that leaves the package
};

struct Module
{
    QString name;
    QString path; // relative to the checkout root
    bool isPackage = false;
    QString source;
    std::vector<Token> tokens;
    std::vector<size_t> closing; // for each opening bracket, the index of its closing one
    QHash<QString, Binding> bindings;
    std::vector<ClassDef> classes;
    std::vector<UrlList> lists;
    QStringList starImports;

    const Token& at(size_t i) const { return tokens[i]; }
    int lineOf(Span s) const { return tokens[s.begin].line; }
    QString location(int line) const; // "path:line"

    // The source of a span on one line, for messages.
    QString text(Span s) const;
    bool enclosedBy(Span s, QStringView open) const;
    // Splits at `separator` outside nested brackets; empty pieces (after a trailing comma) are dropped.
    std::vector<Span> split(Span s, QStringView separator) const;
    bool hasTopLevel(Span s, QStringView op) const;
    // Grouping parentheses go; a tuple's stay.
    Span stripParens(Span s) const;
    std::optional<QStringList> dotted(Span s) const;

    struct Call
    {
        QStringList callee;
        Span args;
    };
    std::optional<Call> call(Span s) const;
    // The value of a string literal expression (adjacent literals concatenated); nullopt for anything else.
    std::optional<QString> stringLiteral(Span s) const;
    // `name=value` inside a call.
    std::optional<std::pair<QString, Span>> keyword(Span s) const;
};

// Tokenizes `module.source` and reads its module-level statements into bindings, classes, URL lists and
// star imports. Column 1 is module level: bodies of classes, functions and ifs are not read.
void readModule(Module& module);

} // namespace cellscope::backlog::python
