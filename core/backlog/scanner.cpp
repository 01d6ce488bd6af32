#include "core/backlog/scanner.h"

#include "core/backlog/python_module.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QScopeGuard>
#include <QSet>

#include <memory>
#include <optional>

using namespace Qt::StringLiterals;

namespace cellscope::backlog {

namespace {

using python::Binding;
using python::ClassDef;
using python::inner;
using python::Module;
using python::Span;
using python::UrlList;

// src/sentry/web/urls.py mounts the API with re_path(r"^api/0/", include("sentry.api.urls")).
constexpr QStringView apiPrefix = u"^api/0/";
constexpr QStringView apiUrlModule = u"sentry.api.urls";
constexpr int maxImportDepth = 64; // deeper chains are import cycles

QString siloForDecorator(const QString& decorator)
{
    static const QHash<QString, QString> silos = {
        {u"cell_silo_endpoint"_s, u"cell"_s},
        {u"region_silo_endpoint"_s, u"cell"_s},
        {u"control_silo_endpoint"_s, u"control"_s},
        {u"internal_cell_silo_endpoint"_s, u"internal_cell"_s},
        {u"internal_region_silo_endpoint"_s, u"internal_cell"_s},
        {u"internal_control_silo_endpoint"_s, u"internal_control"_s},
        {u"all_silo_endpoint"_s, u"all"_s},
        {u"internal_all_silo_endpoint"_s, u"all"_s},
    };
    return silos.value(decorator);
}

// Django's _route_to_regex: literal text through re.escape, <converter:name> through the converter's regex.
QString routeToRegex(const QString& route, bool isEndpoint, QString* problem)
{
    static const QHash<QString, QString> converters = {
        {u"str"_s, u"[^/]+"_s},
        {u"int"_s, u"[0-9]+"_s},
        {u"slug"_s, u"[-a-zA-Z0-9_]+"_s},
        {u"uuid"_s, u"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"_s},
        {u"path"_s, u".+"_s},
    };
    const auto escape = [](QStringView literal) {
        QString out;
        for (QChar c : literal) {
            if (QStringView(u"()[]{}?*+-|^$\\.&~# \t\n\r\v\f").contains(c))
                out += u'\\';
            out += c;
        }
        return out;
    };
    QString regex = u"^"_s;
    qsizetype pos = 0;
    for (;;) {
        const qsizetype open = route.indexOf(u'<', pos);
        if (open < 0) {
            regex += escape(QStringView(route).sliced(pos));
            break;
        }
        regex += escape(QStringView(route).sliced(pos, open - pos));
        const qsizetype close = route.indexOf(u'>', open);
        if (close < 0) {
            *problem = u"path() route '%1' has an unclosed '<'"_s.arg(route);
            return {};
        }
        const QString parameter = route.mid(open + 1, close - open - 1);
        const qsizetype colon = parameter.indexOf(u':');
        const QString converter = colon < 0 ? u"str"_s : parameter.left(colon);
        const QString name = colon < 0 ? parameter : parameter.mid(colon + 1);
        if (!converters.contains(converter)) {
            *problem = u"path() route '%1' uses the unknown converter '%2'"_s.arg(route, converter);
            return {};
        }
        regex += u"(?P<%1>%2)"_s.arg(name, converters.value(converter));
        pos = close + 1;
    }
    if (isEndpoint)
        regex += u"\\Z"_s;
    return regex;
}

// Django matches an included pattern against what its prefix left over, so the child's anchor goes.
QString joinPattern(const QString& prefix, const QString& child)
{
    return prefix + (child.startsWith(u'^') ? child.mid(1) : child);
}

bool capturesOrganization(const QString& pattern)
{
    return pattern.contains(u"(?P<organization_id_or_slug>") || pattern.contains(u"(?P<organization_slug>");
}

// ---- Following URL modules and imports -----------------------------------------------------------

struct Origin
{
    QString what;
    QString file;
    int line = 0;
};

struct Symbol
{
    enum class Kind
    {
        Missing,
        Module,
        Class,
        UrlList,
        Function,
        Other
    };
    Kind kind = Kind::Missing;
    Module* module = nullptr;
    size_t index = 0;
    QString qualified; // module.name, for messages and endpointClass
    QString problem;   // Missing: why
    bool notDefined =
        false; // Missing because the module lacks the name (rather than a broken chain behind it)
};

Symbol missing(const QString& problem, bool notDefined = false)
{
    Symbol s;
    s.problem = problem;
    s.notDefined = notDefined;
    return s;
}

struct SiloLookup
{
    QString silo;
    QString problem;
};

// The arguments of a re_path(), url() or path() entry, by position or keyword as Django takes them.
struct UrlArguments
{
    std::optional<Span> pattern;
    std::optional<Span> view;
    std::optional<Span> name;
};

UrlArguments urlArguments(const Module& m, Span args)
{
    std::vector<Span> positional;
    QHash<QString, Span> keywords;
    for (const Span arg : m.split(args, u",")) {
        if (const auto kw = m.keyword(arg))
            keywords.insert(kw->first, kw->second);
        else
            positional.push_back(arg);
    }
    const auto argument = [&](size_t position, std::initializer_list<QString> names) -> std::optional<Span> {
        if (position < positional.size())
            return positional[position];
        for (const QString& name : names) {
            if (keywords.contains(name))
                return keywords.value(name);
        }
        return std::nullopt;
    };
    return {argument(0, {u"route"_s, u"regex"_s}), argument(1, {u"view"_s}), argument(3, {u"name"_s})};
}

class Scanner
{
public:
    explicit Scanner(const QString& root) : m_root(root) {}

