#include "ui/views/backlog_view.h"

#include "ui/backlog_service.h"

#include <QBarCategoryAxis>
#include <QBarSet>
#include <QChart>
#include <QChartView>
#include <QComboBox>
#include <QCursor>
#include <QDateTime>
#include <QEvent>
#include <QFileDialog>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLabel>
#include <QLegendMarker>
#include <QLineEdit>
#include <QLineSeries>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QScatterSeries>
#include <QScrollArea>
#include <QShortcut>
#include <QSplitter>
#include <QStackedBarSeries>
#include <QStackedWidget>
#include <QTableView>
#include <QToolTip>
#include <QTreeWidget>
#include <QVBoxLayout>
#include <QValueAxis>

#include <algorithm>
#include <set>

namespace cellscope::ui {

using backlog::Action;
using backlog::TrackedEntry;
using backlog::TrackingStatus;

namespace {

constexpr std::array<TrackingStatus, 3> kStatuses = {TrackingStatus::Open, TrackingStatus::InProgress,
                                                     TrackingStatus::Done};

constexpr QRgb kViolationRed = 0xd62728;

QString day(std::int64_t seconds, const QString& format = QStringLiteral("yyyy-MM-dd"))
{
    return QDateTime::fromSecsSinceEpoch(seconds, Qt::UTC).toString(format);
}

QString snapshotLabel(const backlog::SnapshotInfo& snapshot)
{
    return BacklogView::tr("#%1 · %2").arg(snapshot.id).arg(day(snapshot.takenAt));
}

QString projectionText(const backlog::Projection& projection)
{
    using Outcome = backlog::Projection::Outcome;
    const qint64 days = projection.windowSeconds / 86400;
    switch (projection.outcome) {
    case Outcome::Finished:
        return BacklogView::tr("The map is empty: the migration is done.");
    case Outcome::Projected:
        return BacklogView::tr(
                   "Projected to reach zero around <b>%1</b> at %2 entries/week (net, over %3 days).")
            .arg(day(*projection.finishAt))
            .arg(projection.entriesPerWeek(), 0, 'f', 1)
            .arg(days);
    case Outcome::NotDraining:
        return BacklogView::tr("<b>Not draining:</b> the map did not shrink over the last %1 days.")
            .arg(days);
    case Outcome::NotEnoughHistory:
        return BacklogView::tr("Not enough history for a projection.");
    }
    return {};
}

// A tint of the violation red over the row's own background, so the text keeps the palette's colour.
QBrush violationBrush()
{
    QColor tint(kViolationRed);
    tint.setAlpha(80);
    return tint;
}

} // namespace

BacklogView::BacklogView(QWidget* parent)
    : QWidget(parent), m_model(new BacklogTableModel(this)), m_filter(new BacklogFilterModel(this))
{
    m_filter->setSourceModel(m_model);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    m_stack = new QStackedWidget(this);
    layout->addWidget(m_stack);

    m_message = new QLabel(m_stack);
    m_message->setObjectName(QStringLiteral("backlogMessage"));
    m_message->setAlignment(Qt::AlignCenter);
    m_message->setWordWrap(true);
    m_message->setMargin(24);
    m_message->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_stack->addWidget(m_message);

    auto* content = new QWidget(m_stack);
    auto* contentLayout = new QVBoxLayout(content);
    contentLayout->setContentsMargins(4, 4, 4, 4);
    auto* header = new QHBoxLayout;
    m_summary = new QLabel(content);
    m_summary->setWordWrap(true);
    m_summary->setTextFormat(Qt::RichText);
    header->addWidget(m_summary, 1);
    auto* refreshButton = new QPushButton(tr("Re&load"), content);
    refreshButton->setToolTip(tr("Read the backlog again from the database"));
    connect(refreshButton, &QPushButton::clicked, this, &BacklogView::refresh);
    auto* exportButton = new QPushButton(tr("E&xport CSV…"), content);
    exportButton->setToolTip(tr("Write the rows the filters show to a CSV file"));
    connect(exportButton, &QPushButton::clicked, this, [this] {
        const QString path = QFileDialog::getSaveFileName(
            this, tr("Export the backlog"), QStringLiteral("backlog.csv"), tr("CSV files (*.csv)"));
        if (!path.isEmpty())
            exportCsv(path);
    });
    header->addWidget(refreshButton);
    header->addWidget(exportButton);
    contentLayout->addLayout(header);

    auto* vertical = new QSplitter(Qt::Vertical, content);
    vertical->setChildrenCollapsible(false);
    auto* top = new QSplitter(Qt::Horizontal, vertical);
    top->setChildrenCollapsible(false);
    m_chart = new QChartView(top);
    m_chart->setRenderHint(QPainter::Antialiasing);
    m_chart->setMinimumSize(360, 240);
    top->addWidget(m_chart);
    top->addWidget(buildDiffPane());
    top->setStretchFactor(0, 3);
    top->setStretchFactor(1, 2);

    auto* bottom = new QSplitter(Qt::Horizontal, vertical);
    bottom->setChildrenCollapsible(false);
    auto* tablePane = new QWidget(bottom);
    auto* tableLayout = new QVBoxLayout(tablePane);
    tableLayout->setContentsMargins(0, 0, 0, 0);
    tableLayout->addWidget(buildFilters());
    m_table = new QTableView(tablePane);
    m_table->setModel(m_filter);
    m_table->setSortingEnabled(true);
    m_table->sortByColumn(BacklogTableModel::UrlName, Qt::AscendingOrder);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->setAlternatingRowColors(true);
    m_table->setWordWrap(false);
    m_table->verticalHeader()->hide();
    m_table->verticalHeader()->setDefaultSectionSize(m_table->fontMetrics().height() + 6);
    m_table->horizontalHeader()->setStretchLastSection(true);
    for (auto [column, width] : {std::pair{BacklogTableModel::UrlName, 270},
                                 {BacklogTableModel::Action, 260},
                                 {BacklogTableModel::Status, 90},
                                 {BacklogTableModel::Owner, 100},
                                 {BacklogTableModel::Team, 100}})
        m_table->setColumnWidth(column, width);
    tableLayout->addWidget(m_table, 1);
    bottom->addWidget(tablePane);
    bottom->addWidget(buildEntryPane());
    bottom->setStretchFactor(0, 3);
    bottom->setStretchFactor(1, 2);

    vertical->addWidget(top);
    vertical->addWidget(bottom);
    vertical->setStretchFactor(0, 2);
    vertical->setStretchFactor(1, 3);
    contentLayout->addWidget(vertical, 1);
    m_stack->addWidget(content);

    connect(m_table->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            [this] { showEntry(currentEntry()); });
    connect(m_filter, &QAbstractItemModel::rowsInserted, this, &BacklogView::updateCount);
    connect(m_filter, &QAbstractItemModel::rowsRemoved, this, &BacklogView::updateCount);
    connect(m_filter, &QAbstractItemModel::modelReset, this, &BacklogView::updateCount);
    connect(m_filter, &QAbstractItemModel::layoutChanged, this, &BacklogView::updateCount);

    showMessage(tr("Waiting for the world to load…"));
}

BacklogView::~BacklogView() = default;

QWidget* BacklogView::buildFilters()
{
    auto* row = new QWidget(this);
    auto* rows = new QVBoxLayout(row);
    rows->setContentsMargins(0, 0, 0, 0);
    auto* layout = new QHBoxLayout;
    auto* textRow = new QHBoxLayout;
    rows->addLayout(layout);
    rows->addLayout(textRow);
    auto addCombo = [&](const QString& label, QComboBox* combo) {
        auto* buddy = new QLabel(label, row);
        buddy->setBuddy(combo);
        layout->addWidget(buddy);
        layout->addWidget(combo);
    };
    m_actionFilter = new QComboBox(row);
    m_actionFilter->addItem(tr("All actions"));
    for (Action action : backlog::allActions) {
        m_actionFilter->addItem(backlog::actionName(action), static_cast<int>(action));
        m_actionFilter->setItemData(m_actionFilter->count() - 1, backlog::actionMeaning(action),
                                    Qt::ToolTipRole);
        m_actionFilter->setItemData(m_actionFilter->count() - 1, actionColour(action), Qt::DecorationRole);
    }
    m_actionFilter->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    m_actionFilter->setMinimumContentsLength(16);
    addCombo(tr("&Action"), m_actionFilter);
    m_statusFilter = new QComboBox(row);
    m_statusFilter->addItem(tr("All"));
    for (TrackingStatus status : kStatuses)
        m_statusFilter->addItem(trackingStatusLabel(status), static_cast<int>(status));
    addCombo(tr("&Status"), m_statusFilter);
    m_ownerFilter = new QComboBox(row);
    m_ownerFilter->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    m_ownerFilter->setMinimumContentsLength(10);
    addCombo(tr("O&wner"), m_ownerFilter);
    layout->addStretch(1);
    m_textFilter = new QLineEdit(row);
    m_textFilter->setPlaceholderText(tr("URL name, owner, team or notes"));
    m_textFilter->setClearButtonEnabled(true);
    auto* textLabel = new QLabel(tr("&Text"), row);
    textLabel->setBuddy(m_textFilter);
    textRow->addWidget(textLabel);
    textRow->addWidget(m_textFilter, 1);
    m_count = new QLabel(row);
    textRow->addWidget(m_count);

    connect(m_actionFilter, &QComboBox::currentIndexChanged, this, [this] {
        const QVariant action = m_actionFilter->currentData();
        m_filter->setActionFilter(action.isValid() ? std::optional(static_cast<Action>(action.toInt()))
                                                   : std::nullopt);
    });
    connect(m_statusFilter, &QComboBox::currentIndexChanged, this, [this] {
        const QVariant status = m_statusFilter->currentData();
        m_filter->setStatusFilter(
            status.isValid() ? std::optional(static_cast<TrackingStatus>(status.toInt())) : std::nullopt);
    });
    connect(m_ownerFilter, &QComboBox::currentIndexChanged, this, [this] {
        const QVariant owner = m_ownerFilter->currentData();
        m_filter->setOwnerFilter(owner.isValid() ? std::optional(owner.toString()) : std::nullopt);
    });
    connect(m_textFilter, &QLineEdit::textChanged, m_filter, &BacklogFilterModel::setTextFilter);
    return row;
}

QWidget* BacklogView::buildEntryPane()
{
    auto* scroll = new QScrollArea(this);
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);
    scroll->setMinimumWidth(300);
    auto* pane = new QWidget(scroll);
    auto* layout = new QVBoxLayout(pane);
    m_entryTitle = new QLabel(pane);
    m_entryTitle->setWordWrap(true);
    m_entryTitle->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_meaning = new QLabel(pane);
    m_meaning->setWordWrap(true);
    m_done = new QLabel(pane);
    m_done->setObjectName(QStringLiteral("definitionOfDone"));
    m_done->setWordWrap(true);
    m_done->setTextFormat(Qt::RichText);
    layout->addWidget(m_entryTitle);
    layout->addWidget(m_meaning);
    layout->addWidget(m_done);

