// The access-log splitter and the WHATWG URL parser, on the same bytes.
#include "core/routing/access_log.h"
#include "core/routing/url.h"
#include "tests/fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const std::string_view input = cellscope::fuzz::text(data, size);
    cellscope::routing::UrlView view;
    cellscope::routing::splitUrl(input, view);
    (void)cellscope::routing::parseUrl(input);
    return 0;
}
