// A routing catalog file: JSON, and the regex subset of its URL patterns compiled into the trie.
#include "core/routing/catalog.h"
#include "core/util/error.h"
#include "tests/fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    try {
        const auto catalog = cellscope::routing::Catalog::fromJson(cellscope::fuzz::bytes(data, size));
        // The compiled trie on paths of the shapes it was built from, and on nonsense.
        cellscope::routing::EndpointMatch match;
        for (const char* path :
             {"api/0/organizations/acme/issues/", "api/0/projects/a/b/events/c/", "", "//"})
            (void)catalog.match(path, match);
    } catch (const cellscope::Error&) {
    }
    return 0;
}
