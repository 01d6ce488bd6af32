#include "ui/models/backlog_model.h"

#include <QDateTime>

namespace cellscope::ui {

using backlog::TrackedEntry;
using backlog::TrackingStatus;

QColor actionColour(backlog::Action action)
{
    // Ten colours that stay apart from each other on light and dark backgrounds (Tableau 10).
    constexpr std::array<QRgb, 10> colours = {0x4e79a7, 0xf28e2b, 0xe15759, 0x76b7b2, 0x59a14f,
                                              0xedc948, 0xb07aa1, 0xff9da7, 0x9c755f, 0xbab0ac};
    static_assert(colours.size() == backlog::allActions.size());
    return QColor(colours[static_cast<std::size_t>(action)]);
}

QString trackingStatusLabel(TrackingStatus status)
{
    switch (status) {
    case TrackingStatus::Open:
        return BacklogTableModel::tr("Open");
    case TrackingStatus::InProgress:
        return BacklogTableModel::tr("In progress");
    case TrackingStatus::Done:
        return BacklogTableModel::tr("Done");
    }
    return {};
}

BacklogTableModel::BacklogTableModel(QObject* parent) : QAbstractTableModel(parent) {}

void BacklogTableModel::setEntries(std::vector<TrackedEntry> entries)
{
    beginResetModel();
    m_entries = std::move(entries);
    endResetModel();
}

int BacklogTableModel::rowOf(const QString& urlName) const
{
    for (std::size_t row = 0; row < m_entries.size(); ++row)
        if (m_entries[row].urlName == urlName)
            return static_cast<int>(row);
    return -1;
}

void BacklogTableModel::updateEntry(const TrackedEntry& entry)
{
    const int row = rowOf(entry.urlName);
    if (row < 0)
        return;
    m_entries[static_cast<std::size_t>(row)].tracking = entry.tracking;
    emit dataChanged(index(row, 0), index(row, ColumnCount - 1));
}

int BacklogTableModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : static_cast<int>(m_entries.size());
}

int BacklogTableModel::columnCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant BacklogTableModel::data(const QModelIndex& index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const TrackedEntry& entry = entryAt(index.row());
    switch (role) {
    case Qt::DisplayRole:
        switch (index.column()) {
        case UrlName:
            return entry.urlName;
        case Action:
            return backlog::actionName(entry.action);
        case Status:
            return trackingStatusLabel(entry.tracking.status);
        case Owner:
            return entry.tracking.owner;
        case Team:
            return entry.tracking.team;
        case Notes:
            // One line in the table; the full text is in the tooltip and the entry pane.
            return entry.tracking.notes.section(QLatin1Char('\n'), 0, 0);
        }
        return {};
    case Qt::DecorationRole:
        if (index.column() == Action)
            return actionColour(entry.action);
        return {};
    case Qt::ToolTipRole:
        if (index.column() == Action)
            return backlog::actionMeaning(entry.action);
        if (index.column() == Notes && !entry.tracking.notes.isEmpty())
            return entry.tracking.notes;
        return {};
    case ActionRole:
        return static_cast<int>(entry.action);
    case StatusRole:
        return static_cast<int>(entry.tracking.status);
    case OwnerRole:
        return entry.tracking.owner;
    case SearchTextRole:
        return QStringList{entry.urlName, entry.tracking.owner, entry.tracking.team, entry.tracking.notes}
            .join(QLatin1Char('\n'));
    }
    return {};
}

QVariant BacklogTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case UrlName:
        return tr("URL name");
    case Action:
        return tr("Action");
    case Status:
        return tr("Status");
    case Owner:
        return tr("Owner");
    case Team:
        return tr("Team");
    case Notes:
        return tr("Notes");
    }
    return {};
}

BacklogFilterModel::BacklogFilterModel(QObject* parent) : QSortFilterProxyModel(parent)
{
    setSortCaseSensitivity(Qt::CaseInsensitive);
}

void BacklogFilterModel::setActionFilter(std::optional<backlog::Action> action)
{
    m_action = action;
    invalidateFilter();
}

void BacklogFilterModel::setStatusFilter(std::optional<TrackingStatus> status)
{
    m_status = status;
    invalidateFilter();
}

void BacklogFilterModel::setOwnerFilter(std::optional<QString> owner)
{
    m_owner = std::move(owner);
    invalidateFilter();
}

void BacklogFilterModel::setTextFilter(const QString& text)
{
    m_text = text.trimmed();
    invalidateFilter();
}

bool BacklogFilterModel::filterAcceptsRow(int sourceRow, const QModelIndex& sourceParent) const
{
    const QModelIndex index = sourceModel()->index(sourceRow, 0, sourceParent);
    if (m_action && index.data(BacklogTableModel::ActionRole).toInt() != static_cast<int>(*m_action))
        return false;
    if (m_status && index.data(BacklogTableModel::StatusRole).toInt() != static_cast<int>(*m_status))
        return false;
    if (m_owner && index.data(BacklogTableModel::OwnerRole).toString() != *m_owner)
        return false;
    return m_text.isEmpty() ||
           index.data(BacklogTableModel::SearchTextRole).toString().contains(m_text, Qt::CaseInsensitive);
}

namespace {

QByteArray csvField(const QString& value)
{
    QByteArray field = value.toUtf8();
    if (field.contains(',') || field.contains('"') || field.contains('\n') || field.contains('\r'))
        field = '"' + field.replace("\"", "\"\"") + '"';
    return field;
}

} // namespace

QByteArray backlogCsv(const std::vector<TrackedEntry>& entries)
{
    QByteArray csv = "url_name,action,status,owner,team,notes,updated_by,updated_at\r\n";
    for (const TrackedEntry& entry : entries) {
        const QString updatedAt =
            entry.tracking.updatedAt == 0
                ? QString()
                : QDateTime::fromSecsSinceEpoch(entry.tracking.updatedAt, Qt::UTC).toString(Qt::ISODate);
        const QStringList fields{entry.urlName,
                                 backlog::actionName(entry.action),
                                 backlog::trackingStatusName(entry.tracking.status),
                                 entry.tracking.owner,
                                 entry.tracking.team,
                                 entry.tracking.notes,
                                 entry.tracking.updatedBy,
                                 updatedAt};
        for (qsizetype i = 0; i < fields.size(); ++i) {
            if (i > 0)
                csv += ',';
            csv += csvField(fields[i]);
        }
        csv += "\r\n";
    }
    return csv;
}

} // namespace cellscope::ui
