// A whole replay input as `cellctl replay FILE` reads it: plain, gzip or zstd by the first bytes,
// cut into blocks, classified on one thread and on three. A corrupt stream must be refused with the
// core's error; whatever is accepted must give the same report on any number of threads.
#include "core/routing/catalog.h"
#include "core/routing/replay_input.h"
#include "core/snapshot/json_snapshot.h"
#include "core/util/error.h"
#include "tests/fuzz/fuzz_support.h"

#include <QBuffer>

#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    using namespace cellscope;
    static const SnapshotPtr world = loadSnapshotJsonFile(CELLSCOPE_FIXTURES_DIR "/snapshots/small.json");
    static const routing::Catalog catalog = routing::Catalog::bundled();
    auto replay = [&](unsigned threads) -> std::optional<QByteArray> {
        QByteArray bytes = fuzz::bytes(data, size);
        QBuffer buffer(&bytes);
        buffer.open(QIODevice::ReadOnly);
        try {
            return routing::replayReportToJson(routing::replayInput(*world, catalog, {}, buffer, "fuzz", threads));
        } catch (const Error&) {
            return std::nullopt;
        }
    };
    if (replay(1) != replay(3))
        std::abort();
    return 0;
}
