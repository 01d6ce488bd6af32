#pragma once

#include <string_view>

namespace cellscope::relocation {

// Named points in the runner where crash-safety tests stop it: "<step>.begin" and "<step>.done" for
// every step, and "freeze.locked", "copy.batch_streamed", "copy.batch_committed",
// "copy.batch_journaled", "verify.batch_compared", "verify.batch_journaled", "catch_up.applied",
// "settle.compared", "capture.locked", "cancel.locked", "switch.before_commit", "switch.stamped",
// "cleanup.batch_deleted", "cancel.batch_deleted".
//
// Only test builds act on them: they install a hook (tests/support/fault_hook.cpp, linked into the
// test binaries and the cellctl_faults test tool). A product binary has none, so a fault point costs
// a null check and CELLSCOPE_RELOCATION_FAULT can never stall a production run; when that variable
// is set anyway, the first point passed says once on stderr that it is ignored.
void faultPoint(std::string_view point);

using FaultHook = void (*)(std::string_view point);
void installFaultHook(FaultHook hook) noexcept;

} // namespace cellscope::relocation
