// Sentry's cell settings (SENTRY_CELLS / SENTRY_LOCALITIES) as `cells validate` reads them, JSON or
// YAML, with the rules applied.
#include "core/snapshot/cell_settings.h"
#include "core/util/error.h"
#include "tests/fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    try {
        const auto report = cellscope::validateCellSettings(cellscope::fuzz::text(data, size), "fuzz.yaml");
        (void)cellscope::cellSettingsReportToJson(report);
    } catch (const cellscope::Error&) {
    }
    return 0;
}
