// A route check file (Envoy router_check_tool style).
#include "core/routing/check.h"
#include "core/util/error.h"
#include "tests/fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    try {
        (void)cellscope::routing::loadCheckFile(cellscope::fuzz::bytes(data, size));
    } catch (const cellscope::Error&) {
    }
    return 0;
}
