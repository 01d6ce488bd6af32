#include "ui/models/relocation_models.h"

#include "core/relocation/text.h"

#include <QApplication>
#include <QBrush>
#include <QColor>
#include <QPainter>
#include <QStyleOptionProgressBar>

namespace cellscope::ui {

namespace {

using namespace relocation;

QString grouped(std::int64_t value)
{
    return QString::fromStdString(groupedNumber(value));
}

QColor stateColour(State state)
{
    switch (state) {
    case State::Running:
        return QColor(0x1a, 0x73, 0xe8);
    case State::Paused:
        return QColor(0xb0, 0x6d, 0x00);
    case State::Failed:
    case State::Aborted:
        return QColor(0xb3, 0x26, 0x1e);
    case State::Done:
        return QColor(0x18, 0x80, 0x38);
    case State::Cancelled:
        return QColor(0x70, 0x70, 0x70);
    }
    return {};
}

QString ago(double seconds)
{
    if (seconds < 1)
        return QObject::tr("just now");
    return QObject::tr("%1 ago").arg(QString::fromStdString(humanDuration(seconds)));
}

double fraction(std::int64_t part, std::int64_t whole, bool complete)
{
    if (complete)
        return 1.0;
    if (whole <= 0)
        return 0.0;
    return std::min(1.0, static_cast<double>(part) / static_cast<double>(whole));
}

} // namespace

// ---- RelocationListModel -----------------------------------------------------------------------

RelocationListModel::RelocationListModel(QObject* parent) : QAbstractTableModel(parent) {}

void RelocationListModel::setRelocations(std::vector<Relocation> relocations)
{
    const bool sameRows = relocations.size() == m_relocations.size() &&
                          std::equal(relocations.begin(), relocations.end(), m_relocations.begin(),
                                     [](const Relocation& a, const Relocation& b) { return a.id == b.id; });
    if (sameRows) {
        m_relocations = std::move(relocations);
        if (!m_relocations.empty())
            emit dataChanged(index(0, 0), index(rowCount() - 1, ColumnCount - 1));
        return;
    }
    beginResetModel();
    m_relocations = std::move(relocations);
    endResetModel();
}

int RelocationListModel::rowOf(std::int64_t id) const
{
    for (std::size_t i = 0; i < m_relocations.size(); ++i)
        if (m_relocations[i].id == id)
            return static_cast<int>(i);
    return -1;
}

int RelocationListModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : static_cast<int>(m_relocations.size());
}

int RelocationListModel::columnCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant RelocationListModel::data(const QModelIndex& index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const Relocation& r = relocationAt(index.row());
    if (role == IdRole)
        return QVariant::fromValue<qint64>(r.id);
    if (role == Qt::ForegroundRole && index.column() == State)
        return QBrush(stateColour(r.state));
    if (role == Qt::ToolTipRole)
        return r.lastError.empty() ? QVariant() : QVariant(QString::fromStdString(r.lastError));
    if (role == Qt::TextAlignmentRole && index.column() == Id)
        return QVariant(Qt::AlignRight | Qt::AlignVCenter);
    if (role != Qt::DisplayRole)
        return {};
    switch (index.column()) {
    case Id:
        return QVariant::fromValue<qint64>(r.id);
    case Organization:
        return QString::fromStdString(r.orgSlug);
    case Move:
        return QStringLiteral("%1 → %2%3")
            .arg(QString::fromStdString(r.sourceCell), QString::fromStdString(r.targetCell),
                 r.crossLocality ? tr(" (cross-locality)") : QString());
    case State: {
        QString state = QString::fromUtf8(stateName(r.state));
        if (!r.requestedAction.empty())
            state += tr(" (%1 requested)").arg(QString::fromStdString(r.requestedAction));
        return state;
    }
    case Step:
        return QString::fromUtf8(stepName(r.step));
    case Updated:
        // A runner's heartbeat (every batch) is news too: a relocation copying for an hour was
        // not "updated an hour ago".
        return ago(r.readAt - std::max(r.updatedAt, r.heartbeatAt.value_or(0)));
    case CreatedBy:
        return QString::fromStdString(r.createdBy);
    default:
        return {};
    }
}

QVariant RelocationListModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case Id:
        return tr("Id");
    case Organization:
        return tr("Organization");
    case Move:
        return tr("Move");
    case State:
        return tr("State");
    case Step:
        return tr("Step");
    case Updated:
        return tr("Updated");
    case CreatedBy:
        return tr("Started by");
    default:
        return {};
    }
}

// ---- TableProgressModel ------------------------------------------------------------------------

