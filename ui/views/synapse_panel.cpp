#include "ui/views/synapse_panel.h"

#include "core/routing/replay_input.h"

#include <QFile>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSplitter>
#include <QTableWidget>
#include <QVBoxLayout>

namespace cellscope::ui {

namespace {

QString text(std::string_view value)
{
    return QString::fromUtf8(value.data(), static_cast<qsizetype>(value.size()));
}

QString actionText(const routing::SynapseAction& action)
{
    if (action.to)
        return QObject::tr("to %1").arg(text(*action.to));
    if (!action.resolver)
        return QObject::tr("(no action)");
    QString out =
        QObject::tr("resolver %1, %n cell(s) mapped", nullptr, static_cast<int>(action.cellToUpstream.size()))
            .arg(text(routing::synapseResolverName(*action.resolver)));
    if (action.defaultUpstream)
        out += QObject::tr(", default %1").arg(text(*action.defaultUpstream));
    return out;
}

// What a load and lint on the worker hands back.
struct Loaded
{
    std::shared_ptr<const routing::SynapseConfig> config;
    routing::SynapseLintReport lint;
    QString problem;
};

struct Replayed
{
    std::optional<routing::SynapseReplay> hits;
    qint64 requests = 0;
    QString problem;
};

} // namespace

SynapsePanel::SynapsePanel(std::shared_ptr<const routing::Catalog> catalog, QWidget* parent)
    : QWidget(parent), m_catalog(std::move(catalog))
{
    auto* layout = new QVBoxLayout(this);
    auto* row = new QHBoxLayout;
    m_file = new QLineEdit(this);
    m_file->setReadOnly(true);
    m_file->setPlaceholderText(tr("No Synapse configuration: traces follow the modelled rules only"));
    auto* open = new QPushButton(tr("Open Synapse config…"), this);
    auto* reload = new QPushButton(tr("Reload"), this);
    auto* replay = new QPushButton(tr("Count hits from an access log…"), this);
    row->addWidget(m_file, 1);
    row->addWidget(open);
    row->addWidget(reload);
    row->addWidget(replay);
    layout->addLayout(row);
    m_summary = new QLabel(tr("Open the YAML file your Synapse runs with (proxy, ingest_router and locator "
                              "sections): its routes, what Synapse would refuse or get wrong, and which "
                              "route each request takes."),
                           this);
    m_summary->setWordWrap(true);
    layout->addWidget(m_summary);

    auto* splitter = new QSplitter(Qt::Vertical, this);
    m_routes = new QTableWidget(0, 8, splitter);
    m_routes->setHorizontalHeaderLabels({tr("Section"), tr("#"), tr("Line"), tr("Host"), tr("Path"),
                                         tr("Hits"), tr("Findings"), tr("Action")});
    m_routes->setObjectName(QStringLiteral("synapseRoutes"));
    m_findings = new QTableWidget(0, 5, splitter);
    m_findings->setHorizontalHeaderLabels(
        {tr("Severity"), tr("Code"), tr("Line"), tr("Route"), tr("Message")});
    for (QTableWidget* table : {m_routes, m_findings}) {
        table->verticalHeader()->hide();
        table->setEditTriggers(QAbstractItemView::NoEditTriggers);
        table->setSelectionBehavior(QAbstractItemView::SelectRows);
        table->horizontalHeader()->setStretchLastSection(true);
    }
    splitter->setStretchFactor(0, 3);
    splitter->setStretchFactor(1, 1);
    layout->addWidget(splitter, 1);

    connect(open, &QPushButton::clicked, this, [this] {
        const QString path = QFileDialog::getOpenFileName(this, tr("Synapse configuration"), QString(),
                                                          tr("YAML files (*.yaml *.yml);;All files (*)"));
        if (!path.isEmpty())
            openConfig(path);
    });
    connect(reload, &QPushButton::clicked, this, &SynapsePanel::reload);
    connect(replay, &QPushButton::clicked, this, [this] {
        const QString path = QFileDialog::getOpenFileName(this, tr("Access log"));
        if (!path.isEmpty())
            replayLog(path);
    });
}

void SynapsePanel::setSnapshot(const SnapshotPtr& snapshot)
{
    m_snapshot = snapshot;
    reload(); // the world-dependent findings change with the world
}

void SynapsePanel::openConfig(const QString& path)
{
    m_path = path;
    m_file->setText(path);
    reload();
}

void SynapsePanel::reload()
{
    if (m_path.isEmpty())
        return;
    const quint64 ticket = ++m_ticket;
    m_summary->setText(tr("Loading %1…").arg(m_path));
    m_worker.post(
        this,
        [path = m_path.toStdString(), world = m_snapshot]() noexcept {
            Loaded loaded;
            try {
                std::optional<routing::SynapseConfig> config;
                loaded.lint = routing::lintSynapseConfigFile(path, world.get(), &config);
                if (config)
                    loaded.config = std::make_shared<const routing::SynapseConfig>(std::move(*config));
                else // a file that does not load is one yaml_error in the report
                    loaded.problem = QString::fromStdString(loaded.lint.errors.front().message);
            } catch (const std::exception& e) {
                loaded.problem = QString::fromUtf8(e.what());
            }
            return loaded;
        },
        [this, ticket](Loaded loaded) {
            if (ticket != m_ticket)
                return;
            m_config = std::move(loaded.config);
            m_lint = std::move(loaded.lint);
            m_hits.reset();
            showRoutes();
            if (!loaded.problem.isEmpty())
                m_summary->setText(tr("%1 did not load: %2").arg(m_path, loaded.problem));
            emit configChanged(m_config, loaded.problem);
        });
}

void SynapsePanel::replayLog(const QString& path)
{
    if (!m_config || !m_snapshot || !m_catalog)
        return;
    const quint64 ticket = m_ticket;
    m_summary->setText(tr("Replaying %1 through %2…").arg(path, m_path));
    m_worker.post(
        this,
        [path, config = m_config, world = m_snapshot, catalog = m_catalog]() noexcept {
            Replayed out;
            QFile file(path);
            if (!file.open(QIODevice::ReadOnly)) {
                out.problem = tr("cannot read %1: %2").arg(path, file.errorString());
                return out;
            }
            try {
                routing::ReplayOptions options;
                options.synapse = config.get();
                routing::ReplayReport report =
                    routing::replayInput(*world, *catalog, options, file, path.toStdString(), 0);
                out.requests = static_cast<qint64>(report.lines - report.malformed);
                out.hits = std::move(report.synapse);
            } catch (const std::exception& e) {
                out.problem = QString::fromUtf8(e.what());
            }
            return out;
        },
        [this, ticket, path](Replayed out) {
            if (ticket != m_ticket)
                return; // another file was loaded meanwhile: these hits are for the old one
            if (!out.hits) {
                m_summary->setText(out.problem);
                return;
            }
            m_hits = std::move(out.hits);
            showRoutes();
            emit hitsCounted(out.requests, static_cast<qint64>(m_hits->unmatched));
        });
}

void SynapsePanel::showRoutes()
{
    struct Row
    {
        QString section;
        std::size_t index;
        int line;
        std::optional<std::string> host, path;
        QString action;
    };
    std::vector<Row> rows;
    if (m_config) {
        for (std::size_t i = 0; i < m_config->proxy.routes.size(); ++i) {
            const auto& route = m_config->proxy.routes[i];
            rows.push_back(
                {tr("proxy"), i, route.line, route.match.host, route.match.path, actionText(route.action)});
        }
        for (std::size_t i = 0; i < m_config->ingestRouter.routes.size(); ++i) {
            const auto& route = m_config->ingestRouter.routes[i];
            rows.push_back({tr("ingest_router"), i, route.line, route.match.host, route.match.path,
                            tr("handler %1, locality %2")
                                .arg(text(routing::ingestHandlerName(route.handler)), text(route.locality))});
        }
    }
    // A finding belongs to the route it names: same index and the route's first line.
    auto findingsOf = [this](const Row& row) {
        QStringList codes;
        for (const auto* list : {&m_lint.errors, &m_lint.warnings})
            for (const auto& finding : *list)
                if (finding.route == row.index && finding.line == row.line)
                    codes << text(finding.code);
        return codes.join(QStringLiteral(", "));
    };
    const bool counted = m_hits.has_value();
    m_routes->setRowCount(static_cast<int>(rows.size()));
    int unreached = 0;
    for (int r = 0; r < static_cast<int>(rows.size()); ++r) {
        const Row& row = rows[static_cast<std::size_t>(r)];
        QString hits;
        bool never = false;
        if (counted && static_cast<std::size_t>(r) < m_hits->routes.size()) {
            const std::uint64_t n = m_hits->routes[static_cast<std::size_t>(r)].hits;
            hits = QString::number(n);
            never = n == 0;
            unreached += never;
        }
        const QString findings = findingsOf(row);
        const QStringList cells{row.section,
                                QString::number(row.index),
                                QString::number(row.line),
                                row.host ? text(*row.host) : tr("(any)"),
                                row.path ? text(*row.path) : tr("(any)"),
                                hits,
                                findings,
                                row.action};
        for (int c = 0; c < cells.size(); ++c) {
            auto* item = new QTableWidgetItem(cells[c]);
            item->setToolTip(cells[c]);
            if ((c == 6 && !findings.isEmpty()) || (c == 5 && never))
                item->setForeground(palette().color(QPalette::Link));
            m_routes->setItem(r, c, item);
        }
    }
    m_routes->resizeColumnsToContents();

    std::vector<QStringList> findings;
    for (const auto& finding : m_lint.errors)
        findings.push_back({tr("error"), text(finding.code), QString::number(finding.line),
                            finding.route ? QString::number(*finding.route) : QString(),
                            text(finding.message)});
    for (const auto& finding : m_lint.warnings)
        findings.push_back({tr("warning"), text(finding.code), QString::number(finding.line),
                            finding.route ? QString::number(*finding.route) : QString(),
                            text(finding.message)});
    m_findings->setRowCount(static_cast<int>(findings.size()));
    for (int r = 0; r < static_cast<int>(findings.size()); ++r)
        for (int c = 0; c < 5; ++c) {
            auto* item = new QTableWidgetItem(findings[static_cast<std::size_t>(r)][c]);
            item->setToolTip(item->text());
            m_findings->setItem(r, c, item);
        }
    m_findings->resizeColumnsToContents();

    QString summary = tr("%1: %2 proxy route(s), %3 ingest-router route(s) · %4 error(s), %5 warning(s)")
                          .arg(m_path)
                          .arg(m_config ? m_config->proxy.routes.size() : 0)
                          .arg(m_config ? m_config->ingestRouter.routes.size() : 0)
                          .arg(m_lint.errors.size())
                          .arg(m_lint.warnings.size());
    if (!m_lint.errors.empty())
        summary += tr(" — Synapse would refuse to start with this file; traces ignore it");
    if (counted)
        summary += tr(" · replay: %1 request(s) no route takes, %2 route(s) no request reached")
                       .arg(m_hits->unmatched)
                       .arg(unreached);
    m_summary->setText(summary);
}

} // namespace cellscope::ui
