#include "ui/models/world_model.h"

#include "core/model/topology.h"

namespace cellscope::ui {

namespace {

QStandardItem* makeItem(const QString& value, Qt::Alignment alignment = Qt::AlignLeft | Qt::AlignVCenter)
{
    auto* cell = new QStandardItem(value);
    cell->setEditable(false);
    cell->setTextAlignment(alignment);
    return cell;
}

} // namespace

WorldModel::WorldModel(QObject* parent) : QStandardItemModel(parent)
{
    setHorizontalHeaderLabels({tr("Locality / cell"), tr("Category"), tr("Monolith"), tr("Visible"),
                               tr("New-org cell"), tr("Orgs"), tr("Health"), tr("Address")});
}

void WorldModel::setSnapshot(const Snapshot& s)
{
    removeRows(0, rowCount());
    const auto right = Qt::AlignRight | Qt::AlignVCenter;
    auto addLocality = [&](const QString& name, const QString& category, bool visible,
                           const QString& newOrgCell, std::size_t orgs, const QString& key) {
        QList<QStandardItem*> row{makeItem(name),       makeItem(category),
                                  makeItem(QString()),  makeItem(visible ? tr("yes") : tr("no")),
                                  makeItem(newOrgCell), makeItem(QString::number(orgs), right),
                                  makeItem(QString()),  makeItem(QString())};
        row[0]->setData(QStringLiteral("locality"), KindRole);
        row[0]->setData(key, KeyRole);
        QFont bold = row[0]->font();
        bold.setBold(true);
        row[0]->setFont(bold);
        appendRow(row);
        return row[0];
    };
    auto addCell = [&](QStandardItem* parent, CellIndex c, const Locality* locality) {
        const Cell& cell = s.cells()[c];
        QList<QStandardItem*> row{
            makeItem(QString::fromUtf8(cell.name)),
            makeItem(QString::fromUtf8(categoryName(cell.category))),
            makeItem(cell.monolith ? tr("yes") : QString()),
            makeItem(cell.visible ? tr("yes") : tr("no")),
            makeItem(locality && locality->newOrgCell == cell.name ? tr("new orgs") : QString()),
            makeItem(QString::number(s.orgCountInCell(c)), right),
            makeItem(tr("not probed")),
            makeItem(QString::fromUtf8(cell.address))};
        row[0]->setData(QStringLiteral("cell"), KindRole);
        row[0]->setData(static_cast<int>(c), KeyRole);
        if (cell.monolith)
            row[0]->setToolTip(
                tr("The historic monolith cell (SENTRY_MONOLITH_REGION): pinned URLs land here."));
        parent->appendRow(row);
    };
    for (const Locality& locality : s.localities()) {
        std::size_t orgs = 0;
        for (CellIndex c : locality.cells)
            orgs += s.orgCountInCell(c);
        QStandardItem* parent = addLocality(
            QString::fromUtf8(locality.name), QString::fromUtf8(categoryName(locality.category)),
            locality.visible, QString::fromUtf8(locality.newOrgCell), orgs, QString::fromUtf8(locality.name));
        for (CellIndex c : locality.cells)
            addCell(parent, c, &locality);
    }
    QStandardItem* undeclared = nullptr;
    for (CellIndex c = 0; c < s.cells().size(); ++c) {
        if (s.cells()[c].declared)
            continue;
        if (!undeclared)
            undeclared = addLocality(tr("(undeclared cells)"), QString(), false, QString(), 0, QString());
        addCell(undeclared, c, nullptr);
    }
}

void WorldModel::setHealth(const std::vector<net::CellProbe>& probes)
{
    for (int l = 0; l < rowCount(); ++l) {
        QStandardItem* locality = item(l, 0);
        for (int c = 0; c < locality->rowCount(); ++c) {
            const QString name = locality->child(c, Name)->text();
            for (const auto& probe : probes) {
                if (QString::fromStdString(probe.cell) != name)
                    continue;
                QStandardItem* health = locality->child(c, Health);
                health->setText(probe.healthy()   ? tr("up %1 ms").arg(probe.latencyMs, 0, 'f', 0)
                                : probe.reachable ? tr("HTTP %1").arg(probe.httpStatus)
                                                  : tr("unreachable"));
                health->setToolTip(
                    QString::fromStdString(probe.error.empty() ? probe.url : probe.url + ": " + probe.error));
                health->setForeground(probe.healthy() ? QColor(0x2e, 0x7d, 0x32) : QColor(0xb3, 0x26, 0x1e));
            }
        }
    }
}

} // namespace cellscope::ui
