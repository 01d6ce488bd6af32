#include "ui/models/org_table_model.h"

#include "core/util/time_format.h"

#include <QtConcurrent/QtConcurrentRun>

#include <algorithm>
#include <numeric>
#include <thread>

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
    m_searchText = {};
    m_rowsSortColumn = -2;
    m_orderCache = {};
    // A cell index from the previous snapshot means nothing in the new one.
    m_filter.cell.reset();
    endResetModel();
    schedule();
}

void OrgTableModel::ensureSearchText()
{
    if (m_snapshot && !m_searchText.isValid())
        m_searchText = QtConcurrent::run(
            [snapshot = m_snapshot] { return std::make_shared<const OrgSearchText>(*snapshot); });
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

// Text columns sort on a 16-byte big-endian prefix first: comparing two integers is what a sort of
// a million rows can afford; following string-pool pointers for every comparison is not. Only runs
// of equal prefixes are then ordered by the full text (and ties by id, so the order is stable).
template <typename TextOf>
void sortByText(const Snapshot& s, std::vector<OrgIndex>& order, TextOf textOf)
{
    struct Keyed
    {
        std::uint64_t high, low;
        OrgIndex org;
    };
    auto word = [](std::string_view text, std::size_t from) {
        std::uint64_t value = 0;
        for (std::size_t i = 0; i < 8; ++i)
            value = value << 8 | (from + i < text.size() ? static_cast<unsigned char>(text[from + i]) : 0u);
        return value;
    };
    std::vector<Keyed> keyed(order.size());
    for (std::size_t i = 0; i < order.size(); ++i) {
        const std::string_view text = textOf(order[i]);
        keyed[i] = {word(text, 0), word(text, 8), order[i]};
    }
    std::sort(keyed.begin(), keyed.end(), [](const Keyed& a, const Keyed& b) {
        return a.high != b.high ? a.high < b.high : a.low != b.low ? a.low < b.low : a.org < b.org;
    });
    for (std::size_t start = 0; start < keyed.size();) {
        std::size_t end = start + 1;
        while (end < keyed.size() && keyed[end].high == keyed[start].high &&
               keyed[end].low == keyed[start].low)
            ++end;
        if (end - start > 1)
            std::sort(keyed.begin() + static_cast<std::ptrdiff_t>(start),
                      keyed.begin() + static_cast<std::ptrdiff_t>(end), [&](const Keyed& a, const Keyed& b) {
                          const auto ta = textOf(a.org), tb = textOf(b.org);
                          return ta != tb ? ta < tb : s.org(a.org).id < s.org(b.org).id;
                      });
        start = end;
    }
    for (std::size_t i = 0; i < keyed.size(); ++i)
        order[i] = keyed[i].org;
}

} // namespace

std::vector<OrgIndex> OrgTableModel::sortedOrder(const Snapshot& s, Column column)
{
    std::vector<OrgIndex> order(s.organizations().size());
    std::iota(order.begin(), order.end(), 0u);
    // Ties are broken by id, so every column's order is total and deterministic.
    auto by = [&](auto key) {
        std::sort(order.begin(), order.end(), [&](OrgIndex a, OrgIndex b) {
            const auto ka = key(a), kb = key(b);
            return ka < kb || (!(kb < ka) && s.org(a).id < s.org(b).id);
        });
    };
    switch (column) {
    case Id:
        by([&](OrgIndex i) { return s.org(i).id; });
        break;
    case Slug:
        sortByText(s, order, [&](OrgIndex i) { return s.slug(i); });
        break;
    case Name:
        sortByText(s, order, [&](OrgIndex i) { return s.name(i); });
        break;
    case Cell:
        sortByText(s, order, [&](OrgIndex i) { return s.cellName(s.org(i).cell); });
        break;
    case Locality:
        sortByText(s, order, [&](OrgIndex i) { return localityNameOfCell(s, s.org(i).cell); });
        break;
    case Status:
        by([&](OrgIndex i) { return static_cast<int>(s.org(i).status); });
        break;
    case Members:
        by([&](OrgIndex i) { return s.membersOfOrg(i).size(); });
        break;
    case Created:
        by([&](OrgIndex i) { return s.org(i).dateCreated; });
        break;
    case ColumnCount:
        break;
    }
    return order;
}