    m_permissionNote = new QLabel(pane);
    m_permissionNote->setWordWrap(true);
    layout->addWidget(m_permissionNote);
    auto* form = new QFormLayout;
    m_ownerEdit = new QLineEdit(pane);
    m_ownerEdit->setPlaceholderText(tr("nobody"));
    m_teamEdit = new QLineEdit(pane);
    m_teamEdit->setPlaceholderText(tr("no team"));
    m_statusEdit = new QComboBox(pane);
    for (TrackingStatus status : kStatuses)
        m_statusEdit->addItem(trackingStatusLabel(status), static_cast<int>(status));
    m_notesEdit = new QPlainTextEdit(pane);
    m_notesEdit->setTabChangesFocus(true);
    m_notesEdit->setFixedHeight(m_notesEdit->fontMetrics().height() * 4 + 12);
    form->addRow(tr("Ow&ner"), m_ownerEdit);
    form->addRow(tr("Tea&m"), m_teamEdit);
    form->addRow(tr("Stat&us"), m_statusEdit);
    form->addRow(tr("N&otes"), m_notesEdit);
    layout->addLayout(form);
    auto* buttons = new QHBoxLayout;
    m_editMessage = new QLabel(pane);
    m_editMessage->setObjectName(QStringLiteral("editMessage"));
    m_editMessage->setWordWrap(true);
    m_editMessage->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_revert = new QPushButton(tr("Re&vert"), pane);
    m_save = new QPushButton(tr("Sa&ve"), pane);
    m_save->setToolTip(tr("Store the tracking in the database (Ctrl+S)"));
    m_save->setDefault(true);
    buttons->addWidget(m_editMessage, 1);
    buttons->addWidget(m_revert);
    buttons->addWidget(m_save);
    layout->addLayout(buttons);
    layout->addStretch(1);
    scroll->setWidget(pane);

