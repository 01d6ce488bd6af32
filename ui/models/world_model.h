#pragma once

#include "core/net/cell_probe.h"
#include "core/snapshot/snapshot.h"

#include <QStandardItemModel>

namespace cellscope::ui {

// The navigator's tree: localities, each with its cells and their settings. Small (tens of rows),
// so a QStandardItemModel rebuilt per snapshot is the simplest correct thing.
class WorldModel : public QStandardItemModel
{
    Q_OBJECT

public:
    enum Column
    {
        Name,
        Category,
        Monolith,
        Visible,
        NewOrgCell,
        Orgs,
        Health,
        Address,
        ColumnCount
    };
    static constexpr int KindRole = Qt::UserRole + 1; // "locality" | "cell"
    static constexpr int KeyRole = Qt::UserRole + 2;  // locality name or cell index

    explicit WorldModel(QObject* parent = nullptr);
    void setSnapshot(const Snapshot& snapshot);
    // Shows each probed cell's reachability and latency in the Health column.
    void setHealth(const std::vector<net::CellProbe>& probes);
};

} // namespace cellscope::ui
