#include "core/snapshot/org_list.h"

#include "core/util/parallel.h"

#include <algorithm>
#include <numeric>

namespace cellscope {

namespace {

// Below this many candidates a second thread costs more than it saves.
constexpr std::size_t kParallelFrom = 50'000;

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

std::vector<OrgIndex> sortOrganizations(const Snapshot& s, OrgColumn column)
{
    std::vector<OrgIndex> order(s.organizations().size());
    std::iota(order.begin(), order.end(), 0u);
    auto by = [&](auto key) {
        std::sort(order.begin(), order.end(), [&](OrgIndex a, OrgIndex b) {
            const auto ka = key(a), kb = key(b);
            return ka < kb || (!(kb < ka) && s.org(a).id < s.org(b).id);
        });
    };
    switch (column) {
    case OrgColumn::Id:
        by([&](OrgIndex i) { return s.org(i).id; });
        break;
    case OrgColumn::Slug:
        sortByText(s, order, [&](OrgIndex i) { return s.slug(i); });
        break;
    case OrgColumn::Name:
        sortByText(s, order, [&](OrgIndex i) { return s.name(i); });
        break;
    case OrgColumn::Cell:
        sortByText(s, order, [&](OrgIndex i) { return s.cellName(s.org(i).cell); });
        break;
    case OrgColumn::Locality:
        sortByText(s, order, [&](OrgIndex i) { return localityNameOfCell(s, s.org(i).cell); });
        break;
    case OrgColumn::Status:
        by([&](OrgIndex i) { return static_cast<int>(s.org(i).status); });
        break;
    case OrgColumn::Members:
        by([&](OrgIndex i) { return s.membersOfOrg(i).size(); });
        break;
    case OrgColumn::Created:
        by([&](OrgIndex i) { return s.org(i).dateCreated; });
        break;
    }
    return order;
}

std::vector<OrgIndex> listOrganizations(const Snapshot& snapshot, const OrgFilter& filter,
                                        const std::vector<OrgIndex>* order, bool descending,
                                        const OrgSearchText* text)
{
    const OrgMatcher matcher(snapshot, filter, text);
    const std::size_t orgs = snapshot.organizations().size();
    const std::size_t total = order ? order->size() : orgs;
    const unsigned slices = total >= kParallelFrom ? 2 : 1;
    // Over every organization, one pass over the search text finds the text matches far faster
    // than testing each organization's strings in turn; slices mark disjoint ranges.
    std::vector<std::uint8_t> marks;
    if (text && !matcher.needle().empty() && total == orgs) {
        marks.assign(orgs, 0);
        forEachSlice(orgs, slices, [&](std::size_t begin, std::size_t end, unsigned) {
            text->mark(matcher.needle(), static_cast<OrgIndex>(begin), static_cast<OrgIndex>(end), marks);
        });
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
    // Each slice keeps its matches in order; concatenating the slices keeps the whole order.
    std::vector<std::vector<OrgIndex>> found(slices);
    forEachSlice(total, slices, [&](std::size_t begin, std::size_t end, unsigned slice) {
        for (std::size_t k = begin; k < end; ++k)
            if (const OrgIndex org = at(k); accepts(org))
                found[slice].push_back(org);
    });
    std::vector<OrgIndex> rows = std::move(found[0]);
    for (unsigned slice = 1; slice < slices; ++slice)
        rows.insert(rows.end(), found[slice].begin(), found[slice].end());
    return rows;
}

} // namespace cellscope
