// The fault hook of test builds (see core/relocation/fault_point.h), installed before main:
// CELLSCOPE_RELOCATION_FAULT=<point>[@<n>][~<s>] makes the runner stop at the n-th time (default
// the first) it passes the named point: it writes "cellscope-fault: <point>" to stderr and hangs,
// so a test can SIGKILL it exactly there; with ~s it holds s seconds instead, there and at every
// later pass, then goes on (races made reliable).
#include "core/relocation/fault_point.h"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>
#include <thread>

namespace {

struct Armed
{
    std::string point;
    int remaining = 0;     // passes left before it fires
    int stallSeconds = -1; // -1: hold forever; else hold that long on this and every later pass
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
        if (const auto stall = parsed.point.find('~'); stall != std::string::npos) {
            parsed.stallSeconds = std::atoi(parsed.point.c_str() + stall + 1);
            parsed.point.resize(stall);
        }
        if (const auto at = parsed.point.find('@'); at != std::string::npos) {
            parsed.remaining = std::atoi(parsed.point.c_str() + at + 1);
            parsed.point.resize(at);
        }
        return parsed;
    }();
    return fault;
}

void fire(std::string_view point)
{
    static std::mutex mutex;
    std::unique_lock lock(mutex);
    Armed& fault = armed();
    if (fault.point.empty() || fault.point != point)
        return;
    if (fault.remaining > 1) {
        --fault.remaining;
        return;
    }
    if (fault.remaining == 0 && fault.stallSeconds < 0)
        return; // fired already
    fault.remaining = 0;
    std::fprintf(stderr, "cellscope-fault: %s\n", fault.point.c_str());
    std::fflush(stderr);
    if (fault.stallSeconds >= 0) {
        const int seconds = fault.stallSeconds;
        lock.unlock(); // other threads may pass (and stall) meanwhile
        std::this_thread::sleep_for(std::chrono::seconds(seconds));
        return;
    }
    for (;;)
        pause();
}

const bool g_installed = [] {
    cellscope::relocation::installFaultHook(&fire);
    return true;
}();

} // namespace
