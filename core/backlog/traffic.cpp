#include "core/backlog/traffic.h"

#include "core/routing/router.h"

#include <QIODevice>

#include <algorithm>
#include <string_view>

namespace cellscope::backlog {

TrafficRanking rankByTraffic(const Snapshot& world, const routing::Catalog& catalog,
                             std::vector<TrackedEntry> entries, QIODevice& log,
                             const routing::ReplayOptions& options)
{
    // Classified line by line rather than through Replayer::add(), whose per-endpoint counts keep only the
    // unroutable and pinned outcomes.
    routing::Replayer replayer(world, catalog, options);
    std::vector<std::array<std::uint64_t, routing::kStatusCount>> hits(catalog.endpoints().size());
    TrafficRanking ranking;
    routing::Classification classification;
    while (!log.atEnd()) {
        const QByteArray line = log.readLine().trimmed();
        if (line.isEmpty())
            continue;
        ++ranking.lines;
        if (!replayer.classify(std::string_view(line.constData(), static_cast<std::size_t>(line.size())),
                               classification)) {
            ++ranking.malformed;
            continue;
        }
        if (classification.endpoint < hits.size())
            ++hits[classification.endpoint][static_cast<std::size_t>(classification.status)];
    }

    for (TrackedEntry& entry : entries) {
        RankedEntry ranked;
        const std::string name = entry.urlName.toStdString();
        ranked.entry = std::move(entry);
        if (const routing::Endpoint* endpoint = catalog.find(name)) {
            ranked.inCatalog = true;
            ranked.byStatus = hits[static_cast<std::size_t>(endpoint - catalog.endpoints().data())];
            for (std::uint64_t count : ranked.byStatus)
                ranked.requests += count;
            ranking.backlogRequests += ranked.requests;
        }
        ranking.entries.push_back(std::move(ranked));
    }
    std::sort(ranking.entries.begin(), ranking.entries.end(), [](const RankedEntry& a, const RankedEntry& b) {
        if (a.inCatalog != b.inCatalog)
            return a.inCatalog;
        if (a.requests != b.requests)
            return a.requests > b.requests;
        return a.entry.urlName < b.entry.urlName;
    });
    return ranking;
}

} // namespace cellscope::backlog
