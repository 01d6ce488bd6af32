#include "ui/views/trace_workbench.h"

#include "core/net/locator_client.h"
#include "core/routing/synapse_report.h"
#include "core/util/error.h"
#include "ui/views/synapse_panel.h"
#include "ui/widgets/flow_diagram.h"

#include <QApplication>
#include <QClipboard>
#include <QComboBox>
#include <QFileDialog>
#include <QFontDatabase>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSplitter>
#include <QTabWidget>
#include <QTableWidget>
#include <QVBoxLayout>

namespace cellscope::ui {

namespace {

QString text(const std::string& value)
{
    return QString::fromStdString(value);
}

// What each warning means for an SRE, shown next to the tracer's own sentence.
QString explanation(const std::string& code)
{
    static const std::map<std::string, const char*> kExplanations{
        {"locality_mismatch", "The organization lives in another locality: this host's Synapse answers 404. "
                              "Use the org's own locality host."},
        {"pinned_may_404", "Pinned URL names always go to the monolith cell; resources living in other cells "
                           "answer 404 there."},
        {"legacy_dsn_no_locality", "The DSN host names no locality: ingestion still routes by key, but the "
                                   "error-embed widget cannot find the cell and breaks silently."},
        {"non_conforming_endpoint",
         "A cell endpoint without organization_id_or_slug: Synapse cannot route it in "
         "a multi-cell locality (see the migration backlog)."},
        {"partial_results",
         "The answer only covers the cell the request reached; other cells' data is missing."},
        {"dsn_org_mismatch", "The DSN's o{id} host names another organization than the key belongs to."},
        {"org_relocating", "The organization is being relocated between cells; which cell answers depends on "
                           "the relocation's step."},
        {"known_issue", "A known gap of the cell architecture (see the source design's Known Issues)."},
    };
    const auto it = kExplanations.find(code);
    return it == kExplanations.end() ? QString() : QString::fromLatin1(it->second);
}

QString shellQuote(const QString& value)
{
    QString quoted = value;
    quoted.replace(QLatin1Char('\''), QStringLiteral("'\\''"));
    return QLatin1Char('\'') + quoted + QLatin1Char('\'');
}

} // namespace

TraceWorkbench::TraceWorkbench(QWidget* parent) : QWidget(parent)
{
    try {
        m_catalog = std::make_shared<const routing::Catalog>(routing::Catalog::bundled());
    } catch (const std::exception& e) {
        qWarning("bundled catalog failed to load: %s", e.what());
    }
    auto* tabs = new QTabWidget(this);
    auto* outer = new QVBoxLayout(this);
    outer->setContentsMargins(0, 0, 0, 0);
    outer->addWidget(tabs);

    // ---- Trace tab
    auto* tracePage = new QWidget(tabs);
    auto* layout = new QVBoxLayout(tracePage);
    auto* inputRow = new QHBoxLayout;
    m_method = new QComboBox(tracePage);
    m_method->addItems({QStringLiteral("GET"), QStringLiteral("POST"), QStringLiteral("PUT"),
                        QStringLiteral("DELETE"), QStringLiteral("PATCH")});
    m_input = new QLineEdit(tracePage);
    m_input->setPlaceholderText(
        tr("URL, path or DSN, e.g. https://us.sentry.io/api/0/organizations/acme/issues/ (Ctrl+L)"));
    m_input->setClearButtonEnabled(true);
    auto* go = new QPushButton(tr("Trace"), tracePage);
    go->setDefault(true);
    inputRow->addWidget(m_method);
    inputRow->addWidget(m_input, 1);
    inputRow->addWidget(go);
    layout->addLayout(inputRow);

    auto* extras = new QFormLayout;
    m_headers = new QPlainTextEdit(tracePage);
    m_headers->setPlaceholderText(tr("One header per line, e.g. X-Sentry-Auth: Sentry sentry_key=…"));
    m_headers->setMaximumHeight(m_headers->fontMetrics().height() * 3 + 12);
    m_integration = new QLineEdit(tracePage);
    m_integration->setPlaceholderText(tr("External id of the integration a webhook is for"));
    extras->addRow(tr("Headers:"), m_headers);
    extras->addRow(tr("Integration:"), m_integration);
    m_body = new QPlainTextEdit(tracePage);
    m_body->setPlaceholderText(
        tr("Request body, read by a Synapse configuration's ingest-router, e.g. Relay's "
           "{\"publicKeys\": [\"…\"]}"));
    m_body->setMaximumHeight(m_body->fontMetrics().height() * 2 + 12);
    extras->addRow(tr("Body:"), m_body);
    m_locator = new QLineEdit(tracePage);
    m_locator->setPlaceholderText(
        tr("Optional: a running Synapse locator to compare with, e.g. http://127.0.0.1:3000"));
    extras->addRow(tr("Verify with:"), m_locator);
    layout->addLayout(extras);

    auto* badgeRow = new QHBoxLayout;
    m_badge = new QLabel(tracePage);
    m_badge->setMargin(6);
    m_badge->setTextInteractionFlags(Qt::TextSelectableByMouse);
    auto* copyJson = new QPushButton(tr("Copy as JSON"), tracePage);
    auto* copyCommand = new QPushButton(tr("Copy as cellctl command"), tracePage);
    badgeRow->addWidget(m_badge, 1);
    badgeRow->addWidget(copyJson);
    badgeRow->addWidget(copyCommand);
    layout->addLayout(badgeRow);
    m_error = new QLabel(tracePage);
    m_error->setWordWrap(true);
    m_error->setStyleSheet(QStringLiteral("QLabel { color: #b3261e; font-weight: bold; }"));
    m_error->hide();
    layout->addWidget(m_error);
    m_synapseDecision = new QLabel(tracePage);
    m_synapseDecision->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_synapseDecision->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_synapseDecision->hide();
    layout->addWidget(m_synapseDecision);

    m_diagram = new FlowDiagram(tracePage);
    layout->addWidget(m_diagram);

    auto* splitter = new QSplitter(Qt::Horizontal, tracePage);
    auto* details = new QSplitter(Qt::Vertical, splitter);
    auto makeTable = [](const QStringList& headers, QWidget* owner) {
        auto* table = new QTableWidget(0, static_cast<int>(headers.size()), owner);
        table->setHorizontalHeaderLabels(headers);
        table->verticalHeader()->hide();
        table->setEditTriggers(QAbstractItemView::NoEditTriggers);
        table->setSelectionBehavior(QAbstractItemView::SelectRows);
        table->setWordWrap(true);
        table->horizontalHeader()->setStretchLastSection(true);
        return table;
    };
    m_hops = makeTable({tr("#"), tr("Component"), tr("Rule"), tr("Decision")}, details);
    m_warnings = makeTable({tr("Warning"), tr("What the tracer saw"), tr("What it means")}, details);
    auto* historyBox = new QWidget(splitter);
    auto* historyLayout = new QVBoxLayout(historyBox);
    historyLayout->setContentsMargins(0, 0, 0, 0);
    historyLayout->addWidget(new QLabel(tr("History"), historyBox));
    m_history = new QListWidget(historyBox);
    historyLayout->addWidget(m_history);
    splitter->addWidget(details);
    splitter->addWidget(historyBox);
    splitter->setStretchFactor(0, 4);
    splitter->setStretchFactor(1, 1);
    layout->addWidget(splitter, 1);
    tabs->addTab(tracePage, tr("Trace"));

    // ---- Check file tab
    auto* checkPage = new QWidget(tabs);
    auto* checkLayout = new QVBoxLayout(checkPage);
    auto* checkRow = new QHBoxLayout;
    auto* open = new QPushButton(tr("Run a route check file…"), checkPage);
    m_checkSummary = new QLabel(
        tr("A check file lists inputs and what each must route to (cellctl check format)."), checkPage);
    m_checkSummary->setWordWrap(true);
    checkRow->addWidget(open);
    checkRow->addWidget(m_checkSummary, 1);
    checkLayout->addLayout(checkRow);
    m_checkResults = new QTableWidget(0, 5, checkPage);
    m_checkResults->setHorizontalHeaderLabels(
        {tr("Test"), tr("Result"), tr("Field"), tr("Expected"), tr("Actual")});
    m_checkResults->verticalHeader()->hide();
    m_checkResults->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_checkResults->horizontalHeader()->setStretchLastSection(true);
    checkLayout->addWidget(m_checkResults, 1);
    tabs->addTab(checkPage, tr("Check file"));

    // ---- Synapse tab
    m_synapsePanel = new SynapsePanel(m_catalog, tabs);
    tabs->addTab(m_synapsePanel, tr("Synapse"));
    connect(m_synapsePanel, &SynapsePanel::configChanged, this,
            [this](std::shared_ptr<const routing::SynapseConfig> config, const QString&) {
                m_synapse = m_synapsePanel->lint().errors.empty() ? std::move(config) : nullptr;
                if (m_lastRequest)
                    trace(QString::fromStdString(m_lastRequest->input));
            });

    connect(go, &QPushButton::clicked, this, [this] { trace(m_input->text()); });
    connect(m_input, &QLineEdit::returnPressed, this, [this] { trace(m_input->text()); });
    connect(m_history, &QListWidget::itemActivated, this,
            [this](QListWidgetItem* item) { trace(item->text()); });
    connect(copyJson, &QPushButton::clicked, this, [this] {
        if (m_last)
            QApplication::clipboard()->setText(QString::fromUtf8(routing::traceToJson(*m_last)));
    });
    connect(copyCommand, &QPushButton::clicked, this, [this] {
        if (m_last)
            QApplication::clipboard()->setText(commandLine());
    });
    connect(open, &QPushButton::clicked, this, [this] {
        const QString path = QFileDialog::getOpenFileName(this, tr("Route check file"), QString(),
                                                          tr("Check files (*.json);;All files (*)"));
        if (!path.isEmpty())
            runCheckFile(path);
    });
}

void TraceWorkbench::setSnapshot(const SnapshotPtr& snapshot)
{
    m_snapshot = snapshot;
    m_synapsePanel->setSnapshot(snapshot);
}

void TraceWorkbench::focusInput()
{
    m_input->setFocus();
    m_input->selectAll();
}

routing::Request TraceWorkbench::currentRequest(const QString& input) const
{
    routing::Request request;
    request.input = input.trimmed().toStdString();
    request.method = m_method->currentText().toStdString();
    for (const QString& line : m_headers->toPlainText().split(QLatin1Char('\n'), Qt::SkipEmptyParts)) {
        const auto colon = line.indexOf(QLatin1Char(':'));
        if (colon > 0)
            request.headers.emplace_back(line.left(colon).trimmed().toStdString(),
                                         line.mid(colon + 1).trimmed().toStdString());
    }
    if (!m_integration->text().trimmed().isEmpty())
        request.integration = m_integration->text().trimmed().toStdString();
    if (!m_body->toPlainText().trimmed().isEmpty())
        request.body = m_body->toPlainText().toStdString();
    return request;
}

bool TraceWorkbench::trace(const QString& input)
{
    m_input->setText(input);
    m_error->hide();
    if (!m_snapshot || !m_catalog) {
        m_error->setText(tr("No world is loaded yet."));
        m_error->show();
        return false;
    }
    const routing::Request request = currentRequest(input);
    try {
        const routing::Trace result =
            m_synapse ? routing::traceThroughSynapse(*m_snapshot, *m_catalog, request, *m_synapse)
                      : routing::trace(*m_snapshot, *m_catalog, request);
        m_lastRequest = request;
        ++m_traceTicket;
        showTrace(result);
        if (!m_locator->text().trimmed().isEmpty())
            verifyWithLocator();
        if (m_history->count() == 0 || m_history->item(0)->text() != input.trimmed())
            m_history->insertItem(0, input.trimmed());
        return true;
    } catch (const Error& e) {
        m_error->setText(QString::fromUtf8(e.what()));
        m_error->show();
        return false;
    }
}

void TraceWorkbench::showTrace(const routing::Trace& t)
{
    m_last = t;
    m_diagram->setTrace(t);
    const QColor colour = FlowDiagram::outcomeColor(t.outcome.status);
    m_badge->setStyleSheet(
        QStringLiteral("QLabel { background: %1; color: white; border-radius: 4px; font-weight: bold; }")
            .arg(colour.name()));
    m_badge->setText(outcomeText());
    m_synapseDecision->setVisible(t.synapse.has_value());
    if (t.synapse)
        m_synapseDecision->setText(
            QString::fromStdString(routing::synapseDecisionToText(*t.synapse)).trimmed());
    auto fill = [](QTableWidget* table, const std::vector<QStringList>& rows) {
        table->setRowCount(static_cast<int>(rows.size()));
        for (int r = 0; r < static_cast<int>(rows.size()); ++r)
            for (int c = 0; c < rows[static_cast<std::size_t>(r)].size(); ++c) {
                auto* item = new QTableWidgetItem(rows[static_cast<std::size_t>(r)][c]);
                item->setToolTip(rows[static_cast<std::size_t>(r)][c]);
                table->setItem(r, c, item);
            }
    };
    std::vector<QStringList> hops;
    for (const auto& hop : t.hops)
        hops.push_back(
            {QString::number(hops.size() + 1), text(hop.component), text(hop.rule), text(hop.decision)});
    fill(m_hops, hops);
    for (int c = 0; c < 3; ++c)
        m_hops->resizeColumnToContents(c);
    m_hops->resizeRowsToContents();
    std::vector<QStringList> warnings;
    for (const auto& warning : t.warnings)
        warnings.push_back({text(warning.code), text(warning.message), explanation(warning.code)});
    fill(m_warnings, warnings);
    m_warnings->resizeColumnToContents(0);
    // The tracer's sentence gets half of what is left; the explanation wraps in the rest.
    m_warnings->setColumnWidth(
        1, std::max(240, (m_warnings->viewport()->width() - m_warnings->columnWidth(0)) / 2));
    m_warnings->resizeRowsToContents();
}

void TraceWorkbench::setLocatorUrl(const QString& url)
{
    m_locator->setText(url);
}

void TraceWorkbench::verifyWithLocator()
{
    const auto [id, locality] = net::locatorQueryFor(*m_catalog, *m_snapshot, m_lastRequest->input);
    if (id.empty()) {
        emit verified(false, tr("this input names no organization or public key to ask the locator about"));
        return;
    }
    // The question goes over the network: ask from a worker and fold the answer in when it comes,
    // unless another trace has replaced this one meanwhile.
    const QUrl locator(m_locator->text().trimmed());
    const SnapshotPtr snapshot = m_snapshot;
    const quint64 ticket = m_traceTicket;
    using Answer = std::pair<std::optional<routing::Warning>, QString>;
    m_worker.post(
        this,
        [snapshot, locator, id = id, locality = locality]() noexcept {
            Answer answer;
            try {
                answer.first = net::verifyWithLocator(*snapshot, locator, id, locality);
            } catch (const std::exception& e) {
                answer.second = QString::fromUtf8(e.what());
            }
            return answer;
        },
        [this, ticket](Answer answer) {
            const auto& [warning, problem] = answer;
            if (ticket != m_traceTicket || !m_last)
                return;
            if (!problem.isEmpty()) {
                m_error->setText(tr("Locator check failed: %1").arg(problem));
                m_error->show();
            } else if (warning) {
                m_last->warnings.push_back(*warning);
                showTrace(*m_last);
            }
            emit verified(warning.has_value(), problem);
        });
}

QString TraceWorkbench::outcomeText() const
{
    if (!m_last)
        return {};
    const auto& o = m_last->outcome;
    QStringList cells;
    for (const auto& cell : o.cells)
        cells << text(cell);
    QString summary = text(o.status).toUpper();
    if (!cells.isEmpty())
        summary += tr(" to %1").arg(cells.join(QStringLiteral(", ")));
    if (o.silo)
        summary += tr(" · %1 silo").arg(text(*o.silo));
    if (o.httpStatus)
        summary += tr(" · HTTP %1").arg(*o.httpStatus);
    if (m_last->endpoint)
        summary += tr(" · endpoint %1").arg(text(m_last->endpoint->name));
    return summary;
}

QString TraceWorkbench::commandLine() const
{
    if (!m_lastRequest)
        return {};
    QString command = QStringLiteral("cellctl trace ") + shellQuote(text(m_lastRequest->input));
    if (m_lastRequest->method != "GET")
        command += QStringLiteral(" --method ") + text(m_lastRequest->method);
    for (const auto& [name, value] : m_lastRequest->headers)
        command += QStringLiteral(" --header ") + shellQuote(text(name) + QStringLiteral(": ") + text(value));
    if (m_lastRequest->integration)
        command += QStringLiteral(" --integration ") + shellQuote(text(*m_lastRequest->integration));
    if (m_lastRequest->body)
        command += QStringLiteral(" --body ") + shellQuote(text(*m_lastRequest->body));
    if (m_synapse)
        command += QStringLiteral(" --synapse-config ") + shellQuote(m_synapsePanel->configPath());
    if (!m_locator->text().trimmed().isEmpty())
        command += QStringLiteral(" --verify ") + shellQuote(m_locator->text().trimmed());
    return command;
}

void TraceWorkbench::runCheckFile(const QString& path)
{
    if (!m_snapshot || !m_catalog)
        return;
    m_checkSummary->setText(tr("Running %1…").arg(path));
    // Reading the file is I/O: it and the run happen on a worker.
    using Answer = std::pair<std::optional<routing::CheckReport>, QString>;
    const SnapshotPtr snapshot = m_snapshot;
    const auto catalog = m_catalog;
    // With a Synapse file open, the checks' synapse_* expectations are checked against it too.
    m_worker.post(
        this,
        [snapshot, catalog, path, synapse = m_synapse]() noexcept {
            Answer answer;
            try {
                answer.first = routing::runChecks(*snapshot, *catalog, routing::loadCheckFileFromPath(path),
                                                  synapse.get());
            } catch (const std::exception& e) {
                answer.second = QString::fromUtf8(e.what());
            }
            return answer;
        },
        [this, path](Answer answer) {
            const auto& [report, problem] = answer;
            if (!report) {
                m_checkSummary->setText(problem);
                m_checkResults->setRowCount(0);
                emit checkFinished(0, 0);
                return;
            }
            showCheckReport(*report, path);
        });
}

void TraceWorkbench::showCheckReport(const routing::CheckReport& report, const QString& path)
{
    m_checkSummary->setText(tr("%1: %2 passed, %3 failed · endpoint coverage %4% (%5 of %6)")
                                .arg(path)
                                .arg(report.passed)
                                .arg(report.failed)
                                .arg(report.coveragePercent(), 0, 'f', 1)
                                .arg(report.endpointsCovered)
                                .arg(report.endpointsTotal));
    m_checkResults->setRowCount(0);
    auto add = [this](const QStringList& values, bool failed) {
        const int row = m_checkResults->rowCount();
        m_checkResults->insertRow(row);
        for (int c = 0; c < values.size(); ++c) {
            auto* item = new QTableWidgetItem(values[c]);
            if (c == 1)
                item->setForeground(failed ? QColor(0xb3, 0x26, 0x1e) : QColor(0x2e, 0x7d, 0x32));
            m_checkResults->setItem(row, c, item);
        }
    };
    // Failures first: they are what the user opened the file for.
    for (const auto& result : report.results)
        for (const auto& failure : result.failures)
            add({text(result.name), tr("FAIL"), text(failure.field), text(failure.expected),
                 text(failure.actual)},
                true);
    for (const auto& result : report.results)
        if (result.failures.empty())
            add({text(result.name), tr("pass")}, false);
    m_checkResults->resizeColumnsToContents();
    emit checkFinished(static_cast<int>(report.passed), static_cast<int>(report.failed));
}

int TraceWorkbench::checkFailures() const
{
    int failures = 0;
    for (int row = 0; row < m_checkResults->rowCount(); ++row)
        failures += m_checkResults->item(row, 1) && m_checkResults->item(row, 1)->text() == tr("FAIL");
    return failures;
}

} // namespace cellscope::ui
