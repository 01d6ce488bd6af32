// Access-log lines classified against a small world (the fixture snapshot and the bundled catalog):
// URL, combined and auto formats, fed in one chunk so the line splitting is exercised too.
#include "core/routing/catalog.h"
#include "core/routing/replay.h"
#include "core/snapshot/json_snapshot.h"
#include "tests/fuzz/fuzz_support.h"

#ifndef CELLSCOPE_FIXTURES_DIR
#error "CELLSCOPE_FIXTURES_DIR must name tests/fixtures"
#endif

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    using namespace cellscope;
    static const SnapshotPtr world = loadSnapshotJsonFile(CELLSCOPE_FIXTURES_DIR "/snapshots/small.json");
    static const routing::Catalog catalog = routing::Catalog::bundled();
    for (const auto format :
         {routing::LogFormat::Url, routing::LogFormat::Combined, routing::LogFormat::Auto}) {
        routing::ReplayOptions options;
        options.format = format;
        routing::Replayer replayer(*world, catalog, options);
        replayer.feed(fuzz::text(data, size));
        replayer.finish();
        (void)replayer.report();
    }
    return 0;
}