    ScanResult run()
    {
        const QString urlsPath = u"src/sentry/api/urls.py"_s;
        Module* urls = load(apiUrlModule.toString());
        if (!urls) {
            m_result.unresolved.push_back(
                {urlsPath, u"file not found under %1"_s.arg(QDir::toNativeSeparators(m_root)), urlsPath, 0});
            return std::move(m_result);
        }
        walkSymbol({Symbol::Kind::Module, urls, 0, urls->name, {}, false}, apiPrefix.toString(),
                   {urls->name, urls->path, 0});
        return std::move(m_result);
    }

private:
    Module* load(const QString& name)
    {
        if (const auto it = m_modules.constFind(name); it != m_modules.cend())
            return it->get();
        std::shared_ptr<Module> module;
        const QString base = u"src/"_s + QString(name).replace(u'.', u'/');
        const QDir root(m_root);
        QString path;
        bool isPackage = false;
        if (!name.isEmpty() && !name.contains(u"..")) {
            if (QFileInfo(root.filePath(base + u"/__init__.py"_s)).isFile()) {
                path = base + u"/__init__.py"_s;
                isPackage = true;
            } else if (QFileInfo(root.filePath(base + u".py"_s)).isFile()) {
                path = base + u".py"_s;
            } else if (QFileInfo(root.filePath(base)).isDir()) {
                path = base; // a namespace package: no __init__.py, no bindings
                isPackage = true;
            }
        }
        if (path.endsWith(u".py")) {
            QFile file(root.filePath(path));
            if (file.open(QIODevice::ReadOnly)) {
                module = std::make_shared<Module>();
                module->source = QString::fromUtf8(file.readAll());
            }
        } else if (!path.isEmpty()) {
            module = std::make_shared<Module>();
        }
        if (module) {
            module->name = name;
            module->path = path;
            module->isPackage = isPackage;
            python::readModule(*module);
        }
        m_modules.insert(name, module);
        return module.get();
    }

    Symbol resolveName(Module* m, const QString& name, int depth = 0)
    {
        if (depth > maxImportDepth)
            return missing(u"import cycle while resolving '%1' in %2"_s.arg(name, m->name));
        const QString qualified = m->name + u'.' + name;
        if (const auto it = m->bindings.constFind(name); it != m->bindings.cend())
            return resolveBinding(m, *it, name, qualified, depth);
        for (const QString& star : std::as_const(m->starImports)) {
            if (Module* source = load(star)) {
                Symbol s = resolveName(source, name, depth + 1);
                if (s.kind != Symbol::Kind::Missing)
                    return s;
            }
        }
        if (m->isPackage) {
            if (Module* sub = load(qualified))
                return {Symbol::Kind::Module, sub, 0, sub->name, {}, false};
        }
        return missing(u"name '%1' is not defined in %2 (%3)"_s.arg(name, m->name, m->path), true);
    }

