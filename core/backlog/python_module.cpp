#include "core/backlog/python_module.h"

using namespace Qt::StringLiterals;

namespace cellscope::backlog::python {

QString Module::location(int line) const
{
    return u"%1:%2"_s.arg(path).arg(line);
}

QString Module::text(Span s) const
{
    if (s.empty())
        return {};
    return source.mid(tokens[s.begin].begin, tokens[s.end - 1].end - tokens[s.begin].begin).simplified();
}

bool Module::enclosedBy(Span s, QStringView open) const
{
    return !s.empty() && at(s.begin).isOp(open) && closing[s.begin] == s.end - 1;
}

std::vector<Span> Module::split(Span s, QStringView separator) const
{
    std::vector<Span> parts;
    size_t start = s.begin;
    for (size_t i = s.begin; i < s.end; ++i) {
        if (closing[i] != noMatch && closing[i] < s.end) {
            i = closing[i];
            continue;
        }
        if (at(i).isOp(separator)) {
            if (i > start)
                parts.push_back({start, i});
            start = i + 1;
        }
    }
    if (s.end > start)
        parts.push_back({start, s.end});
    return parts;
}

bool Module::hasTopLevel(Span s, QStringView op) const
{
    for (size_t i = s.begin; i < s.end; ++i) {
        if (closing[i] != noMatch && closing[i] < s.end)
            i = closing[i];
        else if (at(i).isOp(op))
            return true;
    }
    return false;
}

Span Module::stripParens(Span s) const
{
    while (enclosedBy(s, u"(") && !hasTopLevel(inner(s), u","))
        s = inner(s);
    return s;
}

std::optional<QStringList> Module::dotted(Span s) const
{
    s = stripParens(s);
    if (s.empty() || (s.end - s.begin) % 2 == 0)
        return std::nullopt;
    QStringList parts;
    for (size_t i = s.begin; i < s.end; i += 2) {
        if (at(i).kind != TokenKind::Name || (i + 1 < s.end && !at(i + 1).isOp(u".")))
            return std::nullopt;
        parts << at(i).text;
    }
    return parts;
}

std::optional<Module::Call> Module::call(Span s) const
{
    s = stripParens(s);
    if (s.empty() || !at(s.end - 1).isOp(u")"))
        return std::nullopt;
    for (size_t i = s.begin + 1; i < s.end; ++i) {
        if (closing[i] == s.end - 1) {
            const auto callee = dotted({s.begin, i});
            if (!callee)
                return std::nullopt;
            return Call{*callee, inner({i, s.end})};
        }
    }
    return std::nullopt;
}

std::optional<QString> Module::stringLiteral(Span s) const
{
    s = stripParens(s);
    if (s.empty())
        return std::nullopt;
    QString value;
    for (size_t i = s.begin; i < s.end; ++i) {
        const Token& tok = at(i);
        if (tok.kind != TokenKind::String || tok.bytes)
            return std::nullopt;
        if (tok.formatted && (tok.text.contains(u'{') || tok.text.contains(u'}')))
            return std::nullopt; // an f-string with placeholders is only known at run time
        value += tok.text;
    }
    return value;
}

std::optional<std::pair<QString, Span>> Module::keyword(Span s) const
{
    if (s.end - s.begin >= 2 && at(s.begin).kind == TokenKind::Name && at(s.begin + 1).isOp(u"="))
        return std::pair{at(s.begin).text, Span{s.begin + 2, s.end}};
    return std::nullopt;
}

namespace {

void matchBrackets(Module& m)
{
    m.closing.assign(m.tokens.size(), noMatch);
    std::vector<size_t> open;
    for (size_t i = 0; i < m.tokens.size(); ++i) {
        const Token& tok = m.tokens[i];
        if (tok.kind != TokenKind::Op || tok.text.size() != 1)
            continue;
        const QChar c = tok.text.front();
        if (c == u'(' || c == u'[' || c == u'{') {
            open.push_back(i);
        } else if (c == u')' || c == u']' || c == u'}') {
            const QChar expected = c == u')' ? u'(' : c == u']' ? u'[' : u'{';
            if (!open.empty() && m.tokens[open.back()].text.front() == expected) {
                m.closing[open.back()] = i;
                open.pop_back();
            }
        }
    }
}

class ModuleReader
{
public:
    explicit ModuleReader(Module& module) : m_module(module) {}