    auto* saveShortcut =
        new QShortcut(QKeySequence::Save, pane, nullptr, nullptr, Qt::WidgetWithChildrenShortcut);
    connect(saveShortcut, &QShortcut::activated, this, &BacklogView::save);
    connect(m_save, &QPushButton::clicked, this, &BacklogView::save);
    connect(m_revert, &QPushButton::clicked, this, [this] { showEntry(currentEntry()); });
    connect(m_ownerEdit, &QLineEdit::returnPressed, this, &BacklogView::save);
    connect(m_teamEdit, &QLineEdit::returnPressed, this, &BacklogView::save);
    connect(m_ownerEdit, &QLineEdit::textChanged, this, &BacklogView::updateEditState);
    connect(m_teamEdit, &QLineEdit::textChanged, this, &BacklogView::updateEditState);
    connect(m_statusEdit, &QComboBox::currentIndexChanged, this, &BacklogView::updateEditState);
    connect(m_notesEdit, &QPlainTextEdit::textChanged, this, &BacklogView::updateEditState);
    return scroll;
}

QWidget* BacklogView::buildDiffPane()
{
    auto* pane = new QWidget(this);
    auto* layout = new QVBoxLayout(pane);
    layout->setContentsMargins(0, 0, 0, 0);
    auto* pick = new QHBoxLayout;
    m_diffFrom = new QComboBox(pane);
    m_diffTo = new QComboBox(pane);
    for (QComboBox* combo : {m_diffFrom, m_diffTo}) {
        combo->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
        combo->setMinimumContentsLength(12);
        connect(combo, &QComboBox::activated, this, &BacklogView::requestSelectedDiff);
    }
    auto* fromLabel = new QLabel(tr("&Diff"), pane);
    fromLabel->setBuddy(m_diffFrom);
    auto* toLabel = new QLabel(tr("t&o"), pane);
    toLabel->setBuddy(m_diffTo);
    pick->addWidget(fromLabel);
    pick->addWidget(m_diffFrom, 1);
    pick->addWidget(toLabel);
    pick->addWidget(m_diffTo, 1);
    layout->addLayout(pick);
    m_violations = new QLabel(pane);
    m_violations->setObjectName(QStringLiteral("violationBanner"));
    m_violations->setWordWrap(true);
    m_violations->setMargin(6);
    m_violations->setStyleSheet(
        QStringLiteral("QLabel { background: #b3261e; color: white; border-radius: 4px; }"));
    m_violations->hide();
    layout->addWidget(m_violations);
    m_diffTree = new QTreeWidget(pane);
    m_diffTree->setColumnCount(3);
    m_diffTree->setHeaderLabels({tr("Entry"), tr("Action"), tr("Detail")});
    m_diffTree->setUniformRowHeights(true);
    m_diffTree->setAlternatingRowColors(true);
    m_diffTree->header()->setStretchLastSection(true);
    m_diffTree->setColumnWidth(0, 260);
    m_diffTree->setColumnWidth(1, 150);
    layout->addWidget(m_diffTree, 1);
    return pane;
}

