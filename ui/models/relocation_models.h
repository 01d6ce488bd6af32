#pragma once

#include "core/relocation/journal.h"

#include <QAbstractTableModel>
#include <QStyledItemDelegate>

#include <optional>
#include <vector>

namespace cellscope::ui {

// The relocations of the control database, newest first. Refreshed every second or so: when the
// same relocations come back in the same order, only their values change (dataChanged), so the
// view keeps its selection and scroll position.
class RelocationListModel : public QAbstractTableModel
{
    Q_OBJECT

public:
    enum Column
    {
        Id,
        Organization,
        Move,
        State,
        Step,
        Updated,
        CreatedBy,
        ColumnCount
    };
    static constexpr int IdRole = Qt::UserRole + 1;

    explicit RelocationListModel(QObject* parent = nullptr);

    void setRelocations(std::vector<relocation::Relocation> relocations);
    const relocation::Relocation& relocationAt(int row) const
    {
        return m_relocations[static_cast<std::size_t>(row)];
    }
    int rowOf(std::int64_t id) const; // -1 when absent

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    std::vector<relocation::Relocation> m_relocations;
};

// One relocation's tables in their declared (dependency) order, with copy, verify and cleanup
// progress. The three progress columns carry their fraction in FractionRole for the bar delegate.
class TableProgressModel : public QAbstractTableModel
{
    Q_OBJECT

public:
    enum Column
    {
        Table,
        Rows,
        Copied,
        Verified,
        Cleaned,
        Checksum,
        ColumnCount
    };
    static constexpr int FractionRole = Qt::UserRole + 1; // double in [0, 1]; absent: no bar

    explicit TableProgressModel(QObject* parent = nullptr);

    // `relocationId` tells a new relocation (reset) from fresh figures of the same one (dataChanged).
    void setTables(std::int64_t relocationId, std::vector<relocation::TableProgress> tables);
    const std::vector<relocation::TableProgress>& tables() const { return m_tables; }

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    std::optional<std::int64_t> m_relocationId;
    std::vector<relocation::TableProgress> m_tables;
};

// Paints a progress bar behind the cell's text where the model gives a FractionRole.
class ProgressBarDelegate : public QStyledItemDelegate
{
    Q_OBJECT

public:
    using QStyledItemDelegate::QStyledItemDelegate;
    void paint(QPainter* painter, const QStyleOptionViewItem& option,
               const QModelIndex& index) const override;
};

} // namespace cellscope::ui
