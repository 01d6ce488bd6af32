#include "ui/views/navigator.h"

#include <QBarCategoryAxis>
#include <QBarSet>
#include <QChart>
#include <QChartView>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLabel>
#include <QPushButton>
#include <QStackedBarSeries>
#include <QTreeView>
#include <QVBoxLayout>
#include <QValueAxis>

#include <algorithm>

namespace cellscope::ui {

Navigator::Navigator(QWidget* parent) : QWidget(parent), m_model(new WorldModel(this))
{
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    auto* title = new QLabel(tr("<b>Localities and cells</b> — select one to scope the organizations"), this);
    title->setWordWrap(true);
    layout->addWidget(title);

    m_probe = new QPushButton(tr("Probe cells"), this);
    m_probe->setToolTip(tr("HTTP GET each cell's health path (/_health/), all at once, with a timeout"));
    m_probe->setEnabled(false);
    layout->addWidget(m_probe, 0, Qt::AlignLeft);
    connect(m_probe, &QPushButton::clicked, this, &Navigator::probeCells);

    m_tree = new QTreeView(this);
    m_tree->setModel(m_model);
    m_tree->setUniformRowHeights(true);
    m_tree->setAlternatingRowColors(true);
    m_tree->setRootIsDecorated(true);
    m_tree->header()->setStretchLastSection(true);
    m_tree->setSelectionMode(QAbstractItemView::SingleSelection);
    layout->addWidget(m_tree, 3);

    m_chart = new QChartView(this);
    m_chart->setRenderHint(QPainter::Antialiasing);
    m_chart->setMinimumHeight(260);
    layout->addWidget(m_chart, 2);

    connect(m_tree->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            [this](const QModelIndex& current) {
                const QModelIndex first = current.sibling(current.row(), 0);
                const QString kind = first.data(WorldModel::KindRole).toString();
                if (kind == QStringLiteral("cell"))
                    emit scopeSelected(static_cast<CellIndex>(first.data(WorldModel::KeyRole).toInt()),
                                       std::nullopt, tr("cell %1").arg(first.data().toString()));
                else if (kind == QStringLiteral("locality") &&
                         !first.data(WorldModel::KeyRole).toString().isEmpty())
                    emit scopeSelected(std::nullopt, first.data(WorldModel::KeyRole).toString().toStdString(),
                                       tr("locality %1").arg(first.data().toString()));
                else
                    emit scopeSelected(std::nullopt, std::nullopt, tr("all organizations"));
            });
}

void Navigator::probeCells()
{
    if (!m_snapshot)
        return;
    m_probe->setEnabled(false);
    m_probe->setText(tr("Probing…"));
    // Asynchronous requests on this thread's event loop: the window stays responsive.
    auto* prober = new net::CellProber(this);
    prober->probe(*m_snapshot, net::ProbeOptions{}, [this, prober](std::vector<net::CellProbe> probes) {
        m_model->setHealth(probes);
        m_probe->setText(tr("Probe cells"));
        m_probe->setEnabled(true);
        prober->deleteLater();
    });
}

void Navigator::setSnapshot(const SnapshotPtr& snapshot)
{
    // The scope outlives the world by kind and name (cell indexes mean nothing across snapshots):
    // the live world swapped in for a cached one keeps the person's cell or locality.
    const QModelIndex scoped = m_tree->currentIndex().siblingAtColumn(0);
    const QString kind = scoped.data(WorldModel::KindRole).toString();
    const QString name = scoped.data().toString();
    m_snapshot = snapshot;
    m_probe->setEnabled(true);
    m_model->setSnapshot(*snapshot);
    m_tree->setCurrentIndex({});
    const QModelIndexList same =
        kind.isEmpty() ? QModelIndexList()
                       : m_model->match(m_model->index(0, 0), Qt::DisplayRole, name, -1,
                                        Qt::MatchExactly | Qt::MatchRecursive | Qt::MatchCaseSensitive);
    const auto again = std::find_if(same.begin(), same.end(), [&](const QModelIndex& index) {
        return index.data(WorldModel::KindRole).toString() == kind;
    });
    if (again != same.end())
        m_tree->setCurrentIndex(*again); // scopes the table through currentRowChanged
    else
        emit scopeSelected(std::nullopt, std::nullopt, tr("all organizations"));
    m_tree->expandAll();
    for (int c = 0; c < WorldModel::ColumnCount - 1; ++c)
        m_tree->resizeColumnToContents(c);
    updateChart(*snapshot);
}

void Navigator::updateChart(const Snapshot& s)
{
    // One category per cell; one bar set per locality (zero outside its cells), stacked, so each
    // bar is coloured by its locality and the legend gives the locality totals.
    QStringList categories;
    std::vector<CellIndex> order;
    for (const Locality& locality : s.localities())
        for (CellIndex c : locality.cells) {
            categories << QString::fromStdString(s.cells()[c].name);
            order.push_back(c);
        }
    auto* series = new QStackedBarSeries;
    std::size_t largest = 0;
    for (const Locality& locality : s.localities()) {
        std::size_t total = 0;
        QList<qreal> values;
        for (CellIndex c : order) {
            const bool mine = s.cells()[c].locality == locality.name;
            values << (mine ? static_cast<qreal>(s.orgCountInCell(c)) : 0.0);
            if (mine) {
                total += s.orgCountInCell(c);
                largest = std::max(largest, s.orgCountInCell(c));
            }
        }
        auto* set =
            new QBarSet(QStringLiteral("%1 (%2)").arg(QString::fromStdString(locality.name)).arg(total));
        set->append(values);
        series->append(set);
    }
    auto* chart = new QChart;
    chart->addSeries(series);
    chart->setTitle(tr("Organizations per cell, by locality"));
    chart->setAnimationOptions(QChart::NoAnimation);
    auto* x = new QBarCategoryAxis;
    x->append(categories);
    auto* y = new QValueAxis;
    y->setRange(0, static_cast<qreal>(largest) * 1.1 + 1);
    y->setLabelFormat(QStringLiteral("%d"));
    y->applyNiceNumbers(); // whole-number ticks, also for tiny worlds
    chart->addAxis(x, Qt::AlignBottom);
    chart->addAxis(y, Qt::AlignLeft);
    series->attachAxis(x);
    series->attachAxis(y);
    chart->legend()->setAlignment(Qt::AlignBottom);
    // Follow the application palette so the chart reads in dark mode too.
    chart->setBackgroundBrush(palette().base());
    chart->setTitleBrush(palette().text());
    chart->legend()->setLabelColor(palette().text().color());
    x->setLabelsColor(palette().text().color());
    y->setLabelsColor(palette().text().color());
    QChart* old = m_chart->chart();
    m_chart->setChart(chart);
    delete old;
}

} // namespace cellscope::ui