    // What the binding `b` of `name` in m refers to, following imports.
    Symbol resolveBinding(Module* m, const Binding& b, const QString& name, const QString& qualified,
                          int depth)
    {
        switch (b.kind) {
        case Binding::Kind::Class:
            return {Symbol::Kind::Class, m, b.index, qualified, {}, false};
        case Binding::Kind::UrlList:
            return {Symbol::Kind::UrlList, m, b.index, qualified, {}, false};
        case Binding::Kind::Function:
            return {Symbol::Kind::Function, m, 0, qualified, {}, false};
        case Binding::Kind::Other:
            return {Symbol::Kind::Other, m, 0, qualified, {}, false};
        case Binding::Kind::ModuleImport:
            if (Module* target = load(b.module))
                return {Symbol::Kind::Module, target, 0, target->name, {}, false};
            return missing(u"module %1 not found (imported at %2)"_s.arg(b.module, m->location(b.line)));
        case Binding::Kind::FromImport: {
            if (!b.problem.isEmpty())
                return missing(u"%1 (at %2)"_s.arg(b.problem, m->location(b.line)));
            Module* source = load(b.module);
            if (!source)
                return missing(u"module %1 not found (imported at %2)"_s.arg(b.module, m->location(b.line)));
            // `from . import x` inside a package names its submodule x, not the binding being resolved.
            if (source == m && b.attr == name) {
                if (Module* sub = load(b.module + u'.' + b.attr))
                    return {Symbol::Kind::Module, sub, 0, sub->name, {}, false};
                return missing(
                    u"module %1.%2 not found (imported at %3)"_s.arg(b.module, b.attr, m->location(b.line)));
            }
            Symbol s = resolveName(source, b.attr, depth + 1);
            if (s.kind == Symbol::Kind::Missing && s.notDefined)
                return missing(
                    u"%1 has no name '%2' (imported at %3)"_s.arg(b.module, b.attr, m->location(b.line)));
            return s;
        }
        }
        Q_UNREACHABLE();
        return {};
    }

    Symbol resolveDotted(Module* m, const QStringList& parts)
    {
        Symbol s = resolveName(m, parts.front());
        for (qsizetype i = 1; i < parts.size(); ++i) {
            if (s.kind == Symbol::Kind::Missing)
                return s;
            if (s.kind != Symbol::Kind::Module)
                return missing(
                    u"%1 is not a module, so '%2' cannot be looked up in it"_s.arg(s.qualified, parts[i]));
            s = resolveName(s.module, parts[i]);
        }
        return s;
    }

    void unresolved(const Origin& origin, const QString& reason)
    {
        m_result.unresolved.push_back({origin.what, reason, origin.file, origin.line});
    }

    void walkSymbol(const Symbol& s, const QString& prefix, const Origin& origin)
    {
        switch (s.kind) {
        case Symbol::Kind::Missing:
            unresolved(origin, s.problem);
            return;
        case Symbol::Kind::Module: {
            const Symbol patterns = resolveName(s.module, u"urlpatterns"_s);
            if (patterns.kind == Symbol::Kind::Missing && patterns.notDefined)
                unresolved(origin,
                           u"module %1 (%2) has no urlpatterns"_s.arg(s.module->name, s.module->path));
            else
                walkSymbol(patterns, prefix, origin);
            return;
        }
        case Symbol::Kind::UrlList: {
            const UrlList& list = s.module->lists[s.index];
            if (!list.problem.isEmpty()) {
                unresolved(origin, list.problem);
                return;
            }
            const QString key = s.module->name + u'.' + list.name;
            if (m_including.contains(key)) {
                unresolved(origin, u"include cycle: %1 includes itself"_s.arg(key));
                return;
            }
            m_including.insert(key);
            const Origin listOrigin{list.name, s.module->path, list.line};
            for (const Span term : list.terms)
                walkTerm(s.module, term, prefix, listOrigin);
            m_including.remove(key);
            return;
        }
        case Symbol::Kind::Class:
            unresolved(origin, u"class %1 is not a URL list"_s.arg(s.qualified));
            return;
        case Symbol::Kind::Function:
            unresolved(origin, u"function %1 is not a URL list"_s.arg(s.qualified));
            return;
        case Symbol::Kind::Other:
            unresolved(origin, u"%1 is not a URL list"_s.arg(s.qualified));
            return;
        }
    }

