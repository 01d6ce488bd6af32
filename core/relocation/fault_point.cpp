#include "core/relocation/fault_point.h"

#include <atomic>
#include <cstdio>
#include <cstdlib>

namespace cellscope::relocation {

namespace {

std::atomic<FaultHook> g_hook{nullptr};

} // namespace

void installFaultHook(FaultHook hook) noexcept
{
    g_hook = hook;
}

void faultPoint(std::string_view point)
{
    if (const FaultHook hook = g_hook.load())
        return hook(point);
    static const bool warned = [] {
        if (const char* spec = std::getenv("CELLSCOPE_RELOCATION_FAULT"); spec && *spec)
            std::fprintf(stderr, "cellscope: CELLSCOPE_RELOCATION_FAULT is ignored: fault points act only in "
                                 "test builds\n");
        return true;
    }();
    (void)warned;
}

} // namespace cellscope::relocation