TableProgressModel::TableProgressModel(QObject* parent) : QAbstractTableModel(parent) {}

void TableProgressModel::setTables(std::int64_t relocationId, std::vector<TableProgress> tables)
{
    const bool sameRows = m_relocationId == relocationId && tables.size() == m_tables.size();
    if (sameRows) {
        m_tables = std::move(tables);
        if (!m_tables.empty())
            emit dataChanged(index(0, 0), index(rowCount() - 1, ColumnCount - 1));
        return;
    }
    beginResetModel();
    m_relocationId = relocationId;
    m_tables = std::move(tables);
    endResetModel();
}

int TableProgressModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : static_cast<int>(m_tables.size());
}

int TableProgressModel::columnCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant TableProgressModel::data(const QModelIndex& index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const TableProgress& t = m_tables[static_cast<std::size_t>(index.row())];
    const bool digestsKnown = !t.sourceDigest.empty() && !t.targetDigest.empty();
    if (role == FractionRole) {
        switch (index.column()) {
        case Copied:
            return fraction(t.copiedRows, t.plannedRows, t.copied);
        case Verified:
            return fraction(t.verifiedRows, t.plannedRows, t.verified);
        case Cleaned:
            return fraction(t.cleanedRows, t.plannedRows, t.cleaned);
        default:
            return {};
        }
    }
    if (role == Qt::TextAlignmentRole && index.column() == Rows)
        return QVariant(Qt::AlignRight | Qt::AlignVCenter);
    if (role == Qt::ForegroundRole && index.column() == Checksum && digestsKnown)
        return QBrush(t.sourceDigest == t.targetDigest ? QColor(0x18, 0x80, 0x38) : QColor(0xb3, 0x26, 0x1e));
    if (role == Qt::ToolTipRole && index.column() == Checksum && digestsKnown)
        return tr("source %1\ntarget %2")
            .arg(QString::fromStdString(t.sourceDigest), QString::fromStdString(t.targetDigest));
    if (role != Qt::DisplayRole)
        return {};
    auto progress = [&](std::int64_t rows, bool complete, double seconds) {
        QString shown = grouped(rows);
        if (complete)
            shown += QStringLiteral(" ✓");
        // Throttled runs can copy less than a row a second: no rate beats a misleading "0 rows/s".
        if (seconds > 0 && static_cast<double>(rows) >= seconds)
            shown += tr("  (%L1 rows/s)").arg(static_cast<qint64>(static_cast<double>(rows) / seconds));
        return shown;
    };
    switch (index.column()) {
    case Table:
        return QString::fromStdString(t.table);
    case Rows:
        return grouped(t.plannedRows);
    case Copied:
        return progress(t.copiedRows, t.copied, t.copySeconds);
    case Verified:
        return progress(t.verifiedRows, t.verified, t.verifySeconds);
    case Cleaned:
        return progress(t.cleanedRows, t.cleaned, 0);
    case Checksum:
        if (!digestsKnown)
            return QString();
        return t.sourceDigest == t.targetDigest ? tr("equal") : tr("DIFFERENT");
    default:
        return {};
    }
}

QVariant TableProgressModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case Table:
        return tr("Table");
    case Rows:
        return tr("Rows");
    case Copied:
        return tr("Copied");
    case Verified:
        return tr("Verified");
    case Cleaned:
        return tr("Cleaned up");
    case Checksum:
        return tr("Checksums");
    default:
        return {};
    }
}

// ---- ProgressBarDelegate -----------------------------------------------------------------------

void ProgressBarDelegate::paint(QPainter* painter, const QStyleOptionViewItem& option,
                                const QModelIndex& index) const
{
    const QVariant value = index.data(TableProgressModel::FractionRole);
    if (!value.isValid()) {
        QStyledItemDelegate::paint(painter, option, index);
        return;
    }
    QStyleOptionProgressBar bar;
    bar.rect = option.rect.adjusted(2, 2, -2, -2);
    bar.minimum = 0;
    bar.maximum = 1000;
    bar.progress = static_cast<int>(value.toDouble() * 1000);
    bar.text = index.data(Qt::DisplayRole).toString();
    bar.textVisible = true;
    bar.textAlignment = Qt::AlignCenter;
    bar.state = option.state | QStyle::State_Horizontal;
    bar.palette = option.palette;
    const QWidget* widget = option.widget;
    QStyle* style = widget ? widget->style() : QApplication::style();
    style->drawControl(QStyle::CE_ProgressBar, &bar, painter, widget);
}

} // namespace cellscope::ui
