#pragma once

#include "core/snapshot/org_list.h"
#include "core/snapshot/queries.h"
#include "core/snapshot/search_text.h"
#include "core/snapshot/snapshot.h"
#include "ui/background.h"

#include <QAbstractTableModel>
#include <QElapsedTimer>

#include <array>
#include <atomic>
#include <memory>
#include <optional>
#include <vector>

namespace cellscope::ui {

// The organizations table over a whole snapshot (a million rows and more). It never filters or
// sorts on the GUI thread: the visible rows are a permutation of org indexes, computed by a worker
// and swapped in (the way Wireshark's packet list keeps its own visible-row list), instead of a
// QSortFilterProxyModel calling data() millions of times.
class OrgTableModel : public QAbstractTableModel
{
    Q_OBJECT

public:
    // The columns are the core's OrgColumn, in its order.
    enum Column
    {
        Id = static_cast<int>(OrgColumn::Id),
        Slug = static_cast<int>(OrgColumn::Slug),
        Name = static_cast<int>(OrgColumn::Name),
        Cell = static_cast<int>(OrgColumn::Cell),
        Locality = static_cast<int>(OrgColumn::Locality),
        Status = static_cast<int>(OrgColumn::Status),
        Members = static_cast<int>(OrgColumn::Members),
        Created = static_cast<int>(OrgColumn::Created),
        ColumnCount = kOrgColumnCount
    };
    static constexpr int OrgIndexRole = Qt::UserRole + 1;

    explicit OrgTableModel(QObject* parent = nullptr);
    ~OrgTableModel() override;

    void setSnapshot(SnapshotPtr snapshot);
    SnapshotPtr snapshot() const { return m_snapshot; }
    void setScope(std::optional<CellIndex> cell, std::optional<std::string> locality);
    void setSearch(const QString& text);
    void sort(int column, Qt::SortOrder order = Qt::AscendingOrder) override;

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    OrgIndex orgAt(int row) const { return (*m_rows)[static_cast<std::size_t>(row)]; }
    int rowOfOrg(OrgIndex org) const; // -1 when filtered out
    bool isBusy() const { return m_pending > 0; }

signals:
    // A new row set is in place; `milliseconds` from request to swap.
    void rowsReady(qint64 milliseconds, int rows);
    void busyChanged(bool busy);

private:
    struct Result
    {
        quint64 generation = 0;
        std::vector<OrgIndex> rows;
        std::shared_ptr<const std::vector<OrgIndex>> order; // computed sort order to cache, if any
        int orderColumn = -1;
        OrgFilter filter;
        int sortColumn = -1;
        Qt::SortOrder sortOrder = Qt::AscendingOrder;
    };

    void schedule();
    void ensureSearchText();
    static void buildSearchText(const Snapshot& snapshot, std::shared_ptr<const OrgSearchText>& text);
    void apply(Result result);

    // Filters and sorts, one request at a time; a request already overtaken by a newer one (typing
    // faster than a million rows filter) is skipped there.
    Worker m_worker{QStringLiteral("organizations")};
    std::shared_ptr<std::atomic<quint64>> m_latest = std::make_shared<std::atomic<quint64>>(0);
    SnapshotPtr m_snapshot;
    // Built once per snapshot on the worker, after the first rows or by the first search that
    // needs it; touched only there, never on the GUI thread.
    std::shared_ptr<std::shared_ptr<const OrgSearchText>> m_searchText =
        std::make_shared<std::shared_ptr<const OrgSearchText>>();
    bool m_searchTextPosted = false;
    // Shared with the worker that narrows a forward-typed search, so a keystroke copies nothing.
    std::shared_ptr<const std::vector<OrgIndex>> m_rows;
    OrgFilter m_filter;
    OrgFilter m_rowsFilter;    // the filter m_rows was computed with
    int m_rowsSortColumn = -2; // and its order (-2: no rows yet)
    Qt::SortOrder m_rowsSortOrder = Qt::AscendingOrder;
    int m_sortColumn = -1;
    Qt::SortOrder m_sortOrder = Qt::AscendingOrder;
    std::array<std::shared_ptr<const std::vector<OrgIndex>>, ColumnCount> m_orderCache;
    quint64 m_generation = 0;
    int m_pending = 0;
    QElapsedTimer m_requested;
};

} // namespace cellscope::ui
