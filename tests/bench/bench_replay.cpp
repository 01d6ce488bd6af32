// Replay throughput against its references: generates a log of URL lines
// from a synthetic world of ~100k organizations, then times (median of N runs) the replay classifier and
// plain QUrl parsing of the same lines, and counts heap allocations per line in the replay loop.
//
//   bench_replay [--lines N] [--runs N] [--orgs N] [--uniform]
//
// Which org a line belongs to follows a Zipf law (s = 1.1) over a random ranking of the orgs, as real
// traffic does (a few large orgs send most of it); --uniform picks every line's org uniformly instead,
// the cache-hostile worst case.
#include "core/routing/catalog.h"
#include "core/routing/replay.h"
#include "core/routing/replay_input.h"
#include "core/snapshot/snapshot.h"

#include <QFile>
#include <QString>
#include <QUrl>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <new>
#include <random>
#include <string>
#include <thread>
#include <time.h>
#include <vector>

// ---- Allocation counter: every global operator new counts one allocation. ----------------------

namespace {
std::atomic<std::uint64_t> g_allocations{0};
}

void* operator new(std::size_t size)
{
    g_allocations.fetch_add(1, std::memory_order_relaxed);
    if (void* p = std::malloc(size ? size : 1))
        return p;
    throw std::bad_alloc();
}
void* operator new[](std::size_t size)
{
    return operator new(size);
}
void* operator new(std::size_t size, std::align_val_t align)
{
    g_allocations.fetch_add(1, std::memory_order_relaxed);
    const std::size_t alignment = static_cast<std::size_t>(align);
    if (void* p = std::aligned_alloc(alignment, (size + alignment - 1) / alignment * alignment))
        return p;
    throw std::bad_alloc();
}
void* operator new[](std::size_t size, std::align_val_t align)
{
    return operator new(size, align);
}
void operator delete(void* p) noexcept
{
    std::free(p);
}
void operator delete[](void* p) noexcept
{
    std::free(p);
}
void operator delete(void* p, std::size_t) noexcept
{
    std::free(p);
}
void operator delete[](void* p, std::size_t) noexcept
{
    std::free(p);
}
void operator delete(void* p, std::align_val_t) noexcept
{
    std::free(p);
}
void operator delete[](void* p, std::align_val_t) noexcept
{
    std::free(p);
}
void operator delete(void* p, std::size_t, std::align_val_t) noexcept
{
    std::free(p);
}
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept
{
    std::free(p);
}

