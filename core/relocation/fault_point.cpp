#include "relocation/fault_point.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>

namespace cellscope::relocation {

namespace {

struct Armed
{
    std::string point;
    int remaining = 0; // passes left before it fires
};

Armed& armed()
{
    static Armed fault = [] {
        Armed parsed;
        const char* spec = std::getenv("CELLSCOPE_RELOCATION_FAULT");
        if (!spec || !*spec)
            return parsed;
        parsed.point = spec;
        parsed.remaining = 1;
        if (const auto at = parsed.point.find('@'); at != std::string::npos) {
            parsed.remaining = std::atoi(parsed.point.c_str() + at + 1);
            parsed.point.resize(at);
        }
        return parsed;
    }();
    return fault;
}

} // namespace

void faultPoint(std::string_view point)
{
    static std::mutex mutex;
    std::lock_guard lock(mutex);
    Armed& fault = armed();
    if (fault.point.empty() || fault.point != point || --fault.remaining != 0)
        return;
    std::fprintf(stderr, "cellscope-fault: %s\n", fault.point.c_str());
    std::fflush(stderr);
    for (;;)
        pause();
}

} // namespace cellscope::relocation