void BacklogView::ensureService()
{
    if (m_service)
        return;
    m_service = new BacklogService;
    m_worker.adopt(m_service);
    connect(m_service, &BacklogService::loaded, this, &BacklogView::applyStatus);
    connect(m_service, &BacklogService::failed, this, [this](const QString& message) {
        showMessage(tr("<b>Could not load the backlog.</b><br>%1").arg(message.toHtmlEscaped()));
        emit loadFailed(message);
    });
    connect(m_service, &BacklogService::diffReady, this, &BacklogView::applyDiff);
    connect(m_service, &BacklogService::diffFailed, this, [this](const QString& message) {
        m_diffTree->clear();
        m_violations->setText(message);
        m_violations->show();
    });
    connect(m_service, &BacklogService::trackingUpdated, this, [this](const TrackedEntry& entry) {
        m_saving = false;
        m_model->updateEntry(entry);
        rebuildOwnerFilter();
        if (const TrackedEntry* current = currentEntry(); current && current->urlName == entry.urlName)
            showEntry(current);
        setEditMessage(tr("Saved by %1.").arg(entry.tracking.updatedBy), false);
        emit trackingSaved(entry.urlName);
    });
    connect(m_service, &BacklogService::trackingRefused, this,
            [this](const QString&, const QString& message) {
                m_saving = false;
                updateEditState();
                setEditMessage(message, true);
                emit editRefused(message);
            });
    connect(m_service, &BacklogService::exported, this, [this](const QString& path, int rows) {
        emit exportFinished(true, tr("%Ln rows written to %1", nullptr, rows).arg(path));
    });
    connect(m_service, &BacklogService::exportFailed, this,
            [this](const QString& message) { emit exportFinished(false, message); });
}

void BacklogView::setDatabase(const QString& conninfo)
{
    m_conninfo = conninfo;
    if (conninfo.isEmpty()) {
        showMessage(tr("<b>No backlog for this source.</b><br>The migration backlog lives in the control "
                       "database; a snapshot file or the control API carries none.<br>Open a database "
                       "(File ▸ Connect to a database…) or the embedded demo cluster to see it."));
        return;
    }
    ensureService();
    if (!hasContent())
        showMessage(tr("Loading the backlog…"));
    QMetaObject::invokeMethod(m_service, [service = m_service, conninfo] { service->open(conninfo); });
}

void BacklogView::refresh()
{
    if (m_service)
        QMetaObject::invokeMethod(m_service, [service = m_service] { service->refresh(); });
}