    void read()
    {
        m_module.tokens = python::tokenize(m_module.source);
        matchBrackets(m_module);
        std::vector<QStringList> decorators; // pending for the next class or def
        size_t i = 0;
        while (m_module.at(i).kind != TokenKind::End) {
            size_t end = i;
            while (m_module.at(end).kind != TokenKind::Newline && m_module.at(end).kind != TokenKind::End)
                ++end;
            const Span statement{i, end};
            // Column 1 is module level: bodies of classes, functions and ifs are indented.
            if (!statement.empty() && m_module.at(i).column == 1) {
                if (m_module.at(i).isOp(u"@")) {
                    decorators.push_back(decoratorName(statement));
                } else {
                    readStatement(statement, decorators);
                    decorators.clear();
                }
            }
            i = m_module.at(end).kind == TokenKind::Newline ? end + 1 : end;
        }
    }

private:
    QStringList decoratorName(Span s) const
    {
        QStringList parts;
        for (size_t i = s.begin + 1; i < s.end && m_module.at(i).kind == TokenKind::Name; i += 2) {
            parts << m_module.at(i).text;
            if (i + 1 >= s.end || !m_module.at(i + 1).isOp(u"."))
                break;
        }
        return parts;
    }

    void bind(const QString& name, Binding binding) { m_module.bindings.insert(name, std::move(binding)); }

    void readStatement(Span s, const std::vector<QStringList>& decorators)
    {
        const Token& first = m_module.at(s.begin);
        if (first.kind != TokenKind::Name)
            return;
        for (size_t i = s.begin; i < s.end; ++i) {
            if (m_module.at(i).kind == TokenKind::Error) {
                // A broken URL list must surface where it is included, with the reason.
                if (s.end - s.begin > 1 &&
                    (m_module.at(s.begin + 1).isOp(u"=") || m_module.at(s.begin + 1).isOp(u":"))) {
                    m_module.lists.push_back(
                        {first.text,
                         first.line,
                         {},
                         u"%1 cannot be read: %2 at %3:%4"_s
                             .arg(first.text, m_module.at(i).text, m_module.location(m_module.at(i).line))
                             .arg(m_module.at(i).column)});
                    bind(first.text,
                         {Binding::Kind::UrlList, first.line, m_module.lists.size() - 1, {}, {}, {}});
                }
                return;
            }
        }
        const Token* second = s.end - s.begin > 1 ? &m_module.at(s.begin + 1) : nullptr;
        if (first.text == u"class" && second && second->kind == TokenKind::Name)
            readClass(s, decorators);
        else if (first.text == u"def" && second && second->kind == TokenKind::Name)
            bind(second->text, {Binding::Kind::Function, first.line, 0, {}, {}, {}});
        else if (first.text == u"async" && second && second->text == u"def" && s.end - s.begin > 2)
            bind(m_module.at(s.begin + 2).text, {Binding::Kind::Function, first.line, 0, {}, {}, {}});
        else if (first.text == u"import")
            readImport(s);
        else if (first.text == u"from")
            readFromImport(s);
        else if (second && (second->isOp(u"=") || second->isOp(u":") || second->isOp(u"+=")))
            readAssignment(s);
    }

    void readClass(Span s, const std::vector<QStringList>& decorators)
    {
        ClassDef cls;
        cls.name = m_module.at(s.begin + 1).text;
        cls.line = m_module.at(s.begin).line;
        for (const QStringList& decorator : decorators) {
            if (decorator.isEmpty())
                continue;
            // Undo import aliases so the silo table sees Sentry's names.
            const auto it = m_module.bindings.constFind(decorator.front());
            const bool imported = decorator.size() == 1 && it != m_module.bindings.cend() &&
                                  it->kind == Binding::Kind::FromImport;
            cls.decorators << (imported ? it->attr : decorator.back());
        }
        const size_t open = s.begin + 2;
        if (open < s.end && m_module.at(open).isOp(u"(") && m_module.closing[open] != noMatch) {
            for (const Span base : m_module.split(inner({open, m_module.closing[open] + 1}), u",")) {
                if (!m_module.keyword(base) && !m_module.at(base.begin).isOp(u"*") &&
                    !m_module.at(base.begin).isOp(u"**"))
                    cls.bases.push_back(base);
            }
        }
        m_module.classes.push_back(std::move(cls));
        bind(m_module.classes.back().name,
             {Binding::Kind::Class, m_module.classes.back().line, m_module.classes.size() - 1, {}, {}, {}});
    }

    // Dotted name starting at i; i ends after it.
    QString readDotted(size_t& i, size_t end) const
    {
        QStringList parts;
        while (i < end && m_module.at(i).kind == TokenKind::Name && m_module.at(i).text != u"import" &&
               m_module.at(i).text != u"as") {
            parts << m_module.at(i).text;
            ++i;
            if (i < end && m_module.at(i).isOp(u"."))
                ++i;
            else
                break;
        }
        return parts.join(u'.');
    }