namespace {

using namespace cellscope;
using namespace cellscope::routing;
using Clock = std::chrono::steady_clock;

// CPU time of this thread: on a shared machine it leaves out the time other processes hold the core.
double threadSeconds()
{
    timespec now{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
    return static_cast<double>(now.tv_sec) + static_cast<double>(now.tv_nsec) * 1e-9;
}

struct Timing
{
    std::vector<double> wall, cpu;
};

std::string hexKey(std::uint64_t n)
{
    char key[33];
    std::snprintf(key, sizeof key, "%016llx%016llx",
                  static_cast<unsigned long long>(n * 0x9e3779b97f4a7c15ULL),
                  static_cast<unsigned long long>(n));
    return key;
}

struct World
{
    SnapshotPtr snapshot;
    std::vector<std::string> cellOfOrg; // by org id - 1
};

World buildWorld(std::size_t orgs)
{
    SnapshotBuilder builder;
    builder.info().appHost = "sentry.io";
    builder.info().monolithCell = "us1";
    const std::vector<std::pair<std::string, std::vector<std::string>>> localities = {
        {"us", {"us1", "us2", "us3"}}, {"de", {"de1", "de2"}}, {"s4s2", {"s4s2"}}};
    std::vector<std::string> cells;
    for (const auto& [name, members] : localities) {
        for (const std::string& cellName : members) {
            Cell cell;
            cell.name = cellName;
            cell.address = "https://" + cellName + ".internal.example";
            builder.addCell(cell);
            cells.push_back(cellName);
        }
        Locality locality;
        locality.name = name;
        locality.newOrgCell = members.front();
        builder.addLocality(locality, members);
    }
    builder.reserve(orgs, 0, orgs);
    World world;
    for (std::size_t i = 1; i <= orgs; ++i) {
        const std::string& cell = cells[i % 10 < 6 ? i % 3 : i % 10 < 9 ? 3 + i % 2 : 5];
        world.cellOfOrg.push_back(cell);
        const CellIndex index = builder.cellIndex(cell);
        builder.addOrganization(static_cast<std::int64_t>(i), "org-" + std::to_string(i), "Org", index,
                                OrgStatus::Active, 0);
        builder.addProjectKey(hexKey(i), index, static_cast<std::int64_t>(i), static_cast<std::int64_t>(i),
                              static_cast<std::int64_t>(i), i % 4 ? DsnFormat::Locality : DsnFormat::Legacy);
    }
    world.snapshot = builder.finish();
    return world;
}

std::string locality(const std::string& cell)
{
    return cell.substr(0, cell.size() - 1) == "s4s" ? "s4s2" : cell.substr(0, 2);
}

// Draws org ids: Zipf over a shuffled ranking, or uniform.
class OrgPicker
{
public:
    OrgPicker(std::size_t orgs, bool uniform, std::mt19937_64& random) : m_uniform(uniform), m_any(1, orgs)
    {
        if (uniform)
            return;
        m_rankToOrg.resize(orgs);
        for (std::size_t i = 0; i < orgs; ++i)
            m_rankToOrg[i] = i + 1;
        std::shuffle(m_rankToOrg.begin(), m_rankToOrg.end(), random);
        m_cdf.resize(orgs);
        double sum = 0;
        for (std::size_t rank = 0; rank < orgs; ++rank)
            m_cdf[rank] = sum += 1.0 / std::pow(static_cast<double>(rank + 1), 1.1);
        for (double& value : m_cdf)
            value /= sum;
    }
    std::size_t operator()(std::mt19937_64& random)
    {
        if (m_uniform)
            return m_any(random);
        const double u = std::uniform_real_distribution<double>(0, 1)(random);
        const auto rank =
            static_cast<std::size_t>(std::lower_bound(m_cdf.begin(), m_cdf.end(), u) - m_cdf.begin());
        return m_rankToOrg[std::min(rank, m_rankToOrg.size() - 1)];
    }

private:
    bool m_uniform;
    std::uniform_int_distribution<std::size_t> m_any;
    std::vector<std::size_t> m_rankToOrg;
    std::vector<double> m_cdf;
};

// A traffic mix shaped like an API + ingestion front door: mostly org-scoped API calls and envelopes.
std::string generateLog(const World& world, std::size_t lines, bool uniform)
{
    std::mt19937_64 random(42);
    OrgPicker org(world.cellOfOrg.size(), uniform, random);
    std::uniform_int_distribution<int> percent(0, 99);
    const char* orgPaths[] = {
        "issues/", "projects/", "members/", "releases/", "events/?field=title&per_page=50", ""};
    std::string log;
    log.reserve(lines * 96);
    for (std::size_t i = 0; i < lines; ++i) {
        const std::size_t id = org(random);
        const std::string& cell = world.cellOfOrg[id - 1];
        const std::string slug = "org-" + std::to_string(id);
        const int p = percent(random);
        if (p < 35)
            log += "https://" + locality(cell) + ".sentry.io/api/0/organizations/" + slug + "/" +
                   orgPaths[i % 6];
        else if (p < 48)
            log += "https://sentry.io/api/0/organizations/" + slug + "/" + orgPaths[i % 6];
        else if (p < 73)
            log += "https://o" + std::to_string(id) + ".ingest." + locality(cell) + ".sentry.io/api/" +
                   std::to_string(id) + "/envelope/?sentry_key=" + hexKey(id) + "&sentry_version=7";
        else if (p < 76)
            log += "https://us.sentry.io/api/0/projects/" + slug + "/backend/keys/";
        else if (p < 80)
            log += "https://us.sentry.io/api/0/organizations/";
        else if (p < 82)
            log += "https://de.sentry.io/api/0/relocations/";
        else if (p < 86)
            log += "https://sentry.io/api/0/issues/" + std::to_string(id * 7) + "/";
        else if (p < 90)
            log += "https://sentry.io/api/0/users/me/";
        else if (p < 93)
            log += "https://sentry.io/js-sdk-loader/" + hexKey(id) + ".min.js";
        else if (p < 95)
            log += "https://sentry.io/api/embed/error-page/?dsn=https://" + hexKey(id) + "@o" +
                   std::to_string(id) + ".ingest.sentry.io/" + std::to_string(id) + "&eventId=abc";
        else if (p < 97)
            log += "https://sentry.io/extensions/github/webhook/";
        else
            log += "https://sentry.io/api/0/unknown-" + std::to_string(i % 100) + "/";
        log += '\n';
    }
    return log;
}

double median(std::vector<double> values)
{
    std::sort(values.begin(), values.end());
    return values[values.size() / 2];
}

std::size_t argument(int argc, char** argv, const char* name, std::size_t fallback)
{
    for (int i = 1; i + 1 < argc; ++i)
        if (std::strcmp(argv[i], name) == 0)
            return static_cast<std::size_t>(std::strtoull(argv[i + 1], nullptr, 10));
    return fallback;
}

// Whole files through replayInput, as `cellctl replay FILE --threads N` reads them: one thread
// against every core on the plain file, then the file gzip- and zstd-compressed, each next to the
// system's own decompressor writing to /dev/null (runs alternate, medians of wall clock).
bool wholeInputs(const World& world, const Catalog& catalog, const std::string& log, std::size_t lines,
                 std::size_t runs)
{
    const std::string dir = (std::filesystem::temp_directory_path() / "cellscope-bench-replay").string();
    std::filesystem::create_directories(dir);
    const std::string plain = dir + "/access.log";
    {
        std::FILE* out = std::fopen(plain.c_str(), "wb");
        std::fwrite(log.data(), 1, log.size(), out);
        std::fclose(out);
    }
    if (std::system(("gzip -6 -k -f '" + plain + "' && zstd -3 -q -k -f '" + plain + "'").c_str()) != 0) {
        std::printf("MISS: gzip and zstd are needed to compress the log\n");
        return false;
    }
    const auto wall = [](auto&& work) {
        const auto start = Clock::now();
        work();
        return std::chrono::duration<double>(Clock::now() - start).count();
    };
    const auto replayFile = [&](const std::string& file, unsigned threads) {
        return wall([&] {
            QFile input(QString::fromStdString(file));
            input.open(QIODevice::ReadOnly);
            (void)replayInput(*world.snapshot, catalog, {LogFormat::Url, "", 10}, input, file, threads);
        });
    };
    const auto command = [&](const std::string& line) {
        return wall([&] { (void)std::system(line.c_str()); });
    };
    const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
    std::vector<double> one, all, gz, zcat, zst, zstdcat;
    for (std::size_t run = 0; run < runs; ++run) {
        one.push_back(replayFile(plain, 1));
        all.push_back(replayFile(plain, cores));
        gz.push_back(replayFile(plain + ".gz", cores));
        zcat.push_back(command("zcat '" + plain + ".gz' > /dev/null"));
        zst.push_back(replayFile(plain + ".zst", cores));
        zstdcat.push_back(command("zstd -dc -q '" + plain + ".zst' > /dev/null"));
    }
    const auto rate = [&](const std::vector<double>& seconds) {
        return static_cast<double>(lines) / median(seconds) / 1e6;
    };
    const double scaling = median(one) / median(all);
    std::printf(
        "whole file, 1 thread: %.2f M lines/s; %u threads: %.2f M lines/s; %.2fx (target >= 1.8x on 2 "
        "cores)\n",
        rate(one), cores, rate(all), scaling);
    std::printf("%s.gz, %u threads: %.2f M lines/s, %.2f s   zcat > /dev/null: %.2f s   ratio %.2f\n",
                plain.c_str(), cores, rate(gz), median(gz), median(zcat), median(gz) / median(zcat));
    std::printf("%s.zst, %u threads: %.2f M lines/s, %.2f s   zstd -dc > /dev/null: %.2f s   ratio %.2f\n",
                plain.c_str(), cores, rate(zst), median(zst), median(zstdcat), median(zst) / median(zstdcat));
    std::filesystem::remove_all(dir);
    return cores < 2 || scaling >= 1.8;
}

} // namespace

int main(int argc, char** argv)
{
    const std::size_t lines = argument(argc, argv, "--lines", 10'000'000);
    const std::size_t runs = std::max<std::size_t>(1, argument(argc, argv, "--runs", 5));
    const std::size_t orgs = argument(argc, argv, "--orgs", 100'000);
    const bool uniform =
        std::any_of(argv + 1, argv + argc, [](const char* a) { return std::strcmp(a, "--uniform") == 0; });

    const World world = buildWorld(orgs);
    const Catalog catalog = Catalog::bundled();
    const std::string log = generateLog(world, lines, uniform);
    std::printf("world: %zu orgs, %zu keys, %zu cells; log: %zu lines, %.0f MB, org popularity %s\n",
                world.snapshot->organizations().size(), world.snapshot->projectKeys().size(),
                world.snapshot->cells().size(), lines, static_cast<double>(log.size()) / 1e6,
                uniform ? "uniform" : "Zipf s=1.1");

    // Warm-up run: faults in the snapshot and the catalog, sizes every reusable buffer.
    ReplayReport report;
    {
        Replayer warm(*world.snapshot, catalog, {LogFormat::Url, "", 10});
        warm.feed(log);
        warm.finish();
        report = warm.report();
    }

    // Replay and QUrl runs alternate, so that on a shared machine both see the same load.
    Timing replay, qurl;
    std::uint64_t allocationsPerRun = 0;
    std::size_t checksum = 0;
    for (std::size_t run = 0; run < runs; ++run) {
        Replayer replayer(*world.snapshot, catalog, {LogFormat::Url, "", 10});
        const std::uint64_t before = g_allocations.load();
        auto start = Clock::now();
        double cpuStart = threadSeconds();
        replayer.feed(log);
        replayer.finish();
        const double cpu = threadSeconds() - cpuStart;
        const auto stop = Clock::now();
        allocationsPerRun = g_allocations.load() - before;
        replay.cpu.push_back(cpu);
        replay.wall.push_back(std::chrono::duration<double>(stop - start).count());

        start = Clock::now();
        cpuStart = threadSeconds();
        std::size_t pos = 0;
        while (pos < log.size()) {
            const std::size_t end = log.find('\n', pos);
            const QUrl url(QString::fromUtf8(log.data() + pos, static_cast<qsizetype>(end - pos)));
            checksum += static_cast<std::size_t>(url.host().size() + url.path().size());
            pos = end + 1;
        }
        qurl.cpu.push_back(threadSeconds() - cpuStart);
        qurl.wall.push_back(std::chrono::duration<double>(Clock::now() - start).count());
    }

    const auto rate = [&](const std::vector<double>& seconds) {
        return static_cast<double>(lines) / median(seconds);
    };
    const double replayRate = rate(replay.cpu);
    const double qurlRate = rate(qurl.cpu);
    std::printf(
        "outcomes: routed %llu, pinned %llu, control %llu, not_found %llu, unroutable %llu, rejected %llu, "
        "malformed %llu\n",
        static_cast<unsigned long long>(report.byStatus[static_cast<std::size_t>(Status::Routed)]),
        static_cast<unsigned long long>(report.byStatus[static_cast<std::size_t>(Status::Pinned)]),
        static_cast<unsigned long long>(report.byStatus[static_cast<std::size_t>(Status::Control)]),
        static_cast<unsigned long long>(report.byStatus[static_cast<std::size_t>(Status::NotFound)]),
        static_cast<unsigned long long>(report.byStatus[static_cast<std::size_t>(Status::Unroutable)]),
        static_cast<unsigned long long>(report.byStatus[static_cast<std::size_t>(Status::Rejected)]),
        static_cast<unsigned long long>(report.malformed));
    std::printf("medians of %zu runs; CPU time of the thread (wall clock in brackets)\n", runs);
    std::printf("replay (classify + count):     %.2f M lines/s, %.0f ns/line [wall %.2f M lines/s]\n",
                replayRate / 1e6, 1e9 / replayRate, rate(replay.wall) / 1e6);
    std::printf(
        "QUrl parse + host() + path():  %.2f M lines/s, %.0f ns/line [wall %.2f M lines/s] (checksum %zu)\n",
        qurlRate / 1e6, 1e9 / qurlRate, rate(qurl.wall) / 1e6, checksum);
    std::printf("ratio replay / QUrl: %.2fx [wall %.2fx]\n", replayRate / qurlRate,
                rate(replay.wall) / rate(qurl.wall));
    std::printf("heap allocations per line in the replay loop: %.6f (%llu in %zu lines)\n",
                static_cast<double>(allocationsPerRun) / static_cast<double>(lines),
                static_cast<unsigned long long>(allocationsPerRun), lines);
    const bool ok = replayRate >= 2e6 && replayRate >= 2 * qurlRate && allocationsPerRun == 0;
    std::printf("%s: target >= 2.00 M lines/s and >= 2x QUrl per core, 0 allocations per line\n",
                ok ? "PASS" : "MISS");
    return wholeInputs(world, catalog, log, lines, runs) && ok ? 0 : 1;
}