void BacklogView::showDiff(qint64 fromSnapshotId, qint64 toSnapshotId)
{
    const int from = m_diffFrom->findData(QVariant::fromValue<qint64>(fromSnapshotId));
    const int to = m_diffTo->findData(QVariant::fromValue<qint64>(toSnapshotId));
    if (from >= 0)
        m_diffFrom->setCurrentIndex(from);
    if (to >= 0)
        m_diffTo->setCurrentIndex(to);
    if (m_service)
        QMetaObject::invokeMethod(m_service, [service = m_service, fromSnapshotId, toSnapshotId] {
            service->fetchDiff(fromSnapshotId, toSnapshotId);
        });
}

void BacklogView::requestSelectedDiff()
{
    if (m_diffFrom->currentIndex() >= 0 && m_diffTo->currentIndex() >= 0)
        showDiff(m_diffFrom->currentData().toLongLong(), m_diffTo->currentData().toLongLong());
}

void BacklogView::exportCsv(const QString& path)
{
    std::vector<TrackedEntry> rows;
    rows.reserve(static_cast<std::size_t>(m_filter->rowCount()));
    for (int row = 0; row < m_filter->rowCount(); ++row)
        rows.push_back(m_model->entryAt(m_filter->mapToSource(m_filter->index(row, 0)).row()));
    if (!m_service) {
        emit exportFinished(false, tr("no backlog is loaded"));
        return;
    }
    QMetaObject::invokeMethod(
        m_service, [service = m_service, path, rows = std::move(rows)] { service->exportCsv(path, rows); });
}

bool BacklogView::selectEntry(const QString& urlName)
{
    const int sourceRow = m_model->rowOf(urlName);
    const QModelIndex index =
        sourceRow < 0 ? QModelIndex() : m_filter->mapFromSource(m_model->index(sourceRow, 0));
    if (!index.isValid())
        return false;
    m_table->setCurrentIndex(index);
    m_table->scrollTo(index);
    return true;
}

bool BacklogView::hasContent() const
{
    return m_stack->currentIndex() == 1;
}

QString BacklogView::messageText() const
{
    return hasContent() ? QString() : m_message->text();
}

QChart* BacklogView::burndownChart() const
{
    return m_chart->chart();
}

QString BacklogView::definitionOfDoneText() const
{
    return m_done->text();
}

QString BacklogView::editMessage() const
{
    return m_editMessage->text();
}

void BacklogView::showMessage(const QString& text)
{
    m_message->setText(text);
    m_stack->setCurrentIndex(0);
}

void BacklogView::applyStatus(const backlog::Permissions& permissions, const backlog::StatusReport& status)
{
    if (!status.latest) {
        showMessage(tr("<b>The backlog is empty.</b><br>Import a snapshot of the map with "
                       "<code>cellctl backlog import FILE</code>."));
        emit loaded();
        return;
    }
    const QString selected = currentEntry() ? currentEntry()->urlName : QString();
    m_permissions = permissions;
    m_status = status;
    m_model->setEntries(status.entries);
    rebuildOwnerFilter();
    updateSummary();
    rebuildChart();

    // Keep the chosen pair across reloads; start with the latest week.
    const qint64 from = m_diffFrom->currentIndex() >= 0 ? m_diffFrom->currentData().toLongLong() : 0;
    const qint64 to = m_diffTo->currentIndex() >= 0 ? m_diffTo->currentData().toLongLong() : 0;
    m_diffFrom->clear();
    m_diffTo->clear();
    for (const backlog::SnapshotInfo& snapshot : status.snapshots) {
        m_diffFrom->addItem(snapshotLabel(snapshot), QVariant::fromValue<qint64>(snapshot.id));
        m_diffTo->addItem(snapshotLabel(snapshot), QVariant::fromValue<qint64>(snapshot.id));
    }
    const int count = static_cast<int>(status.snapshots.size());
    const int fromIndex = m_diffFrom->findData(QVariant::fromValue<qint64>(from));
    const int toIndex = m_diffTo->findData(QVariant::fromValue<qint64>(to));
    m_diffFrom->setCurrentIndex(fromIndex >= 0 ? fromIndex : std::max(0, count - 2));
    m_diffTo->setCurrentIndex(toIndex >= 0 ? toIndex : count - 1);
    requestSelectedDiff();

    m_stack->setCurrentIndex(1);
    if (selected.isEmpty() || !selectEntry(selected)) {
        if (m_filter->rowCount() > 0)
            m_table->setCurrentIndex(m_filter->index(0, 0));
        else
            showEntry(nullptr);
    }
    updateCount();
    emit loaded();
}