    void walkTerm(Module* m, Span term, const QString& prefix, const Origin& origin)
    {
        // Inline lists, unpacking and include() nest by recursion here: a hostile checkout gets an
        // unresolved entry at a bounded depth instead of exhausting the stack.
        if (m_depth >= kMaxNesting) {
            unresolved(origin, u"URL lists nested deeper than %1 levels"_s.arg(kMaxNesting));
            return;
        }
        ++m_depth;
        const auto leave = qScopeGuard([this] { --m_depth; });
        if (m->enclosedBy(term, u"[")) {
            for (const Span item : m->split(inner(term), u","))
                walkItem(m, item, prefix);
        } else if (const auto name = m->dotted(term)) {
            walkSymbol(resolveDotted(m, *name), prefix, origin);
        } else {
            unresolved(origin, u"unsupported URL list expression: %1"_s.arg(m->text(term)));
        }
    }

    void walkItem(Module* m, Span item, const QString& prefix)
    {
        const int line = m->lineOf(item);
        if (m->at(item.begin).isOp(u"*")) {
            walkTerm(m, {item.begin + 1, item.end}, prefix, {m->text(item), m->path, line});
            return;
        }
        const auto call = m->call(item);
        const QString function = call ? call->callee.back() : QString();
        if (function != u"re_path" && function != u"url" && function != u"path") {
            unresolved({m->text(item), m->path, line}, u"not a re_path(), url() or path() entry"_s);
            return;
        }
        const UrlArguments args = urlArguments(*m, call->args);
        if (!args.pattern || !args.view) {
            unresolved({m->text(item), m->path, line}, u"a URL entry needs a pattern and a view"_s);
            return;
        }
        QString name;
        if (args.name) {
            const auto literal = m->stringLiteral(*args.name);
            if (!literal) {
                unresolved({m->text(*args.name), m->path, line}, u"the URL name is not a string literal"_s);
                return;
            }
            name = *literal;
        }
        const auto view = m->call(*args.view);
        const bool isInclude = view && view->callee == QStringList{u"include"_s};
        const Origin origin{!name.isEmpty() ? name
                            : isInclude     ? m->text(*args.view)
                                            : m->text(*args.pattern),
                            m->path, line};

        const auto pattern = entryPattern(m, *args.pattern, function == u"path", isInclude, prefix, origin);
        if (!pattern)
            return;
        if (isInclude) {
            walkInclude(m, view->args, *pattern, origin);
            return;
        }
        if (name.isEmpty()) {
            unresolved({*pattern, m->path, line},
                       u"the URL has no name=, so URL_NAME_TO_ACTION cannot refer to it"_s);
            return;
        }

        ScannedEndpoint endpoint{name,    *pattern, {}, u"unknown"_s, capturesOrganization(*pattern),
                                 m->path, line};
        resolveView(m, view, *args.view, origin, endpoint);
        m_result.endpoints.push_back(std::move(endpoint));
    }

    // The entry's regex joined to the prefix of the lists that include it; nullopt once reported.
    std::optional<QString> entryPattern(Module* m, Span patternArg, bool isPath, bool isInclude,
                                        const QString& prefix, const Origin& origin)
    {
        const auto literal = m->stringLiteral(patternArg);
        if (!literal) {
            unresolved(origin, u"the pattern is not a string literal: %1"_s.arg(m->text(patternArg)));
            return std::nullopt;
        }
        QString regex = *literal;
        if (isPath) {
            QString problem;
            regex = routeToRegex(*literal, !isInclude, &problem);
            if (!problem.isEmpty()) {
                unresolved(origin, problem);
                return std::nullopt;
            }
        }
        return joinPattern(prefix, regex);
    }