std::vector<OrgIndex> OrgTableModel::computeRows(const Snapshot& snapshot, const OrgFilter& filter,
                                                 const std::vector<OrgIndex>* order, bool descending,
                                                 const OrgSearchText* text)
{
    const OrgMatcher matcher(snapshot, filter, text);
    const std::size_t orgs = snapshot.organizations().size();
    const std::size_t total = order ? order->size() : orgs;
    const bool parallel = total >= 50'000;
    // Over every organization, one pass over the search text finds the text matches (marked, two
    // halves on two threads) far faster than testing each organization's strings in turn.
    std::vector<std::uint8_t> marks;
    if (text && !matcher.needle().empty() && total == orgs) {
        marks.assign(orgs, 0);
        const auto middle = static_cast<OrgIndex>(parallel ? orgs / 2 : orgs);
        std::thread helper;
        if (parallel)
            helper = std::thread(
                [&] { text->mark(matcher.needle(), middle, static_cast<OrgIndex>(orgs), marks); });
        text->mark(matcher.needle(), 0, middle, marks);
        if (helper.joinable())
            helper.join();
    }
    auto accepts = [&](OrgIndex org) {
        if (marks.empty())
            return matcher.matches(org);
        return matcher.inScope(org) && (marks[org] != 0 || matcher.matchesId(org));
    };
    auto at = [&](std::size_t k) -> OrgIndex {
        const std::size_t position = descending ? total - 1 - k : k;
        return order ? (*order)[position] : static_cast<OrgIndex>(position);
    };
    // Two halves on two threads; concatenating keeps the order.
    auto scan = [&](std::size_t begin, std::size_t end, std::vector<OrgIndex>& out) {
        for (std::size_t k = begin; k < end; ++k)
            if (const OrgIndex org = at(k); accepts(org))
                out.push_back(org);
    };
    std::vector<OrgIndex> first, second;
    if (!parallel) {
        scan(0, total, first);
        return first;
    }
    const std::size_t middle = total / 2;
    std::thread helper([&] { scan(middle, total, second); });
    scan(0, middle, first);
    helper.join();
    first.insert(first.end(), second.begin(), second.end());
    return first;
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
    if (!filter.search.empty())
        ensureSearchText();
    const auto searchText = m_searchText;

    auto* watcher = new QFutureWatcher<Result>(this);
    connect(watcher, &QFutureWatcher<Result>::finished, this, [this, watcher] {
        apply(watcher->result());
        watcher->deleteLater();
    });
    watcher->setFuture(QtConcurrent::run([=]() {
        Result result;
        result.generation = generation;
        result.filter = filter;
        result.sortColumn = column;
        result.sortOrder = sortOrder;
        // Only a search needs the text; waiting here (or running its build, as Qt's pool does
        // for a future not yet started) keeps the GUI thread out of it.
        const std::shared_ptr<const OrgSearchText> text =
            filter.search.empty() ? nullptr
                                  : QFuture<std::shared_ptr<const OrgSearchText>>(searchText).result();
        if (shown) {
            result.rows = computeRows(*snapshot, filter, shown.get(), false, text.get());
            return result;
        }
        auto order = cached;
        if (column >= 0 && !order) {
            order = std::make_shared<const std::vector<OrgIndex>>(
                sortedOrder(*snapshot, static_cast<Column>(column)));
            result.order = order;
            result.orderColumn = column;
        }
        result.rows = computeRows(*snapshot, filter, order.get(), descending, text.get());
        return result;
    }));
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
