#include "core/demo/demo_world.h"
#include "core/snapshot/org_list.h"
#include "core/util/parallel.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <numeric>
#include <stdexcept>

using namespace cellscope;

namespace {

// Large enough that listOrganizations splits the work across threads.
SnapshotPtr largeWorld()
{
    static const SnapshotPtr world = [] {
        const demo::DemoWorld demo(7, 120'000);
        SnapshotBuilder b;
        for (const auto& cell : demo::demoCells()) {
            Cell c;
            c.name = cell.name;
            b.addCell(c);
        }
        for (std::size_t i = 0; i < demo.orgCount(); ++i) {
            const auto org = demo.org(i);
            b.addOrganization(org.id, org.slug, i % 5 == 0 ? "Big " + org.name : org.name,
                              static_cast<CellIndex>(org.cell), org.status, org.dateCreated);
        }
        return b.finish();
    }();
    return world;
}

// What listOrganizations must equal: a plain walk testing every organization with the matcher.
std::vector<OrgIndex> plainList(const Snapshot& s, const OrgFilter& filter,
                                const std::vector<OrgIndex>& order, bool descending)
{
    const OrgMatcher matcher(s, filter);
    std::vector<OrgIndex> rows;
    for (std::size_t k = 0; k < order.size(); ++k) {
        const OrgIndex org = order[descending ? order.size() - 1 - k : k];
        if (matcher.matches(org))
            rows.push_back(org);
    }
    return rows;
}

} // namespace

TEST(ForEachSlice, CoversTheRangeOnceInSlicesThatDifferByAtMostOne)
{
    for (const std::size_t total : {0u, 1u, 2u, 3u, 7u, 1000u, 1001u}) {
        for (const unsigned slices : {1u, 2u, 3u, 8u}) {
            std::vector<std::atomic<int>> seen(total);
            std::vector<std::size_t> sizes(slices, 0);
            forEachSlice(total, slices, [&](std::size_t begin, std::size_t end, unsigned slice) {
                sizes[slice] = end - begin;
                for (std::size_t i = begin; i < end; ++i)
                    ++seen[i];
            });
            for (std::size_t i = 0; i < total; ++i)
                ASSERT_EQ(seen[i], 1) << total << " in " << slices << ", index " << i;
            const unsigned used =
                static_cast<unsigned>(std::max<std::size_t>(1, std::min<std::size_t>(slices, total)));
            const auto [smallest, largest] = std::minmax_element(sizes.begin(), sizes.begin() + used);
            EXPECT_LE(*largest - *smallest, 1u) << total << " in " << slices;
        }
    }
}

TEST(ForEachSlice, RethrowsAfterEverySliceHasFinished)
{
    std::atomic<int> finished{0};
    EXPECT_THROW(forEachSlice(4, 4,
                              [&](std::size_t begin, std::size_t, unsigned) {
                                  if (begin == 2)
                                      throw std::runtime_error("slice 2 failed");
                                  ++finished;
                              }),
                 std::runtime_error);
    EXPECT_EQ(finished, 3);
}

TEST(OrgList, SortsEveryColumnTotallyWithTiesById)
{
    const SnapshotPtr s = largeWorld();
    for (int column = 0; column < kOrgColumnCount; ++column) {
        const auto order = sortOrganizations(*s, static_cast<OrgColumn>(column));
        ASSERT_EQ(order.size(), s->organizations().size());
        std::vector<OrgIndex> sorted = order;
        std::sort(sorted.begin(), sorted.end());
        std::vector<OrgIndex> all(order.size());
        std::iota(all.begin(), all.end(), 0u);
        ASSERT_EQ(sorted, all) << "column " << column << " is a permutation";
    }
    const auto bySlug = sortOrganizations(*s, OrgColumn::Slug);
    for (std::size_t i = 1; i < bySlug.size(); ++i)
        ASSERT_LE(s->slug(bySlug[i - 1]), s->slug(bySlug[i]));
    const auto byMembers = sortOrganizations(*s, OrgColumn::Members);
    for (std::size_t i = 1; i < byMembers.size(); ++i) {
        const auto a = s->membersOfOrg(byMembers[i - 1]).size(), b = s->membersOfOrg(byMembers[i]).size();
        ASSERT_TRUE(a < b || (a == b && s->org(byMembers[i - 1]).id < s->org(byMembers[i]).id));
    }
}

TEST(OrgList, ListsWhatAPlainScanFindsInEveryOrderWithAndWithoutTheSearchText)
{
    const SnapshotPtr s = largeWorld();
    const OrgSearchText text(*s);
    std::vector<OrgIndex> byIndex(s->organizations().size());
    std::iota(byIndex.begin(), byIndex.end(), 0u);
    const auto byName = sortOrganizations(*s, OrgColumn::Name);
    const std::string locality(localityNameOfCell(*s, 0));
    for (const OrgFilter& filter :
         {OrgFilter{}, OrgFilter{std::nullopt, std::nullopt, "big"},
          OrgFilter{std::nullopt, std::nullopt, "BIG o"}, OrgFilter{CellIndex{1}, std::nullopt, "a"},
          OrgFilter{std::nullopt, locality, "e"}, OrgFilter{std::nullopt, std::nullopt, "44"},
          OrgFilter{std::nullopt, std::nullopt, "no-such-org"}}) {
        for (const bool descending : {false, true}) {
            const auto expected = plainList(*s, filter, byIndex, descending);
            EXPECT_EQ(listOrganizations(*s, filter, nullptr, descending), expected) << filter.search;
            EXPECT_EQ(listOrganizations(*s, filter, nullptr, descending, &text), expected) << filter.search;
            EXPECT_EQ(listOrganizations(*s, filter, &byName, descending, &text),
                      plainList(*s, filter, byName, descending))
                << filter.search;
        }
    }
    // Typing forward narrows the rows already shown, in their order.
    const auto shown =
        listOrganizations(*s, OrgFilter{std::nullopt, std::nullopt, "big"}, &byName, false, &text);
    const OrgFilter narrower{std::nullopt, std::nullopt, "big o"};
    EXPECT_EQ(listOrganizations(*s, narrower, &shown, false, &text), plainList(*s, narrower, byName, false));
}
