#pragma once

#include "core/snapshot/snapshot.h"

#include <string>

namespace cellscope::sources {

// Loads a Snapshot from a control database (Sentry's control tables plus, when present, Cellscope's
// schema). The bulk tables stream with COPY on parallel connections that share one exported
// transaction snapshot, so the result is consistent even while the database is being written.
// A replica without Cellscope's schema still loads: cells come from the region_name values and each
// cell becomes its own locality (Sentry's own fallback when no localities are configured).
SnapshotPtr loadSnapshotFromPostgres(const std::string& controlConninfo);

} // namespace cellscope::sources
