// The X-Sentry-Auth header and the sentry_key query form.
#include "core/routing/auth.h"
#include "tests/fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const std::string_view input = cellscope::fuzz::text(data, size);
    (void)cellscope::routing::parseAuthHeader(input);
    (void)cellscope::routing::parseAuthQuery(input);
    return 0;
}
