#pragma once

#include "core/relocation/journal.h"

#include <string_view>

namespace cellscope::relocation {

// How a runner reports while it works, the same for the CLI's progress line and the GUI's bars.
// The runner calls it on its own thread; a GUI forwards the calls to its thread (queued
// connections). Everything it reports is in the journal too, so another process can watch the same
// relocation through status().
class Observer
{
public:
    virtual ~Observer() = default;

    // One sentence on what the runner does now ("copying sentry_team (2 of 7) to de1").
    virtual void stateChanged(std::string_view sentence) { (void)sentence; }
    // After every batch of copy, verify or cleanup: the table's progress as journaled.
    virtual void tableProgress(Step step, const TableProgress& table)
    {
        (void)step;
        (void)table;
    }
    // Polled at every batch boundary: true makes the runner stop there and leave the relocation
    // running but unowned, for any process to resume (a closing window, Ctrl-C).
    virtual bool stopRequested() { return false; }
};

} // namespace cellscope::relocation