    // `import a.b.c` binds a; `import a.b.c as x` binds x to a.b.c.
    void readImport(Span s)
    {
        for (const Span part : m_module.split({s.begin + 1, s.end}, u",")) {
            size_t i = part.begin;
            const QString module = readDotted(i, part.end);
            if (module.isEmpty())
                continue;
            const int line = m_module.at(part.begin).line;
            if (i + 1 < part.end && m_module.at(i).text == u"as")
                bind(m_module.at(i + 1).text, {Binding::Kind::ModuleImport, line, 0, module, {}, {}});
            else
                bind(module.section(u'.', 0, 0),
                     {Binding::Kind::ModuleImport, line, 0, module.section(u'.', 0, 0), {}, {}});
        }
    }

    void readFromImport(Span s)
    {
        size_t i = s.begin + 1;
        int dots = 0;
        while (i < s.end && m_module.at(i).isOp(u".")) {
            ++dots;
            ++i;
        }
        const QString relative = readDotted(i, s.end);
        if (i >= s.end || m_module.at(i).text != u"import")
            return;
        ++i;
        QString problem;
        const QString module = absoluteModule(dots, relative, &problem);
        if (i < s.end && m_module.at(i).isOp(u"*")) {
            if (problem.isEmpty())
                m_module.starImports << module;
            return;
        }
        Span names{i, s.end};
        if (m_module.enclosedBy(names, u"("))
            names = inner(names);
        for (const Span part : m_module.split(names, u",")) {
            const Token& name = m_module.at(part.begin);
            if (name.kind != TokenKind::Name)
                continue;
            const bool aliased = part.end - part.begin == 3 && m_module.at(part.begin + 1).text == u"as";
            bind(aliased ? m_module.at(part.begin + 2).text : name.text,
                 {Binding::Kind::FromImport, name.line, 0, module, name.text, problem});
        }
    }

    QString absoluteModule(int dots, const QString& relative, QString* problem) const
    {
        if (dots == 0)
            return relative;
        QStringList package = m_module.name.split(u'.');
        if (!m_module.isPackage)
            package.removeLast();
        for (int up = 1; up < dots && !package.isEmpty(); ++up)
            package.removeLast();
        if (package.isEmpty()) {
            *problem = u"relative import %1%2 goes beyond the top-level package"_s.arg(QString(dots, u'.'),
                                                                                       relative);
            return {};
        }
        if (!relative.isEmpty())
            package << relative;
        return package.join(u'.');
    }

    // The value is a URL list if it is made only of [...] literals and names joined by +.
    std::optional<std::vector<Span>> listTerms(Span value) const
    {
        if (value.empty())
            return std::nullopt;
        std::vector<Span> terms;
        for (const Span piece : m_module.split(value, u"+")) {
            const Span term = m_module.stripParens(piece);
            if (!m_module.enclosedBy(term, u"[") && !m_module.dotted(term))
                return std::nullopt;
            terms.push_back(term);
        }
        return terms;
    }

    void readAssignment(Span s)
    {
        const Token& target = m_module.at(s.begin);
        size_t i = s.begin + 1;
        if (m_module.at(i).isOp(u"+=")) {
            const auto it = m_module.bindings.constFind(target.text);
            const auto terms = listTerms({i + 1, s.end});
            if (it != m_module.bindings.cend() && it->kind == Binding::Kind::UrlList && terms) {
                std::vector<Span>& existing = m_module.lists[it->index].terms;
                existing.insert(existing.end(), terms->begin(), terms->end());
            }
            return;
        }
        if (m_module.at(i).isOp(u":")) { // annotated: skip to the top-level '='
            while (i < s.end && !m_module.at(i).isOp(u"=")) {
                if (m_module.closing[i] != noMatch)
                    i = m_module.closing[i];
                ++i;
            }
            if (i >= s.end)
                return; // an annotation without a value binds nothing
        }
        const auto terms = listTerms({i + 1, s.end});
        if (!terms) {
            bind(target.text, {Binding::Kind::Other, target.line, 0, {}, {}, {}});
            return;
        }
        m_module.lists.push_back({target.text, target.line, *terms, {}});
        bind(target.text, {Binding::Kind::UrlList, target.line, m_module.lists.size() - 1, {}, {}, {}});
    }

    Module& m_module;
};

} // namespace

void readModule(Module& module)
{
    ModuleReader(module).read();
}

} // namespace cellscope::backlog::python
