#include "ui/models/org_table_model.h"

#include "core/util/time_format.h"

#include <algorithm>

namespace cellscope::ui {

OrgTableModel::OrgTableModel(QObject* parent)
    : QAbstractTableModel(parent), m_rows(std::make_shared<const std::vector<OrgIndex>>())
{}

OrgTableModel::~OrgTableModel() = default;

void OrgTableModel::setSnapshot(SnapshotPtr snapshot)
{
    beginResetModel();
    m_snapshot = std::move(snapshot);
    m_rows = std::make_shared<const std::vector<OrgIndex>>();
    m_searchText = std::make_shared<std::shared_ptr<const OrgSearchText>>();
    m_searchTextPosted = false;
    m_rowsSortColumn = -2;
    m_orderCache = {};
    // A cell index from the previous snapshot means nothing in the new one.
    m_filter.cell.reset();
    endResetModel();
    schedule();
}

void OrgTableModel::ensureSearchText()
{
    if (!m_snapshot || m_searchTextPosted)
        return;
    m_searchTextPosted = true;
    m_worker.post(
        [snapshot = m_snapshot, text = m_searchText]() noexcept { buildSearchText(*snapshot, *text); });
}

void OrgTableModel::buildSearchText(const Snapshot& snapshot, std::shared_ptr<const OrgSearchText>& text)
{
    if (!text)
        text = std::make_shared<const OrgSearchText>(snapshot);
}

void OrgTableModel::setScope(std::optional<CellIndex> cell, std::optional<std::string> locality)
{
    m_filter.cell = cell;
    m_filter.locality = std::move(locality);
    schedule();
}

void OrgTableModel::setSearch(const QString& text)
{
    m_filter.search = text.toStdString();
    schedule();
}

void OrgTableModel::sort(int column, Qt::SortOrder order)
{
    if (column < 0 || column >= ColumnCount)
        return;
    m_sortColumn = column;
    m_sortOrder = order;
    schedule();
}

namespace {

// Typing forward only narrows a substring search: the rows already shown, in their order, are the
// only candidates. Not for all-digit text, which also matches ids (org 44 matches "44" but not "4").
bool narrows(const OrgFilter& shown, const OrgFilter& wanted)
{
    if (shown.cell != wanted.cell || shown.locality != wanted.locality ||
        wanted.search.size() <= shown.search.size() || isDecimalId(wanted.search))
        return false;
    auto lower = [](std::string text) {
        for (char& c : text)
            c = c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c;
        return text;
    };
    return lower(wanted.search).starts_with(lower(shown.search));
}

} // namespace

void OrgTableModel::schedule()
{
    if (!m_snapshot)
        return;
    const quint64 generation = ++m_generation;
    m_latest->store(generation);
    if (m_pending++ == 0)
        emit busyChanged(true);
    m_requested.start();
    const SnapshotPtr snapshot = m_snapshot;
    const OrgFilter filter = m_filter;
    const int column = m_sortColumn;
    const Qt::SortOrder sortOrder = m_sortOrder;
    const bool descending = sortOrder == Qt::DescendingOrder;
    const auto cached = column >= 0 ? m_orderCache[static_cast<std::size_t>(column)] : nullptr;
    std::shared_ptr<const std::vector<OrgIndex>> shown;
    if (m_rowsSortColumn == column && m_rowsSortOrder == sortOrder && narrows(m_rowsFilter, filter))
        shown = m_rows;
    const auto searchText = m_searchText;

    m_worker.post(
        this,
        [=, latest = m_latest]() noexcept {
            Result result;
            result.generation = generation;
            result.filter = filter;
            result.sortColumn = column;
            result.sortOrder = sortOrder;
            // A newer request is queued behind this one: only its answer will be shown.
            if (generation != latest->load())
                return result;
            if (!filter.search.empty())
                buildSearchText(*snapshot, *searchText);
            const OrgSearchText* text = filter.search.empty() ? nullptr : searchText->get();
            if (shown) {
                result.rows = listOrganizations(*snapshot, filter, shown.get(), false, text);
                return result;
            }
            auto order = cached;
            if (column >= 0 && !order) {
                order = std::make_shared<const std::vector<OrgIndex>>(
                    sortOrganizations(*snapshot, static_cast<OrgColumn>(column)));
                result.order = order;
                result.orderColumn = column;
            }
            result.rows = listOrganizations(*snapshot, filter, order.get(), descending, text);
            return result;
        },
        [this](Result result) { apply(std::move(result)); });
}

void OrgTableModel::apply(Result result)
{
    if (result.order && result.orderColumn >= 0)
        m_orderCache[static_cast<std::size_t>(result.orderColumn)] = result.order;
    const bool latest = result.generation == m_generation;
    if (latest) {
        beginResetModel();
        m_rows = std::make_shared<const std::vector<OrgIndex>>(std::move(result.rows));
        m_rowsFilter = std::move(result.filter);
        m_rowsSortColumn = result.sortColumn;
        m_rowsSortOrder = result.sortOrder;
        endResetModel();
        emit rowsReady(m_requested.elapsed(), static_cast<int>(m_rows->size()));
        // Built once the first rows are shown, so it never competes with the load and first paint.
        ensureSearchText();
    }
    if (--m_pending == 0)
        emit busyChanged(false);
}

int OrgTableModel::rowOfOrg(OrgIndex org) const
{
    const auto it = std::find(m_rows->begin(), m_rows->end(), org);
    return it == m_rows->end() ? -1 : static_cast<int>(it - m_rows->begin());
}

int OrgTableModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : static_cast<int>(m_rows->size());
}

int OrgTableModel::columnCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant OrgTableModel::data(const QModelIndex& index, int role) const
{
    if (!index.isValid() || index.row() >= static_cast<int>(m_rows->size()))
        return {};
    const Snapshot& s = *m_snapshot;
    const OrgIndex org = (*m_rows)[static_cast<std::size_t>(index.row())];
    if (role == OrgIndexRole)
        return QVariant::fromValue(org);
    if (role == Qt::TextAlignmentRole)
        return index.column() == Id || index.column() == Members ? QVariant(Qt::AlignRight | Qt::AlignVCenter)
                                                                 : QVariant(Qt::AlignLeft | Qt::AlignVCenter);
    if (role != Qt::DisplayRole && role != Qt::ToolTipRole)
        return {};
    const OrganizationMapping& mapping = s.org(org);
    switch (index.column()) {
    case Id:
        return QString::number(mapping.id);
    case Slug:
        return QString::fromUtf8(s.slug(org));
    case Name:
        return QString::fromUtf8(s.name(org));
    case Cell:
        return QString::fromUtf8(s.cellName(mapping.cell));
    case Locality:
        return QString::fromUtf8(localityNameOfCell(s, mapping.cell));
    case Status:
        return QString::fromUtf8(orgStatusName(mapping.status));
    case Members:
        return static_cast<qulonglong>(s.membersOfOrg(org).size());
    case Created:
        return QString::fromStdString(formatIsoTimestamp(mapping.dateCreated).substr(0, 10));
    default:
        return {};
    }
}

QVariant OrgTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    static const char* const kTitles[ColumnCount] = {"ID",       "Slug",   "Name",    "Cell",
                                                     "Locality", "Status", "Members", "Created"};
    return section >= 0 && section < ColumnCount ? QString::fromLatin1(kTitles[section]) : QVariant();
}

} // namespace cellscope::ui