void BacklogView::updateSummary()
{
    const backlog::Progress& progress = m_status.progress;
    const QString drained = tr("%1% drained since #%2 (%L3 removed, %L4 added)")
                                .arg(progress.percentDrained())
                                .arg(m_status.first->id)
                                .arg(progress.removedSinceFirst)
                                .arg(progress.addedSinceFirst);
    m_summary->setText(tr("<b>%L1 entries</b> in snapshot #%2 of %3 · %4<br>%5")
                           .arg(progress.latestEntries)
                           .arg(m_status.latest->id)
                           .arg(day(m_status.latest->takenAt))
                           .arg(drained, projectionText(m_status.projection)));
}

void BacklogView::updateCount()
{
    m_count->setText(tr("%L1 of %L2").arg(m_filter->rowCount()).arg(m_model->rowCount()));
}

void BacklogView::rebuildOwnerFilter()
{
    const QVariant current = m_ownerFilter->currentData();
    QStringList owners;
    for (const TrackedEntry& entry : m_model->entries())
        if (!entry.tracking.owner.isEmpty())
            owners << entry.tracking.owner;
    owners.sort(Qt::CaseInsensitive);
    owners.removeDuplicates();
    const QSignalBlocker blocker(m_ownerFilter);
    m_ownerFilter->clear();
    m_ownerFilter->addItem(tr("Anyone"));
    m_ownerFilter->addItem(tr("Unassigned"), QString(QLatin1String("")));
    for (const QString& owner : owners)
        m_ownerFilter->addItem(owner, owner);
    const int index = current.isValid() ? m_ownerFilter->findData(current) : 0;
    m_ownerFilter->setCurrentIndex(std::max(0, index));
    // The owner may have gone (an edit): the filter follows what the combo now shows.
    const QVariant owner = m_ownerFilter->currentData();
    m_filter->setOwnerFilter(owner.isValid() ? std::optional(owner.toString()) : std::nullopt);
}

void BacklogView::rebuildChart()
{
    const auto& points = m_status.burndown;
    const QColor text = palette().text().color();
    auto* chart = new QChart;
    chart->setAnimationOptions(QChart::NoAnimation);
    chart->setTitle(tr("Burndown by action — click a week to diff it with the one before"));

    QStringList categories;
    for (const backlog::BurndownPoint& point : points)
        categories << QString::number(point.snapshotId);
    const backlog::Projection& projection = m_status.projection;
    const bool projected = projection.outcome == backlog::Projection::Outcome::Projected;
    if (projected)
        categories << QStringLiteral("→"); // the finish: its date is in the summary above the chart

    auto* bars = new QStackedBarSeries;
    bars->setBarWidth(0.8);
    int largest = 0;
    for (std::size_t a = 0; a < backlog::allActions.size(); ++a) {
        auto* set = new QBarSet(backlog::actionName(backlog::allActions[a]));
        for (const backlog::BurndownPoint& point : points)
            *set << point.byAction[a];
        if (projected)
            *set << 0;
        set->setColor(actionColour(backlog::allActions[a]));
        set->setBorderColor(actionColour(backlog::allActions[a]));
        bars->append(set);
    }
    for (const backlog::BurndownPoint& point : points)
        largest = std::max(largest, point.total);
    chart->addSeries(bars);

    // The projection: from the latest total down to zero at the projected finish.
    QLineSeries* projectionLine = nullptr;
    if (projected && !points.empty()) {
        projectionLine = new QLineSeries;
        projectionLine->setName(tr("projection"));
        projectionLine->append(static_cast<qreal>(points.size() - 1), points.back().total);
        projectionLine->append(static_cast<qreal>(points.size()), 0);
        QPen pen(text, 2, Qt::DashLine);
        projectionLine->setPen(pen);
        chart->addSeries(projectionLine);
    }
    // The weeks that broke the rules, marked on top of their bar.
    auto* violations = new QScatterSeries;
    violations->setName(tr("rule violations"));
    violations->setMarkerShape(QScatterSeries::MarkerShapeRectangle);
    violations->setMarkerSize(11);
    violations->setColor(QColor(kViolationRed));
    violations->setBorderColor(text);
    for (std::size_t i = 0; i < points.size(); ++i)
        if (points[i].violations > 0)
            violations->append(static_cast<qreal>(i), points[i].total + largest * 0.04);
    chart->addSeries(violations);

    auto* x = new QBarCategoryAxis;
    x->append(categories);
    x->setTitleText(tr("snapshot #"));
    // Sixteen weeks share a few hundred pixels: a smaller font keeps the ids from being elided.
    QFont small = x->labelsFont();
    small.setPointSizeF(small.pointSizeF() * 0.8);
    x->setLabelsFont(small);
    auto* y = new QValueAxis;
    y->setRange(0, largest * 1.12 + 1);
    y->setLabelFormat(QStringLiteral("%d"));
    y->applyNiceNumbers();
    y->setTitleText(tr("entries"));
    chart->addAxis(x, Qt::AlignBottom);
    chart->addAxis(y, Qt::AlignLeft);
    for (QAbstractSeries* series : chart->series()) {
        series->attachAxis(x);
        series->attachAxis(y);
    }

    connect(bars, &QStackedBarSeries::hovered, this, [this](bool inside, int index, QBarSet* set) {
        const auto& snapshots = m_status.snapshots;
        if (!inside || index >= static_cast<int>(snapshots.size())) {
            QToolTip::hideText();
            return;
        }
        const backlog::SnapshotInfo& snapshot = snapshots[static_cast<std::size_t>(index)];
        QToolTip::showText(QCursor::pos(), tr("%1: %L2 entries in #%3 (%4)")
                                               .arg(set->label())
                                               .arg(set->at(index))
                                               .arg(snapshot.id)
                                               .arg(day(snapshot.takenAt)));
    });
    connect(bars, &QStackedBarSeries::clicked, this, [this](int index) {
        const auto& snapshots = m_status.snapshots;
        if (index > 0 && index < static_cast<int>(snapshots.size()))
            showDiff(snapshots[static_cast<std::size_t>(index - 1)].id,
                     snapshots[static_cast<std::size_t>(index)].id);
    });

    // Follow the application palette so the chart reads in dark mode too.
    chart->setBackgroundBrush(palette().base());
    chart->setTitleBrush(text);
    chart->legend()->setLabelColor(text);
    // Ten action names would take half the chart: the table's and the filter's swatches are the key.
    chart->legend()->setAlignment(Qt::AlignBottom);
    for (QLegendMarker* marker : chart->legend()->markers(bars))
        marker->setVisible(false);
    for (QAbstractAxis* axis : {static_cast<QAbstractAxis*>(x), static_cast<QAbstractAxis*>(y)}) {
        axis->setLabelsColor(text);
        axis->setTitleBrush(text);
        axis->setGridLineColor(palette().mid().color());
        axis->setLinePenColor(palette().mid().color());
    }
    QChart* old = m_chart->chart();
    m_chart->setChart(chart);
    delete old;
}

