#include "ui/views/relocation_view.h"

#include "core/relocation/actions.h"
#include "core/relocation/text.h"
#include "core/util/time_format.h"
#include "ui/background_cellctl.h"
#include "ui/models/relocation_models.h"
#include "ui/views/relocation_wizard.h"

#include <QApplication>
#include <QCheckBox>
#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QInputDialog>
#include <QItemSelectionModel>
#include <QLabel>
#include <QMessageBox>
#include <QProcessEnvironment>
#include <QProgressBar>
#include <QPushButton>
#include <QSpinBox>
#include <QSplitter>
#include <QStandardPaths>
#include <QTabWidget>
#include <QTableView>
#include <QTimer>
#include <QTreeWidget>
#include <QVBoxLayout>
#include <span>

namespace cellscope::ui {

namespace {

using namespace relocation;
using Action = RelocationService::Action;

constexpr int kPollMilliseconds = 1000;

QString iso(double unixSeconds)
{
    return QString::fromStdString(formatIsoTimestamp(static_cast<std::int64_t>(unixSeconds)));
}

QString duration(double seconds)
{
    return QString::fromStdString(humanDuration(seconds));
}

QString rate(std::optional<double> rowsPerSecond)
{
    return rowsPerSecond ? QObject::tr("%L1 rows/s").arg(static_cast<qint64>(*rowsPerSecond))
                         : QObject::tr("—");
}

// The forward steps as a strip: finished ones ticked, the current one marked, the rest grey.
QString stepStrip(const Relocation& r)
{
    QStringList parts;
    const bool finished = r.state == State::Done;
    bool reached = false;
    const auto steps = r.online ? std::span<const Step>(kOnlineSteps) : std::span<const Step>(kOfflineSteps);
    for (const Step step : steps) {
        const QString name = QString::fromUtf8(stepName(step));
        if (step == r.step && !finished) {
            reached = true;
            const char* colour = r.state == State::Running  ? "#1a73e8"
                                 : r.state == State::Paused ? "#b06d00"
                                                            : "#b3261e";
            parts << QStringLiteral("<b style='color:%1'>▶ %2</b>").arg(QLatin1String(colour), name);
        } else if (!reached && r.step != Step::Cancel) {
            parts << QStringLiteral("<span style='color:#188038'>✓ %1</span>").arg(name);
        } else {
            parts << QStringLiteral("<span style='color:#9aa0a6'>%1</span>").arg(name);
        }
    }
    if (r.step == Step::Cancel)
        parts << QStringLiteral("<b style='color:#b06d00'>↩ cancel</b>");
    parts << (finished ? QStringLiteral("<b style='color:#188038'>✓ done</b>")
                       : QStringLiteral("<span style='color:#9aa0a6'>done</span>"));
    return parts.join(QStringLiteral(" › "));
}

QString cellctlPath()
{
    const QString sibling = QDir(QCoreApplication::applicationDirPath()).filePath(QStringLiteral("cellctl"));
    if (QFileInfo(sibling).isExecutable())
        return sibling;
    return QStandardPaths::findExecutable(QStringLiteral("cellctl"));
}

} // namespace

RelocationView::RelocationView(QWidget* parent) : QWidget(parent), m_service(new RelocationService)
{
    m_worker.adopt(m_service);

    auto* layout = new QVBoxLayout(this);
    m_unavailable = new QLabel(tr("Relocations need the control and cell databases: open a database or the "
                                  "embedded demo cluster (File menu). A snapshot file or the control API "
                                  "has none."),
                               this);
    m_unavailable->setWordWrap(true);
    m_unavailable->setMargin(12);
    layout->addWidget(m_unavailable);

    m_content = new QWidget(this);
    auto* contentLayout = new QVBoxLayout(m_content);
    contentLayout->setContentsMargins(0, 0, 0, 0);
    auto* toolbar = new QHBoxLayout;
    auto* newButton = new QPushButton(tr("New relocation…"), m_content);
    newButton->setObjectName(QStringLiteral("newRelocation"));
    m_activeOnly = new QCheckBox(tr("Only unfinished"), m_content);
    m_readOnly = new QLabel(readOnlyReason(), m_content);
    m_readOnly->setStyleSheet(QStringLiteral("QLabel { color: #b06d00; }"));
    m_readOnly->hide();
    toolbar->addWidget(newButton);
    toolbar->addWidget(m_activeOnly);
    toolbar->addStretch(1);
    toolbar->addWidget(m_readOnly);
    contentLayout->addLayout(toolbar);

    auto* splitter = new QSplitter(Qt::Vertical, m_content);
    m_list = new RelocationListModel(this);
    m_listView = new QTableView(splitter);
    m_listView->setModel(m_list);
    m_listView->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_listView->setSelectionMode(QAbstractItemView::SingleSelection);
    m_listView->verticalHeader()->hide();
    m_listView->setAlternatingRowColors(true);
    m_listView->horizontalHeader()->setStretchLastSection(true);
    for (auto [column, width] : {std::pair{RelocationListModel::Id, 50},
                                 {RelocationListModel::Organization, 180},
                                 {RelocationListModel::Move, 160},
                                 {RelocationListModel::State, 150},
                                 {RelocationListModel::Step, 90},
                                 {RelocationListModel::Updated, 110}})
        m_listView->setColumnWidth(column, width);

    auto* live = new QWidget(splitter);
    auto* liveLayout = new QVBoxLayout(live);
    liveLayout->setContentsMargins(0, 4, 0, 0);
    m_title = new QLabel(tr("Select a relocation, or start one."), live);
    QFont titleFont = m_title->font();
    titleFont.setPointSizeF(titleFont.pointSizeF() * 1.25);
    titleFont.setBold(true);
    m_title->setFont(titleFont);
    m_steps = new QLabel(live);
    m_steps->setTextFormat(Qt::RichText);
    m_sentence = new QLabel(live);
    m_sentence->setWordWrap(true);
    m_sentence->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_overall = new QProgressBar(live);
    m_overall->setRange(0, 1000);
    m_overall->setFormat(QStringLiteral("%p%"));
    m_figures = new QLabel(live);
    m_figures->setWordWrap(true);
    m_lastAction = new QLabel(live);
    m_lastAction->setWordWrap(true);
    m_next = new QLabel(live);
    m_next->setWordWrap(true);
    m_next->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_next->setStyleSheet(QStringLiteral("QLabel { color: palette(mid); }"));

    // Two rows, so the tab's minimum width leaves the navigator its room.
    auto* throttleRow = new QHBoxLayout;
    auto* controls = new QHBoxLayout;
    m_throttle = new QSpinBox(live);
    m_throttle->setRange(0, 100'000'000);
    m_throttle->setSingleStep(10'000);
    m_throttle->setSpecialValueText(tr("unthrottled"));
    m_throttle->setSuffix(tr(" rows/s"));
    m_throttle->setToolTip(tr("Rows/s at most for copy, verify and cleanup (spares the cells); the runner "
                              "takes a change at its next batch."));
    m_throttleLabel = new QLabel(tr("Throttle:"), live);
    throttleRow->addWidget(m_throttleLabel);
    throttleRow->addWidget(m_throttle);
    for (auto [action, label] : {std::pair{Action::Throttle, tr("Apply")},
                                 {Action::Pause, tr("Pause")},
                                 {Action::Resume, tr("Resume")},
                                 {Action::Cancel, tr("Cancel relocation…")},
                                 {Action::Abort, tr("Abort")},
                                 {Action::Retry, tr("Retry")},
                                 {Action::Repair, tr("Diagnose…")}}) {
        auto* button = new QPushButton(label, live);
        m_buttons[action] = button;
        (action == Action::Throttle ? throttleRow : controls)->addWidget(button);
        connect(button, &QPushButton::clicked, this, [this, action = action] { ask(action); });
    }
    throttleRow->addStretch(1);
    controls->addStretch(1);
    m_moveBack = new QPushButton(tr("Move back…"), live);
    m_moveBack->setToolTip(tr("A finished relocation cannot be undone by cancel: relocate the organization "
                              "back to its old cell."));
    controls->addWidget(m_moveBack);
    connect(m_moveBack, &QPushButton::clicked, this, [this] {
        if (m_status)
            newRelocation(QString::fromStdString(m_status->relocation.orgSlug),
                          QString::fromStdString(m_status->relocation.sourceCell));
    });
    m_message = new QLabel(live);
    m_message->setWordWrap(true);
    m_message->setTextInteractionFlags(Qt::TextSelectableByMouse);

    m_detailTabs = new QTabWidget(live);
    m_tables = new TableProgressModel(this);
    m_tableView = new QTableView(m_detailTabs);
    m_tableView->setModel(m_tables);
    m_tableView->setItemDelegate(new ProgressBarDelegate(m_tableView));
    m_tableView->verticalHeader()->hide();
    m_tableView->setSelectionMode(QAbstractItemView::NoSelection);
    m_tableView->horizontalHeader()->setStretchLastSection(true);
    for (auto [column, width] : {std::pair{TableProgressModel::Table, 200},
                                 {TableProgressModel::Rows, 70},
                                 {TableProgressModel::Copied, 190},
                                 {TableProgressModel::Verified, 190},
                                 {TableProgressModel::Cleaned, 130}})
        m_tableView->setColumnWidth(column, width);
    m_history = new QTreeWidget(m_detailTabs);
    m_history->setHeaderLabels({tr("When (UTC)"), tr("What"), tr("Who"), tr("Reason or detail")});
    m_history->setRootIsDecorated(false);
    m_history->setAlternatingRowColors(true);
    m_history->setColumnWidth(0, 170);
    m_history->setColumnWidth(1, 220);
    m_history->setColumnWidth(2, 150);
    m_detailTabs->addTab(m_tableView, tr("Tables"));
    m_detailTabs->addTab(m_history, tr("History (journal and audit log)"));

    liveLayout->addWidget(m_title);
    liveLayout->addWidget(m_steps);
    liveLayout->addWidget(m_sentence);
    liveLayout->addWidget(m_overall);
    liveLayout->addWidget(m_figures);
    liveLayout->addWidget(m_lastAction);
    liveLayout->addLayout(throttleRow);
    liveLayout->addLayout(controls);
    liveLayout->addWidget(m_message);
    liveLayout->addWidget(m_detailTabs, 1);
    liveLayout->addWidget(m_next);
    splitter->addWidget(m_listView);
    splitter->addWidget(live);
    splitter->setStretchFactor(0, 1);
    splitter->setStretchFactor(1, 3);
    splitter->setSizes({170, 600});
    contentLayout->addWidget(splitter, 1);
    layout->addWidget(m_content, 1);
    m_content->hide();
    updateButtons();

    connect(newButton, &QPushButton::clicked, this, [this] { newRelocation(); });
    connect(m_activeOnly, &QCheckBox::toggled, this, &RelocationView::refresh);
    connect(m_detailTabs, &QTabWidget::currentChanged, this, &RelocationView::refresh);
    connect(m_listView->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            [this](const QModelIndex& current) {
                if (!current.isValid())
                    return;
                const std::int64_t id = m_list->relocationAt(current.row()).id;
                if (m_selected == id)
                    return;
                m_selected = id;
                m_status.reset();
                m_historyStale = true;
                m_message->clear();
                refresh();
            });
    connect(m_service, &RelocationService::databasesChanged, this,
            [this, newButton](bool available, bool mayChange) {
                m_available = available;
                m_mayChange = mayChange;
                newButton->setEnabled(mayChange);
                newButton->setToolTip(mayChange ? QString() : readOnlyReason());
                m_readOnly->setVisible(available && !mayChange);
                updateButtons();
                m_unavailable->setVisible(!available);
                m_content->setVisible(available);
                if (available)
                    refresh();
            });
    connect(m_service, &RelocationService::listed, this, [this](const RelocationList& relocations) {
        m_refreshPending = false;
        m_list->setRelocations(relocations);
        if (!m_selected && m_list->rowCount() > 0)
            select(m_list->relocationAt(0).id);
        if (m_selected) {
            const int row = m_list->rowOf(*m_selected);
            if (row >= 0 && m_listView->currentIndex().row() != row)
                m_listView->setCurrentIndex(m_list->index(row, 0));
        }
    });
    connect(m_service, &RelocationService::statusReady, this, &RelocationView::showStatus);
    connect(m_service, &RelocationService::historyReady, this, &RelocationView::showHistory);
    connect(m_service, &RelocationService::refreshFailed, this, [this](const QString& message) {
        m_refreshPending = false;
        showMessage(message, true);
    });
    connect(m_service, &RelocationService::started, this, [this](qint64 id) {
        showMessage(tr("Relocation %1 started; it runs in this console's background.").arg(id), false);
        select(id);
    });
    connect(m_service, &RelocationService::startFailed, this,
            [this](const QString& message) { showMessage(tr("Not started: %1").arg(message), true); });
    connect(m_service, &RelocationService::actionDone, this, [this](qint64, const QString& message) {
        showMessage(message, false);
        refresh();
    });
    connect(m_service, &RelocationService::actionFailed, this,
            [this](qint64, const QString& message) { showMessage(message, true); });
    connect(m_service, &RelocationService::diagnosed, this, &RelocationView::showDiagnosis);
    connect(m_service, &RelocationService::progressed, this, [this](qint64 id) {
        if (m_selected == id)
            refresh();
    });
    connect(m_service, &RelocationService::runEnded, this,
            [this](qint64, const QString& message, bool failed) {
                showMessage(message, failed);
                refresh();
            });

    auto* poll = new QTimer(this);
    connect(poll, &QTimer::timeout, this, [this] {
        if (isVisible())
            refresh();
    });
    poll->start(kPollMilliseconds);
}

RelocationView::~RelocationView()
{
    // Runners stop at a batch boundary, leaving their relocations for anyone to resume; the window
    // asked the person what to do with them before this.
    m_service->stopRunners();
}

void RelocationView::setDatabases(const db::DatabaseConfig& config)
{
    // Every reload of the world sends the databases again; only another control database
    // invalidates the selection.
    if (config.control != m_control) {
        m_control = config.control;
        m_selected.reset();
        m_status.reset();
        m_historyStale = true;
    }
    QMetaObject::invokeMethod(m_service, [service = m_service, config] { service->setDatabases(config); });
}

void RelocationView::refresh()
{
    if (!m_available || m_refreshPending)
        return;
    m_refreshPending = true;
    // The history while its tab is in front, else only when the journal moved on (a new step or
    // state, a person's action) or another relocation was selected.
    const bool withHistory = m_detailTabs->currentWidget() == m_history || m_historyStale;
    QMetaObject::invokeMethod(m_service,
                              [service = m_service, active = m_activeOnly->isChecked(), selected = m_selected,
                               withHistory] { service->refresh(active, selected, withHistory); });
}

void RelocationView::select(std::int64_t id)
{
    m_selected = id;
    m_status.reset();
    m_historyStale = true;
    m_refreshPending = false; // a list in flight may predate this relocation: ask again
    refresh();
}

void RelocationView::newRelocation(const QString& org, const QString& target)
{
    if (!m_available) {
        QMessageBox::information(this, tr("Relocate"), m_unavailable->text());
        return;
    }
    auto* wizard = new RelocationWizard(m_snapshot, m_service, this);
    wizard->setAttribute(Qt::WA_DeleteOnClose);
    wizard->setOrg(org);
    wizard->setTarget(target);
    connect(wizard, &RelocationWizard::startRequested, this, [this](const Request& request) {
        QMetaObject::invokeMethod(m_service, [service = m_service, request] { service->start(request); });
    });
    wizard->open();
}

void RelocationView::showStatus(const Status& status)
{
    const Relocation& r = status.relocation;
    if (m_selected != r.id)
        return;
    if (!m_status || m_status->relocation.updatedAt != r.updatedAt || m_status->relocation.step != r.step ||
        m_status->relocation.state != r.state)
        m_historyStale = true;
    m_status = status;
    m_title->setText(tr("Relocation %1 · %2 · %3 → %4 · %5")
                         .arg(r.id)
                         .arg(QString::fromStdString(r.orgSlug), QString::fromStdString(r.sourceCell),
                              QString::fromStdString(r.targetCell), QString::fromUtf8(stateName(r.state))));
    m_steps->setText(stepStrip(r));
    m_sentence->setText(QString::fromStdString(status.sentence));
    const std::int64_t planned = std::max<std::int64_t>(status.plannedRows, 1);
    const double done =
        r.state == State::Done
            ? 1.0
            : static_cast<double>(status.copiedRows + status.verifiedRows + status.cleanedRows) /
                  static_cast<double>(3 * planned);
    m_overall->setValue(static_cast<int>(std::min(1.0, done) * 1000));
    QStringList figures;
    figures << tr("%1 of %2 rows copied")
                   .arg(QString::fromStdString(groupedNumber(status.copiedRows)),
                        QString::fromStdString(groupedNumber(status.plannedRows)));
    figures << (r.online ? tr("online") : tr("offline"));
    if (r.online && r.lagRows && beforeSwitch(r.step))
        figures << (*r.lagRows > 0 ? tr("%1 changes waiting (oldest %2)")
                                         .arg(QString::fromStdString(groupedNumber(*r.lagRows)),
                                              duration(r.lagSeconds.value_or(0)))
                                   : tr("caught up"));
    if (status.cutoverInSeconds)
        figures << tr("cut-over in about %1").arg(duration(*status.cutoverInSeconds));
    if (status.freezeSeconds)
        figures << (status.freezeEndedAt ? tr("writes were refused for %1 s")
                                         : tr("writes refused for %1 s so far"))
                       .arg(*status.freezeSeconds, 0, 'f', 2);
    figures << tr("copy %1").arg(rate(status.copyRowsPerSecond));
    figures << tr("verify %1").arg(rate(status.verifyRowsPerSecond));
    if (status.etaSeconds)
        figures << tr("about %1 left").arg(duration(*status.etaSeconds));
    if (status.drainSecondsLeft)
        figures << tr("drain: %1 left").arg(duration(*status.drainSecondsLeft));
    figures << (r.throttle ? tr("throttled to %L1 rows/s").arg(*r.throttle) : tr("unthrottled"));
    if (!r.runner.empty() && !isFinished(r.state))
        figures << (status.runnerAlive
                        ? tr("run by %1").arg(QString::fromStdString(r.runner))
                        : tr("no process runs it (last: %1)").arg(QString::fromStdString(r.runner)));
    if (r.finishedAt)
        figures << tr("took %1").arg(duration(*r.finishedAt - r.createdAt));
    m_figures->setText(figures.join(QStringLiteral(" · ")));
    if (status.lastAction)
        m_lastAction->setText(tr("Last action: <b>%1</b> by %2 at %3 — “%4”")
                                  .arg(QString::fromStdString(status.lastAction->action).toHtmlEscaped(),
                                       QString::fromStdString(status.lastAction->dbRole).toHtmlEscaped(),
                                       iso(status.lastAction->at),
                                       QString::fromStdString(status.lastAction->reason).toHtmlEscaped()));
    else
        m_lastAction->clear();
    if (!r.drainAnswers.empty())
        m_lastAction->setText(m_lastAction->text() +
                              tr("<br><b>Locators:</b> %1")
                                  .arg(QString::fromStdString(r.drainAnswers)
                                           .trimmed()
                                           .toHtmlEscaped()
                                           .replace(QLatin1Char('\n'), QStringLiteral("<br>"))));
    if (!r.lastError.empty() && (r.state == State::Failed || r.state == State::Aborted))
        m_lastAction->setText(m_lastAction->text() +
                              tr("<br><span style='color:#b3261e'><b>Error:</b> %1</span>")
                                  .arg(QString::fromStdString(r.lastError).toHtmlEscaped()));
    QStringList next;
    for (const std::string& command : status.nextSteps)
        next << QString::fromStdString(command);
    m_next->setText(next.isEmpty() ? QString()
                                   : tr("From a shell: %1").arg(next.join(QStringLiteral("   ·   "))));
    if (!m_throttle->hasFocus())
        m_throttle->setValue(
            r.throttle ? static_cast<int>(std::min<std::int64_t>(*r.throttle, m_throttle->maximum())) : 0);
    m_tables->setTables(r.id, status.tables);
    updateButtons();
    emit statusShown(r.id);
}

void RelocationView::showHistory(const History& history)
{
    if (m_selected != history.relocation.id)
        return;
    m_historyStale = false;
    struct Line
    {
        double at;
        QStringList columns;
        bool failed;
    };
    std::vector<Line> lines;
    for (const AuditRecord& a : history.audit) {
        QString who = QString::fromStdString(a.dbRole);
        if (a.loginRole != a.dbRole)
            who += tr(" (login %1)").arg(QString::fromStdString(a.loginRole));
        QString why = QStringLiteral("“%1”").arg(QString::fromStdString(a.reason));
        if (!a.detail.empty())
            why += QStringLiteral("  [%1]").arg(QString::fromStdString(a.detail));
        lines.push_back(
            {a.at, {iso(a.at), tr("action: %1").arg(QString::fromStdString(a.action)), who, why}, false});
    }
    for (const StepRecord& s : history.steps) {
        QString what = tr("step %1 #%2: %3")
                           .arg(QString::fromStdString(s.step))
                           .arg(s.attempt)
                           .arg(s.outcome.empty() ? tr("no outcome") : QString::fromStdString(s.outcome));
        QString detail = QString::fromStdString(s.detail);
        if (s.finishedAt)
            detail = tr("after %1").arg(duration(*s.finishedAt - s.startedAt)) +
                     (detail.isEmpty() ? QString() : QStringLiteral(": ") + detail);
        lines.push_back({s.startedAt,
                         {iso(s.startedAt), what, QString::fromStdString(s.runner), detail},
                         s.outcome == "failed"});
    }
    std::stable_sort(lines.begin(), lines.end(), [](const Line& a, const Line& b) { return a.at < b.at; });
    m_history->clear();
    for (const Line& line : lines) {
        auto* item = new QTreeWidgetItem(m_history, line.columns);
        item->setToolTip(3, line.columns[3]);
        if (line.failed)
            item->setForeground(1, QColor(0xb3, 0x26, 0x1e));
    }
    for (const Leftover& l : history.leftovers)
        new QTreeWidgetItem(m_history,
                            {QString(), tr("ledger: %1").arg(QString::fromStdString(l.table)),
                             QString::fromStdString(l.cell),
                             l.removed ? tr("copied into %1, removed again (%2 rows)")
                                             .arg(QString::fromStdString(l.cell),
                                                  QString::fromStdString(groupedNumber(l.removedRows)))
                                       : tr("copied into %1").arg(QString::fromStdString(l.cell))});
    emit historyShown(history.relocation.id);
}

void RelocationView::updateButtons()
{
    const Relocation* r = m_status ? &m_status->relocation : nullptr;
    const bool finished = r && isFinished(r->state);
    // The core's rule book decides; a button says what it does, or why it cannot now.
    auto enable = [&](Action action, relocation::Action rule, const QString& what) {
        const Verdict verdict = r ? judge(rule, *r, m_status->runnerAlive) : Verdict{false, {}};
        m_buttons[action]->setEnabled(verdict.allowed && m_mayChange);
        m_buttons[action]->setToolTip(!m_mayChange      ? readOnlyReason()
                                      : verdict.allowed ? what
                                                        : QString::fromStdString(verdict.why));
    };
    enable(Action::Pause, relocation::Action::Pause,
           tr("Stop at the next batch boundary; resume later here or with cellctl."));
    enable(Action::Resume, relocation::Action::Resume,
           tr("Run it again in this console from where it stopped."));
    enable(Action::Cancel, relocation::Action::Cancel,
           tr("Remove the target copy and unfreeze the source as it was."));
    enable(Action::Abort, relocation::Action::Abort,
           tr("Stop now, keeping the state for retry, cancel or repair."));
    enable(Action::Retry, relocation::Action::Retry, tr("Run the step that stopped again."));
    enable(Action::Repair, relocation::Action::Repair,
           tr("Compare the journal with the mapping and the data, and propose what makes them consistent."));
    enable(Action::Throttle, relocation::Action::Throttle, tr("Change the rows/s limit while it runs."));
    m_throttle->setEnabled(m_buttons[Action::Throttle]->isEnabled());
    const bool mayMoveBack = r && judge(relocation::Action::MoveBack, *r, false).allowed;
    m_moveBack->setEnabled(m_mayChange && mayMoveBack);
    // A finished relocation has nothing left to control: only the way back stays, unless a later
    // relocation of the organization made this one history.
    for (auto& [action, button] : m_buttons)
        button->setVisible(!finished);
    m_throttle->setVisible(!finished);
    m_throttleLabel->setVisible(!finished);
    m_moveBack->setVisible(mayMoveBack);
}

void RelocationView::ask(Action action)
{
    if (!m_status)
        return;
    const Relocation& r = m_status->relocation;
    if (action == Action::Repair) {
        QMetaObject::invokeMethod(m_service, [service = m_service, id = r.id] { service->diagnose(id); });
        return;
    }
    QString question;
    switch (action) {
    case Action::Pause:
        question = tr("Why pause relocation %1?").arg(r.id);
        break;
    case Action::Resume:
        question = tr("Why resume relocation %1?").arg(r.id);
        break;
    case Action::Cancel:
        question = tr("Cancelling removes everything copied into %1 and unfreezes %2 in %3 exactly as it "
                      "was.\n\nWhy cancel relocation %4?")
                       .arg(QString::fromStdString(r.targetCell), QString::fromStdString(r.orgSlug),
                            QString::fromStdString(r.sourceCell))
                       .arg(r.id);
        break;
    case Action::Abort:
        question = tr("Abort stops relocation %1 now; the organization stays frozen until it is retried, "
                      "cancelled or repaired.\n\nWhy abort?")
                       .arg(r.id);
        break;
    case Action::Retry:
        question =
            tr("Why retry relocation %1 from step %2?").arg(r.id).arg(QString::fromUtf8(stepName(r.step)));
        break;
    case Action::Throttle:
        question = m_throttle->value() > 0
                       ? tr("Why limit relocation %1 to %L2 rows/s?").arg(r.id).arg(m_throttle->value())
                       : tr("Why lift relocation %1's throttle?").arg(r.id);
        break;
    case Action::Repair:
        break;
    }
    bool ok = false;
    const QString reason = QInputDialog::getText(this, tr("Reason for the audit log"), question,
                                                 QLineEdit::Normal, QString(), &ok);
    if (!ok)
        return;
    if (reason.trimmed().isEmpty()) {
        showMessage(tr("Nothing done: every change to a relocation needs a reason."), true);
        return;
    }
    std::optional<std::int64_t> throttle;
    if (action == Action::Throttle && m_throttle->value() > 0)
        throttle = m_throttle->value();
    QMetaObject::invokeMethod(m_service, [service = m_service, action, id = r.id, reason, throttle] {
        service->act(action, id, reason, throttle);
    });
}

void RelocationView::showDiagnosis(qint64 id, const Diagnosis& diagnosis)
{
    QString findings;
    for (const Finding& f : diagnosis.findings)
        findings += QStringLiteral("<li><b>%1</b>: <span style='color:%2'>%3</span></li>")
                        .arg(QString::fromStdString(f.subject).toHtmlEscaped(),
                             f.consistent ? QStringLiteral("#188038") : QStringLiteral("#b3261e"),
                             QString::fromStdString(f.text).toHtmlEscaped());
    QMessageBox box(this);
    box.setWindowTitle(tr("Diagnosis of relocation %1").arg(id));
    box.setTextFormat(Qt::RichText);
    box.setText(tr("<ul>%1</ul><p><b>%2</b></p>")
                    .arg(findings, QString::fromStdString(diagnosis.proposal).toHtmlEscaped()));
    QPushButton* apply = nullptr;
    if (diagnosis.action != RepairAction::None)
        apply = box.addButton(tr("Apply…"), QMessageBox::AcceptRole);
    box.addButton(QMessageBox::Close);
    box.exec();
    if (!apply || box.clickedButton() != apply)
        return;
    bool ok = false;
    const QString reason =
        QInputDialog::getText(this, tr("Reason for the audit log"), tr("Why repair relocation %1?").arg(id),
                              QLineEdit::Normal, QString(), &ok);
    if (!ok || reason.trimmed().isEmpty())
        return;
    QMetaObject::invokeMethod(m_service, [service = m_service, id, reason] {
        service->act(Action::Repair, id, reason, std::nullopt);
    });
}

void RelocationView::showMessage(const QString& message, bool error)
{
    m_message->setStyleSheet(error ? QStringLiteral("QLabel { color: #b3261e; font-weight: bold; }")
                                   : QStringLiteral("QLabel { color: #188038; }"));
    m_message->setText(message);
    emit messageShown(message);
}

QString RelocationView::readOnlyReason()
{
    return tr("Read-only: your database role may watch relocations; only cellscope_staff may change them.");
}

QString RelocationView::sentenceText() const
{
    return m_sentence->text();
}

QString RelocationView::figuresText() const
{
    return m_figures->text();
}

QString RelocationView::messageText() const
{
    return m_message->text();
}

QPushButton* RelocationView::button(Action action) const
{
    return m_buttons.at(action);
}

bool RelocationView::handOverRunning(QString* problem)
{
    const QString cellctl = cellctlPath();
    const std::vector<std::int64_t> stopped = m_service->stopRunners();
    if (stopped.empty())
        return true;
    if (cellctl.isEmpty()) {
        if (problem)
            *problem = tr("cellctl was not found next to cellscope or on PATH");
        return false;
    }
    bool all = true;
    for (const std::int64_t id : stopped) {
        const QString logDir = QStandardPaths::writableLocation(QStandardPaths::AppLocalDataLocation);
        QDir().mkpath(logDir);
        const QString log = QDir(logDir).filePath(QStringLiteral("relocation-%1.log").arg(id));
        QString why;
        try {
            // A password file goes to the per-user runtime directory: private to this user, and
            // emptied at logout should the file outlive the process that removes it.
            const BackgroundCellctl command =
                relocationResumeCommand(cellctl, m_world, id,
                                        tr("handed over by the console (pid %1) when its window closed")
                                            .arg(QCoreApplication::applicationPid()),
                                        QProcessEnvironment::systemEnvironment(),
                                        QStandardPaths::writableLocation(QStandardPaths::RuntimeLocation));
            if (startInBackground(command, log, &why))
                continue;
        } catch (const std::exception& e) {
            why = QString::fromUtf8(e.what());
        }
        all = false;
        if (problem)
            *problem = tr("%1 for relocation %2").arg(why).arg(id);
    }
    return all;
}

void RelocationView::pauseRunning(const QString& reason)
{
    const std::vector<std::int64_t> running = m_service->runningHere();
    for (const std::int64_t id : running)
        QMetaObject::invokeMethod(
            m_service,
            [service = m_service, id, reason] { service->act(Action::Pause, id, reason, std::nullopt); },
            Qt::BlockingQueuedConnection);
    m_service->stopRunners();
}

} // namespace cellscope::ui
