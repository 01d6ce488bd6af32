#pragma once

#include "core/snapshot/snapshot.h"
#include "ui/models/world_model.h"

#include <QWidget>

#include <optional>
#include <string>

class QTreeView;
class QChartView;
class QPushButton;

namespace cellscope::ui {

// Localities → cells with their settings and org counts, and a chart of orgs per cell coloured by
// locality. Selecting a row scopes the organizations table.
class Navigator : public QWidget
{
    Q_OBJECT

public:
    explicit Navigator(QWidget* parent = nullptr);
    void setSnapshot(const SnapshotPtr& snapshot);
    WorldModel* model() const { return m_model; }
    QTreeView* tree() const { return m_tree; }

signals:
    // No cell and no locality: the whole world.
    void scopeSelected(std::optional<cellscope::CellIndex> cell, std::optional<std::string> locality,
                       const QString& label);

private:
    void updateChart(const Snapshot& snapshot);
    void probeCells();

    WorldModel* m_model;
    SnapshotPtr m_snapshot;
    QPushButton* m_probe;
    QTreeView* m_tree;
    QChartView* m_chart;
};

} // namespace cellscope::ui
