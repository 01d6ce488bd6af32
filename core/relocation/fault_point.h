#pragma once

#include <string_view>

namespace cellscope::relocation {

// Test-only hook for crash-safety tests: CELLSCOPE_RELOCATION_FAULT=<point>[@<n>][~<s>] makes the
// runner stop at the n-th time (default the first) it passes the named point: it writes
// "cellscope-fault: <point>" to stderr and hangs, so a test can SIGKILL it exactly there; with ~s
// it holds s seconds instead, there and at every later pass, then goes on (races made reliable).
// Points: "<step>.begin" and "<step>.done" for every step, and "freeze.locked", "copy.batch_streamed",
// "copy.batch_committed", "copy.batch_journaled", "verify.batch_compared", "verify.batch_journaled",
// "switch.before_commit", "cleanup.batch_deleted", "cancel.batch_deleted". Unset, it costs a lookup.
void faultPoint(std::string_view point);

} // namespace cellscope::relocation
