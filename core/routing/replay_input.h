#pragma once

#include "core/routing/replay.h"

#include <string>

class QIODevice;

namespace cellscope::routing {

// A whole access log through the Replayer on several threads: the input (plain, gzip or zstd,
// told by its first bytes; see DecodedInput) is read in large blocks cut at line boundaries, each
// block is classified by one of `threads` replayers, and their counts are merged at the end. The
// report equals one thread's, byte for byte in every output format. Memory stays at a few blocks
// per thread whatever the input's size. `threads` 0 means every core; more than kMaxReplayThreads
// are not used.
inline constexpr unsigned kMaxReplayThreads = 256;

ReplayReport replayInput(const Snapshot& snapshot, const Catalog& catalog, const ReplayOptions& options,
                         QIODevice& device, const std::string& name, unsigned threads);

} // namespace cellscope::routing