    // The endpoint's class and silo from its `<Endpoint>.as_view()` view; where that chain breaks, the
    // endpoint keeps silo "unknown" and the reason is reported.
    void resolveView(Module* m, const std::optional<Module::Call>& view, Span viewArg, const Origin& origin,
                     ScannedEndpoint& endpoint)
    {
        if (!view || view->callee.size() < 2 || view->callee.back() != u"as_view") {
            endpoint.endpointClass = m->text(viewArg);
            unresolved(origin,
                       u"the view is not an <Endpoint>.as_view() call: %1"_s.arg(endpoint.endpointClass));
            return;
        }
        const QStringList classPath = view->callee.first(view->callee.size() - 1);
        endpoint.endpointClass = classPath.join(u'.');
        const Symbol cls = resolveDotted(m, classPath);
        if (cls.kind == Symbol::Kind::Missing) {
            unresolved(origin, cls.problem);
            return;
        }
        if (cls.kind != Symbol::Kind::Class) {
            unresolved(origin, u"%1 is not a class"_s.arg(cls.qualified));
            return;
        }
        endpoint.endpointClass = cls.qualified;
        QSet<QString> visited;
        const SiloLookup silo = siloOf(cls.module, cls.index, visited);
        if (silo.silo.isEmpty())
            unresolved(origin, silo.problem);
        else
            endpoint.silo = silo.silo;
    }

    void walkInclude(Module* m, Span args, const QString& prefix, const Origin& origin)
    {
        std::optional<Span> target;
        for (const Span arg : m->split(args, u",")) {
            if (!m->keyword(arg)) {
                target = m->stripParens(arg);
                break;
            }
        }
        if (!target) {
            unresolved(origin, u"include() has no module or URL list argument"_s);
            return;
        }
        if (m->enclosedBy(*target, u"(")) { // include((patterns, app_name))
            const std::vector<Span> parts = m->split(inner(*target), u",");
            if (!parts.empty())
                target = m->stripParens(parts.front());
        }
        if (const auto moduleName = m->stringLiteral(*target)) {
            if (Module* included = load(*moduleName))
                walkSymbol({Symbol::Kind::Module, included, 0, included->name, {}, false}, prefix, origin);
            else
                unresolved(origin, u"module %1 not found"_s.arg(*moduleName));
        } else if (m->enclosedBy(*target, u"[") || m->dotted(*target)) {
            walkTerm(m, *target, prefix, origin);
        } else if (m->call(*target)) {
            unresolved(origin,
                       u"include() of the result of %1 cannot be evaluated without running Python"_s.arg(
                           m->text(*target)));
        } else {
            unresolved(origin, u"unsupported include() argument: %1"_s.arg(m->text(*target)));
        }
    }

    SiloLookup siloOf(Module* m, size_t classIndex, QSet<QString>& visited)
    {
        const ClassDef& cls = m->classes[classIndex];
        const QString where = u"class %1 (%2)"_s.arg(cls.name, m->location(cls.line));
        visited.insert(m->name + u'.' + cls.name);
        QStringList silos;
        QStringList decorators;
        for (const QString& decorator : cls.decorators) {
            const QString silo = siloForDecorator(decorator);
            if (!silo.isEmpty() && !silos.contains(silo)) {
                silos << silo;
                decorators << u'@' + decorator;
            }
        }
        if (silos.size() > 1)
            return {{}, u"%1 has conflicting silo decorators %2"_s.arg(where, decorators.join(u" and "))};
        if (silos.size() == 1)
            return {silos.front(), {}};
        // Sentry's decorator sets the limit on the class, so subclasses inherit it.
        for (const Span base : cls.bases) {
            const auto name = m->dotted(base);
            if (!name)
                continue;
            const Symbol parent = resolveDotted(m, *name);
            if (parent.kind != Symbol::Kind::Class || visited.contains(parent.qualified))
                continue;
            const SiloLookup inherited = siloOf(parent.module, parent.index, visited);
            if (!inherited.silo.isEmpty())
                return inherited;
        }
        return {{}, u"%1 has no silo decorator"_s.arg(where)};
    }

