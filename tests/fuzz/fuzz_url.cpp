// The access-log splitter and the WHATWG URL parser, on the same bytes; and the splitter's
// 16-bytes-at-a-time scan against the bytewise one, from the starts and the ends of the input
// (where a block and the overlapping last load meet).
#include "core/routing/access_log.h"
#include "core/routing/byte_scan.h"
#include "core/routing/url.h"
#include "tests/fuzz/fuzz_support.h"

#include <cstdlib>

namespace {

template <char... Stops>
void sameScan(std::string_view input, std::size_t i)
{
    using namespace cellscope::routing;
    if (scanTo<Stops...>(input, i) != scanToBytewise<Stops...>(input, i))
        std::abort();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const std::string_view input = cellscope::fuzz::text(data, size);
    cellscope::routing::UrlView view;
    cellscope::routing::splitUrl(input, view);
    (void)cellscope::routing::parseUrl(input);
    for (std::size_t i = 0; i <= size; ++i) {
        if (i == 40 && size > 80)
            i = size - 40;
        sameScan<'/', '?', '#', ':', '@', '[', ']'>(input, i);
        sameScan<'?', '#'>(input, i);
        sameScan<>(input, i);
    }
    return 0;
}
