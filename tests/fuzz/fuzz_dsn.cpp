// DSNs as people paste them.
#include "core/routing/dsn.h"
#include "tests/fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    (void)cellscope::routing::parseDsn(cellscope::fuzz::text(data, size));
    return 0;
}
