#pragma once

#include "core/backlog/history.h"

#include <QAbstractTableModel>
#include <QByteArray>
#include <QColor>
#include <QSortFilterProxyModel>

#include <optional>
#include <vector>

namespace cellscope::ui {

// The entries of one backlog snapshot with their tracking: a few hundred rows, so a plain vector
// behind a QSortFilterProxyModel (BacklogFilterModel) is enough.
class BacklogTableModel : public QAbstractTableModel
{
    Q_OBJECT

public:
    enum Column
    {
        UrlName,
        Action,
        Status,
        Owner,
        Team,
        Notes,
        ColumnCount
    };
    // Raw values for filtering and sorting: the action and status as ints, the owner as stored.
    static constexpr int ActionRole = Qt::UserRole + 1;
    static constexpr int StatusRole = Qt::UserRole + 2;
    static constexpr int OwnerRole = Qt::UserRole + 3;
    static constexpr int SearchTextRole = Qt::UserRole + 4; // URL name, owner, team and notes

    explicit BacklogTableModel(QObject* parent = nullptr);

    void setEntries(std::vector<backlog::TrackedEntry> entries);
    const std::vector<backlog::TrackedEntry>& entries() const { return m_entries; }
    const backlog::TrackedEntry& entryAt(int row) const { return m_entries[static_cast<std::size_t>(row)]; }
    int rowOf(const QString& urlName) const; // -1 when absent
    // Replaces the tracking of the entry with the same URL name (an edit the database accepted).
    void updateEntry(const backlog::TrackedEntry& entry);

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    std::vector<backlog::TrackedEntry> m_entries;
};

// The table's filters: action, tracking status, owner (an empty owner selects the unassigned) and a
// case-insensitive text over URL name, owner, team and notes. Unset filters accept everything.
class BacklogFilterModel : public QSortFilterProxyModel
{
    Q_OBJECT

public:
    explicit BacklogFilterModel(QObject* parent = nullptr);

    void setActionFilter(std::optional<backlog::Action> action);
    void setStatusFilter(std::optional<backlog::TrackingStatus> status);
    void setOwnerFilter(std::optional<QString> owner);
    void setTextFilter(const QString& text);

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex& sourceParent) const override;

private:
    std::optional<backlog::Action> m_action;
    std::optional<backlog::TrackingStatus> m_status;
    std::optional<QString> m_owner;
    QString m_text;
};

// The action's colour in the burndown; the table and the action filter show it, so they are the chart's key.
QColor actionColour(backlog::Action action);

// "In progress" for TrackingStatus::InProgress: the words a person reads, not the stored spelling.
QString trackingStatusLabel(backlog::TrackingStatus status);

// RFC 4180 CSV of the entries with a header row: url_name, action, status (stored spellings), owner,
// team, notes, updated_by, updated_at (ISO 8601 UTC, empty when never edited).
QByteArray backlogCsv(const std::vector<backlog::TrackedEntry>& entries);

} // namespace cellscope::ui