    QString m_root;
    QHash<QString, std::shared_ptr<Module>> m_modules; // null for modules that do not exist
    static constexpr int kMaxNesting = 64;
    int m_depth = 0;           // walkTerm calls on the stack
    QSet<QString> m_including; // URL lists being walked, to stop include cycles
    ScanResult m_result;
};

} // namespace

ScanResult scanSentryCheckout(const QString& root)
{
    return Scanner(root).run();
}

QString drainReasonName(DrainReason reason)
{
    switch (reason) {
    case DrainReason::Conforming:
        return u"conforming"_s;
    case DrainReason::Internal:
        return u"internal"_s;
    case DrainReason::Gone:
        return u"gone"_s;
    }
    Q_UNREACHABLE();
    return {};
}

ScanReport analyze(const ScanResult& scan, const std::vector<MapEntry>& map)
{
    QSet<QString> mapped;
    for (const MapEntry& entry : map)
        mapped.insert(entry.urlName);

    ScanReport report;
    QHash<QString, std::vector<const ScannedEndpoint*>> byName;
    for (const ScannedEndpoint& endpoint : scan.endpoints) {
        ++report.urlCountBySilo[endpoint.silo];
        byName[endpoint.name].push_back(&endpoint);
        if (endpoint.silo == u"cell" && !endpoint.hasOrgParam) {
            report.nonConforming.push_back(endpoint);
            if (!mapped.contains(endpoint.name))
                report.missingFromMap.push_back(endpoint);
        }
    }

    for (const MapEntry& entry : map) {
        const std::vector<const ScannedEndpoint*> endpoints = byName.value(entry.urlName);
        if (endpoints.empty()) {
            report.readyToDrain.push_back(
                {entry, DrainReason::Gone, u"no URL named %1 in the checkout"_s.arg(entry.urlName)});
            continue;
        }
        bool undecided = false;
        bool allInternal = true;
        const ScannedEndpoint* movedSilo = nullptr;
        for (const ScannedEndpoint* endpoint : endpoints) {
            undecided |=
                endpoint->silo == u"unknown" || (endpoint->silo == u"cell" && !endpoint->hasOrgParam);
            allInternal &= endpoint->silo == u"internal_cell";
            if (!movedSilo && endpoint->silo != u"cell")
                movedSilo = endpoint;
        }
        if (undecided)
            continue;
        if (allInternal)
            report.readyToDrain.push_back(
                {entry, DrainReason::Internal,
                 u"now @internal_cell_silo_endpoint, exempt from the routing rule"_s});
        else if (movedSilo)
            report.readyToDrain.push_back(
                {entry, DrainReason::Conforming, u"no longer cell silo: now %1"_s.arg(movedSilo->silo)});
        else
            report.readyToDrain.push_back(
                {entry, DrainReason::Conforming, u"the pattern now captures the organization"_s});
    }
    return report;
}

QByteArray toCatalogJson(const ScanResult& scan, const QStringList& pinnedUrlNames,
                         const std::vector<MapEntry>& map)
{
    QHash<QString, Action> actions;
    for (const MapEntry& entry : map)
        actions.insert(entry.urlName, entry.action);

    QJsonArray endpoints;
    for (const ScannedEndpoint& endpoint : scan.endpoints) {
        if (endpoint.silo == u"unknown")
            continue;
        QJsonObject object{
            {u"name"_s, endpoint.name}, {u"pattern"_s, endpoint.pattern}, {u"silo"_s, endpoint.silo}};
        if (const auto it = actions.constFind(endpoint.name); it != actions.cend())
            object.insert(u"backlog_action"_s, actionName(*it));
        endpoints.append(object);
    }
    const QJsonObject root{{u"endpoints"_s, endpoints},
                           {u"pinned_url_names"_s, QJsonArray::fromStringList(pinnedUrlNames)}};
    return QJsonDocument(root).toJson(QJsonDocument::Indented);
}

} // namespace cellscope::backlog