void BacklogView::applyDiff(const backlog::SnapshotDiff& diff)
{
    m_diffTree->clear();
    const QFont bold = [this] {
        QFont font = m_diffTree->font();
        font.setBold(true);
        return font;
    }();
    auto group = [&](const QString& title, std::size_t count) {
        auto* item = new QTreeWidgetItem(m_diffTree, {title.arg(count)});
        item->setFirstColumnSpanned(true);
        item->setFont(0, bold);
        return item;
    };
    std::set<QString> violating;
    if (!diff.violations.empty()) {
        QTreeWidgetItem* rules = group(tr("Rule violations (%1)"), diff.violations.size());
        for (const backlog::Violation& violation : diff.violations) {
            violating.insert(violation.urlName);
            auto* item = new QTreeWidgetItem(rules, {violation.urlName, backlog::actionName(violation.action),
                                                     backlog::ruleName(violation.rule)});
            for (int c = 0; c < 3; ++c) {
                item->setBackground(c, violationBrush());
                item->setToolTip(c, violation.message);
            }
        }
    }
    QTreeWidgetItem* added = group(tr("Added (%1)"), diff.added.size());
    for (const backlog::MapEntry& entry : diff.added) {
        auto* item = new QTreeWidgetItem(added, {entry.urlName, backlog::actionName(entry.action),
                                                 tr("line %1 of #%2").arg(entry.line).arg(diff.to.id)});
        if (violating.count(entry.urlName) > 0)
            for (int c = 0; c < 3; ++c)
                item->setBackground(c, violationBrush());
    }
    QTreeWidgetItem* removed = group(tr("Removed (%1)"), diff.removed.size());
    for (const backlog::MapEntry& entry : diff.removed)
        new QTreeWidgetItem(removed, {entry.urlName, backlog::actionName(entry.action),
                                      tr("line %1 of #%2").arg(entry.line).arg(diff.from.id)});
    QTreeWidgetItem* changed = group(tr("Action changed (%1)"), diff.changed.size());
    for (const backlog::ActionChange& change : diff.changed)
        new QTreeWidgetItem(changed, {change.urlName, backlog::actionName(change.to),
                                      tr("was %1").arg(backlog::actionName(change.from))});
    // The violations and small groups open; a long removal list stays one line until asked for.
    for (int i = 0; i < m_diffTree->topLevelItemCount(); ++i) {
        QTreeWidgetItem* item = m_diffTree->topLevelItem(i);
        item->setExpanded(item->childCount() > 0 && (item->childCount() <= 12 || i == 0));
    }

    if (diff.violations.empty()) {
        m_violations->hide();
    } else {
        m_violations->setText(tr("<b>#%1 broke the rules %Ln time(s):</b> the map must only shrink.", nullptr,
                                 static_cast<int>(diff.violations.size()))
                                  .arg(diff.to.id));
        m_violations->show();
    }
    emit diffShown();
}

