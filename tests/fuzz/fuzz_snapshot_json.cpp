// A snapshot file, as `--snapshot FILE` reads it.
#include "core/snapshot/json_snapshot.h"
#include "core/util/error.h"
#include "tests/fuzz/fuzz_support.h"

#include <string>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    try {
        (void)cellscope::loadSnapshotJson(std::string(cellscope::fuzz::text(data, size)), "fuzz.json");
    } catch (const cellscope::Error&) {
    }
    return 0;
}
