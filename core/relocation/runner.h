#pragma once

#include "core/db/database.h"
#include "core/relocation/locator_probe.h"
#include "core/relocation/observer.h"

#include <cstdint>

namespace cellscope::relocation {

// How a run ended, when it did not fail.
enum class Outcome
{
    Done,      // the organization lives in the target and the source is clean
    Cancelled, // the target copy is gone and the source is as it was
    Paused,    // a pause was asked: it stopped at a batch boundary
    Aborted,   // an abort was asked: it stopped, state kept for repair, retry or cancel
    Detached,  // the observer asked to stop: running but unowned, for anyone to resume
};

// Runs a relocation's steps from wherever its journal says it is. Any process can do this after
// any other died: an advisory lock tied to the control connection makes one process the runner, and
// every step is idempotent. Blocks until the outcome; throws Error when a step fails (after
// recording the failure in the journal), or Conflict when another process is running it. With a
// `probe`, the drain asks the relocation's locators instead of waiting its whole time.
Outcome runRelocation(const db::DatabaseConfig& config, std::int64_t id, Observer& observer,
                      LocatorProbe* probe = nullptr);

} // namespace cellscope::relocation