const TrackedEntry* BacklogView::currentEntry() const
{
    const QModelIndex current = m_table->currentIndex();
    if (!current.isValid())
        return nullptr;
    return &m_model->entryAt(m_filter->mapToSource(current).row());
}

void BacklogView::showEntry(const TrackedEntry* entry)
{
    const QSignalBlocker owner(m_ownerEdit), team(m_teamEdit), status(m_statusEdit), notes(m_notesEdit);
    if (!entry) {
        m_entryTitle->setText(tr("<i>Select an entry to see its definition of done.</i>"));
        m_meaning->clear();
        m_done->clear();
        m_ownerEdit->clear();
        m_teamEdit->clear();
        m_notesEdit->clear();
        updateEditState();
        return;
    }
    m_entryTitle->setText(
        tr("<b>%1</b><br>%2").arg(entry->urlName.toHtmlEscaped(), backlog::actionName(entry->action)));
    m_meaning->setText(backlog::actionMeaning(entry->action));
    QString steps;
    for (const QString& step : backlog::actionDefinitionOfDone(entry->action))
        steps += QStringLiteral("<li>%1</li>").arg(step.toHtmlEscaped());
    m_done->setText(tr("<b>Definition of done</b><ol>%1</ol>").arg(steps));
    m_ownerEdit->setText(entry->tracking.owner);
    m_teamEdit->setText(entry->tracking.team);
    m_statusEdit->setCurrentIndex(m_statusEdit->findData(static_cast<int>(entry->tracking.status)));
    m_notesEdit->setPlainText(entry->tracking.notes);
    setEditMessage(
        entry->tracking.updatedAt == 0
            ? tr("Never edited.")
            : tr("Last edited by %1 on %2.").arg(entry->tracking.updatedBy, day(entry->tracking.updatedAt)),
        false);
    updateEditState();
}

std::optional<backlog::TrackingUpdate> BacklogView::pendingUpdate() const
{
    const TrackedEntry* entry = currentEntry();
    if (!entry)
        return std::nullopt;
    backlog::TrackingUpdate update;
    if (m_ownerEdit->text().trimmed() != entry->tracking.owner)
        update.owner = m_ownerEdit->text().trimmed();
    if (m_teamEdit->text().trimmed() != entry->tracking.team)
        update.team = m_teamEdit->text().trimmed();
    const auto status = static_cast<TrackingStatus>(m_statusEdit->currentData().toInt());
    if (status != entry->tracking.status)
        update.status = status;
    if (m_notesEdit->toPlainText().trimmed() != entry->tracking.notes)
        update.notes = m_notesEdit->toPlainText().trimmed();
    if (!update.owner && !update.team && !update.status && !update.notes)
        return std::nullopt;
    return update;
}

void BacklogView::updateEditState()
{
    const bool editable = m_permissions.editTracking && currentEntry() != nullptr;
    for (QWidget* field : std::initializer_list<QWidget*>{m_ownerEdit, m_teamEdit, m_statusEdit, m_notesEdit})
        field->setEnabled(editable && !m_saving);
    const bool dirty = pendingUpdate().has_value();
    m_save->setEnabled(editable && !m_saving && dirty);
    m_revert->setEnabled(!m_saving && dirty);
    m_permissionNote->setVisible(!m_permissions.editTracking);
    m_permissionNote->setText(tr("<i>Read-only: this database role may not edit tracking (the cellscope_lead "
                                 "role may).</i>"));
}

void BacklogView::save()
{
    const TrackedEntry* entry = currentEntry();
    const auto update = pendingUpdate();
    if (!entry || !update || m_saving || !m_service)
        return;
    m_saving = true;
    updateEditState();
    setEditMessage(tr("Saving…"), false);
    QMetaObject::invokeMethod(m_service, [service = m_service, urlName = entry->urlName, update = *update] {
        service->updateTracking(urlName, update);
    });
}

void BacklogView::setEditMessage(const QString& text, bool problem)
{
    m_editMessage->setText(text);
    m_editMessage->setStyleSheet(problem ? QStringLiteral("QLabel { color: #d62728; font-weight: bold; }")
                                         : QString());
}

void BacklogView::changeEvent(QEvent* event)
{
    QWidget::changeEvent(event);
    if (event->type() == QEvent::PaletteChange && m_status.latest)
        rebuildChart();
}

} // namespace cellscope::ui
